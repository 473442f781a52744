#!/bin/sh
# bench-rollout.sh - time `vgpuc rollout` on a 64-host, 2,000-VM Azure Stack
# HCI A16 GPU-P cluster (1,950 vGPU VMs, 50 DDA VMs, tolerate-host-failures 1):
# 16.5 -> 19.5 (64 host steps and one guest step) and 16.5 -> 20.1 (through
# 19.5: twice that). Prints the states checked and the best of 3 wall and CPU
# times of each (docs/rollout.md, Performance).
#
#   sh tools/bench-rollout.sh [VGPUC]
set -u
VGPUC=${1:-./vgpuc}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

estate() {
    cat <<VGPU
license-server dls {
    kind     dls
    version  3.5.0
    editions vws vpc vapps
}

cluster big {
    platform               azure-stack-hci 22H2
    vgpu-manager           $1
    license-server         dls
    gpu-partitions         4
    tolerate-host-failures 1

    host node-[01..64] {
        gpu A16 x 3
    }

    vm vdi-[0001..1950] {
        gpu          vgpu A16-4Q
        guest-driver $1
        migration    restart
    }

    vm cad-[01..50] {
        gpu       passthrough A16
        migration restart
    }
}
VGPU
}
estate 16.5 >"$tmp/16.vgpu"
estate 19.5 >"$tmp/19.vgpu"
estate 20.1 >"$tmp/20.vgpu"

for to in 19 20; do
    best_wall=999 best_cpu=999
    for _ in 1 2 3; do
        /usr/bin/time -f '%e %U %S' -o "$tmp/time" "$VGPUC" rollout -q --no-config --today 2026-11-21 -f json \
            "$tmp/16.vgpu" "$tmp/$to.vgpu" >"$tmp/out.json" 2>/dev/null
        read -r wall user sys <"$tmp/time"
        cpu=$(echo "$user + $sys" | bc)
        best_wall=$(echo "if ($wall < $best_wall) $wall else $best_wall" | bc)
        best_cpu=$(echo "if ($cpu < $best_cpu) $cpu else $best_cpu" | bc)
    done
    states=$(jq '.states_checked' "$tmp/out.json")
    steps=$(jq '[.clusters[].steps[]] | length' "$tmp/out.json")
    printf 'rollout 64 hosts, 2000 VMs, 16.5 -> %s: %s steps, %s states checked, best wall %ss, cpu %ss\n' \
        "$([ "$to" = 19 ] && echo 19.5 || echo 20.1)" "$steps" "$states" "$best_wall" "$best_cpu"
done
