/* check_config: `1min-relay --check-config`.
 *
 * Reads the environment exactly as a start does (every configuration loader
 * of the relay, the metrics store, the access log, the rate-limit store),
 * prints the effective configuration with secrets masked, then every problem
 * found: after a loader stops at a bad variable, that variable is set aside
 * and the loader runs again, so one run names every bad variable. A variable
 * with a relay prefix (RELAY_, ONE_MIN_, RATE_LIMIT_, WEB_SEARCH_) that the
 * relay does not read is a problem too (a typo would be ignored silently).
 *
 * Thread rule: runs alone in main(), before anything else. */
#ifndef RELAY_CHECK_CONFIG_H
#define RELAY_CHECK_CONFIG_H

#include <stdio.h>

/* Print to out; returns the exit code: 0 when no problem was found, else 1. */
int check_config_run(FILE *out);

#endif
