#!/bin/sh
# security.sh - hostile input stays inert (issue 13, SECURITY.md): what a
# person who can put a file into a linted repository may try.
#
# Each case runs vgpuc under a time limit (timeout) and checks the peak
# memory it used (/usr/bin/time, when installed) against a limit of its own;
# then it checks what the issue asks for. The classes:
#   output    every text channel inert: no raw control, bidi or escape byte,
#             no forged line, a well-formed SVG with nothing executable
#   confine   includes and catalog files stay inside the project, only
#             regular files are read (no hang on a FIFO or a terminal), a
#             failing file is reported by location only, and once
#   config    each input's own .vgpuc.yaml (mixed ones refused), the search
#             stops at the repository, untrusted configs ignored, -v and
#             build name the files used
#   names     duplicates compared as the platforms do; file names that are
#             valid and distinct on Windows and macOS
#   bounds    error, warning and info limits, GPUs and `hosts` references,
#             cluster size, colliding names, catalog numbers
#   files     build writes all or nothing; fmt keeps mode and symbolic links
#
#   VGPUC=path sh tests/hostile/security.sh [CLASS...]
#   HOSTILE_LOG=file  also append "case seconds MB exit" for every case
# The time and memory limits are for an -O2 build; under the sanitizers
# (a VGPUC in build-san/) they are multiplied by 5 and 4.
# shellcheck disable=SC2016 # backticks in the patterns are the messages' own
set -u
: "${VGPUC:?}"
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
vg_scratch
tscale=1
mscale=1
case $VGPUC in *build-san*) tscale=5 mscale=4 ;; esac
have_time=0
[ -x /usr/bin/time ] && have_time=1
classes=${*:-output confine config names bounds files}
want() { case " $classes " in *" $1 "*) return 0 ;; esac; return 1; }

# measure NAME SECONDS MB CMD...: run CMD (stdout $tmp/out, stderr $tmp/err,
# stdin from /dev/null unless IN is set), exit code in $rc; fail the case when
# it runs out of time or uses more memory.
measure() {
    name=$1 secs=$(($2 * tscale)) mb=$(($3 * mscale))
    shift 3
    in=${IN:-/dev/null}
    if [ "$have_time" = 1 ]; then
        /usr/bin/time -f '%e %M' -o "$tmp/time" timeout -k 2 "$secs" "$@" <"$in" >"$tmp/out" 2>"$tmp/err"
    else
        timeout -k 2 "$secs" "$@" <"$in" >"$tmp/out" 2>"$tmp/err"
        echo "0 0" >"$tmp/time"
    fi
    rc=$?
    t=$(tail -n 1 "$tmp/time" | cut -d' ' -f1)
    kb=$(tail -n 1 "$tmp/time" | cut -d' ' -f2)
    used=$(((kb + 1023) / 1024))
    [ -n "${HOSTILE_LOG:-}" ] && echo "$name $t ${used} $rc" >>"$HOSTILE_LOG"
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        ko "$name: still running after ${secs} s"
        return 1
    fi
    if [ "$rc" -gt 2 ]; then
        ko "$name: exit $rc (crash?)"
        head -n 5 "$tmp/err"
        return 1
    fi
    if [ "$used" -gt "$mb" ]; then
        ko "$name: used $used MB, more than $mb MB"
        return 1
    fi
    return 0
}

rc_is() { [ "$rc" = "$1" ] || { ko "$CASE: exit $rc, expected $1"; head -n 8 "$tmp/out" "$tmp/err"; return 1; }; }
has() { grep -q -e "$2" "$1" || { ko "$CASE: no \`$2\` in $(basename "$1")"; head -n 8 "$1"; return 1; }; }
hasnt() { if grep -q -e "$2" "$1"; then ko "$CASE: \`$2\` in $(basename "$1")"; grep -e "$2" "$1" | head -n 3; return 1; fi; }
# No byte below 0x20 but tab and newline, no DEL, no C1 or bidi/zero-width character.
inert() {
    for f in "$@"; do
        if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$f"; then
            ko "$CASE: a raw control byte in $(basename "$f")"
            LC_ALL=C grep -n "$(printf '[\001-\010\013-\037\177]')" "$f" | head -n 2 | cat -A
            return 1
        fi
        if grep -q "$(printf '\302[\200-\237]\|\342\200[\213-\217\250-\256]\|\342\201[\240-\251]\|\357\273\277')" "$f"; then
            ko "$CASE: a C1, bidi or invisible character in $(basename "$f")"
            return 1
        fi
    done
}

