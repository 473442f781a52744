#!/usr/bin/env node
// check-cmdlets.mjs - every cmdlet call in generated scripts must fit one
// documented parameter set (docs/backends.md: no invented cmdlets or parameters).
//
//   node tests/validators/check-cmdlets.mjs FILE...
//   exit 0 = every call fits; 1 = problems, printed as FILE:LINE:COL: message; 2 = usage/IO error
//
// The tables are cmdlets/*.tsv (one row per parameter per set, with sources).
// A call is checked when its name is in a table; a Verb-Noun command whose
// noun is in the Hyper-V / FailoverClusters / PnpDevice / PowerCLI naming
// space and that is neither in a table nor a function of the script is an
// invented cmdlet. Named parameters (also `-Name:$v`, and the keys of a
// hashtable literal splatted with @var) must all belong to one set, and that
// set's mandatory parameters must be given, or come from the pipeline where
// the details table says the parameter takes pipeline input. Aliases come
// from the details table; common parameters are always allowed; -WhatIf and
// -Confirm only where the table lists them. Positional arguments are rejected:
// generated scripts name every parameter. A PowerCLI call whose matching set has
// -Server must pass it (the connection the script opened).
import { readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadParser, prepare } from './ps-syntax-check.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const COMMON = new Set(['verbose', 'debug', 'erroraction', 'warningaction', 'informationaction', 'errorvariable',
    'warningvariable', 'informationvariable', 'outvariable', 'outbuffer', 'pipelinevariable', 'progressaction']);
const NAMESPACE = /^[a-z]+-(vm|cluster|pnp|vi|drs|esxcli|passthroughdevice|advancedsetting|vgpu|gpu)/i;

function readTsv(path) {
    const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim());
    const head = lines.shift().split('\t');
    return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [head[i], v])));
}

export function loadTables(dir = join(here, 'cmdlets')) {
    const cmdlets = new Map(); // lower name -> { name, sets: Map(set -> Map(lower param -> {name, mandatory, switch})), alias: Map, pipeline: Set }
    for (const f of ['hyperv-cmdlets.tsv', 'powercli-cmdlets.tsv']) {
        for (const r of readTsv(join(dir, f))) {
            const key = r.cmdlet.toLowerCase();
            if (!cmdlets.has(key)) cmdlets.set(key, { name: r.cmdlet, sets: new Map(), alias: new Map(), pipeline: new Set(), powercliSets: new Set() });
            const c = cmdlets.get(key);
            if (f === 'powercli-cmdlets.tsv') c.powercliSets.add(r.parameter_set);
            if (!c.sets.has(r.parameter_set)) c.sets.set(r.parameter_set, new Map());
            c.sets.get(r.parameter_set).set(r.parameter.toLowerCase(), {
                name: r.parameter, mandatory: r.mandatory === 'yes', switch: /^SwitchParameter/.test(r.type),
            });
        }
    }
    for (const r of readTsv(join(dir, 'hyperv-cmdlet-param-details.tsv'))) {
        const c = cmdlets.get(r.cmdlet.toLowerCase());
        if (!c) continue;
        for (const a of (r.aliases || '').split(/[,;]\s*/).filter(Boolean)) c.alias.set(a.toLowerCase(), r.parameter.toLowerCase());
        if (/^True/i.test(r.pipeline_input || '')) c.pipeline.add(r.parameter.toLowerCase());
    }
    return cmdlets;
}

function* walk(node) {
    yield node;
    for (let i = 0; i < node.childCount; i++) yield* walk(node.child(i));
}

