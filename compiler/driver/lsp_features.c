/*
 * lsp_features.c - the language server's answers about one document.
 *
 * Everything is read from what the compiler already built: the syntax tree
 * (vg_parse, comments kept) for symbols, folding, the word under the cursor,
 * definitions and references; the schema table for the directives of a block
 * and their arguments; the catalog for GPU models, profiles and releases; the
 * model of the last compile for the hosts a VM may run on and their GPUs; the
 * fmt engine for formatting. Completion reads the text before the cursor with
 * a small brace scanner instead of the tree, because the line being typed is
 * usually not a valid statement yet.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "syntax/fmt.h"
#include "driver/lsp.h"
#include "model/model.h"
#include "syntax/parse.h"
#include "model/schema.h"
#include "base/strbuf.h"
#include "model/values.h"
#include "model/range.h"

/* LSP enums used here */
enum { SYM_MODULE = 2, SYM_NAMESPACE = 3, SYM_STRUCT = 23, SYM_OBJECT = 19, SYM_PROPERTY = 7 };
enum { CI_PROPERTY = 10, CI_VALUE = 12, CI_KEYWORD = 14, CI_REFERENCE = 18, CI_ENUM_MEMBER = 20, CI_CLASS = 7 };

static uint32_t cursor(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s)
{
    json_t *pos = json_object_get(params, "position");
    struct vg_lsp_text t = vg_lsp_doc_text(d);
    return vg_lsp_offset(&t, json_integer_value(json_object_get(pos, "line")),
                         json_integer_value(json_object_get(pos, "character")), s->utf8);
}

static json_t *range_of(struct vg_lsp_doc *d, const struct vg_lsp_settings *s, struct vg_span sp)
{
    struct vg_lsp_text t = vg_lsp_doc_text(d);
    return vg_lsp_range(&t, sp.start, sp.end, s->utf8);
}

static enum vg_block child_block(enum vg_block block, const char *name)
{
    const struct vg_directive *row = vg_schema_find(block, name);
    return row ? row->child : VG_BLOCK_NONE;
}

static uint32_t stmt_end(const struct vg_stmt *st) { return st->close_span.file ? st->close_span.end : st->span.end; }

/* --- the statement under the cursor ----------------------------------------- */

#define MAX_DEPTH 8

struct hit {
    const struct vg_stmt *st;               /* innermost statement at the cursor, or NULL */
    enum vg_block block;                    /* the block it is in */
    const struct vg_stmt *outer[MAX_DEPTH]; /* its enclosing statements, outermost first */
    int depth;
    int arg; /* -1 the directive name, >= 0 an argument, -2 neither */
};

static int within(struct vg_span sp, uint32_t off) { return sp.file && sp.start <= off && off <= sp.end; }

static int find_at(const struct vg_stmt *first, enum vg_block block, uint32_t off, struct hit *h)
{
    for (const struct vg_stmt *st = first; st; st = st->next) {
        if (off < st->name_span.start || off > stmt_end(st))
            continue;
        if (st->body && h->depth < MAX_DEPTH) {
            h->outer[h->depth++] = st;
            if (find_at(st->body, child_block(block, st->name), off, h))
                return 1;
            h->depth--;
        }
        h->st = st;
        h->block = block;
        h->arg = -2;
        if (within(st->name_span, off))
            h->arg = -1;
        for (size_t i = 0; i < st->nargs; i++)
            if (within(st->args[i].span, off))
                h->arg = (int)i;
        return 1;
    }
    return 0;
}

static struct hit hit_at(struct vg_lsp_doc *d, uint32_t off)
{
    struct hit h;
    memset(&h, 0, sizeof h);
    h.arg = -2;
    const struct vg_file_ast *ast = vg_lsp_doc_tree(d);
    find_at(ast->first, VG_BLOCK_TOP, off, &h);
    return h;
}

/* --- document symbols and folding ------------------------------------------- */

static int symbol_kind(enum vg_block b)
{
    switch (b) {
    case VG_BLOCK_LICENSE: return SYM_MODULE;
    case VG_BLOCK_CLUSTER: return SYM_NAMESPACE;
    case VG_BLOCK_HOST: return SYM_STRUCT;
    case VG_BLOCK_VM: return SYM_OBJECT;
    default: return SYM_PROPERTY;
    }
}

static json_t *symbols_of(struct vg_lsp_doc *d, const struct vg_lsp_settings *s, const struct vg_stmt *first,
                          enum vg_block block, int depth)
{
    json_t *list = json_array();
    for (const struct vg_stmt *st = first; st; st = st->next) {
        enum vg_block child = child_block(block, st->name);
        if (!st->has_block || child == VG_BLOCK_NONE)
            continue;
        const struct vg_arg *a = st->nargs ? &st->args[0] : NULL;
        const char *name = a && a->len ? a->text : st->name;
        struct vg_span sel = a ? a->span : st->name_span;
        struct vg_strbuf detail;
        vg_sb_init(&detail);
        vg_sb_puts(&detail, st->name);
        for (const struct vg_stmt *c = st->body; c && child == VG_BLOCK_VM; c = c->next)
            if (strcmp(c->name, "gpu") == 0)
                for (size_t i = 0; i < c->nargs; i++)
                    vg_sb_printf(&detail, " %s", c->args[i].text);
        json_t *sym = json_pack("{s:o,s:o,s:i,s:o,s:o}", "name", vg_lsp_string(name, strlen(name)), "detail",
                                vg_lsp_string(vg_sb_str(&detail), detail.len), "kind", symbol_kind(child), "range",
                                range_of(d, s, vg_span_make(st->span.file, st->name_span.start, stmt_end(st))),
                                "selectionRange", range_of(d, s, sel));
        vg_sb_free(&detail);
        if (st->body && depth < MAX_DEPTH) {
            json_t *kids = symbols_of(d, s, st->body, child, depth + 1);
            if (json_array_size(kids))
                json_object_set_new(sym, "children", kids);
            else
                json_decref(kids);
        }
        json_array_append_new(list, sym);
    }
    return list;
}