cd "$tmp" || exit 2
mkdir -p repo/.git repo/prod
head='license-server dls-1 { kind dls; version 3.5.0; editions vws }
'
# vm_block NAME: one vGPU VM of an ESXi L40 cluster
cluster_with() {
    printf '%scluster c {\n    platform esxi 8.0u2\n    vgpu-manager 19.1\n    license-server dls-1\n    host h-01 { gpu L40 x 2 }\n%s}\n' "$head" "$1"
}
vm_line() { printf '    vm %s { gpu vgpu L40-12Q; guest-driver 19.1 }\n' "$1"; }

# --- output: every text channel inert -----------------------------------------
if want output; then
    # A name with a line break that forges workflow commands and a terminal escape.
    python3 -c '
import sys
sys.stdout.buffer.write(b"""license-server dls-1 { kind dls; version 3.5.0; editions vws }
cluster c {
    platform esxi 8.0u2
    vgpu-manager 19.1
    license-server dls-1
    host h-01 { gpu L40 x 2 }
    vm "a\\n::error file=x.vgpu,line=1::forged\\n::add-mask::x\\n##vso[task.setvariable variable=ok]1" { gpu vgpu L40-12Q; guest-driver 19.1 }
    vm "b\x1b]0;owned\x07\x1b[2Jx" { gpu vgpu L40-12Q; guest-driver 19.1 }
    vm "c\xe2\x80\xaeexe.txt\xc2\x9b31m" { gpu vgpu L40-12Q; guest-driver 19.1 }
    vm "d##vso[task.complete result=Succeeded]" { gpu vgpu L40-12Q; guest-driver 19.1 }
    vm "b\x1b]0;owned\x07\x1b[2Jx" { gpu vgpu L40-12Q; guest-driver 19.1 }
    vm "a\\n::error file=x.vgpu,line=1::forged\\n::add-mask::x\\n##vso[task.setvariable variable=ok]1" { gpu vgpu L40-12Q; guest-driver 19.1 }
}
""")' >repo/forge.vgpu
    for fmt in human short github json sarif; do
        CASE="output: forged lines, $fmt"
        measure "$CASE" 10 64 "$VGPUC" lint --no-config --color never -f "$fmt" repo/forge.vgpu || continue
        rc_is 1 && inert "$tmp/out" "$tmp/err" && hasnt "$tmp/out" '^::add-mask' && hasnt "$tmp/out" '^::error file=x' &&
            hasnt "$tmp/out" '##vso\[' && hasnt "$tmp/out" '^##' && ok
    done
    CASE="output: github, one line per diagnostic"
    "$VGPUC" lint --no-config -f github repo/forge.vgpu >"$tmp/gh" 2>/dev/null
    n=$("$VGPUC" lint --no-config -f json repo/forge.vgpu 2>/dev/null | grep -c '"code"')
    if [ "$(grep -c '^::\(error\|warning\|notice\) ' "$tmp/gh")" = "$n" ] && [ "$(wc -l <"$tmp/gh")" = "$n" ]; then ok
    else ko "$CASE: $(wc -l <"$tmp/gh") lines for $n diagnostics"; fi
    CASE="output: VG1011 and VG1012 name the characters"
    "$VGPUC" lint --no-config -f short repo/forge.vgpu >"$tmp/s" 2>&1
    has "$tmp/s" 'U+000A \[VG1011\]' && has "$tmp/s" 'U+001B \[VG1011\]' && has "$tmp/s" 'U+202E \[VG1012\]' && ok
    CASE="output: a duplicate name is shown escaped"
    has "$tmp/s" 'VM `b\\x1B\]0;owned\\x07\\x1B\[2Jx` is declared twice' && ok
    for fmt in text json svg; do
        CASE="output: plan $fmt"
        measure "$CASE" 10 64 "$VGPUC" plan --no-config --color never -f "$fmt" repo/forge.vgpu || continue
        inert "$tmp/out" "$tmp/err" && hasnt "$tmp/out" '^::' && ok
    done
    CASE="output: build stderr"
    measure "$CASE" 10 64 "$VGPUC" build --no-config --color never -o "$tmp/forge-out" repo/forge.vgpu &&
        rc_is 1 && inert "$tmp/err" && hasnt "$tmp/err" '^::' && [ ! -e "$tmp/forge-out" ] && ok

    # A catalog whose GPU model closes the SVG <title> and opens a <script>,
    # and a VM name with U+FFFF (not an XML character).
    mkdir -p cat
    cat >cat/svg.yaml <<'EOF'
