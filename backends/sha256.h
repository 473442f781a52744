/*
 * sha256.h - a small SHA-256 (FIPS 180-4) for the script headers.
 *
 * Every generated script names the digest of the source file it came from,
 * so an administrator can tell which revision of the .vgpu file a script on
 * disk belongs to. One call hashes a whole buffer; nothing else is needed.
 */
#ifndef VG_SHA256_H
#define VG_SHA256_H

#include <stddef.h>

/* Hex digest of data[0..len): 64 lower-case hex digits and a NUL in out. */
void vg_sha256_hex(const void *data, size_t len, char out[65]);

/* Tests: 1 = the portable rounds even where the SHA instructions are there. */
extern int vg_sha256_portable;

#endif
