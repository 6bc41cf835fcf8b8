#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# clang-tidy (.clang-tidy's checks) over the product code a build compiles: every entry of
# BUILD_DIR/compile_commands.json under common/, monitor/ or controller/ (tests may use atoi
# and strcpy on their own fixed inputs). JOBS clang-tidy processes (default: the CPUs), each
# given a share of the files, print only the findings.
# Usage: clang-tidy-check.sh BUILD_DIR [JOBS]. Exit 0 clean, 1 on a finding, 77 (a skip under
# meson test) without clang-tidy.
set -eu
build=${1:?usage: clang-tidy-check.sh BUILD_DIR [JOBS]}
jobs=${2:-$(nproc)}

if ! command -v clang-tidy >/dev/null 2>&1; then
    echo "clang-tidy not found: install clang-tidy" >&2
    exit 77
fi
[ -f "$build/compile_commands.json" ] || { echo "no $build/compile_commands.json" >&2; exit 1; }

files=$(mktemp)
out=$(mktemp)
trap 'rm -f "$files" "$out"' EXIT
python3 - "$build/compile_commands.json" >"$files" <<'PY'
import json, os, re, sys
seen = set()
for e in json.load(open(sys.argv[1])):
    path = os.path.normpath(os.path.join(e["directory"], e["file"]))
    if re.search(r"/(common|monitor|controller)/", path) and path not in seen:
        seen.add(path)
        sys.stdout.write(path + "\0")
PY
[ -s "$files" ] || { echo "no product files in $build/compile_commands.json" >&2; exit 1; }
count=$(tr -cd '\0' <"$files" | wc -c)
per=$(( (count + jobs - 1) / jobs ))

status=0
# A gcc build's flags clang does not know are no finding.
xargs -0 -n "$per" -P "$jobs" clang-tidy -p "$build" --quiet --use-color=false \
    --extra-arg=-Wno-unknown-warning-option <"$files" >"$out" 2>&1 || status=$?
grep -v '^[0-9]* warnings\? generated\.$\|^Suppressed [0-9]* warnings\|^Use -header-filter\|^[0-9]* warnings\? treated as errors$\|^Error while processing ' "$out" || true
if [ "$status" -ne 0 ]; then
    echo "==> clang-tidy found the above in $count files (checks: .clang-tidy)" >&2
    exit 1
fi
echo "clang-tidy: $count files clean"
