#!/bin/bash
# The README's demo: a busybox container created, started, logged, exec'd into and stopped
# through vigilctl, with its exit code at the end. Run as root after
# `meson setup build && ninja -C build` (BUILD=dir for another build directory). Everything
# it makes lives in a temporary directory that is removed on the way out.
set -euo pipefail
cd "$(dirname "$0")/.."

vigilctl="${BUILD:-build}/controller/vigilctl"
busybox=$(command -v busybox || true)
for need in "$vigilctl:meson setup build && ninja -C build" "$busybox:apt-get install busybox-static"; do
    if [ ! -x "${need%%:*}" ]; then
        echo "demo: ${need%%:*} is missing (${need#*:})" >&2
        exit 1
    fi
done
for tool in runc jq; do
    command -v "$tool" >/dev/null || PATH="$PATH:/usr/sbin:/sbin"
    command -v "$tool" >/dev/null || { echo "demo: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/vigil-demo.XXXXXX)
id="demo-$$"
ctl() { "$vigilctl" --root "$tmp/state" "$@"; }
show() { echo "\$ vigilctl $*"; ctl "$@"; }
cleanup() { ctl delete --force "$id" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT

# A bundle: busybox and its applets as the rootfs, runc's default config with our command.
rootfs="$tmp/bundle/rootfs"
mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/tmp" "$rootfs/etc"
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$rootfs/etc/passwd"
(cd "$tmp/bundle" && runc spec)
jq '.process.terminal = false
    | .process.args = ["sh", "-c", "echo hello from busybox; trap \"echo stopping; exit 3\" TERM; while :; do sleep 1 & wait $!; done"]
    | .process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]
    | .root.readonly = false' "$tmp/bundle/config.json" > "$tmp/config.json"
mv "$tmp/config.json" "$tmp/bundle/config.json"

show create --bundle "$tmp/bundle" "$id"
show start "$id"
# The log has the greeting once the shell has run its first line.
for _ in $(seq 100); do
    ctl logs "$id" | grep -q hello && break
    sleep 0.1
done
show logs "$id"
show exec "$id" sh -c 'echo "exec: pid $$ in $(hostname), $(id -un), cwd $(pwd)"'
show stop --time 10 "$id"
show logs --tail 1 "$id"
echo "exit code: $(ctl state --json "$id" | jq .exit_code)"