gpus:
  - model: "X1</title><script>alert(document.domain)</script><title>"
    name: NVIDIA X1
    fb: 24576
    gpus-per-board: 2
    source: test
EOF
    python3 -c '
import sys
sys.stdout.buffer.write("""cluster c {
    platform esxi 8.0u2
    vgpu-manager 19.1
    host "h-01&<x>" { gpu "X1</title><script>alert(document.domain)</script><title>" }
    vm "v\uffff-01" { gpu passthrough "X1</title><script>alert(document.domain)</script><title>" }
    vm "v\ufdd0-02" { gpu passthrough "X1</title><script>alert(document.domain)</script><title>" }
}
""".encode("utf-8", "surrogatepass"))' >repo/svg.vgpu
    CASE="output: SVG escapes the catalog and drops U+FFFF"
    if measure "$CASE" 10 64 "$VGPUC" plan --no-config --catalog cat/svg.yaml -f svg repo/svg.vgpu; then
        if hasnt "$tmp/out" '<script' && hasnt "$tmp/out" "$(printf '\357\277\277')"; then
            if python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$tmp/out" 2>"$tmp/xml"; then
                ok
            else
                ko "$CASE: not well-formed: $(tail -n 1 "$tmp/xml")"
            fi
        fi
    fi
    CASE="output: a catalog text with a terminal escape is refused, and not echoed"
    printf 'gpus:\n  - model: "X2"\n    name: "NVIDIA \\e]0;owned\\a X2"\n    fb: 1024\n    gpus-per-board: 1\n    source: test\n' >cat/esc.yaml
    if measure "$CASE" 10 64 "$VGPUC" catalog --catalog cat/esc.yaml gpus; then
        rc_is 2 && inert "$tmp/out" "$tmp/err" && has "$tmp/err" 'control character U+001B' && ok
    fi
fi

