# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
#
# Shared by every tests/podman/*.bats file. podman-runner sets VIGIL_PODMAN_ROOT to a fresh
# private directory; everything podman stores, runs and reads lives below it (storage, run
# state, tmpdir, locks, events, network config, containers.conf, storage.conf), so the files
# run in parallel with each other and with the other suites, and never see the host's
# containers.
#
# Every scenario runs twice in one test: with Debian's conmon (the reference) and with the
# built vigilmon. A scenario records what a user would see (stdout and stderr bytes, exit
# codes, `podman inspect` states, log contents) with `cap`/`record`; the test then checks the
# reference against the expected outcome (`ref_is`), so a scenario cannot pass vacuously,
# and fails when vigilmon's record differs from conmon's (`same`).

: "${VIGIL_PODMAN_ROOT:?run the podman suite through podman-runner (meson test --suite podman)}"

R=$VIGIL_PODMAN_ROOT
CONMON=${CONMON:-/usr/bin/conmon}
VIGILMON=${VIGILMON:-vigilmon}
IMAGE=localhost/vigil-busybox:latest
# This host's hard limits are below podman's defaults (podman.md).
ULIMITS=(--ulimit nofile=4096:4096 --ulimit nproc=4096:4096)
# A deadline against hangs only; no test asserts a duration.
CMD_TIMEOUT=${VIGIL_PODMAN_CMD_TIMEOUT:-120}

export CONTAINERS_CONF=$R/containers.conf
export CONTAINERS_STORAGE_CONF=$R/storage.conf

# podman with the suite's private storage and state, no monitor chosen.
podman_private() {
    podman --root "$R/storage" --runroot "$R/run" --tmpdir "$R/tmp" --runtime runc "$@"
}

# podman driving the monitor of the current pass ($MON), with a deadline.
pm() {
    timeout -k 10 "$CMD_TIMEOUT" podman --root "$R/storage" --runroot "$R/run" \
        --tmpdir "$R/tmp" --runtime runc --conmon "$MON" "$@"
}

write_config() {
    mkdir -p "$R/storage" "$R/run" "$R/tmp" "$R/net" "$R/vol"
    # podman gives the monitor only conmon_env_vars (and a few variables of its own): a
    # sanitizer build of vigilmon gets its options here, with reports written to files that
    # `same` turns into failures (the monitor's stderr is /dev/null).
    local monitor_env=""
    if [ -n "${ASAN_OPTIONS:-}" ]; then
        mkdir -p "$R/sanitizer"
        monitor_env="conmon_env_vars = [
  \"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",
  \"ASAN_OPTIONS=$ASAN_OPTIONS:log_path=$R/sanitizer/asan\",
  \"UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}:log_path=$R/sanitizer/ubsan\",
]"
    fi
    # netns none: the scenarios are about the monitor, and netavark/iptables would make
    # parallel runs interfere. Locks are files under tmpdir: the default shm lock segment is
    # host-wide and a fresh tmpdir makes podman free every lock in it.
    cat >"$R/containers.conf" <<EOF
[containers]
netns = "none"
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$R/events.log"
runtime = "runc"
lock_type = "file"
$monitor_env

[network]
network_config_dir = "$R/net"
EOF
    cat >"$R/storage.conf" <<EOF
[storage]
driver = "vfs"
runroot = "$R/run"
graphroot = "$R/storage"
EOF
}

# The busybox image, imported from a rootfs tarball made from /bin/busybox (no registry is
# reachable here).
build_image() {
    local rootfs=$R/rootfs applet
    mkdir -p "$rootfs"/{bin,etc,tmp,proc,sys,dev,root,w}
    chmod 1777 "$rootfs/tmp"
    cp /bin/busybox "$rootfs/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' \
        >"$rootfs/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
    tar -C "$rootfs" -cf "$R/rootfs.tar" .
    podman_private import --change 'ENV PATH=/bin' "$R/rootfs.tar" "$IMAGE" >/dev/null
}

suite_setup() {
    if [ ! -e "$R/rootfs.tar" ]; then
        write_config
        build_image
    fi
}

# Remove every container of the suite, whatever state it is in, and the directory. Runs
# from each file's teardown_file and again from podman-runner after bats exits.
suite_cleanup() {
    [ -d "$R" ] || return 0
    if [ -e "$R/containers.conf" ]; then
        timeout -k 5 120 podman_private rm -af -t 0 >/dev/null 2>&1 || true
    fi
    # Left-over per-container mounts (shm) would make rm fail.
    local m
    awk -v r="$R" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r |
        while read -r m; do
            umount -l "$m" 2>/dev/null || true
        done
    rm -rf "$R"
}

