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

#include "base/arena.h"
#include "core/source.h"
#include "core/suppress.h"

enum vg_lex_kind {
    VG_LEX_TOKEN,          /* a token for the parser: `tok` */
    VG_LEX_COMMENT,        /* `#...`: text/len in the source, without the `#`; unless
                              trivia is kept, only `# vgpuc:` comments */
    VG_LEX_BLANKS,         /* `len` blank lines from line `start` (only when trivia is kept) */
    VG_LEX_BRACE_OWN_LINE, /* a block's `{` at the start of a line (read as if on its directive's) */
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

struct vg_intern_slot;

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
    size_t room;                   /* vg_lxlex returns once nout exceeds this */
};

/* A word's text, interned in the scanner's pool; n bytes of pool text. */
const char *vg_scan_word(struct vg_scan *s, const char *text, size_t len);
char *vg_scan_text(struct vg_scan *s, size_t n);

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

/* The flex scanner (grammar/lexer.l): vg_lxlex appends lexemes to s->out, at
 * most two per rule, and returns 1 once s->nout exceeds s->room (or after a
 * lexical error), or appends the end-of-file token and returns 0. */
int vg_lxlex_init_extra(struct vg_scan *s, void **scanner);
int vg_lxlex(void *scanner);
int vg_lxlex_destroy(void *scanner);

#endif
