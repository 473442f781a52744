#!/bin/sh
# check-textmate.sh - checks the editor grammars on one sample with known
# scopes: the TextMate grammar (editors/textmate/vgpu.tmLanguage.json) is
# valid JSON (jq) and, tokenized by tests/validators/textmate-check.mjs,
# gives directives, names, strings, comments, ranges, versions ... the
# expected scopes, also in every examples/*.vgpu; and when vim is installed,
# the Vim syntax (editors/vim) gives the same kinds the same groups and
# ftdetect marks *.vgpu as filetype vgpu.
# Usage: sh tests/validators/check-textmate.sh   (from anywhere)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
grammar=$root/editors/textmate/vgpu.tmLanguage.json
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
vg_scratch

# 1. Valid JSON with the keys an editor needs.
if jq -e '.scopeName == "source.vgpu" and (.fileTypes | index("vgpu")) and (.patterns | length > 0)
          and (.repository | type == "object")' "$grammar" >/dev/null 2>&1; then ok
else ko "$grammar is not valid JSON or lacks scopeName/fileTypes/patterns/repository"; fi
# Every include names a repository entry.
missing=$(jq -r '[.. | objects | .include? // empty | select(startswith("#")) | .[1:]] - (.repository | keys) | .[]' "$grammar" 2>/dev/null)
if [ -z "$missing" ]; then ok; else ko "includes without a repository entry: $missing"; fi

# 2. The sample and what each token must be.
cat > "$tmp/sample.vgpu" <<'VGPU'
# hci-prod.vgpu: sample
# vgpuc: disable-next-line=VG5001 -- pilot host, accepted
include "licensing.vgpu"

license-server dls-east {
    kind     dls              # dls | cls
    version  3.4.1
    editions vws vpc
}

cluster hci-prod {
    platform       azure-stack-hci 22H2
    vgpu-manager   16.5
    license-server dls-east
    tolerate-host-failures 1

    host hci-node-[01..04] {
        gpu A16 x 2
    }
    host h5 { gpu L40 x 2 }

    vm vdi-[001..024] {
        gpu vgpu A16-4Q
        guest-driver 535.161.05
        memory 32GB
        migration restart
    }
    vm "cad \"one\"" { gpu passthrough A16; host hci-node-01 }
    vm host { os linux; mmio low 1GB high 32GB }
    vm "a # b" { os linux }
    vm live { migration live }
    vm-management arc { resource-group rg-hci }
    vm-management arc { resource-group "rg_(x)" }   # x
    gpu-partitions 4
}
VGPU
# line, token, its occurrence in the line, kind
tab=$(printf '\t')
sed "s/ *| */$tab/g" > "$tmp/expect.tsv" <<'TSV'
1 | # hci-prod | 1 | comment
2 | # vgpuc: | 1 | suppression
2 | disable-next-line | 1 | suppress-action
2 | VG5001 | 1 | suppress-code
3 | include | 1 | directive
3 | "licensing.vgpu" | 1 | string
5 | license-server | 1 | directive
5 | dls-east | 1 | name
6 | kind | 1 | directive
6 | dls | 1 | enum
6 | # dls | 1 | comment
7 | version | 1 | directive
7 | 3.4.1 | 1 | version
8 | vws | 1 | enum
11 | cluster | 1 | directive
11 | hci-prod | 1 | name
12 | platform | 1 | directive
12 | azure-stack-hci | 1 | enum
12 | 22H2 | 1 | version
13 | vgpu-manager | 1 | directive
13 | 16.5 | 1 | version
14 | license-server | 1 | directive
14 | dls-east | 1 | ref
15 | tolerate-host-failures | 1 | directive
15 | 1 | 1 | number
17 | host | 1 | directive
17 | hci-node- | 1 | name
17 | [01..04] | 1 | range
18 | gpu | 1 | directive
18 | A16 | 1 | none
18 | x | 1 | count
18 | 2 | 1 | number
20 | host | 1 | directive
20 | h5 | 1 | name
20 | gpu | 1 | directive
20 | L40 | 1 | none
22 | vm | 1 | directive
22 | [001..024] | 1 | range
23 | vgpu | 1 | enum
23 | A16-4Q | 1 | none
24 | guest-driver | 1 | directive
24 | 535.161.05 | 1 | version
25 | memory | 1 | directive
25 | 32GB | 1 | size
26 | restart | 1 | enum
28 | "cad | 1 | name
28 | \" | 1 | escape
28 | passthrough | 1 | enum
28 | A16 | 1 | none
28 | host | 1 | directive
28 | hci-node-01 | 1 | ref
29 | host | 1 | name
29 | os | 2 | directive
29 | linux | 1 | enum
29 | mmio | 1 | directive
29 | low | 1 | enum
29 | 1GB | 1 | size
30 | "a # b" | 1 | name
30 | linux | 1 | enum
31 | live | 1 | name
31 | migration | 1 | directive
31 | live | 2 | enum
32 | vm-management | 1 | directive
32 | arc | 1 | enum
32 | resource-group | 1 | directive
32 | rg-hci | 1 | none
33 | "rg_(x)" | 1 | string
33 | # x | 1 | comment
34 | gpu-partitions | 1 | directive
34 | 4 | 1 | number
TSV
# check_sample SAMPLE EXPECT [EXAMPLE...]: the TextMate grammar (3) and the
# Vim syntax (4) give every row of EXPECT its kind in SAMPLE.
check_sample() {
    sample=$1 expect=$2
    shift 2
    rows=$(grep -c . "$expect")

    # 3. TextMate: the tokenizer over the sample (and the examples).
    if command -v node >/dev/null 2>&1; then
        node "$root/tests/validators/textmate-check.mjs" "$grammar" "$expect" "$sample" "$@" > "$tmp/tm.out" 2>&1
        grep -v '^RESULT ' "$tmp/tm.out"
        if res=$(grep '^RESULT ' "$tmp/tm.out"); then
            pass=$((pass + $(echo "$res" | cut -d' ' -f2)))
            fail=$((fail + $(echo "$res" | cut -d' ' -f3)))
        else
            ko "textmate-check.mjs did not run on $sample"
        fi
    else
        ko "node not found: the TextMate grammar is not tokenized"
    fi

    # 4. Vim: the same rows against the syntax groups, and ftdetect.
    if command -v vim >/dev/null 2>&1; then
        rm -f "$tmp/vim.out"
        EXPECT=$expect TMPD=$tmp vim -Es -u NONE -i NONE -N --cmd "set rtp^=$root/editors/vim" \
            -c 'filetype on' -c 'syntax on' -c "edit $sample" -S "$tmp/check.vim" </dev/null >/dev/null 2>&1
        if [ -f "$tmp/vim.out" ]; then
            if head -n 1 "$tmp/vim.out" | grep -qx 'filetype vgpu'; then ok; else ko "vim ftdetect: $(head -n 1 "$tmp/vim.out")"; fi
            n=$(grep -cx ok "$tmp/vim.out")
            pass=$((pass + n))
            grep '^FAIL' "$tmp/vim.out"
            fail=$((fail + $(grep -c '^FAIL' "$tmp/vim.out")))
            [ $((n + $(grep -c '^FAIL' "$tmp/vim.out"))) -eq "$rows" ] || ko "vim checked $n of $rows rows of $expect"
        else
            ko "vim did not run the syntax check on $sample"
        fi
    else
        echo "note: vim not installed; the Vim syntax is not checked"
    fi
}

