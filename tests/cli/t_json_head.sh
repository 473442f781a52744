#!/bin/sh
# t_json_head.sh - every JSON document vgpuc writes starts with the one head
# of base/json.h: "format_version" a "MAJOR.MINOR" string, then "tool", an
# object with the name "vgpuc" and the version `vgpuc --version` prints.
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

E=$REPO/examples
G=$REPO/tests/golden/rollout/in
version=$("$VGPUC" --version | sed 's/^vgpuc //')
# the head, and nothing before it: the first two keys in this order
# shellcheck disable=SC2016 # a jq program: $v is jq's
HEAD='(keys_unsorted[0:2] == ["format_version", "tool"]) and
      (.format_version | type == "string" and test("^[0-9]+\\.[0-9]+$")) and
      (.tool | type == "object" and keys_unsorted == ["name", "version"]) and
      (.tool.name == "vgpuc") and (.tool.version == $v)'
has_head() { jq -e --arg v "$version" "$HEAD" "$OUT" >/dev/null 2>&1; }

run lint --no-config -f json "$E/hci-a16-gpup.vgpu"
check "lint -f json: the shared head" has_head
run plan --no-config -f json "$E/hci-a16-gpup.vgpu"
check "plan -f json: the shared head" has_head
run build --no-config -q --target json --stdout "$E/hci-a16-gpup.vgpu"
check "build --target json: the shared head" has_head
run rollout --no-config -q -f json "$G/hci-16.5.vgpu" "$G/hci-19.5.vgpu"
check "rollout -f json: the shared head" has_head
run catalog --format json
check "catalog --format json: the shared head" has_head
run catalog --format json gpus
check "catalog --format json gpus: the shared head" has_head
run rules --format json
check "rules --format json: the shared head" has_head
# the placement of a GPU: the same first members in plan and build
run plan --no-config -f json "$E/hci-a16-gpup.vgpu"
jq -c '[.clusters[0].hosts[0].gpus[0] | to_entries[0:5][] | .key]' "$OUT" >"$S/plan.keys"
jq -c '.clusters[0].hosts[0].gpus[0] | [.index, .board, .model, .use, .profile]' "$OUT" >"$S/plan.vals"
run build --no-config -q --target json --stdout "$E/hci-a16-gpup.vgpu"
jq -c '[.cluster.hosts[0].pgpus[0] | to_entries[0:5][] | .key]' "$OUT" >"$S/build.keys"
jq -c '.cluster.hosts[0].pgpus[0] | [.index, .board, .model, .use, .profile]' "$OUT" >"$S/build.vals"
same_keys() { [ -s "$S/plan.keys" ] && cmp -s "$S/plan.keys" "$S/build.keys" && grep -qF '["index","board","model","use","profile"]' "$S/plan.keys"; }
check "plan and build: a GPU's placement starts with the same members" same_keys
same_vals() { [ -s "$S/plan.vals" ] && cmp -s "$S/plan.vals" "$S/build.vals"; }
check "plan and build: the same values for the same GPU" same_vals
