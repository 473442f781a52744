#!/bin/sh
# t_exit_codes.sh - 0 clean, 1 findings, 2 could not run (usage, unreadable input).
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

fixture_clean clean.vgpu
fixture_warning warn.vgpu
fixture_error bad.vgpu

run lint clean.vgpu
check "a clean file exits 0" rc_is 0
run lint warn.vgpu
check "a warning fails lint by default (exit 1)" rc_is 1
run lint bad.vgpu
check "errors exit 1" rc_is 1
run lint clean.vgpu missing.vgpu
check "a missing file exits 2" rc_is 2
check "a missing file is reported as VG1009" out_has "[VG1009]"
check "the other file is still checked" out_has "clean.vgpu:"
run lint warn.vgpu missing.vgpu --fail-on none
check "a missing file exits 2 even with --fail-on none" rc_is 2

run lint --frobnicate clean.vgpu
check "an unknown option exits 2" rc_is 2
check "an unknown option says why on stderr" err_has "vgpuc: error: unknown option \`--frobnicate\`"
check "an unknown option points at the command's help" err_has "try 'vgpuc lint --help'"
check "usage errors print nothing on stdout" out_empty
run lint --target hyperv clean.vgpu
check "an option of another command exits 2" rc_is 2
check "an option of another command is named" err_has "\`vgpuc lint\` does not take \`--target\`"
run lnit clean.vgpu
check "an unknown command exits 2" rc_is 2
check "an unknown command gets a suggestion" err_has "did you mean \`lint\`?"
run lint
check "no input files exits 2" rc_is 2
check "no input files shows the usage" err_has "usage: vgpuc lint"
run
check "no command exits 2" rc_is 2
run lint --today 2026-02-30 clean.vgpu
check "an impossible --today exits 2" rc_is 2
run lint --error-limit many clean.vgpu
check "a non-numeric --error-limit exits 2" rc_is 2
