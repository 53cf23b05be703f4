"""harness: what every python integration test of 1min-relay shares.

- TAP output (ok, is_, like, diag) and run(main, timeout): a global time limit,
  a plan printed at the end, an exit code that says whether everything passed.
- Guaranteed cleanup: every process started through spawn() runs in its own
  process group and is killed (SIGTERM, then SIGKILL) at the end, on failure,
  on timeout (SIGALRM) and on SIGTERM/SIGINT.
- Servers on 127.0.0.1 and ephemeral ports: the mock 1min.ai (start_mock), the
  relay behind a real lighttpd with the repo's contrib/lighttpd fragment
  (start_lighttpd), the relay on its own socket (start_relay_listen), the relay
  as CGI (run_cgi) and memcached (start_memcached). nginx and Apache, started
  with the repo's contrib recipes, are in tests/integration/deploy_common.py.
- Clients: request()/http_raw() for whole responses, SSEStream for reading server-sent events
  as they arrive, FcgiConn / fcgi_request for raw FastCGI.
- Sanitizers: every relay log registered with watch_log() is checked at the end
  for ASan/UBSan/LSan reports; a report fails the test.

Environment: RELAY_BIN, TOP_SRCDIR, TOP_BUILDDIR (set by make check; defaults
are derived from this file's location).
"""

import atexit
import http.client as httpclient
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TOP_SRCDIR = os.environ.get("TOP_SRCDIR") or os.path.dirname(os.path.dirname(HERE))
TOP_BUILDDIR = os.environ.get("TOP_BUILDDIR") or os.getcwd()
RELAY_BIN = os.environ.get("RELAY_BIN") or os.path.join(TOP_BUILDDIR, "1min-relay")
MOCK_PY = os.path.join(TOP_SRCDIR, "tests", "mock", "mock1min.py")
LIGHTTPD_FRAGMENT = os.path.join(TOP_SRCDIR, "contrib", "lighttpd", "1min-relay.conf")

SANITIZER_RE = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
                          r"ERROR: ThreadSanitizer|SUMMARY: UndefinedBehaviorSanitizer")


class HarnessError(Exception):
    """A server could not be started or a helper failed; the test fails."""


class TestTimeout(BaseException):
    """Raised by SIGALRM when the global time limit is reached."""


class Stop(BaseException):
    """Raised on SIGTERM/SIGINT so that cleanup still runs."""


# ---------------------------------------------------------------------------
# TAP

class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0
        self.lock = threading.Lock()

    def ok(self, cond, name, diag=None):
        with self.lock:
            self.n += 1
            name = name.replace("#", "\\#").replace("\n", " ")
            if cond:
                print("ok %d - %s" % (self.n, name), flush=True)
            else:
                self.failed += 1
                print("not ok %d - %s" % (self.n, name), flush=True)
                if diag:
                    self._diag(diag)
        return bool(cond)

    def _diag(self, msg):
        for line in str(msg).splitlines() or [""]:
            print("# " + line, flush=True)

    def diag(self, msg):
        with self.lock:
            self._diag(msg)


TAP = Tap()


def ok(cond, name, diag=None):
    """One TAP assertion. Returns cond as a bool."""
    return TAP.ok(cond, name, diag)


def is_(got, expected, name):
    return TAP.ok(got == expected, name, "got:      %r\nexpected: %r" % (got, expected))


def isnt(got, unexpected, name):
    return TAP.ok(got != unexpected, name, "got: %r (must differ)" % (got,))


def like(got, regex, name):
    cond = isinstance(got, str) and re.search(regex, got) is not None
    return TAP.ok(cond, name, "got:      %r\nexpected to match: %r" % (got, regex))


def diag(msg):
    TAP.diag(msg)


# ---------------------------------------------------------------------------
# Processes and cleanup

_procs = []          # Popen objects started by spawn(), each leading its own group
_watched = []        # (path, label) of logs checked for sanitizer reports
_tmpdirs = []
_cleaned = False


def tmpdir(prefix="relay-test-"):
    d = tempfile.mkdtemp(prefix=prefix)
    _tmpdirs.append(d)
    return d


