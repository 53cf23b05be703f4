#!/usr/bin/env python3
"""test_cases: every case file under tests/cases/ runs through the real lighttpd.

Cases are data (tests/cases/README.md): a request, the mock's scripted answer,
what the client must get. Cases with the same "env" share one relay. Adding a
case is adding a file; a malformed file fails the test.
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")), "tests", "lib"))
from relaytest.tap import ok  # noqa: E402
from relaytest.procs import all_logs_text, run  # noqa: E402
from relaytest.servers import relay_env, start_lighttpd, start_mock  # noqa: E402
from relaytest.cases import CASE_KEY, load_cases, run_case  # noqa: E402


def main():
    cases = load_cases()
    ok(len(cases) >= 30, "at least 30 case files (%d)" % len(cases))
    groups = {}
    for name, case in cases:
        groups.setdefault(json.dumps(case.get("env") or {}, sort_keys=True), []).append((name, case))
    mock = start_mock()
    for env_key, members in sorted(groups.items()):
        lt = start_lighttpd(relay_env(mock, **json.loads(env_key)))
        for name, case in members:
            run_case(name, case, mock, lt)
        lt.stop()
    ok(CASE_KEY not in all_logs_text(), "the case key appears in no log line")


run(main, timeout=300)
