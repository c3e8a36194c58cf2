#!/bin/sh
# Run a program under Valgrind memcheck: fails on any invalid read/write, use of uninitialised
# memory, or definitely/indirectly lost block. Exit 77 (ctest SKIP_RETURN_CODE) when valgrind is
# not installed, so the test reports "skipped" instead of passing vacuously or failing.
# Usage: memcheck.sh <program> [args...]
command -v valgrind >/dev/null 2>&1 || { echo "valgrind not installed: skipped"; exit 77; }
exec valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
  --show-leak-kinds=definite,indirect --track-origins=yes --num-callers=30 "$@"
