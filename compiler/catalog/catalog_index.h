/*
 * catalog_index.h - what the catalog's loader and its lookups share
 * (catalog/ alone): the lower-case key of a name, and the indexes built once
 * every file is merged.
 */
#ifndef VG_CATALOG_INDEX_H
#define VG_CATALOG_INDEX_H

#include <stddef.h>

#include "catalog/catalog.h"

/* Lower-case (ASCII) "prefix" + a [+ " " + b] into buf; NULL if it does not fit. */
const char *vg_catalog_key(char *buf, size_t cap, const char *prefix, const char *a, const char *b);

/* Sort the merged releases and platforms and build every lookup table of c. */
void vg_catalog_index(struct vg_ctx *ctx, struct vg_catalog *c);

#endif
