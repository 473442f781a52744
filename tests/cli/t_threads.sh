#!/bin/sh
# t_threads.sh - VGPUC_THREADS: 1 runs on one thread with the same output, 2
# or empty is the default, anything else is a usage error (exit 2, nothing on
# stdout). That one thread really ran is tests/unit/test_threads.c's check.
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

# ~400 KB: large enough for the scanner's thread (256 KB).
awk 'BEGIN {
    print "cluster big {\n    platform esxi 8.0u2\n    vgpu-manager 19.5\n    host h[001..400] {\n        gpu L40 x 2\n    }"
    for (v = 0; v < 4000; v++)
        printf "\n    vm vdi-%d {  # desktop %d\n        gpu vgpu L40-12Q\n        guest-driver 19.4 ; os \"windows\"\n    }\n", v, v
    print "}"
}' >big.vgpu
fixture_clean clean.vgpu

for f in big.vgpu clean.vgpu; do
    "$VGPUC" lint -f json --no-config "$f" >default.out 2>default.err
    want=$?
    for v in 1 2 ""; do
        VGPUC_THREADS=$v run lint -f json --no-config "$f"
        check "VGPUC_THREADS='$v' lint $f: the exit code of the default" rc_is "$want"
        check "VGPUC_THREADS='$v' lint $f: the report of the default" cmp -s "$OUT" default.out
        check "VGPUC_THREADS='$v' lint $f: the stderr of the default" cmp -s "$ERR" default.err
    done
done
check "the large lint has findings to compare" grep -q '"code"' default.out

for v in 0 3 one " 1" "1 " 01; do
    VGPUC_THREADS=$v run lint clean.vgpu
    check "VGPUC_THREADS='$v' is a usage error" rc_is 2
    check "VGPUC_THREADS='$v' is named with what is expected" \
        err_has "vgpuc: error: invalid value \`$v\` for VGPUC_THREADS: expected 1 (one thread) or 2"
    check "VGPUC_THREADS='$v' writes nothing on stdout" out_empty
done
VGPUC_THREADS=0 run lint --help
check "a bad VGPUC_THREADS does not stop --help" rc_is 0
check "--help names VGPUC_THREADS" out_has "VGPUC_THREADS=1 runs on one thread"
VGPUC_THREADS=0 run build --no-config --stdout clean.vgpu
check "a build with a bad VGPUC_THREADS fails before writing anything" out_empty
check "and exits 2" rc_is 2
