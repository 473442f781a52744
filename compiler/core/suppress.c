/*
 * suppress.c - inline suppressions: `# vgpuc: disable-next-line=CODE`,
 * `disable=CODE` … `enable=CODE`, `disable-file=CODE`, with `-- reason`.
 *
 * The parser hands over every `# vgpuc:` comment; they are parsed here at
 * once (malformed ones and unknown codes are VG9002 at their place) and kept.
 * At finish they are indexed by file and line through hashes, so matching a
 * diagnostic costs a hash lookup and a binary search, never a scan of all
 * suppressions. A suppressed diagnostic stays queued, marked, with its
 * reason; a suppression that matched nothing is VG9001.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "core/diag.h"
#include "base/hash.h"
#include "core/source.h"
#include "base/suggest.h"
#include "core/suppress.h"

enum verb { V_NEXT_LINE, V_DISABLE, V_ENABLE, V_FILE };

static const char *const verbs[] = {"disable-next-line", "disable", "enable", "disable-file"};
enum { NVERBS = sizeof verbs / sizeof *verbs };

#define SYNTAX_HELP \
    "write `# vgpuc: disable-next-line=CODE[,CODE...] -- reason` (or `disable=`, `enable=`, `disable-file=`)"

struct vg_suppression {
    enum verb verb;
    enum vg_code code;
    struct vg_span at; /* the code as written, for VG9001 */
    uint32_t line;     /* line of the comment */
    uint32_t order;
    const char *reason; /* NULL when none was given */
    uint32_t used;
};

/* A disable…enable range of lines for one file and code. */
struct range {
    uint32_t from, to; /* lines, inclusive */
    struct vg_suppression *s;
};
struct ranges {
    struct range *v;
    size_t n, cap;
};

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }
static int is_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static void unknown_code(struct vg_ctx *ctx, struct vg_span at, const char *word)
{
    struct vg_diag *d = vg_diag_emit(ctx, VG9002, at, "unknown code `%s` in suppression", word);
    if (!d)
        return; /* off, or past the warning limit: no suggestion to look for */
    vg_diag_label(ctx, d, "no such code or slug");
    const char *near = vg_code_suggest(word);
    if (near)
        vg_diag_help(ctx, d, "did you mean `%s`?", near);
    else
        vg_diag_help(ctx, d, "`vgpuc rules` lists every code and slug");
}

/* The verb after `vgpuc:` and its `=`: its index in verbs[], or -1 after
 * queueing VG9002. *pp moves past the `=`; *verb is the word read. */
static int read_verb(struct vg_ctx *ctx, struct vg_span span, const char **pp, const char *end, const char **verb)
{
    const char *p = *pp;
    while (p < end && is_space(*p))
        p++;
    const char *vw = p;
    while (p < end && is_word(*p))
        p++;
    *verb = vg_strndup(ctx->arena, vw, (size_t)(p - vw));
    int v = -1;
    for (int i = 0; i < NVERBS; i++)
        if (strcmp(*verb, verbs[i]) == 0)
            v = i;
    if (v < 0) {
        struct vg_diag *d = vg_diag_emit(ctx, VG9002, span, "unknown suppression `%s`", *verb);
        const char *near = d && **verb ? vg_suggest(*verb, verbs, NVERBS) : NULL;
        if (near)
            vg_diag_help(ctx, d, "did you mean `%s`?", near);
        vg_diag_help(ctx, d, SYNTAX_HELP);
        return -1;
    }
    if (p >= end || *p != '=') {
        struct vg_diag *d = vg_diag_emit(ctx, VG9002, span, "expected `=` and a code after `%s`", *verb);
        vg_diag_help(ctx, d, SYNTAX_HELP);
        return -1;
    }
    *pp = p + 1;
    return v;
}

/* The reason: everything after the first "--", trimmed (NULL: none); the
 * codes end where it starts. */
