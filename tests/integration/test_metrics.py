#!/usr/bin/env python3
"""GET /metrics: the page passes `promtool check metrics`; access by address
(RELAY_METRICS_ALLOW) and by bearer token (RELAY_METRICS_TOKEN); and a real
Prometheus server on a loopback port, scraping the relay through lighttpd
with two relay processes (max-procs 2), sees host-wide totals equal to the
requests sent, whichever process answered each scrape."""

import json
import os
import re
import shutil
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import check_error, diag, is_, like, ok  # noqa: E402
from relaytest.procs import (HarnessError, base_env, can_connect, free_port, read_file, run,  # noqa: E402
                             run_process, spawn, stop_process, tmpdir, wait_until, watch_log)
from relaytest.servers import LIGHTTPD_FRAGMENT, relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.clients import SSEStream, auth, chat_body, http_raw, request  # noqa: E402

KEY = "sk-metrics-SECRET-5b1e"
SHM_NAMES = []


def shm_env(mock, **kw):
    """A relay environment with its own metrics object, removed at the end."""
    name = "/1min-relay-test-%d-%d" % (os.getpid(), len(SHM_NAMES))
    SHM_NAMES.append(name)
    return relay_env(mock, RELAY_METRICS_SHM=name, **kw)


def two_process_fragment():
    """The contrib lighttpd fragment with max-procs 2."""
    src = open(LIGHTTPD_FRAGMENT).read()
    new = re.sub(r'"max-procs"\s*=>\s*1', '"max-procs" => 2', src)
    if new == src:
        raise HarnessError("contrib lighttpd fragment has no max-procs 1 to raise")
    path = os.path.join(tmpdir("frag-"), "1min-relay-2procs.conf")
    with open(path, "w") as f:
        f.write(new)
    return path


def promtool_check(text, name):
    d = tmpdir("promtool-")
    p = os.path.join(d, "metrics.txt")
    with open(p, "w") as f:
        f.write(text)
    rc, out, err = run_process(["promtool", "check", "metrics"], timeout=30, input=text.encode())
    ok(rc == 0 and not (out + err).strip(), name, (rc, out[-2000:], err[-2000:]))


