#!/bin/sh
# run.sh - hostile input: every kind of bad file a pre-commit hook can see.
#
# For each input: vgpuc must exit 0, 1 or 2 as expected (never crash: no
# signal, no 134/139), within 10 s, with output under 1 MB, and every
# diagnostic line must carry path:line:col (or be a "could not read" error).
# Covers empty and comment-only files, binary garbage, UTF-16, BOM, CRLF,
# NUL bytes, over-long lines, deep nesting, stray braces, unterminated
# strings, huge ranges and counts, include cycles, directories and missing
# files, truncations of every example at many points, random mutations,
# and build/fmt atomicity (no partial or touched files on failure).
# Usage: VGPUC=path sh tests/hostile/run.sh
set -u
: "${VGPUC:?}"
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
vg_scratch


# run NAME EXPECTED-EXITS FILE [ARGS...]: lint FILE, check exit, time, size, locations.
limit=10  # seconds per input; one huge case below raises it for itself
run() {
    name=$1 expect=$2 file=$3
    shift 3
    timeout "$limit" "$VGPUC" lint --color never --no-config -q "$@" "$file" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -eq 124 ]; then ko "$name: timed out"; return; fi
    case " $expect " in
    *" $rc "*) ;;
    *) ko "$name: exit $rc, expected one of: $expect"; head -n 5 "$tmp/out" "$tmp/err"; return ;;
    esac
    size=$(cat "$tmp/out" "$tmp/err" | wc -c)
    if [ "$size" -gt 1048576 ]; then ko "$name: $size bytes of output"; return; fi
    # Every first line of a diagnostic has a location, except whole-file errors.
    if grep -E '^[^ ].*: (error|warning|info): ' "$tmp/out" | grep -vE ':[0-9]+:[0-9]+: (error|warning|info): ' |
        grep -vE '^vgpuc: (error|warning): ' >"$tmp/noloc"; then
        ko "$name: diagnostic without line:col"; head -n 3 "$tmp/noloc"; return
    fi
    ok
}

printf '' >"$tmp/empty.vgpu"; run empty "0" "$tmp/empty.vgpu"
printf '# only a comment\n\n   # another\n' >"$tmp/comments.vgpu"; run comment-only "0" "$tmp/comments.vgpu"
head -c 4096 /dev/urandom >"$tmp/garbage.vgpu"; run binary-garbage "1" "$tmp/garbage.vgpu"
printf 'cluster c {\n' | iconv -f UTF-8 -t UTF-16 >"$tmp/utf16.vgpu" 2>/dev/null && run utf-16 "1" "$tmp/utf16.vgpu"
printf '\357\273\277# bom\nlicense-server l { kind cls }\n' >"$tmp/bom.vgpu"; run bom "0" "$tmp/bom.vgpu"
printf '# crlf\r\nlicense-server l {\r\n    kind cls\r\n}\r\n' >"$tmp/crlf.vgpu"; run crlf "0" "$tmp/crlf.vgpu"
printf 'license-server l { kind cls }\n\000\n' >"$tmp/nul.vgpu"; run nul-byte "1" "$tmp/nul.vgpu"
awk 'BEGIN { printf "# "; for (i = 0; i < 10485760; i++) printf "x"; print "" }' >"$tmp/longline.vgpu"
run 10mb-line "1" "$tmp/longline.vgpu"
yes '# padding line of a file over the 64 MiB limit' | head -c 68000000 >"$tmp/huge.vgpu"
run file-over-64mib "1 2" "$tmp/huge.vgpu"
rm -f "$tmp/huge.vgpu"
# The total of hosts and VMs after expansion (2,000,000): the 21st range of
# 100,000 hosts is refused at its name; the run takes ~5 s and ~1.4 GB.
awk 'BEGIN { for (c = 0; c < 21; c++) printf "cluster c%02d { platform esxi 8.0u3; host h-[000001..100000] { gpu L40 } }\n", c }' \
    >"$tmp/objects.vgpu"