def spawn(argv, env=None, stdout=None, stderr=None, stdin=subprocess.DEVNULL, cwd=None,
          pass_fds=()):
    """Start a process in a new session (its own process group), registered for
    cleanup. stdout/stderr may be file paths (opened for append) or file objects."""
    outs = []
    for s in (stdout, stderr):
        if isinstance(s, str):
            f = open(s, "ab")
            outs.append(f)
        else:
            outs.append(s)
    try:
        p = subprocess.Popen(argv, env=env, stdin=stdin, stdout=outs[0], stderr=outs[1],
                             cwd=cwd, start_new_session=True, pass_fds=pass_fds)
    finally:
        for o, s in zip(outs, (stdout, stderr)):
            if isinstance(s, str):
                o.close()
    _procs.append(p)
    return p


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def stop_process(p, sig=signal.SIGTERM, timeout=5.0):
    """Signal p's whole process group, wait up to timeout for the group to be
    gone, then SIGKILL it. Returns p's exit code (None if it could not be reaped)."""
    pgid = p.pid
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        p.poll()
        if p.returncode is not None and not _group_alive(pgid):
            break
        time.sleep(0.05)
    if _group_alive(pgid):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    deadline = time.monotonic() + 3
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if p in _procs:
        _procs.remove(p)
    return p.returncode


def run_process(argv, env=None, timeout=15, input=None):
    """Run argv to completion (its own process group, killed on timeout).
    Returns (rc, stdout, stderr) as text; rc is None when it had to be killed."""
    p = spawn(argv, env=env, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(input, timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        stop_process(p, signal.SIGKILL)
        out, err, rc = b"", b"(killed: did not exit within %d s)" % timeout, None
    if p in _procs:
        _procs.remove(p)
    return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def watch_log(path, label):
    """Check path for sanitizer reports when the test ends."""
    _watched.append((path, label))


def all_logs_text():
    """Everything written so far to the logs registered with watch_log()."""
    return "".join(read_file(p) for p, _ in _watched)


def read_file(path, limit=None):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return ""
    text = data.decode("utf-8", "replace")
    return text[-limit:] if limit else text


def sanitizer_report(text):
    """The first lines around a sanitizer report in text, or None."""
    m = SANITIZER_RE.search(text)
    if not m:
        return None
    start = text.rfind("\n", 0, max(0, m.start() - 200)) + 1
    return text[start:start + 3000]


def _cleanup():
    global _cleaned
    if _cleaned:
        return
    _cleaned = True
    signal.alarm(0)
    for p in list(reversed(_procs)):
        try:
            stop_process(p)
        except Exception:  # keep cleaning up the others
            pass
    for path, label in _watched:
        rep = sanitizer_report(read_file(path))
        TAP.ok(rep is None, "no sanitizer report in %s" % label, rep)
    if TAP.failed:
        for path, label in _watched:
            tail = read_file(path, 4000)
            if tail.strip():
                TAP.diag("---- tail of %s (%s) ----\n%s" % (label, path, tail))
    if TAP.failed and os.environ.get("KEEP_TMP"):
        TAP.diag("temporary files kept: %s" % " ".join(_tmpdirs))
    else:
        for d in _tmpdirs:
            shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)


def _on_alarm(signum, frame):
    raise TestTimeout()


def _on_stop(signum, frame):
    raise Stop()


def run(main, timeout=300):
    """Run main() under a global time limit, print the TAP plan and exit.
    Any exception or timeout fails the test; cleanup always runs."""
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGTERM, _on_stop)
    signal.signal(signal.SIGINT, _on_stop)
    signal.alarm(int(timeout))
    try:
        main()
    except TestTimeout:
        ok(False, "test finished within its %d s time limit" % timeout,
           "".join(traceback.format_stack()[-8:]))
    except Stop:
        ok(False, "test was not interrupted by a signal")
    except Exception:  # any harness or assertion crash is a failure, not a pass
        ok(False, "test ran without an unexpected exception", traceback.format_exc())
    finally:
        signal.alarm(0)
        try:
            _cleanup()
        except BaseException:
            TAP.ok(False, "cleanup succeeded", traceback.format_exc())
    if TAP.n == 0:
        ok(False, "test made at least one assertion")
    print("1..%d" % TAP.n, flush=True)
    sys.stdout.flush()
    os._exit(1 if TAP.failed else 0)


def wait_until(pred, timeout, interval=0.05):
    """Poll pred() until it returns a true value (returned) or timeout (None)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


# ---------------------------------------------------------------------------
# Ports and readiness

def free_port():
    """An ephemeral TCP port on 127.0.0.1 that was free a moment ago."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def addr_family(addr):
    """AF_UNIX for a path, AF_INET6 for a (host, port) whose host has a colon."""
    if isinstance(addr, str):
        return socket.AF_UNIX
    return socket.AF_INET6 if ":" in addr[0] else socket.AF_INET


