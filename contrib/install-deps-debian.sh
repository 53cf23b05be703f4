#!/usr/bin/env bash
# Install the Debian 12 packages needed to build, run and test 1min-relay.
# Run as root. Package installs do not start the web servers or memcached
# (the tests and `make run` start their own on loopback ports).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(build-essential autoconf automake autoconf-archive pkg-config
          libfcgi-dev libfcgi-bin libcurl4-openssl-dev libjson-c-dev libmemcached-dev
          memcached spawn-fcgi lighttpd nginx-light apache2 libapache2-mod-fcgid
          python3 curl ca-certificates systemd clang prometheus man-db jq)
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
had_policy=0
[ -e /usr/sbin/policy-rc.d ] && had_policy=1
[ "$had_policy" = 1 ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
trap '[ "$had_policy" = 1 ] || rm -f /usr/sbin/policy-rc.d' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}"
