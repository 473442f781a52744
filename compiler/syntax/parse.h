/*
 * parse.h - the parser driver: source file -> syntax tree.
 *
 * Wraps the reentrant flex scanner and pure bison parser of grammar/. Syntax
 * errors are queued as VG1001 (and lexical ones as VG1001/VG1009) with error
 * recovery at statement and block level, so one run reports many errors, up to
 * --error-limit. `# vgpuc:` comments are handed to vg_suppress_comment().
 */
#ifndef VG_PARSE_H
#define VG_PARSE_H

#include "syntax/ast.h"
#include "core/ctx.h"

/* Always returns a tree (possibly partial) allocated in ctx->arena. */
struct vg_file_ast *vg_parse(struct vg_ctx *ctx, uint32_t file);
/* The same without comments and blank lines (only `fmt` reads them; `# vgpuc:`
 * comments still reach vg_suppress_comment()): the compiler's front end. */
struct vg_file_ast *vg_parse_code(struct vg_ctx *ctx, uint32_t file);
/*
 * vg_parse_code that hands every top-level statement to `fn` as soon as it is
 * complete (a block at its `}`; at the end, a block the parse left open), in
 * file order, before the next one is read. `fn` may release the statement's
 * body (`own`) and may parse other files; the statement is the last of the
 * tree's top-level list when it is handed over (its `next` is NULL). The whole
 * tree of a large file never exists at once (docs/performance.md).
 */
typedef void (*vg_parse_top_fn)(void *arg, struct vg_stmt *st);
struct vg_file_ast *vg_parse_stream(struct vg_ctx *ctx, uint32_t file, vg_parse_top_fn fn, void *arg);
/* The same, with the parse stopping when limit_fn(arg) says the error limit
 * is reached (instead of vg_diag_error_limit_reached): for a caller that holds
 * diagnostics aside, in a queue of its own, while the file is parsed. */
struct vg_file_ast *vg_parse_stream_limit(struct vg_ctx *ctx, uint32_t file, vg_parse_top_fn fn, void *arg,
                                          int (*limit_fn)(void *arg));

#endif
