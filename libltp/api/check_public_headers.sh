#!/bin/sh
# Compiles each public header alone: the C headers (*.h) as C99 (pedantic)
# and as C++20, the C++ ones (*.hpp) as C++20, so an application includes
# any one of them first. Usage: check_public_headers.sh INCLUDE_DIR CC CXX
set -eu
include_dir=$1 cc=$2 cxx=$3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for header in "$include_dir"/openltp/*.h "$include_dir"/openltp/*.hpp; do
  [ -e "$header" ] || continue
  name=openltp/$(basename "$header")
  printf '#include <%s>\nint main(void) { return 0; }\n' "$name" > "$scratch/use.cc"
  case "$name" in
    *.h)
      cp "$scratch/use.cc" "$scratch/use.c"
      if ! "$cc" -std=c99 -pedantic -Wall -Wextra -Werror -I"$include_dir" -c "$scratch/use.c" \
          -o "$scratch/use.o"; then
        echo "FAIL: $name does not compile alone as C99" >&2
        status=1
      fi ;;
  esac
  if ! "$cxx" -std=c++20 -pedantic -Wall -Wextra -Werror -I"$include_dir" -c "$scratch/use.cc" \
      -o "$scratch/use.o"; then
    echo "FAIL: $name does not compile alone as C++20" >&2
    status=1
  fi
  echo "ok: $name"
done
exit $status
