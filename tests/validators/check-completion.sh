#!/bin/sh
# check-completion.sh - drives the bash completion (completion/vgpuc.bash)
# the way bash does, with COMP_WORDS/COMP_CWORD, and checks what `_vgpuc`
# offers: commands, options per command, --format values per command,
# --target and --rule values (from a vgpuc binary when one answers, else the
# static list, which must equal compiler/core/codes.def), and .vgpu inputs;
# the --target values of each command equal what its --help shows (the
# target table of backends/target.c).
# Usage: sh tests/validators/check-completion.sh   (from the repository root;
# $VGPUC, if set, is also asked for its rule codes).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

if ! command -v bash >/dev/null 2>&1; then
    echo "check-completion: bash not found"; echo "0 passed, 1 failed"; exit 1
fi

# Scratch inputs, and a fake vgpuc that proves the codes come from the binary.
mkdir -p "$tmp/work/sub" "$tmp/fake"
: > "$tmp/work/a.vgpu"; : > "$tmp/work/b.txt"; : > "$tmp/work/sub/c.vgpu"; : > "$tmp/work/inv.json"
cat > "$tmp/fake/vgpuc" <<'FAKE'
#!/bin/sh
[ "$1 $2 $3" = "rules --format json" ] || exit 2
printf '{"rules":[{"code":"VG7777","slug":"fake-rule","level":"warning"}]}\n'
FAKE
chmod +x "$tmp/fake/vgpuc"

# The codes and slugs of the registry, to compare with the static fallback.
sed -n 's/^VG_CODE(\(VG[0-9]*\), "\([^"]*\)".*/\1/p' "$root/compiler/core/codes.def" > "$tmp/codes.def.codes"
sed -n 's/^VG_CODE(\(VG[0-9]*\), "\([^"]*\)".*/\2/p' "$root/compiler/core/codes.def" > "$tmp/codes.def.slugs"

