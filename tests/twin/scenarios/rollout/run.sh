#!/bin/sh
# run.sh - the rollout scripts in the twin (docs/testing.md, "Rollout
# scenarios"): Invoke-RolloutScenarios.ps1 generates each case's script with
# `vgpuc rollout -o`, its state from CURRENT, and runs converge, rerun,
# preview, a fault at every mutating call and the resumed run, pre-flight
# refusals and a rollout through an intermediate release. Fails, never
# skips, when pwsh is missing (`make deps` installs it).
#
#   VGPUC=/abs/path/vgpuc sh tests/twin/scenarios/rollout/run.sh [-Filter 'hci-small*']
set -u
here=$(cd "$(dirname "$0")" && pwd)
PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v pwsh >/dev/null 2>&1; then
    echo "twin-rollout: pwsh not found on PATH (run 'make deps')"
    echo "0 passed, 1 failed"
    exit 1
fi
VGPUC=${VGPUC:-vgpuc}
work=$(mktemp -d) || exit 2
trap 'rm -rf "$work"' EXIT INT TERM
pwsh -NoProfile -NonInteractive -File "$here/../Invoke-RolloutScenarios.ps1" -Vgpuc "$VGPUC" -Work "$work" "$@"
