#!/usr/bin/env bash
# Install Debian packages the tests or benchmarks need, only those that are missing.
#
#   scripts/debian-packages.sh PACKAGE...        e.g. chromium fonts-noto-core wrk
#
# Quick and silent when every package is installed (one `dpkg-query`, no network).
# Otherwise it runs `apt-get update` once, then `apt-get install` of the missing ones.
# It exits non-zero (saying why) when it cannot: no apt-get, not root, or apt failed.
# `make test` calls it for the browser tests (chromium and the Noto fonts). (The rush
# harness installs wrk the same way from Python: puerta.bench.rush.wrk.ensure_wrk.)
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 PACKAGE..." >&2
  exit 2
fi

missing=()
for package in "$@"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  if [ "$status" != "installed" ]; then
    missing+=("$package")
  fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "$0: missing Debian packages (${missing[*]}) and no apt-get to install them" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "$0: missing Debian packages (${missing[*]}); install them as root:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

echo "Installing Debian packages: ${missing[*]} (apt-get update, then install)" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}" >&2
