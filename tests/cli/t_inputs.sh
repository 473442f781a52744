#!/bin/sh
# t_inputs.sh - stdin, directories, missing files, includes of directories.
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

fixture_warning warn.vgpu
fixture_error bad.vgpu

run_in warn.vgpu lint -
check "stdin is read with -" rc_is 1
check "stdin is named <stdin>" out_has "<stdin>:"
run_in warn.vgpu lint --stdin-filename clusters/prod.vgpu -
check "--stdin-filename names stdin" out_has "clusters/prod.vgpu:"

mkdir -p tree/sub/deeper tree/.hidden tree/empty empty
fixture_warning tree/a.vgpu
fixture_error tree/sub/deeper/b.vgpu
fixture_error tree/.hidden/c.vgpu
cp warn.vgpu tree/notes.txt
run lint -f short tree
check "a directory is searched recursively" out_has "tree/sub/deeper/b.vgpu:"
check "a directory's files are all checked" out_has "tree/a.vgpu:"
check "hidden folders are skipped" out_lacks "c.vgpu"
check "only *.vgpu files are read" out_lacks "notes.txt"
check "the summary counts the files" err_has "in 2 files"
run lint -f short tree/
check "a trailing slash gives clean paths" out_has "tree/a.vgpu:"
run lint empty
check "a directory without .vgpu files exits 2" rc_is 2
check "a directory without .vgpu files says so" out_has "no \`.vgpu\` files"
run lint missing.vgpu
check "a missing file exits 2" rc_is 2
check "a missing file is VG1009" out_has "[VG1009]"

mkdir inc
printf 'include "inc"\n' >incdir.vgpu
run lint incdir.vgpu
check "including a directory is VG1009" out_has "[VG1009]"
check "including a directory is a finding (exit 1)" rc_is 1
printf 'include "nope.vgpu"\n' >incmissing.vgpu
run lint incmissing.vgpu
check "a missing include is VG1009" out_has "[VG1009]"
run lint warn.vgpu warn.vgpu
check "a file given twice is read once" out_lacks "[VG1004]"
