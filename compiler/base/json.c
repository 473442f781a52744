/*
 * json.c - what every JSON output shares: the head (format version and tool,
 * one convention for all; json.h) and the layout, compact JSON as the
 * renderers and printers write it re-indented for people.
 */
#include "base/json.h"

#ifndef VGPUC_VERSION
#define VGPUC_VERSION "0.0.0"
#endif

void vg_json_head(struct vg_strbuf *sb, const char *format_version, const char *tool_version)
{
    vg_sb_puts(sb, "\"format_version\":");
    vg_sb_json_str(sb, format_version);
    vg_sb_puts(sb, ",\"tool\":{\"name\":\"vgpuc\",\"version\":");
    vg_sb_json_str(sb, tool_version ? tool_version : VGPUC_VERSION);
    vg_sb_putc(sb, '}');
}

/*
 * Re-indent a compact JSON text (as the renderers write it) with two spaces
 * per level; empty arrays and objects stay on one line. Strings are copied
 * untouched, so this never changes a value.
 */
void vg_json_pretty(const char *s, size_t n, struct vg_strbuf *out)
{
    int depth = 0, in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            vg_sb_putc(out, c);
            if (c == '\\' && i + 1 < n)
                vg_sb_putc(out, s[++i]);
            else if (c == '"')
                in_str = 0;
            continue;
        }
        switch (c) {
        case '"':
            in_str = 1;
            vg_sb_putc(out, c);
            break;
        case '{': case '[':
            if (i + 1 < n && (s[i + 1] == '}' || s[i + 1] == ']')) {
                vg_sb_putc(out, c);
                vg_sb_putc(out, s[++i]);
                break;
            }
            vg_sb_putc(out, c);
            depth++;
            vg_sb_putc(out, '\n');
            for (int k = 0; k < depth; k++)
                vg_sb_puts(out, "  ");
            break;
        case '}': case ']':
            depth--;
            vg_sb_putc(out, '\n');
            for (int k = 0; k < depth; k++)
                vg_sb_puts(out, "  ");
            vg_sb_putc(out, c);
            break;
        case ',':
            vg_sb_putc(out, c);
            vg_sb_putc(out, '\n');
            for (int k = 0; k < depth; k++)
                vg_sb_puts(out, "  ");
            break;
        case ':':
            vg_sb_puts(out, ": ");
            break;
        default:
            vg_sb_putc(out, c);
        }
    }
    vg_sb_putc(out, '\n');
}
