#!/usr/bin/env python3
"""The systemd units of contrib/systemd/, run as systemd would run them
(systemd itself is not PID 1 here): systemd-analyze verify, then

- 1min-relay.service: its ExecStart (spawn-fcgi -n ... -- 1min-relay) run with
  the environment file's variables, a runtime directory, and nginx in front
  (contrib/nginx/); the socket's mode and owner; health, models, routing,
  Authorization, chunk-by-chunk streaming, a client disconnect; SIGTERM to
  the main process -> exit 0;
- 1min-relay-activated.socket + .service: the listening socket created as the
  .socket unit says and handed over on fd 0 (StandardInput=socket); the same
  checks; and a restart of the service alone on the same socket (the relay
  must leave the shared socket listening when it stops)."""

import configparser
import grp
import http.client as httpclient
import os
import pwd
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploy_common import (IS_ROOT, SYSTEMD_DIR, check_relay_behind, open_tmpdir,  # noqa: E402
                           relay_bin_for_others, relay_test_env, start_nginx_contrib)
from relaytest.tap import TAP, is_, ok  # noqa: E402
from relaytest.procs import (RELAY_BIN, base_env, read_file, run, spawn, stop_process, tmpdir,
                             wait_port, wait_until, watch_log)  # noqa: E402
from relaytest.servers import start_mock  # noqa: E402
from relaytest.clients import request  # noqa: E402

INSTALLED_BIN = "/usr/local/bin/1min-relay"


def unit(name):
    """A unit file as {section: {key: value}} (last value wins)."""
    cp = configparser.RawConfigParser(strict=False, interpolation=None)
    cp.optionxform = str
    with open(os.path.join(SYSTEMD_DIR, name)) as f:
        cp.read_file(f)
    return cp


