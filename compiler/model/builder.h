/*
 * builder.h - what the files of the model builder share (model/ alone).
 *
 * The front end is four files, one job each: model.c reads the root files and
 * their includes through the streamed parser, build.c turns each block into
 * model objects, names.c expands and checks the names they declare, resolve.c
 * resolves their references against the catalog and the model. They share the
 * state of one build, `struct builder`, declared here; nothing outside model/
 * includes this header (model.h is the public one).
 */
#ifndef VG_MODEL_BUILDER_H
#define VG_MODEL_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "model/schema.h"
#include "core/diag.h"
#include "core/vg_limits.h"

struct host_group { /* one `host NAME { ... }` statement */
    struct vg_host tmpl;
    const struct vg_arg *name; /* NULL: the name was invalid */
    size_t first, count;       /* hosts made from it in cluster->hosts */
};

struct vm_group { /* one `vm NAME { ... }` statement */
    struct vg_vm tmpl;
    struct vg_span at[VG_AT_N]; /* its directives' spans, absolute: shared relative in the model */
    const struct vg_arg *name;
    const struct vg_arg *pin;
    const struct vg_stmt *hosts;
};

struct cluster_build {
    struct vg_cluster *c;
    struct vg_arg license_ref; /* a copy: the tree is gone when licenses are resolved */
    int has_license_ref;
    struct vg_arena *scratch; /* the groups below; released when the cluster is built */
    const char *family_name;  /* from the `platform` line, if its family is known */
    struct host_group **hg;
    size_t nhg, cap_hg;
    struct vm_group **vg;
    size_t nvg, cap_vg;
    int bad_host_names;  /* a host name failed to expand: no VG1006 for pins */
    uint32_t *host_seen; /* per host index: the `hosts` list that last named it */
    uint32_t hosts_stamp;
    const char **host_names;              /* "did you mean" candidates, built on first use */
    const struct vg_vm_spans *last_spans; /* of the VM statement before: statements written alike share one */
    /* the body of a VM statement read without a diagnostic, and what the
     * walk recorded of it: a VM written alike is stored from the record */
    const struct vg_stmt *vm_like;
    struct vg_schema_rec vm_rec;
};

struct file_rec { /* a file read in this run, by canonical path */
    uint32_t id;
    int done;
};

struct inc_frame {
    const char *key, *display;
    struct vg_span at; /* the include that brought it in; file 0 for a root */
};

struct builder {
    struct vg_ctx *ctx;
    const struct vg_catalog *cat;
    struct vg_model *m;
    struct cluster_build **cbs;
    size_t ncbs, cap_cbs;
    struct cluster_build *cur;
    struct vg_hash files; /* canonical path -> struct file_rec */
    struct inc_frame stack[VG_MAX_INCLUDE_DEPTH + 1];
    size_t depth;
    uint32_t range_groups;
    size_t objects;
    int objects_full;
    uint64_t host_refs, pgpus; /* `hosts` references and physical GPUs so far */
    int host_refs_full, pgpus_full;
    int bad_license_names;
    /* diagnostics queued aside while a root file is parsed (defer_begin) */
    struct vg_diags deferred;
    int deferring;
    uint32_t error_limit;
    /* resolved versions by (interned text, column): most refs repeat a few values */
    struct version_memo {
        const char *text;
        int kind, any_host, is_driver;
        const struct vg_release *const *rel;
        uint32_t nrel;
    } versions[64];
    const char *aged[16]; /* versions already warned about as newer than the catalog (VG2005) */
    /* the last profile found, by its interned name: the VMs of a file mostly
       repeat one profile, and a catalog lookup hashes the name */
    const char *profile_text;
    const struct vg_profile *profile_hit;
    struct vg_schema_memo schema_memo; /* directive rows and enum values by interned name */
};

/* --- names.c: names, ranges and duplicates --------------------------------- */

