/*
 * parser.y - the grammar of .vgpu files: statements, arguments and blocks.
 *
 * The grammar knows one shape only, `name arg* (end | { stmt* })`; which
 * directive is allowed where is the schema's business. A statement head
 * (`name arg*`) reaches the grammar as one token: the driver's vg_yylex
 * reads the words and strings of the head and records them itself, and folds
 * the `{` after it in (OPEN): one shift per block instead of a shift and a
 * reduction per word. A head and its END (STMT) the driver records without
 * handing it over at all: outside error recovery the grammar could only
 * shift it and reduce it with its list; so is a block of such statements
 * (OPEN, STMTs and ENDs, RBRACE) that the driver sees whole in the lexemes
 * at hand. The tree is built
 * imperatively by the driver (compiler/syntax/parse.c), statement by statement, so a
 * parse that stops early still leaves every statement read so far in the tree.
 * Error recovery is at statement level inside every block (`error END`,
 * `error }`), and every block's item list can shift `error` right after its
 * `{`, so recovery never pops out of an open block: the driver's block stack
 * and the parser stack cannot drift apart.
 */

%define api.pure full
%define api.prefix {vg_yy}
%define api.token.prefix {VG_TOK_}
%define api.location.type {struct vg_span}
%define parse.error custom
%define parse.lac full
%locations
%expect 0

%param {struct vg_parser *p}

%code requires {
#include <stddef.h>
#include <stdint.h>

#include "syntax/ast.h"
#include "core/ctx.h"
#include "core/vg_limits.h"

/* Token kinds as the driver sees them (independent of bison's numbering). */
enum vg_tok {
    VG_T_EOF, VG_T_WORD, VG_T_STRING, VG_T_END, VG_T_LBRACE, VG_T_RBRACE, VG_T_BAD, VG_T_OTHER
};

struct vg_tokval {
    const char *text; /* arena copy, NUL-terminated (decoded for strings) */
    size_t len;
};

struct vg_block_frame {
    struct vg_stmt *stmt;  /* the statement that owns the block */
    struct vg_stmt *last;  /* its last child so far, for O(1) append */
};

struct vg_lexq;
struct vg_lexeme;

/* State shared by the grammar actions and parse.c. The scanner's own state
 * is in struct vg_scan (scan.h): it may run on another thread. */
struct vg_parser {
    struct vg_ctx *ctx;
    const struct vg_source *src;
    uint32_t file;
    struct vg_file_ast *ast;
    struct vg_lexq *lexq;  /* where the tokens come from */
    struct {               /* the lexical error of the last BAD token */
        struct vg_span span;
        const char *msg, *label, *help;
    } bad;
    /* tree building */
    struct vg_stmt head;   /* the name of the head being read (or read last) */
    struct vg_stmt *cur;   /* &head once a head was read */
    struct vg_arena *tree; /* where statements and arguments go: the context
                              arena at the top level, the block's own inside */
    struct vg_arg *args; size_t nargs, cap_args; /* its arguments (scratch, reused) */
    int args_overflow;
    struct vg_block_frame blocks[VG_MAX_NESTING + 1];
    size_t nblocks;
    struct vg_stmt *top_last;
    size_t cap_comments, cap_blank_lines;
    int stop;              /* error limit reached: abort at the next recovery point */
    int keep_trivia;       /* record comments and blank lines (fmt) */
    /* vg_parse_stream: each top-level statement is handed over when complete */
    void (*top_fn)(void *arg, struct vg_stmt *st);
    void *top_arg;
    struct vg_stmt *top_done; /* the last statement handed over */
    int (*limit_fn)(void *arg); /* if set: whether the error limit is reached */
    int recovering;        /* between a syntax error and its recovery point: the
                              heads read are discarded, so they record nothing */
    int after_head;        /* the token last handed to the parser follows a HEAD */
    int after_rbrace;      /* the token last handed to the parser was `}` */
    const struct vg_lexeme *pending; /* the token after a head, for the next call */
    /* the plain block last read from a block body the scanner remembers, for
       the bodies it repeats (parse.c, plain_block) */
    struct {
        const struct vg_stmt *block; /* NULL: none since the last top-level block */
        uint32_t key;                /* the body's offset, as the scanner's ECHO names it */
        uint32_t at;                 /* the offset it was read at */
    } echo;
    size_t comments_read;  /* comments acted on (a block with one is not repeated) */
};
}

%code provides {
/* The next token from the lexeme queue (compiler/syntax/parse.c). */
int vg_yylex(VG_YYSTYPE *lval, VG_YYLTYPE *lloc, struct vg_parser *p);
/* Driver callbacks (compiler/syntax/parse.c). */
void vg_parse_stmt_end(struct vg_parser *p);
int vg_parse_block_open(struct vg_parser *p, struct vg_span brace);
void vg_parse_block_close(struct vg_parser *p, struct vg_span brace);
void vg_parse_syntax_error(struct vg_parser *p, enum vg_tok tok, struct vg_span span,
                           const enum vg_tok *expected, int nexpected);
void vg_parse_error_msg(struct vg_parser *p, struct vg_span span, const char *msg);
/* The message (in arena a) and help for an unexpected character (one UTF-8
 * sequence): called by the scanner, on whichever thread it runs. */
void vg_parse_describe_char(struct vg_arena *a, const char *text, size_t len, const char **msg,
                            const char **help);
}

