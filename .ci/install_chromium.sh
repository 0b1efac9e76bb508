#!/usr/bin/env bash
# Headless Chromium for tests/browser (Debian package, driven by Playwright with executable_path).
# Idempotent: does nothing when /usr/bin/chromium already runs.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && chromium --version >/dev/null 2>&1; then
    chromium --version
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" != "0" ]; then SUDO=sudo; else SUDO=""; fi
# Never start services from package scripts (same guard as the Dovecot installer).
made_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    made_policy=1
fi
$SUDO apt-get update -qq || true
$SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core
if [ -n "$made_policy" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
chromium --version
