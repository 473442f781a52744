#!/bin/sh
# t_import.sh - `vgpuc import`: a twin inventory (tests/cli/data, the inventory
# script's output on the twin's hci-small fixture with one DDA VM) becomes a
# canonical .vgpu; every kind of invalid document (syntax, truncated, another
# version, wrong types, hostile names, duplicate VMs) is a located VG8001 error,
# exit 2, and writes nothing (an existing -o file stays as it was).
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

inv=$REPO/tests/cli/data/inventory-hci-small.json

run import "$inv"
check "import exits 0" rc_is 0
check "import names the cluster" out_has "cluster hci-prod {"
check "import maps the host driver through the catalog" out_has "vgpu-manager   538.33  # releases 16.4 to 16.5 share this driver"
check "import maps a 16-partition A16 to A16-1Q, and says the series is assumed" out_has "gpu        vgpu A16-1Q"
check "import says why the series is Q" out_has "the series is the license, not in the inventory: Q written"
check "import maps the assigned DDA device to its model and pins the VM" out_has "gpu        passthrough A16"
check "import names a GPU that two models share by its PnP subsystem (14A910DE: A16)" out_lacks "is one of A2, A16"
check "import leaves the guest driver out with a comment" out_has "# guest-driver: not in the inventory"
cp "$OUT" "$W/imported.vgpu"
run fmt --check "$W/imported.vgpu"
check "the imported file is in the canonical layout" rc_is 0

run import -o "$W/out.vgpu" "$inv"
check "import -o writes the file" cmp -s "$W/out.vgpu" "$W/imported.vgpu"

# guest drivers (an inventory run with -GuestCredential): mapped through the
# catalog's guest drivers for the guest's OS, a comment for what cannot be
# mapped or was not read, never a guess
guest_doc() { # NAME VM-FIELDS: a one-host, one-VM document with these guest fields
    printf '{"inventory_version": 1, "platform": "hyperv", "cluster": null, "hosts": [{"name": "h1", "reachable": true, "nvidia_driver": "538.33", "os_build": null, "gpus": [], "vms": [{"name": "vdi-01", "memory_startup_bytes": 8589934592, "generation": 2, "low_mmio_bytes": 1073741824, "high_mmio_bytes": 34359738368, "gpu_partition_adapters": 1, "assignable_devices": [], "possible_owners": null%s}]}]}' "$2" >"$W/$1.json"
}
guest_doc gwin ', "guest_os": "windows", "guest_driver": "538.46", "guest_driver_error": null'
run import "$W/gwin.json"
check "guest: a Windows guest driver maps to its release" out_has "guest-driver 16.5  # guest driver 538.46"
check "guest: the OS the guest reported is written" grep -Eq "^ +os +windows$" "$OUT"
guest_doc glin ', "guest_os": "linux", "guest_driver": "535.161.08", "guest_driver_error": null'
run import "$W/glin.json"
check "guest: a Linux guest driver maps through the Linux column" out_has "guest-driver 16.5  # guest driver 535.161.08"
guest_doc gunknown ', "guest_os": "windows", "guest_driver": "999.01", "guest_driver_error": null'
run import "$W/gunknown.json"
check "guest: an unknown guest driver is a comment, not a guess" out_has "# guest-driver: guest driver 999.01 is no release of the catalog"
guest_doc gnoos ', "guest_driver": "538.46"'
run import "$W/gnoos.json"
check "guest: a driver without the guest OS is a comment" out_has "on a guest OS the inventory does not name"
guest_doc gerr ', "guest_os": null, "guest_driver": null, "guest_driver_error": "The credential is invalid."'
run import "$W/gerr.json"
check "guest: a guest not read says why in a comment" out_has "# guest-driver: not read: The credential is invalid."
guest_doc gbados ', "guest_os": "beos", "guest_driver": "538.46"'
printf 'keep\n' >"$W/keep.vgpu"
run import -o "$W/keep.vgpu" "$W/gbados.json"
check "guest: another guest OS is a located VG8001" err_has "\`/hosts/0/vms/0/guest_os\`: neither windows nor linux [VG8001]"
check "guest: exit 2" rc_is 2

# bad documents
bad_doc() { # NAME CONTENT: write $W/NAME.json
    printf '%s' "$2" >"$W/$1.json"
}
expect_refused() { # NAME WHAT-IN-STDERR
    printf 'keep\n' >"$W/keep.vgpu"
    run import -o "$W/keep.vgpu" "$W/$1.json"
    check "$1: exit 2" rc_is 2
    check "$1: VG8001 with its location" err_has "$2"
    check "$1: the -o file is untouched" grep -qx keep "$W/keep.vgpu"
    run import "$W/$1.json"
    check "$1: nothing on stdout" out_empty
}
head -c 300 "$inv" >"$W/truncated.json"
expect_refused truncated "truncated.json:"
check "truncated: the error says where the document ends" err_has "[VG8001]"
bad_doc version '{"inventory_version": 2, "platform": "hyperv", "cluster": null, "hosts": []}'
expect_refused version "invalid inventory: \`/inventory_version\`: version 2; this vgpuc reads version 1 [VG8001]"
bad_doc syntax '{"inventory_version": 1,
  "platform": "hyperv" "cluster": null}'
