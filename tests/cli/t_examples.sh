#!/bin/sh
# t_examples.sh - the examples: every good one lints clean (exit 0), and
# broken.vgpu shows errors of several families.
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

for f in "$REPO"/examples/*.vgpu; do
    name=$(basename "$f")
    [ "$name" = broken.vgpu ] && continue
    run lint --today 2026-11-21 "$f"
    check "examples/$name lints with exit 0" rc_is 0
    check "examples/$name has no error" out_lacks ": error: "
    check "examples/$name has no warning" out_lacks ": warning: "
done
run lint --today 2026-11-21 "$REPO/examples"
check "the examples folder as a whole: broken.vgpu fails" rc_is 1
check "the good examples do not clash with each other" out_lacks "[VG1004]"
run lint -f short --today 2026-11-21 "$REPO/examples/broken.vgpu"
check "broken.vgpu exits 1" rc_is 1
for code in VG1002 VG1006 VG3001 VG4001 VG5001; do
    check "broken.vgpu shows $code" out_has "[$code]"
done
run fmt --check "$REPO/examples"
check "the examples are in the canonical layout (fmt --check)" rc_is 0
