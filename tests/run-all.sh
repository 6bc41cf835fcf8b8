#!/bin/bash
# The whole test suite on a fresh Debian 12 machine, as root: installs what the build and the
# tests need, builds with warnings as errors (gcc, then clang), checks formatting, runs every
# suite, then builds with ASan+UBSan and runs the tests again there.
set -euo pipefail
cd "$(dirname "$0")/.."
# No test reads the caller's stdin (a terminal, or a CI runner's pipe that never closes).
exec </dev/null

packages=(meson ninja-build pkg-config gcc clang clang-format clang-tidy libglib2.0-dev
          libjson-glib-dev libsystemd-dev libseccomp-dev runc crun busybox-static podman conmon jq bats
          systemd criu g++ scdoc)
# systemd: journald for --log-driver journald; criu: the checkpoint probe runs the real
# `criu check` (it fails in this VM: vdso); g++: the dist suite builds a C++ program against
# the installed libvigil; scdoc: the man pages.
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs=$(nproc)

# meson test, and when it fails, each failed TAP test's diagnostics: meson prints a TAP
# program's stderr, but bats and g_test say what went wrong on stdout, in the log file.
run_tests() {
    local dir=$1
    shift
    meson test -C "$dir" --print-errorlogs --num-processes "$jobs" "$@" && return 0
    echo "==> what the failed tests printed ($dir/meson-logs/testlog.txt):"
    grep -A 20 '^not ok' "$dir/meson-logs/testlog.txt" | head -n 400 || true
    return 1
}

echo "==> gcc build (werror)"
[ -d build-ci ] || meson setup build-ci --werror >/dev/null
# tests/lint/clang-format-check.sh: one clang-format over every C file, naming the offenders
ninja -C build-ci clang-format-check
ninja -C build-ci
run_tests build-ci --no-suite podman

# podman (and CRI-O's argv) with vigilmon as conmon, each scenario also with Debian's conmon
# as the reference; docs/podman.md.
echo "==> podman suite: $(podman --version), $(conmon --version | head -1) as the reference"
run_tests build-ci --suite podman

echo "==> clang build (werror; tests compiled, not run again)"
[ -d build-clang ] || CC=clang meson setup build-clang --werror >/dev/null
ninja -C build-clang
# .clang-tidy's checks over the product code (tests/lint/clang-tidy-check.sh, all CPUs)
echo "==> clang-tidy"
ninja -C build-clang clang-tidy

echo "==> ASan+UBSan build"
[ -d build-asan ] || meson setup build-asan -Db_sanitize=address,undefined >/dev/null
ninja -C build-asan
# Sanitized code runs several times slower (and its malloc unwinds every stack): every
# test's timeout is tripled here, so a busy machine does not fail a passing test.
run_tests build-asan --timeout-multiplier 3 --suite unit --suite integration

echo "==> all suites passed"
