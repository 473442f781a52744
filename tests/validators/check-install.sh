#!/bin/sh
# check-install.sh - `make install` into a DESTDIR with PREFIX=/usr and with
# another PREFIX puts every file where it belongs with the right mode and
# content (binary, man page, catalog YAML, bash completion, Vim files), the
# installed binary runs, and `make uninstall` removes them all. The binary is
# the already-built $VGPUC: make is told it is up to date (-o), never rebuilt.
# Usage: VGPUC=/abs/path/to/vgpuc sh tests/validators/check-install.sh
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

VGPUC=${VGPUC:-$root/vgpuc}
[ -x "$VGPUC" ] || { ko "no vgpuc binary at $VGPUC (set VGPUC)"; finish; exit; }
vg_scratch
# The Makefile's binary is $(BUILD)/vgpuc; point BUILD at a folder holding it.
build=$(cd "$(dirname "$VGPUC")" && pwd)
if [ "$(basename "$VGPUC")" != vgpuc ] || [ "$build" = "$root" ]; then
    build=$tmp/build; mkdir -p "$build"; cp "$VGPUC" "$build/vgpuc"
fi
bin=$build/vgpuc

# mode_is PATH OCTAL: the file exists with exactly these permission bits.
mode_is() {
    if [ -n "$(find "$1" -prune -type f -perm "$2" 2>/dev/null)" ]; then ok
    else ko "$1: missing or its mode is not $2"; fi
}
same() {
    if cmp -s "$1" "$2"; then ok; else ko "$2 is missing or differs from $1"; fi
}

round() {
    prefix=$1 dest=$tmp/dest$2
    mkdir -p "$dest"
    if make -C "$root" --no-print-directory -s BUILD="$build" -o "$bin" DESTDIR="$dest" PREFIX="$prefix" \
            install > "$tmp/make.out" 2>&1; then ok
    else ko "make install PREFIX=$prefix failed:"; cat "$tmp/make.out"; return; fi
    p=$dest$prefix
    mode_is "$p/bin/vgpuc" 755
    same "$bin" "$p/bin/vgpuc"
    for f in "$p/share/man/man1/vgpuc.1" "$p/share/bash-completion/completions/vgpuc" \
             "$p/share/vim/vimfiles/syntax/vgpu.vim" "$p/share/vim/vimfiles/ftdetect/vgpu.vim"; do
        mode_is "$f" 644
    done
    same "$root/docs/vgpuc.1" "$p/share/man/man1/vgpuc.1"
    same "$root/completion/vgpuc.bash" "$p/share/bash-completion/completions/vgpuc"
    same "$root/editors/vim/syntax/vgpu.vim" "$p/share/vim/vimfiles/syntax/vgpu.vim"
    same "$root/editors/vim/ftdetect/vgpu.vim" "$p/share/vim/vimfiles/ftdetect/vgpu.vim"
    n=0
    for y in "$root"/catalog/*.yaml; do
        [ -f "$y" ] || continue
        n=$((n + 1))
        mode_is "$p/share/vgpuc/catalog/$(basename "$y")" 644
        same "$y" "$p/share/vgpuc/catalog/$(basename "$y")"
    done
    if [ "$n" -gt 0 ]; then ok; else ko "no catalog/*.yaml to install"; fi
    # Nothing installed outside the prefix.
    extra=$(cd "$dest" && find . -type f | grep -v "^\.$prefix/")
    if [ -z "$extra" ]; then ok; else ko "files outside $prefix: $extra"; fi
    # The installed program and its companions work.
    if v=$("$p/bin/vgpuc" --version 2>&1) && echo "$v" | grep -q '^vgpuc [0-9]'; then ok
    else ko "installed vgpuc --version: ${v:-no output}"; fi
    if command -v bash >/dev/null 2>&1; then
        if bash -c '. "$1" && complete -p vgpuc' sh "$p/share/bash-completion/completions/vgpuc" >/dev/null 2>&1; then ok
        else ko "the installed completion does not register for vgpuc"; fi
    fi
    if command -v man >/dev/null 2>&1; then
        if MANPATH="$p/share/man" MANWIDTH=80 man vgpuc 2>/dev/null | grep -q 'vgpuc lint'; then ok
        else ko "man vgpuc (MANPATH=$p/share/man) does not show the page"; fi
    fi
    if make -C "$root" --no-print-directory -s BUILD="$build" -o "$bin" DESTDIR="$dest" PREFIX="$prefix" \
            uninstall > "$tmp/make.out" 2>&1; then ok
    else ko "make uninstall PREFIX=$prefix failed:"; cat "$tmp/make.out"; fi
    left=$(cd "$dest" && find . -type f)
    if [ -z "$left" ]; then ok; else ko "left after uninstall: $left"; fi
    if [ ! -e "$p/share/vgpuc" ]; then ok; else ko "$p/share/vgpuc left after uninstall"; fi
}

round /usr 1
round /opt/vgpuc 2
finish
