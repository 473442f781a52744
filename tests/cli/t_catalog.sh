#!/bin/sh
# t_catalog.sh - extra catalog files: --catalog, VGPUC_CATALOG, invalid ones.
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

fixture_clean clean.vgpu
sed 's/19\.1/19.99/g' clean.vgpu >future.vgpu
# A fictional release for this test only: what a user adds before vgpuc knows it.
cat >future.yaml <<'YAML'
releases:
  - release: "19.99"
    branch: R580
    lts: true
    date: 2028-01
    host-driver: {esxi: 580.999.01}
    guest-driver: {windows: 589.99, linux: 580.999.01}
    branch-end-of-support: 2028-07
    source: "tests/cli/t_catalog.sh (fictional test release)"
YAML
printf 'releases: [\n' >bad.yaml

run lint future.vgpu
check "an unknown release is an error" out_has "[VG2003]"
run lint --catalog future.yaml future.vgpu
check "--catalog adds a release" rc_is 0
VGPUC_CATALOG=future.yaml run lint future.vgpu
check "VGPUC_CATALOG adds a release" rc_is 0
VGPUC_CATALOG=nothing-here.yaml::future.yaml run lint --catalog future.yaml clean.vgpu
check "a missing VGPUC_CATALOG file exits 2" rc_is 2
run lint --catalog bad.yaml clean.vgpu
check "a malformed --catalog exits 2" rc_is 2
check "a malformed catalog is reported as VG9003" out_has "[VG9003]"
VGPUC_CATALOG=bad.yaml run lint clean.vgpu
check "a malformed VGPUC_CATALOG file exits 2" rc_is 2
run lint --catalog "$REPO/catalog/releases.yaml" clean.vgpu
check "merging a built-in file again changes nothing" rc_is 0
run catalog --catalog future.yaml releases
check "vgpuc catalog shows a merged release" out_has "19.99"
