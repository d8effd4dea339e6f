#!/bin/sh
# security-unit.sh UNIT MAX: `systemd-analyze security --offline` on an
# instance of the template unit; fails if the exposure it rates is above
# MAX (0.0-10.0; 4.9 is the top of "OK"), printing its table. Exits 77
# (the ctest skip code) where systemd-analyze is missing or too old for
# --offline (systemd 250).
set -eu
unit="$1"
max="$2"
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze is not installed (apt-get install systemd) — unit not rated"
  exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
name=$(basename "$unit" | sed 's/@\.service$/@example.service/')
cp "$unit" "$dir/$name"
if ! out=$(cd "$dir" && systemd-analyze security --offline=yes --no-pager "./$name" 2>&1); then
  if echo "$out" | grep -q -- "--offline"; then
    echo "SKIP: this systemd-analyze cannot rate a unit file offline: $out"
    exit 77
  fi
fi
level=$(echo "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ -z "$level" ]; then
  echo "$out"
  echo "FAIL: no overall exposure level in systemd-analyze's output"
  exit 1
fi
if awk -v l="$level" -v m="$max" 'BEGIN { exit !(l > m) }'; then
  echo "$out"
  echo "FAIL: exposure $level is above $max"
  exit 1
fi
echo "OK: $name exposure $level (at most $max)"
