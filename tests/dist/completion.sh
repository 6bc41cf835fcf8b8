#!/bin/bash
# The bash completion, sourced and called as bash would: commands, a command's options,
# option values, and container ids from the --root on the line.
# Usage: completion.sh VIGILCTL COMPLETION_FILE
set -euo pipefail
vigilctl=$1
exec </dev/null
# shellcheck source=../../completion/vigilctl.bash
source "$2"

[[ $(complete -p vigilctl) == *"-F _vigilctl"* ]] || { echo "FAIL: not registered" >&2; exit 1; }
failed=0
# expect "WANTED" WORD...: the completions of the last word, given the words before it.
expect() {
    local want=$1
    shift
    COMP_WORDS=("$vigilctl" "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    # as bash runs it: without errexit (an arithmetic 0 is a false status)
    set +e
    _vigilctl
    set -e
    if [ "${COMPREPLY[*]}" != "$want" ]; then
        echo "FAIL: vigilctl $* <TAB>: '${COMPREPLY[*]}', not '$want'" >&2
        failed=1
    fi
}

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# A container as list sees it (a corrupt record is listed, as unknown).
mkdir "$root/web"
echo '[1]' >"$root/web/state.json"
touch "$root/web/lock"

expect "create" cr
expect "exec-stop" exec-s
# every command that starts with "ex", as --help lists them
expect "$("$vigilctl" --help | awk '/^Commands:/ { on = 1; next } on && $1 ~ /^ex/ { print $1 }' |
    tr '\n' ' ' | sed 's/ $//')" ex
expect "--root=" --ro
expect "text json" --log-format ""
expect "json" --log-format = j
expect "--format=" list --fo
expect "-q" list -q
expect "table json" list --format ""
expect "json-file journald" create --log-driver j
expect "web" --root "$root" state ""
expect "web" --root = "$root" kill w
expect "KILL" --root "$root" kill web KI
expect "list" help li
expect "" --root "$root" list ""
[ $failed = 0 ] || exit 1
echo "# ok"
