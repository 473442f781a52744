/*
 * lsp_actions.c - the language server's code actions and commands.
 *
 * Quick fixes are made only from what the compiler already says
 * mechanically about a diagnostic it published: a "did you mean `X`?" help
 * replaces the word it points at; "... no `D`" (VG1008) adds the directive
 * on a new line of the block; "(16.5 matches the hosts)" (VG3001, VG3002)
 * sets the guest driver; "use one of 1, 2, 4" and "use at most 4
 * partitions" (VG6003) set `gpu-partitions`; and any vgpuc diagnostic can be silenced with
 * a `# vgpuc: disable-next-line=CODE -- reason` line above it, the reason
 * left for the user to write. The `vgpuc.plan` command returns the
 * placement plan (text, json or svg) of the cluster under the cursor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/cli.h"
#include "driver/lsp.h"
#include "model/model.h"
#include "plan/plan.h"
#include "base/strbuf.h"

/* The text between the first pair of backticks after `after` in s. */
static int backticked(const char *s, const char *after, char *out, size_t size)
{
    const char *p = after ? strstr(s, after) : s;
    if (!p)
        return 0;
    const char *a = strchr(p + (after ? strlen(after) : 0), '`');
    const char *b = a ? strchr(a + 1, '`') : NULL;
    if (!b || (size_t)(b - a - 1) >= size || b == a + 1)
        return 0;
    memcpy(out, a + 1, (size_t)(b - a - 1));
    out[b - a - 1] = 0;
    return 1;
}

static json_t *edit_action(const char *title, const char *uri, json_t *diag, json_t *range, const char *text,
                           int preferred)
{
    json_t *edit = json_pack("{s:{s:[{s:o,s:s}]}}", "changes", uri, "range", range, "newText", text);
    json_t *a = json_pack("{s:s,s:s,s:o,s:[O]}", "title", title, "kind", "quickfix", "edit", edit, "diagnostics", diag);
    if (preferred)
        json_object_set_new(a, "isPreferred", json_true());
    return a;
}

static json_t *point(int64_t line, int64_t ch)
{
    return json_pack("{s:{s:I,s:I},s:{s:I,s:I}}", "start", "line", (json_int_t)line, "character", (json_int_t)ch, "end",
                     "line", (json_int_t)line, "character", (json_int_t)ch);
}

/* The white space that starts a line. */
static size_t indent_of(const struct vg_lsp_doc *d, int64_t line, const char **start)
{
    if (line < 0 || (uint64_t)line >= d->nlines) {
        *start = "";
        return 0;
    }
    const char *s = d->text + d->lines[line];
    size_t n = 0;
    while (s + n < d->text + d->len && (s[n] == ' ' || s[n] == '\t'))
        n++;
    *start = s;
    return n;
}

/* The document text under an LSP range (malloc'd). */
static char *range_text(struct vg_lsp_doc *d, json_t *range, int utf8)
{
    struct vg_lsp_text t = vg_lsp_doc_text(d);
    json_t *a = json_object_get(range, "start"), *b = json_object_get(range, "end");
    uint32_t s = vg_lsp_offset(&t, json_integer_value(json_object_get(a, "line")),
                               json_integer_value(json_object_get(a, "character")), utf8);
    uint32_t e = vg_lsp_offset(&t, json_integer_value(json_object_get(b, "line")),
                               json_integer_value(json_object_get(b, "character")), utf8);
    if (e < s)
        e = s;
    char *r = vg_xmalloc(e - s + 1);
    memcpy(r, d->text + s, e - s);
    r[e - s] = 0;
    return r;
}

