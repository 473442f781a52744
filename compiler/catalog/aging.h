/*
 * aging.h - how vgpuc reads versions newer than its catalog.
 *
 * A catalog always lags NVIDIA's quarterly releases and Microsoft's monthly
 * ones. Instead of failing on the newest versions, a release of a known branch
 * that the catalog does not list (19.7), a driver string whose branch prefix is
 * known and that is newer than every driver of that branch (580.200.01), and a
 * platform version newer than every known version of its family and track
 * (azure-local 12.2612) are taken as the newest known entry of their branch or
 * track. The caller warns (VG2005, VG2006); the data here is what it is taken as.
 */
#ifndef VG_AGING_H
#define VG_AGING_H

#include "catalog/catalog.h"

struct vg_arena;

/* A release, or a driver string in column `kind`, newer than every release of
 * a branch the catalog knows: a new release entry of that branch (name = the
 * text for a release, "19.x" for a driver; no drivers, no date, unverified),
 * allocated in `a`, with *newest the catalog's newest release of the branch.
 * NULL when the text is not such a version (unknown branch, older, malformed). */
const struct vg_release *vg_aging_release(const struct vg_catalog *c, struct vg_arena *a, const char *text,
                                          enum vg_driver_kind kind, const struct vg_release **newest);

/* A platform version newer than every known version of `family` with the same
 * track (the part before the first dot: `12` of 12.2612) and of the same shape
 * (no longer digit runs): a copy of the newest known version of the track with
 * version = `version`, unverified, allocated in `a`; *newest is that version.
 * NULL when there is no such track, or the version is not newer or malformed. */
const struct vg_platform *vg_aging_platform(const struct vg_catalog *c, struct vg_arena *a, const char *family,
                                            const char *version, const struct vg_platform **newest);

/* Compare two versions of one family run by run (digits as numbers, letters
 * and separators as text): >0 if v is newer, 0 equal, -1 older, -2 if v does
 * not have known's shape (other letters or separators at the same place, or a
 * longer digit run). "8.0u3" > "8.0u2" > "8.0"; "12.2612" > "12.2609". */
int vg_version_cmp(const char *v, const char *known);

/* The newest release date in the catalog as YYYYMM (0 if none is dated), and
 * the whole months from it to `today` (YYYYMMDD). */
uint32_t vg_aging_newest_date(const struct vg_catalog *c, const struct vg_release **which);
int vg_aging_months(uint32_t yyyymm, uint32_t today);

/* Months behind `today` from which the built-in knowledge counts as old (VG2007). */
#define VG_AGING_OLD_MONTHS 6

#endif
