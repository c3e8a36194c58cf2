#!/usr/bin/env bash
# Install the build tree into a temporary prefix, then build and run a consumer project against
# it with find_package (C++ and C, shared and static) and with pkg-config (C).
set -euo pipefail
build_dir="$1"
source_dir="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
cmake --install "$build_dir" --prefix "$prefix" >/dev/null
test -f "$prefix/include/attune.h"
test -f "$prefix/lib/cmake/attune/attuneConfig.cmake"
cmake -S "$source_dir/consumer" -B "$work/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/consumer_cpp"
LD_LIBRARY_PATH="$prefix/lib" "$work/consumer/consumer_c"
"$work/consumer/consumer_c_static"
# pkg-config
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" cc $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags attune) \
  "$source_dir/consumer/main.c" -o "$work/consumer_pc" $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --libs attune)
LD_LIBRARY_PATH="$prefix/lib" "$work/consumer_pc"
# Models are found in the installed tree without configuration (once models are shipped).
if ls "$prefix/share/attune/models/"* >/dev/null 2>&1; then echo "models installed: $(ls "$prefix/share/attune/models" | tr '\n' ' ')"; fi
echo "1 passed, 0 failed"