def exec_start(u, runtime_from, runtime_to):
    """ExecStart as an argv: the installed paths replaced by the test's, and
    spawn-fcgi's user switches made to work on this machine."""
    argv = [a.replace(INSTALLED_BIN, relay_bin_for_others()).replace(runtime_from, runtime_to)
            for a in shlex.split(u.get("Service", "ExecStart"))]
    out = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if argv[0].endswith("spawn-fcgi") and a in ("-u", "-g", "-U", "-G") and "--" in argv[i:]:
            if IS_ROOT:
                # the unit's dedicated user does not exist here: use nobody
                v = {"-u": "nobody", "-g": "nogroup"}.get(a, argv[i + 1])
                out += [a, v]
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def verify_units():
    tool = shutil.which("systemd-analyze")
    if not tool:
        print("ok %d - systemd-analyze verify # SKIP systemd-analyze is not installed" % (TAP.n + 1),
              flush=True)
        TAP.n += 1
        return
    d = tmpdir("units-")
    names = ("1min-relay.service", "1min-relay-activated.socket", "1min-relay-activated.service")
    for n in names:
        # verify checks that ExecStart's program exists: point it at the build.
        with open(os.path.join(d, n), "w") as f:
            f.write(read_file(os.path.join(SYSTEMD_DIR, n)).replace(INSTALLED_BIN, RELAY_BIN))
    p = subprocess.run([tool, "verify"] + [os.path.join(d, n) for n in names], cwd=d,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    out = p.stdout.decode("utf-8", "replace").strip()
    ok(p.returncode == 0 and out == "", "systemd-analyze verify: the three units parse without a warning", out)


def stop_main_process(p, label, grace):
    """What systemd does on stop (KillSignal=SIGTERM to the main process)."""
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        rc = None
    is_(rc, 0, "%s: SIGTERM to the main process -> exit 0 within TimeoutStopSec" % label)
    stop_process(p)


def spawn_fcgi_service(mock):
    label = "1min-relay.service (spawn-fcgi -n)"
    u = unit("1min-relay.service")
    run_dir = open_tmpdir("run-1min-relay-")
    argv = exec_start(u, "/run/" + u.get("Service", "RuntimeDirectory"), run_dir)
    ok(argv[0].endswith("spawn-fcgi") and "-n" in argv[:argv.index("--")] and "-a" not in argv,
       "%s: spawn-fcgi in the foreground (-n) on a unix socket" % label, argv)
    ok(shutil.which(argv[0]) is not None, "%s: %s is installed" % (label, argv[0]))
    log = os.path.join(run_dir, "journal.log")
    # EnvironmentFile: the relay's configuration arrives in the environment.
    p = spawn(argv, env=base_env(relay_test_env(mock)), stdout=log, stderr=log)
    watch_log(log, "relay stderr (%s)" % label)
    sock = os.path.join(run_dir, "relay.sock")
    wait_port(sock, p, what="spawn-fcgi", log=log)
    # spawn-fcgi creates the socket before it execs the relay: give it a moment.
    want = os.path.realpath(relay_bin_for_others())
    wait_until(lambda: os.path.realpath("/proc/%d/exe" % p.pid) == want, 5)
    exe = os.path.realpath("/proc/%d/exe" % p.pid)
    is_(exe, os.path.realpath(relay_bin_for_others()), "%s: spawn-fcgi exec'd the relay as the main process" % label)
    st = os.stat(sock)
    is_(stat.S_IMODE(st.st_mode), 0o660, "%s: the socket has mode 0660" % label)
    if IS_ROOT:
        is_(grp.getgrgid(st.st_gid).gr_name, "www-data", "%s: the socket belongs to group www-data" % label)
        is_(os.stat("/proc/%d" % p.pid).st_uid, pwd.getpwnam("nobody").pw_uid,
            "%s: the relay dropped root (-u)" % label)
    ngx = start_nginx_contrib("unix:" + sock)
    check_relay_behind(ngx, mock, label, disconnect=True)
    stop_process(ngx.proc)
    stop_main_process(p, label, int(u.get("Service", "TimeoutStopSec")))


def socket_activated(mock):
    label = "1min-relay-activated (socket unit)"
    su = unit("1min-relay-activated.socket")
    u = unit("1min-relay-activated.service")
    is_((u.get("Service", "StandardInput"), u.get("Service", "StandardOutput")), ("socket", "journal"),
        "%s: the listening socket on fd 0, stdout not inherited from it" % label)
    listen = su.get("Socket", "ListenStream")
    d = open_tmpdir("run-")
    path = os.path.join(d, os.path.basename(listen))
    # What systemd does for the .socket unit.
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(path)
    ls.listen(int(su.get("Socket", "Backlog")))
    if IS_ROOT:
        shutil.chown(path, su.get("Socket", "SocketUser"), su.get("Socket", "SocketGroup"))
    os.chmod(path, int(su.get("Socket", "SocketMode"), 8))
    argv = exec_start(u, listen, path)
    log = os.path.join(d, "journal.log")
    watch_log(log, "relay stderr (%s)" % label)
    env = base_env(relay_test_env(mock))
    try:
        p = spawn(argv, env=env, stdin=ls.fileno(), stdout=log, stderr=log)
        ngx = start_nginx_contrib("unix:" + path)
        check_relay_behind(ngx, mock, label, disconnect=True)
        stop_main_process(p, label, int(u.get("Service", "TimeoutStopSec")))

        # "systemctl restart 1min-relay-activated.service": a new relay on the
        # socket systemd still holds.
        p = spawn(argv, env=env, stdin=ls.fileno(), stdout=log, stderr=log)
        try:
            r = request(ngx, "GET", "/v1/health", timeout=10)
            good, why = r.status == 200, "%s %r" % (r.status, r.body[:200])
        except (OSError, httpclient.HTTPException) as e:
            good, why = False, repr(e)
        ok(good, "%s: after a restart of the service alone, requests are served" % label, why)
        stop_process(p)
        stop_process(ngx.proc)
    finally:
        ls.close()


def main():
    verify_units()
    mock = start_mock()
    spawn_fcgi_service(mock)
    socket_activated(mock)


run(main, timeout=240)
