/*
 * lsp_doc.c - the language server's open documents: text, positions, compile.
 *
 * A document is compiled exactly as `vgpuc lint FILE` compiles it (config
 * from the file's folder upwards, --catalog files, inline suppressions, the
 * model, the plan, the rules), but from the editor's text instead of the
 * disk. Each compile gets a fresh context and frees the previous one, so
 * memory does not grow with the number of edits. Positions are converted
 * between byte offsets and the negotiated LSP code units (UTF-16 by default,
 * UTF-8 when the client offers it), counting an invalid byte as one unit.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/cli.h"
#include "driver/lsp.h"
#include "model/model.h"
#include "syntax/parse.h"
#include "plan/plan.h"
#include "rules/rules.h"
#include "base/strbuf.h"
#include "core/source.h"
#include "base/utf8.h"
#include "driver/pipeline.h"

/* --- positions ------------------------------------------------------------ */

static void index_lines(struct vg_lsp_doc *d)
{
    size_t n = 1;
    for (size_t i = 0; i < d->len; i++)
        n += d->text[i] == '\n';
    free(d->lines);
    d->lines = vg_xmalloc(n * sizeof *d->lines);
    d->nlines = 0;
    d->lines[d->nlines++] = 0;
    for (size_t i = 0; i < d->len; i++)
        if (d->text[i] == '\n')
            d->lines[d->nlines++] = (uint32_t)(i + 1);
}

struct vg_lsp_text vg_lsp_doc_text(const struct vg_lsp_doc *d)
{
    struct vg_lsp_text t = {d->text, d->len, d->lines, d->nlines};
    return t;
}

/* Bytes and code units of the code point at s (an invalid byte: 1 and 1). */
static size_t cp_len(const char *s, size_t avail, int utf8, unsigned *units)
{
    int k = vg_utf8_seq_len((const unsigned char *)s, avail);
    if (k <= 0)
        k = 1;
    *units = utf8 ? (unsigned)k : (k == 4 ? 2u : 1u);
    return (size_t)k;
}

static size_t line_end(const struct vg_lsp_text *t, size_t line)
{
    size_t end = line + 1 < t->nlines ? t->lines[line + 1] - 1 : t->len; /* at the '\n' */
    if (end > t->lines[line] && t->text[end - 1] == '\r' && line + 1 < t->nlines)
        end--;
    return end;
}

uint32_t vg_lsp_offset(const struct vg_lsp_text *t, int64_t line, int64_t character, int utf8)
{
    if (line < 0)
        return 0;
    if ((uint64_t)line >= t->nlines)
        return (uint32_t)t->len;
    size_t p = t->lines[line], end = line_end(t, (size_t)line);
    int64_t units = 0;
    while (p < end && units < character) {
        unsigned u;
        size_t k = cp_len(t->text + p, end - p, utf8, &u);
        if (units + u > character)
            break; /* inside a surrogate pair: its start */
        units += u;
        p += k;
    }
    return (uint32_t)p;
}

