#!/bin/sh
# t_build_many.sh - a build of several clusters: every script is its own
# cluster's, whole, though build makes them one after the other in one
# buffer (cmd_build.c generate_one): a bigger script before a smaller one,
# to --stdout and to -o.
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

{
    printf 'license-server dls-1 {\n    kind dls\n    version 3.4.1\n    editions vws\n}\n\n'
    printf 'cluster big {\n    platform esxi 8.0u3\n    vgpu-manager 19.1\n    license-server dls-1\n    host h-[01..10] { gpu L40 x 2 }\n'
    printf '    vm vdi-[001..040] {\n        gpu vgpu L40-12Q\n        guest-driver 19.1\n        migration none\n    }\n}\n\n'
    printf 'cluster small {\n    platform esxi 8.0u3\n    vgpu-manager 19.1\n    license-server dls-1\n    host s1 { gpu L4 }\n'
    printf '    vm one {\n        gpu vgpu L4-12Q\n        guest-driver 19.1\n        migration none\n    }\n}\n\n'
    printf 'cluster tiny {\n    platform esxi 8.0u3\n    vgpu-manager 19.1\n    host t1 { gpu L4 }\n}\n'
} >many.vgpu

# the documents of a stream, read as one array
docs_true() { jq -e -s "$1" "$2" >/dev/null 2>&1; }

run build --no-config -q --target json --stdout many.vgpu
check "three clusters to --stdout: exit 0" rc_is 0
check "three clusters to --stdout: three JSON documents, in order" \
    docs_true '[.[].cluster.name] == ["big", "small", "tiny"]' "$OUT"
check "three clusters to --stdout: each with its own VMs only" \
    docs_true '[.[].cluster.vms | length] == [40, 1, 0]' "$OUT"
cp "$OUT" stream.json

mkdir -p out
run build --no-config -q --target json -o out many.vgpu
check "three clusters to -o: exit 0" rc_is 0
check "-o: big.json is big's document alone" docs_true 'length == 1 and .[0].cluster.name == "big" and (.[0].cluster.vms | length) == 40' out/big.json
check "-o: small.json is small's document alone" docs_true 'length == 1 and .[0].cluster.name == "small" and (.[0].cluster.vms | length) == 1' out/small.json
check "-o: tiny.json is tiny's document alone" docs_true 'length == 1 and .[0].cluster.name == "tiny" and (.[0].cluster.vms | length) == 0' out/tiny.json
cat out/big.json out/small.json out/tiny.json >joined.json
check "-o: the files hold the bytes --stdout writes" cmp -s joined.json stream.json

run build --no-config -q -o ps many.vgpu
small_alone() { [ "$(grep -c 'vdi-001' ps/small.ps1)" = 0 ] && grep -q 'one' ps/small.ps1; }
check "PowerShell to -o: small.ps1 holds none of big's VMs" small_alone