cat > "$tmp/driver.bash" <<'DRIVER'
# Each `t` call: expected words (space-separated; `!word` = must be absent),
# then the command line as bash splits it (at `=` and `:` too), `@` marking
# the current word (a new empty word when none is marked).
set -u
source "$ROOT/completion/vgpuc.bash"
COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'
pass=0 fail=0
t() {
    local expect=$1 i w got e ok=1; shift
    COMP_WORDS=(); COMP_CWORD=-1
    for w in "$@"; do
        if [[ $w == @* ]]; then COMP_CWORD=${#COMP_WORDS[@]}; w=${w#@}; fi
        COMP_WORDS+=("$w")
    done
    ((COMP_CWORD >= 0)) || { COMP_CWORD=${#COMP_WORDS[@]}; COMP_WORDS+=(''); }
    COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _vgpuc
    got=" ${COMPREPLY[*]-} "
    for e in $expect; do
        if [[ $e == !* ]]; then [[ $got != *" ${e#!} "* ]] || ok=0
        else [[ $got == *" $e "* ]] || ok=0; fi
    done
    [[ $expect == '-' && $got != '  ' ]] && ok=0
    if ((ok)); then pass=$((pass + 1))
    else fail=$((fail + 1)); echo "FAIL: [$*] expected [$expect], got [${got# }]"; fi
}
count() {
    local n=$1; shift
    t '' "$@"
    if ((${#COMPREPLY[@]} != n)); then
        pass=$((pass - 1)); fail=$((fail + 1))
        echo "FAIL: [$*] expected $n candidates, got ${#COMPREPLY[@]}: ${COMPREPLY[*]-}"
    fi
}

complete -p vgpuc >/dev/null 2>&1 && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: complete -p vgpuc"; }

# Commands and options per command.
t 'lint build plan rollout fmt explain rules catalog import drift help --version' vgpuc
count 1 vgpuc @li
t '--format --fail-on --rule --report --no-inline-suppressions !--target !--check' vgpuc lint @--
t '--target --stdout --output !--check' vgpuc build @--
t '--check --diff --color !--rule' vgpuc fmt @--
t '--check --diff !--format !--rule' vgpuc fmt @--
count 2 vgpuc build @--st
# --format values depend on the command.
t 'human short json sarif github !svg' vgpuc lint --format
t 'text json svg !sarif' vgpuc plan --format
t 'text json svg !sarif' vgpuc rollout --format
t 'human short json sarif github !svg' vgpuc rollout --diagnostics
t '--from-git --drain --hosts-at-once --allow-down --keep-failover --target --output !--stdout' vgpuc rollout @--
t 'text json markdown !sarif' vgpuc rules -f
t 'sarif short !json' vgpuc lint --format @s
t 'github' vgpuc lint --format = @gi
t 'auto hyperv vmware json' vgpuc build --target
t 'hyperv vmware !json !auto' vgpuc inventory --target
# --target values: exactly those `vgpuc COMMAND --help` shows (from the
# target table, backends/target.c), per command.
bin=${VGPUC:-$ROOT/vgpuc}
if [[ -x $bin ]]; then
    for c in build rollout inventory; do
        names=$("$bin" "$c" --help | sed -n 's/^ *--target TARGET *\([a-z|]*\) .*/\1/p')
        if [[ -z $names ]]; then fail=$((fail + 1)); echo "FAIL: vgpuc $c --help shows no --target values"; continue; fi
        t "${names//|/ }" vgpuc "$c" --target
        count "$(tr '|' '\n' <<<"$names" | wc -l)" vgpuc "$c" --target
    done
else
    fail=$((fail + 1)); echo "FAIL: no vgpuc binary to compare the --target values with (set VGPUC or build ./vgpuc)"
fi
t 'auto always never' vgpuc lint --color
t 'error warning info none' vgpuc lint --fail-on
t 'sarif: json: github:' vgpuc lint --report
t 'gpus releases platforms' vgpuc catalog
t 'lint fmt' vgpuc help
# Rule codes: the static list (no vgpuc on PATH) ...
PATH=/nonexistent count "$(grep -c '^VG_CODE(VG300' "$ROOT/compiler/core/codes.def")" vgpuc lint --rule @VG300
PATH=/nonexistent t 'VG3003=' vgpuc lint --rule @VG3003
PATH=/nonexistent t 'branch-end-of-support=' vgpuc lint --rule @branch-
PATH=/nonexistent t 'off info warning error' vgpuc lint --rule VG3003 = @
PATH=/nonexistent count 1 vgpuc lint --rule VG3003 = @of
PATH=/nonexistent t 'VG9001= VG9002= VG9003=' vgpuc lint --rule = @VG900
PATH=/nonexistent t 'guest-driver-newer-branch guest-driver-newer-release' vgpuc explain @guest-driver-n
# ... and the binary's answer when there is one.
PATH=$FAKE:/usr/bin:/bin t 'VG7777= !VG3003=' vgpuc lint --rule @VG
PATH=$FAKE:/usr/bin:/bin t 'fake-rule !syntax-error' vgpuc explain
if [[ -n ${VGPUC-} ]] && out=$("$VGPUC" rules --format json 2>/dev/null) && [[ $out == *'"VG1001"'* ]]; then
    PATH=$(dirname "$VGPUC"):/usr/bin:/bin count 13 "$(basename "$VGPUC")" lint --rule @VG10
    PATH=$(dirname "$VGPUC"):/usr/bin:/bin t 'VG3001=' "$(basename "$VGPUC")" lint --rule @VG3001
else
    echo "note: \$VGPUC does not answer 'rules --format json' yet; binary rule codes not checked"
fi
# The static fallback lists exactly the registry's codes and slugs.
if diff <(printf '%s\n' "${_vgpuc_static_codes[@]}") "$TMPD/codes.def.codes" >/dev/null &&
   diff <(printf '%s\n' "${_vgpuc_static_slugs[@]}") "$TMPD/codes.def.slugs" >/dev/null; then
    pass=$((pass + 1))
else
    fail=$((fail + 1)); echo "FAIL: static codes/slugs in completion/vgpuc.bash differ from compiler/core/codes.def"
fi
# Inputs: folders and .vgpu files only; report paths after `:`.
cd "$TMPD/work" || exit 1
t 'a.vgpu sub !b.txt' vgpuc lint
t 'sub/c.vgpu' vgpuc plan @sub/
t 'sub !a.vgpu' vgpuc build --output
t 'a.vgpu b.txt sub !sarif:a.vgpu' vgpuc lint --report sarif : @
count 1 vgpuc lint --report = sarif : @a
# drift: a .vgpu file first, then the inventory document
t '--format --fail-on --rule --report --catalog !--target !--stdin-filename' vgpuc drift @--
t 'a.vgpu sub !b.txt !inv.json' vgpuc drift
t 'inv.json sub !a.vgpu' vgpuc drift -f sarif a.vgpu
echo "$pass passed, $fail failed"
((fail == 0))
DRIVER

ROOT=$root TMPD=$tmp FAKE=$tmp/fake VGPUC=${VGPUC-} bash "$tmp/driver.bash"
