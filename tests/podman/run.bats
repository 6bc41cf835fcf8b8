#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# podman run in the foreground: output bytes, exit codes, stdin, terminals, --timeout,
# --rm, and podman seeing the monitor. Each test runs its scenario with conmon and with
# vigilmon and compares (helpers.bash).

load helpers

setup_file() {
    suite_setup
}

teardown_file() {
    podman_private rm -af -t 0 >/dev/null 2>&1 || true
}

sc_output() {
    cap run pm run --rm "${ULIMITS[@]}" "$IMAGE" \
        sh -c 'echo out; echo err >&2; echo out2; printf "no newline"; exit 3'
}

@test "run: stdout and stderr bytes and the exit code" {
    both sc_output
    ref_bytes run.out 'out\nout2\nno newline'
    ref_bytes run.err 'err\n'
    ref_is run.rc 3
    same
}

sc_exit_codes() {
    cap zero pm run --rm "${ULIMITS[@]}" "$IMAGE" true
    cap one pm run --rm "${ULIMITS[@]}" "$IMAGE" false
    cap big pm run --rm "${ULIMITS[@]}" "$IMAGE" sh -c 'exit 255'
    # the runtime fails to start the process: podman's 127 with runc's own words
    cap notfound pm run --name nf "${ULIMITS[@]}" "$IMAGE" /no/such/binary
    # runc's error reaches the user through podman's error, not the container log
    cap notfound-logs pm logs nf
    record_state notfound-state nf
}

@test "run: exit codes, signals and a runtime failure" {
    both sc_exit_codes
    ref_is zero.rc 0
    ref_is one.rc 1
    ref_is big.rc 255
    ref_is notfound.rc 127
    ref_matches notfound.err 'no such file or directory'
    ref_bytes notfound-logs.out ''
    ref_bytes notfound-logs.err ''
    ref_matches notfound-state '^(created|configured|exited) '
    same
}

sc_big_output() {
    # ~2 MB through the monitor's pipes and the attach socket
    cap_sha seq pm run --rm "${ULIMITS[@]}" "$IMAGE" seq 1 300000
}

@test "run: megabytes of output arrive complete" {
    both sc_big_output
    ref_is seq.sha "$(seq 1 300000 | sha256sum)"
    ref_is seq.rc 0
    same
}

sc_stdin() {
    local input=$BATS_FILE_TMPDIR/input.bin
    cap sum pm run --rm -i "${ULIMITS[@]}" "$IMAGE" sha256sum <"$input"
    cap_sha cat pm run --rm -i "${ULIMITS[@]}" "$IMAGE" cat <"$input"
    # no -i: the container's stdin is /dev/null whatever podman's is
    cap nostdin pm run --rm "${ULIMITS[@]}" "$IMAGE" wc -c <"$input"
}

@test "run -i: megabytes of piped stdin, checksummed on both sides" {
    head -c 4000000 /dev/urandom >"$BATS_FILE_TMPDIR/input.bin"
    both sc_stdin
    local want
    want=$(sha256sum <"$BATS_FILE_TMPDIR/input.bin" | cut -d' ' -f1)
    ref_is sum.out "$want  -"
    ref_is sum.rc 0
    ref_is cat.sha "$want  -"
    ref_is nostdin.out 0
    same
}

sc_tty() {
    cap tty pm run --rm -t "${ULIMITS[@]}" "$IMAGE" \
        sh -c 'echo out; echo err >&2; [ -t 0 ] && [ -t 1 ] && echo is-a-tty; exit 4' </dev/null
}

@test "run -t: a terminal, output with CRLF, the exit code" {
    both sc_tty
    ref_bytes tty.out 'out\r\nerr\r\nis-a-tty\r\n'
    ref_is tty.rc 4
    same
}

sc_tty_resize() {
    # podman reads its terminal's size and sends it to the monitor's ctl FIFO; the
    # container waits (bounded by a minute, for a loaded machine) for the size to arrive,
    # then prints it. podman must stay in the terminal's foreground process group: a plain
    # timeout moves itself and podman into a group of their own, and podman's switch to raw
    # mode then draws SIGTTOU and never returns (bash hid that by exec'ing the last command as
    # the session leader, which cannot change its group; dash does not), so --foreground, and
    # script runs the one shell we name.
    local cmd
    cmd=$(printf '%q ' timeout --foreground -k 5 "$CMD_TIMEOUT" podman --root "$R/storage" \
        --runroot "$R/run" --tmpdir "$R/tmp" --runtime runc --conmon "$MON" \
        run --rm -t "${ULIMITS[@]}" "$IMAGE" sh -c \
        'i=0; while [ "$(stty size)" = "0 0" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo "size=$(stty size)"')
    local rc=0
    SHELL=/bin/sh script -qec "stty rows 31 cols 101; $cmd" /dev/null </dev/null \
        >"$OUT/script.out" 2>&1 || rc=$?
    record rc "$rc"
    grep -o 'size=[0-9 ]*' "$OUT/script.out" | record size
}

@test "run -t under a terminal: the window size reaches the container" {
    both sc_tty_resize
    ref_is size 'size=31 101'
    ref_is rc 0
    same rc size
}

sc_timeout() {
    cap run pm run --timeout 2 --name to "${ULIMITS[@]}" "$IMAGE" sleep 1000
    record_state state to
}

@test "run --timeout: the monitor kills the container" {
    both sc_timeout
    ref_is run.rc 255
    ref_matches state '^exited exit=-1 '
    same
}

sc_rm_detached() {
    cap run pm run -d --rm --name rmd "${ULIMITS[@]}" "$IMAGE" sh -c 'echo bye; exit 5'
    # the exit command (podman container cleanup --rm) removes it
    wait_until 60 ctr_gone rmd
    local rc=0
    pm container exists rmd || rc=$?
    record exists "$rc"
}

@test "run -d --rm: the exit command removes the container" {
    both sc_rm_detached
    ref_is run.rc 0
    ref_is exists 1
    same
}

sc_info() {
    pm info --format '{{.Host.Conmon.Path}}' | record path
    pm info --format '{{.Host.Conmon.Version}}' |
        grep -Eq '^conmon version [0-9]+\.[0-9]+\.[0-9]+, commit: ' && record version-shape ok
    # the containers.conf way: conmon_path instead of --conmon
    sed "/^\[engine\]/a conmon_path = [\"$MON\"]" "$R/containers.conf" >"$OUT/containers.conf"
    CONTAINERS_CONF=$OUT/containers.conf podman_private info \
        --format '{{.Host.Conmon.Path}}' | record conf-path
    CONTAINERS_CONF=$OUT/containers.conf podman_private run -d --name info \
        "${ULIMITS[@]}" "$IMAGE" sleep 1000 >/dev/null
    local pid
    pid=$(pm inspect --format '{{.State.ConmonPid}}' info)
    readlink "/proc/$pid/exe" | record conf-monitor-exe || true
}

@test "podman info shows the monitor; containers.conf conmon_path selects it" {
    both sc_info
    ref_is path "$CONMON"
    ref_is conf-path "$CONMON"
    ref_is conf-monitor-exe "$(readlink -f "$CONMON")"
    [ "$(cat "$BATS_TEST_TMPDIR/vigilmon/path")" = "$VIGILMON" ]
    [ "$(cat "$BATS_TEST_TMPDIR/vigilmon/conf-monitor-exe")" = "$(readlink -f "$VIGILMON")" ]
    same version-shape
}
