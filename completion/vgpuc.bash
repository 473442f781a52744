# vgpuc.bash - bash completion for vgpuc: commands, the options of each
# command, the values of --format/--diagnostics/--target/--color/--fail-on/--rule, rule
# (and git refs for `rollout --from-git`),
# codes and slugs (asked from `vgpuc rules --format json`, with a static list
# as fallback), catalog sections, and .vgpu files and folders as inputs.
# Installed as share/bash-completion/completions/vgpuc; needs no other
# completion library. Tested by tests/validators/check-completion.sh.
# shellcheck shell=bash

# Fallback when no vgpuc binary answers; must equal compiler/core/codes.def
# (check-completion.sh compares them).
_vgpuc_static_codes=(VG1001 VG1002 VG1003 VG1004 VG1005 VG1006 VG1007 VG1008 VG1009 VG1010 VG1011
VG1012 VG1013 VG2001 VG2002 VG2003 VG2004 VG2005 VG2006 VG2007 VG3001 VG3002 VG3003 VG3004 VG3005
VG3006 VG3007 VG3008 VG3101 VG3102 VG3103 VG4001 VG4002 VG4003 VG4004 VG4005 VG4006 VG4007 VG5001
VG5002 VG5003 VG5004 VG5005 VG5006 VG6001 VG6002 VG6003 VG6004 VG6005 VG6006 VG6007 VG6008 VG6009
VG6010 VG6011 VG7001 VG7002 VG7003 VG7101 VG7102 VG7103 VG7104 VG7201 VG7202 VG7203 VG7204 VG7205
VG9001 VG9002 VG9003 VG9004 VG8001 VG8002 VG8003 VG8004 VG8005 VG8006 VG8007 VG8008 VG8009 VG8010
VG8011 VG8012 VG8013 VG8014)
_vgpuc_static_slugs=(syntax-error unknown-directive bad-arguments duplicate-name bad-range
undefined-reference repeated-directive missing-directive bad-input wrong-platform-directive
control-character-in-text invisible-character-in-text path-outside-project unknown-gpu-model
unknown-vgpu-profile unknown-release unknown-platform-version release-newer-than-catalog
platform-newer-than-catalog catalog-old guest-driver-newer-branch guest-driver-too-old
guest-driver-previous-branch guest-driver-newer-release mixed-manager-releases
release-not-for-platform branch-end-of-support gpu-needs-newer-release license-server-incompatible
license-edition-missing no-license-server live-migration-unsupported live-migration-needs-release
live-migration-no-target vmotion-needs-hotmigrate live-migration-needs-datacenter
static-passthrough-no-ha restart-nowhere gpu-capacity-exceeded pinned-host-lacks-gpu
failover-capacity mixed-profiles-on-gpu vm-multiple-gpus unused-gpu-capacity gpu-mode-unsupported
heterogeneous-gpus bad-partition-count passthrough-and-vgpu-in-vm graphics-type-shared
large-bar-needs-efi low-mmio-too-large gen1-vm-gpu arc-vms-unsupported cluster-too-large
vcenter-older-than-esxi rollout-no-order rollout-intermediate-release rollout-inventory-changed
no-script-target target-mismatch file-name-too-long file-name-collision no-rollout-script-target
rollout-target-mismatch rollout-file-name-too-long rollout-file-name-collision rollout-no-cluster
unused-suppression
unknown-suppression-code bad-config config-ignored invalid-inventory drift-cluster drift-host
drift-gpu drift-manager drift-partitions drift-vm-missing drift-vm-undeclared drift-vm-gpu
drift-vm-setting drift-vm-owners drift-platform drift-host-setting drift-guest-driver)

_vgpuc_commands=(lint build plan rollout fmt explain rules catalog lsp inventory import drift help)
_vgpuc_check_opts=(-f --format --report --color --fail-on --rule --config --no-config --catalog
    --allow-read --stdin-filename --today --error-limit -q --quiet -v --verbose --no-inline-suppressions -h --help)

