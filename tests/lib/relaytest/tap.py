"""relaytest.tap: TAP output and the assertions every test makes.

ok/is_/isnt/like print one TAP line each (diagnostics only on failure);
check_error asserts an OpenAI-shaped error response. The plan line and the exit
code come from relaytest.procs.run(). Thread-safe: assertions may come from
several threads.
"""

import re
import threading

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

    def skip(self, name, reason):
        with self.lock:
            self.n += 1
            print("ok %d - %s # SKIP %s" % (self.n, name.replace("#", "\\#").replace("\n", " "),
                                            reason.replace("\n", " ")), flush=True)

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


def skip(name, reason):
    """A check that is not made here (TAP "# SKIP"): counted as a skip."""
    TAP.skip(name, reason)


def is_(got, expected, name):
    return TAP.ok(got == expected, name, "got:      %r\nexpected: %r" % (got, expected))


def isnt(got, unexpected, name):
    return TAP.ok(got != unexpected, name, "got: %r (must differ)" % (got,))


def like(got, regex, name):
    cond = isinstance(got, str) and re.search(regex, got) is not None
    return TAP.ok(cond, name, "got:      %r\nexpected to match: %r" % (got, regex))


def diag(msg):
    TAP.diag(msg)


ANY = object()   # check_error: do not check this field


def is_openai_error(obj):
    """True for {"error": {message, type, param, code}} with all four keys."""
    if not isinstance(obj, dict) or not isinstance(obj.get("error"), dict):
        return False
    e = obj["error"]
    return (all(k in e for k in ("message", "type", "param", "code"))
            and isinstance(e["message"], str) and e["message"] != ""
            and (e["code"] is None or isinstance(e["code"], str)))


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