json_t *vg_lsp_symbols(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err,
                       const char **msg)
{
    return symbols_of(d, s, vg_lsp_doc_tree(d)->first, VG_BLOCK_TOP, 0);
}

static uint32_t line_of(struct vg_lsp_doc *d, uint32_t off)
{
    size_t lo = 0, hi = d->nlines;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (d->lines[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return (uint32_t)lo;
}

static void fold_blocks(struct vg_lsp_doc *d, const struct vg_stmt *first, json_t *out, int depth)
{
    for (const struct vg_stmt *st = first; st; st = st->next) {
        if (!st->has_block || !st->close_span.file || !st->open_span.file)
            continue;
        uint32_t a = line_of(d, st->open_span.start), b = line_of(d, st->close_span.start);
        if (b > a)
            json_array_append_new(out,
                                  json_pack("{s:i,s:i,s:s}", "startLine", (int)a, "endLine",
                                            (int)b - 1 > (int)a ? (int)b - 1 : (int)a, "kind", "region"));
        if (depth < MAX_DEPTH)
            fold_blocks(d, st->body, out, depth + 1);
    }
}

json_t *vg_lsp_folding(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err,
                       const char **msg)
{
    const struct vg_file_ast *ast = vg_lsp_doc_tree(d);
    json_t *out = json_array();
    fold_blocks(d, ast->first, out, 0);
    /* runs of two or more comment lines */
    for (size_t i = 0; i < ast->ncomments;) {
        size_t j = i;
        uint32_t first = line_of(d, ast->comments[i].span.start), last = first;
        while (j + 1 < ast->ncomments && ast->comments[j + 1].own_line &&
               line_of(d, ast->comments[j + 1].span.start) == last + 1) {
            j++;
            last++;
        }
        if (last > first && ast->comments[i].own_line)
            json_array_append_new(
                out, json_pack("{s:i,s:i,s:s}", "startLine", (int)first, "endLine", (int)last, "kind", "comment"));
        i = j + 1;
    }
    return out;
}

/* --- names: declarations and references ------------------------------------ */

enum ref_kind { REF_NONE, REF_LICENSE, REF_HOST, REF_INCLUDE };

/* Does the declared word (maybe a range) name `name`? */
static int decl_names(const struct vg_arg *decl, const char *name)
{
    if (decl->kind == VG_ARG_STRING || !strchr(decl->text, '['))
        return strcmp(decl->text, name) == 0;
    struct vg_range r;
    const char *e;
    size_t es, ee;
    if (vg_range_parse(decl->text, decl->len, &r, &e, &es, &ee) != 1)
        return strcmp(decl->text, name) == 0;
    size_t n = strlen(name);
    if (n < r.prefix_len + r.suffix_len + 1 || strncmp(name, r.prefix, r.prefix_len) != 0 ||
        strncmp(name + n - r.suffix_len, r.suffix, r.suffix_len) != 0)
        return 0;
    uint64_t v = 0;
    for (size_t i = r.prefix_len; i < n - r.suffix_len; i++) {
        if (!isdigit((unsigned char)name[i]) || v > UINT64_MAX / 10 - 10)
            return 0;
        v = v * 10 + (uint64_t)(name[i] - '0');
    }
    if (v < r.lo || v > r.hi)
        return 0;
    char buf[512];
    vg_range_name(&r, v, buf, sizeof buf);
    return strcmp(buf, name) == 0;
}

/* What the word at the hit names: kind, the word, the cluster it lives in. */
struct name_ref {
    enum ref_kind kind;
    const struct vg_arg *word;
    const struct vg_stmt *cluster;
    int is_decl;
};

static struct name_ref classify(const struct hit *h)
{
    struct name_ref r = {REF_NONE, NULL, NULL, 0};
    if (!h->st || h->arg < 0)
        return r;
    const struct vg_stmt *st = h->st;
    r.word = &st->args[h->arg];
    for (int i = 0; i < h->depth; i++)
        if (strcmp(h->outer[i]->name, "cluster") == 0 && i == 0)
            r.cluster = h->outer[i];
    if (h->block == VG_BLOCK_TOP && strcmp(st->name, "include") == 0)
        r.kind = REF_INCLUDE;
    else if (h->block == VG_BLOCK_TOP && strcmp(st->name, "license-server") == 0 && h->arg == 0)
        r.kind = REF_LICENSE, r.is_decl = 1;
    else if (h->block == VG_BLOCK_CLUSTER && strcmp(st->name, "license-server") == 0 && h->arg == 0)
        r.kind = REF_LICENSE;
    else if (h->block == VG_BLOCK_CLUSTER && strcmp(st->name, "host") == 0 && h->arg == 0)
        r.kind = REF_HOST, r.is_decl = 1;
    else if (h->block == VG_BLOCK_VM && (strcmp(st->name, "host") == 0 || strcmp(st->name, "hosts") == 0))
        r.kind = REF_HOST;
    return r;
}

/* Every declaration (decls = 1) or reference (decls = 0) of the name. */
static void collect(const struct vg_file_ast *ast, const struct name_ref *r, int decls, const struct vg_arg **out,
                    size_t *n, size_t max)
{
    const char *name = r->word->text;
    for (const struct vg_stmt *top = ast->first; top; top = top->next) {
        if (r->kind == REF_LICENSE && decls && strcmp(top->name, "license-server") == 0 && top->has_block &&
            top->nargs && strcmp(top->args[0].text, name) == 0 && *n < max)
            out[(*n)++] = &top->args[0];
        if (strcmp(top->name, "cluster") != 0 || !top->has_block)
            continue;
        if (r->kind == REF_HOST && top != r->cluster)
            continue;
        for (const struct vg_stmt *c = top->body; c; c = c->next) {
            if (r->kind == REF_LICENSE && !decls && strcmp(c->name, "license-server") == 0 && !c->has_block &&
                c->nargs && strcmp(c->args[0].text, name) == 0 && *n < max)
                out[(*n)++] = &c->args[0];
            if (r->kind != REF_HOST || (strcmp(c->name, "host") != 0 && strcmp(c->name, "vm") != 0))
                continue;
            if (decls && strcmp(c->name, "host") == 0 && c->nargs &&
                (r->is_decl ? strcmp(c->args[0].text, name) == 0 : decl_names(&c->args[0], name)) && *n < max)
                out[(*n)++] = &c->args[0];
            if (decls || strcmp(c->name, "vm") != 0)
                continue;
            for (const struct vg_stmt *v = c->body; v; v = v->next) {
                if (strcmp(v->name, "host") != 0 && strcmp(v->name, "hosts") != 0)
                    continue;
                for (size_t i = 0; i < v->nargs; i++) {
                    int match = r->is_decl ? decl_names(r->word, v->args[i].text) : strcmp(v->args[i].text, name) == 0;
                    if (match && *n < max)
                        out[(*n)++] = &v->args[i];
                }
            }
        }
    }
}

/* A license server declared in an included file (the model of the last
 * compile knows it; the tree of this document does not). */
static const struct vg_license_server *other_file_license(struct vg_lsp_doc *d, const struct name_ref *r,
                                                          size_t found_here)
{
    if (r->kind != REF_LICENSE || r->is_decl || found_here || !d->model)
        return NULL;
    const struct vg_license_server *l = vg_hash_get(&d->model->license_by_name, r->word->text);
    return l && l->name_span.file && l->name_span.file != d->root ? l : NULL;
}

static char *include_path(struct vg_lsp_doc *d, const char *rel)
{
    if (rel[0] == '/' || !d->is_file)
        return vg_xstrdup(rel);
    const char *slash = strrchr(d->path, '/');
    size_t dl = slash ? (size_t)(slash - d->path) + 1 : 0;
    char *p = vg_xmalloc(dl + strlen(rel) + 1);
    memcpy(p, d->path, dl);
    strcpy(p + dl, rel);
    return p;
}

static json_t *loc_json(struct vg_lsp_doc *d, const struct vg_lsp_settings *s, struct vg_span sp)
{
    return json_pack("{s:s,s:o}", "uri", d->uri, "range", range_of(d, s, sp));
}

#define MAX_REFS 100000

/* The references of an included file: every `include` of an open document
 * that resolves to the same file (and, as its declaration, the file). */
static void include_refs(struct vg_lsp_doc *d, const struct vg_lsp_settings *s, const char *word, int with_decl,
                         json_t *list)
{
    char *path = include_path(d, word);
    char *target = realpath(path, NULL);
    free(path);
    if (!target)
        return;
    if (with_decl) {
        char *uri = vg_lsp_path_to_uri(target);
        json_array_append_new(list,
                              json_pack("{s:s,s:{s:{s:i,s:i},s:{s:i,s:i}}}", "uri", uri, "range", "start", "line", 0,
                                        "character", 0, "end", "line", 0, "character", 0));
        free(uri);
    }
    for (struct vg_lsp_doc *o = d->owner->first; o; o = o->next)
        for (const struct vg_stmt *top = vg_lsp_doc_tree(o)->first; top; top = top->next) {
            if (strcmp(top->name, "include") != 0 || top->nargs == 0)
                continue;
            char *p = include_path(o, top->args[0].text);
            char *r = realpath(p, NULL);
            if (r && strcmp(r, target) == 0)
                json_array_append_new(list, loc_json(o, s, top->args[0].span));
            free(r);
            free(p);
        }
    free(target);
}

json_t *vg_lsp_definition(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err,
                          const char **msg)
{
    struct hit h = hit_at(d, cursor(d, params, s));
    struct name_ref r = classify(&h);
    if (r.kind == REF_NONE)
        return json_null();
    if (r.kind == REF_INCLUDE) {
        char *path = include_path(d, r.word->text);
        char *uri = vg_lsp_path_to_uri(path);
        json_t *loc = json_pack("{s:s,s:{s:{s:i,s:i},s:{s:i,s:i}}}", "uri", uri, "range", "start", "line", 0,
                                "character", 0, "end", "line", 0, "character", 0);
        free(uri);
        free(path);
        return loc;
    }
    const struct vg_arg *found[64];
    size_t n = 0;
    collect(vg_lsp_doc_tree(d), &r, 1, found, &n, 64);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, loc_json(d, s, found[i]->span));
    const struct vg_license_server *l = other_file_license(d, &r, n);
    json_t *loc = l ? vg_lsp_doc_location(d, s, l->name_span) : NULL;
    if (loc)
        json_array_append_new(list, loc);
    return list;
}

json_t *vg_lsp_references(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err,
                          const char **msg)
{
    struct hit h = hit_at(d, cursor(d, params, s));
    struct name_ref r = classify(&h);
    json_t *list = json_array();
    json_t *ctx = json_object_get(params, "context");
    int with_decl = json_is_true(json_object_get(ctx, "includeDeclaration"));
    if (r.kind == REF_INCLUDE)
        include_refs(d, s, r.word->text, with_decl, list);
    if (r.kind != REF_LICENSE && r.kind != REF_HOST)
        return list;
    const struct vg_file_ast *ast = vg_lsp_doc_tree(d);
    const struct vg_arg **found = vg_xmalloc(MAX_REFS * sizeof *found);
    size_t n = 0;
    /* from a reference: find its declaration(s) first, then their references */
    struct name_ref from = r;
    const struct vg_arg *decl[64];
    size_t nd = 0;
    collect(ast, &r, 1, decl, &nd, 64);
    if (!r.is_decl && nd == 1) {
        from.word = decl[0];
        from.is_decl = 1;
    }
    collect(ast, &from, 0, found, &n, MAX_REFS);
    if (with_decl)
        for (size_t i = 0; i < nd; i++)
            json_array_append_new(list, loc_json(d, s, decl[i]->span));
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, loc_json(d, s, found[i]->span));
    free(found);
    return list;
}

