/*
 * diff.c - a minimal unified diff of two texts (Myers' O(ND) algorithm,
 * bounded), for `vgpuc fmt --diff`.
 */
#include "base/diff.h"

#include <stdlib.h>
#include <string.h>

#define DIFF_CONTEXT 3
#define DIFF_MAX_EDITS 1000 /* beyond this, the changed middle is shown as one hunk */

struct lines {
    const char **s;
    size_t *n;
    size_t count;
};

static void split_lines(const char *text, size_t len, struct lines *l)
{
    size_t cap = 16;
    l->s = vg_xmalloc(cap * sizeof *l->s);
    l->n = vg_xmalloc(cap * sizeof *l->n);
    l->count = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        if (l->count == cap) {
            cap *= 2;
            l->s = vg_xrealloc(l->s, cap * sizeof *l->s);
            l->n = vg_xrealloc(l->n, cap * sizeof *l->n);
        }
        l->s[l->count] = text + i;
        l->n[l->count++] = j - i;
        i = j + 1;
    }
}

static int same_line(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
    return a->n[i] == b->n[j] && memcmp(a->s[i], b->s[j], a->n[i]) == 0;
}

/* ops[k]: ' ' keep, '-' delete from a, '+' insert from b; returns the count. */
static size_t diff_ops(const struct lines *a, const struct lines *b, char **ops_out)
{
    size_t pre = 0, suf = 0;
    while (pre < a->count && pre < b->count && same_line(a, pre, b, pre))
        pre++;
    while (suf < a->count - pre && suf < b->count - pre && same_line(a, a->count - 1 - suf, b, b->count - 1 - suf))
        suf++;
    long n = (long)(a->count - pre - suf), m = (long)(b->count - pre - suf);
    char *ops = vg_xmalloc(a->count + b->count + 1);
    size_t nops = 0;
    for (size_t i = 0; i < pre; i++)
        ops[nops++] = ' ';
    long max = n + m;
    long dmax = max < DIFF_MAX_EDITS ? max : DIFF_MAX_EDITS;
    long off = dmax + 1;
    long *v = vg_xcalloc((size_t)(2 * dmax + 3), sizeof *v);
    long **trace = vg_xcalloc((size_t)dmax + 1, sizeof *trace);
    long found = -1;
    for (long d = 0; d <= dmax && found < 0; d++) {
        for (long k = -d; k <= d; k += 2) {
            long x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1;
            long y = x - k;
            while (x < n && y < m && same_line(a, pre + (size_t)x, b, pre + (size_t)y))
                x++, y++;
            v[off + k] = x;
            if (x >= n && y >= m) {
                found = d;
                break;
            }
        }
        /* keep diagonals -d..d only: the trace stays O(D^2), bounded by the cap */
        trace[d] = vg_xmalloc((size_t)(2 * d + 3) * sizeof *v);
        memcpy(trace[d], v + off - d - 1, (size_t)(2 * d + 3) * sizeof *v);
    }
    char *mid = vg_xmalloc((size_t)(n + m) + 1);
    size_t nmid = 0;
    if (found < 0) { /* too many edits: replace the whole middle */
        for (long i = 0; i < n; i++)
            mid[nmid++] = '-';
        for (long i = 0; i < m; i++)
            mid[nmid++] = '+';
        for (size_t i = 0; i < nmid; i++)
            ops[nops++] = mid[i];
    } else { /* walk the trace back from (n, m), collecting ops in reverse */
        long x = n, y = m;
        for (long d = found; d > 0; d--) {
            const long *pv = trace[d - 1]; /* pv[k + d] is diagonal k after d - 1 edits */
            long k = x - y;
            long pk = (k == -d || (k != d && pv[k - 1 + d] < pv[k + 1 + d])) ? k + 1 : k - 1;
            long px = pv[pk + d], py = px - pk;
            while (x > px && y > py)
                mid[nmid++] = ' ', x--, y--;
            mid[nmid++] = pk == k + 1 ? '+' : '-';
            x = px;
            y = py;
        }
        while (x > 0 && y > 0)
            mid[nmid++] = ' ', x--, y--;
        while (nmid)
            ops[nops++] = mid[--nmid];
    }
    for (size_t i = 0; i < suf; i++)
        ops[nops++] = ' ';
    for (long d = 0; d <= dmax; d++)
        free(trace[d]);
    free(trace);
    free(v);
    free(mid);
    *ops_out = ops;
    return nops;
}

static void diff_line(struct vg_strbuf *out, char op, const char *s, size_t n)
{
    vg_sb_putc(out, op);
    vg_sb_add(out, s, n);
    vg_sb_putc(out, '\n');
}

void vg_unified_diff(const char *name, const char *old, size_t oldlen, const char *new_, size_t newlen,
                     struct vg_strbuf *out)
{
    struct lines a, b;
    split_lines(old, oldlen, &a);
    split_lines(new_, newlen, &b);
    char *ops;
    size_t nops = diff_ops(&a, &b, &ops);
    vg_sb_printf(out, "--- %s\n+++ %s\n", name, name);
    size_t i = 0, ai = 0, bi = 0;
    while (i < nops) {
        if (ops[i] == ' ') {
            i++, ai++, bi++;
            continue;
        }
        /* a hunk: from DIFF_CONTEXT kept lines before this change to DIFF_CONTEXT after the last
         * change that is not separated from the next one by more than 2 * DIFF_CONTEXT kept lines */
        size_t back = 0;
        while (back < DIFF_CONTEXT && back < i && ops[i - back - 1] == ' ')
            back++;
        size_t start = i - back, end = i, a0 = ai - back, b0 = bi - back;
        for (;;) {
            while (end < nops && ops[end] != ' ')
                end++;
            size_t keep = 0;
            while (end + keep < nops && ops[end + keep] == ' ')
                keep++;
            if (end + keep < nops && keep <= 2 * DIFF_CONTEXT) {
                end += keep;
                continue;
            }
            end += keep < DIFF_CONTEXT ? keep : DIFF_CONTEXT;
            break;
        }
        size_t na = 0, nb = 0;
        for (size_t k = start; k < end; k++) {
            na += ops[k] != '+';
            nb += ops[k] != '-';
        }
        vg_sb_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", na ? a0 + 1 : a0, na, nb ? b0 + 1 : b0, nb);
        size_t x = a0, y = b0;
        for (size_t k = start; k < end; k++) {
            if (ops[k] == ' ') {
                diff_line(out, ' ', a.s[x], a.n[x]);
                x++, y++;
            } else if (ops[k] == '-') {
                diff_line(out, '-', a.s[x], a.n[x]);
                x++;
            } else {
                diff_line(out, '+', b.s[y], b.n[y]);
                y++;
            }
        }
        i = end;
        ai = x;
        bi = y;
    }
    free(ops);
    free(a.s);
    free(a.n);
    free(b.s);
    free(b.n);
}
