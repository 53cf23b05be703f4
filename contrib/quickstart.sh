#!/usr/bin/env bash
# From a fresh Debian 12 checkout to a running relay on http://127.0.0.1:8080:
# install the packages, build, and run it behind lighttpd (make run).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then contrib/install-deps-debian.sh; else sudo contrib/install-deps-debian.sh; fi
./bootstrap
./configure
make -j"$(nproc)"
exec make run