/* --- hover ------------------------------------------------------------------ */

static void editions_of(const struct vg_catalog *c, char series, struct vg_strbuf *sb)
{
    static const struct {
        unsigned bit;
        const char *name;
    } eds[] = {{VG_ED_VWS, "vWS"}, {VG_ED_VPC, "vPC"}, {VG_ED_VAPPS, "vApps"}, {VG_ED_VCS, "vCS"}};
    unsigned set = series >= 'A' && series <= 'Z' ? c->licensing.series_editions[series - 'A'] : 0;
    int any = 0;
    for (size_t i = 0; i < sizeof eds / sizeof eds[0]; i++)
        if (set & eds[i].bit)
            vg_sb_printf(sb, "%s%s", any++ ? ", " : "", eds[i].name);
    if (!any)
        vg_sb_puts(sb, "unknown");
}

static void hover_profile(const struct vg_catalog *c, const struct vg_profile *p, struct vg_strbuf *sb)
{
    vg_sb_printf(sb, "**vGPU profile %s** (%s)\n\n", p->name, p->gpu && p->gpu->name ? p->gpu->name : "?");
    vg_sb_printf(sb, "- frame buffer: %u MB\n- series: %c (licensed by: ", p->fb_mb, p->series);
    editions_of(c, p->series, sb);
    vg_sb_printf(sb, ")\n- max per physical GPU: %u (same-size)", p->max_same);
    if (p->max_mixed)
        vg_sb_printf(sb, ", %u (mixed-size)", p->max_mixed);
    vg_sb_puts(sb, p->verified ? "\n" : " (derived, not sourced)\n");
    if (p->source)
        vg_sb_printf(sb, "\nsource: %s\n", p->source);
}

