/*
 * names.c - the names a file declares: ranges expanded, duplicates found.
 *
 * A name argument stands for one name or, with a range (`vdi-[001..120]`), for
 * each name of the range (VG1005 for a bad one); every host and VM counts
 * against VG_MAX_OBJECTS. Duplicate names are VG1004: one report per range
 * against one earlier statement. Also the small text helpers of the model's
 * diagnostics (name lists, "did you mean").
 */
#include "model/builder.h"

#include <string.h>

#include "base/strbuf.h"
#include "base/suggest.h"
#include "model/range.h"

/* --- small helpers -------------------------------------------------------- */

static struct vg_span arg_subspan(const struct vg_arg *a, size_t from, size_t to)
{
    return vg_span_make(a->span.file, a->span.start + (uint32_t)from, a->span.start + (uint32_t)to);
}

/* "A16", "A16 and L4", "A16, L4 and T4" */
const char *vg_mb_join_names(struct vg_arena *a, const char *const *v, size_t n, const char *quote)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    for (size_t i = 0; i < n; i++) {
        if (i)
            vg_sb_puts(&sb, i + 1 == n ? " and " : ", ");
        vg_sb_printf(&sb, "%s%s%s", quote, v[i], quote);
    }
    const char *r = vg_strdup(a, vg_sb_str(&sb));
    vg_sb_free(&sb);
    return r;
}

void vg_mb_help_suggest(struct vg_ctx *ctx, struct vg_diag *d, const char *word, const char *const *cands, size_t n)
{
    const char *s = vg_suggest(word, cands, n);
    if (s)
        vg_diag_help(ctx, d, "did you mean `%s`?", s);
}

/* --- names and ranges ------------------------------------------------------ */

/*
 * The names a name argument stands for. A range in a word is expanded; bad
 * ranges are VG1005 at the bad part. Counts against VG_MAX_OBJECTS when
 * `objects` is set. Returns 0 (and no names) on error.
 */
int vg_mb_expand_name(struct builder *b, const struct vg_arg *a, int objects, struct names *out)
{
    struct vg_ctx *ctx = b->ctx;
    memset(out, 0, sizeof *out);
    struct vg_range r;
    const char *err = NULL;
    size_t es = 0, ee = 0;
    /* a word without `[` and `]` is one name (vg_range_parse would say 0):
     * not parsed (every VM of a file written VM by VM) */
    int rc = a->kind == VG_ARG_WORD && (memchr(a->text, '[', a->len) || memchr(a->text, ']', a->len))
        ? vg_range_parse(a->text, a->len, &r, &err, &es, &ee)
        : 0;
    if (rc < 0) {
        struct vg_diag *d = vg_diag_emit(ctx, VG1005, arg_subspan(a, es, ee), "bad range in `%s`: %s", a->text,
                                         err ? err : "malformed");
        vg_diag_help(ctx, d, "write one range as `[lo..hi]` with lo <= hi and at most %u names", VG_MAX_RANGE_NAMES);
        return 0;
    }
    uint64_t count = rc ? r.hi - r.lo + 1 : 1;
    if (rc && (r.hi < r.lo || count > VG_MAX_RANGE_NAMES)) { /* vg_range_parse promises this; keep it safe */
        vg_diag_emit(ctx, VG1005, a->span, "range `%s` has more than %u names", a->text, VG_MAX_RANGE_NAMES);
        return 0;
    }
    if (objects) {
        if (b->objects_full)
            return 0;
        if (b->objects + count > VG_MAX_OBJECTS) {
            b->objects_full = 1;
            struct vg_diag *d = vg_diag_emit(
                ctx, VG1005, a->span, "too many hosts and VMs: more than %u after range expansion", VG_MAX_OBJECTS);
            vg_diag_note(ctx, d, "hosts and VMs after this one are not read");
            return 0;
        }
        b->objects += count;
    }
    out->n = (size_t)count;
    if (!rc) {
        out->one = a->text;
        out->v = &out->one;
        return 1;
    }
    out->v = vg_alloc_array(ctx->arena, out->n, sizeof *out->v);
    out->group = ++b->range_groups;
    /* one block for all names: no per-name allocation overhead */
    size_t each = r.prefix_len + r.suffix_len + 22;
    char *buf = vg_alloc_array(ctx->arena, out->n, each);
    for (size_t i = 0; i < out->n; i++) {
        char *p = buf + i * each;
        vg_range_name(&r, r.lo + i, p, each);
        out->v[i] = p;
    }
    return 1;
}