def can_connect(addr, timeout=0.5):
    """addr: (host, port) or a Unix socket path."""
    s = socket.socket(addr_family(addr), socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(addr)
        return True
    except OSError:
        return False
    finally:
        s.close()


def wait_port(addr, proc=None, timeout=15.0, what="server", log=None):
    """Wait until addr accepts connections; fail early if proc exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if can_connect(addr):
            return
        if proc is not None and proc.poll() is not None:
            raise HarnessError("%s exited with status %s before listening on %s%s" % (
                what, proc.returncode, addr, ("\n" + read_file(log, 3000)) if log else ""))
        time.sleep(0.05)
    raise HarnessError("%s did not listen on %s within %.0f s%s" % (
        what, addr, timeout, ("\n" + read_file(log, 3000)) if log else ""))


def base_env(extra=None):
    """A small, predictable environment for child processes: PATH, the
    sanitizer options from make check, and extra."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
           "PYTHONDONTWRITEBYTECODE": "1"}   # the source tree may be read-only (distcheck)
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TMPDIR"):
        if k in os.environ:
            env[k] = os.environ[k]
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=99")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    if extra:
        env.update({k: str(v) for k, v in extra.items()})
    return env


def need_relay_bin():
    if not os.access(RELAY_BIN, os.X_OK):
        raise HarnessError("relay binary %s is missing or not executable (run make first)" % RELAY_BIN)


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
    tests turn it on explicitly), and overrides."""
    env = {"RELAY_LOG_LEVEL": "debug", "RELAY_THREADS": "4", "RATE_LIMIT_STORE": "off"}
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
            f.write("""# generated by tests/lib/harness.py
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


class CgiResult:
    def __init__(self, rc, raw, stderr):
        self.rc = rc
        self.raw = raw
        self.stderr = stderr
        self.status, self.headers, self.body = parse_cgi_response(raw)

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def json(self):
        return json.loads(self.body.decode("utf-8"))


def parse_cgi_response(raw):
    """(status, [(name, value)], body) from a CGI/FastCGI response; status from
    the Status: header (200 when absent), None when the headers are malformed."""
    sep = raw.find(b"\r\n\r\n")
    seplen = 4
    nsep = raw.find(b"\n\n")
    if sep < 0 or (0 <= nsep < sep):
        sep, seplen = nsep, 2
    if sep < 0:
        return None, [], raw
    head = raw[:sep].decode("latin-1")
    headers = []
    for line in head.splitlines():
        if ":" not in line:
            return None, headers, raw[sep + seplen:]
        k, v = line.split(":", 1)
        headers.append((k.strip(), v.strip()))
    status = 200
    for k, v in headers:
        if k.lower() == "status":
            try:
                status = int(v.split()[0])
            except (ValueError, IndexError):
                status = None
    return status, headers, raw[sep + seplen:]


def cgi_env(method, uri, headers=None, body=b"", extra=None):
    """The CGI/1.1 variables a web server would set for this request."""
    path, _, query = uri.partition("?")
    env = {
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_SOFTWARE": "relay-test-harness",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_ADDR": "127.0.0.1",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "REQUEST_METHOD": method,
        "REQUEST_URI": uri,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)),
    }
    for k, v in (headers or {}).items():
        if v is None:
            continue
        if k.lower() == "content-type":
            env["CONTENT_TYPE"] = v
        else:
            env["HTTP_" + k.upper().replace("-", "_")] = v
    if extra:
        env.update(extra)
    return env


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
    if p in _procs:
        _procs.remove(p)
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
# HTTP clients

class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers     # [(name, value)] as received
        self.body = body

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None


def _split_base(base):
    """(host, port) from "http://127.0.0.1:8080" or an object with .host/.port."""
    if hasattr(base, "port"):
        return base.host, base.port
    m = re.match(r"^http://([^:/]+):(\d+)", base)
    if not m:
        raise ValueError("bad base url %r" % base)
    return m.group(1), int(m.group(2))


