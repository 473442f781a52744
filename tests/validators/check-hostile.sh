#!/bin/sh
# check-hostile.sh - hostile names stay data. tests/golden/build/hostile.vgpu
# names a cluster, a host and VMs with quotes, $(), backticks, semicolons and
# the Unicode quotes (a name with a newline is refused, VG1011); the front end
# accepts them, so the proof is
# in the generated script: parsed with tree-sitter, each name must be the
# value of one single-quoted string literal (a name with a control character:
# one parenthesised sum of such literals and [char]0xXXXX values, so that no
# raw control character reaches the script), and no command that a name
# smuggles in (Remove-Item, Stop-Computer) may appear as a command.
#
#   VGPUC=/path/to/vgpuc sh tests/validators/check-hostile.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
: "${VGPUC:?set VGPUC to the vgpuc binary}"

"$VGPUC" build -q --today 2026-11-21 -o "$tmp" "$root/tests/golden/build/hostile.vgpu" 2>"$tmp/err" || {
    echo "check-hostile: build failed"
    cat "$tmp/err"
    exit 1
}
node --input-type=module - "$here/ps-syntax-check.mjs" "$tmp"/*.ps1 <<'JS'
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [checker, script] = process.argv.slice(2);
const { loadParser, prepare, problems } = await import(pathToFileURL(checker).href);
const names = [
    "hostile'; Remove-Item C:\\ -Recurse; '",
    'h$(Stop-Computer)`1',
    "vm'); Stop-Computer; #",
    'vm\u2018one\u2019',
    'vm "quoted" ;`$x',
];
const parser = await loadParser();
const tree = parser.parse(prepare(readFileSync(script, 'utf8')));
let bad = problems(tree);
const literals = new Set();
const commands = [];
(function walk(n) {
    if (n.type === 'verbatim_string_characters')
        literals.add(n.text.slice(1, -1).replace(/''/g, "'").replace(/([\u2018\u2019\u201a\u201b])\1/g, '$1'));
    if (n.type === 'command_name') commands.push(n.text.toLowerCase());
    const part = "(?:'(?:[^']|'')*'|\\[char\\]0x[0-9A-F]{4})";
    if (n.type === 'parenthesized_expression' && new RegExp(`^\\(${part}(?: \\+ ${part})+\\)$`).test(n.text))
        literals.add(n.text.slice(1, -1).split(/ \+ (?=['\[])/).map((t) => t.startsWith('[')
            ? String.fromCharCode(parseInt(t.slice(8), 16))
            : t.slice(1, -1).replace(/''/g, "'").replace(/([\u2018\u2019\u201a\u201b])\1/g, '$1')).join(''));
    for (let i = 0; i < n.childCount; i++) walk(n.child(i));
})(tree.rootNode);
for (const name of names)
    if (!literals.has(name)) bad.push(`name ${JSON.stringify(name)} is not one string literal`);
for (const c of ['remove-item', 'stop-computer'])
    if (commands.includes(c)) bad.push(`the script runs ${c}`);
for (const b of bad) console.log(`check-hostile: ${b}`);
if (!bad.length) console.error(`check-hostile: ${names.length} hostile names, each one string literal`);
process.exitCode = bad.length ? 1 : 0;
JS
