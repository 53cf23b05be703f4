#!/usr/bin/env python3
"""Apache 2.4 + mod_proxy_fcgi in front of a relay started with --listen (TCP
and a unix socket), configured by the repo's
contrib/apache/1min-relay-proxy-fcgi.conf: health, models, routing,
Authorization (CGIPassAuth), chunk-by-chunk streaming (flushpackets=on), and a
client disconnect seen by the mock."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploy_common import APACHE_PROXY_FCGI, apache_defines, check_relay_behind, open_tmpdir, relay_test_env, start_apache_contrib  # noqa: E402
from relaytest.tap import is_  # noqa: E402
from relaytest.procs import run, stop_process, watch_log  # noqa: E402
from relaytest.servers import start_mock, start_relay_listen  # noqa: E402


def apache_in_front(backend):
    site = apache_defines(ONEMIN_RELAY_FCGI=backend) + "\nInclude " + APACHE_PROXY_FCGI + "\n"
    return start_apache_contrib(site, modules=("proxy", "proxy_fcgi"))


def main():
    mock = start_mock()

    relay = start_relay_listen(relay_test_env(mock))
    ap = apache_in_front("fcgi://%s:%d/" % relay.addr)
    watch_log(ap.logs[0], "apache error log (mod_proxy_fcgi, TCP)")
    check_relay_behind(ap, mock, "apache mod_proxy_fcgi -> TCP", disconnect=True)
    stop_process(ap.proc)
    is_(relay.stop(), 0, "the relay exits 0 on SIGTERM")

    d = open_tmpdir("relay-unix-")
    sock = os.path.join(d, "relay.sock")
    relay = start_relay_listen(relay_test_env(mock), listen="unix:" + sock)
    os.chmod(sock, 0o666)
    ap = apache_in_front("unix:%s|fcgi://localhost/" % sock)
    watch_log(ap.logs[0], "apache error log (mod_proxy_fcgi, unix socket)")
    check_relay_behind(ap, mock, "apache mod_proxy_fcgi -> unix socket")
    stop_process(ap.proc)
    relay.stop()


run(main, timeout=240)