def sample(text, name, **labels):
    """The value of the sample name{labels} (labels compared as a set), or None."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$', line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if got == {k: str(v) for k, v in labels.items()}:
            return float(m.group(3))
    return None


USAGE = []   # (prompt, completion) of every answered chat request


def chat(lt, stream=False):
    """One chat request; its usage goes to USAGE. Returns the status."""
    h = {"Content-Type": "application/json"}
    h.update(auth(KEY))
    if stream:
        body = chat_body("count me", stream=True, stream_options={"include_usage": True})
        s = SSEStream(lt.base_url, "/v1/chat/completions", body, headers=h)
        for kind, data, _ in s.events():
            if kind != "data" or data == "[DONE]":
                continue
            u = json.loads(data).get("usage")
            if u:
                USAGE.append((u["prompt_tokens"], u["completion_tokens"]))
        return s.status
    r = request(lt, "POST", "/v1/chat/completions", body=json.dumps(chat_body("count me")).encode(),
                headers=h, timeout=60)
    if r.status == 200:
        u = r.json()["usage"]
        USAGE.append((u["prompt_tokens"], u["completion_tokens"]))
    return r.status


def token_sums(text):
    """(prompt, completion) summed over every source and model label."""
    sums = {"prompt": 0.0, "completion": 0.0}
    for line in text.splitlines():
        m = re.match(r'^onemin_relay_tokens_total\{direction="(\w+)",source="(upstream|counted)",model="([^"]+)"\} (\S+)$', line)
        if m:
            sums[m.group(1)] += float(m.group(4))
    return sums["prompt"], sums["completion"]


def page_checks(mock):
    lt = start_lighttpd(shm_env(mock))
    mock.reset()
    del USAGE[:]
    for _ in range(3):
        chat(lt)
    chat(lt, stream=True)
    request(lt, "GET", "/v1/models")
    request(lt, "GET", "/no/such/path")
    img = request(lt, "POST", "/v1/images/generations", headers=dict(auth(KEY), **{"Content-Type": "application/json"}),
                  body=json.dumps({"model": "dall-e-3", "prompt": "a fox"}).encode(), timeout=60)
    upstream_calls = len([q for q in mock.requests() if q.get("method")])   # not the mock's own events
    r = request(lt, "GET", "/metrics")
    is_(r.status, 200, "GET /metrics from loopback: 200")
    like(r.header("Content-Type") or "", r"^text/plain; version=0\.0\.4", "Prometheus text content type")
    text = r.text
    promtool_check(text, "promtool check metrics: no problems")
    ok(all(l.startswith("onemin_relay_") for l in text.splitlines() if l and not l.startswith("#")),
       "every metric starts with onemin_relay_")
    is_(sample(text, "onemin_relay_requests_total", route="/v1/chat/completions", dialect="openai",
               status="2xx"), 4.0, "4 chat requests counted")
    is_(sample(text, "onemin_relay_requests_total", route="other", dialect="none", status="4xx"), 1.0,
        "the unknown path is counted as route other")
    ok((sample(text, "onemin_relay_streamed_bytes_total") or 0) > 0, "streamed bytes counted")
    is_(sample(text, "onemin_relay_upstream_requests_total", outcome="ok"), float(upstream_calls),
        "upstream ok calls = the %d calls the mock answered" % upstream_calls)
    is_(sample(text, "onemin_relay_upstream_duration_seconds_count"), float(upstream_calls),
        "one upstream duration per call")
    is_(len(USAGE), 4, "every chat answer carried usage")
    is_(token_sums(text), (float(sum(u[0] for u in USAGE)), float(sum(u[1] for u in USAGE))),
        "prompt and completion tokens = the sums of the usage the clients got")
    ok(any(l.startswith('onemin_relay_tokens_total{direction="completion",source=') and 'model="gpt-4o"' in l
           for l in text.splitlines()), "tokens carry the catalogue model's label")
    is_(img.status, 200, "an image generation")
    is_(sample(text, "onemin_relay_media_operations_total", kind="image"), 1.0, "one image operation counted")
    is_(sample(text, "onemin_relay_stream_ttfb_seconds_count"), 1.0, "one stream's time to first byte")
    threads = sample(text, "onemin_relay_worker_threads") or 0
    ok(threads >= 4, "at least the 4 ready worker threads (RELAY_THREADS=4; the pool grows on demand)", threads)
    # a worker counts itself idle just after its response went out: poll
    busy = [None]
    wait_until(lambda: busy.__setitem__(0, sample(request(lt, "GET", "/metrics").text,
                                                  "onemin_relay_worker_threads_busy")) or busy[0] == 1.0, 5)
    is_(busy[0], 1.0, "one busy: the one serving the scrape")
    is_(sample(text, "onemin_relay_build_info", version=re.search(r'version="([^"]+)"', text).group(1)),
        1.0, "build_info")
    ok(KEY not in text and "count me" not in text and "127.0.0.1" not in text,
       "no key, prompt or address in the page")
    lt.stop()


def access_checks(mock):
    lt = start_lighttpd(shm_env(mock, RELAY_METRICS_ALLOW="10.0.0.0/8, 192.168.0.0/16"))
    r = request(lt, "GET", "/metrics")
    check_error(r, 403, "an address outside RELAY_METRICS_ALLOW: 403")
    lt.stop()
    token = "metrics-token-0123456789abcdef"
    lt = start_lighttpd(shm_env(mock, RELAY_METRICS_TOKEN=token))
    r = request(lt, "GET", "/metrics")
    check_error(r, 401, "RELAY_METRICS_TOKEN set, no token: 401")
    is_(r.header("WWW-Authenticate"), 'Bearer realm="metrics"', "... with WWW-Authenticate: Bearer")
    r = request(lt, "GET", "/metrics", headers={"Authorization": "Bearer " + token + "x"})
    is_(r.status, 401, "a wrong token: 401")
    r = request(lt, "GET", "/metrics", headers={"Authorization": "Bearer " + token})
    is_(r.status, 200, "the right token: 200")
    lt.stop()
    lt = start_lighttpd(shm_env(mock, RELAY_METRICS_TOKEN=token, RELAY_METRICS_ALLOW="10.0.0.0/8"))
    r = request(lt, "GET", "/metrics", headers={"Authorization": "Bearer " + token})
    is_(r.status, 403, "token and allow list both set: the right token from another address: 403")
    lt.stop()
    lt = start_lighttpd(shm_env(mock, RELAY_METRICS_ALLOW="none"))
    is_(request(lt, "GET", "/metrics").status, 404, "RELAY_METRICS_ALLOW=none: no such route")
    lt.stop()


def refusal_checks(mock):
    rl_name = "1min-relay-test-rl-%d" % os.getpid()
    lt = start_lighttpd(shm_env(mock, RATE_LIMIT_STORE="local", RATE_LIMIT_LOCAL_NAME=rl_name,
                                RATE_LIMIT_RPM=2, RATE_LIMIT_TPM=0))
    try:
        statuses = [chat(lt) for _ in range(3)]
        is_(statuses, [200, 200, 429], "RATE_LIMIT_RPM=2: the third request is refused")
        text = request(lt, "GET", "/metrics").text
        is_(sample(text, "onemin_relay_ratelimit_refusals_total", kind="requests"), 1.0,
            "one refusal by requests counted")
        promtool_check(text, "promtool check metrics: no problems (with refusals)")
    finally:
        lt.stop()
        try:
            os.unlink("/dev/shm/" + rl_name)
        except OSError:
            pass


PNG_1X1 = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


def open_stream_checks(mock):
    """The open-streams gauge counts a stream the mock holds, and drops back."""
    lt = start_lighttpd(shm_env(mock))
    try:
        h = dict(auth(KEY), **{"Content-Type": "application/json"})
        s = SSEStream(lt.base_url, "/v1/chat/completions", chat_body("[[mock:hold]] hold me", stream=True),
                      headers=h)
        first = None
        for kind, data, _ in s.events():
            if kind == "data":
                first = data
                break
        ok(first is not None, "a held stream sent its first event")
        is_(sample(request(lt, "GET", "/metrics").text, "onemin_relay_open_streams"), 1.0,
            "open_streams: 1 while the stream is held")
        mock.release()
        s.read_all()
        s.close()
        got = [None]
        wait_until(lambda: got.__setitem__(0, sample(request(lt, "GET", "/metrics").text,
                                                     "onemin_relay_open_streams")) or got[0] == 0.0, 10)
        is_(got[0], 0.0, "open_streams: 0 once it ended")
    finally:
        lt.stop()


def upload_checks(mock):
    lt = start_lighttpd(shm_env(mock))
    try:
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "what is this"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64," + PNG_1X1}}]}]}
        h = dict(auth(KEY), **{"Content-Type": "application/json"})
        r = request(lt, "POST", "/v1/chat/completions", body=json.dumps(body).encode(), headers=h, timeout=60)
        ok(r.status == 200, "a chat request with an image", r.body[:300])
        text = request(lt, "GET", "/metrics").text
        is_(sample(text, "onemin_relay_media_operations_total", kind="upload"), 1.0, "its upload is counted")
    finally:
        lt.stop()


def prom_query(port, q):
    url = "/api/v1/query?query=" + urllib.parse.quote(q)
    r = http_raw("127.0.0.1", port, "GET", url, timeout=10)
    if r.status != 200:
        return None
    res = r.json()["data"]["result"]
    return float(res[0]["value"][1]) if res else None


def prometheus_checks(mock):
    if not ok(shutil.which("prometheus") is not None, "prometheus is installed (Debian package prometheus)"):
        return
    env = shm_env(mock)
    lt = start_lighttpd(env, fragment=two_process_fragment())
    d = tmpdir("prometheus-")
    conf = os.path.join(d, "prometheus.yml")
    with open(conf, "w") as f:
        f.write("""global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: relay
    metrics_path: /metrics
    static_configs:
      - targets: ['127.0.0.1:%d']
