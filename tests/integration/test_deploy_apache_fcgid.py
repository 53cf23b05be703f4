#!/usr/bin/env python3
"""Apache 2.4 + mod_fcgid in front of the relay, which Apache itself starts,
configured by the repo's contrib/apache/1min-relay-fcgid.conf: health, models,
routing, Authorization (CGIPassAuth), chunk-by-chunk streaming, a client
disconnect seen by the mock, and a body above mod_fcgid's 128 KiB default."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploy_common import APACHE_FCGID, KEY, apache_defines, check_relay_behind, relay_bin_for_others, relay_test_env, start_apache_contrib  # noqa: E402
from relaytest.tap import diag, like, ok  # noqa: E402
from relaytest.procs import base_env, read_file, run, stop_process, watch_log  # noqa: E402
from relaytest.servers import start_mock  # noqa: E402
from relaytest.clients import SSEStream, auth, chat_body, request  # noqa: E402


def _until_first_content(st):
    """The stream's events up to and including the first content chunk."""
    if st.status != 200:
        return
    for ev in st.events():
        yield ev
        if ev[0] == "data" and "Echo:" in ev[1]:
            return


def _held_now(mock):
    return [c for c in mock.connections() if c.get("outcome") == "held"]


def main():
    mock = start_mock()
    env = relay_test_env(mock)
    env.pop("RELAY_THREADS", None)    # the snippet sets it (1 per process)
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        env[k] = base_env()[k]
    site = """
# Test-only: mod_fcgid's runtime files in the test's own directory.
FcgidIPCDir %(dir)s/fcgid
FcgidProcessTableFile %(dir)s/fcgid/shm
""" + "\n".join('FcgidInitialEnv %s "%s"' % (k, v) for k, v in sorted(env.items())) + "\n" \
        + apache_defines(ONEMIN_RELAY_BIN=relay_bin_for_others()) + "\nInclude " + APACHE_FCGID + "\n"
    ap = start_apache_contrib(site, modules=("fcgid",), subdirs=("fcgid",))
    watch_log(ap.logs[0], "apache error log (relay stderr under mod_fcgid)")
    check_relay_behind(ap, mock, "apache mod_fcgid", disconnect=True)
    like(read_file(ap.logs[0]), r"serving FastCGI with 1 worker threads",
         "apache mod_fcgid: the relay's stderr reaches Apache's error log, with RELAY_THREADS 1 from the snippet")

    # One request per process: three streams at once need three relay
    # processes, which mod_fcgid spawns (FcgidMaxProcessesPerClass).
    mock.reset()
    streams, firsts = [], []
    try:
        for i in range(3):
            st = SSEStream(ap, "/v1/chat/completions", chat_body("s%d [[mock:hold]]" % i, stream=True),
                           headers=auth(KEY), timeout=30)
            streams.append(st)
            firsts.append(any(kind == "data" and "Echo:" in text
                              for kind, text, _t in _until_first_content(st)))
    except OSError as e:
        diag("concurrent streams: %r" % (e,))
    ok(firsts == [True, True, True] and len(_held_now(mock)) == 3,
       "apache mod_fcgid: three concurrent streams each get their first chunk while all three are held",
       "firsts %r, connections %r" % (firsts, mock.connections()))
    mock.release()
    for st in streams:
        st.close()

    # Above mod_fcgid's 128 KiB default, below the relay's limit.
    mock.reset()
    r = request(ap, "POST", "/v1/chat/completions", body=chat_body("big " + "y" * (512 * 1024)),
                headers=auth(KEY), timeout=60)
    ok(r.status == 200 and len(mock.chat_requests()) == 1,
       "apache mod_fcgid: a 512 KiB body (over the 128 KiB default FcgidMaxRequestLen) is served",
       "%s %r" % (r.status, r.body[:300]))
    stop_process(ap.proc)
    text = read_file(ap.logs[0])
    ok("get stop signal 9" not in text, "apache mod_fcgid: the relay stopped on SIGTERM (no SIGKILL needed)",
       text[-2000:])


run(main, timeout=240)
