#!/bin/bash
# vigilmon against Debian's conmon on the same work, interleaved (issue 9): builds vigilmon
# and vigil-bench, runs every figure and prints one table with both monitors and the ratio
# vigilmon/conmon. As root, on a quiet machine; a few minutes at the default sizes.
#
#   bash tests/bench/run.sh [--big] [--only lifecycle,exit,logs,attach,memory,wakeups,scale]
#                           [--reps N] [--mib N] [--no-sync-log] [--run-dir DIR] ... (--help)
#
# BUILD=<dir> picks the meson build directory (default: build; created if missing).
# docs/performance.md has the numbers and how they were taken.
set -euo pipefail
cd "$(dirname "$0")/../.."

packages=(meson ninja-build pkg-config gcc libglib2.0-dev libjson-glib-dev libsystemd-dev
          libseccomp-dev runc busybox-static conmon)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build=${BUILD:-build}
[ -d "$build" ] || meson setup "$build" >/dev/null
ninja -C "$build" monitor/vigilmon tests/bench/vigil-bench >/dev/null
exec "$build/tests/bench/vigil-bench" --vigilmon "$build/monitor/vigilmon" "$@"
