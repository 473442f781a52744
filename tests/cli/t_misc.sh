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
