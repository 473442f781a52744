/*
 * render_sarif.c - `--format sarif`: SARIF 2.1.0 for GitHub code scanning.
 *
 * One run holds every file. tool.driver.rules[] lists every registry code in
 * registry order, so a result's ruleIndex is its enum value. Paths are URI
 * references relative to %SRCROOT% (the directory vgpuc was run from; it is
 * left without a `uri`, so the log stays the same on every machine), with
 * every byte outside the unreserved set percent-encoded. Columns count code
 * points (columnKind). informationUri is the project page.
 */
#include "report/render.h"
#include "base/json.h"

#include <string.h>

#define INFORMATION_URI "https://github.com/vgpuc/vgpuc"

/* properties.tags by the code's family (the digits after "VG"). */
static const struct {
    const char *prefix;
    const char *tag;
} families[] = {
    {"VG1", "syntax"},    {"VG2", "catalog"},  {"VG31", "license"}, {"VG3", "compatibility"},
    {"VG4", "migration"}, {"VG5", "capacity"}, {"VG6", "platform"}, {"VG9", "tool"},
};

static const char *family_tag(const char *id)
{
    for (size_t i = 0; i < sizeof families / sizeof *families; i++)
        if (strncmp(id, families[i].prefix, strlen(families[i].prefix)) == 0)
            return families[i].tag;
    return "other";
}

static const char *sarif_level(enum vg_level l)
{
    return l == VG_LEVEL_ERROR ? "error" : l == VG_LEVEL_WARNING ? "warning" : l == VG_LEVEL_INFO ? "note" : "none";
}

/* A JSON string holding the inert text of `s` with `{` and `}` doubled (SARIF §3.11.5). */
static void message_str(struct vg_strbuf *sb, const char *text)
{
    struct vg_strbuf t, in;
    vg_sb_init(&t);
    vg_sb_init(&in);
    vg_sb_put_inert(&in, text);
    for (const char *s = vg_sb_str(&in); *s; s++) {
        vg_sb_putc(&t, *s);
        if (*s == '{' || *s == '}')
            vg_sb_putc(&t, *s);
    }
    vg_sb_json_str(sb, vg_sb_str(&t));
    vg_sb_free(&t);
    vg_sb_free(&in);
}

static void uri(struct vg_strbuf *sb, const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    struct vg_strbuf t;
    vg_sb_init(&t);
    int absolute = path[0] == '/';
    if (absolute)
        vg_sb_puts(&t, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
            vg_sb_putc(&t, (char)*p);
        } else {
            vg_sb_putc(&t, '%');
            vg_sb_putc(&t, hex[*p >> 4]);
            vg_sb_putc(&t, hex[*p & 15]);
        }
    }
    vg_sb_puts(sb, "{\"uri\":");
    vg_sb_json_str(sb, vg_sb_str(&t));
    if (!absolute)
        vg_sb_puts(sb, ",\"uriBaseId\":\"%SRCROOT%\"");
    vg_sb_putc(sb, '}');
    vg_sb_free(&t);
}

/* An open location object with its physicalLocation (the span has a location). */
static void physical(const struct vg_ctx *ctx, struct vg_strbuf *sb, struct vg_span span)
{
    struct vg_linecol r = vg_span_linecol(ctx, span);
    vg_sb_puts(sb, "{\"physicalLocation\":{\"artifactLocation\":");
    uri(sb, r.src->path);
    vg_sb_printf(sb, ",\"region\":{\"startLine\":%u,\"startColumn\":%u,\"endLine\":%u,\"endColumn\":%u}}", r.start.line,
                 r.start.col, r.end.line, r.end.col);
}

/* The first paragraph of the explain text, or the summary. */
static void first_paragraph(struct vg_strbuf *sb, const struct vg_code_info *ci)
{
    const char *e = ci->explain;
    if (!e || !*e) {
        vg_sb_json_str(sb, ci->summary);
        return;
    }
    const char *end = strstr(e, "\n\n");
    size_t n = end ? (size_t)(end - e) : strlen(e);
    struct vg_strbuf t;
    vg_sb_init(&t);
    for (size_t i = 0; i < n; i++)
        vg_sb_putc(&t, e[i] == '\n' ? ' ' : e[i]);
    vg_sb_json_str(sb, vg_sb_str(&t));
    vg_sb_free(&t);
}

