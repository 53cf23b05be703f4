"""relaytest.servers: the processes a test talks to, all on 127.0.0.1.

The mock 1min.ai (start_mock), the relay behind a real lighttpd with the repo's
contrib/lighttpd fragment (start_lighttpd, start_stack), the relay on its own
socket (start_relay_listen), the relay as CGI (run_cgi) and memcached
(start_memcached). nginx and Apache, started with the repo's contrib recipes,
are in tests/integration/deploy_common.py. Every process is registered with
relaytest.procs for cleanup; every relay log is watched for sanitizer reports.
"""

import json
import os
import signal
import subprocess
import sys

from relaytest.clients import http_raw
from relaytest.fcgi import CgiResult, cgi_env
from relaytest.procs import (TOP_SRCDIR, RELAY_BIN, HarnessError, base_env, free_port,
                             need_relay_bin, read_file, spawn, stop_process, tmpdir, untrack,
                             wait_port, wait_until, watch_log)

MOCK_PY = os.path.join(TOP_SRCDIR, "tests", "mock", "mock1min.py")
LIGHTTPD_FRAGMENT = os.path.join(TOP_SRCDIR, "contrib", "lighttpd", "1min-relay.conf")


# ---------------------------------------------------------------------------
# The mock 1min.ai

class Mock:
    """A running tests/mock/mock1min.py and its control API."""

    def __init__(self, proc, port, log):
        self.proc = proc
        self.port = port
        self.url = "http://127.0.0.1:%d" % port
        self.log = log

    def _ctl(self, method, path, obj=None):
        body = json.dumps(obj).encode() if obj is not None else None
        r = http_raw("127.0.0.1", self.port, method, path, body=body,
                 headers={"Content-Type": "application/json"} if body else None, timeout=10)
        if r.status != 200:
            raise HarnessError("mock control %s %s: %d %r" % (method, path, r.status, r.body[:200]))
        return r.json()

    def requests(self, path=None):
        """Everything the mock received, oldest first (optionally only path)."""
        reqs = self._ctl("GET", "/__mock/requests")["requests"]
        return [r for r in reqs if path is None or r["path"] == path]

    def chat_requests(self):
        return self.requests("/api/chat-with-ai")

    def model_requests(self):
        return self.requests("/models")

    def connections(self):
        return self._ctl("GET", "/__mock/connections")["connections"]

    def reset(self):
        self._ctl("POST", "/__mock/reset", {})

    def release(self):
        self._ctl("POST", "/__mock/release", {})

    def script(self, *answers):
        """Queue scripted answers (tests/mock/README.md, "Scripted answers"):
        each a dict with path, optional method/query/times, and status,
        headers, json | body | sse | chunks. Cleared by reset()."""
        return self._ctl("POST", "/__mock/script", {"answers": list(answers)})

    def config(self, **kw):
        return self._ctl("POST", "/__mock/config", kw)["config"]

    def env(self, **overrides):
        """ONE_MIN_* settings that point the relay at this mock, plus overrides."""
        env = {
            "ONE_MIN_CHAT_API_URL": self.url + "/api/chat-with-ai",
            "ONE_MIN_API_URL": self.url + "/api/features",
            "ONE_MIN_ASSET_URL": self.url + "/api/assets",
            "ONE_MIN_MODELS_API_URL": self.url + "/models",
            "ONE_MIN_ASSET_CDN_URL": self.url + "/cdn",
        }
        env.update({k: str(v) for k, v in overrides.items()})
        return env


def start_mock():
    d = tmpdir("mock1min-")
    port_file = os.path.join(d, "port")
    log = os.path.join(d, "mock.log")
    p = spawn([sys.executable, MOCK_PY, "--port", "0", "--port-file", port_file],
              env=base_env(), stdout=log, stderr=log)
    if not wait_until(lambda: os.path.exists(port_file) or p.poll() is not None, 15):
        raise HarnessError("mock did not start\n" + read_file(log))
    if p.poll() is not None:
        raise HarnessError("mock exited: %s\n%s" % (p.returncode, read_file(log)))
    port = int(open(port_file).read().strip())
    wait_port(("127.0.0.1", port), p, what="mock", log=log)
    return Mock(p, port, log)


