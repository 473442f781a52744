#!/bin/sh
# t_misc.sh - --version, help, COMMAND --help.
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

run --version
check "--version exits 0" rc_is 0
check "--version prints the version" out_has "vgpuc 0.1.0"
run --help
check "--help exits 0" rc_is 0
check "--help lists the commands" out_has "explain"
run help
check "help exits 0" rc_is 0
check "help prints the usage" out_has "usage: vgpuc COMMAND"
for cmd in lint build plan fmt explain rules catalog; do
    run help "$cmd"
    check "help $cmd exits 0" rc_is 0
    check "help $cmd shows its usage" out_has "usage: vgpuc $cmd"
    check "help $cmd shows the exit status" out_has "exit status:"
    run "$cmd" --help
    check "$cmd --help exits 0" rc_is 0
done
run help lint
check "lint help lists --fail-on" out_has "--fail-on LEVEL"
check "lint help does not list build options" out_lacks "--target"
run build -h
check "build help lists --target" out_has "--target TARGET"
run help bogus
check "help of an unknown command exits 2" rc_is 2

# The script header records the source path relative to the current folder,
# never absolute: the same input gives the same bytes wherever it is built.
mkdir -p "$W/site/sub"
cp "$REPO/tests/golden/build/esx-vgpu-passthrough.vgpu" "$W/site/sub/esx.vgpu"
(cd "$W/site" && "$VGPUC" build --stdout sub/esx.vgpu >"$S/rel.ps1" 2>/dev/null)
(cd "$W/site" && "$VGPUC" build --stdout "$W/site/sub/esx.vgpu" >"$S/abs.ps1" 2>/dev/null)
(cd "$W/site" && "$VGPUC" build --stdout ./sub/../sub/esx.vgpu >"$S/dots.ps1" 2>/dev/null)
check "build: an absolute source path is written relative to the current folder" \
    grep -qxF '# Source:          sub/esx.vgpu' "$S/abs.ps1"
check "build: absolute and relative source paths give the same bytes" cmp -s "$S/rel.ps1" "$S/abs.ps1"
check "build: ./ and .. in the source path are resolved" cmp -s "$S/rel.ps1" "$S/dots.ps1"
(cd "$W/site/sub" && "$VGPUC" build --stdout "$W/site/sub/esx.vgpu" >"$S/here.ps1" 2>/dev/null)
check "build: a source in the current folder is its file name" grep -qxF '# Source:          esx.vgpu' "$S/here.ps1"
no_absolute_source() { ! grep -q '^# Source: */' "$1"; }
check "build: no header line names an absolute path" no_absolute_source "$S/abs.ps1"
