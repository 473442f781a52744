#!/bin/sh
# t_drift.sh - `vgpuc drift FILE INVENTORY.json`: the inventory the script
# wrote on the twin after examples/mixed-dda-gpup.vgpu's build script
# converged it (tests/cli/data/inventory-hci-mixed.json) shows no drift (exit
# 0, nothing printed); edits of it are drift at the declaring line in every
# format (exit 1), --fail-on, --rule and --report work as in lint; bad usage,
# an invalid inventory or a file with errors exit 2. The planted drift in the
# twin itself is tests/twin/adopt (make twin-adopt).
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

inv=$REPO/tests/cli/data/inventory-hci-mixed.json
cp "$REPO/examples/mixed-dda-gpup.vgpu" "$REPO/examples/licensing.vgpu" "$W/"
file=mixed-dda-gpup.vgpu

run drift --no-config "$file" "$inv"
check "converged: exit 0" rc_is 0
check "converged: nothing on stdout" out_empty

# guest drivers, read with guest credentials: vdi-04's is 18.4's (VG8014 at
# the guest-driver line), vdi-05's the declared 19.1 (no drift), vdi-06 not
# read (nothing to compare)
jq '(.hosts[].vms[] | select(.name == "vdi-04")) += {"guest_os": "windows", "guest_driver": "573.48", "guest_driver_error": null}
  | (.hosts[].vms[] | select(.name == "vdi-05")) += {"guest_os": "windows", "guest_driver": "581.15", "guest_driver_error": null}
  | (.hosts[].vms[] | select(.name == "vdi-06")) += {"guest_os": null, "guest_driver": null, "guest_driver_error": "The credential is invalid."}' "$inv" >"$W/guest.json"
run drift --no-config "$file" "$W/guest.json"
check "guest: exit 1" rc_is 1
check "guest: VG8014 at vdi-04's guest-driver line, once" out_has "mixed-dda-gpup.vgpu:41:22: warning: \`vdi-04\` runs Windows guest driver 573.48 (vGPU 18.4), the file declares \`19.1\` [VG8014]"
run drift --no-config -f short "$file" "$W/guest.json"
check "guest: one diagnostic only" test "$(grep -c 'VG80' "$OUT")" = 1

# vdi-05's startup memory changed by hand
jq '(.hosts[].vms[] | select(.name == "vdi-05") | .memory_startup_bytes) = 17179869184' "$inv" >"$W/memory.json"
run drift --no-config "$file" "$W/memory.json"
check "memory: exit 1" rc_is 1
check "memory: VG8010 at vdi-05's memory line" out_has "mixed-dda-gpup.vgpu:43:22: warning: \`vdi-05\` has startup memory 16GB, the file declares 8GB [VG8010]"
check "memory: the summary on stderr" err_has "warning"
run drift --no-config -f json "$file" "$W/memory.json"
check "memory, json: exit 1" rc_is 1
check "memory, json: code and line" jq_true '.diagnostics[0].code == "VG8010" and .diagnostics[0].range.start.line == 43' "$OUT"
run drift --no-config -f sarif "$file" "$W/memory.json"
check "memory, sarif: the rule and the line" jq_true '.runs[0].results[0].ruleId == "VG8010" and .runs[0].results[0].locations[0].physicalLocation.region.startLine == 43' "$OUT"
check "memory, sarif: the rule's help is in the driver's rules" jq_true '[.runs[0].tool.driver.rules[].id] | index("VG8010") != null' "$OUT"
run drift --no-config -f github "$file" "$W/memory.json"
check "memory, github: an annotation at the line" out_has "::warning file=mixed-dda-gpup.vgpu,line=43,col=22"
run drift --no-config --fail-on error "$file" "$W/memory.json"
check "memory, --fail-on error: a warning is not failing" rc_is 0
run drift --no-config --rule VG8010=off "$file" "$W/memory.json"
check "memory, --rule VG8010=off: no drift" rc_is 0
check "memory, --rule VG8010=off: nothing printed" out_empty
run drift --no-config -q --report "sarif:$W/drift.sarif" "$file" "$W/memory.json"
check "memory, --report: exit 1" rc_is 1
check "memory, --report: the SARIF file" jq_true '.runs[0].results[0].ruleId == "VG8010"' "$W/drift.sarif"

