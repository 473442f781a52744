" syntax/vgpu.vim - Vim syntax for .vgpu files, the NVIDIA vGPU cluster
" definitions that vgpuc compiles. Directives are contextual (a VM may be
" called `host`), so each block kind is a region that knows only its own
" directives: top level, license-server, cluster, host, vm and vm-management.
" Inside them:
" names with `[lo..hi]` ranges, versions, sizes, `x N` counts, strings with
" escapes, enum values, comments, and `# vgpuc:` suppression comments.
" The TextMate grammar (editors/textmate/vgpu.tmLanguage.json) uses the
" same structure.

if exists('b:current_syntax')
  finish
endif
let s:cpo_save = &cpo
set cpo&vim

syn case match
" Words as the lexer sees them: [A-Za-z0-9_][A-Za-z0-9_.+-]*
syn iskeyword @,48-57,_,.,+,-

" --- pieces shared by every block ------------------------------------------
syn match   vgpuComment        /#.*$/ contains=@Spell
syn match   vgpuSuppression    /#\s*vgpuc:.*$/ contains=vgpuSuppressAction,vgpuSuppressReason
syn match   vgpuSuppressAction /\<\%(disable-next-line\|disable-file\|disable\|enable\)=[A-Za-z0-9_,-]*/ contained contains=vgpuSuppressCode
syn match   vgpuSuppressCode   /=\zs[A-Za-z0-9_,-]\+/ contained
syn match   vgpuSuppressReason /\s--\s.*$/ contained
syn region  vgpuString         start=/"/ skip=/\\\\\|\\"/ end=/"/ end=/$/ oneline contains=vgpuEscape,vgpuBadEscape
syn match   vgpuEscape         /\\[\\"nt]/ contained
syn match   vgpuBadEscape      /\\[^\\"nt]/ contained
syn match   vgpuNumber         /\<\d\+\>/
syn match   vgpuVersion        /\<\d\+\%(\.[0-9A-Za-z]\+\)\+\>/
syn match   vgpuVersion        /\<\d\dH\d\>/
syn match   vgpuSize           /\<\d\+\%(MB\|GB\|TB\|MiB\|GiB\|TiB\)\>/
syn match   vgpuCount          /\<x\s\+\d\+\>/ contains=vgpuNumber
syn match   vgpuRange          /\[\d\+\.\.\d\+\]/
syn match   vgpuSep            /;/
syn keyword vgpuEnum           dls cls legacy vws vpc vapps vcs nvaie
syn keyword vgpuEnum           azure-stack-hci azure-local windows-server esxi datacenter standard
syn keyword vgpuEnum           shared-direct shared same-size mixed-size
syn keyword vgpuEnum           vgpu passthrough windows linux live restart none efi bios low high arc
syn cluster vgpuArgs contains=vgpuComment,vgpuSuppression,vgpuString,vgpuNumber,vgpuVersion,vgpuSize,vgpuCount,vgpuRange,vgpuSep,vgpuEnum

" A declared name: a word (maybe with one range) or a string.
syn match   vgpuName /\%([A-Za-z0-9_][A-Za-z0-9_.+\-]*\%(\[\d\+\.\.\d\+\][A-Za-z0-9_.+\-]*\)\=\|"\%([^"\\]\|\\.\)*"\)/ contained contains=vgpuRange,vgpuEscape
" A name that refers to a declaration (license-server, host, hosts).
syn match   vgpuRef  /\%([A-Za-z0-9_][A-Za-z0-9_.+\-]*\|"\%([^"\\]\|\\.\)*"\)/ contained contains=vgpuEscape nextgroup=vgpuRef skipwhite

" --- top level --------------------------------------------------------------
syn match   vgpuInclude  /^\s*\zsinclude\ze\%(\s\|$\)/
syn match   vgpuBlockKw  /^\s*\zslicense-server\ze\s/ nextgroup=vgpuLsName skipwhite
syn match   vgpuBlockKw  /^\s*\zscluster\ze\s/ nextgroup=vgpuClName skipwhite
syn match   vgpuLsName   /\%("\%([^"\\]\|\\.\)*"\|[^ \t{;#]\+\)/ contained contains=vgpuName nextgroup=vgpuLsBody skipwhite
syn match   vgpuClName   /\%("\%([^"\\]\|\\.\)*"\|[^ \t{;#]\+\)/ contained contains=vgpuName nextgroup=vgpuClBody skipwhite

" Statement start: line start, or after `{` or `;`.
let s:at = '\%(\%(^\|[{;]\)\s*\)\@<='
let s:end = '\ze\%(\s\|[;}#]\|$\)'