static void hover_gpu(const struct vg_gpu *g, struct vg_strbuf *sb)
{
    vg_sb_printf(sb, "**%s** (%s)\n\n- %u GPU(s) per board, %u MB frame buffer per GPU\n- %zu vGPU profiles\n",
                 g->name ? g->name : g->model, g->arch ? g->arch : "?", g->gpus_per_board, g->fb_mb, g->nprofiles);
    if (g->source)
        vg_sb_printf(sb, "\nsource: %s\n", g->source);
}

static void yyyymm(uint32_t v, struct vg_strbuf *sb)
{
    if (v)
        vg_sb_printf(sb, "%04u-%02u", v / 100, v % 100);
    else
        vg_sb_puts(sb, "unknown");
}

static void hover_release(const struct vg_release *r, struct vg_strbuf *sb)
{
    static const char *const cols[VG_DRV_COUNT] = {"vGPU Manager (ESXi/Linux)", "vGPU Manager (Windows)",
                                                   "guest driver (Windows)", "guest driver (Linux)"};
    vg_sb_printf(sb, "**vGPU software %s**: branch %s%s", r->name, r->branch ? r->branch : "?",
                 r->lts == 1       ? " (long-term support)"
                     : r->lts == 0 ? " (production branch)"
                                   : "");
    if (r->date)
        vg_sb_printf(sb, ", released %s", r->date);
    vg_sb_puts(sb, "\n\n");
    for (int k = 0; k < VG_DRV_COUNT; k++)
        if (r->driver[k])
            vg_sb_printf(sb, "- %s: %s\n", cols[k], r->driver[k]);
    vg_sb_puts(sb, "- branch end of support: ");
    yyyymm(r->branch_eos, sb);
    vg_sb_puts(sb, "\n");
    if (r->source)
        vg_sb_printf(sb, "\nsource: %s\n", r->source);
}

