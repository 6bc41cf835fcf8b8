#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every C file of the tree against .clang-format, in one clang-format process, printing only
# the files that differ (meson's own clang-format-check starts processes per file and prints
# a line for each). The files are git's, tracked or new and not ignored (so no build
# directory), or, outside a git checkout, every *.c, *.h and *.cc under the source tree.
# Usage: clang-format-check.sh [SOURCE_DIR]. Exit 0 clean, 1 if a file needs formatting, 77
# (a skip under meson test) without clang-format.
set -eu
cd "${1:-$(dirname "$0")/../..}"

if ! command -v clang-format >/dev/null 2>&1; then
    echo "clang-format not found: install clang-format" >&2
    exit 77
fi

list=$(mktemp)
out=$(mktemp)
trap 'rm -f "$list" "$out"' EXIT
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard -- '*.c' '*.h' '*.cc' >"$list"
else
    find . \( -name 'build*' -o -name '.git' \) -prune -o \
        \( -name '*.c' -o -name '*.h' -o -name '*.cc' \) -type f -print0 >"$list"
fi
[ -s "$list" ] || { echo "no C files found in $(pwd)" >&2; exit 1; }

status=0
xargs -0 clang-format --dry-run --Werror <"$list" >"$out" 2>&1 || status=$?
# A violation reads "FILE:LINE:COL: error: code should be clang-formatted [...]".
bad=$(sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' "$out" |
      sort -u)
if [ -n "$bad" ]; then
    echo "$bad"
    echo "==> these files need clang-format -i" >&2
    exit 1
fi
if [ "$status" -ne 0 ]; then
    # Not a formatting difference (an unreadable file, a bad .clang-format): say what it was.
    cat "$out" >&2
    exit 1
fi
