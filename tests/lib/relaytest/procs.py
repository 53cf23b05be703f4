"""relaytest.procs: processes, time limit and guaranteed cleanup.

- run(main, timeout): a global time limit (SIGALRM), any exception = a failing
  test, cleanup, the TAP plan, exit code 1 on any failure.
- spawn(): every process runs in its own process group and is killed (SIGTERM,
  then SIGKILL) at the end, on failure, on timeout and on SIGTERM/SIGINT.
- watch_log(): logs checked for ASan/UBSan/LSan reports at the end.
- Paths from make check (RELAY_BIN, TOP_SRCDIR, TOP_BUILDDIR), ports on
  127.0.0.1, base_env() for child processes.
State (the process list, watched logs, temporary directories) is module-global
and used from the test's main thread.
"""

import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

from relaytest.tap import TAP, ok

LIB = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # tests/lib
TOP_SRCDIR = os.environ.get("TOP_SRCDIR") or os.path.dirname(os.path.dirname(LIB))
TOP_BUILDDIR = os.environ.get("TOP_BUILDDIR") or os.getcwd()
RELAY_BIN = os.environ.get("RELAY_BIN") or os.path.join(TOP_BUILDDIR, "1min-relay")

SANITIZER_RE = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
                          r"ERROR: ThreadSanitizer|SUMMARY: UndefinedBehaviorSanitizer")


class HarnessError(Exception):
    """A server could not be started or a helper failed; the test fails."""


class TestTimeout(BaseException):
    """Raised by SIGALRM when the global time limit is reached."""


class Stop(BaseException):
    """Raised on SIGTERM/SIGINT so that cleanup still runs."""


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
    untrack(p)
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
    untrack(p)
    return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def untrack(p):
    """Forget p (it was reaped by its caller): cleanup will not stop it again."""
    if p in _procs:
        _procs.remove(p)


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


def npm_skippable(path):
    """True when the npm package file at path (or node) is missing and CI's
    strict mode (RELAY_TEST_STRICT=1) is off, as in a release tarball: the
    checks that need it are to be skipped, not failed."""
    missing = not (os.path.exists(path) and shutil.which("node"))
    return missing and os.environ.get("RELAY_TEST_STRICT") != "1"


def need_npm(path, what):
    """Call before any check in a test that needs an npm package: path is a
    file of the installed package. When it (or node) is missing, as in a
    release tarball (make distcheck), the whole test is skipped ("1..0 #
    SKIP"); in CI's strict mode (RELAY_TEST_STRICT=1, set by .ci/run) it is
    not, and the test's own checks fail."""
    if not npm_skippable(path):
        return
    print("1..0 # SKIP %s is not installed (npm ci); RELAY_TEST_STRICT=1 makes this a failure" % what,
          flush=True)
    os._exit(0)


def need_relay_bin():
    if not os.access(RELAY_BIN, os.X_OK):
        raise HarnessError("relay binary %s is missing or not executable (run make first)" % RELAY_BIN)
