"""deploy_common: what the deployment tests (test_deploy_*.py) share.

- Web servers started with the repo's own contrib/ snippets (nginx, Apache),
  on ephemeral 127.0.0.1 ports, with every process registered for cleanup by
  tests/lib/relaytest.
- check_relay_behind(): the same user-visible checks for every server:
  health and models, routing on REQUEST_URI (query string ignored, JSON 404),
  the Authorization header reaching the upstream as API-KEY, a stream that
  arrives chunk by chunk (the client holds the first content chunk while the
  mock still withholds the rest), and optionally a client disconnect that the
  mock sees as a closed connection.
"""

import http.client as httpclient
import os
import re
import shutil
import socket
import stat
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")),
                                "tests", "lib"))
from relaytest.tap import diag, is_openai_error, ok  # noqa: E402
from relaytest.procs import (HarnessError, RELAY_BIN, TOP_SRCDIR, base_env, free_port, read_file,
                             spawn, stop_process, tmpdir, wait_port, wait_until)  # noqa: E402
from relaytest.servers import Server, relay_env  # noqa: E402
from relaytest.clients import SSEStream, auth, chat_body, request, stream_chunks  # noqa: E402

CONTRIB = os.path.join(TOP_SRCDIR, "contrib")
NGINX_UPSTREAM = os.path.join(CONTRIB, "nginx", "1min-relay-upstream.conf")
NGINX_LOCATIONS = os.path.join(CONTRIB, "nginx", "1min-relay.conf")
APACHE_FCGID = os.path.join(CONTRIB, "apache", "1min-relay-fcgid.conf")
APACHE_PROXY_FCGI = os.path.join(CONTRIB, "apache", "1min-relay-proxy-fcgi.conf")
APACHE_CGI = os.path.join(CONTRIB, "apache", "1min-relay-cgi.conf")
APACHE_HTACCESS_CGI = os.path.join(CONTRIB, "apache", "htaccess-cgi")
SYSTEMD_DIR = os.path.join(CONTRIB, "systemd")

KEY = "sk-deploy-test-5b1e77d0"
IS_ROOT = os.geteuid() == 0


def relay_test_env(mock, **overrides):
    """The relay's environment in these tests: the mock, and a 1 s keep-alive
    so that a client disconnect during a held stream is noticed quickly."""
    return relay_env(mock, RELAY_KEEPALIVE_INTERVAL=1, **overrides)


def _others_may_run(path):
    """True if a user other than the owner may execute path (every parent
    directory searchable, the file executable by others)."""
    path = os.path.realpath(path)
    if not os.stat(path).st_mode & stat.S_IXOTH:
        return False
    d = os.path.dirname(path)
    while True:
        if not os.stat(d).st_mode & stat.S_IXOTH:
            return False
        if d == "/":
            return True
        d = os.path.dirname(d)


_relay_copy = []


def relay_bin_for_others():
    """RELAY_BIN, or a copy of it in an open temporary directory when the
    build lies where the users that web servers switch to (www-data, nobody)
    cannot reach it, e.g. under /root."""
    if not IS_ROOT or _others_may_run(RELAY_BIN):
        return RELAY_BIN
    if not _relay_copy:
        d = open_tmpdir("relay-bin-")
        dst = os.path.join(d, os.path.basename(RELAY_BIN))
        shutil.copy(RELAY_BIN, dst)
        os.chmod(dst, 0o755)
        _relay_copy.append(dst)
    return _relay_copy[0]


def open_tmpdir(prefix):
    """A temporary directory that web-server workers running as another user
    (nginx's and Apache's children drop root privileges) can traverse."""
    d = tmpdir(prefix)
    os.chmod(d, 0o755)
    return d


# ---------------------------------------------------------------------------
# nginx with contrib/nginx/

def nginx_upstream_conf(server_addr):
    """contrib/nginx/1min-relay-upstream.conf with its active "server" line
    pointed at server_addr ("127.0.0.1:PORT" or "unix:/path")."""
    text = read_file(NGINX_UPSTREAM)
    new, n = re.subn(r"(?m)^(\s*server\s+)\S+;", lambda m: m.group(1) + server_addr + ";", text)
    if n != 1:
        raise HarnessError("%s: expected exactly one active server line, found %d" % (NGINX_UPSTREAM, n))
    return new


