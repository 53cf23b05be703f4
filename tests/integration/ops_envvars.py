"""The environment variables the relay's sources read, found in the sources
themselves (shared by the --check-config and manual page tests)."""

import glob
import os
import re

TOP_SRCDIR = os.environ.get("TOP_SRCDIR") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

# Read by the CGI transport and main() to tell CGI from FastCGI: the web
# server's variables, described in the manual page's MODES, not settings.
CGI_VARS = {"GATEWAY_INTERFACE", "REQUEST_METHOD", "CONTENT_LENGTH"}

# A configuration variable is named in a string literal with one of these
# prefixes (cfg_env_*("NAME", ...), getenv("NAME"), the loaders' tables).
PREFIXED = re.compile(r'"((?:RELAY|ONE_MIN|RATE_LIMIT|WEB_SEARCH|ALLOW)_[A-Z0-9_]+)"')
GETENV = re.compile(r'getenv\("([A-Z][A-Z0-9_]*)"\)')


def source_env_vars():
    names = set()
    for path in glob.glob(os.path.join(TOP_SRCDIR, "src", "**", "*.c"), recursive=True):
        text = open(path, encoding="utf-8", errors="replace").read()
        names.update(PREFIXED.findall(text))
        names.update(GETENV.findall(text))
    return names - CGI_VARS
