#!/bin/sh
# libopenltp's dynamic symbols are exactly its public API: the functions
# the C headers declare (none missing: a header promising what the library
# does not export; none extra: an internal symbol become ABI by accident),
# and C++ symbols of namespace openltp only (client.hpp), among them its
# entry points. Usage: check_exports.sh LIBRARY INCLUDE_DIR
set -eu
library=$1 include_dir=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# C declarations begin at column 0: a return type, the name, "(".
sed -n 's/^[A-Za-z_][A-Za-z0-9_ *]*[ *]\([A-Za-z_][A-Za-z0-9_]*\)(.*/\1/p' \
  "$include_dir"/openltp/*.h | sort -u > "$scratch/declared"
nm -D --defined-only "$library" | awk '{ sub(/@.*/, "", $3); print $3 }' | grep -v '^OPENLTP_' |
  sort -u > "$scratch/symbols"
grep -v '^_Z' "$scratch/symbols" > "$scratch/exported_c" || true
grep '^_Z' "$scratch/symbols" | c++filt > "$scratch/exported_cxx" || true
status=0
if ! cmp -s "$scratch/declared" "$scratch/exported_c"; then
  echo "FAIL: C exports differ from the public headers (< declared only, > exported only):" >&2
  diff "$scratch/declared" "$scratch/exported_c" >&2 || true
  status=1
fi
if grep -v '^openltp::' "$scratch/exported_cxx" > "$scratch/stray"; then
  echo "FAIL: C++ symbols outside namespace openltp exported:" >&2
  cat "$scratch/stray" >&2
  status=1
fi
for entry in 'openltp::Node::attach(' 'openltp::AccessPoint::open(' \
  'openltp::AccessPoint::next_notice(' 'openltp::AccessPoint::send(' 'openltp::BlockData::release('; do
  grep -qF "$entry" "$scratch/exported_cxx" || { echo "FAIL: $entry not exported" >&2; status=1; }
done
nm -D --defined-only "$library" | grep -q '@@OPENLTP_0' || {
  echo "FAIL: symbols carry no OPENLTP_0 version" >&2
  status=1
}
[ $status -eq 0 ] && echo "ok: $(wc -l < "$scratch/exported_c") C functions and" \
  "$(wc -l < "$scratch/exported_cxx") openltp:: symbols exported, nothing else"
exit $status