def http_raw(host, port, method, path, body=None, headers=None, timeout=30):
    """One request; returns a Response with the whole body."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        headers = dict(headers or {})
        headers.setdefault("Content-Type", "application/json")
    conn = httpclient.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, r.reason, r.getheaders(), data)
    finally:
        conn.close()


def request(base, method, path, body=None, headers=None, timeout=30):
    """http_raw() against a base URL or a server object (Lighttpd, Server)."""
    host, port = _split_base(base)
    return http_raw(host, port, method, path, body, headers, timeout)


def auth(key="sk-test-key-123"):
    return {"Authorization": "Bearer " + key}


def chat_body(content="hello", model="gpt-4o", stream=False, **extra):
    body = {"model": model, "messages": [{"role": "user", "content": content}]}
    if stream:
        body["stream"] = True
    body.update(extra)
    return body


class SSEStream:
    """A streamed POST whose server-sent events are read as they arrive.

    After construction: .status, .headers (as in Response). If the status is
    not 200, .body holds the whole response body. events() yields
    ("data", text, t) for each data event and ("comment", text, t) for each
    comment line, t being time.monotonic() when it arrived."""

    def __init__(self, base, path, body, headers=None, timeout=30, method="POST"):
        host, port = _split_base(base)
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        hdrs = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        hdrs.update(headers or {})
        self.conn = httpclient.HTTPConnection(host, port, timeout=timeout)
        self.conn.request(method, path, body=body, headers=hdrs)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = self.resp.getheaders()
        self.body = None
        if self.status != 200:
            self.body = self.resp.read()
            self.close()

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, AttributeError):
            return None

    def raw_lines(self):
        while True:
            line = self.resp.readline()
            if not line:
                return
            yield line

    def events(self):
        data = []
        for raw in self.raw_lines():
            t = time.monotonic()
            line = raw.decode("utf-8", "surrogateescape").rstrip("\r\n")
            if line == "":
                if data:
                    yield ("data", "\n".join(data), t)
                    data = []
                continue
            if line.startswith(":"):
                yield ("comment", line, t)
            elif line.startswith("data:"):
                v = line[5:]
                data.append(v[1:] if v.startswith(" ") else v)
            else:
                yield ("other", line, t)
        if data:
            yield ("data", "\n".join(data), time.monotonic())

    def read_all(self):
        """All events until the server closes: a list of (kind, text, t)."""
        return list(self.events())

    def close(self):
        try:
            self.conn.sock and self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()


def stream_chunks(events):
    """From SSEStream events: (chunks, done, errors, comments) where chunks are
    the parsed JSON data events (not [DONE]), done says whether [DONE] came
    last, errors are data events with an "error" key, comments are comment lines.
    Unparseable data lines are returned as {"__unparsed__": text}."""
    chunks, errors, comments = [], [], []
    done = False
    for kind, text, _t in events:
        if kind == "comment":
            comments.append(text)
            continue
        if kind != "data":
            continue
        if text == "[DONE]":
            done = True
            continue
        done = False
        try:
            obj = json.loads(text)
        except ValueError:
            obj = {"__unparsed__": text}
        if isinstance(obj, dict) and "error" in obj:
            errors.append(obj)
        else:
            chunks.append(obj)
    return chunks, done, errors, comments


def is_openai_error(obj):
    """True for {"error": {message, type, param, code}} with all four keys."""
    if not isinstance(obj, dict) or not isinstance(obj.get("error"), dict):
        return False
    e = obj["error"]
    return (all(k in e for k in ("message", "type", "param", "code"))
            and isinstance(e["message"], str) and e["message"] != ""
            and (e["code"] is None or isinstance(e["code"], str)))


# ---------------------------------------------------------------------------
# Raw FastCGI client (platform-notes 1.10)

FCGI_BEGIN_REQUEST, FCGI_ABORT_REQUEST, FCGI_END_REQUEST = 1, 2, 3
FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT, FCGI_STDERR = 4, 5, 6, 7


def _fcgi_record(rtype, content, req_id=1):
    out = b""
    while True:
        part, content = content[:65535], content[65535:]
        pad = (8 - len(part) % 8) % 8
        out += struct.pack(">BBHHBB", 1, rtype, req_id, len(part), pad, 0) + part + b"\0" * pad
        if not content:
            return out


def _fcgi_len(n):
    return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)


def fcgi_encode_params(params):
    out = b""
    for k, v in params.items():
        kb, vb = k.encode(), str(v).encode()
        out += _fcgi_len(len(kb)) + _fcgi_len(len(vb)) + kb + vb
    return out


class FcgiConn:
    """One FastCGI request over a fresh connection (no keep-alive).

    conn = FcgiConn(addr); conn.send(params, body); for (type, content, t) in
    conn.records(): ...  addr is (host, port) or a Unix socket path."""

    def __init__(self, addr, timeout=30):
        self.sock = socket.socket(addr_family(addr), socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(addr)
        self.buf = b""
        self.app_status = None

    def send(self, params, body=b"", keep_conn=False):
        msg = _fcgi_record(FCGI_BEGIN_REQUEST, struct.pack(">HB5x", 1, 1 if keep_conn else 0))
        enc = fcgi_encode_params(params)
        if enc:
            msg += _fcgi_record(FCGI_PARAMS, enc)
        msg += _fcgi_record(FCGI_PARAMS, b"")
        if body:
            msg += _fcgi_record(FCGI_STDIN, body)
        msg += _fcgi_record(FCGI_STDIN, b"")
        self.sock.sendall(msg)

    def _read_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def records(self):
        """Yield (type, content, t) until END_REQUEST (or EOF)."""
        while True:
            try:
                hdr = self._read_exact(8)
            except EOFError:
                return
            _ver, rtype, _rid, clen, plen, _ = struct.unpack(">BBHHBB", hdr)
            content = self._read_exact(clen)
            self._read_exact(plen)
            t = time.monotonic()
            if rtype == FCGI_END_REQUEST:
                self.app_status = struct.unpack(">I", content[:4])[0]
                yield (rtype, content, t)
                return
            yield (rtype, content, t)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def fcgi_request(addr, method, uri, body=b"", headers=None, timeout=30, extra=None):
    """A whole FastCGI request: returns (CgiResult-like status/headers/body,
    stderr bytes, app status, ended) where ended says END_REQUEST arrived."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    conn = FcgiConn(addr, timeout)
    try:
        conn.send(cgi_env(method, uri, headers, body, extra), body)
        out, err, ended = b"", b"", False
        for rtype, content, _t in conn.records():
            if rtype == FCGI_STDOUT:
                out += content
            elif rtype == FCGI_STDERR:
                err += content
            elif rtype == FCGI_END_REQUEST:
                ended = True
        res = CgiResult(conn.app_status, out, err.decode("utf-8", "replace"))
        return res, ended
    finally:
        conn.close()


