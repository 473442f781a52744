#!/bin/sh
# t_rollout.sh - `vgpuc rollout`: exit codes (0 plan, 1 no safe order or rule
# errors, 2 could not run), streams, --from-git (a revision read with `git
# show`, never a shell), --drain, --diagnostics, usage errors.
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

G=$REPO/tests/golden/rollout/in
T=--today=2026-11-21

run rollout $T --no-config "$G/hci-16.5.vgpu" "$G/hci-19.5.vgpu"
check "a plan exits 0" rc_is 0
check "the runbook is on stdout" out_has "step 5  guest driver of 48 VMs"
check "diagnostics are on stderr" err_has "[VG5006]"
check "stdout has no diagnostics" out_lacks "[VG"

run rollout $T --no-config -f json "$G/hci-16.5.vgpu" "$G/hci-19.5.vgpu"
check "--format json is one JSON document" out_is_json
check "JSON says the plan is complete" jq_true '.ok and (.clusters[0].steps | length) == 5' "$OUT"

run rollout $T --no-config "$G/tight-17.6.vgpu" "$G/tight-18.4.vgpu"
check "no safe order exits 1" rc_is 1
check "no safe order is VG7001 with its location" err_has "in/tight-18.4.vgpu:21:27: error: no safe order for cluster"
check "no safe order still prints the (empty) plan" out_has "no plan: no safe order"

run rollout $T --no-config --fail-on none "$G/tight-17.6.vgpu" "$G/tight-18.4.vgpu"
check "no safe order exits 1 even with --fail-on none" rc_is 1

run rollout $T --no-config --diagnostics sarif -q "$G/tight-17.6.vgpu" "$G/tight-18.4.vgpu"
check "--diagnostics sarif writes SARIF to stderr" jq_true '.runs[0].results | map(.ruleId) | index("VG7001") != null' "$ERR"
run rollout $T --no-config --report "json:$W/r.json" "$G/tight-17.6.vgpu" "$G/tight-18.4.vgpu"
check "--report json:PATH gets the VG7001" jq_true '.diagnostics | map(.code) | index("VG7001") != null' "$W/r.json"

run rollout $T --no-config "$G/hci-16.5.vgpu" "$REPO/examples/broken.vgpu"
check "rule errors in DESIRED exit 1" rc_is 1
check "and nothing is planned" out_has "no rollout planned"

run rollout $T --no-config --drain hci-node-02 "$REPO/examples/hci-a16-gpup.vgpu"
check "--drain with one file plans one host step" rc_is 0
check "the drain names the host" out_has "step 1  host hci-node-02"
check "a drain changes nothing" out_has "change hci-node-02: nothing (maintenance only)"

run rollout $T --no-config --drain hci-node-99 "$REPO/examples/hci-a16-gpup.vgpu"
check "--drain of an unknown host exits 2" rc_is 2
check "an unknown host is named" err_has "\`--drain hci-node-99\`: no host of that name"

run rollout $T --no-config --order hci-node-03,nosuchhost "$G/hci-16.5.vgpu" "$G/hci-19.5.vgpu"
check "--order with an unknown host exits 2" rc_is 2
check "--order names the unknown host" err_has "\`--order nosuchhost\`: no host of that name"
run rollout $T --no-config --order hci-node-03 --hosts-at-once 2 "$G/hci-16.5.vgpu" "$G/hci-19.5.vgpu"
check "--order and --hosts-at-once shape the first step" out_has "step 1  hosts hci-node-03, hci-node-01"

run rollout $T --no-config --allow-down nosuchvm "$G/tight-17.6.vgpu" "$G/tight-18.4.vgpu"
check "--allow-down of an unknown VM exits 2" rc_is 2

run rollout $T --no-config "$G/hci-16.5.vgpu"
check "one file without --drain or --from-git is a usage error" rc_is 2
check "the usage error says what it takes" err_has "takes CURRENT and DESIRED"
run rollout $T --no-config --hosts-at-once 0 "$G/hci-16.5.vgpu" "$G/hci-19.5.vgpu"
check "--hosts-at-once 0 exits 2" rc_is 2
run rollout $T --no-config "$G/hci-16.5.vgpu" "$W/missing.vgpu"
check "a missing DESIRED exits 2" rc_is 2
run rollout $T --no-config --from-git=-c "$G/hci-16.5.vgpu"
check "--from-git refuses a revision that looks like an option" rc_is 2
run rollout $T --no-config --from-git 'HEAD:x' "$G/hci-16.5.vgpu"
check "--from-git refuses a revision with a colon" rc_is 2

# --from-git: CURRENT is the committed file, DESIRED the working copy
if command -v git >/dev/null 2>&1; then
    mkdir repo && cd repo || exit 2
    git init -q . && git config user.email t@example.org && git config user.name t
    mkdir clusters
    cp "$G/hci-16.5.vgpu" clusters/hci.vgpu
    git add clusters/hci.vgpu && git commit -qm start
    cp "$G/hci-19.5.vgpu" clusters/hci.vgpu
    run rollout $T --no-config --from-git HEAD clusters/hci.vgpu
    check "--from-git HEAD plans from the committed file" rc_is 0
    check "--from-git reads 16.5 from the revision" out_has "vGPU Manager 16.5 -> 19.5"
    run rollout $T --no-config --from-git HEAD -f json clusters/hci.vgpu
    check "--from-git JSON plan" jq_true '.ok and (.clusters[0].steps | length) == 5' "$OUT"
    cd clusters || exit 2
    run rollout $T --no-config --from-git HEAD hci.vgpu
    check "--from-git works from the file's own folder" rc_is 0
    cd .. || exit 2
    run rollout $T --no-config --from-git nosuchrev clusters/hci.vgpu
    check "--from-git with an unknown revision exits 2" rc_is 2
    check "--from-git names the revision" err_has "cannot read \`clusters/hci.vgpu\` at revision \`nosuchrev\`"
    run rollout $T --no-config --from-git 'HEAD;touch pwned' clusters/hci.vgpu
    check "a revision with shell characters is never run by a shell" rc_is 2
    check "no shell ran" test ! -e pwned
    printf 'cluster {\n' >clusters/new.vgpu
    run rollout $T --no-config --from-git HEAD clusters/new.vgpu
    check "a file not in the revision exits 2" rc_is 2
    cd .. || exit 2