expect_refused syntax "syntax.json:2:"
bad_doc platform '{"inventory_version": 1, "platform": "xen", "cluster": null, "hosts": []}'
expect_refused platform "\`/platform\`"
bad_doc hosttype '{"inventory_version": 1, "platform": "hyperv", "cluster": null, "hosts": [{"name": 7, "reachable": true}]}'
expect_refused hosttype "\`/hosts/0/name\`: expected a string"
bad_doc control '{"inventory_version": 1, "platform": "hyperv", "cluster": null, "hosts": [{"name": "h1", "reachable": true, "nvidia_driver": null, "os_build": null, "gpus": [], "vms": [{"name": "vm\u001b[2Jx", "memory_startup_bytes": 1073741824, "generation": 2, "low_mmio_bytes": 134217728, "high_mmio_bytes": 536870912, "gpu_partition_adapters": 1, "assignable_devices": [], "possible_owners": null}]}]}'
expect_refused control "\`/hosts/0/vms/0/name\`: holds the control or invisible character U+001B"
bad_doc bidi '{"inventory_version": 1, "platform": "hyperv", "cluster": null, "hosts": [{"name": "h\u202e1", "reachable": true}]}'
expect_refused bidi "U+202E"
bad_doc nul '{"inventory_version": 1, "platform": "hyperv", "cluster": null, "hosts": [{"name": "h\u00001", "reachable": true}]}'
expect_refused nul "is not allowed"
bad_doc dupkey '{"inventory_version": 1, "inventory_version": 1}'
expect_refused dupkey "duplicate object key"
bad_doc dupvm '{"inventory_version": 1, "platform": "hyperv", "cluster": null, "hosts": [{"name": "h1", "reachable": true, "nvidia_driver": null, "os_build": null, "gpus": [], "vms": [{"name": "a", "memory_startup_bytes": 1073741824, "generation": 2, "low_mmio_bytes": 134217728, "high_mmio_bytes": 536870912, "gpu_partition_adapters": 1, "assignable_devices": [], "possible_owners": null}]}, {"name": "h2", "reachable": true, "nvidia_driver": null, "os_build": null, "gpus": [], "vms": [{"name": "A", "memory_startup_bytes": 1073741824, "generation": 2, "low_mmio_bytes": 134217728, "high_mmio_bytes": 536870912, "gpu_partition_adapters": 1, "assignable_devices": [], "possible_owners": null}, {"name": "a", "memory_startup_bytes": 1073741824, "generation": 2, "low_mmio_bytes": 134217728, "high_mmio_bytes": 536870912, "gpu_partition_adapters": 1, "assignable_devices": [], "possible_owners": null}]}]}'
expect_refused dupvm "two VMs are named \`a\`"
bad_doc array '[1, 2]'
expect_refused array "the document is not an object"

run import "$W/no-such.json"
check "a missing inventory exits 2" rc_is 2
run import
check "import without a document exits 2" rc_is 2
run import a.json b.json
check "import of two documents exits 2" rc_is 2
run import --help
check "import --help shows the usage" out_has "usage: vgpuc import [-o FILE] INVENTORY.json"
run explain VG8001
check "explain VG8001 prints its text" out_has "inventory"

# names that need quoting come out as strings, never as patterns or ranges
bad_doc quoted '{"inventory_version": 1, "platform": "hyperv", "cluster": null, "hosts": [{"name": "h1", "reachable": true, "nvidia_driver": null, "os_build": null, "gpus": [], "vms": [{"name": "web[12]", "memory_startup_bytes": 1073741824, "generation": 2, "low_mmio_bytes": 134217728, "high_mmio_bytes": 536870912, "gpu_partition_adapters": 1, "assignable_devices": [], "possible_owners": null}, {"name": "x\" y\\z", "memory_startup_bytes": 1073741824, "generation": 2, "low_mmio_bytes": 134217728, "high_mmio_bytes": 536870912, "gpu_partition_adapters": 1, "assignable_devices": [], "possible_owners": null}]}]}'
run import "$W/quoted.json"
check "a wildcard name is a string" out_has 'vm "web[12]" {'
check "quotes and backslashes are escaped" out_has 'vm "x\" y\\z" {'

