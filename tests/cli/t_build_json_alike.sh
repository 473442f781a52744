#!/bin/sh
# t_build_json_alike.sh - `build --target json` copies the members of a VM's
# object it shares with the VM before it (backends/json.c, same_middle)
# instead of writing them again. The file holds VMs each differing from the
# one before in one of those members (mode, profile, model, count, guest
# driver, os, migration, pinned host, allowed hosts, memory, firmware,
# generation, MMIO) and pairs written alike; the output must be byte for byte
# that of the writer before the copy existed (data/json-alike.expected.json,
# written by it).
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

# two JSON documents (one per cluster), read as one array
jq_slurp_true() { jq -e -s "$1" "$2" >/dev/null 2>&1; }

cp "$REPO/tests/cli/data/json-alike.vgpu" .
run build --no-config -q --today 2026-11-21 --target json --stdout json-alike.vgpu
check "VMs written alike and not: exit 0" rc_is 0
check "VMs written alike and not: the JSON of the writer without the copy, byte for byte" \
    cmp -s "$OUT" "$REPO/tests/cli/data/json-alike.expected.json"
check "VMs written alike and not: the VM pinned after one that is not names its host" \
    jq_slurp_true '.[0].cluster.vms[] | select(.name == "pinned") | .host == "hci-node-02"' "$OUT"
check "VMs written alike and not: the VM after it, allowed two hosts, names them" \
    jq_slurp_true '.[0].cluster.vms[] | select(.name == "allowed-12") | .hosts == ["hci-node-01", "hci-node-02"]' "$OUT"
