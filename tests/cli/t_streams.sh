#!/bin/sh
# t_streams.sh - the report on stdout, the summary on stderr, machine formats pure.
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

fixture_warning warn.vgpu
fixture_clean clean.vgpu

run lint warn.vgpu
check "human diagnostics go to stdout" out_has "warn.vgpu:"
check "human first line has level and code" out_has ": warning: "
check "the summary goes to stderr" err_has "1 warning"
check "the summary is not on stdout" out_lacks "1 warning in"
run lint -q warn.vgpu
check "-q leaves stderr empty" err_empty
check "-q keeps the diagnostics" out_has "[VG3103]"

for fmt in json sarif; do
    run lint -f "$fmt" warn.vgpu
    check "$fmt: stdout is one JSON document" out_is_json
    check "$fmt: the summary is on stderr" err_has "1 warning"
    check "$fmt: exit code as for human" rc_is 1
done
run lint --format=json warn.vgpu
check "json: the diagnostic is in the document" jq_true '.diagnostics[0].code == "VG3103"' "$OUT"
run lint -f json -q clean.vgpu
check "json -q on a clean file: valid JSON" out_is_json
check "json -q on a clean file: nothing on stderr" err_empty
run lint -f github warn.vgpu
check "github: workflow commands on stdout" out_has "::warning file=warn.vgpu"
run lint -f short --rule VG5006=off warn.vgpu
one_line() { [ "$(wc -l <"$OUT")" -eq 1 ]; }
check "short: one line per diagnostic" one_line

# the same bytes in any locale and time zone
run lint -f json warn.vgpu
cp "$OUT" first.json
LC_ALL=C.UTF-8 TZ=Pacific/Kiritimati "$VGPUC" lint -f json warn.vgpu >second.json 2>/dev/null
check "output does not depend on locale or time zone" cmp -s first.json second.json
