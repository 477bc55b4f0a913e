#!/usr/bin/env bash
# Installs Debian's chromium (for the browser tests) if /usr/bin/chromium is missing.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "ensure-chromium.sh: error: /usr/bin/chromium is missing and installing it needs root." >&2
	echo "  Run: sudo apt-get update && sudo apt-get install -y chromium" >&2
	exit 1
fi
command -v apt-get >/dev/null || { echo "ensure-chromium.sh: error: apt-get not found; install chromium at /usr/bin/chromium" >&2; exit 1; }

echo "ensure-chromium.sh: installing chromium (Debian package)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q </dev/null >&2
apt-get install -y -q --no-install-recommends chromium fonts-liberation </dev/null >&2
[ -x /usr/bin/chromium ] || { echo "ensure-chromium.sh: error: chromium installed but /usr/bin/chromium is missing" >&2; exit 1; }
