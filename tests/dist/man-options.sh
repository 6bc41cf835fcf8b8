#!/bin/bash
# Every option the programs print in --help is in their man page, where it belongs:
#   - `vigilctl --help`'s options in vigilctl(1)'s GLOBAL OPTIONS;
#   - each command's options (`vigilctl CMD --help`) in that command's own subsection of
#     COMMANDS, or in the subsection of the command it says it takes "every option of"
#     (run and restore take create's); those every command has (--json, -h, --help) in
#     COMMAND OPTIONS; and every command has a subsection;
#   - `vigilmon --help`'s options in vigilmon(8).
# The pages checked are the built ones (scdoc's roff, its font escapes removed).
# Usage: man-options.sh VIGILCTL VIGILMON MAN_DIR|none
set -euo pipefail
vigilctl=$1
vigilmon=$2
mandir=$3
exec </dev/null

[ "$mandir" != none ] || { echo "# SKIP: the man pages are not built (scdoc is missing)"; exit 77; }
failed=0
miss() { echo "FAIL: $*" >&2; failed=1; }

# A page as plain text: roff's font escapes and zero-width marks removed.
plain() { sed -e 's/\\f[BIRP]//g' -e 's/\\&//g' -e 's/\\-/-/g' "$1"; }

# The options in a --help text, one a line (short and long, value names dropped).
options() {
    awk '/^  +-/ {
            sub(/^ +/, "")
            split($0, cols, /  +/)
            n = split(cols[1], names, /, /)
            for (i = 1; i <= n; i++) { o = names[i]; sub(/=.*/, "", o); print o }
        }'
}

# The text of a section (.SH NAME) or subsection (.SS whose first word is NAME).
section() {
    awk -v kind="$2" -v name="$3" '
        /^\.S[HS] / {
            if (on && ($1 == ".SH" || kind == ".SS")) exit
            t = $0; sub(/^\.S[HS] +/, "", t); gsub(/"/, "", t); split(t, w, " ")
            if ($1 == kind && (t == name || w[1] == name)) { on = 1; next }
        }
        on' "$1"
}

# Whether option opt is in text as a word of its own (not a prefix of a longer option).
has() { grep -qE -- "(^|[^-[:alnum:]])$1([^-[:alnum:]]|\$)" <<<"$2"; }

ctl_page=$(mktemp)
mon_page=$(mktemp)
trap 'rm -f "$ctl_page" "$mon_page"' EXIT
plain "$mandir/vigilctl.1" >"$ctl_page"
plain "$mandir/vigilmon.8" >"$mon_page"

globals=$(section "$ctl_page" .SH "GLOBAL OPTIONS")
for opt in $("$vigilctl" --help | options); do
    has "$opt" "$globals" || miss "vigilctl(1) GLOBAL OPTIONS lacks $opt"
done
common=$(section "$ctl_page" .SH "COMMAND OPTIONS")
commands=$("$vigilctl" --help | awk '/^Commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }')
[ -n "$commands" ] || miss "vigilctl --help lists no commands"
n=0
for cmd in $commands; do
    text=$(section "$ctl_page" .SS "$cmd")
    [ -n "$text" ] || { miss "vigilctl(1) has no subsection for the command $cmd"; continue; }
    parent=$(grep -o 'every option of [a-z-]*' <<<"$text" | awk '{ print $4 }' || true)
    [ -z "$parent" ] || text+=$'\n'$(section "$ctl_page" .SS "$parent")
    for opt in $("$vigilctl" "$cmd" --help | options); do
        case $opt in
            --json|-h|--help) has "$opt" "$common" || miss "COMMAND OPTIONS lacks $opt" ;;
            *) has "$opt" "$text" || miss "vigilctl(1) lacks $cmd's $opt" ;;
        esac
        n=$((n + 1))
    done
done
for opt in $("$vigilmon" --help | options); do
    has "$opt" "$(section "$mon_page" .SH OPTIONS)" || miss "vigilmon(8) OPTIONS lacks $opt"
    n=$((n + 1))
done
[ "$n" -gt 100 ] || miss "only $n options found in the --help texts: is the parsing broken?"
[ $failed = 0 ] || exit 1
echo "# $n options of $(wc -w <<<"$commands") commands and the monitor, all in the man pages"
