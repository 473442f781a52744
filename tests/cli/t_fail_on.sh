#!/bin/sh
# t_fail_on.sh - --fail-on error|warning|info|none against warnings, errors and infos.
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

fixture_warning warn.vgpu
fixture_error bad.vgpu
fixture_clean clean.vgpu

for case in error:0 warning:1 info:1 none:0; do
    run lint --fail-on "${case%:*}" warn.vgpu
    check "a warning with --fail-on ${case%:*} exits ${case#*:}" rc_is "${case#*:}"
done
for case in error:1 warning:1 info:1 none:0; do
    run lint --fail-on="${case%:*}" bad.vgpu
    check "an error with --fail-on ${case%:*} exits ${case#*:}" rc_is "${case#*:}"
done
run lint clean.vgpu
check "the clean fixture has an info (unused GPU)" out_has ": info: "
run lint --fail-on info clean.vgpu
check "an info with --fail-on info exits 1" rc_is 1
run lint --fail-on warning clean.vgpu
check "an info with --fail-on warning exits 0" rc_is 0
run lint --fail-on fatal warn.vgpu
check "an unknown --fail-on level exits 2" rc_is 2