limit=120  # ~5 s, ~8 s under ASan: leave room on a loaded CI machine
run object-limit "1" "$tmp/objects.vgpu"
limit=10
if grep -q '^.*objects.vgpu:21:41: error: too many hosts and VMs: more than 2000000' "$tmp/out"; then ok; else ko "object limit: no VG1005 at 21:41"; fi
rm -f "$tmp/objects.vgpu"
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "a {\n"; for (i = 0; i < 5000; i++) printf "}\n" }' >"$tmp/deep.vgpu"
run deep-nesting "1" "$tmp/deep.vgpu"
printf '}\n}}\ncluster c { platform esxi 8.0u2 }\n}\n' >"$tmp/stray.vgpu"; run stray-braces "1" "$tmp/stray.vgpu"
printf 'cluster "c {\n  platform esxi 8.0u2\n' >"$tmp/unterminated.vgpu"; run unterminated-string "1" "$tmp/unterminated.vgpu"
printf 'cluster c {\n  platform esxi 8.0u2\n  host h-[1..99999999999] { gpu L40 }\n}\n' >"$tmp/range.vgpu"
run huge-range "1" "$tmp/range.vgpu"
printf 'cluster c {\n  platform esxi 8.0u2\n  host h { gpu L40 x 100000000000000000000 }\n}\n' >"$tmp/count.vgpu"
run huge-count "1" "$tmp/count.vgpu"
printf 'cluster c {\n  platform esxi 8.0u2\n  host h { gpu L40 x -2 }\n}\n' >"$tmp/neg.vgpu"; run negative-count "1" "$tmp/neg.vgpu"
printf 'include "b.vgpu"\n' >"$tmp/a.vgpu"; printf 'include "a.vgpu"\n' >"$tmp/b.vgpu"; run include-cycle "1" "$tmp/a.vgpu"
printf 'include "."\n' >"$tmp/incdir.vgpu"; run include-directory "1 2" "$tmp/incdir.vgpu"
run missing-file "2" "$tmp/does-not-exist.vgpu"
mkdir -p "$tmp/dir.vgpu"; run directory-as-input "0 2" "$tmp/dir.vgpu"
printf 'cluster c {\n' >"$tmp/unreadable.vgpu"; chmod 000 "$tmp/unreadable.vgpu"
if [ "$(id -u)" -ne 0 ]; then run unreadable "2" "$tmp/unreadable.vgpu"; fi

# Truncations of every example at many points, and random byte mutations.
for ex in examples/*.vgpu; do
    size=$(wc -c <"$ex")
    step=$((size / 23 + 1))
    cut=1
    while [ "$cut" -lt "$size" ]; do
        head -c "$cut" "$ex" >"$tmp/trunc.vgpu"
        run "truncated $ex at $cut" "0 1 2" "$tmp/trunc.vgpu"
        cut=$((cut + step))
    done
    i=0
    while [ "$i" -lt 10 ]; do
        awk -v seed="$i$size" 'BEGIN { srand(seed) } { line = $0
            if (rand() < 0.2) { p = int(rand() * (length(line) + 1)); c = substr("{}\"#;[].x ", int(rand() * 10) + 1, 1)
                line = substr(line, 1, p) c substr(line, p + 2) }
            print line }' "$ex" >"$tmp/mut.vgpu"
        run "mutation $i of $ex" "0 1 2" "$tmp/mut.vgpu"
        i=$((i + 1))
    done
done

# Atomic outputs: a failed build or fmt leaves existing files untouched.
good=examples/esxi-l40-vgpu.vgpu
if [ -f "$good" ]; then
    mkdir -p "$tmp/outdir"
    "$VGPUC" build -q --no-config -o "$tmp/outdir" "$good" >/dev/null 2>&1
    before=$(find "$tmp/outdir" -type f -exec md5sum {} + | sort)
    # A file-size limit makes write() fail (EFBIG) half-way, as a full disk would.
    (trap '' XFSZ; ulimit -f 1; "$VGPUC" build -q --no-config -o "$tmp/outdir" "$good" >/dev/null 2>&1)
    rc=$?
    if [ "$rc" -ne 2 ] && [ "$rc" -ne 0 ]; then ko "build under a tiny file-size limit: exit $rc"; else ok; fi
    if find "$tmp/outdir" -name '*.tmp.*' | grep -q .; then ko "build left a temporary file"; else ok; fi
    cp examples/broken.vgpu "$tmp/broken.vgpu" 2>/dev/null && {
        "$VGPUC" build -q --no-config -o "$tmp/outdir" "$good" "$tmp/broken.vgpu" >/dev/null 2>&1
        after=$(find "$tmp/outdir" -type f -exec md5sum {} + | sort)
        if [ "$before" = "$after" ]; then ok; else ko "a build with errors touched the output folder"; fi
    }
    cp "$good" "$tmp/fmt.vgpu"; printf 'cluster x {\n' >>"$tmp/fmt.vgpu"
    sum=$(md5sum <"$tmp/fmt.vgpu")
    "$VGPUC" fmt "$tmp/fmt.vgpu" >/dev/null 2>&1
    if [ "$sum" = "$(md5sum <"$tmp/fmt.vgpu")" ]; then ok; else ko "fmt rewrote a file with syntax errors"; fi
fi

# Determinism: byte-identical output across locales and time zones.
if [ -f examples/broken.vgpu ]; then
    ref=$(LC_ALL=C TZ=UTC "$VGPUC" lint --no-config -f json examples/broken.vgpu 2>/dev/null | md5sum)
    for loc in C.UTF-8 de_DE.UTF-8 tr_TR.UTF-8; do
        for tz in UTC America/New_York Asia/Kolkata; do
            got=$(LC_ALL=$loc TZ=$tz "$VGPUC" lint --no-config -f json examples/broken.vgpu 2>/dev/null | md5sum)
            if [ "$got" = "$ref" ]; then ok; else ko "output differs under LC_ALL=$loc TZ=$tz"; fi
        done
    done
fi

finish
