/*
 * ps.h - the shared PowerShell writer of the hyperv and vmware backends.
 *
 * Everything that makes a generated script safe is here, once: names from
 * the .vgpu file become single-quoted literals (with every quote character
 * that PowerShell honours doubled), comment text cannot end its comment, the
 * header and the common prelude are the same for both targets, and every
 * change is written through one ShouldProcess block that records whether it
 * changed something, was already right, or was skipped.
 */
#ifndef VG_PS_H
#define VG_PS_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "catalog/catalog_data.h"

#define VG_PS_BOM "\xEF\xBB\xBF"

/* Append `s` as a single-quoted literal: ' and the Unicode single quotes
 * U+2018..U+201B are doubled; nothing inside is ever interpolated. */
void vg_ps_quote(struct vg_strbuf *sb, const char *s);
/* Append `s` as a PowerShell string expression that holds no raw control
 * character: a vg_ps_quote() literal, or, when `s` has C0/C1 controls, DEL or
 * U+2028/U+2029, a parenthesised concatenation such as ('a' + [char]0x000A + 'b'). */
void vg_ps_string(struct vg_strbuf *sb, const char *s);
/* Append `s` for a `#` comment: control characters and the Unicode line and
 * paragraph separators are written as \u{XXXX}, so the comment stays one line. */
void vg_ps_comment(struct vg_strbuf *sb, const char *s);
/* True when the script has a byte >= 0x80 and so is written with a BOM. */
int vg_ps_needs_bom(const char *data, size_t len);

/* `n` levels of four-space indentation. */
void vg_ps_indent(struct vg_strbuf *sb, int n);
/* Lines of fixed PowerShell (a NULL-terminated array), each indented. */
void vg_ps_lines(struct vg_strbuf *sb, int indent, const char *const *lines);

struct vg_ps_header {
    const struct vg_emit_info *info;
    const char *cluster;
    const char *platform; /* "azure-local 12.2504" */
    const char *target;   /* "hyperv" */
    const char *releases; /* "16.5 (host driver 538.33)"; NULL = none declared */
    const char *const *modules;
    size_t nmodules;           /* #Requires -Modules */
    const char *const *params; /* lines inside param(...), NULL-terminated */
    /* v2: the backends/powershell/ files embedded after param(...), in order,
     * NULL-terminated; NULL = the v1 prelude (strict mode, result list,
     * Add-VgpucResult, the pre-flight problem list) of the vmware backend. */
    const char *const *runtime;
};
/* Header comment, #Requires, [CmdletBinding(...)] param(...), then the
 * runtime files or the v1 prelude. */
void vg_ps_header(struct vg_strbuf *sb, const struct vg_ps_header *h);

/*
 * One idempotent change:
 *   if (<already>) { result 'already right' }
 *   elseif ($PSCmdlet.ShouldProcess(<target>, <action>)) { <body>; result 'changed' }
 *   else { result 'skipped' }
 * `already` may be NULL (no read-back: the change is always proposed).
 * `target` and `action` are PowerShell expressions (variables or literals).
 */
void vg_ps_change(struct vg_strbuf *sb, int indent, const char *already, const char *target, const char *action,
                  const char *const *body);

/* Stop with every pre-flight problem listed, having changed nothing. */
void vg_ps_preflight_end(struct vg_strbuf *sb, int indent);
/* The final table of results and the changed / already-right counts. */
void vg_ps_summary(struct vg_strbuf *sb, int indent);

/*
 * Shared data helpers of the two PowerShell backends.
 */
struct vg_ps_owners;
/* Per cluster: the hosts each VM may run on, rendered once per GPU model
 * (unpinned VMs) so that building the lists stays linear. */
struct vg_ps_owners *vg_ps_owners_new(struct vg_arena *a, const struct vg_cluster *c);
/* `@('h1', 'h2')`: the VM's `host`, else its `hosts`, else every host with its GPU model. */
const char *vg_ps_owners_of(struct vg_ps_owners *o, const struct vg_vm *vm);
/* "16.5 (host driver 538.33)" for every distinct vGPU Manager release of the
 * cluster's hosts, or NULL when none is declared. */
const char *vg_ps_releases(struct vg_arena *a, const struct vg_cluster *c);
/* The host driver string of the host's declared release for its platform, or NULL. */
const char *vg_ps_host_driver(const struct vg_host *h);
/* A byte count as a PowerShell numeric literal: 3GB, 33280MB, or plain bytes. */
void vg_ps_bytes(struct vg_strbuf *sb, uint64_t v);
/* "$true" / "$false". */
const char *vg_ps_bool(int b);

/* The embedded runtime file `name` ("common.ps1"), or NULL. */
const struct vg_embedded_file *vg_ps_runtime_file(const char *name);

#endif
