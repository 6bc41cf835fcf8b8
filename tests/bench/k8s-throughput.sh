#!/bin/bash
# k8s-file logging throughput, vigilmon against conmon: now the "logs" figure of vigil-bench
# (100-byte and 64 KiB lines, wall MB/s, the monitor's own CPU time, and the log checked
# byte for byte against the container's output).
#
#   tests/bench/k8s-throughput.sh [VIGILMON] [MiB]
#
# NO_SYNC=1 adds --no-sync-log to both monitors, as before.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
vigilmon=${1:-${VIGILMON:-$build/monitor/vigilmon}}
[ -d "$build" ] || meson setup "$build" >/dev/null
ninja -C "$build" tests/bench/vigil-bench >/dev/null
exec "$build/tests/bench/vigil-bench" --vigilmon "$vigilmon" --only logs --mib "${2:-256}" \
    ${NO_SYNC:+--no-sync-log}