fi

run rollout --help
check "rollout --help exits 0" rc_is 0
check "rollout --help lists --from-git" out_has "--from-git REV"
check "rollout --help lists --drain" out_has "--drain HOST"
check "rollout --help lists -o DIR" out_has "--output DIR"

# -o DIR: the rollout scripts, all or nothing.
run rollout $T --no-config -o "$W/ro" "$G/hci-16.5.vgpu" "$G/hci-19.5.vgpu"
check "-o writes the rollout script and exits 0" rc_is 0
check "the script is DIR/CLUSTER-rollout.ps1" test -f "$W/ro/hci-prod-rollout.ps1"
check "the script holds the plan and the entry call" grep -q "Invoke-VgpucRolloutHyperV -Rollout \$VgpucRollout" "$W/ro/hci-prod-rollout.ps1"
check "the plan is still on stdout" out_has "step 1  host hci-node-01"
run rollout $T --no-config -o "$W/ro-esx" "$G/esxi-17.6.vgpu" "$G/esxi-18.4.vgpu"
check "-o for a vSphere cluster writes its script and exits 0" rc_is 0
check "the vSphere script calls the vSphere entry" grep -q "Invoke-VgpucRolloutVmware -Rollout \$VgpucRollout" "$W/ro-esx/vsan-prod-rollout.ps1"
check "and takes the depot of each release" grep -q "\[hashtable\]\$DepotPath" "$W/ro-esx/vsan-prod-rollout.ps1"
run rollout $T --no-config --target vmware -o "$W/ro-esx2" "$G/esxi-17.6.vgpu" "$G/esxi-18.4.vgpu"
check "--target vmware on a vSphere cluster exits 0" rc_is 0
run rollout $T --no-config --target hyperv -o "$W/ro-esx3" "$G/esxi-17.6.vgpu" "$G/esxi-18.4.vgpu"
check "--target hyperv on a vSphere cluster exits 1" rc_is 1
check "and names the platform" err_has "cannot roll out"
check "and writes nothing" test ! -e "$W/ro-esx3"
run rollout $T --no-config -o "$W/ro-tight" "$G/tight-17.6.vgpu" "$G/tight-18.4.vgpu"
check "-o with no safe order exits 1 and writes nothing" rc_is 1
check "nothing was written for a cluster without a plan" test ! -e "$W/ro-tight"
run rollout $T --no-config --target hyperv "$G/hci-16.5.vgpu" "$G/hci-19.5.vgpu"
check "--target without -o exits 2" rc_is 2
run rollout $T --no-config --target json -o "$W/ro-json" "$G/hci-16.5.vgpu" "$G/hci-19.5.vgpu"
check "--target json exits 2" rc_is 2
run rollout $T --no-config --target vmware -o "$W/ro-vm" "$G/hci-16.5.vgpu" "$G/hci-19.5.vgpu"
check "--target vmware on an Azure Stack HCI cluster exits 1" rc_is 1
check "and names the platform" err_has "cannot roll out"
# -o's own errors are diagnostics (VG7201-VG7205), in the report of every format.
run rollout $T --no-config -q --rule VG2004=off --diagnostics json -o "$W/ro-esx-json" "$G/xen-16.5.vgpu" "$G/xen-19.5.vgpu"
check "-o, no rollout script, --diagnostics json: exit 1" rc_is 1
err_is_one_json() { jq -e . "$ERR" >/dev/null 2>&1 && [ "$(jq -s length "$ERR" 2>/dev/null)" = 1 ]; }
check "-o, no rollout script, --diagnostics json: stderr is one JSON document" err_is_one_json
check "-o, no rollout script, --diagnostics json: the error is VG7201 and counted" \
    jq_true '.summary.errors == 1 and ([.diagnostics[] | select(.code == "VG7201")] | length == 1)' "$ERR"
check "-o, no rollout script, --diagnostics json: nothing written" test ! -e "$W/ro-esx-json"
run rollout $T --no-config -q --diagnostics sarif --target vmware -o "$W/ro-vm-sarif" "$G/hci-16.5.vgpu" "$G/hci-19.5.vgpu"
check "--target vmware -o, --diagnostics sarif: VG7202 is a SARIF result" \
    jq_true '[.runs[0].results[] | select(.ruleId == "VG7202" and .level == "error")] | length == 1' "$ERR"
run rollout $T --no-config -q --diagnostics github --target vmware -o "$W/ro-vm-gh" "$G/hci-16.5.vgpu" "$G/hci-19.5.vgpu"
check "--target vmware -o, --diagnostics github: one ::error line" err_has "::error file="
run rollout $T --no-config -q --rule VG7202=off --target vmware -o "$W/ro-vm-off" "$G/hci-16.5.vgpu" "$G/hci-19.5.vgpu"
check "VG7202 turned off: still exit 1" rc_is 1
check "VG7202 turned off: still nothing written" test ! -e "$W/ro-vm-off"
run explain VG7201
check "explain VG7201 names the rollout script" out_has "rollout script"