" --- license-server { } -----------------------------------------------------
syn region  vgpuLsBody matchgroup=vgpuBrace start=/{/ end=/}/ contained contains=@vgpuArgs,vgpuLsDirective
exe 'syn match vgpuLsDirective /' . s:at . '\%(kind\|version\|editions\)' . s:end . '/ contained'

" --- cluster { } --------------------------------------------------------------
syn region  vgpuClBody matchgroup=vgpuBrace start=/{/ end=/}/ contained contains=@vgpuArgs,vgpuClDirective,vgpuClRef,vgpuHostKw,vgpuVmKw,vgpuClMgmtDirective
exe 'syn match vgpuClDirective /' . s:at . '\%(platform\|edition\|vcenter\|vgpu-manager\|tolerate-host-failures\|gpu-partitions\|graphics\|vgpu-mode\)' . s:end . '/ contained'
exe 'syn match vgpuClRef /' . s:at . 'license-server' . s:end . '/ contained nextgroup=vgpuRef skipwhite'
exe 'syn match vgpuHostKw /' . s:at . 'host' . s:end . '/ contained nextgroup=vgpuHostName skipwhite'
exe 'syn match vgpuVmKw /' . s:at . 'vm' . s:end . '/ contained nextgroup=vgpuVmName skipwhite'
syn match   vgpuHostName /\%("\%([^"\\]\|\\.\)*"\|[^ \t{;#]\+\)/ contained contains=vgpuName nextgroup=vgpuHostBody skipwhite
syn match   vgpuVmName   /\%("\%([^"\\]\|\\.\)*"\|[^ \t{;#]\+\)/ contained contains=vgpuName nextgroup=vgpuVmBody skipwhite
" `vm-management arc { ... }`: its block is a region, so its `}` does not end the cluster's
exe 'syn match vgpuClMgmtDirective /' . s:at . 'vm-management' . s:end . '/ contained nextgroup=vgpuMgmtKind skipwhite'
syn match   vgpuMgmtKind /[^ \t{;#]\+/ contained contains=vgpuEnum nextgroup=vgpuMgmtBody skipwhite

" --- host { } ------------------------------------------------------------------
syn region  vgpuHostBody matchgroup=vgpuBrace start=/{/ end=/}/ contained contains=@vgpuArgs,vgpuHostDirective
exe 'syn match vgpuHostDirective /' . s:at . '\%(gpu\|vgpu-manager\|graphics\|vgpu-mode\)' . s:end . '/ contained'

" --- vm-management { } -------------------------------------------------------------
syn region  vgpuMgmtBody matchgroup=vgpuBrace start=/{/ end=/}/ contained contains=@vgpuArgs,vgpuMgmtDirective
exe 'syn match vgpuMgmtDirective /' . s:at . 'resource-group' . s:end . '/ contained'

" --- vm { } ----------------------------------------------------------------------
syn region  vgpuVmBody matchgroup=vgpuBrace start=/{/ end=/}/ contained contains=@vgpuArgs,vgpuVmDirective,vgpuVmRef
exe 'syn match vgpuVmDirective /' . s:at . '\%(gpu\|guest-driver\|os\|migration\|memory\|firmware\|generation\|mmio\)' . s:end . '/ contained'
exe 'syn match vgpuVmRef /' . s:at . '\%(hosts\|host\)' . s:end . '/ contained nextgroup=vgpuRef skipwhite'

syn sync minlines=200

hi def link vgpuComment        Comment
hi def link vgpuSuppression    SpecialComment
hi def link vgpuSuppressAction PreProc
hi def link vgpuSuppressCode   Identifier
hi def link vgpuSuppressReason Comment
hi def link vgpuString         String
hi def link vgpuEscape         SpecialChar
hi def link vgpuBadEscape      Error
hi def link vgpuNumber         Number
hi def link vgpuCount          Number
hi def link vgpuSize           Number
hi def link vgpuVersion        Float
hi def link vgpuRange          Special
hi def link vgpuEnum           Constant
hi def link vgpuSep            Delimiter
hi def link vgpuBrace          Delimiter
hi def link vgpuName           Function
hi def link vgpuRef            Identifier
hi def link vgpuInclude        Include
hi def link vgpuBlockKw        Structure
hi def link vgpuHostKw         Structure
hi def link vgpuVmKw           Structure
hi def link vgpuLsDirective    Keyword
hi def link vgpuClDirective    Keyword
hi def link vgpuClRef          Keyword
hi def link vgpuHostDirective  Keyword
hi def link vgpuVmDirective    Keyword
hi def link vgpuVmRef          Keyword
hi def link vgpuClMgmtDirective Keyword
hi def link vgpuMgmtDirective  Keyword

let b:current_syntax = 'vgpu'
let &cpo = s:cpo_save
unlet s:cpo_save