# ---- bad input (issue 17): every refusal is located FILE:LINE:COL, exit 2,
# nothing written; hostile names come out quoted, never as patterns ----------
err_matches() { grep -qE -- "$1" "$ERR"; }
expect_located() { # NAME: the error names the file, a line and a column
    run import "$W/$1.json"
    check "$1: located FILE:LINE:COL" err_matches "$1\\.json:[0-9]+:[0-9]+: error: invalid inventory"
}
vinv=$REPO/tests/cli/data/inventory-esxi-l40.json
head -c 1500 "$vinv" >"$W/vtruncated.json"
expect_refused vtruncated "[VG8001]"
expect_located vtruncated
jq '.inventory_version = 2' "$vinv" >"$W/vversion.json"
expect_refused vversion "invalid inventory: \`/inventory_version\`: version 2; this vgpuc reads version 1 [VG8001]"
expect_located vversion
expect_refused version "version 2"
expect_located version
expect_located truncated
jq '.vcenter.advanced_settings = ["vgpu.hotmigrate.enabled"]' "$vinv" >"$W/vsettings.json"
expect_refused vsettings "\`/vcenter/advanced_settings\`: expected an object"
jq '.vcenter.advanced_settings = {"vgpu.hotmigrate.enabled": "tr\nue"}' "$vinv" >"$W/vsetting-nl.json"
expect_refused vsetting-nl "\`/vcenter/advanced_settings/vgpu.hotmigrate.enabled\`: holds the control or invisible character U+000A"
jq '.hosts[0].vms[0].name = "ml-01\nvm evil { gpu vgpu L40-48Q }"' "$vinv" >"$W/vnewline.json"
expect_refused vnewline "\`/hosts/0/vms/0/name\`: holds the control or invisible character U+000A"
jq '.cluster.drs_groups[0].members[0] = "esx-04\u2028"' "$vinv" >"$W/vdrsname.json"
expect_refused vdrsname "\`/cluster/drs_groups/0/members/0\`: holds the control or invisible character U+2028"
jq '.hosts[0].gpus[0].passthrough_active = "yes"' "$vinv" >"$W/vactive.json"
expect_refused vactive "\`/hosts/0/gpus/0/passthrough_active\`: expected a boolean"
jq '.hosts[0].default_graphics_type = 7' "$vinv" >"$W/vgraphics.json"
expect_refused vgraphics "\`/hosts/0/default_graphics_type\`: expected a string"
bad_doc hnewline '{"inventory_version": 1, "platform": "hyperv", "cluster": null, "hosts": [{"name": "h1\nh2", "reachable": true}]}'
expect_refused hnewline "\`/hosts/0/name\`: holds the control or invisible character U+000A"
expect_located hnewline
# hostile but valid names: quoted strings, the file parses, nothing expands
jq '(.hosts[0].vms[0].name) = "ml-*" | (.hosts[0].vms[1].name) = "vdi \"q\" ;`$x" | (.hosts[0].vms[2].name) = "vdi-é-ünï" | (.hosts[1].vms[0].name) = "训练-01"
    | .cluster.drs_groups[1].members = ["vdi-é-ünï"] | .cluster.drs_rules[0].enabled = true' "$vinv" >"$W/vhostile.json"
run import -o "$W/vhostile.vgpu" "$W/vhostile.json"
check "hostile vSphere names: import exits 0" rc_is 0
check "hostile vSphere names: a wildcard is a string" grep -qF 'vm "ml-*" {' "$W/vhostile.vgpu"
# shellcheck disable=SC2016 # the name holds a literal `$x`
check "hostile vSphere names: quotes are escaped" grep -qF 'vm "vdi \"q\" ;`$x" {' "$W/vhostile.vgpu"
check "hostile vSphere names: accented names are strings" grep -qF 'vm "vdi-é-ünï" {' "$W/vhostile.vgpu"
check "hostile vSphere names: CJK names are strings" grep -qF 'vm "训练-01" {' "$W/vhostile.vgpu"
check "hostile vSphere names: a DRS-bound VM gets its host group" grep -qF 'host   esx-04' "$W/vhostile.vgpu"
run fmt --check "$W/vhostile.vgpu"
check "hostile vSphere names: the imported file parses and is canonical" rc_is 0
run lint --no-config -q "$W/vhostile.vgpu"
check "hostile vSphere names: lint reads every name (no syntax error)" err_lacks "VG1001"

# the Hyper-V import names A2/A16 by the PnP subsystem (SUBSYS_ssssvvvv), which
# a dismounted device's name ("3D Video Controller") does not say
jq '(.hosts[] | .gpus[] | select(.device_id == "25B6") | .subsystem_id) = "157E10DE"' "$inv" >"$W/subsys.json"
run import "$W/subsys.json"
check "PnP subsystem 157E10DE is the A2" out_has "gpu A2 x"
check "PnP subsystem: no comment that the model is unknown" out_lacks "is one of A2, A16"