static void relnum(uint32_t n, struct vg_strbuf *sb)
{
    if (n % 1000 == VG_RELNUM_ANY_MINOR)
        vg_sb_printf(sb, "%u.x", n / 1000);
    else
        vg_sb_printf(sb, "%u.%u", n / 1000, n % 1000);
}

static void hover_platform(const struct vg_platform *p, struct vg_strbuf *sb)
{
    vg_sb_printf(sb, "**%s %s** (%s family)\n\n", p->family, p->version,
                 p->kind == VG_FAMILY_VSPHERE ? "vSphere" : "Hyper-V");
    if (p->os_build)
        vg_sb_printf(sb, "- OS build: %s\n", p->os_build);
    vg_sb_puts(sb, "- vGPU releases with a host package: ");
    if (p->vgpu_min)
        relnum(p->vgpu_min, sb);
    vg_sb_puts(sb, " .. ");
    if (p->vgpu_max)
        relnum(p->vgpu_max, sb);
    else
        vg_sb_puts(sb, "(open)");
    vg_sb_puts(sb, "\n- live migration of vGPU VMs: ");
    if (p->lm_vgpu) {
        vg_sb_puts(sb, "yes");
        if (p->lm_vgpu_min) {
            vg_sb_puts(sb, ", from vGPU ");
            relnum(p->lm_vgpu_min, sb);
        }
        if (p->lm_needs_datacenter)
            vg_sb_puts(sb, ", clustered: Datacenter edition");
    } else {
        vg_sb_puts(sb, "no");
    }
    vg_sb_printf(sb, "\n- mixed-size vGPU mode: %s\n", p->mixed_size ? "yes" : "no");
    if (p->source)
        vg_sb_printf(sb, "\nsource: %s\n", p->source);
}

static void hover_directive(const struct vg_directive *row, enum vg_block block, struct vg_strbuf *sb)
{
    const char *meaning = vg_lsp_meaning((int)block, row->name);
    vg_sb_printf(sb, "```\n%s\n```\n\n", row->usage);
    if (meaning)
        vg_sb_printf(sb, "%s\n\n", meaning);
    vg_sb_printf(sb, "In %s.", vg_block_name(block));
    if (row->flags & VG_DIR_REQUIRED)
        vg_sb_puts(sb, " Required.");
    if (row->flags & VG_DIR_ONCE)
        vg_sb_puts(sb, " At most once.");
    if (row->only_family)
        vg_sb_printf(sb, " Only for `%s`.", row->only_family);
    else if (row->families == (1u << VG_FAMILY_HYPERV))
        vg_sb_puts(sb, " Hyper-V family only (azure-stack-hci, azure-local, windows-server).");
    else if (row->families == (1u << VG_FAMILY_VSPHERE))
        vg_sb_puts(sb, " vSphere (esxi) only.");
    vg_sb_puts(sb, "\n");
}

static void hover_decl(struct vg_lsp_doc *d, const struct vg_arg *decl, struct vg_strbuf *sb)
{
    uint32_t line = line_of(d, decl->span.start);
    size_t a = d->lines[line], b = line + 1 < d->nlines ? d->lines[line + 1] - 1 : d->len;
    vg_sb_printf(sb, "declared at line %u:\n```\n", line + 1);
    vg_sb_add(sb, d->text + a, b - a > 200 ? 200 : b - a);
    vg_sb_puts(sb, "\n```\n");
}

