/*
 * lsp.h - the language server (`vgpuc lsp`): what its files share.
 *
 * lsp.c runs the JSON-RPC loop and the lifecycle, lsp_doc.c holds the open
 * documents, converts positions (UTF-16 or UTF-8 code units <-> byte offsets)
 * and compiles a document with the same front end, rules and config as
 * `vgpuc lint`, lsp_features.c answers the requests about a document
 * (symbols, folding, hover, completion, definition, references, formatting).
 * There is no second parser: the tree and the model are the compiler's.
 */
#ifndef VG_LSP_H
#define VG_LSP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "syntax/ast.h"
#include "core/ctx.h"

struct vg_model;
struct vg_plan;

/* JSON-RPC and LSP error codes. */
enum {
    VG_RPC_PARSE_ERROR = -32700,
    VG_RPC_INVALID_REQUEST = -32600,
    VG_RPC_METHOD_NOT_FOUND = -32601,
    VG_RPC_INVALID_PARAMS = -32602,
    VG_RPC_INTERNAL_ERROR = -32603,
    VG_RPC_NOT_INITIALIZED = -32002,
    VG_RPC_REQUEST_FAILED = -32803
};

struct vg_lsp_settings {
    const char **catalogs;
    size_t ncatalogs; /* --catalog, VGPUC_CATALOG */
    uint32_t today;
    int today_set;
    const char *docs_url; /* rules documentation, for codeDescription */
    int utf8;             /* positions in UTF-8 code units (negotiated) */
};

struct vg_lsp_doc {
    char *uri;
    char *path; /* file system path of a file: URI, else the URI */
    char *real; /* its resolved path (NULL: not on disk), as includes resolve */
    int is_file;
    struct vg_lsp_docs *owner; /* the open documents it belongs to */
    char **deps;
    size_t ndeps; /* resolved paths its last compile included */
    char *text;
    size_t len;
    uint32_t *lines;
    size_t nlines; /* byte offset of each line start */
    int64_t version;
    int dirty;   /* changed since the last compile */
    int pending; /* diagnostics not published since the change */
    /* the last compile (diagnostics, model) */
    struct vg_ctx ctx;
    int compiled;
    uint32_t root;
    struct vg_model *model;
    struct vg_plan *plan;
    /* the full syntax tree (comments kept) for the editor features, on demand */
    struct vg_ctx pctx;
    struct vg_file_ast *ast;
    int parsed;
    struct vg_lsp_doc *next;
};

struct vg_lsp_docs {
    struct vg_lsp_doc *first;
};

/* lsp_doc.c */
struct vg_lsp_doc *vg_lsp_doc_open(struct vg_lsp_docs *docs, const char *uri, const char *text, size_t len,
                                   int64_t version);
struct vg_lsp_doc *vg_lsp_doc_find(struct vg_lsp_docs *docs, const char *uri);
void vg_lsp_doc_set_text(struct vg_lsp_doc *d, const char *text, size_t len, int64_t version);
void vg_lsp_doc_close(struct vg_lsp_docs *docs, struct vg_lsp_doc *d);
void vg_lsp_docs_free(struct vg_lsp_docs *docs);
/* Mark for a new compile every other open document whose last compile
 * included `changed` (its buffer is what they read). */
void vg_lsp_docs_touch(struct vg_lsp_docs *docs, const struct vg_lsp_doc *changed);
/* The open document of a resolved path, or NULL. */
struct vg_lsp_doc *vg_lsp_doc_by_real(struct vg_lsp_docs *docs, const char *real);
/* Compile if dirty (model, plan, rules, finished diagnostics). */
void vg_lsp_doc_compile(struct vg_lsp_doc *d, const struct vg_lsp_settings *s);
/* The full tree (parsed on demand; never NULL). */
const struct vg_file_ast *vg_lsp_doc_tree(struct vg_lsp_doc *d);
/* {uri, range} of a span of the last compile (the document or a file it
 * includes), or NULL. */
json_t *vg_lsp_doc_location(struct vg_lsp_doc *d, const struct vg_lsp_settings *s, struct vg_span sp);
/* The publishDiagnostics params of the last compile. */
json_t *vg_lsp_doc_diagnostics(struct vg_lsp_doc *d, const struct vg_lsp_settings *s);

/* Positions over a text with its line starts. */
struct vg_lsp_text {
    const char *text;
    size_t len;
    const uint32_t *lines;
    size_t nlines;
};
struct vg_lsp_text vg_lsp_doc_text(const struct vg_lsp_doc *d);
/* LSP position -> byte offset; out-of-range lines and characters are clamped
 * to the end of the document / line, a character inside a code point to its start. */
uint32_t vg_lsp_offset(const struct vg_lsp_text *t, int64_t line, int64_t character, int utf8);
/* byte offset -> {"line","character"} */
json_t *vg_lsp_position(const struct vg_lsp_text *t, uint32_t offset, int utf8);
json_t *vg_lsp_range(const struct vg_lsp_text *t, uint32_t start, uint32_t end, int utf8);
/* A string that is valid UTF-8 (invalid bytes become U+FFFD), for jansson. */
json_t *vg_lsp_string(const char *s, size_t n);
/* file:///a%20b -> "/a b" (malloc'd) or NULL if not a file URI; and back. */
char *vg_lsp_uri_to_path(const char *uri);
char *vg_lsp_path_to_uri(const char *path);

/* lsp_features.c: each returns the result (or NULL with *err set to an
 * error code and *msg to a message for an error response). */
typedef json_t *(*vg_lsp_feature_fn)(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err,
                                     const char **msg);
json_t *vg_lsp_symbols(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err,
                       const char **msg);
json_t *vg_lsp_folding(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err,
                       const char **msg);
json_t *vg_lsp_hover(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err, const char **msg);
json_t *vg_lsp_completion(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err,
                          const char **msg);
json_t *vg_lsp_definition(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err,
                          const char **msg);
json_t *vg_lsp_references(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err,
                          const char **msg);
json_t *vg_lsp_code_actions(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err,
                            const char **msg);
/* workspace/executeCommand `vgpuc.plan` with arguments [uri, position?, "text"|"json"|"svg"] */
json_t *vg_lsp_plan_command(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err,
                            const char **msg);
json_t *vg_lsp_formatting(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err,
                          const char **msg);

/* lsp_meaning.c: a directive's meaning (block = enum vg_block), or NULL. */
const char *vg_lsp_meaning(int block, const char *name);

/* lsp.c: run the server on fds; returns the process exit code (0 after
 * shutdown + exit, 1 when the client went away without them). */
int vg_lsp_serve(int in_fd, int out_fd, const struct vg_lsp_settings *s);

#endif