""" % lt.port)
    log = os.path.join(d, "prometheus.log")
    watch_log(log, "prometheus")
    port = None
    for _ in range(3):
        port = free_port()
        p = spawn(["prometheus", "--config.file=" + conf, "--storage.tsdb.path=" + os.path.join(d, "data"),
                   "--web.listen-address=127.0.0.1:%d" % port, "--log.level=warn"],
                  env=base_env(), stdout=log, stderr=log, cwd=d)
        if wait_until(lambda: p.poll() is not None or
                      (can_connect(("127.0.0.1", port)) and
                       http_raw("127.0.0.1", port, "GET", "/-/ready", timeout=2).status == 200), 30):
            if p.poll() is None:
                break
        stop_process(p)
    ok(p.poll() is None, "Prometheus runs on 127.0.0.1:%d" % port, read_file(log, 3000))

    n_chat, n_stream, n_models = 10, 4, 6
    for _ in range(n_chat):
        chat(lt)
    for _ in range(n_stream):
        chat(lt, stream=True)
    for _ in range(n_models):
        request(lt, "GET", "/v1/models")
    is_(sample(request(lt, "GET", "/metrics").text, "onemin_relay_processes"), 2.0,
        "two relay processes behind lighttpd share the numbers")

    want_chat = float(n_chat + n_stream)
    q = 'sum(onemin_relay_requests_total{route="/v1/chat/completions",status="2xx"})'
    got = None
    # Every scrape reaches one process or the other; each must show the totals.
    deadline = time.time() + 30
    while time.time() < deadline:
        got = prom_query(port, q)
        if got == want_chat:
            break
        time.sleep(0.5)
    is_(got, want_chat, "Prometheus: chat requests = the %d sent" % (n_chat + n_stream))
    is_(prom_query(port, 'sum(onemin_relay_requests_total{route="/v1/models"})'), float(n_models),
        "Prometheus: model-list requests = the %d sent" % n_models)
    is_(prom_query(port, 'onemin_relay_upstream_requests_total{outcome="ok"}') is not None, True,
        "Prometheus: upstream outcomes are scraped")
    ok((prom_query(port, 'sum(onemin_relay_tokens_total)') or 0) > 0, "Prometheus: token totals")
    is_(prom_query(port, 'onemin_relay_stream_ttfb_seconds_count'), float(n_stream),
        "Prometheus: one time-to-first-byte observation per stream")
    ok((prom_query(port, 'onemin_relay_worker_threads') or 0) >= 8,
       "Prometheus: at least 8 worker threads over the 2 processes")
    # totals must be the same whichever process answers: 20 scrapes in a row
    vals = set()
    for _ in range(20):
        vals.add(sample(request(lt, "GET", "/metrics").text, "onemin_relay_requests_total",
                        route="/v1/chat/completions", dialect="openai", status="2xx"))
    is_(vals, {want_chat}, "20 direct scrapes (both processes): always the host total")
    ok((prom_query(port, 'onemin_relay_request_duration_seconds_count') or 0) >= n_chat + n_stream + n_models,
       "Prometheus: the latency histogram counts every request")
    stop_process(p)
    lt.stop()


def main():
    if not ok(shutil.which("promtool") is not None, "promtool is installed (Debian package prometheus)"):
        return
    mock = start_mock()
    try:
        page_checks(mock)
        access_checks(mock)
        refusal_checks(mock)
        upload_checks(mock)
        open_stream_checks(mock)
        prometheus_checks(mock)
    finally:
        for n in SHM_NAMES:
            try:
                os.unlink("/dev/shm" + n)
            except OSError:
                pass


run(main, timeout=240)