# --- confine: files stay inside the project; only regular files ----------------
if want confine; then
    secret=$tmp/secret.txt
    printf 'ghp_SECRETTOKEN1234567890 {\n' >"$secret"
    printf 'include "%s"\n' "$secret" >repo/abs.vgpu
    CASE="confine: include of an absolute path outside the project"
    if measure "$CASE" 10 64 "$VGPUC" lint --no-config -f short repo/abs.vgpu; then
        rc_is 1 && has "$tmp/out" 'VG1013' && hasnt "$tmp/out" 'SECRETTOKEN' && ok
    fi
    printf 'include "../../secret.txt"\n' >repo/prod/rel.vgpu
    CASE="confine: include with ../ out of the repository"
    if measure "$CASE" 10 64 "$VGPUC" lint --no-config repo/prod/rel.vgpu; then
        rc_is 1 && has "$tmp/out" 'VG1013' && hasnt "$tmp/out" 'SECRETTOKEN' && ok
    fi
    ln -sf "$secret" repo/link.vgpu
    printf 'include "link.vgpu"\n' >repo/vialink.vgpu
    CASE="confine: include of a symbolic link that leaves the project"
    if measure "$CASE" 10 64 "$VGPUC" lint --no-config -f sarif repo/vialink.vgpu; then
        rc_is 1 && has "$tmp/out" 'VG1013' && hasnt "$tmp/out" 'SECRETTOKEN' && ok
    fi
    CASE="confine: --allow-read lets an outside folder in"
    if measure "$CASE" 10 64 "$VGPUC" lint --no-config --allow-read "$tmp" -f short repo/abs.vgpu; then
        rc_is 1 && hasnt "$tmp/out" 'VG1013' && ok
    fi
    printf 'catalog: [%s]\n' "$secret" >repo/.vgpuc.yaml
    printf '# empty\n' >repo/empty.vgpu
    CASE="confine: a config's catalog outside the project"
    if measure "$CASE" 10 64 "$VGPUC" lint repo/empty.vgpu; then
        rc_is 2 && has "$tmp/out" 'VG1013' && hasnt "$tmp/out" 'SECRETTOKEN' && hasnt "$tmp/err" 'SECRETTOKEN' && ok
    fi
    rm -f repo/.vgpuc.yaml
    printf 'catalog: [bad.yaml]\n' >repo/.vgpuc.yaml
    printf 'token: [ghp_SECRETTOKEN1234567890\n' >repo/bad.yaml
    CASE="confine: a catalog that is not YAML is reported by location only"
    if measure "$CASE" 10 64 "$VGPUC" lint repo/empty.vgpu; then
        rc_is 2 && has "$tmp/out" 'bad.yaml:[0-9]*:[0-9]*: error' && hasnt "$tmp/out" 'SECRETTOKEN' && ok
    fi
    rm -f repo/.vgpuc.yaml
    mkfifo repo/fifo.vgpu
    printf 'include "fifo.vgpu"\n' >repo/incfifo.vgpu
    CASE="confine: include of a FIFO does not hang"
    if measure "$CASE" 5 64 "$VGPUC" lint --no-config -f short repo/incfifo.vgpu; then
        rc_is 1 && has "$tmp/out" 'not a regular file' && ok
    fi
    mkdir -p repo/dir
    mkfifo repo/dir/fifo.data
    ln -sf fifo.data repo/dir/pipe.vgpu
    printf '# fine\n' >repo/dir/fine.vgpu
    CASE="confine: a *.vgpu symbolic link to a FIFO in a linted folder does not hang"
    if measure "$CASE" 5 64 "$VGPUC" lint --no-config -f short repo/dir; then
        rc_is 2 && has "$tmp/out" 'not a regular file' && ok
    fi
    mkdir -p repo/dir2
    ln -sf "$secret" repo/dir2/key.vgpu
    printf '# fine\n' >repo/dir2/fine.vgpu
    CASE="confine: a *.vgpu symbolic link out of a linted folder is not read"
    if measure "$CASE" 5 64 "$VGPUC" lint --no-config repo/dir2; then
        rc_is 1 && has "$tmp/out" 'VG1013' && hasnt "$tmp/out" 'SECRETTOKEN' && ok
    fi
    printf 'include "/dev/stdin"\n' >repo/stdin.vgpu
    CASE="confine: include of /dev/stdin (an open pipe) does not hang"
    mkfifo "$tmp/pipe"
    (sleep 30 >"$tmp/pipe" &)
    if IN="$tmp/pipe" measure "$CASE" 5 64 "$VGPUC" lint --no-config -f short --allow-read / repo/stdin.vgpu; then
        rc_is 1 && has "$tmp/out" 'not a regular file' && ok
    fi
    printf 'include "/dev/tty"\n' >repo/tty.vgpu
    CASE="confine: include of /dev/tty does not hang"
    if measure "$CASE" 5 64 "$VGPUC" lint --no-config -f short --allow-read / repo/tty.vgpu; then
        rc_is 1 && ok
    fi
    head -c 3000 /dev/urandom >repo/binary.vgpu
    printf 'SECRET_IN_BINARY\n' >>repo/binary.vgpu
    printf 'include "binary.vgpu"\n' >repo/incbin.vgpu
    CASE="confine: a binary include is reported by location only"
    if measure "$CASE" 10 64 "$VGPUC" lint --no-config repo/incbin.vgpu; then
        rc_is 1 && has "$tmp/out" 'binary.vgpu:[0-9]*:[0-9]*: error' && hasnt "$tmp/out" 'SECRET_IN_BINARY' && ok
    fi
    yes '# padding line of a file over the 64 MiB limit' | head -c 68000000 >repo/huge.vgpu
    awk 'BEGIN { for (i = 0; i < 2000; i++) print "include \"huge.vgpu\"" }' >repo/manyinc.vgpu
    CASE="confine: a failing include named 2000 times is read and reported once"
    if measure "$CASE" 10 128 "$VGPUC" lint --no-config -f short repo/manyinc.vgpu; then
        if rc_is 1; then
            if [ "$(grep -c 'VG1009' "$tmp/out")" = 1 ]; then ok; else ko "$CASE: $(grep -c VG1009 "$tmp/out") reports"; fi
        fi
    fi
    rm -f repo/huge.vgpu
    awk 'BEGIN { for (i = 0; i < 5000; i++) print "include \"missing.vgpu\"" }' >repo/manymissing.vgpu
    CASE="confine: a missing include named 5000 times is reported once"
    if measure "$CASE" 10 64 "$VGPUC" lint --no-config -f short repo/manymissing.vgpu; then
        if rc_is 1; then
            if [ "$(grep -c 'VG1009' "$tmp/out")" = 1 ]; then ok; else ko "$CASE: $(grep -c VG1009 "$tmp/out") reports"; fi
        fi
    fi
