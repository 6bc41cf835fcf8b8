# bash completion for vigilctl(1).
#
# The commands and every command's options are read from vigilctl's own --help (the program
# being completed, so a build tree completes its own), so this file cannot fall behind the
# program. Container ids come from `vigilctl list -q`, with the --root given on the line.

# The options in a --help text, one a line; "=" after those that take a value.
_vigilctl_options()
{
    "$@" --help 2>/dev/null | awk '
        /^  +-/ {
            sub(/^ +/, "")
            split($0, cols, /  +/)
            n = split(cols[1], names, /, /)
            for (i = 1; i <= n; i++) {
                o = names[i]
                if (o ~ /=/) { sub(/=.*/, "=", o) }
                print o
            }
        }'
}

# The command names in `vigilctl --help`.
_vigilctl_commands()
{
    "$1" --help 2>/dev/null | awk '/^Commands:/ { on = 1; next } on && NF == 0 { exit }
                                   on { print $1 }'
}

_vigilctl()
{
    local prog=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]}
    local i word cmd="" cmd_at=0 opt="" takes
    local -a roots=() globals=() options=()

    # "--root=DIR": bash splits it at "=" into three words.
    if [[ $cur == "=" ]]; then
        opt=${COMP_WORDS[COMP_CWORD-1]}
        cur=""
    elif [[ ${COMP_WORDS[COMP_CWORD-1]} == "=" ]]; then
        opt=${COMP_WORDS[COMP_CWORD-2]}
    fi

    mapfile -t globals < <(_vigilctl_options "$prog")
    # The command: the first word that is neither a global option nor the value of one.
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if [[ $word == -* ]]; then
            if [[ $word == --root ]]; then
                roots=(--root "${COMP_WORDS[i+1]}")
            fi
            if [[ ${COMP_WORDS[i+1]} == "=" ]]; then
                [[ $word == --root ]] && roots=(--root "${COMP_WORDS[i+2]}")
                ((i += 2))
            elif printf '%s\n' "${globals[@]}" | grep -qx -- "$word="; then
                ((i++))
            fi
            continue
        fi
        cmd=$word
        cmd_at=$i
        break
    done

    if [[ -n $cmd ]]; then
        mapfile -t options < <(_vigilctl_options "$prog" "$cmd")
    else
        options=("${globals[@]}")
    fi
    # The value of an option that takes one.
    if [[ -z $opt && $COMP_CWORD -gt 1 && ${COMP_WORDS[COMP_CWORD-1]} == -* ]]; then
        takes=${COMP_WORDS[COMP_CWORD-1]}
        if printf '%s\n' "${options[@]}" | grep -qx -- "$takes="; then
            opt=$takes
        fi
    fi
    if [[ -n $opt ]]; then
        case $opt in
            --log-format) COMPREPLY=($(compgen -W "text json" -- "$cur")) ;;
            --format|-f)
                if [[ $cmd == list ]]; then
                    COMPREPLY=($(compgen -W "table json" -- "$cur"))
                fi ;;
            --runtime) COMPREPLY=($(compgen -W "runc crun" -- "$cur") $(compgen -f -- "$cur")) ;;
            --monitor-log-level)
                COMPREPLY=($(compgen -W "error warn info debug trace" -- "$cur")) ;;
            --log-driver)
                COMPREPLY=($(compgen -W "k8s-file json-file journald none passthrough" \
                    -- "$cur")) ;;
            --stop-signal)
                COMPREPLY=($(compgen -W "$(kill -l | tr -s '\t ' '\n\n' | \
                    sed -n 's/^SIG//p')" -- "$cur")) ;;
            --root|--runtime-root|--bundle|-b|--exit-dir|--persist-dir|--image-path| \
            --work-path|--parent-path|--workdir|-w)
                COMPREPLY=($(compgen -d -- "$cur")) ;;
            *) COMPREPLY=($(compgen -f -- "$cur")) ;;
        esac
        return 0
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "${options[*]}" -- "$cur"))
        # An option that takes a value ends in "=": no space after it.
        if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]]; then
            compopt -o nospace 2>/dev/null
        fi
        return 0
    fi
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$(_vigilctl_commands "$prog")" -- "$cur"))
        return 0
    fi
    case $cmd in
        help) COMPREPLY=($(compgen -W "$(_vigilctl_commands "$prog")" -- "$cur")) ;;
        list|runtime-info|features|version) ;;
        *)
            # The first positional is a container id (exec's later ones are its command).
            local positional=0
            for ((i = cmd_at + 1; i < COMP_CWORD; i++)); do
                word=${COMP_WORDS[i]}
                if [[ $word == -* ]]; then
                    printf '%s\n' "${options[@]}" | grep -qx -- "$word=" && ((i++))
                    continue
                fi
                ((positional++))
            done
            if ((positional == 0)); then
                COMPREPLY=($(compgen -W "$("$prog" "${roots[@]}" list -q 2>/dev/null)" \
                    -- "$cur"))
            elif [[ $cmd == kill ]] && ((positional == 1)); then
                COMPREPLY=($(compgen -W "$(kill -l | tr -s '\t ' '\n\n' | \
                    sed -n 's/^SIG//p')" -- "$cur"))
            fi ;;
    esac
    return 0
}

complete -F _vigilctl vigilctl
