#!/bin/sh
# t_config.sh - .vgpuc.yaml discovery, --config, --no-config, precedence, invalid config.
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

mkdir -p proj/clusters/prod other
fixture_warning proj/clusters/prod/warn.vgpu
printf 'rules:\n  VG3103: off\n' >proj/.vgpuc.yaml
printf 'fail-on: none\n' >other/relaxed.yaml

run lint proj/clusters/prod/warn.vgpu
check "the .vgpuc.yaml of a parent folder is found" rc_is 0
check "the found config silences the rule" out_lacks "VG3103"
run lint --no-config proj/clusters/prod/warn.vgpu
check "--no-config ignores it" rc_is 1
run lint proj/clusters
check "a directory input finds the config from that directory" rc_is 0
run_from proj/clusters/prod warn.vgpu lint -
check "stdin finds the config from the current folder" rc_is 0
run_in proj/clusters/prod/warn.vgpu lint - --stdin-filename proj/clusters/prod/warn.vgpu
check "stdin with --stdin-filename finds the config from that name's folder" rc_is 0

run lint --config other/relaxed.yaml proj/clusters/prod/warn.vgpu
check "--config replaces discovery (fail-on none: exit 0)" rc_is 0
check "--config replaces discovery (the rule is back)" out_has "[VG3103]"
run lint --config other/relaxed.yaml --fail-on warning proj/clusters/prod/warn.vgpu
check "--fail-on on the command line beats the config" rc_is 1
run lint --rule VG3103=warning proj/clusters/prod/warn.vgpu
check "--rule on the command line beats the config" rc_is 1

printf 'rules:\n  no-license-server: error\nfail-on: error\n' >other/slug.yaml
run lint --config other/slug.yaml proj/clusters/prod/warn.vgpu
check "a config may name rules by slug and raise them" out_has ": error: "
check "a config raising a rule to error fails with its fail-on" rc_is 1

printf 'fail-on: warning\nrulez:\n  VG3103: off\n' >other/bad.yaml
run lint --config other/bad.yaml proj/clusters/prod/warn.vgpu
check "an unknown config key exits 2" rc_is 2
check "an invalid config is reported as VG9003" out_has "[VG9003]"
check "an invalid config is located in the YAML" out_has "other/bad.yaml:2:"
printf 'rules:\n  VG3103: sometimes\n' >other/badlevel.yaml
run lint --config other/badlevel.yaml proj/clusters/prod/warn.vgpu
check "an unknown level in the config exits 2" rc_is 2
run lint --config other/missing.yaml proj/clusters/prod/warn.vgpu
check "a missing --config exits 2" rc_is 2
mkdir -p broken/sub
printf 'rules: [\n' >broken/.vgpuc.yaml
fixture_warning broken/sub/w.vgpu
run lint broken/sub/w.vgpu
check "a malformed discovered config exits 2" rc_is 2
run lint --no-config broken/sub/w.vgpu
check "--no-config skips a malformed config" rc_is 1