json_t *vg_lsp_hover(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err, const char **msg)
{
    struct hit h = hit_at(d, cursor(d, params, s));
    if (!h.st || h.arg == -2)
        return json_null();
    const struct vg_stmt *st = h.st;
    const struct vg_directive *row = vg_schema_find(h.block, st->name);
    const struct vg_catalog *c = d->ctx.catalog;
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    struct vg_span at = h.arg == -1 ? st->name_span : st->args[h.arg].span;
    const char *word = h.arg >= 0 ? st->args[h.arg].text : NULL;
    if (h.arg == -1 && row) {
        hover_directive(row, h.block, &sb);
    } else if (row && word && c) {
        struct name_ref r = classify(&h);
        if ((r.kind == REF_LICENSE || r.kind == REF_HOST) && !r.is_decl) {
            const struct vg_arg *decl[4];
            size_t n = 0;
            collect(vg_lsp_doc_tree(d), &r, 1, decl, &n, 4);
            for (size_t i = 0; i < n; i++)
                hover_decl(d, decl[i], &sb);
            const struct vg_license_server *l = other_file_license(d, &r, n);
            const struct vg_source *src = l ? vg_source_get(&d->ctx, l->name_span.file) : NULL;
            if (src) {
                struct vg_loc lc = vg_source_loc(src, l->name_span.start);
                vg_sb_printf(&sb, "declared in `%s` at line %u: license server `%s`, kind %s\n", src->path, lc.line,
                             l->name,
                             l->kind == VG_LIC_DLS       ? "dls"
                                 : l->kind == VG_LIC_CLS ? "cls"
                                                         : "legacy");
            }
        } else if (row->args == VG_ARGS_MODE_MODEL && h.arg == 1 && st->nargs > 1) {
            const struct vg_profile *p = strcmp(st->args[0].text, "vgpu") == 0 ? vg_catalog_profile(c, word) : NULL;
            const struct vg_gpu *g = strcmp(st->args[0].text, "passthrough") == 0 ? vg_catalog_gpu(c, word) : NULL;
            if (p)
                hover_profile(c, p, &sb);
            if (g)
                hover_gpu(g, &sb);
        } else if (row->args == VG_ARGS_PLATFORM && st->nargs >= 2 && h.arg <= 1) {
            const struct vg_platform *p = vg_catalog_platform(c, st->args[0].text, st->args[1].text);
            if (p)
                hover_platform(p, &sb);
        } else if (row->args == VG_ARGS_MODEL && h.arg == 0) {
            const struct vg_gpu *g = vg_catalog_gpu(c, word);
            if (g)
                hover_gpu(g, &sb);
        } else if (row->args == VG_ARGS_VERSION &&
                   (strcmp(st->name, "vgpu-manager") == 0 || strcmp(st->name, "guest-driver") == 0)) {
            const struct vg_release *rel[VG_MAX_RELEASES_PER_VERSION];
            enum vg_driver_kind kind;
            size_t n = vg_catalog_resolve_any(c, word, &kind, rel, VG_MAX_RELEASES_PER_VERSION);
            if (n && kind != VG_DRV_COUNT) {
                vg_sb_printf(&sb, "`%s` is a driver version of release", word);
                for (size_t i = 0; i < n; i++)
                    vg_sb_printf(&sb, "%s %s", i ? "," : "", rel[i]->name);
                vg_sb_puts(&sb, "\n\n");
            }
            for (size_t i = 0; i < n; i++)
                hover_release(rel[i], &sb);
        }
    }
    json_t *res = json_null();
    if (sb.len)
        res = json_pack("{s:{s:s,s:o},s:o}", "contents", "kind", "markdown", "value", vg_lsp_string(sb.data, sb.len),
                        "range", range_of(d, s, at));
    vg_sb_free(&sb);
    return res;
}

/* --- completion ---------------------------------------------------------------- */

#define MAX_WORDS 16

/* The text before the cursor, read as blocks and statement words. */
struct context {
    enum vg_block stack[MAX_DEPTH + 1];
    const char *names[MAX_DEPTH + 1];
    size_t name_lens[MAX_DEPTH + 1]; /* the block's NAME word */
    int depth;                       /* blocks open; past MAX_DEPTH: unknown */
    const char *words[MAX_WORDS];
    size_t lens[MAX_WORDS];
    int nwords;
    int in_word; /* the cursor touches the last word */
    int in_comment;
};

static void scan_context(const char *t, size_t off, struct context *cx)
{
    memset(cx, 0, sizeof *cx);
    cx->stack[0] = VG_BLOCK_TOP;
    for (size_t i = 0; i < off;) {
        char ch = t[i];
        if (ch == '#') {
            while (i < off && t[i] != '\n')
                i++;
            if (i == off)
                cx->in_comment = 1;
            continue;
        }
        if (ch == '\n' || ch == ';') {
            cx->nwords = 0;
            i++;
            continue;
        }
        if (ch == '{' || ch == '}') {
            if (ch == '{') {
                enum vg_block b = VG_BLOCK_NONE;
                if (cx->nwords && cx->depth < MAX_DEPTH && cx->stack[cx->depth] != VG_BLOCK_NONE) {
                    char name[64];
                    snprintf(name, sizeof name, "%.*s", (int)(cx->lens[0] < 63 ? cx->lens[0] : 63), cx->words[0]);
                    b = child_block(cx->stack[cx->depth], name);
                }
                if (cx->depth < MAX_DEPTH) {
                    cx->depth++;
                    cx->stack[cx->depth] = b;
                    cx->names[cx->depth] = cx->nwords > 1 ? cx->words[1] : NULL;
                    cx->name_lens[cx->depth] = cx->nwords > 1 ? cx->lens[1] : 0;
                }
            } else if (cx->depth > 0) {
                cx->depth--;
            }
            cx->nwords = 0;
            i++;
            continue;
        }
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\0') { /* a NUL: the parser reports it */
            i++;
            continue;
        }
        size_t start = i;
        if (ch == '"') {
            start = ++i;
            while (i < off && t[i] != '"' && t[i] != '\n')
                i += t[i] == '\\' && i + 1 < off ? 2 : 1;
            size_t end = i < off ? i : off;
            if (cx->nwords < MAX_WORDS) {
                cx->words[cx->nwords] = t + start;
                cx->lens[cx->nwords++] = end - start;
            }
            if (i < off && t[i] == '"')
                i++;
            continue;
        }
        while (i < off && t[i] && !strchr(" \t\r\n;{}#\"", t[i]))
            i++;
        if (cx->nwords < MAX_WORDS) {
            cx->words[cx->nwords] = t + start;
            cx->lens[cx->nwords++] = i - start;
        }
    }
    cx->in_word = cx->nwords && cx->words[cx->nwords - 1] + cx->lens[cx->nwords - 1] == t + off;
}