# ---------------------------------------------------------------------------
# Shortcuts for the relay's tests

def start_stack(relay_args=(), **overrides):
    """The mock and, in front of the relay, lighttpd with the contrib fragment.
    overrides are relay environment variables (RELAY_MAX_BODY=..., ...)."""
    mock = start_mock()
    lt = start_lighttpd(relay_env(mock, **overrides), relay_args=relay_args)
    return mock, lt


ANY = object()   # check_error: do not check this field


def check_error(resp, status, name, code=ANY, param=ANY, etype=ANY, message_re=None):
    """Assert an OpenAI-shaped error: the status, application/json, the four
    keys, and optionally code/param/type/message. resp: Response or SSEStream."""
    body = resp.json()
    good = (resp.status == status
            and (resp.header("Content-Type") or "").startswith("application/json")
            and is_openai_error(body))
    if good:
        e = body["error"]
        if code is not ANY and e["code"] != code:
            good = False
        if param is not ANY and e["param"] != param:
            good = False
        if etype is not ANY and e["type"] != etype:
            good = False
        if message_re is not None and not re.search(message_re, e["message"] or ""):
            good = False
    raw = resp.body if isinstance(resp.body, bytes) else b""
    want = {k: v for k, v in (("code", code), ("param", param), ("type", etype)) if v is not ANY}
    return ok(good, name, "status %s (want %s), content-type %r, body %r; want %r message~%r"
              % (resp.status, status, resp.header("Content-Type"), raw[:600], want, message_re))


# ---------------------------------------------------------------------------
# The openai npm SDK (tests/sdk) as a client

SDK_DIR = os.path.join(TOP_SRCDIR, "tests", "sdk")


def sdk_ready():
    """TAP checks that node and the openai SDK v6 are installed in
    tests/sdk/node_modules (`npm ci --prefix tests/sdk`); True when they are.
    A missing SDK fails the test: it is never skipped."""
    if not ok(shutil.which("node") is not None, "node is installed"):
        return False
    mod = os.path.join(SDK_DIR, "node_modules", "openai", "package.json")
    if not ok(os.path.exists(mod), "the openai SDK is installed in tests/sdk/node_modules",
              "missing %s: run `npm ci --prefix %s` first" % (mod, SDK_DIR)):
        return False
    version = json.load(open(mod)).get("version", "")
    return ok(version.startswith("6."), "openai SDK major version 6 (%s)" % version)


def run_sdk_script(script, env, expected, timeout):
    """Run tests/sdk/<script>, which prints one JSON result a line
    ({"name", "ok", "diag"}), and report each as a TAP check, then that it
    exited 0 and reported all `expected` results."""
    rc, out, err = run_process(["node", os.path.join(SDK_DIR, script)], env=env, timeout=timeout)
    n = 0
    for line in out.splitlines():
        try:
            res = json.loads(line)
        except ValueError:
            diag("sdk: " + line)
            continue
        n += 1
        ok(res.get("ok"), "sdk: " + res.get("name", "?"), json.dumps(res.get("diag"))[:1500])
    ok(rc == 0, "the SDK script exits 0", (rc, err[-2000:]))
    is_(n, expected, "the SDK script reported every check")
