#!/bin/sh
# t_report.sh - --report FORMAT:PATH, several at once, and unwritable paths.
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

fixture_warning warn.vgpu

run lint -f short --color always --report json:out/r.json --report sarif:r.sarif --report=github:r.txt warn.vgpu
check "--report needs an existing folder (out/ is missing): exit 2" rc_is 2
check "--report names the path it could not write" err_has "out/r.json"
mkdir out
run lint -f short --color always --report json:out/r.json --report sarif:r.sarif --report=github:r.txt warn.vgpu
check "several --report: exit code as without" rc_is 1
check "--report json writes valid JSON" file_is_json out/r.json
check "--report sarif writes valid JSON" file_is_json r.sarif
check "--report sarif is SARIF 2.1.0" jq_true '.version == "2.1.0"' r.sarif
check "--report github writes workflow commands" grep -qF "::warning file=warn.vgpu" r.txt
no_colour() { ! has_escape out/r.json && ! has_escape r.sarif && ! has_escape r.txt; }
check "reports never get colour" no_colour
check "stdout keeps the -f format" out_has "warn.vgpu:"
run lint --report xml:r.xml warn.vgpu
check "an unknown report format exits 2" rc_is 2
run lint --report r.json warn.vgpu
check "--report without FORMAT: exits 2" rc_is 2
mkdir ro
chmod 500 ro
if [ "$(id -u)" != 0 ]; then
    run lint --report json:ro/r.json warn.vgpu
    check "a read-only folder: exit 2" rc_is 2
fi
run lint --report json:/dev/null/r.json warn.vgpu
check "an impossible path: exit 2" rc_is 2
check "an impossible path: the report on stdout is still complete" out_has "[VG3103]"