static void rule(struct vg_strbuf *sb, const struct vg_code_info *ci)
{
    const char *help = ci->explain && *ci->explain ? ci->explain : ci->summary;
    vg_sb_puts(sb, "{\"id\":");
    vg_sb_json_str(sb, ci->id);
    vg_sb_puts(sb, ",\"name\":");
    vg_sb_json_str(sb, ci->slug);
    vg_sb_puts(sb, ",\"shortDescription\":{\"text\":");
    vg_sb_json_str(sb, ci->summary);
    vg_sb_puts(sb, "},\"fullDescription\":{\"text\":");
    first_paragraph(sb, ci);
    vg_sb_puts(sb, "},\"help\":{\"text\":");
    vg_sb_json_str(sb, help);
    vg_sb_puts(sb, ",\"markdown\":");
    vg_sb_json_str(sb, help);
    vg_sb_printf(sb, "},\"defaultConfiguration\":{\"level\":\"%s\"},\"properties\":{\"tags\":[\"%s\"]}}",
                 sarif_level(ci->level), family_tag(ci->id));
}

static void result(const struct vg_ctx *ctx, struct vg_strbuf *sb, const struct vg_diag *d)
{
    const struct vg_code_info *ci = vg_code_info(d->code);
    vg_sb_puts(sb, "{\"ruleId\":");
    vg_sb_json_str(sb, ci->id);
    vg_sb_printf(sb, ",\"ruleIndex\":%d,\"level\":\"%s\",\"message\":{\"text\":", (int)d->code, sarif_level(d->level));
    message_str(sb, d->message);
    vg_sb_putc(sb, '}');
    if (vg_span_linecol(ctx, d->span).src) {
        vg_sb_puts(sb, ",\"locations\":[");
        physical(ctx, sb, d->span);
        vg_sb_puts(sb, "}]");
    }
    int any = 0;
    for (size_t i = 0; i < d->nlabels; i++) {
        if (!vg_span_linecol(ctx, d->labels[i].span).src)
            continue;
        vg_sb_puts(sb, any ? "," : ",\"relatedLocations\":[");
        physical(ctx, sb, d->labels[i].span);
        vg_sb_printf(sb, ",\"id\":%d", any + 1);
        if (d->labels[i].msg) {
            vg_sb_puts(sb, ",\"message\":{\"text\":");
            message_str(sb, d->labels[i].msg);
            vg_sb_putc(sb, '}');
        }
        vg_sb_putc(sb, '}');
        any++;
    }
    if (any)
        vg_sb_putc(sb, ']');
    if (d->suppressed) {
        vg_sb_puts(sb, ",\"suppressions\":[{\"kind\":\"inSource\"");
        if (d->suppress_reason) {
            vg_sb_puts(sb, ",\"justification\":");
            vg_sb_json_inert(sb, d->suppress_reason);
        }
        vg_sb_puts(sb, "}]");
    }
    if (d->merged) {
        vg_sb_printf(sb, ",\"properties\":{\"merged\":%u,\"mergedNames\":[", d->merged);
        for (size_t i = 0; i < d->nmerged_names; i++) {
            if (i)
                vg_sb_putc(sb, ',');
            vg_sb_json_inert(sb, d->merged_names[i]);
        }
        vg_sb_puts(sb, "]}");
    }
    vg_sb_putc(sb, '}');
}

void vg_render_sarif(const struct vg_ctx *ctx, const struct vg_render_opts *o, struct vg_strbuf *out)
{
    const char *version = o && o->tool_version ? o->tool_version : VGPUC_VERSION;
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_sb_puts(&sb,
               "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\","
               "\"runs\":[{\"tool\":{\"driver\":{\"name\":\"vgpuc\",\"version\":");
    vg_sb_json_str(&sb, version);
    vg_sb_puts(&sb, ",\"semanticVersion\":");
    vg_sb_json_str(&sb, version);
    vg_sb_puts(&sb, ",\"informationUri\":\"" INFORMATION_URI "\",\"rules\":[");
    for (int c = 0; c < VG_CODE_COUNT; c++) {
        if (c)
            vg_sb_putc(&sb, ',');
        rule(&sb, vg_code_info((enum vg_code)c));
    }
    vg_sb_puts(&sb,
               "]}},\"invocations\":[{\"executionSuccessful\":true}],"
               "\"originalUriBaseIds\":{\"%SRCROOT%\":{\"description\":{\"text\":"
               "\"The directory vgpuc was run from; result paths are relative to it.\"}}},"
               "\"columnKind\":\"unicodeCodePoints\",\"results\":[");
    for (size_t i = 0; i < ctx->diags.n; i++) {
        if (i)
            vg_sb_putc(&sb, ',');
        result(ctx, &sb, ctx->diags.v[i]);
    }
    vg_sb_puts(&sb, "]}]}");
    vg_json_pretty(sb.data, sb.len, out);
    vg_sb_free(&sb);
}
