#!/bin/sh
# t_inventory.sh - `vgpuc inventory`: the script written is the repository's
# read-only inventory script byte for byte (what the twin tests), to stdout, to
# a file (default name or -o), atomically; bad usage exits 2 and writes nothing.
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

src=$REPO/backends/powershell/inventory-hyperv.ps1

run inventory --target hyperv --stdout
check "inventory --stdout exits 0" rc_is 0
check "inventory --stdout is the repository script" cmp -s "$OUT" "$src"
check "inventory --stdout prints nothing on stderr" err_empty

run inventory --target hyperv
check "inventory writes inventory-hyperv.ps1 by default" cmp -s "$W/inventory-hyperv.ps1" "$src"
check "inventory names the file it wrote" err_has "wrote inventory-hyperv.ps1"

run inventory --target hyperv -o "$W/inv.ps1"
check "inventory -o FILE writes FILE" cmp -s "$W/inv.ps1" "$src"

run inventory --target hyperv -o "$W/no/such/dir/inv.ps1"
check "an unwritable -o exits 2" rc_is 2
check "an unwritable -o names the path" err_has "no/such/dir/inv.ps1"
check "an unwritable -o leaves no file" test ! -e "$W/no/such/dir/inv.ps1"

rm -f "$W/inventory-hyperv.ps1"
run inventory
check "inventory without --target exits 2" rc_is 2
check "inventory without --target says what it needs" err_has "\`vgpuc inventory --target\` takes hyperv|vmware"
check "inventory without --target writes nothing" test ! -e "$W/inventory-hyperv.ps1"
vsrc=$REPO/backends/powershell/inventory-vmware.ps1
run inventory --target vmware --stdout
check "inventory --target vmware --stdout exits 0" rc_is 0
check "inventory --target vmware --stdout is the repository's vSphere script" cmp -s "$OUT" "$vsrc"
run inventory --target vmware
check "inventory --target vmware writes inventory-vmware.ps1 by default" cmp -s "$W/inventory-vmware.ps1" "$vsrc"
run inventory --target json --stdout
check "inventory --target json exits 2" rc_is 2
check "inventory --target json prints no script" out_empty
run inventory --target hyperv some.vgpu
check "inventory takes no files" rc_is 2
run inventory --target hyperv --stdout -o x.ps1
check "inventory --stdout with -o exits 2" rc_is 2

run inventory --help
check "inventory --help shows the usage" out_has "usage: vgpuc inventory --target hyperv"
run help
check "the general help lists inventory" out_has "inventory"

# Set-StrictMode and New-Object change no host; any other such verb would.
no_mutating_verb() {
    ! grep -nE '\b(Set|Add|Remove|New|Start|Stop|Disable|Enable|Dismount|Mount|Suspend|Resume|Update|Restart)-[A-Z][A-Za-z]+' "$1" |
        grep -vE 'Set-StrictMode|New-Object'
}
# The vSphere API's changing methods (vmware.ps1 calls these) must not appear either.
no_mutating_method() {
    ! grep -nE '\.(Update[A-Za-z]*|ReconfigVM[A-Za-z_]*|RestartService|RebootHost[A-Za-z_]*|ShutdownGuest|PowerO[nf]+VM[A-Za-z_]*|Refresh[A-Za-z]*)\(' "$1"
}
for s in "$src" "$vsrc"; do
    b=$(basename "$s")
    check "$b is read-only: no mutating verb in it" no_mutating_verb "$s"
    check "$b is read-only: no changing vSphere API method in it" no_mutating_method "$s"
    check "$b declares Windows PowerShell 5.1" grep -q '^#Requires -Version 5.1' "$s"
    check "$b sets StrictMode" grep -q '^Set-StrictMode -Version Latest' "$s"
done
