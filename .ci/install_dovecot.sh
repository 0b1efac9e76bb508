#!/usr/bin/env bash
# Make sure Dovecot's binaries are present for the mail tests, without ever letting the Debian
# package start a system daemon (it would listen on *:143/*:993 with a config needing a TLS
# certificate). The test session starts its own throw-away instance on 127.0.0.1:<free port>
# (sandbox/start_dovecot.sh). Idempotent: apt-get runs only when `dovecot` is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v dovecot >/dev/null 2>&1; then
  t0=$(date +%s)
  made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then           # deny service starts during install
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends dovecot-imapd >/dev/null
  if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
  echo "dovecot-imapd installed in $(( $(date +%s) - t0 ))s"
fi
# If anything did start the distro instance (default config, ports 143/993), stop it.
if [ -s /run/dovecot/master.pid ] && kill -0 "$(cat /run/dovecot/master.pid)" 2>/dev/null; then
  dovecot stop || true
fi
dovecot --version
