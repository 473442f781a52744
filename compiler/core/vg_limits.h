/*
 * vg_limits.h - every explicit limit of the compiler, in one place.
 *
 * Each limit produces a located diagnostic when hit (never a crash or a huge
 * allocation) and is documented in docs/language.md ("Limits").
 */
#ifndef VG_LIMITS_H
#define VG_LIMITS_H

#define VG_MAX_FILE_BYTES (64u << 20) /* one input file: 64 MiB */
#define VG_MAX_LINE_BYTES (64u << 10) /* one line: 64 KiB */
#define VG_MAX_NESTING 16             /* nested `{` blocks */
#define VG_MAX_INCLUDE_DEPTH 16       /* include chain length */
#define VG_MAX_RANGE_NAMES 100000u    /* names in one [lo..hi] range */
#define VG_MAX_OBJECTS 2000000u       /* hosts + VMs after expansion, per run */
#define VG_MAX_COUNT 64u              /* `x N` counts (boards, GPUs per VM) */
#define VG_MAX_ARGS 256u              /* arguments of one statement */
#define VG_MAX_FILES 10000u           /* input + included files per run */
#define VG_MAX_NOTICES 1000u          /* warnings, and infos, kept per run (each) */
#define VG_MAX_HOST_GPUS 256u         /* physical GPUs of one host */
#define VG_MAX_PGPUS 4000000u         /* physical GPUs per run */
#define VG_MAX_HOST_REFS 4000000u     /* `hosts` references per run, after expansion */
#define VG_MAX_MMIO64_GB 1048576u     /* catalog `mmio64-gb`: 1 PiB */

#endif