%code {
#include <stdlib.h>

#include "base/arena.h"

#define YYMALLOC vg_xmalloc
#define YYFREE free

/* Location of a rule: first to last symbol; empty rules sit at the end of the
 * previous symbol. */
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                           \
    do {                                                                      \
        if (N) {                                                              \
            (Cur).file = YYRHSLOC(Rhs, 1).file;                               \
            (Cur).start = YYRHSLOC(Rhs, 1).start;                             \
            (Cur).end = YYRHSLOC(Rhs, N).end;                                 \
        } else {                                                              \
            (Cur).file = YYRHSLOC(Rhs, 0).file;                               \
            (Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end;                   \
        }                                                                     \
    } while (0)

static void yyerror(VG_YYLTYPE *loc, struct vg_parser *p, const char *msg);
}

%initial-action {
    @$.file = p->file;
    @$.start = @$.end = 0;
}

%union {
    struct vg_tokval tok;
}

%token WORD "word"     /* from the scanner; the driver folds every word into a head */
%token HEAD "statement head"
%token STMT "statement"     /* a head and its END: recorded by the driver, not handed over */
%token OPEN "block opening" /* a head and its `{`, folded by the driver; located at the `{` */
%token STRING "string"
%token END "end of statement"
%token LBRACE "{"
%token RBRACE "}"
%token BAD "bad token"

%%

file
    : top_items
    | top_items HEAD                   { vg_parse_stmt_end(p); }
    | top_items error                  { if (p->stop) YYABORT; }
    ;

/* A statement (STMT) and an empty one (END) are reduced with the list they
 * join: one reduction each instead of two. The driver no longer hands STMT
 * over (it records the statement itself, as this action would); the rules
 * stay so that the tables, and with them the expected tokens of every
 * syntax error and the recovery, are those of this grammar. */
top_items
    : %empty
    | top_items item
    | top_items STMT                   { vg_parse_stmt_end(p); }
    | top_items END
    ;

/* A head followed by END or `{` reaches the grammar as STMT or OPEN (one
 * shift for the whole statement head); a lone HEAD is one the file or a
 * block ends after, or one read while the parser recovers from an error
 * (the driver folds nothing then: heads are discarded and END is the point
 * of recovery). `HEAD END` says what STMT stands for, and it keeps the state
 * after a HEAD at the top level from reducing `file` before it has seen
 * the next token (a state with only that reduction would). */
item
    : HEAD END                         { vg_parse_stmt_end(p); }
    | OPEN block_items RBRACE          { vg_parse_block_close(p, @3); }
    | OPEN block_items HEAD RBRACE     { vg_parse_stmt_end(p); vg_parse_block_close(p, @4); }
    | OPEN block_items error RBRACE    { yyerrok; p->recovering = 0; if (p->stop) YYABORT; vg_parse_block_close(p, @4); }
    | error END                        { yyerrok; p->recovering = 0; if (p->stop) YYABORT; }
    ;

/* Starts with the (empty) block opening, so the state right after `{`
 * already holds block_items and can shift `error`; @0 is the `{`. */
block_items
    : block_open
    | block_items item
    | block_items STMT                 { vg_parse_stmt_end(p); }
    | block_items END
    ;

block_open
    : %empty                           { if (vg_parse_block_open(p, @0)) YYABORT; }
    ;

%%

static enum vg_tok tok_of_symbol(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_YYEOF: return VG_T_EOF;
    case YYSYMBOL_HEAD: /* a head starts with a directive name */
    case YYSYMBOL_STMT:
    case YYSYMBOL_OPEN: return VG_T_WORD;
    case YYSYMBOL_STRING: return VG_T_STRING;
    case YYSYMBOL_END: return VG_T_END;
    case YYSYMBOL_LBRACE: return VG_T_LBRACE;
    case YYSYMBOL_RBRACE: return VG_T_RBRACE;
    case YYSYMBOL_BAD: return VG_T_BAD;
    default: return VG_T_OTHER;
    }
}

static int yyreport_syntax_error(const yypcontext_t *yyctx, struct vg_parser *p)
{
    yysymbol_kind_t exp[YYNTOKENS];
    enum vg_tok expected[YYNTOKENS + 4];
    p->recovering = 1; /* until `error END` or `error }` is reduced */
    int n = yypcontext_expected_tokens(yyctx, exp, YYNTOKENS);
    if (n < 0)
        return n;
    /* HEAD, STMT and OPEN all start with a directive name. Right after a
     * head, a word or a string would have continued it and END or `{` ended
     * it: the driver folds them into the head's token, so the grammar does
     * not list them all there. They are expected all the same. Each once. */
    enum vg_tok more[4] = {VG_T_WORD, VG_T_STRING, VG_T_END, VG_T_LBRACE};
    unsigned seen = 0;
    int m = 0;
    for (int i = 0; i < n + (p->after_head ? 4 : 0); i++) {
        enum vg_tok t = i < n ? tok_of_symbol(exp[i]) : more[i - n];
        if (!(seen & (1u << t)))
            expected[m++] = t;
        seen |= 1u << t;
    }
    vg_parse_syntax_error(p, tok_of_symbol(yypcontext_token(yyctx)), *yypcontext_location(yyctx),
                          expected, m);
    return 0;
}

static void yyerror(VG_YYLTYPE *loc, struct vg_parser *p, const char *msg)
{
    vg_parse_error_msg(p, *loc, msg);
}