static const char *read_reason(struct vg_ctx *ctx, const char *p, const char *end, const char **codes_end)
{
    *codes_end = end;
    for (const char *q = p; q + 1 < end; q++)
        if (q[0] == '-' && q[1] == '-') {
            *codes_end = q;
            const char *r = q + 2, *re = end;
            while (r < re && is_space(*r))
                r++;
            while (re > r && is_space(re[-1]))
                re--;
            return re > r ? vg_strndup(ctx->arena, r, (size_t)(re - r)) : NULL;
        }
    return NULL;
}

/* What one suppression comment says, once its verb is read. */
struct comment {
    struct vg_span span; /* the comment */
    const char *text;    /* its text after the `#` */
    uint32_t base;       /* the offset of text[0] in the file */
    int verb;            /* index in verbs[] */
    int before_first_statement;
    uint32_t line;
    const char *reason;
};

/* The codes between p and end, each a suppression or a VG9001/VG9002; the
 * number of words read, or -1 after a character that cannot start a code. */
static int read_codes(struct vg_ctx *ctx, const struct comment *c, const char *p, const char *end)
{
    int ncodes = 0;
    for (;;) {
        while (p < end && (is_space(*p) || *p == ','))
            p++;
        if (p >= end)
            return ncodes;
        const char *w = p;
        while (p < end && is_word(*p))
            p++;
        struct vg_span at =
            vg_span_make(c->span.file, c->base + (uint32_t)(w - c->text), c->base + (uint32_t)(p - c->text));
        if (p == w) { /* a character that cannot start a code */
            struct vg_diag *d = vg_diag_emit(ctx, VG9002, vg_span_make(c->span.file, at.start, at.start + 1),
                                             "unexpected `%.1s` in suppression", w);
            vg_diag_help(ctx, d, "separate codes with `,` and put the reason after `--`");
            return -1;
        }
        char *word = vg_strndup(ctx->arena, w, (size_t)(p - w));
        ncodes++;
        int code = vg_code_lookup(word);
        if (code < 0) {
            unknown_code(ctx, at, word);
            continue;
        }
        if (c->verb == V_FILE && !c->before_first_statement) {
            struct vg_diag *d =
                vg_diag_emit(ctx, VG9001, at, "`disable-file=%s` after the first statement has no effect", word);
            vg_diag_help(ctx, d, "move this comment above the first statement of the file");
            continue;
        }
        struct vg_suppression s = {(enum verb)c->verb,         (enum vg_code)code, at, c->line,
                                   (uint32_t)ctx->diags.nsupp, c->reason,          0};
        VG_PUSH(ctx->arena, ctx->diags.supp, ctx->diags.nsupp, ctx->diags.cap_supp, s);
    }
}

void vg_suppress_comment(struct vg_ctx *ctx, struct vg_span span, const char *text, size_t len,
                         int before_first_statement)
{
    const struct vg_source *src = vg_source_get(ctx, span.file);
    if (ctx->opt.no_inline_suppressions || !src)
        return;
    size_t skip = vg_suppress_prefix(text, len);
    if (!skip)
        return;
    struct comment c = {span, text, 0, -1, before_first_statement, 0, NULL};
    /* The comment text ends where the span ends; offsets of codes follow from it. */
    c.base = span.end >= len && span.end - len >= span.start ? span.end - (uint32_t)len : span.start;
    const char *p = text + skip, *end = text + len, *verb, *codes_end;
    if ((c.verb = read_verb(ctx, span, &p, end, &verb)) < 0)
        return;
    c.reason = read_reason(ctx, p, end, &codes_end);
    c.line = vg_source_loc(src, span.start).line;
    if (read_codes(ctx, &c, p, codes_end) == 0) {
        struct vg_diag *d = vg_diag_emit(ctx, VG9002, span, "suppression `%s` names no code", verb);
        vg_diag_help(ctx, d, SYNTAX_HELP);
    }
}

