#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# podman run whose stdout is a pipe that is read late or slowly, the way people use it
# (`podman run ... | less`, `| ssh`, a log collector that stalls): every byte arrives and
# podman reports the container's exit code, with conmon and with vigilmon alike. The
# container waits for the reader meanwhile (docs/protocols.md, "Flow control").

load helpers

setup_file() {
    suite_setup
}

teardown_file() {
    podman_private rm -af -t 0 >/dev/null 2>&1 || true
}

# late_reader NAME SIZE DELAY [RUN-OPTION...]: podman run --rm printing SIZE bytes of 'x'
# and a newline into a pipe whose reader starts after DELAY seconds. Records the bytes the
# reader got (NAME.bytes), podman's stderr (NAME.err) and exit code (NAME.rc).
late_reader() {
    local name=$1 size=$2 delay=$3
    shift 3
    {
        local rc=0
        pm run --rm "${ULIMITS[@]}" "$@" "$IMAGE" \
            sh -c "head -c $size /dev/zero | tr '\\0' x; echo" 2>"$OUT/$name.err" || rc=$?
        echo "$rc" >"$OUT/$name.rc"
    } | {
        sleep "$delay"
        wc -c >"$OUT/$name.bytes"
    }
}

# Reads stdin 8 KiB per 100 ms (~80 KB/s) and prints how many bytes it got.
slow_read() {
    local total=0 n
    while n=$(dd bs=8192 count=1 iflag=fullblock status=none | wc -c) && [ "$n" -gt 0 ]; do
        total=$((total + n))
        sleep 0.1
    done
    echo "$total"
}

sc_late() {
    # At once, so a pass takes the longest delay, not the sum.
    late_reader d0 3000000 0 &
    late_reader d6 3000000 6 &
    late_reader d12 3000000 12 &
    # fits in the pipes and buffers: the container is gone long before the reader starts
    late_reader small 1000000 12 &
    wait
}

@test "run | late reader: every byte with the reader 0, 6 and 12 s late (3 MB, 1 MB)" {
    both sc_late
    ref_is d0.bytes 3000001
    ref_is d6.bytes 3000001
    ref_is d12.bytes 3000001
    ref_is small.bytes 1000001
    ref_is d12.rc 0
    ref_is small.rc 0
    same
}

sc_big_and_tty() {
    late_reader big 50000000 12 &
    # a terminal turns the newline into \r\n
    late_reader tty 3000000 12 -t &
    wait
}

@test "run | late reader: 50 MB, and 3 MB through a terminal (-t), the reader 12 s late" {
    both sc_big_and_tty
    ref_is big.bytes 50000001
    ref_is tty.bytes 3000002
    ref_is big.rc 0
    ref_is tty.rc 0
    same
}

sc_slow() {
    {
        local rc=0
        pm run --rm "${ULIMITS[@]}" "$IMAGE" \
            sh -c "head -c 1000000 /dev/zero | tr '\\0' x; echo" 2>"$OUT/slow.err" || rc=$?
        echo "$rc" >"$OUT/slow.rc"
    } | slow_read >"$OUT/slow.bytes"
}

@test "run | slow reader: a reader taking ~80 KB/s gets every byte" {
    both sc_slow
    ref_is slow.bytes 1000001
    ref_is slow.rc 0
    same
}