# a host updated to another OS build; a VM renamed to a name with quotes
jq '.hosts[0].os_build = "26100"' "$inv" >"$W/build.json"
run drift --no-config -f short "$file" "$W/build.json"
check "platform: exit 1" rc_is 1
check "platform: VG8012 at the platform line" out_has "mixed-dda-gpup.vgpu:15:28: warning: host \`hci-01\` runs OS build 26100, the file declares azure-stack-hci 23H2 (build 25398) [VG8012]"
jq '(.hosts[].vms[] | select(.name == "vdi-05") | .name) = "vdi-05 \"x\" `y`"' "$inv" >"$W/renamed.json"
run drift --no-config -f short "$file" "$W/renamed.json"
check "renamed: exit 1" rc_is 1
check "renamed: the declared VM is missing" out_has "\`vdi-05\` is not in the inventory"
check "renamed: the live VM is undeclared, its name verbatim" out_has "VM \`vdi-05 \"x\" \`y\`\` on host \`hci-01\` holds 1 GPU partition adapter but is not declared in cluster \`hci-mixed\` [VG8008]"
check "renamed: at the cluster's name" out_has "mixed-dda-gpup.vgpu:14:9: error: VM"
jq '.cluster.name = "hci-mixd"' "$inv" >"$W/cluster.json"
run drift --no-config -f short "$file" "$W/cluster.json"
check "cluster renamed: matched by its hosts, VG8002" out_has "mixed-dda-gpup.vgpu:14:9: error: the live cluster is named \`hci-mixd\`, the file declares \`hci-mixed\` (the same hosts) [VG8002]"
jq '.cluster.name = "other" | .hosts = []' "$inv" >"$W/other.json"
run drift --no-config -f short "$file" "$W/other.json"
check "another cluster: exit 1" rc_is 1
check "another cluster: VG8002" out_has "is no cluster of the file: no name or host in common [VG8002]"

# could not compare
run drift --no-config "$file"
check "one argument: exit 2" rc_is 2
check "one argument: says what it takes" err_has "\`vgpuc drift\` takes FILE and INVENTORY.json, got 1 argument"
run drift --no-config "$file" "$W/missing.json"
check "missing inventory: exit 2" rc_is 2
head -c 400 "$inv" >"$W/truncated.json"
run drift --no-config "$file" "$W/truncated.json"
check "truncated inventory: exit 2" rc_is 2
check "truncated inventory: VG8001 located in it" out_has "truncated.json:"
check "truncated inventory: VG8001" out_has "[VG8001]"
printf 'cluster c {\n    host h { gpu A16 x 1 }\n    vm v { gpu vgpu NOPE-1Q }\n}\n' >"$W/bad.vgpu"
run drift --no-config "$W/bad.vgpu" "$inv"
check "a file with errors: exit 2" rc_is 2
check "a file with errors: its errors" out_has "bad.vgpu:3:"
check "a file with errors: says why it stops" err_has "the file has errors: drift compares only a file that \`vgpuc lint\` accepts"
run drift --no-config --target hyperv "$file" "$inv"
check "a foreign option: exit 2" rc_is 2

# a vSphere inventory (the script's output on the converged twin of
# examples/esxi-l40-vgpu.vgpu): no drift; an edit of it is
vinv=$REPO/tests/cli/data/inventory-esxi-l40.json
cp "$REPO/examples/esxi-l40-vgpu.vgpu" "$W/"
run drift --no-config esxi-l40-vgpu.vgpu "$vinv"
check "vSphere inventory: no drift, exit 0" rc_is 0
check "vSphere inventory: nothing on stdout" out_empty
jq '(.hosts[].vms[] | select(.name == "ml-04") | .vgpu_profiles) = ["grid_l40-8q"]' "$vinv" >"$W/vprofile.json"
run drift --no-config -f short esxi-l40-vgpu.vgpu "$W/vprofile.json"
check "vSphere profile changed: exit 1" rc_is 1
check "vSphere profile changed: VG8009 at the profile" out_has "esxi-l40-vgpu.vgpu:26:27: error: \`ml-04\` has the vGPU type grid_l40-8q, the file declares L40-12Q [VG8009]"
run import "$vinv"
check "vSphere inventory: import exits 0" rc_is 0
check "vSphere inventory: import maps the component to the release" out_has "vgpu-manager 19.1  # host driver 580.82.02"
check "vSphere inventory: import maps grid_ types to profiles" out_has "gpu    vgpu L40-"
check "vSphere inventory: import leaves the ESXi version to a comment" out_has "# platform: the hosts run ESXi 8.0.2 (VMHost.Version)"