json_t *vg_lsp_position(const struct vg_lsp_text *t, uint32_t offset, int utf8)
{
    if (offset > t->len)
        offset = (uint32_t)t->len;
    size_t lo = 0, hi = t->nlines;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (t->lines[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    size_t units = 0;
    for (size_t p = t->lines[lo]; p < offset;) {
        unsigned u;
        p += cp_len(t->text + p, t->len - p, utf8, &u);
        units += u;
    }
    return json_pack("{s:I,s:I}", "line", (json_int_t)lo, "character", (json_int_t)units);
}

json_t *vg_lsp_range(const struct vg_lsp_text *t, uint32_t start, uint32_t end, int utf8)
{
    if (end < start)
        end = start;
    return json_pack("{s:o,s:o}", "start", vg_lsp_position(t, start, utf8), "end", vg_lsp_position(t, end, utf8));
}

json_t *vg_lsp_string(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        int k = vg_utf8_seq_len((const unsigned char *)s + i, n - i);
        if (k <= 0 || (k == 1 && s[i] == 0))
            break;
        i += (size_t)k;
    }
    if (i == n)
        return json_stringn(s, n);
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    for (i = 0; i < n;) {
        int k = vg_utf8_seq_len((const unsigned char *)s + i, n - i);
        if (k <= 0 || (k == 1 && s[i] == 0)) {
            vg_sb_add(&sb, "\xEF\xBF\xBD", 3);
            i++;
        } else {
            vg_sb_add(&sb, s + i, (size_t)k);
            i += (size_t)k;
        }
    }
    json_t *r = json_stringn(sb.data ? sb.data : "", sb.len);
    vg_sb_free(&sb);
    return r;
}

static int hexval(int c) { return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1; }

char *vg_lsp_uri_to_path(const char *uri)
{
    if (strncmp(uri, "file://", 7) != 0)
        return NULL;
    const char *p = uri + 7;
    if (*p != '/') { /* file://host/path: only the local host */
        if (strncmp(p, "localhost/", 10) != 0)
            return NULL;
        p += 9;
    }
    size_t n = strlen(p);
    char *out = vg_xmalloc(n + 1), *o = out;
    for (; *p && *p != '?' && *p != '#'; p++) {
        int h1, h2;
        if (*p == '%' && (h1 = hexval((unsigned char)p[1])) >= 0 && (h2 = hexval((unsigned char)p[2])) >= 0) {
            char c = (char)(h1 * 16 + h2);
            if (c == 0) { /* a NUL cannot be in a path */
                free(out);
                return NULL;
            }
            *o++ = c;
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = 0;
    return out;
}

char *vg_lsp_path_to_uri(const char *path)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_sb_puts(&sb, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (isalnum(*p) || strchr("/-._~", *p))
            vg_sb_putc(&sb, (char)*p);
        else
            vg_sb_printf(&sb, "%%%02X", *p);
    }
    char *r = vg_xstrdup(vg_sb_str(&sb));
    vg_sb_free(&sb);
    return r;
}

/* --- documents ------------------------------------------------------------ */

static void drop_deps(struct vg_lsp_doc *d)
{
    for (size_t i = 0; i < d->ndeps; i++)
        free(d->deps[i]);
    free(d->deps);
    d->deps = NULL;
    d->ndeps = 0;
}

static void drop_compile(struct vg_lsp_doc *d)
{
    if (d->compiled)
        vg_ctx_free(&d->ctx);
    if (d->parsed)
        vg_ctx_free(&d->pctx);
    d->compiled = d->parsed = 0;
    d->model = NULL;
    d->plan = NULL;
    d->ast = NULL;
}

struct vg_lsp_doc *vg_lsp_doc_find(struct vg_lsp_docs *docs, const char *uri)
{
    for (struct vg_lsp_doc *d = docs->first; d; d = d->next)
        if (strcmp(d->uri, uri) == 0)
            return d;
    return NULL;
}

void vg_lsp_doc_set_text(struct vg_lsp_doc *d, const char *text, size_t len, int64_t version)
{
    char *copy = vg_xmalloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = 0;
    free(d->text);
    d->text = copy;
    d->len = len;
    d->version = version;
    d->dirty = 1;
    d->pending = 1;
    index_lines(d);
    drop_compile(d);
}

struct vg_lsp_doc *vg_lsp_doc_open(struct vg_lsp_docs *docs, const char *uri, const char *text, size_t len,
                                   int64_t version)
{
    struct vg_lsp_doc *d = vg_lsp_doc_find(docs, uri);
    if (!d) {
        d = vg_xcalloc(1, sizeof *d);
        d->uri = vg_xstrdup(uri);
        d->path = vg_lsp_uri_to_path(uri);
        d->is_file = d->path != NULL;
        if (!d->path)
            d->path = vg_xstrdup(uri);
        d->real = d->is_file ? realpath(d->path, NULL) : NULL;
        d->owner = docs;
        d->next = docs->first;
        docs->first = d;
    }
    vg_lsp_doc_set_text(d, text, len, version);
    return d;
}

static void doc_free(struct vg_lsp_doc *d)
{
    drop_compile(d);
    drop_deps(d);
    free(d->uri);
    free(d->path);
    free(d->real);
    free(d->text);
    free(d->lines);
    free(d);
}

void vg_lsp_doc_close(struct vg_lsp_docs *docs, struct vg_lsp_doc *d)
{
    for (struct vg_lsp_doc **p = &docs->first; *p; p = &(*p)->next)
        if (*p == d) {
            *p = d->next;
            doc_free(d);
            return;
        }
}

struct vg_lsp_doc *vg_lsp_doc_by_real(struct vg_lsp_docs *docs, const char *real)
{
    for (struct vg_lsp_doc *d = docs->first; d; d = d->next)
        if (d->real && strcmp(d->real, real) == 0)
            return d;
    return NULL;
}

void vg_lsp_docs_touch(struct vg_lsp_docs *docs, const struct vg_lsp_doc *changed)
{
    if (!changed->real)
        return;
    for (struct vg_lsp_doc *d = docs->first; d; d = d->next)
        for (size_t i = 0; d != changed && i < d->ndeps; i++)
            if (strcmp(d->deps[i], changed->real) == 0) {
                d->dirty = d->pending = 1;
                break;
            }
}

/* The include reader's view of the open buffers: an included file that is
 * open in the editor is read from its buffer, and every file the compile
 * includes is remembered, so that an edit of it compiles this one again. */
static const char *open_buffer(void *cookie, const char *real, size_t *len)
{
    struct vg_lsp_doc *d = cookie;
    if ((d->ndeps & (d->ndeps - 1)) == 0) /* 0, 1, 2, 4, ...: double */
        d->deps = vg_xrealloc(d->deps, (d->ndeps ? 2 * d->ndeps : 1) * sizeof *d->deps);
    d->deps[d->ndeps++] = vg_xstrdup(real);
    const struct vg_lsp_doc *o = vg_lsp_doc_by_real(d->owner, real);
    if (!o || o == d)
        return NULL;
    *len = o->len;
    return o->text;
}

void vg_lsp_docs_free(struct vg_lsp_docs *docs)
{
    while (docs->first) {
        struct vg_lsp_doc *d = docs->first;
        docs->first = d->next;
        doc_free(d);
    }
}

/*
 * Compile the buffer exactly as `vgpuc lint --stdin-filename PATH -` would
 * check it: the same pipeline (config found and trusted from the file's
 * folder upwards, includes confined to its project, --catalog files, inline
 * suppressions, the model, the plan, the rules), the text coming from the
 * editor instead of stdin.
 */
void vg_lsp_doc_compile(struct vg_lsp_doc *d, const struct vg_lsp_settings *s)
{
    if (d->compiled && !d->dirty)
        return;
    if (d->compiled) {
        vg_ctx_free(&d->ctx);
        d->compiled = 0;
    }
    struct vg_ctx *ctx = &d->ctx;
    vg_ctx_init(ctx);
    drop_deps(d);
    ctx->sources.overlay = open_buffer;
    ctx->sources.overlay_cookie = d;
    d->compiled = 1;
    d->dirty = 0;
    d->model = NULL;
    d->plan = NULL;
    d->root = 0;
    struct vg_cli cli;
    memset(&cli, 0, sizeof cli);
    const char *inputs[1] = {"-"};
    cli.command = "lint";
    cli.inputs = inputs;
    cli.ninputs = 1;
    cli.stdin_filename = d->path;
    cli.stdin_text = d->text;
    cli.stdin_len = d->len;
    cli.stdin_text_set = 1;
    cli.catalogs = s->catalogs;
    cli.ncatalogs = s->ncatalogs;
    cli.today = s->today;
    cli.today_set = s->today_set;
    cli.error_limit = 50; /* as `lint` */
    cli.fail_on = VG_LEVEL_WARNING;
    cli.no_config = !d->is_file; /* an untitled buffer has no folder */
    size_t nfiles;
    vg_pipeline_run(ctx, &cli, &d->model, &d->plan, &nfiles);
    for (uint32_t id = 1; id <= ctx->sources.n; id++) { /* the buffer: the source with no include site */
        const struct vg_source *src = vg_source_get(ctx, id);
        if (src && !src->included_at.file && src->text && strcmp(src->path, d->path) == 0) {
            d->root = id;
            break;
        }
    }
}

const struct vg_file_ast *vg_lsp_doc_tree(struct vg_lsp_doc *d)
{
    if (!d->parsed) {
        vg_ctx_init(&d->pctx);
        d->pctx.opt.error_limit = 0;
        uint32_t id = vg_source_add(&d->pctx, d->path, d->text, d->len, vg_span_make(0, 0, 0));
        d->ast = vg_parse(&d->pctx, id);
        d->parsed = 1;
    }
    return d->ast;
}

/* --- diagnostics ------------------------------------------------------------ */

static json_t *text_of_source(const struct vg_source *src, struct vg_lsp_text *t)
{
    t->text = src->text;
    t->len = src->len;
    t->lines = src->line_starts;
    t->nlines = src->nlines;
    return NULL;
}

/* The span in the root file that stands for `sp`: itself, or the include
 * that (transitively) brought its file in; file 0 if none. */
static struct vg_span root_span(const struct vg_ctx *ctx, uint32_t root, struct vg_span sp)
{
    for (int guard = 0; sp.file && sp.file != root && guard < 64; guard++) {
        const struct vg_source *src = vg_source_get(ctx, sp.file);
        if (!src)
            return vg_span_make(0, 0, 0);
        sp = src->included_at;
    }
    return sp.file == root ? sp : vg_span_make(0, 0, 0);
}

json_t *vg_lsp_doc_location(struct vg_lsp_doc *d, const struct vg_lsp_settings *s, struct vg_span sp)
{
    const struct vg_source *src = vg_source_get(&d->ctx, sp.file);
    if (!src)
        return NULL;
    struct vg_lsp_text t;
    text_of_source(src, &t);
    char *uri = sp.file == d->root ? vg_xstrdup(d->uri) : vg_lsp_path_to_uri(src->path);
    json_t *loc = json_pack("{s:s,s:o}", "uri", uri, "range", vg_lsp_range(&t, sp.start, sp.end, s->utf8));
    free(uri);
    return loc;
}

static json_t *one_diagnostic(struct vg_lsp_doc *d, const struct vg_lsp_settings *s, const struct vg_diag *g)
{
    static const int severity[] = {
        [VG_LEVEL_OFF] = 4, [VG_LEVEL_INFO] = 3, [VG_LEVEL_WARNING] = 2, [VG_LEVEL_ERROR] = 1};
    const struct vg_code_info *ci = vg_code_info(g->code);
    struct vg_lsp_text t = vg_lsp_doc_text(d);
    struct vg_strbuf msg;
    vg_sb_init(&msg);
    struct vg_span at = root_span(&d->ctx, d->root, g->span);
    if (g->span.file != d->root) { /* elsewhere: say where */
        const struct vg_source *src = vg_source_get(&d->ctx, g->span.file);
        if (src) {
            struct vg_loc l = vg_source_loc(src, g->span.start);
            vg_sb_printf(&msg, "%s:%u:%u: ", src->path, l.line, l.col);
        }
    }
    vg_sb_puts(&msg, g->message ? g->message : "");
    if (g->label)
        vg_sb_printf(&msg, "\n%s", g->label);
    if (g->merged)
        vg_sb_printf(&msg, " (and %u more like it)", g->merged);
    for (size_t i = 0; i < g->nnotes; i++)
        vg_sb_printf(&msg, "\nnote: %s", g->notes[i]);
    for (size_t i = 0; i < g->nhelps; i++)
        vg_sb_printf(&msg, "\nhelp: %s", g->helps[i]);

    char href[1024], lower[16];
    size_t k = 0;
    for (; ci->id[k] && k < sizeof lower - 1; k++)
        lower[k] = (char)tolower((unsigned char)ci->id[k]);
    lower[k] = 0;
    snprintf(href, sizeof href, "%s#%s-%s", s->docs_url, lower, ci->slug);

    json_t *o = json_pack("{s:o,s:i,s:s,s:s,s:{s:s},s:o}", "range", vg_lsp_range(&t, at.start, at.end, s->utf8),
                          "severity", severity[g->level], "code", ci->id, "source", "vgpuc", "codeDescription", "href",
                          href, "message", vg_lsp_string(msg.data ? msg.data : "", msg.len));
    vg_sb_free(&msg);
    json_t *rel = json_array();
    for (size_t i = 0; i < g->nlabels; i++) {
        json_t *loc = vg_lsp_doc_location(d, s, g->labels[i].span);
        if (!loc)
            continue;
        const char *m = g->labels[i].msg ? g->labels[i].msg : "related";
        json_array_append_new(rel, json_pack("{s:o,s:o}", "location", loc, "message", vg_lsp_string(m, strlen(m))));
    }
    if (json_array_size(rel))
        json_object_set_new(o, "relatedInformation", rel);
    else
        json_decref(rel);
    if (g->nhelps) {
        json_t *helps = json_array();
        for (size_t i = 0; i < g->nhelps; i++)
            json_array_append_new(helps, vg_lsp_string(g->helps[i], strlen(g->helps[i])));
        json_object_set_new(o, "data", json_pack("{s:o}", "helps", helps));
    }
    return o;
}

json_t *vg_lsp_doc_diagnostics(struct vg_lsp_doc *d, const struct vg_lsp_settings *s)
{
    json_t *list = json_array();
    for (size_t i = 0; i < d->ctx.diags.n; i++) {
        const struct vg_diag *g = d->ctx.diags.v[i];
        if (g->suppressed || g->level == VG_LEVEL_OFF)
            continue;
        json_array_append_new(list, one_diagnostic(d, s, g));
    }
    json_t *p = json_pack("{s:s,s:o}", "uri", d->uri, "diagnostics", list);
    if (d->version >= 0)
        json_object_set_new(p, "version", json_integer(d->version));
    return p;
}
