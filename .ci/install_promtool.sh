#!/usr/bin/env bash
# promtool for the alert-rule tests: taken out of Debian's `prometheus` package without installing
# it (no service, no user, no config): only the one static binary lands in /usr/local/bin.
set -euo pipefail
if ! command -v promtool >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && { apt-get download prometheus >/dev/null 2>&1 || { apt-get update -qq && apt-get download prometheus >/dev/null; }; })
  dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x"
  install -m 0755 "$tmp/x/usr/bin/promtool" /usr/local/bin/promtool
fi
promtool --version | head -1