fi

# --- config: each input's own, found safely, named --------------------------------
if want config; then
    mkdir -p repo/lab
    printf 'rules:\n  VG1006: off\n' >repo/lab/.vgpuc.yaml
    cluster_with "$(vm_line v1)
    vm v2 { gpu vgpu L40-12Q; guest-driver 19.1; host nowhere }
" >repo/prod/p.vgpu
    cp repo/prod/p.vgpu repo/lab/l.vgpu
    CASE="config: a lab config does not silence prod"
    if measure "$CASE" 10 64 "$VGPUC" lint -f short repo/lab/l.vgpu repo/prod/p.vgpu; then
        rc_is 2 && has "$tmp/out" 'different' && ok
    fi
    CASE="config: ... nor lets build write prod's scripts"
    if measure "$CASE" 10 64 "$VGPUC" build -o "$tmp/cfg-out" repo/lab/l.vgpu repo/prod/p.vgpu; then
        rc_is 2 && [ ! -e "$tmp/cfg-out" ] && ok
    fi
    CASE="config: one config for inputs in its folder is fine"
    cp repo/lab/l.vgpu repo/lab/l2.vgpu
    sed -i 's/cluster c/cluster c2/' repo/lab/l2.vgpu
    sed -i 's/license-server dls-1 {.*//' repo/lab/l2.vgpu
    if measure "$CASE" 10 64 "$VGPUC" lint -f short repo/lab/l.vgpu repo/lab/l2.vgpu; then
        hasnt "$tmp/out" 'VG1006' && ok
    fi
    # A config above the repository root is not used.
    printf 'rules:\n  VG1006: off\n' >"$tmp/.vgpuc.yaml"
    CASE="config: the search stops at the repository root"
    if measure "$CASE" 10 64 "$VGPUC" lint -f short repo/prod/p.vgpu; then
        rc_is 1 && has "$tmp/out" 'VG1006' && ok
    fi
    rm -f "$tmp/.vgpuc.yaml"
    mkdir -p shared/proj
    cp repo/prod/p.vgpu shared/proj/p.vgpu
    printf 'rules:\n  VG1006: off\n' >shared/.vgpuc.yaml
    chmod 0777 shared
    CASE="config: a config in a world-writable folder is ignored, and said so"
    if measure "$CASE" 10 64 "$VGPUC" lint -f short shared/proj/p.vgpu; then
        rc_is 1 && has "$tmp/out" 'VG1006' && has "$tmp/out" 'VG9004' && ok
    fi
    chmod 0755 shared
    chmod 0666 shared/.vgpuc.yaml
    CASE="config: a world-writable config is ignored"
    if measure "$CASE" 10 64 "$VGPUC" lint -f short shared/proj/p.vgpu; then
        rc_is 1 && has "$tmp/out" 'VG1006' && has "$tmp/out" 'VG9004' && ok
    fi
    rm -f shared/.vgpuc.yaml
    if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
        printf 'rules:\n  VG1006: off\n' >shared/.vgpuc.yaml
        chown nobody shared/.vgpuc.yaml
        CASE="config: a config owned by another user is ignored"
        if measure "$CASE" 10 64 "$VGPUC" lint -f short shared/proj/p.vgpu; then
            rc_is 1 && has "$tmp/out" 'VG1006' && has "$tmp/out" 'VG9004' && ok
        fi
        rm -f shared/.vgpuc.yaml
    fi
    CASE="config: lint -v names the config and the catalogs"
    if measure "$CASE" 10 64 "$VGPUC" lint -v -f short repo/lab/l.vgpu; then
        has "$tmp/err" "config: .*lab/.vgpuc.yaml" && has "$tmp/err" 'catalog: <built-in>' && ok
    fi
    CASE="config: build names the config and the catalogs"
    cluster_with "$(vm_line v1)" >repo/prod/good.vgpu
    if measure "$CASE" 10 64 "$VGPUC" build -o "$tmp/named" repo/prod/good.vgpu; then
        rc_is 0 && has "$tmp/err" 'config: none' && has "$tmp/err" 'catalog: <built-in>' && ok
    fi
