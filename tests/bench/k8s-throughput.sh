#!/bin/bash
# k8s-file logging throughput: vigilmon against conmon on the same container output.
#
#   tests/bench/k8s-throughput.sh [VIGILMON] [MiB] [LINE_BYTES]
#
# A busybox container cats a pre-generated file of MiB mebibytes in LINE_BYTES-byte lines
# (cat is far faster than either monitor, so the monitor is the bottleneck). Each monitor
# runs the same argv (podman's shape, -l k8s-file) under real runc. Reported per monitor:
#   wall  runc start -> exit file written (the monitor drained, wrote and fsynced the log)
#   cpu   the monitor's own user+sys time, read from /proc/<monitor>/stat by its exit
#         command, which runs while the monitor waits for it (children not included)
#   MB/s  container output / wall, and / cpu
# Needs root, runc, busybox-static, jq; CONMON=/usr/bin/conmon by default; NO_SYNC=1 adds
# --no-sync-log to both (leaves out the final fsync, which is the disk's time, not the
# monitor's). Prints numbers, asserts nothing but that both logs hold every line.
set -euo pipefail

vigilmon=$(realpath "${1:-${VIGILMON:-build/monitor/vigilmon}}")
mib=${2:-500}
line_bytes=${3:-100}
conmon=${CONMON:-/usr/bin/conmon}
runc=$(command -v runc)
busybox=$(command -v busybox)
tck=$(getconf CLK_TCK)

work=$(mktemp -d /var/tmp/k8s-bench.XXXXXX)
cleanup() {
    for id in $(ls "$work/runc" 2>/dev/null); do
        "$runc" --root "$work/runc" delete -f "$id" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

bundle=$work/bundle
mkdir -p "$bundle/rootfs/bin" "$work/runc"
cp "$busybox" "$bundle/rootfs/bin/busybox"
for a in sh cat; do ln -s busybox "$bundle/rootfs/bin/$a"; done
line=$(head -c $((line_bytes - 1)) /dev/zero | tr '\0' 'x')
yes "$line" | head -c $((mib * 1024 * 1024)) > "$bundle/rootfs/data" || true
lines=$(( mib * 1024 * 1024 / line_bytes ))
(cd "$bundle" && "$runc" spec)
jq '.process.terminal=false | .process.args=["cat","/data"] | .root.readonly=false' \
    "$bundle/config.json" > "$work/config.json"
mv "$work/config.json" "$bundle/config.json"

cat > "$work/exit-cmd.sh" <<'EOF'
#!/bin/sh
# $1: where to put "<utime> <stime>" (clock ticks) of the monitor, our parent
read -r stat < /proc/$PPID/stat
set -- "$1" ${stat##*) }
echo "${13} ${14}" > "$1.tmp" && mv "$1.tmp" "$1"
EOF
chmod +x "$work/exit-cmd.sh"

run() {
    local name=$1 mon=$2 dir=$work/$1 id=bench-$1-$$
    mkdir -p "$dir/exits"
    "$mon" --api-version 1 -c "$id" -u "$id" -r "$runc" -b "$bundle" -p "$dir/pidfile" \
        -n "$id" --exit-dir "$dir/exits" --full-attach -l "k8s-file:$dir/ctr.log" \
        --log-level error --runtime-arg "--root=$work/runc" \
        --exit-command "$work/exit-cmd.sh" --exit-command-arg "$dir/cpu" \
        --conmon-pidfile "$dir/mon.pid" ${NO_SYNC:+--no-sync-log}
    while [ ! -e "$dir/pidfile" ]; do sleep 0.01; done
    local t0 t1
    t0=$(date +%s%N)
    "$runc" --root "$work/runc" start "$id"
    while [ ! -e "$dir/exits/$id" ]; do sleep 0.005; done
    t1=$(date +%s%N)
    while [ ! -e "$dir/cpu" ]; do sleep 0.01; done
    "$runc" --root "$work/runc" delete -f "$id" >/dev/null 2>&1 || true
    local ut st got size records
    read -r ut st < "$dir/cpu"
    got=$(awk '$3 == "F" { n++ } END { print n + 0 }' "$dir/ctr.log")
    records=$(wc -l < "$dir/ctr.log")
    size=$(stat -c %s "$dir/ctr.log")
    awk -v n="$name" -v w=$((t1 - t0)) -v u="$ut" -v s="$st" -v tck="$tck" -v mb="$mib" \
        -v r="$records" -v sz="$size" 'BEGIN {
        wall = w / 1e9; cpu = (u + s) / tck; bytes = mb * 1048576 / 1e6
        printf "%-9s wall %6.2f s  cpu %6.2f s (user %.2f sys %.2f)  %7.0f MB/s wall  %7.0f MB/s cpu  %d records, %d bytes\n",
            n, wall, cpu, u / tck, s / tck, bytes / wall, (cpu > 0 ? bytes / cpu : 0), r, sz }'
    [ "$got" -eq "$lines" ] || { echo "$name: $got complete lines, want $lines" >&2; exit 1; }
    rm -f "$dir/ctr.log"
}

echo "container output: $mib MiB in $lines lines of $line_bytes bytes"
run conmon "$conmon"
run vigilmon "$vigilmon"
