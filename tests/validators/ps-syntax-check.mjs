#!/usr/bin/env node
// ps-syntax-check.mjs - parse PowerShell scripts with tree-sitter-powershell
// and report every ERROR or MISSING node (docs/sources.md, Tools).
//
//   node tests/validators/ps-syntax-check.mjs FILE...
//   exit 0 = all clean; 1 = problems, printed as FILE:LINE:COL: ERROR|MISSING "text"; 2 = usage/IO error
//
// The grammar has known gaps, handled here: numeric multipliers are
// lower-cased before parsing (the grammar knows only `1gb`), bare command
// arguments are scanned for an unterminated quote (the grammar accepts
// `vm1'`), and a file with no statement at all is valid. Uses the WASM
// runtime (web-tree-sitter) with V8 Liftoff only, which keeps a run near
// 0.2 s instead of 10 s. The modules come from $VGPUC_NODE_MODULES or
// tools/validators/node_modules.
import { readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';

v8.setFlagsFromString('--liftoff-only');

const here = dirname(fileURLToPath(import.meta.url));
export const modulesDir = process.env.VGPUC_NODE_MODULES ||
    resolve(here, '..', '..', 'tools', 'validators', 'node_modules');

export async function loadParser() {
    const ts = await import(pathToFileURL(join(modulesDir, 'web-tree-sitter', 'tree-sitter.js')).href);
    await ts.Parser.init();
    const lang = await ts.Language.load(join(modulesDir, 'tree-sitter-powershell', 'tree-sitter-powershell.wasm'));
    const parser = new ts.Parser();
    parser.setLanguage(lang);
    return parser;
}

// Same length and line structure as the input, so positions stay right.
export function prepare(text) {
    if (text.charCodeAt(0) === 0xfeff) text = ' ' + text.slice(1);
    return text.replace(/\b(\d+(?:\.\d+)?)(kb|mb|gb|tb|pb)\b/gi, (m) => m.toLowerCase());
}

const QUOTES = /['"\u2018\u2019\u201a\u201b\u201c\u201d\u201e]/g;

function* walk(node) {
    yield node;
    for (let i = 0; i < node.childCount; i++) yield* walk(node.child(i));
}

export function problems(tree) {
    const out = [];
    for (const n of walk(tree.rootNode)) {
        const where = `${n.startPosition.row + 1}:${n.startPosition.column + 1}`;
        if (n.isMissing) out.push(`${where}: MISSING "${n.type}"`);
        else if (n.type === 'ERROR') out.push(`${where}: ERROR "${n.text.slice(0, 40).replace(/\n/g, '\\n')}"`);
        else if (n.type === 'generic_token' && ((n.text.match(QUOTES) || []).length % 2) === 1)
            out.push(`${where}: ERROR "unterminated string in bare word ${n.text.slice(0, 40)}"`);
    }
    return out;
}

function onlyComments(text) {
    return text.split('\n').every((l) => /^\s*(#.*)?$/.test(l.replace(/^\ufeff/, '')));
}

async function main(files) {
    if (files.length === 0) {
        console.error('usage: ps-syntax-check.mjs FILE...');
        return 2;
    }
    let parser;
    try {
        parser = await loadParser();
    } catch (e) {
        console.error(`ps-syntax-check: cannot load tree-sitter from ${modulesDir}: ${e.message}`);
        return 2;
    }
    let bad = 0;
    for (const f of files) {
        let text;
        try {
            text = readFileSync(f, 'utf8');
        } catch (e) {
            console.error(`ps-syntax-check: ${f}: ${e.message}`);
            return 2;
        }
        if (onlyComments(text)) continue;
        const tree = parser.parse(prepare(text));
        for (const p of problems(tree)) {
            console.log(`${f}:${p}`);
            bad = 1;
        }
        tree.delete();
    }
    return bad;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href)
    process.exitCode = await main(process.argv.slice(2));