def relay_env(mock=None, **overrides):
    """The environment a test relay gets: the mock's URLs, debug logging (so that
    key-leak checks see the most log lines), 4 threads, rate limiting off (its
    default local store is shared by every relay on the machine; rate-limit
    tests turn it on explicitly), an upload cache of the test's own (the
    default one is per host and outlives the test: a mock on a reused port would
    be answered from another run's entries), and overrides."""
    env = {"RELAY_LOG_LEVEL": "debug", "RELAY_THREADS": "4", "RATE_LIMIT_STORE": "off",
           "RELAY_UPLOAD_CACHE_DIR": tmpdir("upload-cache-")}
    if mock is not None:
        env.update(mock.env())
    env.update({k: str(v) for k, v in overrides.items()})
    return env


# ---------------------------------------------------------------------------
# lighttpd with the repo's contrib fragment

def _lighttpd_str(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


class Lighttpd:
    def __init__(self, proc, port, d, errorlog, relay_log, conf):
        self.proc = proc
        self.port = port
        self.host = "127.0.0.1"
        self.base_url = "http://127.0.0.1:%d" % port
        self.dir = d
        self.errorlog = errorlog
        self.relay_log = relay_log
        self.conf = conf

    def logs(self):
        """lighttpd's error log plus the relay's stderr."""
        return read_file(self.errorlog) + read_file(self.relay_log)

    def stop(self):
        return stop_process(self.proc)


def start_lighttpd(relay_env_vars, relay_bin=None, relay_args=(), conf_extra="",
                   fragment=None, timeout=20):
    """Start lighttpd on an ephemeral 127.0.0.1 port with the relay behind it
    (spawned by lighttpd through bin-path), configured by the repo's contrib
    fragment. relay_env_vars reach the relay through bin-environment."""
    need_relay_bin()
    relay_bin = relay_bin or RELAY_BIN
    fragment = fragment or LIGHTTPD_FRAGMENT
    d = tmpdir("lighttpd-")
    docroot = os.path.join(d, "htdocs")
    os.mkdir(docroot)
    errorlog = os.path.join(d, "error.log")
    relay_log = os.path.join(d, "relay-stderr.log")
    bin_path = " ".join([relay_bin] + list(relay_args))
    env_lines = ",\n".join("    %s => %s" % (_lighttpd_str(k), _lighttpd_str(v))
                           for k, v in sorted(relay_env_vars.items()))
    last_err = None
    for _attempt in range(3):
        port = free_port()
        conf = os.path.join(d, "lighttpd.conf")
        with open(conf, "w") as f:
            f.write("""# generated by tests/lib/relaytest/servers.py
server.document-root = %(docroot)s
server.bind = "127.0.0.1"
server.port = %(port)d
server.pid-file = %(pid)s
server.errorlog = %(errorlog)s
server.breakagelog = %(relay_log)s
server.tag = "lighttpd"
var.relay_bin = %(bin)s
var.relay_socket = %(sock)s
var.relay_env = (
%(env)s
)
include %(fragment)s
%(extra)s
""" % {"docroot": _lighttpd_str(docroot), "port": port,
       "pid": _lighttpd_str(os.path.join(d, "lighttpd.pid")),
       "errorlog": _lighttpd_str(errorlog), "relay_log": _lighttpd_str(relay_log),
       "bin": _lighttpd_str(bin_path), "sock": _lighttpd_str(os.path.join(d, "relay.sock")),
       "env": env_lines, "fragment": _lighttpd_str(fragment), "extra": conf_extra})
        out = os.path.join(d, "lighttpd.out")
        p = spawn(["lighttpd", "-D", "-f", conf], env=base_env(), stdout=out, stderr=out)
        watch_log(relay_log, "relay stderr (behind lighttpd)")
        watch_log(errorlog, "lighttpd error log")
        watch_log(out, "lighttpd stdout/stderr")
        try:
            wait_port(("127.0.0.1", port), p, timeout=timeout, what="lighttpd", log=out)
            return Lighttpd(p, port, d, errorlog, relay_log, conf)
        except HarnessError as e:
            last_err = HarnessError("%s\n%s\n%s" % (e, read_file(errorlog, 3000),
                                                   read_file(relay_log, 3000)))
            stop_process(p)
            if "Address already in use" not in str(last_err):
                break
    raise last_err


# ---------------------------------------------------------------------------
# The relay on its own socket, and as CGI

class Relay:
    def __init__(self, proc, listen, addr, log):
        self.proc = proc
        self.listen = listen      # the --listen argument
        self.addr = addr          # (host, port) or a Unix socket path
        self.log = log

    def logs(self):
        return read_file(self.log)

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        return stop_process(self.proc, sig, timeout)


def start_relay_listen(env_vars, listen=None, args=(), wait=True, timeout=15):
    """Run the relay with --listen (default: a fresh 127.0.0.1 port, retried if
    another process takes it first). listen may be "HOST:PORT", "[V6]:PORT" or
    "unix:/path". stderr goes to Relay.log."""
    need_relay_bin()
    d = tmpdir("relay-")
    log = os.path.join(d, "relay-stderr.log")
    watch_log(log, "relay stderr (--listen, %s)" % os.path.basename(d))
    for attempt in range(3):
        addr_arg = listen or "127.0.0.1:%d" % free_port()
        if addr_arg.startswith("unix:"):
            addr = addr_arg[5:]
        else:
            host, _, port = addr_arg.rpartition(":")
            addr = (host.strip("[]"), int(port))
        p = spawn([RELAY_BIN, "--listen", addr_arg] + list(args), env=base_env(env_vars),
                  stdout=log, stderr=log)
        r = Relay(p, addr_arg, addr, log)
        if not wait:
            return r
        try:
            wait_port(addr, p, timeout=timeout, what="relay", log=log)
            return r
        except HarnessError:
            stop_process(p)
            if listen is not None or attempt == 2 or "in use" not in read_file(log, 2000).lower():
                raise


def run_cgi(env_vars, method, uri, body=b"", headers=None, timeout=60, args=(), stdin_bytes=None):
    """Run the relay once as a CGI program (stdin is a pipe) and return a CgiResult.
    CONTENT_LENGTH is len(body); stdin carries stdin_bytes when given, else body.
    stderr is checked for sanitizer reports by the caller via .stderr."""
    need_relay_bin()
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    env = base_env(env_vars)
    env.update(cgi_env(method, uri, headers, body))
    p = spawn([RELAY_BIN] + list(args), env=env, stdin=subprocess.PIPE,
              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(body if stdin_bytes is None else stdin_bytes, timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_process(p)
        raise HarnessError("relay as CGI did not finish within %d s" % timeout)
    untrack(p)
    return CgiResult(p.returncode, out, err.decode("utf-8", "replace"))


# ---------------------------------------------------------------------------
# memcached, nginx, Apache

class Server:
    def __init__(self, proc, port, d, logs):
        self.proc = proc
        self.port = port
        self.host = "127.0.0.1"
        self.base_url = "http://127.0.0.1:%d" % port
        self.dir = d
        self.logs = logs

    def log_text(self):
        return "".join(read_file(p) for p in self.logs)

    def stop(self):
        return stop_process(self.proc)


def start_memcached(extra_args=()):
    """memcached on 127.0.0.1, TCP only, an ephemeral port. .port is the port."""
    d = tmpdir("memcached-")
    log = os.path.join(d, "memcached.log")
    for _attempt in range(3):
        port = free_port()
        as_root = ["-u", "root"] if os.geteuid() == 0 else []   # memcached refuses root without -u
        p = spawn(["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "16"]
                  + as_root + list(extra_args), env=base_env(), stdout=log, stderr=log)
        try:
            wait_port(("127.0.0.1", port), p, what="memcached", log=log)
            return Server(p, port, d, [log])
        except HarnessError:
            stop_process(p)
    raise HarnessError("memcached did not start\n" + read_file(log))


# ---------------------------------------------------------------------------
# Shortcuts for the relay's tests

def start_stack(relay_args=(), **overrides):
    """The mock and, in front of the relay, lighttpd with the contrib fragment.
    overrides are relay environment variables (RELAY_MAX_BODY=..., ...)."""
    mock = start_mock()
    lt = start_lighttpd(relay_env(mock, **overrides), relay_args=relay_args)
    return mock, lt
