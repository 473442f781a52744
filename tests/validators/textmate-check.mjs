// textmate-check.mjs - a small TextMate tokenizer (match, begin/end, captures
// with nested patterns, includes) that applies editors/textmate/vgpu.tmLanguage.json
// line by line with JavaScript regexes, and checks the scopes it gives.
//
//   node textmate-check.mjs GRAMMAR EXPECT.tsv SAMPLE [EXAMPLE.vgpu ...]
//
// EXPECT.tsv rows are `line<TAB>token<TAB>occurrence<TAB>kind` for SAMPLE.
// Each EXAMPLE is checked against an independent reading of the file (brace
// nesting, statement starts, strings, comments, ranges, versions). The
// grammar must also suit Oniguruma: lookbehinds of fixed length, no \G.
// Prints failures and a last line `RESULT <passed> <failed>`.
import { readFileSync } from 'node:fs';

const [grammarPath, expectPath, samplePath, ...examples] = process.argv.slice(2);
const grammar = JSON.parse(readFileSync(grammarPath, 'utf8'));
let passed = 0, failed = 0;
const check = (ok, msg) => { if (ok) passed++; else { failed++; console.log('FAIL: ' + msg); } };

// --- Oniguruma compatibility of every regex --------------------------------
const regexes = [];
(function walk(o) {
  if (Array.isArray(o)) { o.forEach(walk); return; }
  if (o && typeof o === 'object') {
    for (const k of ['match', 'begin', 'end']) if (typeof o[k] === 'string') regexes.push(o[k]);
    Object.values(o).forEach(walk);
  }
})(grammar);
for (const re of regexes) {
  let ok = true;
  try { new RegExp(re, 'dg'); } catch (e) { ok = false; }
  check(ok, `regex does not compile in JavaScript: ${re}`);
  check(!/\\[GhHAzZ]|\(\?[imx]|\+\+|\*\+|\?\+/.test(re), `Oniguruma/JS-specific syntax in ${re}`);
  for (const m of re.matchAll(/\(\?<[=!]((?:[^()\\]|\\.)*)\)/g))
    check(!/[*+?{]/.test(m[1].replace(/\\./g, '').replace(/\[[^\]]*\]/g, '')), `variable-length lookbehind in ${re}`);
}

// --- the tokenizer ---------------------------------------------------------
const compiled = new Map();
const rx = (src) => { if (!compiled.has(src)) compiled.set(src, new RegExp(src, 'dg')); return compiled.get(src); };
function resolve(patterns, seen = new Set()) {
  const out = [];
  for (const p of patterns || []) {
    if (p.include) {
      const target = p.include === '$self' || p.include === '$base' ? grammar
        : grammar.repository[p.include.slice(1)];
      if (!target) throw new Error('unknown include ' + p.include);
      if (seen.has(target)) continue;
      const s2 = new Set(seen); s2.add(target);
      out.push(...(target.match || target.begin ? [target] : resolve(target.patterns, s2)));
    } else if (p.match || p.begin) out.push(p);
    else out.push(...resolve(p.patterns, seen));
  }
  return out;
}
function search(src, line, pos) { const r = rx(src); r.lastIndex = pos; return r.exec(line); }

// Applies a match's name and captures to the per-character scope lists.
function paint(scopes, m, name, captures, base) {
  const [s, e] = m.indices[0];
  for (let i = s; i < e; i++) scopes[i] = [...base, ...(name ? [name] : [])];
  for (const [k, cap] of Object.entries(captures || {})) {
    const r = m.indices[+k];
    if (!r) continue;
    const capBase = [...base, ...(name ? [name] : []), ...(cap.name ? [cap.name] : [])];
    for (let i = r[0]; i < r[1]; i++) scopes[i] = [...capBase];
    if (cap.patterns) {
      const sub = m.input.slice(0, r[1]);
      scan(sub, r[0], [{ patterns: resolve(cap.patterns), scopes: capBase }], scopes);
    }
  }
}

// Scans `line` from `pos` with the rule stack; fills scopes[] per character.
function scan(line, pos, stack, scopes) {
  for (let guard = 0; pos <= line.length && guard < 10000; guard++) {
    const top = stack[stack.length - 1];
    let best = null;
    if (top.end) {
      const m = search(top.end, line, pos);
      if (m) best = { m, kind: 'end' };
    }
    for (const p of top.patterns) {
      const m = search(p.match || p.begin, line, pos);
      if (m && (!best || m.index < best.m.index)) best = { m, kind: p.match ? 'match' : 'begin', p };
    }
    if (!best) { for (let i = pos; i < line.length; i++) scopes[i] = [...top.scopes]; break; }
    const { m } = best;
    for (let i = pos; i < m.index; i++) scopes[i] = [...top.scopes];
    const end = m.index + m[0].length;
    if (best.kind === 'end') {
      paint(scopes, m, null, top.rule.endCaptures, top.scopes);
      stack.pop();
    } else if (best.kind === 'match') {
      paint(scopes, m, best.p.name, best.p.captures, top.scopes);
    } else {
      const p = best.p;
      paint(scopes, m, p.name, p.beginCaptures || p.captures, top.scopes);
      const inner = [...top.scopes, ...(p.name ? [p.name] : []), ...(p.contentName ? [p.contentName] : [])];
      stack.push({ rule: p, end: p.end, patterns: resolve(p.patterns), scopes: inner });
    }
    if (end === pos && best.kind === 'match') { scopes[pos] = scopes[pos] || [...top.scopes]; pos++; }
    else pos = end;
    if (pos >= line.length && best.kind !== 'begin') break;
  }
}
function tokenize(text) {
  const stack = [{ patterns: resolve(grammar.patterns), scopes: [grammar.scopeName] }];
  return text.split('\n').map((line) => { const sc = new Array(line.length); scan(line, 0, stack, sc); return sc; });
}

const KIND = {
  comment: 'comment.line.number-sign', suppression: 'comment.line.number-sign.suppression',
  'suppress-action': 'keyword.control.suppression', 'suppress-code': 'constant.other.rule',
  directive: 'keyword.control.directive', name: 'entity.name', ref: 'variable.other.reference',
  string: 'string.quoted.double', escape: 'constant.character.escape', range: 'meta.range',
  version: 'constant.numeric.version', size: 'constant.numeric.size', count: 'keyword.operator.count',
  number: 'constant.numeric.integer', enum: 'constant.language.enum',
};
const has = (sc, prefix) => (sc || []).some((s) => s === prefix || s.startsWith(prefix + '.'));
const SEMANTIC = ['keyword.', 'constant.', 'entity.', 'string.', 'comment.', 'variable.'];
function expectAt(lines, ln, col, len, kind, what) {
  const first = lines[ln][col], last = lines[ln][col + len - 1];
  if (kind === 'none') {
    check(![first, last].some((sc) => (sc || []).some((s) => SEMANTIC.some((p) => s.startsWith(p)))),
      `${what}: expected no token scope, got ${JSON.stringify(first)}`);
  } else {
    check(has(first, KIND[kind]) && has(last, KIND[kind]),
      `${what}: expected ${KIND[kind]}, got ${JSON.stringify(first)}`);
  }
}

// --- the sample with its expectations --------------------------------------
const sample = readFileSync(samplePath, 'utf8');
const sampleLines = sample.split('\n');
const sampleScopes = tokenize(sample);
for (const row of readFileSync(expectPath, 'utf8').split('\n')) {
  if (!row.trim() || row.startsWith('#')) continue;
  const [ln, token, occ, kind] = row.split('\t');
  const text = sampleLines[+ln - 1] ?? '';
  let col = -1;
  for (let n = 0; n < +occ; n++) col = text.indexOf(token, col + 1);
  if (col < 0) { check(false, `${samplePath}:${ln}: token ${token} #${occ} not found`); continue; }
  expectAt(sampleScopes, +ln - 1, col, token.length, kind, `${samplePath}:${ln}:${col + 1} \`${token}\``);
}

// --- examples, against an independent reading ------------------------------
const DIRECTIVES = {
  top: ['include', 'license-server', 'cluster'],
  'license-server': ['kind', 'version', 'editions'],
  cluster: ['platform', 'edition', 'vcenter', 'vgpu-manager', 'license-server', 'tolerate-host-failures',
    'gpu-partitions', 'graphics', 'vgpu-mode', 'vm-management', 'host', 'vm'],
  'vm-management': ['resource-group'],
  host: ['gpu', 'vgpu-manager', 'graphics', 'vgpu-mode'],
  vm: ['gpu', 'guest-driver', 'os', 'migration', 'host', 'hosts', 'memory', 'firmware', 'generation', 'mmio'],
};
for (const path of examples) {
  const text = readFileSync(path, 'utf8');
  const scopes = tokenize(text);
  const blocks = ['top'];
  text.split('\n').forEach((line, ln) => {
    const where = (c) => `${path}:${ln + 1}:${c + 1}`;
    let i = 0, stmt = [], stmtStart = true;
    while (i < line.length) {
      const c = line[i];
      if (c === ' ' || c === '\t') { i++; continue; }
      if (c === '#') { expectAt(scopes, ln, i, 1, 'comment', `${where(i)} comment`); break; }
      if (c === '"') {
        let j = i + 1;
        while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
        const sc = scopes[ln][i];
        check(has(sc, KIND.string) || has(sc, KIND.name) || has(sc, KIND.ref), `${where(i)} string: got ${JSON.stringify(sc)}`);
        stmt.push('"'); stmtStart = false; i = j + 1; continue;
      }
      if (c === '{') { blocks.push(stmt[0] || '?'); stmt = []; stmtStart = true; i++; continue; }
      if (c === '}') { blocks.pop(); stmt = []; stmtStart = true; i++; continue; }
      if (c === ';') { stmt = []; stmtStart = true; i++; continue; }
      let j = i;
      while (j < line.length && !' \t#"{};'.includes(line[j])) j++;
      const word = line.slice(i, j);
      const ctx = blocks[blocks.length - 1];
      if (stmtStart && (DIRECTIVES[ctx] || []).includes(word))
        expectAt(scopes, ln, i, word.length, 'directive', `${where(i)} directive \`${word}\` in ${ctx}`);
      const r = /\[[0-9]+\.\.[0-9]+\]/.exec(word);
      if (r) expectAt(scopes, ln, i + r.index, r[0].length, 'range', `${where(i + r.index)} range`);
      const isNamePos = stmt.length === 1 && ['license-server', 'cluster', 'host', 'vm', 'hosts'].includes(stmt[0]);
      if (!stmtStart && !isNamePos && stmt[0] !== 'hosts' && /^[0-9]+(\.[0-9A-Za-z]+)+$/.test(word))
        expectAt(scopes, ln, i, word.length, 'version', `${where(i)} version \`${word}\``);
      stmt.push(word); stmtStart = false; i = j;
    }
  });
  check(blocks.length === 1, `${path}: braces do not balance in the reading of the checker`);
}
console.log(`RESULT ${passed} ${failed}`);
