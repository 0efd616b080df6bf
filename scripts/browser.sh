#!/usr/bin/env bash
# The admin's browser tests drive Debian's chromium through Playwright (no browser download):
# install the package when it is missing (CI runs as root on this machine image).
set -euo pipefail

if [ ! -x /usr/bin/chromium ]; then
  echo "browser: installing Debian's chromium"
  sudo_if_needed=""
  [ "$(id -u)" -eq 0 ] || sudo_if_needed="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo_if_needed apt-get install -y -q chromium >/dev/null \
    || { $sudo_if_needed apt-get update -q >/dev/null && \
         DEBIAN_FRONTEND=noninteractive $sudo_if_needed apt-get install -y -q chromium >/dev/null; }
fi