/* `gpu-partitions N` fixes: the range is the count, or the whole statement. */
static void partition_action(struct vg_lsp_doc *d, json_t *diag, json_t *range, const char *under, unsigned n,
                             json_t *out)
{
    char text[64], title[96];
    size_t k = strspn(under, "0123456789");
    if (k && !under[k])
        snprintf(text, sizeof text, "%u", n);
    else if (strncmp(under, "gpu-partitions", 14) == 0)
        snprintf(text, sizeof text, "gpu-partitions %u", n);
    else
        return;
    snprintf(title, sizeof title, "Set `gpu-partitions %u`", n);
    json_array_append_new(out, edit_action(title, d->uri, diag, json_deep_copy(range), text, 0));
}

static void known_fixes(struct vg_lsp_doc *d, json_t *diag, json_t *range, const char *message, int utf8, json_t *out)
{
    char *under = range_text(d, range, utf8);
    const char *m = strstr(message, " matches the hosts)");
    if (m && !strpbrk(under, " \t\n")) { /* the guest driver version is under the range */
        const char *open = m;
        while (open > message && open[-1] != '(')
            open--;
        if (open > message && m - open > 0 && m - open < 64) {
            char word[64], title[128];
            memcpy(word, open, (size_t)(m - open));
            word[m - open] = 0;
            snprintf(title, sizeof title, "Use `%s` (matches the hosts)", word);
            json_array_append_new(out, edit_action(title, d->uri, diag, json_deep_copy(range), word, 1));
        }
    }
    if ((m = strstr(message, "help: use one of "))) {
        const char *p = m + strlen("help: use one of ");
        for (int i = 0; i < 16; i++) {
            char *end;
            unsigned long v = strtoul(p, &end, 10);
            if (end == p || v > 65535)
                break;
            partition_action(d, diag, range, under, (unsigned)v, out);
            if (strncmp(end, ", ", 2) != 0)
                break;
            p = end + 2;
        }
    }
    /* the help names the count that fits the profiles, then the valid ones */
    if ((m = strstr(message, "help: use `gpu-partitions "))) {
        const char *p = m + strlen("help: use `gpu-partitions ");
        char *end;
        unsigned long best = strtoul(p, &end, 10);
        if (end != p && best && best <= 65535)
            partition_action(d, diag, range, under, (unsigned)best, out);
        const char *valid = strstr(m, "(valid: ");
        for (p = valid ? valid + strlen("(valid: ") : NULL; p;) {
            unsigned long v = strtoul(p, &end, 10);
            if (end == p || !v || v > 65535)
                break;
            if (v != best)
                partition_action(d, diag, range, under, (unsigned)v, out);
            if (strncmp(end, ", ", 2) != 0)
                break;
            p = end + 2;
        }
    }
    if ((m = strstr(message, "help: use at most ")) && strstr(m, " partitions")) {
        char *end;
        unsigned long v = strtoul(m + strlen("help: use at most "), &end, 10);
        if (end != m + strlen("help: use at most ") && v && v <= 65535)
            partition_action(d, diag, range, under, (unsigned)v, out);
    }
    free(under);
}