/* How many names a name argument will make, without diagnostics: sizes the
 * cluster's arrays and hashes once instead of doubling them (a doubled table
 * leaves the old one in the arena). */
size_t vg_mb_name_count(const struct vg_arg *a)
{
    struct vg_range r;
    const char *err;
    size_t es, ee;
    /* a word without `[` is one name (or a bad range, counted 1 as any): no parse */
    if (!a || a->kind != VG_ARG_WORD || !memchr(a->text, '[', a->len) ||
        vg_range_parse(a->text, a->len, &r, &err, &es, &ee) <= 0 || r.hi < r.lo)
        return 1;
    return r.hi - r.lo < VG_MAX_RANGE_NAMES ? (size_t)(r.hi - r.lo + 1) : 1;
}

/* Room for n more hosts or VMs of one cluster, within the object limit. */
size_t vg_mb_room(const struct builder *b, size_t n)
{
    size_t left = b->objects < VG_MAX_OBJECTS ? VG_MAX_OBJECTS - b->objects : 0;
    return n < left ? n : left;
}

/* Cluster and license server names are never ranges: nothing could refer to them. */
int vg_mb_check_single_name(struct builder *b, const struct vg_arg *a, const char *what)
{
    struct vg_range r;
    const char *err;
    size_t es, ee;
    if (a->kind != VG_ARG_WORD || vg_range_parse(a->text, a->len, &r, &err, &es, &ee) == 0)
        return 1;
    struct vg_diag *d = vg_diag_emit(b->ctx, VG1005, a->span, "a %s name cannot hold a range", what);
    vg_diag_help(b->ctx, d, "ranges make hosts and VMs; write the %s name in quotes to keep the brackets", what);
    return 0;
}

/* --- duplicates ------------------------------------------------------------ */

void vg_mb_dup_flush(struct vg_ctx *ctx, struct dup_run *r)
{
    if (!r->n)
        return;
    struct vg_diag *d;
    if (r->n == 1) {
        d = vg_diag_emit(ctx, VG1004, r->later, "%s `%s` is declared twice%s", r->what, r->first, r->where);
        vg_diag_span(ctx, d, r->earlier, "`%s` is also declared here", r->other ? r->other : r->first);
        if (r->other)
            vg_diag_note(ctx, d,
                         "`%s` and `%s` are one name to Windows and vSphere: they compare names without "
                         "case%s",
                         r->other, r->first,
                         strcmp(r->what, "host") == 0 ? ", and a host name without a trailing dot" : "");
        vg_diag_subject(d, r->first);
    } else {
        d = vg_diag_emit(ctx, VG1004, r->later, "%zu %s names, `%s` to `%s`, are declared twice%s", r->n, r->what,
                         r->first, r->last, r->where);
        vg_diag_span(ctx, d, r->earlier, "`%s` to `%s` are also declared here", r->first, r->last);
    }
    vg_diag_help(ctx, d, "give every %s its own name", r->what);
    r->n = 0;
}

void vg_mb_dup_add(struct vg_ctx *ctx, struct dup_run *r, const char *name, struct vg_span later,
                   struct vg_span earlier, const char *earlier_name)
{
    if (r->n && (r->earlier.file != earlier.file || r->earlier.start != earlier.start || r->later.start != later.start))
        vg_mb_dup_flush(ctx, r);
    if (!r->n) {
        r->first = name;
        r->later = later;
        r->earlier = earlier;
    }
    r->last = name;
    r->other = r->n == 0 && strcmp(name, earlier_name) != 0 ? earlier_name : NULL;
    r->n++;
}

/* --- catalog references ---------------------------------------------------- */