static int cmp_supp(const void *a, const void *b)
{
    const struct vg_suppression *x = a, *y = b;
    if (x->at.file != y->at.file)
        return x->at.file < y->at.file ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static size_t key(char *buf, size_t n, uint32_t file, uint32_t line, enum vg_code code)
{
    return (size_t)snprintf(buf, n, "%u:%u:%d", file, line, (int)code);
}

static void put(struct vg_ctx *ctx, struct vg_hash *h, const char *k, size_t n, void *val)
{
    vg_hash_put(h, vg_strndup(ctx->arena, k, n), val);
}

struct index {
    struct vg_hash next_line;  /* "file:line:code" of the line after the comment */
    struct vg_hash whole_file; /* "file:0:code" */
    struct vg_hash ranges;     /* "file:0:code" -> struct ranges */
};

/* The last line of the block that the statement on `line` (1-based) opens:
   braces outside strings and comments are counted until they close. `line`
   itself when it opens no block, or closes it on the same line. */
static uint32_t block_end(const struct vg_ctx *ctx, uint32_t file, uint32_t line)
{
    const struct vg_source *src = vg_source_get(ctx, file);
    if (!src || !src->valid || !line || line > src->nlines)
        return line;
    const char *t = src->text;
    size_t i = src->line_starts[line - 1];
    uint32_t at = line;
    long depth = 0;
    int opened = 0;
    for (; i < src->len; i++) {
        char c = t[i];
        if (c == '\n') {
            if (!opened)
                return line; /* the statement ended without a block */
            at++;
        } else if (c == '#') {
            while (i + 1 < src->len && t[i + 1] != '\n')
                i++;
        } else if (c == '"') {
            for (i++; i < src->len && t[i] != '"' && t[i] != '\n'; i++)
                if (t[i] == '\\' && i + 1 < src->len)
                    i++;
        } else if (c == '{') {
            depth++;
            opened = 1;
        } else if (c == '}' && opened && --depth == 0) {
            return at;
        }
    }
    return line;
}

static void build_index(struct vg_ctx *ctx, struct index *ix)
{
    struct vg_diags *q = &ctx->diags;
    vg_hash_init(&ix->next_line, ctx->arena);
    vg_hash_init(&ix->whole_file, ctx->arena);
    vg_hash_init(&ix->ranges, ctx->arena);
    struct vg_hash open; /* "file:0:code" -> the disable not yet enabled */
    vg_hash_init(&open, ctx->arena);
    char k[48];
    for (size_t i = 0; i < q->nsupp; i++) {
        struct vg_suppression *s = &q->supp[i];
        size_t n = key(k, sizeof k, s->at.file, s->verb == V_NEXT_LINE ? s->line + 1 : 0, s->code);
        switch (s->verb) {
        case V_NEXT_LINE: {
            /* above a block (`vm v-[01..04] {` ... `}`) it covers the whole block */
            uint32_t end = block_end(ctx, s->at.file, s->line + 1);
            if (end == s->line + 1) {
                put(ctx, &ix->next_line, k, n, s);
                break;
            }
            n = key(k, sizeof k, s->at.file, 0, s->code);
            struct ranges *rs = vg_hash_getn(&ix->ranges, k, n);
            if (!rs) {
                rs = vg_alloc(ctx->arena, sizeof *rs);
                put(ctx, &ix->ranges, k, n, rs);
            }
            struct range r = {s->line + 1, end, s};
            VG_PUSH(ctx->arena, rs->v, rs->n, rs->cap, r);
            break;
        }
        case V_FILE: put(ctx, &ix->whole_file, k, n, s); break;
        case V_DISABLE:
            if (!vg_hash_getn(&open, k, n)) /* a second disable stays unused: VG9001 */
                vg_hash_set(&open, vg_strndup(ctx->arena, k, n), s);
            break;
        case V_ENABLE: {
            struct vg_suppression *d = vg_hash_getn(&open, k, n);
            if (!d)
                break;
            s->used = 1;
            struct ranges *rs = vg_hash_getn(&ix->ranges, k, n);
            if (!rs) {
                rs = vg_alloc(ctx->arena, sizeof *rs);
                put(ctx, &ix->ranges, k, n, rs);
            }
            struct range r = {d->line + 1, s->line, d};
            VG_PUSH(ctx->arena, rs->v, rs->n, rs->cap, r);
            vg_hash_set(&open, vg_strndup(ctx->arena, k, n), NULL);
            break;
        }
        }
    }
    /* Ranges never enabled again last to the end of the file. */
    for (size_t i = 0; i < open.cap; i++) {
        struct vg_suppression *d = open.slots[i].key ? open.slots[i].val : NULL;
        if (!d)
            continue;
        struct ranges *rs = vg_hash_getn(&ix->ranges, open.slots[i].key, open.slots[i].klen);
        if (!rs) {
            rs = vg_alloc(ctx->arena, sizeof *rs);
            put(ctx, &ix->ranges, open.slots[i].key, open.slots[i].klen, rs);
        }
        struct range r = {d->line + 1, UINT32_MAX, d};
        VG_PUSH(ctx->arena, rs->v, rs->n, rs->cap, r);
    }
}

static int cmp_range(const void *a, const void *b)
{
    const struct range *x = a, *y = b;
    return x->from < y->from ? -1 : x->from > y->from;
}

static struct vg_suppression *in_ranges(const struct ranges *rs, uint32_t line)
{
    size_t lo = 0, hi = rs->n; /* first range starting after `line` */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rs->v[mid].from <= line)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo && rs->v[lo - 1].to >= line ? rs->v[lo - 1].s : NULL;
}