def start_nginx_contrib(server_addr, timeout=15):
    """nginx on an ephemeral port whose server block includes the repo's
    contrib/nginx/1min-relay.conf verbatim, and whose http block holds the
    repo's upstream definition pointed at server_addr."""
    d = open_tmpdir("nginx-")
    errorlog = os.path.join(d, "error.log")
    for sub in ("body", "fastcgi", "proxy", "uwsgi", "scgi"):
        os.mkdir(os.path.join(d, sub))
    # Relative includes resolve against the directory of nginx.conf, as they
    # do against /etc/nginx on Debian.
    os.symlink("/etc/nginx/fastcgi_params", os.path.join(d, "fastcgi_params"))
    with open(os.path.join(d, "1min-relay-upstream.conf"), "w") as f:
        f.write(nginx_upstream_conf(server_addr))
    # Debian's nginx.conf runs the workers as www-data: do the same as root.
    user = "user www-data www-data;" if IS_ROOT else ""
    for _attempt in range(3):
        port = free_port()
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""daemon off;
%(user)s
worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(errorlog)s info;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path %(d)s/body;
    fastcgi_temp_path %(d)s/fastcgi;
    proxy_temp_path %(d)s/proxy;
    uwsgi_temp_path %(d)s/uwsgi;
    scgi_temp_path %(d)s/scgi;
    include 1min-relay-upstream.conf;
    server {
        listen 127.0.0.1:%(port)d;
        include %(locations)s;
    }
}
""" % {"d": d, "user": user, "errorlog": errorlog, "port": port, "locations": NGINX_LOCATIONS})
        if IS_ROOT:
            for sub in ("body", "fastcgi"):
                shutil.chown(os.path.join(d, sub), "www-data", "www-data")
        p = spawn(["nginx", "-e", errorlog, "-p", d, "-c", conf], env=base_env(),
                  stdout=errorlog, stderr=errorlog)
        try:
            wait_port(("127.0.0.1", port), p, timeout=timeout, what="nginx", log=errorlog)
            return Server(p, port, d, [errorlog])
        except HarnessError as e:
            stop_process(p)
            if "Address already in use" not in str(e):
                raise
    raise HarnessError("nginx did not start\n" + read_file(errorlog))


# ---------------------------------------------------------------------------
# Apache with contrib/apache/

def apache_defines(**defines):
    """Apache "Define NAME value" lines, set before a contrib snippet is
    included so that they replace the snippet's defaults."""
    return "\n".join('Define %s "%s"' % (k, v) for k, v in defines.items())


def apache_run_as():
    """As root, Apache's children switch to User/Group: use Debian's www-data."""
    return "User www-data\nGroup www-data\n" if IS_ROOT else ""


# ---------------------------------------------------------------------------
# The checks every deployment gets

def _first_content_index(chunks):
    for i, c in enumerate(chunks):
        for ch in c.get("choices") or []:
            if (ch.get("delta") or {}).get("content"):
                return i
    return None


def _content(chunks):
    return "".join((ch.get("delta") or {}).get("content") or ""
                   for c in chunks for ch in (c.get("choices") or []))


def _held(mock):
    return [c for c in mock.connections() if c.get("outcome") == "held"]


