#!/usr/bin/env bash
# Debian's Chromium (and CJK fonts, so screenshots show the Chinese UI) for the page tests. Playwright drives this
# browser; it never downloads one of its own. Skipped when present, or when apt cannot be used here.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is not installed and apt-get is not usable: the page tests will be skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