static int word_is(const struct context *cx, int i, const char *s)
{
    return i < cx->nwords && strlen(s) == cx->lens[i] && memcmp(cx->words[i], s, cx->lens[i]) == 0;
}

struct items {
    json_t *list;
    struct vg_hash seen;
    struct vg_arena *arena;
};

static void add_item(struct items *it, const char *label, int kind, const char *detail, const char *doc)
{
    if (vg_hash_get(&it->seen, label))
        return;
    vg_hash_put(&it->seen, vg_strdup(it->arena, label), (void *)1);
    json_t *o = json_pack("{s:o,s:i}", "label", vg_lsp_string(label, strlen(label)), "kind", kind);
    if (detail)
        json_object_set_new(o, "detail", vg_lsp_string(detail, strlen(detail)));
    if (doc)
        json_object_set_new(o, "documentation",
                            json_pack("{s:s,s:o}", "kind", "markdown", "value", vg_lsp_string(doc, strlen(doc))));
    json_array_append_new(it->list, o);
}

static const struct vg_cluster *find_cluster(const struct vg_lsp_doc *d, const struct context *cx)
{
    if (!d->model)
        return NULL;
    for (int i = 1; i <= cx->depth; i++)
        if (cx->stack[i] == VG_BLOCK_CLUSTER && cx->names[i]) {
            char name[512];
            snprintf(name, sizeof name, "%.*s", (int)(cx->name_lens[i] < 511 ? cx->name_lens[i] : 511), cx->names[i]);
            return vg_hash_get(&d->model->cluster_by_name, name);
        }
    return NULL;
}

/* The VM being edited (its first name, if a range). */
static const struct vg_vm *find_vm(const struct vg_cluster *c, const struct context *cx)
{
    if (!c || cx->stack[cx->depth] != VG_BLOCK_VM || !cx->names[cx->depth])
        return NULL;
    char word[512], name[512];
    snprintf(word, sizeof word, "%.*s", (int)(cx->name_lens[cx->depth] < 511 ? cx->name_lens[cx->depth] : 511),
             cx->names[cx->depth]);
    struct vg_range r;
    const char *e;
    size_t es, ee;
    if (vg_range_parse(word, strlen(word), &r, &e, &es, &ee) == 1)
        vg_range_name(&r, r.lo, name, sizeof name);
    else
        snprintf(name, sizeof name, "%s", word);
    for (size_t i = 0; i < c->nvms; i++)
        if (strcmp(c->vms[i]->name, name) == 0)
            return c->vms[i];
    return NULL;
}

/* vGPU profiles (vgpu = 1) or GPU models offered by the GPUs of the hosts the VM may run on. */
static void complete_gpus(struct items *it, const struct vg_catalog *cat, const struct vg_cluster *c,
                          const struct vg_vm *vm, int vgpu)
{
    size_t offered = 0;
    for (size_t i = 0; c && i < c->nhosts; i++) {
        const struct vg_host *h = c->hosts[i];
        if (vm && !vg_vm_may_run_on(vm, h))
            continue;
        for (size_t g = 0; g < h->ngpus; g++) {
            const struct vg_gpu *m = h->gpus[g].model;
            if (!m)
                continue;
            offered++;
            char detail[256];
            snprintf(detail, sizeof detail, "on host %s", h->name);
            if (!vgpu)
                add_item(it, m->model, CI_CLASS, m->name, NULL);
            for (size_t p = 0; vgpu && p < m->nprofiles; p++) {
                char pd[256];
                snprintf(pd, sizeof pd, "%u MB, %u per GPU (%s)", m->profiles[p].fb_mb, m->profiles[p].max_same,
                         m->model);
                add_item(it, m->profiles[p].name, CI_VALUE, pd, NULL);
            }
        }
    }
    if (offered)
        return;
    for (size_t g = 0; g < cat->ngpus; g++) { /* no host GPU known yet: the whole catalog */
        const struct vg_gpu *m = cat->gpus[g];
        if (!vgpu)
            add_item(it, m->model, CI_CLASS, m->name, NULL);
        for (size_t p = 0; vgpu && p < m->nprofiles; p++)
            add_item(it, m->profiles[p].name, CI_VALUE, m->model, NULL);
    }
}

/* Releases, newest first, then the driver versions of the given columns. */
static void complete_releases(struct items *it, const struct vg_catalog *cat, int k1, int k2)
{
    for (size_t i = cat->nreleases; i-- > 0;) {
        const struct vg_release *r = cat->releases[i];
        char detail[128];
        snprintf(detail, sizeof detail, "release, branch %s%s", r->branch ? r->branch : "?",
                 r->lts == 1 ? " (LTS)" : "");
        add_item(it, r->name, CI_VALUE, detail, NULL);
    }
    for (size_t i = cat->nreleases; i-- > 0;) {
        const struct vg_release *r = cat->releases[i];
        for (int k = 0; k < VG_DRV_COUNT; k++) {
            if ((k != k1 && k != k2) || !r->driver[k])
                continue;
            char detail[128];
            snprintf(detail, sizeof detail, "driver version of release %s", r->name);
            add_item(it, r->driver[k], CI_VALUE, detail, NULL);
        }
    }
}