struct names {
    const char **v;
    size_t n;
    uint32_t group;  /* range group, 0 for a single name */
    const char *one; /* v of a single name: no allocation per VM */
};

/* Duplicates from one range against one earlier statement are reported once. */
struct dup_run {
    const char *what, *where; /* "VM", " in cluster `c`" */
    const char *first, *last;
    size_t n;
    struct vg_span later, earlier;
    const char *other; /* the earlier name, when it is spelt differently */
};

/* "A16", "A16 and L4", "A16, L4 and T4", each name between two `quote`s. */
const char *vg_mb_join_names(struct vg_arena *a, const char *const *v, size_t n, const char *quote);
/* A "did you mean" help on d, if one of the n candidates is near `word`. */
void vg_mb_help_suggest(struct vg_ctx *ctx, struct vg_diag *d, const char *word, const char *const *cands, size_t n);
/*
 * The names a name argument stands for. A range in a word is expanded; bad
 * ranges are VG1005 at the bad part. Counts against VG_MAX_OBJECTS when
 * `objects` is set. Returns 0 (and no names) on error.
 */
int vg_mb_expand_name(struct builder *b, const struct vg_arg *a, int objects, struct names *out);
/* How many names a name argument will make, without diagnostics. */
size_t vg_mb_name_count(const struct vg_arg *a);
/* Room for n more hosts or VMs of one cluster, within the object limit. */
size_t vg_mb_room(const struct builder *b, size_t n);
/* Cluster and license server names are never ranges (VG1005); 1 if this one is not. */
int vg_mb_check_single_name(struct builder *b, const struct vg_arg *a, const char *what);
/* Report the duplicates collected in r (VG1004), once, and empty it. */
void vg_mb_dup_flush(struct vg_ctx *ctx, struct dup_run *r);
/* One more duplicate: `name` at `later`, declared before at `earlier` as `earlier_name`. */
void vg_mb_dup_add(struct vg_ctx *ctx, struct dup_run *r, const char *name, struct vg_span later,
                   struct vg_span earlier, const char *earlier_name);

/* --- resolve.c: references against the catalog and the model -------------- */

/* The driver column of a host's vGPU Manager on the family. */
enum vg_driver_kind vg_mb_host_column(enum vg_family f);
/* Resolve a vgpu-manager / guest-driver value; VG2003 if the catalog does not know it. */
void vg_mb_resolve_version(struct builder *b, struct vg_version_ref *ref, enum vg_driver_kind kind, int any_host);
/* A GPU model of the catalog, or NULL after VG2001. */
const struct vg_gpu *vg_mb_resolve_gpu(struct builder *b, const char *model, struct vg_span span);
/* A vGPU profile of the catalog, or NULL after VG2002. */
const struct vg_profile *vg_mb_resolve_profile(struct builder *b, const char *name, struct vg_span span);
/* The kind of a platform family by its name; 0 if the catalog has no such family. */
enum vg_family vg_mb_family_kind(const struct vg_catalog *cat, const char *family);
/* The cluster's `platform FAMILY VERSION` (VG2004, VG2006). */
void vg_mb_resolve_platform(struct builder *b, struct cluster_build *cb, const struct vg_arg *fam,
                            const struct vg_arg *ver);
/* `host NAME` and `hosts NAME...` of one VM statement, resolved once for all its VMs. */
void vg_mb_resolve_vm_hosts(struct builder *b, struct cluster_build *cb, struct vm_group *g);
/* Every cluster's `license-server NAME`, once all files are read (VG1006). */
void vg_mb_resolve_licenses(struct builder *b);

/* --- build.c: the blocks as model objects ---------------------------------- */

/* A `cluster NAME { ... }` block: its hosts and VMs, into the model. */
void vg_mb_read_cluster(struct builder *b, const struct vg_stmt *st, const struct vg_argv *v);
/* A `license-server NAME { ... }` block, into the model. */
void vg_mb_read_license(struct builder *b, const struct vg_stmt *st, const struct vg_argv *v);

#endif