# Prints "codes" or "slugs" of every rule: from the binary the user is
# completing for (so a newer vgpuc completes its new rules), else the list above.
_vgpuc_rule_names() {
    local bin=$1 what=$2 json
    if [[ -n $bin ]] && json=$("$bin" rules --format json 2>/dev/null) && [[ $json == *'"VG'[0-9]* ]]; then
        if [[ $what == codes ]]; then
            grep -o '"VG[0-9]\{4\}"' <<<"$json" | tr -d '"' | sort -u
        else
            grep -o '"slug"[[:space:]]*:[[:space:]]*"[^"]*"' <<<"$json" | sed 's/.*"\([^"]*\)"$/\1/' | sort -u
        fi
        return
    fi
    if [[ $what == codes ]]; then
        printf '%s\n' "${_vgpuc_static_codes[@]}"
    else
        printf '%s\n' "${_vgpuc_static_slugs[@]}"
    fi
}

# COMPREPLY from candidate words (one per line in $2) matching $1, with the
# part of $1 that bash already split off at `=` or `:` removed again.
_vgpuc_reply() {
    local cur=$1 cands=$2 breaks='' keep c
    [[ $COMP_WORDBREAKS == *=* ]] && breaks+='='
    [[ $COMP_WORDBREAKS == *:* ]] && breaks+=':'
    keep=''
    [[ -n $breaks && $cur == *["$breaks"]* ]] && keep=${cur%"${cur##*["$breaks"]}"}
    COMPREPLY=()
    while IFS= read -r c; do
        [[ -n $c && $c == "$cur"* ]] && COMPREPLY+=("${c#"$keep"}")
    done <<<"$cands"
}

# Standard input's lines with $1 in front of each.
_vgpuc_prefix() {
    local line
    while IFS= read -r line; do printf '%s%s\n' "$1" "$line"; done
}

# .vgpu files and folders under the prefix $1.
_vgpuc_inputs() {
    compgen -d -- "$1"
    compgen -f -X '!*.vgpu' -- "$1"
}

_vgpuc() {
    local -a words=()
    local i w cword=0 cur prev cmd bin cands
    # Join back the words bash split at `=` and `:` (--rule VG3003=off, --report sarif:x).
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        w=${COMP_WORDS[i]}
        if ((i > 0)) && [[ $w == [=:] || ${COMP_WORDS[i - 1]} == [=:] ]] && ((${#words[@]})); then
            words[${#words[@]} - 1]+=$w
        else
            words+=("$w")
        fi
        ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
    done
    cur=${words[cword]-}
    prev=''
    ((cword > 0)) && prev=${words[cword - 1]}
    bin=$(type -P -- "${words[0]}" 2>/dev/null)

    if ((cword <= 1)); then
        _vgpuc_reply "$cur" "$(printf '%s\n' "${_vgpuc_commands[@]}" -h --help --version)"
        return 0
    fi
    cmd=${words[1]}
    [[ " ${_vgpuc_commands[*]} " == *" $cmd "* ]] || return 0

    # --opt=value is completed like --opt value.
    if [[ $cur == --*=* ]] && cands=$(_vgpuc_value "${cur%%=*}" "${cur#*=}" "$cmd" "$bin"); then
        _vgpuc_reply "$cur" "$(_vgpuc_prefix "${cur%%=*}=" <<<"$cands")"
        [[ ${COMPREPLY[0]-} != *[=:] ]] || compopt -o nospace 2>/dev/null
        return 0
    fi

    # The value of an option that takes one.
    if cands=$(_vgpuc_value "$prev" "$cur" "$cmd" "$bin"); then
        _vgpuc_reply "$cur" "$cands"
        case ${COMPREPLY[0]-} in
            *[=:]) compopt -o nospace 2>/dev/null ;;
            *) [[ $prev == --config || $prev == --catalog || $prev == -o || $prev == --output ]] &&
                   compopt -o filenames 2>/dev/null ;;
        esac
        return 0
    fi

    if [[ $cur == -* ]]; then
        local -a opts=(-h --help)
        case $cmd in
            lint|plan) opts=("${_vgpuc_check_opts[@]}") ;;
            build) opts=("${_vgpuc_check_opts[@]}" --target -o --output --stdout) ;;
            rollout) opts=("${_vgpuc_check_opts[@]}" --diagnostics --from-git --drain --hosts-at-once --order
                           --allow-down --keep-failover --target -o --output) ;;
            fmt) opts=(--check --diff --color --stdin-filename -q --quiet -h --help) ;;
            rules) opts=(-f --format -h --help) ;;
            catalog) opts=(-f --format --catalog -h --help) ;;
            lsp) opts=(--catalog --today --stdio -h --help) ;;
            inventory) opts=(--target -o --output --stdout -h --help) ;;
            import) opts=(-o --output --catalog -h --help) ;;
            drift) opts=(-f --format --report --color --fail-on --rule --config --no-config --catalog
                         --allow-read --today -q --quiet -v --verbose --no-inline-suppressions -h --help) ;;
        esac
        _vgpuc_reply "$cur" "$(printf '%s\n' "${opts[@]}")"
        return 0
    fi

    case $cmd in
        lint|build|plan|rollout|fmt)
            compopt -o filenames 2>/dev/null
            _vgpuc_reply "$cur" "$(_vgpuc_inputs "$cur")" ;;
        import)
            compopt -o filenames 2>/dev/null
            _vgpuc_reply "$cur" "$(compgen -d -- "$cur"; compgen -f -X '!*.json' -- "$cur")" ;;
        drift)
            # FILE (.vgpu) first, then INVENTORY.json
            local n=0
            for ((i = 2; i < cword; i++)); do
                case ${words[i - 1]} in
                    -f|--format|--report|--color|--fail-on|--rule|--config|--catalog|--allow-read|--today) ;;
                    *) [[ ${words[i]} == -* ]] || n=$((n + 1)) ;;
                esac
            done
            compopt -o filenames 2>/dev/null
            if ((n == 0)); then
                _vgpuc_reply "$cur" "$(compgen -d -- "$cur"; compgen -f -X '!*.vgpu' -- "$cur")"
            else
                _vgpuc_reply "$cur" "$(compgen -d -- "$cur"; compgen -f -X '!*.json' -- "$cur")"
            fi ;;
        explain) _vgpuc_reply "$cur" "$(_vgpuc_rule_names "$bin" codes; _vgpuc_rule_names "$bin" slugs)" ;;
        catalog) _vgpuc_reply "$cur" "$(printf '%s\n' gpus releases platforms)" ;;
        help) _vgpuc_reply "$cur" "$(printf '%s\n' "${_vgpuc_commands[@]}")" ;;
    esac
    return 0
}