static struct vg_suppression *match(const struct vg_ctx *ctx, const struct index *ix, const struct vg_diag *d)
{
    const struct vg_source *src = vg_source_get(ctx, d->span.file);
    if (!src)
        return NULL;
    uint32_t line = vg_source_loc(src, d->span.start).line;
    char k[48];
    size_t n = key(k, sizeof k, d->span.file, line, d->code);
    struct vg_suppression *s = vg_hash_getn(&ix->next_line, k, n);
    if (s)
        return s;
    n = key(k, sizeof k, d->span.file, 0, d->code);
    if ((s = vg_hash_getn(&ix->whole_file, k, n)))
        return s;
    const struct ranges *rs = vg_hash_getn(&ix->ranges, k, n);
    return rs ? in_ranges(rs, line) : NULL;
}

void vg_suppress_apply(struct vg_ctx *ctx)
{
    struct vg_diags *q = &ctx->diags;
    if (!q->nsupp)
        return;
    qsort(q->supp, q->nsupp, sizeof *q->supp, cmp_supp);
    struct index ix;
    build_index(ctx, &ix);
    for (size_t i = 0; i < ix.ranges.cap; i++) {
        struct ranges *rs = ix.ranges.slots[i].key ? ix.ranges.slots[i].val : NULL;
        if (rs && rs->n > 1)
            qsort(rs->v, rs->n, sizeof *rs->v, cmp_range);
    }
    size_t n = q->n;
    for (size_t i = 0; i < n; i++) {
        struct vg_diag *d = q->v[i];
        struct vg_suppression *s = d->suppressed ? NULL : match(ctx, &ix, d);
        if (!s)
            continue;
        d->suppressed = 1;
        d->suppress_reason = s->reason;
        s->used++;
        q->counts[d->level]--;
        q->suppressed++;
    }
    for (size_t i = 0; i < q->nsupp; i++) {
        const struct vg_suppression *s = &q->supp[i];
        if (s->used)
            continue;
        const struct vg_code_info *ci = vg_code_info(s->code);
        struct vg_diag *d;
        if (s->verb == V_ENABLE) {
            d = vg_diag_emit(ctx, VG9001, s->at, "`enable=%s` without a `disable=%s` before it", ci->id, ci->id);
            vg_diag_help(ctx, d, "remove this `enable`, or add `# vgpuc: disable=%s` above the lines to suppress",
                         ci->id);
        } else {
            d = vg_diag_emit(ctx, VG9001, s->at, "`%s=%s` suppressed nothing", verbs[s->verb], ci->id);
            vg_diag_label(ctx, d, "no %s here", ci->id);
            vg_diag_help(ctx, d, "remove the suppression (or this code from it)");
        }
    }
}

void vg_suppress_copy(struct vg_ctx *to, const struct vg_ctx *from)
{
    const struct vg_diags *q = &from->diags;
    if (!q->nsupp)
        return;
    to->diags.supp = vg_alloc_copy(to->arena, q->supp, q->nsupp * sizeof *q->supp);
    to->diags.nsupp = to->diags.cap_supp = q->nsupp;
}