# --- recording ------------------------------------------------------------------------

# One pass of a scenario: MON is the monitor binary, OUT the directory its records go to.
# The scenario function gets the pass name (conmon or vigilmon) as $1.
both() {
    local fn=$1 pass
    shift
    for pass in conmon vigilmon; do
        OUT=$BATS_TEST_TMPDIR/$pass
        mkdir -p "$OUT"
        if [ "$pass" = conmon ]; then MON=$CONMON; else MON=$VIGILMON; fi
        export MON OUT
        # A monitor's stray files (conmon 2.1.6 creates "oom" in its working directory)
        # land in the pass's records, not in the source tree.
        mkdir -p "$OUT/cwd"
        cd "$OUT/cwd" || return 1
        "$fn" "$pass" "$@"
        # Each pass starts from no containers, so both use the same names.
        pm rm -af -t 0 >/dev/null 2>&1 || true
    done
}

# cap NAME CMD...: run CMD (never failing the test here), keeping stdout, stderr and the
# exit code as NAME.out, NAME.err, NAME.rc in the current pass's records. Redirect cap's
# stdin to feed CMD.
cap() {
    local name=$1 rc=0
    shift
    "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
    echo "$rc" >"$OUT/$name.rc"
}

# cap_sha NAME CMD...: like cap, but for megabytes: keeps the sha256 of stdout as NAME.sha.
cap_sha() {
    local name=$1 rc=0
    shift
    "$@" 2>"$OUT/$name.err" | sha256sum >"$OUT/$name.sha" || true
    rc=${PIPESTATUS[0]}
    echo "$rc" >"$OUT/$name.rc"
}