cat > "$tmp/check.vim" <<'VIM'
let s:kinds = {
  \ 'comment': '^vgpuComment$', 'suppression': '^vgpuSuppression$',
  \ 'suppress-action': '^vgpuSuppressAction$', 'suppress-code': '^vgpuSuppressCode$',
  \ 'directive': '^vgpu\%(\a*Directive\|BlockKw\|HostKw\|VmKw\|ClRef\|VmRef\|Include\)$',
  \ 'name': '^vgpuName$', 'ref': '^vgpuRef$', 'string': '^vgpuString$', 'escape': '^vgpuEscape$',
  \ 'range': '^vgpuRange$', 'version': '^vgpuVersion$', 'size': '^vgpuSize$', 'count': '^vgpuCount$',
  \ 'number': '^vgpuNumber$', 'enum': '^vgpuEnum$', 'none': '^\%(vgpu\a*Body\)\=$'}
let s:out = ['filetype ' . &filetype]
for s:row in readfile($EXPECT)
  let [s:ln, s:tok, s:occ, s:kind] = split(s:row, "\t")
  let s:col = -1
  for s:n in range(str2nr(s:occ))
    let s:col = stridx(getline(s:ln), s:tok, s:col + 1)
  endfor
  let s:first = synIDattr(synID(s:ln, s:col + 1, 1), 'name')
  let s:last = synIDattr(synID(s:ln, s:col + len(s:tok), 1), 'name')
  if s:col >= 0 && s:first =~# s:kinds[s:kind] && s:last =~# s:kinds[s:kind]
    call add(s:out, 'ok')
  else
    call add(s:out, printf('FAIL: vim %d:%d `%s`: expected %s, got %s', s:ln, s:col + 1, s:tok, s:kind, s:first))
  endif
endfor
call writefile(s:out, $TMPD . '/vim.out')
qa!
VIM

