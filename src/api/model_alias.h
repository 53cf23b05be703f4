/* model_alias: the model names clients ask for -> 1min.ai model ids.
 *
 * Anthropic clients ask for "claude-sonnet-4-5", "claude-opus-4-1",
 * "claude-haiku-4-5-20251001" and the like; 1min.ai's catalogue may hold
 * other dates or spellings. A name resolves, first match wins, to:
 *   1. its entry in RELAY_MODEL_ALIASES ("client=1min-id,client2=id2"),
 *   2. itself, when the catalogue has it,
 *   3. for a Claude name, the newest catalogue model of the same version
 *      ("claude-sonnet-4-5" and "claude-sonnet-4-5-20250929" -> the newest
 *      "claude-sonnet-4-5[-YYYYMMDD]"; "-latest" and a date are dropped first),
 *   4. for a Claude name, the newest catalogue model of the same tier
 *      (opus, sonnet or haiku) — a client asking for a Claude model the
 *      catalogue does not sell gets the nearest one it does.
 * "Newest" is the latest date in the id, then the latest createdAt. Only chat
 * models are candidates for 3 and 4. The answer reports the id used, so a
 * client always sees which model answered.
 *
 * Thread rule: the process's table is written by model_alias_configure before
 * the worker threads start and read-only afterwards; model_alias_resolve is
 * pure. */
#ifndef RELAY_API_MODEL_ALIAS_H
#define RELAY_API_MODEL_ALIAS_H

#include <stddef.h>

#include "onemin/catalog.h"

#define MODEL_ALIAS_MAX 64

struct model_alias {
    char from[CATALOG_ID_MAX];
    char to[CATALOG_ID_MAX];
};

struct model_aliases {
    size_t n;
    struct model_alias map[MODEL_ALIAS_MAX];
};

/* Parse "a=b,c=d" (whitespace around names ignored, empty = no aliases) into
 * a. Returns 0, or -1 with a message naming the bad entry in err. */
int model_alias_parse(struct model_aliases *a, const char *spec, char *err, size_t errlen);

/* Read RELAY_MODEL_ALIASES into the process's table (start-up, before the
 * workers). Returns 0, or -1 with a message naming the variable in err. */
int model_alias_configure(char *err, size_t errlen);

/* The process's table; empty until model_alias_configure. Read-only. */
const struct model_aliases *model_alias_table(void);

/* Resolve name (a may be NULL) against the catalogue models[0..n). Returns
 * the index of the model, or -1 when nothing matches; *rule (may be NULL)
 * gets 1 to 4, the rule above that matched. An alias whose target is not in
 * the catalogue resolves to nothing. */
long model_alias_resolve(const struct model_aliases *a, const char *name, const struct catalog_model *models,
                         size_t n, int *rule);

#endif
