#!/bin/sh
# verify-unit.sh UNIT: `systemd-analyze verify` on a template unit, through
# an instance of it (a template itself cannot be verified). Exits 77 (the
# ctest skip code) where systemd-analyze is not installed.
set -eu
unit="$1"
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze is not installed (apt-get install systemd) — unit not verified"
  exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
name=$(basename "$unit" | sed 's/@\.service$/@example.service/')
cp "$unit" "$dir/$name"
# verify checks that ExecStart's programs exist (they are this build's);
# the man pages of Documentation= are not installed yet, so not checked.
out=$(cd "$dir" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "./$name" 2>&1) || {
  echo "$out"
  exit 1
}
# Warnings about the host's own units are not ours; ours name the file.
if echo "$out" | grep -F "$name" >/dev/null; then
  echo "$out"
  exit 1
fi
echo "OK: $name verified"
