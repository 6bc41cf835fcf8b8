#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Many containers, each with its own monitor, started and run at the same time.

load helpers

setup_file() {
    suite_setup
}

teardown_file() {
    podman_private rm -af -t 0 >/dev/null 2>&1 || true
}

PARALLEL=${VIGIL_PODMAN_PARALLEL:-8}

sc_parallel() {
    local i pids=()
    # foreground runs: output and exit code of each come back through its own monitor
    for i in $(seq 1 "$PARALLEL"); do
        cap "fg-$i" pm run --rm --name "fg-$i" "${ULIMITS[@]}" "$IMAGE" \
            sh -c "seq 1 $((i * 1000)) | tail -1; echo err-$i >&2; exit $i" &
        pids+=($!)
    done
    # detached ones at the same time, all still running together afterwards
    for i in $(seq 1 "$PARALLEL"); do
        cap "bg-$i" pm run -d --name "bg-$i" "${ULIMITS[@]}" "$IMAGE" \
            sh -c "echo bg-$i; trap 'exit $i' TERM; while :; do sleep 0.05; done" &
        pids+=($!)
    done
    wait "${pids[@]}"
    for i in $(seq 1 "$PARALLEL"); do
        wait_until 60 log_has "bg-$i" "bg-$i"
    done
    pm ps --format '{{.Names}} {{.Status}}' | awk '{ print $1, $2 }' | sort | record ps
    # and all stopped at once
    pm stop -t 60 $(seq -f 'bg-%g' 1 "$PARALLEL") | sort | record stop
    for i in $(seq 1 "$PARALLEL"); do
        record_state "state-$i" "bg-$i"
        rm "$OUT/bg-$i.out" # the container id
    done
}

@test "$PARALLEL containers in the foreground and $PARALLEL detached, in parallel" {
    both sc_parallel
    local i
    for i in $(seq 1 "$PARALLEL"); do
        ref_bytes "fg-$i.out" "$((i * 1000))\n"
        ref_bytes "fg-$i.err" "err-$i\n"
        ref_is "fg-$i.rc" "$i"
        ref_is "bg-$i.rc" 0
        ref_is "state-$i" "exited exit=$i oom=false running=false paused=false"
    done
    ref_is ps "$(seq -f 'bg-%g Up' 1 "$PARALLEL" | sort)"
    same
}
