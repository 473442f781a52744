#!/bin/sh
# tests/validators/check-svg.sh - `vgpuc plan --format svg` draws valid pictures.
#
# For every example (and one placement with a failing failover and unplaced
# VMs): render the plan as SVG, check that it is well-formed XML with an <svg>
# root (python3's xml.dom.minidom), then render it with headless Chromium to a
# PNG and check that a non-empty PNG came out. Without Chromium the rendering
# step is skipped with a message (`make deps` installs it).
#
#   VGPUC=/abs/path/vgpuc sh tests/validators/check-svg.sh
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
VGPUC=${VGPUC:-$root/vgpuc}

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1))
    printf 'FAIL %s\n' "$1"
}

# A cluster whose plan has a pass-through GPU, unplaced VMs, a failing
# failover and names that need escaping.
cat >"$tmp/stress.vgpu" <<'EOF'
license-server dls { kind dls; version 3.5.0 }
cluster "c<&>'\"" {
    platform esxi 8.0u2
    vgpu-manager 19.2
    license-server dls
    tolerate-host-failures 1
    host esx-[01..02] { gpu L40 x 2 }
    vm "a&b <vm>" { gpu passthrough L40; migration none }
    vm vm-[01..05] { gpu vgpu L40-24Q; guest-driver 19.2 }
    vm big-[01..02] { gpu vgpu L40-48Q; guest-driver 19.2 }
}
EOF

chrome=
for c in chromium chromium-browser google-chrome; do
    if command -v "$c" >/dev/null 2>&1; then
        chrome=$c
        break
    fi
done
[ -n "$chrome" ] || echo "chromium is not installed: skipping the rendering step (make deps installs it)"

for input in "$root"/examples/*.vgpu "$tmp/stress.vgpu"; do
    [ -e "$input" ] || continue
    name=$(basename "$input" .vgpu)
    svg=$tmp/$name.svg
    "$VGPUC" plan --format svg --color never -q "$input" >"$svg" 2>"$tmp/err"
    rc=$?
    if [ "$rc" = 2 ] || [ ! -s "$svg" ]; then
        fail "$name: no SVG (exit $rc)"
        head -n 5 "$tmp/err"
        continue
    fi
    if python3 -c 'import sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
root = doc.documentElement
sys.exit(0 if root.tagName == "svg" and root.getAttribute("xmlns") == "http://www.w3.org/2000/svg" else 1)' "$svg"; then
        pass
    else
        fail "$name: the SVG is not well-formed XML with an <svg> root"
        continue
    fi
    [ -n "$chrome" ] || continue
    png=$tmp/$name.png
    "$chrome" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$tmp/profile" \
        --screenshot="$png" --window-size=1400,1000 "file://$svg" >"$tmp/chrome.log" 2>&1
    if [ -s "$png" ] && [ "$(head -c 4 "$png" | od -An -c | tr -d ' ')" = '211PNG' ]; then
        pass
        [ -n "${KEEP_PNG:-}" ] && cp "$png" "$KEEP_PNG/$name.png"
    else
        fail "$name: chromium did not render the SVG"
        tail -n 5 "$tmp/chrome.log"
    fi
done

# What the picture must show: the failover reserve and the legend (example with K=1).
"$VGPUC" plan --format svg -q "$root/examples/esxi-l40-vgpu.vgpu" >"$tmp/esx.svg" 2>/dev/null
for want in 'class="free reserve"' 'failover reserve: a free GPU' 'class="pt"' '>legend<'; do
    if grep -qF "$want" "$tmp/esx.svg"; then pass; else fail "esxi-l40-vgpu SVG lacks $want"; fi
done
# ... and a host whose loss leaves VMs down is outlined (the stress plan fails over badly).
"$VGPUC" plan --format svg -q "$tmp/stress.vgpu" >"$tmp/stress2.svg" 2>/dev/null
if grep -qF 'class="hostbox failing"/>' "$tmp/stress2.svg" && grep -qF 'down)' "$tmp/stress2.svg"; then
    pass
else
    fail "the stress SVG does not mark the failing hosts"
fi

# `vgpuc rollout --format svg`: the timeline of a drain and of a rolling
# upgrade through an intermediate release, with a name that needs escaping.
cat >"$tmp/rstress.vgpu" <<'EOF'
license-server dls { kind dls; version 3.5.0; editions vws }
cluster "r<&>'\"" {
    platform esxi 8.0u2
    vgpu-manager 19.2
    license-server dls
    host esx-[01..03] { gpu L40 }
    vm "a&b <vm>" { gpu vgpu L40-12Q; guest-driver 19.2; os linux }
}
EOF
g=$root/tests/golden/rollout/in
for args in "--drain esx-01 $tmp/rstress.vgpu" "$g/hci-16.5.vgpu $g/hci-20.1.vgpu"; do
    # shellcheck disable=SC2086 # two words: options and files
    "$VGPUC" rollout --format svg --color never -q --today 2026-11-21 $args >"$tmp/r.svg" 2>"$tmp/err"
    if [ -s "$tmp/r.svg" ] && python3 -c 'import sys, xml.dom.minidom
d = xml.dom.minidom.parse(sys.argv[1])
sys.exit(0 if d.documentElement.tagName == "svg" else 1)' "$tmp/r.svg" 2>"$tmp/xml"; then
        pass
    else
        fail "rollout $args: the SVG is not well-formed: $(tail -n 1 "$tmp/xml")"
    fi
done
"$VGPUC" rollout --format svg -q --today 2026-11-21 --drain esx-01 "$tmp/rstress.vgpu" >"$tmp/r.svg" 2>/dev/null
if grep -qF 'cluster r&lt;&amp;&gt;&apos;&quot;' "$tmp/r.svg" && grep -qF 'class="cell drained"' "$tmp/r.svg"; then
    pass
else
    fail "the rollout SVG does not escape the cluster name or mark the drained host"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