def check_stream_chunk_by_chunk(base, mock, label, path="/v1/chat/completions"):
    """The client must receive the first content chunk while the mock still
    withholds the rest; after the release the rest and [DONE] follow."""
    mock.reset()
    st = None
    try:
        st = SSEStream(base, path, chat_body("one two three [[mock:hold]]", stream=True),
                       headers=auth(KEY), timeout=20)
        if not ok(st.status == 200 and (st.header("Content-Type") or "").startswith("text/event-stream"),
                  "%s: stream answers 200 text/event-stream" % label,
                  "status %s, content-type %r, body %r" % (st.status, st.header("Content-Type"), st.body)):
            return
        events = st.events()
        seen = []
        first = None
        for kind, text, _t in events:
            seen.append((kind, text, _t))
            chunks, _done, _errs, _c = stream_chunks(seen)
            if _first_content_index(chunks) is not None:
                first = chunks
                break
        ok(first is not None and _content(first) == "Echo:",
           "%s: the first content chunk arrives on its own" % label, seen)
        ok(len(_held(mock)) == 1,
           "%s: ... while the mock still withholds the rest of the stream" % label, mock.connections())
        mock.release()
        for ev in events:
            seen.append(ev)
        chunks, done, errs, _c = stream_chunks(seen)
        ids = set(c.get("id") for c in chunks)
        ok(done and not errs and _content(chunks) == "Echo: one two three" and len(ids) == 1,
           "%s: after the release the rest and [DONE] follow (one id)" % label,
           "done %s, errors %r, content %r, ids %r" % (done, errs, _content(chunks), ids))
        ok(chunks and ((chunks[0].get("choices") or [{}])[0].get("delta") or {}).get("role") == "assistant",
           "%s: the first chunk carries role assistant" % label, chunks[:1])
    except (OSError, ValueError) as e:
        ok(False, "%s: streamed chat read without error" % label, repr(e))
    finally:
        mock.release()
        if st is not None:
            st.close()


def check_client_disconnect(base, mock, label, path="/v1/chat/completions"):
    """A client that leaves mid-stream: the relay notices (its keep-alive
    write fails) and closes its upstream connection, which the mock records."""
    mock.reset()
    got_first = False
    st = None
    try:
        st = SSEStream(base, path, chat_body("leaving early [[mock:hold]]", stream=True),
                       headers=auth(KEY), timeout=20)
        if st.status == 200:
            for kind, text, _t in st.events():
                if kind == "data" and '"content"' in text and "Echo:" in text:
                    got_first = True
                    break
    except OSError as e:
        diag("%s: disconnect test: %r" % (label, e))
    finally:
        if st is not None:
            st.close()
    ok(got_first, "%s: disconnect test got the first chunk" % label)
    closed = wait_until(lambda: [c for c in mock.connections() if c.get("outcome") == "client-closed"], 15)
    ok(closed, "%s: client disconnect mid-stream -> the mock sees the relay close its upstream connection" % label,
       mock.connections())
    mock.release()


def check_relay_behind(base, mock, label, prefix="", disconnect=False):
    """The deployment checks for one web server. prefix is the URL path under
    which the relay's /v1 API is mounted."""
    r = request(base, "GET", prefix + "/v1/health")
    j = r.json() or {}
    ok(r.status == 200 and (r.header("Content-Type") or "").startswith("application/json")
       and isinstance(j.get("endpoints"), list),
       "%s: GET /v1/health -> 200 JSON with the endpoints" % label, "%s %r" % (r.status, r.body[:300]))
    r = request(base, "GET", prefix + "/v1/models")
    ids = [m.get("id") for m in ((r.json() or {}).get("data") or []) if isinstance(m, dict)]
    ok(r.status == 200 and "gpt-4o" in ids and "dall-e-3" in ids,
       "%s: GET /v1/models -> 200 list from the catalogue" % label, "%s %r" % (r.status, r.body[:300]))
    r = request(base, "GET", prefix + "/v1/models/gpt-4o?expand=1&x=%2Fv1%2Fnope")
    ok(r.status == 200 and (r.json() or {}).get("id") == "gpt-4o",
       "%s: a query string is ignored for routing" % label, "%s %r" % (r.status, r.body[:300]))
    r = request(base, "GET", prefix + "/v1/no-such-route")
    ok(r.status == 404 and (r.header("Content-Type") or "").startswith("application/json")
       and is_openai_error(r.json()),
       "%s: an unknown path -> the relay's JSON 404" % label, "%s %r" % (r.status, r.body[:300]))

    mock.reset()
    r = request(base, "POST", prefix + "/v1/chat/completions", body=chat_body("ping pong"),
                headers=auth(KEY), timeout=30)
    reqs = mock.chat_requests()
    ok(r.status == 200 and ((r.json() or {}).get("choices") or [{}])[0].get("message", {}).get("content")
       == "Echo: ping pong", "%s: chat completion (JSON) -> 200 with the answer" % label,
       "%s %r" % (r.status, r.body[:300]))
    ok(len(reqs) == 1 and reqs[0].get("api_key") == KEY,
       "%s: Authorization: Bearer K reaches the relay and goes upstream as API-KEY" % label,
       [q.get("api_key_present") for q in reqs])
    name = "%s: without Authorization -> the relay's JSON 401" % label
    try:
        r = request(base, "POST", prefix + "/v1/chat/completions", body=chat_body("no key"), timeout=30)
        good, why = r.status == 401 and is_openai_error(r.json()), "%s %r" % (r.status, r.body[:300])
    except (OSError, httpclient.HTTPException) as e:
        good, why = False, repr(e)
    ok(good, name, why)

    check_stream_chunk_by_chunk(base, mock, label, prefix + "/v1/chat/completions")
    if disconnect:
        check_client_disconnect(base, mock, label, prefix + "/v1/chat/completions")


