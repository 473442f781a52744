/*
 * suppress.h - inline suppressions (`# vgpuc: disable-next-line=CODE`,
 * `disable=` ... `enable=`, `disable-file=`): collected from the comments by
 * the parser, applied to the queue when it is finished (suppress.c).
 */
#ifndef VG_SUPPRESS_H
#define VG_SUPPRESS_H

#include <stddef.h>

#include "core/source.h"

struct vg_ctx;

/*
 * Collect a suppression comment (called by the parser for every `# vgpuc:`
 * comment). `text` is the comment without the leading '#'.
 */
void vg_suppress_comment(struct vg_ctx *ctx, struct vg_span span, const char *text, size_t len,
                         int before_first_statement);
/*
 * Apply the collected suppressions to the queue and report unused ones
 * (VG9001); called by vg_diags_finish before merging (suppress.c).
 */
void vg_suppress_apply(struct vg_ctx *ctx);
/*
 * Give `to` (a scratch context that checks another state of the same
 * sources, rollout.c) a copy of the suppressions of `from`: they apply there
 * too, and their use there is not counted in `from`.
 */
void vg_suppress_copy(struct vg_ctx *to, const struct vg_ctx *from);

/* The one recognizer of a `# vgpuc:` comment: for a comment's text (after the
 * `#`), the offset just past `vgpuc:` (blanks and tabs before it skipped), or 0
 * when it is not one. The scanner keeps only these comments, suppress.c reads them. */
static inline size_t vg_suppress_prefix(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t'))
        i++;
    return len - i >= 6 && text[i] == 'v' && text[i + 1] == 'g' && text[i + 2] == 'p' && text[i + 3] == 'u' &&
            text[i + 4] == 'c' && text[i + 5] == ':'
        ? i + 6
        : 0;
}

#endif
