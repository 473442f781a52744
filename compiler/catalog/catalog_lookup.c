/*
 * catalog_lookup.c - the knowledge base's indexes and the lookups that read
 * them: releases, driver versions, GPU models, profiles, platform versions.
 *
 * Once every file is merged (catalog_load.c), the releases are sorted by
 * number, the platforms by family (in the order of their first appearance)
 * and version, and each is indexed by a lower-case ASCII key, so that no
 * locale changes a lookup; a driver version maps to every release that ships
 * it.
 */
#include "catalog/catalog.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_index.h"
#include "core/ctx.h"

struct rel_list {
    const struct vg_release **v;
    size_t n, cap;
};

/* ASCII only, so that no locale changes a lookup. */
static char ascii_lower(char ch) { return (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch; }

static int ascii_casecmp(const char *a, const char *b)
{
    while (*a && ascii_lower(*a) == ascii_lower(*b))
        a++, b++;
    return (unsigned char)ascii_lower(*a) - (unsigned char)ascii_lower(*b);
}

/* The key of a name in the indexes (catalog_index.h). */
const char *vg_catalog_key(char *buf, size_t cap, const char *prefix, const char *a, const char *b)
{
    size_t n = 0;
    const char *parts[3] = {prefix, a, b};
    for (int i = 0; i < 3; i++) {
        if (!parts[i])
            continue;
        if (i == 2) {
            if (n + 1 >= cap)
                return NULL;
            buf[n++] = ' ';
        }
        for (const char *s = parts[i]; *s; s++) {
            if (n + 1 >= cap)
                return NULL;
            buf[n++] = ascii_lower(*s);
        }
    }
    buf[n] = 0;
    return buf;
}

/* ---- indexes ------------------------------------------------------------------ */

static int cmp_release(const void *a, const void *b)
{
    const struct vg_release *x = *(const struct vg_release *const *)a, *y = *(const struct vg_release *const *)b;
    return (x->num > y->num) - (x->num < y->num);
}

struct plat_sort {
    struct vg_platform *p;
    size_t family_rank;
};

static int cmp_platform(const void *a, const void *b)
{
    const struct plat_sort *x = a, *y = b;
    if (x->family_rank != y->family_rank)
        return x->family_rank < y->family_rank ? -1 : 1;
    if (x->p->order != y->p->order)
        return x->p->order < y->p->order ? -1 : 1;
    return strcmp(x->p->version, y->p->version);
}

static void put_lower(struct vg_arena *a, struct vg_hash *h, const char *prefix, const char *s1, const char *s2,
                      void *val)
{
    char buf[512];
    if (vg_catalog_key(buf, sizeof buf, prefix, s1, s2))
        vg_hash_put(h, vg_strdup(a, buf), val);
}

void vg_catalog_index(struct vg_ctx *ctx, struct vg_catalog *c)
{
    struct vg_arena *a = ctx->arena;
    qsort(c->releases, c->nreleases, sizeof *c->releases, cmp_release);
    vg_hash_init(&c->release_by_name, a);
    for (int k = 0; k < VG_DRV_COUNT; k++)
        vg_hash_init(&c->driver_index[k], a);
    for (size_t i = 0; i < c->nreleases; i++) {
        struct vg_release *r = c->releases[i];
        vg_hash_put(&c->release_by_name, r->name, r);
        for (int k = 0; k < VG_DRV_COUNT; k++) {
            if (!r->driver[k])
                continue;
            struct rel_list *l = vg_hash_get(&c->driver_index[k], r->driver[k]);
            if (!l) {
                l = vg_alloc(a, sizeof *l);
                vg_hash_put(&c->driver_index[k], r->driver[k], l);
            }
            VG_PUSH(a, l->v, l->n, l->cap, r);
        }
    }

    vg_hash_init(&c->gpu_by_model, a);
    vg_hash_init(&c->profile_by_name, a);
    for (size_t i = 0; i < c->ngpus; i++) {
        struct vg_gpu *g = c->gpus[i];
        put_lower(a, &c->gpu_by_model, "", g->model, NULL, g);
        for (size_t j = 0; j < g->nprofiles; j++)
            put_lower(a, &c->profile_by_name, "", g->profiles[j].name, NULL, &g->profiles[j]);
    }

    /* families keep the order of their first appearance */
    struct vg_hash rank;
    vg_hash_init(&rank, a);
    struct plat_sort *ps = vg_alloc_array(a, c->nplatforms + 1, sizeof *ps);
    size_t nfam = 0;
    for (size_t i = 0; i < c->nplatforms; i++) {
        uintptr_t r = (uintptr_t)vg_hash_get(&rank, c->platforms[i]->family);
        if (!r) {
            r = ++nfam;
            vg_hash_put(&rank, c->platforms[i]->family, (void *)r);
        }
        ps[i].p = c->platforms[i];
        ps[i].family_rank = r;
    }
    qsort(ps, c->nplatforms, sizeof *ps, cmp_platform);
    vg_hash_init(&c->platform_by_key, a);
    for (size_t i = 0; i < c->nplatforms; i++) {
        c->platforms[i] = ps[i].p;
        put_lower(a, &c->platform_by_key, "", ps[i].p->family, ps[i].p->version, ps[i].p);
        /* a family alone (no space in the key) answers vg_catalog_has_family */
        put_lower(a, &c->platform_by_key, "", ps[i].p->family, NULL, ps[i].p);
    }
}

/* ---- lookups ------------------------------------------------------------------- */

const struct vg_release *vg_catalog_release(const struct vg_catalog *c, const char *name)
{
    return c && name ? vg_hash_get(&c->release_by_name, name) : NULL;
}

const struct vg_gpu *vg_catalog_gpu(const struct vg_catalog *c, const char *model)
{
    char buf[256];
    return c && model && vg_catalog_key(buf, sizeof buf, "", model, NULL) ? vg_hash_get(&c->gpu_by_model, buf) : NULL;
}

const struct vg_profile *vg_catalog_profile(const struct vg_catalog *c, const char *name)
{
    char buf[256];
    return c && name && vg_catalog_key(buf, sizeof buf, "", name, NULL) ? vg_hash_get(&c->profile_by_name, buf) : NULL;
}

const struct vg_platform *vg_catalog_platform(const struct vg_catalog *c, const char *family, const char *version)
{
    char buf[512];
    if (!c || !family || !version || !vg_catalog_key(buf, sizeof buf, "", family, version))
        return NULL;
    return vg_hash_get(&c->platform_by_key, buf);
}

int vg_catalog_has_family(const struct vg_catalog *c, const char *family)
{
    char buf[256];
    if (!c || !family || strchr(family, ' ') || !vg_catalog_key(buf, sizeof buf, "", family, NULL))
        return 0;
    return vg_hash_get(&c->platform_by_key, buf) != NULL;
}

static size_t copy_list(const struct rel_list *l, const struct vg_release **out, size_t max)
{
    size_t n = l->n < max ? l->n : max;
    for (size_t i = 0; i < n; i++)
        out[i] = l->v[i];
    return n;
}

size_t vg_catalog_resolve(const struct vg_catalog *c, const char *text, enum vg_driver_kind kind,
                          const struct vg_release **out, size_t max)
{
    if (!c || !text || !max)
        return 0;
    const struct vg_release *r = vg_catalog_release(c, text);
    if (r) {
        out[0] = r;
        return 1;
    }
    if ((unsigned)kind >= VG_DRV_COUNT)
        return 0;
    const struct rel_list *l = vg_hash_get(&c->driver_index[kind], text);
    return l ? copy_list(l, out, max) : 0;
}

size_t vg_catalog_resolve_any(const struct vg_catalog *c, const char *text, enum vg_driver_kind *kind_found,
                              const struct vg_release **out, size_t max)
{
    if (!c || !text || !max)
        return 0;
    const struct vg_release *r = vg_catalog_release(c, text);
    if (r) {
        if (kind_found)
            *kind_found = VG_DRV_COUNT;
        out[0] = r;
        return 1;
    }
    for (int k = 0; k < VG_DRV_COUNT; k++) {
        const struct rel_list *l = vg_hash_get(&c->driver_index[k], text);
        if (l) {
            if (kind_found)
                *kind_found = (enum vg_driver_kind)k;
            return copy_list(l, out, max);
        }
    }
    return 0;
}

int vg_platform_supports(const char *const *models, size_t n, const char *model)
{
    if (!model)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(models[i], "*") == 0 || ascii_casecmp(models[i], model) == 0)
            return 1;
    return 0;
}
