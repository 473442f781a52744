/*
 * relnum.h - a vGPU release number as one integer, shared by the catalog and
 * the YAML reader that parses release numbers (yamlutil.c), so the reader
 * does not depend on the catalog.
 */
#ifndef VG_RELNUM_H
#define VG_RELNUM_H

#include <stdint.h>

/* A release number as one integer: 16.5 -> 16005. Ordered like releases. */
#define VG_RELNUM(major, minor) ((uint32_t)(major)*1000u + (uint32_t)(minor))
/* "14.x" in a range bound: any release of major 14. */
#define VG_RELNUM_ANY_MINOR 999u

#endif
