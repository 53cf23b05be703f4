#!/usr/bin/env python3
"""Apache 2.4 + mod_cgid running the relay as a plain CGI program, one
process per request, configured by the repo's
contrib/apache/1min-relay-cgi.conf: health, models, routing, Authorization
(CGIPassAuth), chunk-by-chunk streaming, and a client disconnect seen by the
mock. Then the shared-hosting variant: the program as 1min-relay.cgi in a
directory of the document root with contrib/apache/htaccess-cgi as its
.htaccess (mounted under /relay)."""

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploy_common import APACHE_CGI, APACHE_HTACCESS_CGI, apache_defines, check_relay_behind, relay_bin_for_others, relay_test_env, start_apache_contrib  # noqa: E402
from relaytest.procs import RELAY_BIN, base_env, run, stop_process, watch_log  # noqa: E402
from relaytest.servers import start_mock  # noqa: E402


def main():
    mock = start_mock()
    env = relay_test_env(mock)
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        env[k] = base_env()[k]
    site = ("# Test-only: mod_cgid's socket in the test's own directory.\n"
            "ScriptSock %(dir)s/cgid/cgisock\n"
            + apache_defines(ONEMIN_RELAY_BIN=relay_bin_for_others()) + "\nInclude " + APACHE_CGI + "\n"
            + "<Location /v1>\n"
            + "".join('    SetEnv %s "%s"\n' % (k, v) for k, v in sorted(env.items()))
            + "</Location>\n")
    ap = start_apache_contrib(site, modules=("cgid",), subdirs=("cgid",))
    watch_log(ap.logs[0], "apache error log (relay stderr as CGI)")
    check_relay_behind(ap, mock, "apache CGI (mod_cgid)", disconnect=True)
    stop_process(ap.proc)

    # Shared hosting: no ScriptAlias, only .htaccess in a directory of the site.
    ap = start_apache_contrib(
        "ScriptSock %(dir)s/cgid/cgisock\n"
        "DocumentRoot %(dir)s/htdocs\n"
        "<Directory %(dir)s/htdocs>\n"
        "    AllowOverride FileInfo AuthConfig Options\n"
        "    Require all granted\n"
        "</Directory>\n"
        "<Directory %(dir)s/htdocs/relay>\n"
        # what the hosting company would set for the account
        + "".join('    SetEnv %s "%s"\n' % (k, v) for k, v in sorted(env.items()))
        + "</Directory>\n",
        modules=("cgid", "rewrite"), subdirs=("cgid", "htdocs"))
    watch_log(ap.logs[0], "apache error log (relay stderr as CGI via .htaccess)")
    site = os.path.join(ap.dir, "htdocs", "relay")
    os.mkdir(site)
    shutil.copy(RELAY_BIN, os.path.join(site, "1min-relay.cgi"))
    os.chmod(os.path.join(site, "1min-relay.cgi"), 0o755)
    shutil.copy(APACHE_HTACCESS_CGI, os.path.join(site, ".htaccess"))
    check_relay_behind(ap, mock, "apache CGI via .htaccess", prefix="/relay", disconnect=True)
    stop_process(ap.proc)


run(main, timeout=240)