// Keys of every `$name = @{ ... }` in the script, for splatting.
function splatTables(root) {
    const t = new Map();
    for (const n of walk(root)) {
        if (n.type !== 'hash_literal_expression') continue;
        let a = n.parent;
        while (a && a.type !== 'assignment_expression') a = a.parent;
        if (!a) continue;
        const m = /^\$([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(a.text);
        if (!m) continue;
        const keys = [];
        for (const k of walk(n)) if (k.type === 'key_expression') keys.push(k.text.trim().replace(/^['"]|['"]$/g, ''));
        t.set(m[1].toLowerCase(), keys);
    }
    return t;
}

function isParamSwitch(c, p) {
    for (const set of c.sets.values()) if (set.has(p)) return set.get(p).switch;
    return false;
}

export function checkTree(tree, cmdlets) {
    const out = [];
    const functions = new Set();
    for (const n of walk(tree.rootNode))
        if (n.type === 'function_statement') {
            const nm = n.children.find((k) => k.type === 'function_name');
            if (nm) functions.add(nm.text.toLowerCase());
        }
    const splats = splatTables(tree.rootNode);
    for (const n of walk(tree.rootNode)) {
        if (n.type !== 'command') continue;
        const nameNode = n.children.find((k) => k.type === 'command_name');
        if (!nameNode) continue;
        const name = nameNode.text;
        const where = `${n.startPosition.row + 1}:${n.startPosition.column + 1}`;
        const c = cmdlets.get(name.toLowerCase());
        if (!c) {
            if (NAMESPACE.test(name) && !functions.has(name.toLowerCase()))
                out.push(`${where}: \`${name}\` is not a documented cmdlet (not in the cmdlet tables)`);
            continue;
        }
        let prev = n.previousSibling;
        const piped = prev && prev.type === '|';
        const elems = n.children.find((k) => k.type === 'command_elements');
        const items = elems ? elems.children.filter((k) => k.type !== 'command_argument_sep' || k.text.trim() === ':') : [];
        const used = [];
        for (let i = 0; i < items.length; i++) {
            const it = items[i];
            if (it.type === 'command_parameter') {
                let p = it.text.replace(/^-/, '').replace(/:$/, '').toLowerCase();
                p = c.alias.get(p) || p;
                used.push({ p, text: it.text });
                const colon = items[i + 1] && items[i + 1].type === 'command_argument_sep';
                if (colon) i += 2;
                else if (!isParamSwitch(c, p) && p !== 'verbose' && p !== 'debug' && i + 1 < items.length && items[i + 1].type !== 'command_parameter') i++;
                continue;
            }
            const sp = /^@([A-Za-z_][A-Za-z0-9_]*)$/.exec(it.text.trim());
            if (sp && splats.has(sp[1].toLowerCase())) {
                for (const k of splats.get(sp[1].toLowerCase())) used.push({ p: c.alias.get(k.toLowerCase()) || k.toLowerCase(), text: `@${sp[1]}.${k}` });
                continue;
            }
            out.push(`${where}: \`${c.name}\`: positional argument \`${it.text.slice(0, 30)}\` (name every parameter)`);
        }
        const named = used.filter((u) => !COMMON.has(u.p));
        const fits = [];
        const why = [];
        for (const [setName, set] of c.sets) {
            const unknown = named.filter((u) => !set.has(u.p)).map((u) => u.text);
            const given = new Set(named.map((u) => u.p));
            const missing = [...set.values()].filter((d) => d.mandatory && !given.has(d.name.toLowerCase()) &&
                !(piped && c.pipeline.has(d.name.toLowerCase()))).map((d) => '-' + d.name);
            if (!unknown.length && !missing.length) fits.push(setName);
            else why.push(`${setName}: ${unknown.length ? 'not in set ' + unknown.join(' ') : ''}${unknown.length && missing.length ? '; ' : ''}${missing.length ? 'missing ' + missing.join(' ') : ''}`);
        }
        if (!fits.length) out.push(`${where}: \`${c.name}\` fits no documented parameter set (${why.join(' | ')})`);
        // PowerCLI: a call that can name its connection must (docs/backends.md, vSphere): without
        // -Server it acts on every default server, so another open vCenter session leaks in.
        // (Get-VM, Start-VM ... exist in Hyper-V too: only a call that fits PowerCLI sets alone.)
        if (fits.length && fits.every((f) => c.powercliSets.has(f)) && !named.some((u) => u.p === 'server') &&
            fits.some((f) => c.sets.get(f).has('server')))
            out.push(`${where}: \`${c.name}\` without -Server (name the connection the script opened)`);
    }
    return out;
}

async function main(files) {
    if (!files.length) {
        console.error('usage: check-cmdlets.mjs FILE...');
        return 2;
    }
    let parser, cmdlets;
    try {
        parser = await loadParser();
        cmdlets = loadTables();
    } catch (e) {
        console.error(`check-cmdlets: ${e.message}`);
        return 2;
    }
    let bad = 0, calls = 0;
    for (const f of files) {
        let text;
        try {
            text = readFileSync(f, 'utf8');
        } catch (e) {
            console.error(`check-cmdlets: ${f}: ${e.message}`);
            return 2;
        }
        const tree = parser.parse(prepare(text));
        for (const n of walk(tree.rootNode)) if (n.type === 'command') calls++;
        for (const p of checkTree(tree, cmdlets)) {
            console.log(`${f}:${p}`);
            bad = 1;
        }
        tree.delete();
    }
    if (!bad) console.error(`check-cmdlets: ${files.length} file(s), ${calls} command call(s) checked`);
    return bad;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href)
    process.exitCode = await main(process.argv.slice(2));
