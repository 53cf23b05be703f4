#!/bin/sh
# Run 1min-relay locally behind lighttpd on http://127.0.0.1:8080 (what
# `make run` calls). Usage: contrib/run-local.sh /path/to/1min-relay [lighttpd args]
#
# The relay is spawned by lighttpd (bin-path) with the repo's lighttpd
# fragment, contrib/lighttpd/1min-relay.conf. Every variable in this shell's
# environment reaches the relay (ONE_MIN_*, RELAY_*, WEB_SEARCH_*).
# RELAY_HTTP_PORT and RELAY_HTTP_BIND change the address. Ctrl-C stops both.
set -eu

relay=${1:?usage: $0 /path/to/1min-relay}
shift
case $relay in /*) ;; *) relay=$(pwd)/$relay ;; esac
[ -x "$relay" ] || { echo "run-local: $relay is not an executable (run make first)" >&2; exit 1; }
command -v lighttpd >/dev/null 2>&1 || { echo "run-local: lighttpd is not installed (apt-get install lighttpd)" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
port=${RELAY_HTTP_PORT:-8080}
bind=${RELAY_HTTP_BIND:-127.0.0.1}
dir=$(mktemp -d "${TMPDIR:-/tmp}/1min-relay-run.XXXXXX")
mkdir "$dir/htdocs"
cleanup() { rm -rf "$dir"; }
trap cleanup EXIT

cat > "$dir/lighttpd.conf" <<CONF
server.document-root = "$dir/htdocs"
server.bind = "$bind"
server.port = $port
server.pid-file = "$dir/lighttpd.pid"
var.relay_bin = "$relay"
var.relay_socket = "$dir/relay.sock"
var.relay_env = ( )
include "$here/lighttpd/1min-relay.conf"
CONF

echo "1min-relay on http://$bind:$port/ (Ctrl-C to stop); relay and lighttpd log to this terminal" >&2
# lighttpd in the foreground; the shell waits so that the trap removes $dir.
# Ctrl-C reaches lighttpd (same process group); lighttpd stops the relay with SIGTERM.
trap 'kill -TERM $pid 2>/dev/null || true' INT TERM
lighttpd -D -f "$dir/lighttpd.conf" "$@" &
pid=$!
status=0
wait $pid || status=$?
# wait returns early when a trapped signal arrives: wait again for the real exit
while kill -0 $pid 2>/dev/null; do wait $pid || status=$?; done
exit $status