# vSphere host and vCenter settings (VG8013) and DRS (VG8011); a document
# without advanced_settings (written before they were collected) compares none
jq '.vcenter.advanced_settings = {"vgpu.hotmigrate.enabled": "true"}' "$vinv" >"$W/vsettings.json"
run drift --no-config esxi-l40-vgpu.vgpu "$W/vsettings.json"
check "vSphere: hotmigrate true: no drift" rc_is 0
jq '.vcenter.advanced_settings = {"vgpu.hotmigrate.enabled": null}' "$vinv" >"$W/vhot.json"
run drift --no-config -f short esxi-l40-vgpu.vgpu "$W/vhot.json"
check "vSphere hotmigrate not set: exit 1" rc_is 1
check "vSphere hotmigrate not set: VG8013 at the first migration live" out_has "esxi-l40-vgpu.vgpu:29:22: error: vCenter \`vc01\` has vgpu.hotmigrate.enabled not set, \`ml-01\` declares \`migration live\` (vGPU vMotion needs true) [VG8013]"
jq '(.hosts[] | select(.name == "esx-02") | .default_graphics_type) = "shared"' "$vinv" >"$W/vgfx.json"
run drift --no-config -f short esxi-l40-vgpu.vgpu "$W/vgfx.json"
check "vSphere default graphics type: exit 1" rc_is 1
check "vSphere default graphics type: VG8013 at the host" out_has "esxi-l40-vgpu.vgpu:21:10: error: host \`esx-02\`: the default graphics type is shared, the file needs sharedDirect (vGPU VMs may run on it) [VG8013]"
check "vSphere default graphics type: reported once" test "$(wc -l <"$OUT")" -eq 1
jq '(.hosts[] | select(.name == "esx-01") | .gpus[1].passthrough_enabled) = true' "$vinv" >"$W/vpt.json"
run drift --no-config -f short esxi-l40-vgpu.vgpu "$W/vpt.json"
check "vSphere passthrough enabled off plan: VG8013 at the gpu line" out_has "esxi-l40-vgpu.vgpu:22:9: error: host \`esx-01\`: 1 L40 GPU is enabled for passthrough (1 not active until a reboot), the plan gives 0 to DirectPath I/O VMs [VG8013]"
jq '.cluster.drs_rules[0].type = "MustNotRunOn"' "$vinv" >"$W/vdrs.json"
run drift --no-config -f short esxi-l40-vgpu.vgpu "$W/vdrs.json"
check "vSphere DRS rule of another type: VG8011 at host" out_has "esxi-l40-vgpu.vgpu:35:19: warning: \`train-01\` is bound by DRS to no host (no enabled VM-host rule), the file allows \`esx-04\` [VG8011]"
jq '.cluster.drs_groups[1].members += ["ml-03"]' "$vinv" >"$W/vdrs2.json"
run drift --no-config -f short esxi-l40-vgpu.vgpu "$W/vdrs2.json"
check "vSphere VM put into a pinned VM's group: VG8011 at the VM" out_has "esxi-l40-vgpu.vgpu:25:8: warning: \`ml-03\` is bound by DRS to \`esx-04\`, the file names no host [VG8011]"
jq '.inventory_version = 3' "$vinv" >"$W/vver.json"
run drift --no-config esxi-l40-vgpu.vgpu "$W/vver.json"
check "vSphere wrong schema version: exit 2" rc_is 2
check "vSphere wrong schema version: located" out_has "vver.json:1:1: error: invalid inventory: \`/inventory_version\`: version 3"
check "vSphere wrong schema version: nothing compared (one diagnostic)" test "$(grep -c 'error:' "$OUT")" -eq 1
