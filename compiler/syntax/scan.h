/*
 * scan.h - the scanner's half of the parse: lexemes, and a queue that lets
 * the flex scanner (grammar/lexer.l) run ahead of the parser on a thread of
 * its own.
 *
 * The scanner has no side effects outside struct vg_scan: it turns the source
 * into lexemes (tokens, and the comments, blank lines and misplaced `{` that
 * the parser driver acts on), copies words into its own text pool, and
 * describes lexical errors. Everything else (the tree, diagnostics,
 * suppressions) happens when the driver takes the lexeme from the queue, in
 * file order, on the parser's thread. So the output is the same whether the
 * lexemes were made just in time or by a thread that ran ahead: a large file
 * (docs/performance.md) is scanned on the second core while it is parsed.
 */
#ifndef VG_SCAN_H
#define VG_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "core/source.h"
#include "core/suppress.h"

enum vg_lex_kind {
    VG_LEX_TOKEN,          /* a token for the parser: `tok` */
    VG_LEX_COMMENT,        /* `#...`: text/len in the source, without the `#`; unless
                              trivia is kept, only `# vgpuc:` comments */
    VG_LEX_BLANKS,         /* `len` blank lines from line `start` (only when trivia is kept) */
    VG_LEX_BRACE_OWN_LINE, /* a block's `{` at the start of a line (read as if on its directive's) */
    VG_LEX_BODY,           /* a block body starts at `start`; the scanner remembers it (below) */
    VG_LEX_ECHO,           /* the block body at `start` is the same bytes as the one at `end`: the
                              `len` lexemes after this one (through its `}`) are that one's, moved */
};

enum {
    VG_LEX_OWN_LINE = 1,    /* COMMENT: nothing before it on its line */
    VG_LEX_AFTER_TOKEN = 2, /* COMMENT: some token came before it in the file */
};

/* A lexical error, reported when the parser meets the BAD token it came with. */
struct vg_lex_bad {
    uint32_t start, end;
    const char *msg, *label, *help;
};

struct vg_lexeme {
    uint32_t start, end; /* byte offsets of the span */
    uint32_t len;        /* WORD, STRING, COMMENT: length of `text` */
    uint16_t tok;        /* TOKEN: the parser's token number */
    uint8_t kind;        /* enum vg_lex_kind */
    uint8_t flags;       /* COMMENT: VG_LEX_OWN_LINE, VG_LEX_AFTER_TOKEN */
    union {
        const char *text;             /* WORD, STRING (decoded): in the scanner's pool */
        const struct vg_lex_bad *bad; /* the BAD token */
    } u;
};

/* A direct-mapped cache of words: directive names and values repeat on
 * nearly every line, so most words cost no memory at all. */
#define VG_INTERN_SLOTS 4096u
#define VG_INTERN_MAX_LEN 48u

struct vg_intern_slot {
    const char *text;
    size_t len;
    uint64_t head, tail; /* first and last eight bytes: for len <= 16 the whole word */
};

/*
 * A block's body as the scanner last read it whole: the bytes from the line
 * after its `{` through the `}` that closes it (and the blanks after that),
 * and the lexemes they made, with offsets from `start`. A file's VMs are
 * mostly written alike, a block each; when the next block's body is the same
 * bytes, its lexemes are these, moved, and flex skips the bytes (lexer.l).
 * A BODY lexeme marks the start of each body remembered, an ECHO lexeme
 * each body repeated, so that the parser driver can repeat what it built
 * from the body too (parse.c). Only without trivia: the blank-line lexemes
 * of `fmt` carry line numbers.
 */
#define VG_ECHO_MAX 64u /* lexemes; a longer body is not remembered */

struct vg_scan_echo {
    uint32_t start, len; /* the body's bytes in the source */
    uint32_t lines;      /* newlines in them */
    uint32_t n;          /* lexemes; 0: no body yet */
    int comments;        /* some are comments (whose text is in the source) */
    struct vg_lexeme lx[VG_ECHO_MAX];
};

#define VG_ECHO_IDLE SIZE_MAX /* vg_scan.rec_first when no body is being read */

/* All the scanner's state: the flex actions read and write nothing else. */
struct vg_scan {
    const struct vg_source *src;
    uint32_t file;
    int keep_trivia;       /* report blank lines (fmt) */
    size_t in;             /* bytes handed to flex so far */
    uint32_t off;          /* byte offset of the next character */
    uint32_t line;         /* 1-based line of the next character */
    int line_used;         /* a token or comment on the current line */
    int need_end;          /* a token since the last END: a newline ends something */
    int last_tok;          /* last token kind (enum vg_tok of parser.h) */
    int seen_token;        /* any token yet (for `disable-file` suppressions) */
    struct vg_arena *text; /* words, decoded strings and error messages */
    char *pool;
    size_t pool_left;
    struct vg_intern_slot *intern; /* cache of recent words (names repeat) */
    struct vg_lexeme *out;         /* the batch being filled, and its length */
    size_t nout;
    size_t room; /* vg_lxlex returns once nout exceeds this */
    /* repeated bodies: NULL when trivia is kept */
    struct vg_scan_echo *echo;
    size_t rec_first;             /* the body being read: its first lexeme in `out`, or VG_ECHO_IDLE */
    uint32_t rec_start, rec_line; /* ... its first byte and line */
    uint32_t rec_depth;           /* ... `{` open inside it */
    int echoed;                   /* a body was repeated since flex last read */
    size_t echoes;                /* bodies repeated */
};