static void complete_args(struct vg_lsp_doc *d, struct items *it, const struct context *cx, int idx)
{
    const struct vg_catalog *cat = d->ctx.catalog;
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(cx->lens[0] < 63 ? cx->lens[0] : 63), cx->words[0]);
    enum vg_block block = cx->stack[cx->depth];
    const struct vg_directive *row = vg_schema_find(block, name);
    if (!row || !cat)
        return;
    const struct vg_cluster *c = find_cluster(d, cx);
    switch (row->args) {
    case VG_ARGS_ENUM:
    case VG_ARGS_ENUMS:
        if (row->args == VG_ARGS_ENUM && idx > 1)
            return;
        for (const struct vg_enum_val *e = row->enums; e && e->name; e++)
            add_item(it, e->name, CI_ENUM_MEMBER, row->usage, NULL);
        return;
    case VG_ARGS_MODE_MODEL:
        if (idx == 1)
            for (const struct vg_enum_val *e = row->enums; e && e->name; e++)
                add_item(it, e->name, CI_ENUM_MEMBER, row->usage, NULL);
        else if (idx == 2)
            complete_gpus(it, cat, c, find_vm(c, cx), word_is(cx, 1, "vgpu"));
        else if (idx == 3)
            add_item(it, "x", CI_KEYWORD, "x N: how many", NULL);
        return;
    case VG_ARGS_MODEL:
        if (idx == 1)
            for (size_t g = 0; g < cat->ngpus; g++)
                add_item(it, cat->gpus[g]->model, CI_CLASS, cat->gpus[g]->name, NULL);
        else if (idx == 2)
            add_item(it, "x", CI_KEYWORD, "x N: how many boards", NULL);
        return;
    case VG_ARGS_VERSION:
        if (idx == 1 && strcmp(name, "guest-driver") == 0)
            complete_releases(it, cat, VG_DRV_GUEST_WINDOWS, VG_DRV_GUEST_LINUX);
        else if (idx == 1 && strcmp(name, "vgpu-manager") == 0)
            complete_releases(it, cat, c && c->kind == VG_FAMILY_VSPHERE ? VG_DRV_HOST_ESXI : VG_DRV_HOST_HYPERV,
                              c && c->kind ? -1 : VG_DRV_HOST_ESXI);
        return;
    case VG_ARGS_PLATFORM:
        for (size_t i = 0; i < cat->nplatforms; i++) {
            const struct vg_platform *p = cat->platforms[i];
            if (idx == 1)
                add_item(it, p->family, CI_ENUM_MEMBER, "platform family", NULL);
            else if (idx == 2 && word_is(cx, 1, p->family))
                add_item(it, p->version, CI_VALUE, p->family, NULL);
        }
        return;
    case VG_ARGS_NAME:
    case VG_ARGS_NAMES:
        if (row->args == VG_ARGS_NAME && idx > 1)
            return;
        if (block == VG_BLOCK_CLUSTER && strcmp(name, "license-server") == 0 && d->model)
            for (size_t i = 0; i < d->model->nlicenses; i++)
                add_item(it, d->model->licenses[i]->name, CI_REFERENCE, "license server", NULL);
        if (block == VG_BLOCK_VM && c)
            for (size_t i = 0; i < c->nhosts; i++)
                add_item(it, c->hosts[i]->name, CI_REFERENCE, "host", NULL);
        return;
    default: return;
    }
}

json_t *vg_lsp_completion(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err,
                          const char **msg)
{
    struct context cx;
    scan_context(d->text, cursor(d, params, s), &cx);
    struct items it;
    it.list = json_array();
    it.arena = vg_arena_new();
    vg_hash_init(&it.seen, it.arena);
    int idx = cx.in_word ? cx.nwords - 1 : cx.nwords;
    enum vg_block block = cx.stack[cx.depth];
    if (!cx.in_comment && block != VG_BLOCK_NONE) {
        if (idx == 0) {
            size_t n;
            const struct vg_directive *rows = vg_schema_rows(&n);
            for (size_t i = 0; i < n; i++)
                if (rows[i].block == block)
                    add_item(&it, rows[i].name, CI_KEYWORD, rows[i].usage, NULL);
        } else {
            complete_args(d, &it, &cx, idx);
        }
    }
    vg_arena_free(it.arena);
    return json_pack("{s:b,s:o}", "isIncomplete", 0, "items", it.list);
}

/* --- formatting ---------------------------------------------------------------- */

json_t *vg_lsp_formatting(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err,
                          const char **msg)
{
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    uint32_t id = vg_source_add(&ctx, d->path, d->text, d->len, vg_span_make(0, 0, 0));
    struct vg_strbuf out;
    vg_sb_init(&out);
    json_t *res = NULL;
    if (!vg_fmt_source(&ctx, id, &out)) {
        *err = VG_RPC_REQUEST_FAILED;
        *msg = "not formatted: the file has syntax errors (as `vgpuc fmt`, which never rewrites such a file)";
    } else if (out.len == d->len && memcmp(out.data ? out.data : "", d->text, d->len) == 0) {
        res = json_array();
    } else {
        res = json_pack("[{s:o,s:o}]", "range", range_of(d, s, vg_span_make(1, 0, (uint32_t)d->len)), "newText",
                        vg_lsp_string(out.data ? out.data : "", out.len));
    }
    vg_sb_free(&out);
    vg_ctx_free(&ctx);
    return res;
}