fi

# --- names: as the platforms compare them -----------------------------------------
if want names; then
    printf '%scluster c {\n    platform azure-local 12.2504\n    vgpu-manager 19.1\n    license-server dls-1\n    host HV01 { gpu A16 }\n    host hv01 { gpu A16 }\n    host "hv02." { gpu A16 }\n    host hv02 { gpu A16 }\n    vm CAD-01 { gpu passthrough A16; migration none }\n    vm cad-01 { gpu passthrough A16; migration none }\n}\ncluster Prod { platform esxi 8.0u2 }\ncluster prod { platform esxi 8.0u2 }\n' "$head" >repo/case.vgpu
    CASE="names: host, VM and cluster names equal but for case or a trailing dot"
    if measure "$CASE" 10 64 "$VGPUC" lint --no-config -f short repo/case.vgpu; then
        has "$tmp/out" 'host `hv01` is declared twice' && has "$tmp/out" 'host `hv02` is declared twice' &&
            has "$tmp/out" 'VM `cad-01` is declared twice' && has "$tmp/out" 'cluster `prod` is declared twice' && ok
    fi
    for n in CON nul Com1 LPT9 aux.x; do
        printf 'cluster "%s" { platform esxi 8.0u2; host h { gpu L40 } }\n' "$n" >repo/dev.vgpu
        CASE="names: cluster $n gets a file name Windows accepts"
        rm -rf "$tmp/dev-out"
        if measure "$CASE" 10 64 "$VGPUC" build --no-config -o "$tmp/dev-out" repo/dev.vgpu; then
            f=$(find "$tmp/dev-out" -type f -exec basename {} \; 2>/dev/null)
            base=$(printf '%s' "${f%%.*}" | tr '[:lower:]' '[:upper:]')
            case $base in
            CON | PRN | AUX | NUL | COM[0-9] | LPT[0-9] | '') ko "$CASE: wrote \`$f\`" ;;
            *) ok ;;
            esac
        fi
    done
    printf 'cluster "a b" { platform esxi 8.0u2; host h { gpu L40 } }\ncluster "A_B" { platform esxi 8.0u2; host h { gpu L40 } }\n' >repo/clash.vgpu
    CASE="names: two clusters whose file names differ only in case are refused"
    if measure "$CASE" 10 64 "$VGPUC" build --no-config -o "$tmp/clash-out" repo/clash.vgpu; then
        rc_is 1 && has "$tmp/err" 'would both be written' && [ ! -e "$tmp/clash-out" ] && ok
    fi