/* n bytes of the scanner's pool. */
char *vg_scan_text(struct vg_scan *s, size_t n);
/* A word not in the cache: copied into the pool (and into `slot`, if any). */
const char *vg_scan_word_new(struct vg_scan *s, struct vg_intern_slot *slot, const char *text, size_t len);

/* The first (last) min(len, 8) bytes of t as memcpy into a zeroed uint64_t
 * puts them, from loads that stay inside the len bytes (len >= 1). */
static inline uint64_t vg_scan_load4(const char *t)
{
    uint32_t v;
    memcpy(&v, t, 4);
    return v;
}

static inline uint64_t vg_scan_first8(const char *t, size_t len)
{
    if (len >= 8) {
        uint64_t v;
        memcpy(&v, t, 8);
        return v;
    }
    if (len >= 4) /* two loads that overlap in the middle */
        return vg_scan_load4(t) | vg_scan_load4(t + len - 4) << (8 * (len - 4));
    return (uint64_t)(unsigned char)t[0] | (uint64_t)(unsigned char)t[len / 2] << (8 * (len / 2)) |
        (uint64_t)(unsigned char)t[len - 1] << (8 * (len - 1));
}

static inline uint64_t vg_scan_last8(const char *t, size_t len)
{
    return len >= 8 ? vg_scan_first8(t + len - 8, 8) : vg_scan_first8(t, len);
}

/* A word's text, interned in the scanner's pool (len >= 1). The first and
 * last eight bytes and the length pick the slot: a collision only costs a
 * copy, so no need to hash every byte; a word of up to 16 bytes is its
 * first and last eight, so no memcmp. Inline: the lexer calls it per word. */
static inline const char *vg_scan_word(struct vg_scan *s, const char *text, size_t len)
{
    if (len > VG_INTERN_MAX_LEN)
        return vg_scan_word_new(s, NULL, text, len);
    uint64_t a = vg_scan_first8(text, len), b = vg_scan_last8(text, len);
    uint64_t h = (a * 0x9e3779b97f4a7c15ull) ^ (b + len) * 0xc2b2ae3d27d4eb4full;
    struct vg_intern_slot *slot = &s->intern[(h >> 52) & (VG_INTERN_SLOTS - 1)];
    if (slot->len == len && slot->text && slot->head == a && slot->tail == b &&
        (len <= 16 || memcmp(slot->text, text, len) == 0))
        return slot->text;
    return vg_scan_word_new(s, slot, text, len);
}

/*
 * The lexemes of one source, in order. vg_lexq_start decides whether a thread
 * scans ahead (a large source on a machine with more than one core, or as
 * vg_threads_set says); `arena` is where the scanned text must live, as
 * long as the tree. vg_lexq_next never returns NULL: after the end of the
 * file it returns the end-of-file token again. vg_lexq_finish stops the
 * scanner (early, at an error limit, or at the end) and frees the queue.
 */
struct vg_lexq;
struct vg_lexq *vg_lexq_start(const struct vg_source *src, uint32_t file, int keep_trivia, struct vg_arena *arena);
void vg_lexq_finish(struct vg_lexq *q);

/* How many block bodies were not scanned but repeated (grammar/lexer.l),
 * once the end-of-file token has been taken: for tests and measurements. */
size_t vg_lexq_echoes(const struct vg_lexq *q);

/* The unread part of the batch at hand: the first member of struct vg_lexq,
 * so that taking a lexeme is inline; vg_lexq_refill gets the next batch. */
struct vg_lexq_view {
    const struct vg_lexeme *next, *end;
};
const struct vg_lexeme *vg_lexq_refill(struct vg_lexq *q);

static inline const struct vg_lexeme *vg_lexq_next(struct vg_lexq *q)
{
    struct vg_lexq_view *v = (struct vg_lexq_view *)(void *)q;
    return v->next != v->end ? v->next++ : vg_lexq_refill(q);
}

/* The unread lexemes of the batch at hand, [result, *end), without taking
 * them: the parser driver looks ahead in them (a block short enough to be
 * in them whole). */
static inline const struct vg_lexeme *vg_lexq_ahead(struct vg_lexq *q, const struct vg_lexeme **end)
{
    const struct vg_lexq_view *v = (const struct vg_lexq_view *)(void *)q;
    *end = v->end;
    return v->next;
}

/* Take the next n lexemes at once (n <= what vg_lexq_ahead shows). */
static inline void vg_lexq_skip(struct vg_lexq *q, size_t n)
{
    struct vg_lexq_view *v = (struct vg_lexq_view *)(void *)q;
    v->next += n;
}

/* The flex scanner (grammar/lexer.l): vg_lxlex appends lexemes to s->out, at
 * most two per rule, and returns 1 once s->nout exceeds s->room (or after a
 * lexical error), or appends the end-of-file token and returns 0. */
int vg_lxlex_init_extra(struct vg_scan *s, void **scanner);
int vg_lxlex(void *scanner);
int vg_lxlex_destroy(void *scanner);

#endif