def raw_http(port, head, body=b"", timeout=15):
    """Send a raw request (head without the final blank line) and return
    (status, headers dict with lower-case names, body) of the answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(head.encode() + b"\r\n\r\n" + body)
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    headpart, _, rest = data.partition(b"\r\n\r\n")
    lines = headpart.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.\d (\d+)", lines[0] if lines else "")
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return (int(m.group(1)) if m else None), hdrs, rest


APACHE_BASE_MODULES = ("mpm_event", "authz_core", "alias", "mime", "env", "headers", "setenvif")


def start_apache_contrib(site_conf, modules=(), subdirs=(), timeout=20):
    """Apache 2.4 (Debian's binary, one process: -X) on an ephemeral 127.0.0.1
    port. site_conf goes into the server config; %(dir)s in it is the server's
    temporary directory, which the user Apache's children run as may
    traverse. subdirs (relative to it) are created for that user before Apache
    starts (mod_fcgid and mod_cgid runtime files). Logs: <dir>/error.log.
    (the old harness Apache starter could not be used: it loaded mod_unixd, which Debian
    builds in.)"""
    d = open_tmpdir("apache-")
    for sub in subdirs:
        os.mkdir(os.path.join(d, sub))
        if IS_ROOT:
            shutil.chown(os.path.join(d, sub), "www-data", "www-data")
    errorlog = os.path.join(d, "error.log")
    mods = "\n".join("LoadModule %s_module /usr/lib/apache2/modules/mod_%s.so" % (m, m)
                     for m in list(APACHE_BASE_MODULES) + list(modules))
    for _attempt in range(3):
        port = free_port()
        conf = os.path.join(d, "httpd.conf")
        with open(conf, "w") as f:
            f.write("""ServerRoot %(d)s
ServerName 127.0.0.1
%(mods)s
Listen 127.0.0.1:%(port)d
PidFile %(d)s/httpd.pid
ErrorLog %(errorlog)s
LogLevel warn
Mutex file:%(d)s default
DefaultRuntimeDir %(d)s
TypesConfig /etc/mime.types
DocumentRoot %(d)s
%(run_as)s
%(site)s
""" % {"d": d, "mods": mods, "port": port, "errorlog": errorlog, "run_as": apache_run_as(),
       "site": site_conf % {"dir": d}})
        p = spawn(["/usr/sbin/apache2", "-X", "-f", conf], env=base_env({"APACHE_RUN_DIR": d}),
                  stdout=errorlog, stderr=errorlog)
        try:
            wait_port(("127.0.0.1", port), p, timeout=timeout, what="apache", log=errorlog)
            return Server(p, port, d, [errorlog])
        except HarnessError as e:
            stop_process(p)
            if "Address already in use" not in str(e):
                raise
    raise HarnessError("apache did not start\n" + read_file(errorlog))
