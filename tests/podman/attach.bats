#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# podman attach to a running container through the monitor's attach socket: output only
# (--no-stdin), piped stdin with EOF, and detaching with the default and custom keys.

load helpers

setup_file() {
    suite_setup
}

teardown_file() {
    podman_private rm -af -t 0 >/dev/null 2>&1 || true
}

# Prints "tick" until /w/go exists: the attach client sees ticks once it is connected
# (the monitor replays nothing), so the test knows when to let the container finish.
TICKER='while [ ! -e /w/go ]; do echo tick; sleep 0.05; done; echo out; echo err >&2; exit 5'
ECHOER='while read l; do echo "got:$l"; done; echo eof; exit 9'

sc_no_stdin() {
    mkdir -p "$OUT/w"
    run_to_running t -v "$OUT/w:/w" -- sh -c "$TICKER"
    pm attach --no-stdin t >"$OUT/attach.raw" 2>"$OUT/attach.err" </dev/null &
    local client=$! rc=0
    wait_until 60 grep -q tick "$OUT/attach.raw"
    touch "$OUT/w/go"
    wait "$client" || rc=$?
    record attach.rc "$rc"
    grep -v '^tick$' "$OUT/attach.raw" | record attach.out
    rm "$OUT/attach.raw"
    # "stopped" until podman's cleanup has run
    wait_until 60 ctr_status_is t exited
    record_state state t
}

@test "attach --no-stdin: output of a running container until it exits" {
    both sc_no_stdin
    # podman ends the attach output with a newline of its own
    ref_bytes attach.out 'out\n\n'
    ref_bytes attach.err 'err\n'
    ref_is state 'exited exit=5 oom=false running=false paused=false'
    same
}

sc_stdin() {
    run_to_running e -i -- sh -c "$ECHOER"
    cap attach pm attach e < <(printf 'a\nb\n')
    wait_until 60 ctr_status_is e exited
    record_state state e
    cap logs pm logs e
}

@test "attach with piped stdin: input reaches the container, EOF ends it" {
    both sc_stdin
    ref_bytes attach.out 'got:a\ngot:b\neof\n\n'
    ref_is attach.rc 0
    ref_is state 'exited exit=9 oom=false running=false paused=false'
    ref_bytes logs.out 'got:a\ngot:b\neof\n'
    same
}

# Writes a line, waits until the client has printed the container's answer (so it is
# connected and idle), then the detach keys one byte per write (podman recognises a key
# only as a read of its own: the second key is written only once the client has taken the
# first out of the pipe), then keeps the pipe open: only a detach ends the client before
# its deadline.
detach_input() {
    printf 'x\n'
    local i
    for i in $(seq 1 600); do
        grep -q got:x "$OUT/attach.raw" 2>/dev/null && break
        sleep 0.05
    done
    printf '%b' "$1"
    stdin_drained
    printf '%b' "$2"
    exec sleep 60
}

# Wait until the reader of the pipe on our stdout has taken every byte out of it (FIONREAD
# works on either end of a pipe), or has closed it, or 60 s have passed.
stdin_drained() {
    python3 -c '
import fcntl, select, struct, termios, time
deadline = time.monotonic() + 60
p = select.poll()
p.register(1, 0)
while struct.unpack("i", fcntl.ioctl(1, termios.FIONREAD, b"\0" * 4))[0] > 0:
    if p.poll(0) or time.monotonic() > deadline:
        break
    time.sleep(0.01)
'
}

sc_detach() {
    local keys_opt=() k1='\x10' k2='\x11' rc=0 writer
    if [ "$1" = custom ]; then
        keys_opt=(--detach-keys "ctrl-x,ctrl-y")
        k1='\x18' k2='\x19'
    fi
    run_to_running d -i -- sh -c "$ECHOER"
    exec {input}< <(detach_input "$k1" "$k2")
    writer=$!
    timeout -k 5 30 podman --root "$R/storage" --runroot "$R/run" --tmpdir "$R/tmp" \
        --runtime runc --conmon "$MON" attach "${keys_opt[@]}" d <&"$input" \
        >"$OUT/attach.raw" 2>"$OUT/attach.err" || rc=$?
    exec {input}<&-
    kill "$writer" 2>/dev/null || true
    record attach.rc "$rc"
    # Whether "eof" (the container's answer to the stdin the monitor closes when the client
    # goes) still reaches podman before it exits is a race inside podman's client.
    grep -v '^eof$' "$OUT/attach.raw" | record attach.out
    rm "$OUT/attach.raw" # only the filtered copy is compared
    # what the container does after the client went away is the monitor's stdin policy
    wait_until 60 log_has d got:x
    wait_until 60 ctr_status_is d exited
    record_state state d
    cap logs pm logs d
}

@test "attach: detach with ctrl-p,ctrl-q" {
    both sc_detach default
    ref_is attach.rc 0
    ref_matches attach.out '^got:x$'
    ref_bytes logs.out 'got:x\neof\n'
    same
}

@test "attach: detach with custom --detach-keys" {
    both sc_detach custom
    ref_is attach.rc 0
    ref_matches attach.out '^got:x$'
    ref_bytes logs.out 'got:x\neof\n'
    same
}