static void actions_for(struct vg_lsp_doc *d, json_t *diag, json_t *out, int utf8)
{
    const char *code = json_string_value(json_object_get(diag, "code"));
    const char *message = json_string_value(json_object_get(diag, "message"));
    const char *source = json_string_value(json_object_get(diag, "source"));
    json_t *range = json_object_get(diag, "range");
    int64_t line = json_integer_value(json_object_get(json_object_get(range, "start"), "line"));
    if (!code || !message || !source || strcmp(source, "vgpuc") != 0 || !json_is_object(range))
        return;
    char word[256], title[400];
    known_fixes(d, diag, range, message, utf8, out);
    if (backticked(message, "did you mean", word, sizeof word)) {
        snprintf(title, sizeof title, "Change to `%s`", word);
        json_array_append_new(out, edit_action(title, d->uri, diag, json_deep_copy(range), word, 1));
    }
    /* the line must be in the document and followed by another: the client's
     * diagnostic may be stale or made up */
    if (strcmp(code, "VG1008") == 0 && backticked(message, " no ", word, sizeof word) && line >= 0 &&
        (uint64_t)line + 1 < d->nlines) {
        const char *ls;
        size_t ind = indent_of(d, line, &ls);
        /* only when the block goes on after this line (not `vm v { ... }` on one line) */
        const char *lend = d->text + d->lines[line + 1];
        const char *brace = memchr(ls, '{', (size_t)(lend - ls));
        if (brace && !memchr(brace, '}', (size_t)(lend - brace))) {
            struct vg_strbuf sb;
            vg_sb_init(&sb);
            vg_sb_add(&sb, ls, ind);
            vg_sb_printf(&sb, "    %s \n", word);
            snprintf(title, sizeof title, "Add `%s`", word);
            json_array_append_new(out, edit_action(title, d->uri, diag, point(line + 1, 0), vg_sb_str(&sb), 1));
            vg_sb_free(&sb);
        }
    }
    const char *ls;
    size_t ind = indent_of(d, line, &ls);
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_sb_add(&sb, ls, ind);
    vg_sb_printf(&sb, "# vgpuc: disable-next-line=%s -- REASON\n", code);
    snprintf(title, sizeof title, "Suppress %s on the next line (with a reason)", code);
    json_array_append_new(out, edit_action(title, d->uri, diag, point(line, 0), vg_sb_str(&sb), 0));
    vg_sb_free(&sb);
}

json_t *vg_lsp_code_actions(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err,
                            const char **msg)
{
    json_t *out = json_array();
    size_t i;
    json_t *diag;
    json_array_foreach(json_object_get(json_object_get(params, "context"), "diagnostics"), i,
                       diag) if (json_is_object(diag)) actions_for(d, diag, out, s->utf8);
    return out;
}

/* workspace/executeCommand vgpuc.plan [uri, position?, format?] */
json_t *vg_lsp_plan_command(struct vg_lsp_doc *d, json_t *params, const struct vg_lsp_settings *s, int *err,
                            const char **msg)
{
    json_t *args = json_object_get(params, "arguments");
    json_t *posj = json_array_get(args, 1);
    const char *fmt = json_string_value(json_array_get(args, 2));
    if (!fmt)
        fmt = "text";
    if (strcmp(fmt, "text") && strcmp(fmt, "json") && strcmp(fmt, "svg")) {
        *err = VG_RPC_INVALID_PARAMS;
        *msg = "the format must be text, json or svg";
        return NULL;
    }
    if (!d->model || !d->plan || !d->model->nclusters) {
        *err = VG_RPC_REQUEST_FAILED;
        *msg = "no cluster to plan in this document";
        return NULL;
    }
    /* the cluster whose span holds the position, or the first */
    size_t pick = 0;
    if (json_is_object(posj)) {
        struct vg_lsp_text t = vg_lsp_doc_text(d);
        json_t *l = json_object_get(posj, "line"), *c = json_object_get(posj, "character");
        uint32_t off = vg_lsp_offset(&t, json_is_integer(l) ? json_integer_value(l) : 0,
                                     json_is_integer(c) ? json_integer_value(c) : 0, s->utf8);
        for (size_t i = 0; i < d->model->nclusters; i++) {
            struct vg_span sp = d->model->clusters[i]->span;
            if (sp.file == d->root && sp.start <= off && off <= sp.end)
                pick = i;
        }
    }
    if (pick >= d->plan->nclusters) {
        *err = VG_RPC_REQUEST_FAILED;
        *msg = "the cluster could not be planned";
        return NULL;
    }
    struct vg_plan one = {&d->plan->clusters[pick], 1};
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_plan_render(&d->ctx, &one, fmt, &sb);
    const char *name = d->model->clusters[pick]->name;
    json_t *r = json_pack("{s:o,s:s,s:o}", "cluster", vg_lsp_string(name, strlen(name)), "format", fmt, "content",
                          vg_lsp_string(sb.data ? sb.data : "", sb.len));
    vg_sb_free(&sb);
    return r;
}
