/*
 * ast.h - the generic syntax tree: statements with arguments and blocks.
 *
 * The grammar knows only the shape `name arg* (end | { stmt* })`; which
 * directive is allowed where, with which arguments, is the schema's business
 * (schema.c). The tree keeps every span and every comment so that `fmt` can
 * rebuild the file and diagnostics can point anywhere.
 */
#ifndef VG_AST_H
#define VG_AST_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "core/source.h"

enum vg_arg_kind {
    VG_ARG_WORD,  /* bare word, may hold one [lo..hi] range (raw text kept) */
    VG_ARG_STRING /* "..." with escapes decoded; never range-expanded */
};

/* Fields ordered so that no padding is needed: a large file holds ~6 per VM. */
struct vg_arg {
    const char *text; /* decoded value, NUL-terminated (strings may not contain NUL) */
    size_t len;
    struct vg_span span; /* the raw token, quotes included */
    enum vg_arg_kind kind;
};

/* Pointers first, then spans, then flags: no padding (one per line of a file). */
struct vg_stmt {
    const char *name; /* directive name */
    struct vg_arg *args;
    size_t nargs;
    struct vg_stmt *body; /* first child statement */
    struct vg_stmt *next; /* next sibling */
    /* Top-level block statements only: the arena holding the body (statements
     * and arguments below this one), so that the model builder can release
     * it as soon as the block is read (vg_model_build sets body to NULL then).
     * A child of the context arena: freed with it otherwise. */
    struct vg_arena *own;
    struct vg_span name_span;
    struct vg_span open_span, close_span; /* the braces (close_span.file 0 if missing) */
    struct vg_span span;                  /* name .. last argument or closing brace */
    int has_block;                        /* `{ ... }` follows */
    int broken;                           /* a syntax error inside: later stages skip its checks
                                that would only cascade */
};

struct vg_comment {
    struct vg_span span; /* from '#' to the end of the line (newline excluded) */
    const char *text;    /* comment text after '#', not NUL-free guaranteed */
    size_t len;
    int own_line; /* nothing but white space before it on its line */
};

struct vg_file_ast {
    uint32_t file;         /* source id */
    struct vg_stmt *first; /* top-level statements */
    struct vg_comment *comments;
    size_t ncomments;
    uint32_t *blank_lines;
    size_t nblank_lines; /* 1-based numbers of empty lines (fmt) */
    int syntax_errors;   /* number of VG1001 reported in this file */
    /* Holds comments and blank lines (needed by `fmt` only; vg_parse_code,
     * which the model builder uses, keeps neither). NULL if none. */
    struct vg_arena *trivia;
};

#endif