# record NAME VALUE (or stdin when VALUE is absent)
record() {
    if [ $# -ge 2 ]; then
        printf '%s\n' "$2" >"$OUT/$1"
    else
        cat >"$OUT/$1"
    fi
}

# The container state a user sees in `podman inspect`.
INSPECT_STATE='{{.State.Status}} exit={{.State.ExitCode}} oom={{.State.OOMKilled}} running={{.State.Running}} paused={{.State.Paused}}'
record_state() {
    local name=$1 ctr=$2
    pm inspect --format "$INSPECT_STATE" "$ctr" >"$OUT/$name" 2>&1 || echo "inspect failed" >>"$OUT/$name"
}

# A container log as stored (k8s-file), timestamps removed: stream, P/F tag and bytes.
record_log_file() {
    local name=$1 ctr=$2 path
    path=$(pm inspect --format '{{.HostConfig.LogConfig.Path}}' "$ctr")
    if [ -f "$path" ]; then
        sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+[-+][0-9]{2}:[0-9]{2} //' "$path" \
            >"$OUT/$name"
    else
        echo "no log file at $path" >"$OUT/$name"
    fi
}

# --- waiting --------------------------------------------------------------------------

# wait_until SECONDS CMD...: poll CMD until it succeeds. On the deadline the wait is
# recorded in the pass's "timeouts" record (which fails the test in `same`) and the
# scenario goes on, so the rest of the comparison is still shown.
wait_until() {
    local secs=$1 deadline
    shift
    # Once a wait of this pass has failed, the scenario is already lost: do not spend the
    # full deadline again on every later wait.
    [ -e "$OUT/timeouts" ] && secs=2
    deadline=$((SECONDS + secs))
    until "$@"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "timed out after ${secs}s waiting for: $*" >>"$OUT/timeouts"
            return 0
        fi
        sleep 0.1
    done
}

# run_to_exit NAME [RUN-OPTION...] -- CMD...: podman run -d, then wait for the exit. The
# log tests use this so that they depend on the log path only, not on attach.
run_to_exit() {
    local name=$1 opts=()
    shift
    while [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    cap "run-$name" pm run -d --name "$name" "${ULIMITS[@]}" "${opts[@]}" "$IMAGE" "$@"
    wait_until 60 ctr_status_is "$name" exited
}

# run_to_running NAME [RUN-OPTION...] -- CMD...: podman run -d, then wait until running.
run_to_running() {
    local name=$1 opts=()
    shift
    while [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    cap "run-$name" pm run -d --name "$name" "${ULIMITS[@]}" "${opts[@]}" "$IMAGE" "$@"
    wait_until 60 ctr_status_is "$name" running
}

ctr_status_is() {
    [ "$(pm inspect --format '{{.State.Status}}' "$1" 2>/dev/null)" = "$2" ]
}

ctr_gone() {
    ! pm container exists "$1"
}

log_has() {
    pm logs "$1" 2>/dev/null | grep -q -- "$2"
}

# The same for the container's stderr (podman logs prints it on its own stderr).
log_err_has() {
    pm logs "$1" 2>&1 >/dev/null | grep -q -- "$2"
}

# --- checking -------------------------------------------------------------------------

# Normalise what legitimately differs between two passes: container ids, podman's log
# timestamps and the monitor's path.
normalize() {
    sed -E -e 's/[0-9a-f]{64}/<ID>/g' -e 's/\b[0-9a-f]{12}\b/<ID>/g' \
        -e 's/time="[^"]*"/time="<T>"/g' \
        -e "s#$CONMON#<MONITOR>#g" -e "s#$VIGILMON#<MONITOR>#g" "$1"
}

# ref_is NAME EXPECTED: the reference's record NAME is EXPECTED (compared as "$(cat NAME)",
# so without trailing newlines).
ref_is() {
    local name=$1 expected=$2 got
    got=$(cat "$BATS_TEST_TMPDIR/conmon/$name")
    if [ "$got" != "$expected" ]; then
        echo "reference (conmon) $name: expected '$expected', got '$got'" >&2
        return 1
    fi
}

# ref_bytes NAME FORMAT: the reference's record NAME is exactly the bytes printf FORMAT
# makes.
ref_bytes() {
    # shellcheck disable=SC2059 # the expectation is a printf format on purpose
    if ! cmp -s <(printf -- "$2") "$BATS_TEST_TMPDIR/conmon/$1"; then
        echo "reference (conmon) $1 is not the expected bytes:" >&2
        # shellcheck disable=SC2059
        diff -u <(printf -- "$2" | od -c) <(od -c "$BATS_TEST_TMPDIR/conmon/$1") >&2
        return 1
    fi
}

# ref_matches NAME REGEX (grep -E on the reference's record)
ref_matches() {
    if ! grep -Eq -- "$2" "$BATS_TEST_TMPDIR/conmon/$1"; then
        echo "reference (conmon) $1 does not match /$2/:" >&2
        head -20 "$BATS_TEST_TMPDIR/conmon/$1" >&2
        return 1
    fi
}

# same [NAME...]: vigilmon's records equal conmon's (all records of both passes when no
# NAME is given), byte for byte after normalize. Prints a diff of every difference. A wait
# that timed out in either pass fails too, even when both passes timed out alike.
same() {
    local c=$BATS_TEST_TMPDIR/conmon v=$BATS_TEST_TMPDIR/vigilmon names=("$@") n bad=0
    if [ ${#names[@]} -eq 0 ]; then
        mapfile -t names < <(find "$c" "$v" -maxdepth 1 -type f -printf '%f\n')
        mapfile -t names < <(printf '%s\n' "${names[@]}" | sort -u)
    fi
    if [ -e "$c/timeouts" ]; then
        echo "reference (conmon) pass: $(cat "$c/timeouts")" >&2
        bad=1
    fi
    local report
    for report in "$R"/sanitizer/*san.*; do
        if [ ! -e "$report" ] || [ "${report%.seen}" != "$report" ]; then
            continue
        fi
        echo "sanitizer report from a monitor, $report:" >&2
        head -40 "$report" >&2
        mv "$report" "$report.seen"
        bad=1
    done
    for n in "${names[@]}"; do
        if [ ! -e "$c/$n" ] || [ ! -e "$v/$n" ]; then
            echo "only one pass has the record $n:" >&2
            head -20 "$c/$n" "$v/$n" 2>&1 | sed 's/^/    /' >&2
            bad=1
        elif ! cmp -s <(normalize "$c/$n") <(normalize "$v/$n"); then
            echo "$n differs (--- conmon, +++ vigilmon):" >&2
            diff -u <(normalize "$c/$n") <(normalize "$v/$n") | tail -n +3 | head -40 |
                sed 's/^/    /' >&2
            bad=1
        fi
    done
    return $bad
}
