#!/bin/sh
# t_rule.sh - --rule CODE=LEVEL by code and by slug, including off.
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

fixture_warning warn.vgpu

run lint --rule VG3103=off warn.vgpu
check "--rule CODE=off silences the rule" out_lacks "VG3103"
check "--rule CODE=off: exit 0" rc_is 0
run lint --rule no-license-server=off warn.vgpu
check "--rule SLUG=off works too" rc_is 0
run lint --rule=vg3103=info warn.vgpu
check "--rule CODE=info lowers the level" out_has ": info: "
check "--rule CODE=info: exit 0 with the default --fail-on" rc_is 0
run lint --rule VG3103=error --fail-on error warn.vgpu
check "--rule CODE=error raises the level" out_has ": error: "
check "--rule CODE=error: exit 1 with --fail-on error" rc_is 1
run lint --rule VG3103=off --rule VG3103=warning warn.vgpu
check "the last --rule for a code wins" rc_is 1
run lint --rule VG9999=off warn.vgpu
check "an unknown rule exits 2" rc_is 2
check "an unknown rule is named" err_has "unknown rule \`VG9999\`"
run lint --rule no-licence-server=off warn.vgpu
check "a misspelt slug gets a suggestion" err_has "did you mean \`no-license-server\`?"
run lint --rule VG3103=loud warn.vgpu
check "an unknown level exits 2" rc_is 2
