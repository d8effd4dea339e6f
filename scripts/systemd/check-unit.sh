#!/bin/sh
# check-unit.sh verify UNIT      `systemd-analyze verify` on the template
# check-unit.sh security UNIT MAX  `systemd-analyze security --offline`:
#                                 fails if the exposure it rates is above
#                                 MAX (0.0-10.0; 4.9 is the top of "OK")
# Both look at an instance of the template unit (a template itself cannot
# be verified or rated). Exits 77 (the ctest skip code) where
# systemd-analyze is missing, or too old to rate a file offline (250).
set -eu
mode="$1"
unit="$2"
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze is not installed (apt-get install systemd) — unit not checked"
  exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
name=$(basename "$unit" | sed 's/@\.service$/@example.service/')
cp "$unit" "$dir/$name"

case "$mode" in
  verify)
    # verify checks that ExecStart's programs exist (they are this
    # build's); the man pages of Documentation= are not installed yet, so
    # not checked.
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
    ;;
  security)
    max="$3"
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
    ;;
  *)
    echo "usage: check-unit.sh verify UNIT | check-unit.sh security UNIT MAX" >&2
    exit 2
    ;;
esac
