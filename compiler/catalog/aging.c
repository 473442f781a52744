/*
 * aging.c - versions newer than the catalog, taken as the newest known entry of
 * their branch or track (see aging.h), and the age of the catalog's data.
 */
#include "catalog/aging.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "catalog/yamlutil.h"

/* "580.178.05" as up to 4 numbers; 0 unless it is 2-4 dot-separated digit runs. */
static int driver_parts(const char *s, unsigned long part[4])
{
    int n = 0;
    while (n < 4) {
        if (*s < '0' || *s > '9')
            return 0;
        char *end;
        part[n++] = strtoul(s, &end, 10);
        if (end - s > 6)
            return 0;
        s = end;
        if (!*s)
            return n >= 2 ? n : 0;
        if (*s++ != '.')
            return 0;
    }
    return 0;
}

static int driver_cmp(const unsigned long *a, int na, const unsigned long *b, int nb)
{
    for (int i = 0; i < na || i < nb; i++) {
        unsigned long x = i < na ? a[i] : 0, y = i < nb ? b[i] : 0;
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

/* The newest release of `major` (releases are sorted ascending). */
static const struct vg_release *newest_of(const struct vg_catalog *c, unsigned major)
{
    const struct vg_release *r = NULL;
    for (size_t i = 0; i < c->nreleases; i++)
        if (c->releases[i]->major == major)
            r = c->releases[i];
    return r;
}

static const struct vg_release *derive(struct vg_arena *a, const struct vg_release *base, const char *name,
                                       uint32_t num)
{
    struct vg_release *r = vg_alloc(a, sizeof *r);
    *r = *base;
    r->name = name;
    r->num = num;
    r->minor = (uint16_t)(num % 1000);
    r->date = NULL;
    memset(r->driver, 0, sizeof r->driver);
    r->verified = 0;
    r->packages = NULL;
    r->note =
        vg_sprintf(a, "not in the catalog: taken as a release of vGPU %u (newest known %s)", base->major, base->name);
    return r;
}

const struct vg_release *vg_aging_release(const struct vg_catalog *c, struct vg_arena *a, const char *text,
                                          enum vg_driver_kind kind, const struct vg_release **newest)
{
    if (!c || !text)
        return NULL;
    uint32_t num = vg_yaml_relnum(text, 0);
    const struct vg_release *top = num ? newest_of(c, num / 1000) : NULL;
    if (top) { /* a release number of a known major, newer than its newest release */
        if (num <= top->num)
            return NULL;
        *newest = top;
        return derive(a, top, vg_strdup(a, text), num);
    }
    /* else a driver (582.99 looks like a release number of no known major) */
    unsigned long part[4], known[4];
    int n = driver_parts(text, part);
    if (!n || (unsigned)kind >= VG_DRV_COUNT)
        return NULL;
    /* the branch prefix: every release whose driver in this column starts with
       the same number must be of one major, and the text newer than all of them */
    unsigned major = 0;
    for (size_t i = 0; i < c->nreleases; i++) {
        const struct vg_release *r = c->releases[i];
        int k = r->driver[kind] ? driver_parts(r->driver[kind], known) : 0;
        if (!k || known[0] != part[0])
            continue;
        if (major && r->major != major)
            return NULL;
        major = r->major;
    }
    if (!major)
        return NULL;
    for (size_t i = 0; i < c->nreleases; i++) {
        const struct vg_release *r = c->releases[i];
        if (r->major != major)
            continue;
        top = r;
        int k = r->driver[kind] ? driver_parts(r->driver[kind], known) : 0;
        if (k && driver_cmp(part, n, known, k) <= 0)
            return NULL; /* not newer than a known driver of the branch: a typo, not aging */
    }
    *newest = top;
    return derive(a, top, vg_sprintf(a, "%u.x", major), top->num + 1);
}

/* ---- platforms ----------------------------------------------------------- */

/* The next run of s at *i: digits, letters or one other byte. */
static size_t run(const char *s, size_t i, int *kind)
{
    size_t j = i;
    if (s[i] >= '0' && s[i] <= '9') {
        *kind = 'd';
        while (s[j] >= '0' && s[j] <= '9')
            j++;
    } else if ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z') {
        *kind = 'a';
        while ((s[j] | 32) >= 'a' && (s[j] | 32) <= 'z')
            j++;
    } else {
        *kind = s[i];
        j++;
    }
    return j;
}

/* >0 if v is newer than known, 0 if equal, <0 if older; -2 (treated as not
   newer) if v does not have known's shape: other separators or letters at the
   same place, or a longer digit run (12.26120 against 12.2609). */
int vg_version_cmp(const char *v, const char *known)
{
    size_t i = 0, j = 0;
    while (v[i] && known[j]) {
        int kv, kk;
        size_t ei = run(v, i, &kv), ej = run(known, j, &kk);
        if (kv != kk)
            return -2;
        size_t lv = ei - i, lk = ej - j;
        if (kv == 'd') {
            if (lv > lk)
                return -2;
            unsigned long x = strtoul(v + i, NULL, 10), y = strtoul(known + j, NULL, 10);
            if (x != y)
                return x > y ? 1 : -1;
        } else if (lv != lk || strncmp(v + i, known + j, lv) != 0) {
            return -2;
        }
        i = ei;
        j = ej;
    }
    return v[i] ? 1 : known[j] ? -1 : 0;
}

const struct vg_platform *vg_aging_platform(const struct vg_catalog *c, struct vg_arena *a, const char *family,
                                            const char *version, const struct vg_platform **newest)
{
    if (!c || !family || !version)
        return NULL;
    const char *dot = strchr(version, '.');
    if (!dot || dot == version)
        return NULL; /* no track: Windows Server 2028 is not a newer 2025 */
    size_t tlen = (size_t)(dot - version) + 1;
    const struct vg_platform *top = NULL;
    for (size_t i = 0; i < c->nplatforms; i++) {
        const struct vg_platform *p = c->platforms[i];
        if (strcmp(p->family, family) == 0 && strncmp(p->version, version, tlen) == 0 &&
            (!top || p->order > top->order))
            top = p;
    }
    if (!top || vg_version_cmp(version, top->version) <= 0)
        return NULL;
    for (const char *s = version; *s; s++) /* a word of the language, nothing more */
        if (!((*s >= '0' && *s <= '9') || ((*s | 32) >= 'a' && (*s | 32) <= 'z') || *s == '.'))
            return NULL;
    struct vg_platform *p = vg_alloc(a, sizeof *p);
    *p = *top;
    p->version = vg_strdup(a, version);
    p->order = top->order + 1;
    p->verified = 0;
    p->note = vg_sprintf(a, "not in the catalog: taken as %s %s, the newest known version of its track", family,
                         top->version);
    *newest = top;
    return p;
}

/* ---- age ------------------------------------------------------------------- */

uint32_t vg_aging_newest_date(const struct vg_catalog *c, const struct vg_release **which)
{
    uint32_t best = 0;
    for (size_t i = 0; c && i < c->nreleases; i++) {
        const char *d = c->releases[i]->date; /* YYYY-MM or YYYY-MM-DD, checked by the loader */
        if (!d)
            continue;
        uint32_t ym = (uint32_t)atoi(d) * 100u + (uint32_t)atoi(d + 5);
        if (ym >= best) {
            best = ym;
            if (which)
                *which = c->releases[i];
        }
    }
    return best;
}

int vg_aging_months(uint32_t yyyymm, uint32_t today)
{
    int y = (int)(today / 10000), m = (int)(today / 100 % 100);
    return (y - (int)(yyyymm / 100)) * 12 + (m - (int)(yyyymm % 100));
}
