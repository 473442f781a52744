/*
 * cmd_fmt.c - `vgpuc fmt`: rewrite .vgpu files in the canonical layout
 * (syntax/fmt.c), list the files that would change (--check) or print the
 * changes as a unified diff (--diff, base/diff.c). A file with any error is
 * never rewritten; writes are atomic and happen only when the text changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diff.h"
#include "base/strbuf.h"
#include "core/diag.h"
#include "driver/cli.h"
#include "report/render.h"
#include "syntax/fmt.h"

int vg_cmd_fmt(struct vg_cli *cli)
{
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    ctx.opt.no_inline_suppressions = 1; /* fmt checks nothing that they could silence */
    if (cli->error_limit_set)
        ctx.opt.error_limit = cli->error_limit;
    size_t n, nfailed;
    const char **paths = vg_cli_expand_inputs(&ctx, cli, &n, &nfailed);
    int could_not = nfailed > 0, broken = 0, changed = 0;
    struct vg_strbuf out;
    vg_sb_init(&out);
    for (size_t i = 0; i < n; i++) {
        int is_stdin = strcmp(paths[i], "-") == 0;
        const char *display = is_stdin ? (cli->stdin_filename ? cli->stdin_filename : "<stdin>") : NULL;
        uint32_t id = vg_source_load(&ctx, paths[i], display, vg_span_make(0, 0, 0));
        if (!id) {
            could_not = 1;
            continue;
        }
        const struct vg_source *src = vg_source_get(&ctx, id);
        struct vg_strbuf text;
        vg_sb_init(&text);
        if (!vg_fmt_source(&ctx, id, &text)) {
            broken = 1; /* never rewrite a file that did not parse cleanly */
            vg_sb_free(&text);
            continue;
        }
        int same = text.len == src->len && memcmp(text.data ? text.data : "", src->text, src->len) == 0;
        if (is_stdin && !cli->check && !cli->diff) {
            vg_sb_add(&out, text.data ? text.data : "", text.len);
        } else if (!same) {
            changed = 1;
            if (cli->check)
                vg_sb_printf(&out, "%s\n", src->path);
            if (cli->diff)
                vg_unified_diff(src->path, src->text, src->len, text.data ? text.data : "", text.len, &out);
            if (!cli->check && !cli->diff && vg_rewrite_file(src->path, vg_sb_str(&text), text.len) != 0) {
                vg_diag_emit(&ctx, VG1009, vg_span_make(0, 0, 0), "cannot write `%s`", src->path);
                could_not = 1;
            }
        }
        vg_sb_free(&text);
    }
    fwrite(vg_sb_str(&out), 1, out.len, stdout);
    fflush(stdout);
    vg_sb_free(&out);
    vg_diags_finish(&ctx);
    if (ctx.diags.n) {
        struct vg_strbuf err;
        vg_sb_init(&err);
        struct vg_render_opts o = {cli->color, n, VGPUC_VERSION};
        vg_render(&ctx, VG_FMT_HUMAN, &o, &err);
        fwrite(vg_sb_str(&err), 1, err.len, stderr);
        vg_sb_free(&err);
    }
    vg_ctx_free(&ctx);
    if (could_not)
        return VG_EXIT_FAILURE;
    return broken || (cli->check && changed) ? VG_EXIT_FINDINGS : VG_EXIT_OK;
}
