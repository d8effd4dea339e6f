#!/bin/sh
# libopenltp's dynamic symbols are exactly the functions the public C
# headers declare: none missing (a header promising what the library does
# not export), none extra (an internal symbol becoming ABI by accident).
# Usage: check_exports.sh LIBRARY INCLUDE_DIR
set -eu
library=$1 include_dir=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Declarations in the headers begin at column 0: a return type, the name, "(".
sed -n 's/^[A-Za-z_][A-Za-z0-9_ *]*[ *]\([A-Za-z_][A-Za-z0-9_]*\)(.*/\1/p' \
  "$include_dir"/openltp/*.h | sort -u > "$scratch/declared"
nm -D --defined-only "$library" | awk '{ sub(/@.*/, "", $3); print $3 }' | grep -v '^OPENLTP_' |
  sort -u > "$scratch/exported"
if ! cmp -s "$scratch/declared" "$scratch/exported"; then
  echo "FAIL: exports differ from the public headers (< declared only, > exported only):" >&2
  diff "$scratch/declared" "$scratch/exported" >&2 || true
  exit 1
fi
echo "ok: $(wc -l < "$scratch/exported") functions exported, each declared in include/openltp"
nm -D --defined-only "$library" | grep -q '@@OPENLTP_0' || {
  echo "FAIL: symbols carry no OPENLTP_0 version" >&2
  exit 1
}