fi

# --- bounds: every resource has a documented limit ---------------------------------
if want bounds; then
    # Millions of bad lines inside a block that the model reads (deferred queue).
    awk 'BEGIN { print "cluster c {"; print "    platform esxi 8.0u2"; for (i = 0; i < 1000000; i++) print "    bogus-directive " i; print "}" }' >big-errors.vgpu
    CASE="bounds: 1M bad directives keep 50 errors"
    if measure "$CASE" 30 600 "$VGPUC" lint --no-config -f short big-errors.vgpu; then
        rc_is 1 && [ "$(grep -c 'error:' "$tmp/out")" -le 51 ] && ok
    fi
    awk 'BEGIN { for (i = 0; i < 40000; i++) print "# vgpuc: disable-next-line=VG" i " -- x" }' >supp.vgpu
    CASE="bounds: 40000 unknown suppression codes keep a bounded number of warnings"
    if measure "$CASE" 20 300 "$VGPUC" lint --no-config -f short supp.vgpu; then
        rc_is 1 && [ "$(grep -c 'warning:' "$tmp/out")" -le 1000 ] && has "$tmp/out" 'more warnings not shown' && ok
    fi
    # 1 MB of codes in comma lists (each `a,` a warning): 512 000 suppression codes
    awk 'BEGIN { for (l = 0; l < 16; l++) { printf "# vgpuc: disable="; for (i = 0; i < 32000; i++) printf "a,"; print "a" } }' >supp-list.vgpu
    CASE="bounds: 1 MB of comma-listed suppression codes"
    if measure "$CASE" 20 300 "$VGPUC" lint --no-config -f short supp-list.vgpu; then
        rc_is 1 && [ "$(grep -c 'warning:' "$tmp/out")" -le 1000 ] && has "$tmp/out" 'more warnings not shown' && ok
    fi
    awk 'BEGIN { printf "cluster c {\n    platform azure-local 12.2504\n    tolerate-host-failures 2\n    host h-[0001..3000] { gpu A16 }\n"
                 for (i = 0; i < 3000; i++) printf "    vm v%d { gpu passthrough A16 }\n", i
                 for (i = 0; i < 6000; i++) printf "    vm w%d { gpu vgpu A16-2Q; guest-driver 19.1 }\n", i; print "}" }' >big-cluster.vgpu
    CASE="bounds: tolerate-host-failures 2 on 3000 hosts"
    if measure "$CASE" 20 600 "$VGPUC" lint --no-config -f short big-cluster.vgpu; then
        has "$tmp/out" 'VG6010' && ok
    fi
    awk 'BEGIN { printf "cluster c {\n    platform esxi 8.0u2\n    host h-[1..100000] {"; for (i = 0; i < 40; i++) printf " gpu L40 x 64;"; print " }"; print "}" }' >gpus.vgpu
    CASE="bounds: a small file declaring hundreds of millions of GPUs"
    if measure "$CASE" 20 600 "$VGPUC" lint --no-config -f short gpus.vgpu; then
        rc_is 1 && has "$tmp/out" 'GPUs' && ok
    fi
    awk 'BEGIN { printf "cluster c {\n    platform esxi 8.0u2\n    host h-[1..50000] { gpu L40 }\n"
                 for (i = 0; i < 200; i++) { printf "    vm v%d { gpu vgpu L40-12Q; guest-driver 19.1; hosts", i; for (k = 0; k < 5; k++) printf " h-[1..50000]"; print " }" }
                 print "}" }' >refs.vgpu
    CASE="bounds: \`hosts\` lists of ranges"
    if measure "$CASE" 30 900 "$VGPUC" lint --no-config -f short refs.vgpu; then
        rc_is 1 && has "$tmp/out" 'references' && ok
    fi
    printf 'gpus:\n  - model: "X3"\n    name: NVIDIA X3\n    fb: 24576\n    gpus-per-board: 1\n    large-bar: true\n    mmio64-gb: 4294967296\n    source: test\n' >big-mmio.yaml
    CASE="bounds: mmio64-gb above 2^31 is refused"
    if measure "$CASE" 10 64 "$VGPUC" catalog --catalog big-mmio.yaml gpus; then
        rc_is 2 && has "$tmp/err" 'mmio64-gb' && ok
    fi
    printf 'gpus:\n  - model: "X4"\n    name: NVIDIA X4\n    fb: 24576\n    gpus-per-board: 1\n    large-bar: true\n    mmio64-gb: 2147483648\n    source: test\n' >wrap-mmio.yaml
    CASE="bounds: mmio64-gb of 2^31 (that wrapped to 0) is refused"
    if measure "$CASE" 10 64 "$VGPUC" catalog --catalog wrap-mmio.yaml gpus; then
        rc_is 2 && has "$tmp/err" 'mmio64-gb' && ok
    fi