set --
for f in "$root"/examples/*.vgpu; do [ -f "$f" ] && set -- "$@" "$f"; done
check_sample "$tmp/sample.vgpu" "$tmp/expect.tsv" "$@"

# 5. The schema's words: a sample with every directive in its block and
# every value of every enumerated directive, generated from the table.
if [ -z "${SCHEMA_WORDS:-}" ] || [ ! -x "$SCHEMA_WORDS" ]; then
    ko "SCHEMA_WORDS is not set to the built tools/schema-words (run make validators)"
elif ! "$SCHEMA_WORDS" > "$tmp/words.tsv"; then
    ko "$SCHEMA_WORDS failed"
else
    awk -F '\t' -v sample="$tmp/schema.vgpu" -v expect="$tmp/schema-expect.tsv" '
        function out(text, words, kinds,   i, n, w, k) {
            print text > sample; line++
            n = split(words, w, " "); split(kinds, k, " ")
            for (i = 1; i <= n; i++) printf "%d\t%s\t1\t%s\n", line, w[i], k[i] > expect
        }
        function block(b, indent,   i, d, v) {
            for (i = 1; i <= nd; i++) {
                if (blk[i] != b) continue
                d = name[i]
                if (child[i] != "-") {
                    if (nv[b, d] > 0) out(indent d " " val[b, d, 1] " {", d " " val[b, d, 1], "directive enum")
                    else out(indent d " n-" d " {", d " n-" d, "directive name")
                    block(child[i], indent "    ")
                    out(indent "}", "", "")
                } else if (args[i] == "path") {
                    out(indent d " \"other.vgpu\"", d " \"other.vgpu\"", "directive string")
                } else {
                    out(indent d, d, "directive")
                    for (v = 1; v <= nv[b, d]; v++)
                        out(indent d " " val[b, d, v], val[b, d, v], (val[b, d, v] ~ /^[0-9]+$/) ? "number" : "enum")
                }
            }
        }
        $1 == "directive" { nd++; blk[nd] = $2; name[nd] = $3; child[nd] = $4; args[nd] = $5 }
        $1 == "enum" { val[$2, $3, ++nv[$2, $3]] = $4 }
        END { block("top", ""); close(sample); close(expect) }' "$tmp/words.tsv"
    if [ -s "$tmp/schema-expect.tsv" ]; then ok; else ko "no sample generated from $SCHEMA_WORDS"; fi
    check_sample "$tmp/schema.vgpu" "$tmp/schema-expect.tsv"

    # Every directive the grammars list is a row of the table.
    cut -f 3 "$tmp/words.tsv" | sort -u > "$tmp/known"
    # Vim: the words of `\%(a\|b\)` or a single word in the directive matches
    sed -n "s/.*syn match vgpu[A-Za-z]*\(Directive\|Kw\|Ref\|Include\) .*\(s:at\|\^\\\\s\*\\\\zs\) *\.\{0,1\} *'\{0,1\}\([^'/]*\)'\{0,1\}.*/\3/p" \
        "$root/editors/vim/syntax/vgpu.vim" > "$tmp/vim-raw"
    sed -e 's/\\%(//; s/\\)$//; s/\\ze.*//' -e 's/\\|/\n/g' "$tmp/vim-raw" | grep -v '^$' | sort -u > "$tmp/vim-words"
    # TextMate: the alternatives of every `\s*(a|b|c)` that opens a directive
    jq -r '.. | objects | (.match? // .begin? // empty) | select(type == "string")' "$grammar" |
        sed -n 's/^\(\^\|(?:^|(?<=\[{;\]))\)\\s\*(\([a-z|-]*\))\(\\s\|(?!\).*/\2/p' | tr '|' '\n' | sort -u > "$tmp/tm-words"
    for kind in vim tm; do
        if [ ! -s "$tmp/$kind-words" ]; then ko "$kind: no directive lists found in the grammar"; continue; fi
        extra=$(comm -23 "$tmp/$kind-words" "$tmp/known" | tr '\n' ' ')
        if [ -z "$extra" ]; then ok; else ko "$kind grammar lists directives the schema does not have: $extra"; fi
    done

    # Every word of the table is in the fuzz dictionary.
    dict=$root/tests/fuzz/vgpu.dict
    cut -f 1,3,4 "$tmp/words.tsv" | awk -F '\t' '{ print $2; if ($1 == "enum") print $3 }' | sort -u > "$tmp/dict-words"
    while read -r w; do
        if grep -qxF "\"$w\"" "$dict"; then ok; else ko "tests/fuzz/vgpu.dict lacks the schema word \"$w\""; fi
    done < "$tmp/dict-words"
fi

finish