# Candidates for the value of option $1, the current text being $2; fails
# when $1 takes no value. $3 is the command (for --format), $4 the binary.
_vgpuc_value() {
    local opt=$1 cur=$2 cmd=${3-lint} bin=${4-} c
    case $opt in
        -f|--format)
            case $cmd in
                plan|rollout) printf '%s\n' text json svg ;;
                rules) printf '%s\n' text json markdown ;;
                catalog) printf '%s\n' text json ;;
                *) printf '%s\n' human short json sarif github ;;
            esac ;;
        --report)
            if [[ $cur == *:* ]]; then
                compgen -f -- "${cur#*:}" | _vgpuc_prefix "${cur%%:*}:"
            else
                printf '%s:\n' human short json sarif github
            fi ;;
        --diagnostics) printf '%s\n' human short json sarif github ;;
        --from-git) git for-each-ref --format='%(refname:short)' 2>/dev/null; printf '%s\n' HEAD ;;
        --drain|--order|--allow-down|--hosts-at-once) printf '\n' ;;
        --color) printf '%s\n' auto always never ;;
        --fail-on) printf '%s\n' error warning info none ;;
        --target) case $cmd in inventory) printf '%s\n' hyperv vmware ;; rollout) printf '%s\n' auto hyperv vmware ;; *) printf '%s\n' auto hyperv vmware json ;; esac ;;
        --rule)
            if [[ $cur == *=* ]]; then
                for c in off info warning error; do printf '%s=%s\n' "${cur%%=*}" "$c"; done
            else
                { _vgpuc_rule_names "$bin" codes; _vgpuc_rule_names "$bin" slugs; } | while IFS= read -r c; do
                    printf '%s=\n' "$c"
                done
            fi ;;
        --config|--catalog) compgen -d -- "$cur"; compgen -f -X '!*.y*ml' -- "$cur" ;;
        -o|--output|--allow-read) compgen -d -- "$cur" ;;
        --stdin-filename|--today|--error-limit) printf '\n' ;;
        *) return 1 ;;
    esac
}

complete -F _vgpuc vgpuc