fi

# --- files: build all or nothing, fmt keeps what it finds ---------------------------
if want files; then
    mkdir -p outdir
    printf 'cluster a { platform esxi 8.0u2; host h { gpu L40 } }\n' >two.vgpu
    awk 'BEGIN { printf "cluster b {\n    platform esxi 8.0u2\n    host h-[1..60] { gpu L40 x 2 }\n"
                 for (i = 0; i < 400; i++) printf "    vm v%d { gpu vgpu L40-12Q; guest-driver 19.1; migration none }\n", i; print "}" }' >>two.vgpu
    echo old-a >outdir/a.ps1
    echo old-b >outdir/b.ps1
    "$VGPUC" build --no-config -o "$tmp/probe" two.vgpu >/dev/null 2>&1
    sa=$(wc -c <"$tmp/probe/a.ps1")
    sb=$(wc -c <"$tmp/probe/b.ps1")
    CASE="files: a build that cannot write its second script changes nothing"
    if [ "$sa" -lt "$sb" ]; then
        blocks=$((sa / 512 + 2)) # room for a.ps1 in 512-byte (dash) or 1024-byte (bash) blocks, not for b.ps1
        (trap '' XFSZ; ulimit -f "$blocks"; "$VGPUC" build --no-config -o outdir two.vgpu >/dev/null 2>"$tmp/err")
        if [ "$(cat outdir/a.ps1)" = old-a ] && [ "$(cat outdir/b.ps1)" = old-b ] &&
            [ -z "$(find outdir -name '*.tmp.*')" ]; then ok; else ko "$CASE: outdir holds $(find outdir -type f | tr '\n' ' ')"; fi
    else
        ko "$CASE: a.ps1 ($sa) is not smaller than b.ps1 ($sb)"
    fi
    printf 'cluster x {\nplatform esxi 8.0u2\n}\n' >f600.vgpu
    chmod 0600 f600.vgpu
    CASE="files: fmt keeps the mode of the file"
    "$VGPUC" fmt f600.vgpu >/dev/null 2>&1
    if [ "$(stat -c %a f600.vgpu)" = 600 ] && grep -q '^    platform' f600.vgpu; then ok
    else ko "$CASE: mode $(stat -c %a f600.vgpu)"; fi
    mkdir -p real
    printf 'cluster y {\nplatform esxi 8.0u2\n}\n' >real/target.vgpu
    ln -sf real/target.vgpu link.vgpu
    CASE="files: fmt writes through a symbolic link"
    "$VGPUC" fmt link.vgpu >/dev/null 2>&1
    if [ -L link.vgpu ] && grep -q '^    platform' real/target.vgpu; then ok
    else ko "$CASE: the link was replaced or the target not formatted"; fi
fi

finish
