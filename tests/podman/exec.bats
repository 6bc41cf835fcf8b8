#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# podman exec: each session is a monitor of its own (--exec --exec-attach, API 1 sync
# messages for the pid and the exit code, the session's attach socket).

load helpers

setup_file() {
    suite_setup
    head -c 3000000 /dev/urandom >"$BATS_FILE_TMPDIR/input.bin"
}

teardown_file() {
    podman_private rm -af -t 0 >/dev/null 2>&1 || true
}

# The container the sessions run in; its own monitor is the one of the pass too.
start_target() {
    cap run-ex pm run -d --name ex "${ULIMITS[@]}" "$IMAGE" sleep 1000
    wait_until 60 ctr_status_is ex running
}

sc_plain() {
    start_target
    cap plain pm exec ex sh -c 'echo out; echo err >&2; printf "no newline"'
    cap env pm exec --workdir /tmp -e FOO=bar ex sh -c 'echo "$(pwd) $FOO"'
    cap true pm exec ex true
    cap code pm exec ex sh -c 'exit 7'
    cap code255 pm exec ex sh -c 'exit 255'
    # the session's process killed by a signal
    cap signal pm exec ex sh -c 'kill -9 $$'
    record_state state ex
}

@test "exec: output bytes and exit codes" {
    both sc_plain
    ref_bytes plain.out 'out\nno newline'
    ref_bytes plain.err 'err\n'
    ref_is plain.rc 0
    ref_bytes env.out '/tmp bar\n'
    ref_is true.rc 0
    ref_is code.rc 7
    ref_is code255.rc 255
    ref_is signal.rc 137
    ref_is state 'running exit=0 oom=false running=true paused=false'
    same
}

sc_fail() {
    start_target
    # runc fails to start the process: podman's 127 and 126, with runc's words
    cap notfound pm exec ex /no/such/binary
    cap noexec pm exec ex /etc/passwd
    pm stop -t 0 ex >/dev/null
    cap stopped pm exec ex true
}

@test "exec: a command that cannot be started" {
    both sc_fail
    ref_is notfound.rc 127
    ref_matches notfound.err 'no such file or directory'
    ref_is noexec.rc 126
    ref_matches noexec.err 'permission denied'
    # podman itself refuses; no monitor is started
    ref_is stopped.rc 255
    ref_matches stopped.err 'running'
    same
}

sc_stdin() {
    start_target
    cap sum pm exec -i ex sha256sum <"$BATS_FILE_TMPDIR/input.bin"
    cap_sha cat pm exec -i ex cat <"$BATS_FILE_TMPDIR/input.bin"
    cap lines pm exec -i ex sh -c 'while read l; do echo "got:$l"; done; echo eof; exit 3' \
        < <(printf 'a\nb\n')
}

@test "exec -i: piped stdin, megabytes, EOF reaches the process" {
    both sc_stdin
    local want
    want=$(sha256sum <"$BATS_FILE_TMPDIR/input.bin" | cut -d' ' -f1)
    ref_is sum.out "$want  -"
    ref_is cat.sha "$want  -"
    ref_bytes lines.out 'got:a\ngot:b\neof\n'
    ref_is lines.rc 3
    same
}

sc_tty() {
    start_target
    cap tty pm exec -t ex sh -c 'echo out; echo err >&2; [ -t 1 ] && echo is-a-tty; exit 5' \
        </dev/null
}

@test "exec -t: a terminal, CRLF output, the exit code" {
    both sc_tty
    ref_bytes tty.out 'out\r\nerr\r\nis-a-tty\r\n'
    ref_is tty.rc 5
    same
}

file_in_ctr_is() {
    [ "$(pm exec ex cat "$1" 2>/dev/null)" = "$2" ]
}

sc_detached() {
    start_target
    cap detached pm exec -d ex sh -c 'echo detached-output; echo done > /tmp/d; exit 3'
    wait_until 60 file_in_ctr_is /tmp/d 'done'
    cap check pm exec ex cat /tmp/d
    # two sessions at once: a long one detached, a short one attached
    cap long pm exec -d ex sh -c 'sleep 1000'
    cap short pm exec ex echo short
}

@test "exec -d: a detached session runs to completion" {
    both sc_detached
    ref_is detached.rc 0
    ref_matches detached.out '^[0-9a-f]{64}$'
    ref_bytes check.out 'done\n'
    ref_bytes short.out 'short\n'
    same
}
