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
check "inventory without --target says what it needs" err_has "needs \`--target hyperv\`"
check "inventory without --target writes nothing" test ! -e "$W/inventory-hyperv.ps1"
run inventory --target vmware --stdout
check "inventory --target vmware (not written yet) exits 2" rc_is 2
check "inventory --target vmware prints no script" out_empty
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
check "the inventory script is read-only: no mutating verb in it" no_mutating_verb "$src"
check "the inventory script declares Windows PowerShell 5.1" grep -q '^#Requires -Version 5.1' "$src"
check "the inventory script sets StrictMode" grep -q '^Set-StrictMode -Version Latest' "$src"
