/*
 * suggest.h - "did you mean": the nearest candidate by edit distance.
 */
#ifndef VG_SUGGEST_H
#define VG_SUGGEST_H

#include <stddef.h>

/*
 * The candidate closest to `word` (case-insensitive Damerau-Levenshtein), or
 * NULL when none is close enough (distance > max(1, len/3)).
 */
const char *vg_suggest(const char *word, const char *const *cands, size_t n);
size_t vg_edit_distance(const char *a, const char *b);

#endif
