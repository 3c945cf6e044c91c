#!/usr/bin/env bash
# System packages the tests and benches use (Debian): the PC/SC stack with a virtual reader for
# the chip-card tests, swig and the PC/SC headers to build pyscard, wrk for the benches and
# Chromium for the mini-program browser tests (driven by Playwright with Debian's browser),
# pdftoppm and zbarimg to read back the counter's printed codes in its browser test.
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail
packages=(pcscd vsmartcard-vpcd libpcsclite-dev swig wrk chromium fonts-wqy-zenhei poppler-utils zbar-tools)
# vsmartcard-vpcd listens on 35963/35964; keep the kernel from lending them to clients as
# ephemeral ports (one in TIME_WAIT makes pcscd start without readers). Best effort.
if [ "$(id -u)" -eq 0 ] && [ -w /proc/sys/net/ipv4/ip_local_reserved_ports ]; then
  echo 35963-35964 > /proc/sys/net/ipv4/ip_local_reserved_ports || true
fi
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-system-deps: need root to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
