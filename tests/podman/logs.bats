#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# What the monitor stores and podman reads back: detached run + podman logs (--tail,
# --since, -f), the k8s-file bytes, --log-opt max-size, --log-driver journald.

load helpers

setup_file() {
    suite_setup
}

teardown_file() {
    podman_private rm -af -t 0 >/dev/null 2>&1 || true
}

# A container that prints, then blocks until the test creates /w/go (a host directory of
# the pass), then prints again: the test controls "before" and "after" without sleeping.
GATED='echo before; echo before-err >&2; while [ ! -e /w/go ]; do sleep 0.05; done; echo after; printf "tail without newline"'

start_gated() {
    mkdir -p "$OUT/w"
    pm run -d --name "$1" -v "$OUT/w:/w" "${ULIMITS[@]}" "$IMAGE" sh -c "$GATED" >/dev/null
    # Both streams: stdout and stderr are separate pipes, so "before" being logged says
    # nothing about "before-err" (the monitor may not have read that pipe yet).
    wait_until 60 log_has "$1" before
    wait_until 60 log_err_has "$1" before-err
}

release_gated() {
    touch "$OUT/w/go"
    wait_until 60 ctr_status_is "$1" exited
}

sc_logs() {
    start_gated lg
    cap before pm logs lg
    release_gated lg
    cap all pm logs lg
    record_state state lg
    record_log_file file lg
}

@test "run -d + logs: stdout and stderr bytes, before and after exit; the k8s-file" {
    both sc_logs
    ref_bytes before.out 'before\n'
    ref_bytes before.err 'before-err\n'
    ref_bytes all.out 'before\nafter\ntail without newline'
    ref_bytes all.err 'before-err\n'
    ref_is state 'exited exit=0 oom=false running=false paused=false'
    # the order of the stdout and stderr records is up to the scheduler; within a stream
    # it is fixed
    grep '^stdout ' "$BATS_TEST_TMPDIR/conmon/file" >"$BATS_TEST_TMPDIR/conmon/file.stdout"
    grep '^stdout ' "$BATS_TEST_TMPDIR/vigilmon/file" >"$BATS_TEST_TMPDIR/vigilmon/file.stdout" || true
    ref_bytes file.stdout 'stdout F before\nstdout F after\nstdout P tail without newline\n'
    same before.out before.err before.rc all.out all.err all.rc state file.stdout
}

sc_tail() {
    run_to_exit tl -- seq 1 10
    cap tail2 pm logs --tail 2 tl
    cap tail0 pm logs --tail 0 tl
    cap tail99 pm logs --tail 99 tl
}

@test "logs --tail" {
    both sc_tail
    ref_bytes tail2.out '9\n10\n'
    ref_bytes tail0.out ''
    ref_bytes tail99.out "$(seq 1 10 | tr '\n' ' ' | sed 's/ /\\n/g')"
    same
}

sc_since() {
    start_gated sn
    # every record so far is older than this instant, every later one newer
    local t
    t=$(date +%Y-%m-%dT%H:%M:%S.%N%:z)
    sleep 0.01
    release_gated sn
    cap since pm logs --since "$t" sn
    cap until pm logs --until "$t" sn
}

@test "logs --since and --until split the log at an instant" {
    both sc_since
    ref_bytes since.out 'after\ntail without newline'
    ref_bytes since.err ''
    ref_bytes until.out 'before\n'
    ref_bytes until.err 'before-err\n'
    same
}

sc_follow() {
    start_gated fl
    pm logs -f fl >"$OUT/follow.out" 2>"$OUT/follow.err" &
    local follower=$! rc=0
    # follow has printed what was there: now let the container go on and exit
    wait_until 60 grep -q before "$OUT/follow.out"
    release_gated fl
    wait "$follower" || rc=$?
    record follow.rc "$rc"
}

@test "logs -f follows until the container exits" {
    both sc_follow
    ref_bytes follow.out 'before\nafter\ntail without newline'
    ref_bytes follow.err 'before-err\n'
    ref_is follow.rc 0
    same
}

sc_max_size() {
    run_to_exit ms --log-opt max-size=1000 -- \
        sh -c 'for i in $(seq 1 60); do echo line-$i; done'
    cap logs pm logs ms
    record_log_file file ms
    local path
    path=$(pm inspect --format '{{.HostConfig.LogConfig.Path}}' ms)
    record size-within-limit "$([ "$(stat -c %s "$path")" -le 1000 ] && echo yes)"
    # conmon 2.1.6 creates the file 0600, conmon 2.1.13 and later (and vigilmon) 0640
    # (docs/conmon-contract.md, "conmon releases"): recorded per pass, compared against the newest
    # behaviour below.
    stat -c %a "$path" | record mode
}

@test "--log-opt max-size: the monitor truncates the log file at the limit" {
    both sc_max_size
    ref_is run-ms.rc 0
    # 45 bytes of framing per record: lines 1-19 fill 998 bytes, 20-37 and 38-55 are each
    # cut at the limit, 56-60 remain
    ref_is logs.out "$(seq 56 60 | sed 's/^/line-/')"
    ref_is size-within-limit yes
    ref_is mode 600
    [ "$(cat "$BATS_TEST_TMPDIR/vigilmon/mode")" = 640 ] ||
        { echo "vigilmon log file mode $(cat "$BATS_TEST_TMPDIR/vigilmon/mode"), want 640" >&2; false; }
    same run-ms.rc logs.out logs.err logs.rc file size-within-limit
}

journal_entries() {
    journalctl -o json "CONTAINER_ID_FULL=$1" 2>/dev/null | grep -c . || true
}

journal_has() {
    [ "$(journal_entries "$1")" -ge "$2" ]
}

sc_journald() {
    run_to_exit jd --log-driver journald --log-opt tag=jtag -- \
        sh -c 'echo j1; echo j2 >&2; echo j3; printf partial'
    local id
    id=$(pm inspect --format '{{.Id}}' jd)
    wait_until 30 journal_has "$id" 4
    cap logs pm logs jd
    # the fields podman and users query, per stream in order
    local fields='{MESSAGE, PRIORITY, CONTAINER_NAME, CONTAINER_TAG, SYSLOG_IDENTIFIER, CONTAINER_ID, CONTAINER_PARTIAL_MESSAGE}'
    journalctl -o json "CONTAINER_ID_FULL=$id" PRIORITY=6 | jq -c "$fields" | record stdout-entries
    journalctl -o json "CONTAINER_ID_FULL=$id" PRIORITY=3 | jq -c "$fields" | record stderr-entries
}

@test "--log-driver journald: entries, fields and podman logs" {
    if [ -n "${VIGIL_PODMAN_NO_JOURNALD:-}" ]; then
        skip "$VIGIL_PODMAN_NO_JOURNALD"
    fi
    both sc_journald
    ref_is run-jd.rc 0
    ref_bytes logs.out 'j1\nj3\npartial'
    ref_bytes logs.err 'j2\n'
    ref_matches stdout-entries '"MESSAGE":"j1\\n","PRIORITY":"6","CONTAINER_NAME":"jd","CONTAINER_TAG":"jtag","SYSLOG_IDENTIFIER":"jtag"'
    ref_matches stdout-entries '"MESSAGE":"partial".*"CONTAINER_PARTIAL_MESSAGE":"true"'
    same
}
