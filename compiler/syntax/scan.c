/*
 * scan.c - the lexeme queue between the flex scanner and the parser driver,
 * and the scanner's text pool.
 *
 * The scanner fills batches of lexemes. For a small source the parser's
 * thread fills one batch at a time itself, when it has used the last one up.
 * For a large source a second thread fills a ring of batches while the parser
 * reads them: a batch is published by a sequentially consistent store of the
 * count of filled batches, so everything the scanner wrote for it (the batch
 * and the interned text) is visible to the parser once it sees the count.
 * The scanner's text lives in an arena of its own while the thread runs,
 * adopted by the caller's arena when the queue is finished. While the ring
 * is full the scanner has time to spare, and faults in the parser's next
 * chunk of arena memory (vg_arena_prepare).
 */
#include "syntax/scan.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/vg_threads.h"

/* Below this size a thread is not worth starting (a 200-line file is ~8 KB). */
#define THREAD_MIN_BYTES ((size_t)256 << 10)
#define BATCH 2048u    /* lexemes per batch: 48 KB */
#define NBATCH 16u     /* batches in the ring: 768 KB */
#define WAKE_AT 2u     /* a sleeping scanner is woken when this few are left */
#define MAX_PER_RULE 2 /* lexemes one rule of the scanner may append */

#define POOL_BLOCK 65536u

char *vg_scan_text(struct vg_scan *s, size_t n)
{
    if (n > POOL_BLOCK / 16)
        return vg_alloc(s->text, n);
    if (s->pool_left < n) {
        s->pool = vg_alloc(s->text, POOL_BLOCK);
        s->pool_left = POOL_BLOCK;
    }
    char *t = s->pool;
    s->pool += n;
    s->pool_left -= n;
    return t;
}

const char *vg_scan_word_new(struct vg_scan *s, struct vg_intern_slot *slot, const char *text, size_t len)
{
    char *t = vg_scan_text(s, len + 1);
    memcpy(t, text, len);
    t[len] = '\0';
    if (slot) {
        slot->text = t;
        slot->len = len;
        slot->head = vg_scan_first8(t, len);
        slot->tail = vg_scan_last8(t, len);
    }
    return t;
}

struct batch {
    struct vg_lexeme ev[BATCH];
    size_t n;
    int eof; /* the batch ends with the end-of-file token */
};

/*
 * The ring: batch i is in ring[i % NBATCH]; the scanner has filled
 * `produced` batches and the parser has finished with `consumed`. A side
 * that must wait sleeps on a condition variable; the other side wakes it only
 * when it sleeps and what it waits for is there. The scanner sleeps until
 * only WAKE_AT batches are left to read, so it is woken once per
 * NBATCH - WAKE_AT batches: a wake-up is a system call on the parser's side
 * and a context switch on the scanner's, CPU time that counts as much as the
 * scanning (a 100k-VM lint: ~900 context switches with 8 batches woken at
 * half, ~350 with 16 woken at 2; docs/performance.md, round 10).
 *
 * What each thread writes all the time is on cache lines of its own: the
 * parser's view of its batch, the scanner's state, and the shared counters
 * (touched once per batch). Sharing a line costs a transfer between cores per
 * lexeme.
 */
#define LINE 64

struct vg_lexq {
    /* the parser's: first, so that vg_lexq_next can read it inline */
    struct vg_lexq_view view;
    struct batch *cur;     /* the batch being read (view.next points into it) */
    struct vg_arena *dest; /* the caller's arena, which adopts scan.text */
    struct batch *ring;    /* NBATCH batches with a thread, else one */
    int threaded;
    /* the scanner's */
    _Alignas(LINE) struct vg_scan scan;
    void *flex;
    struct vg_scan_echo echo;
    /* both */
    _Alignas(LINE) _Atomic size_t produced, consumed;
    _Atomic int scanner_waits, parser_waits, cancel;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;
};

/* Scan into b until it is full or the file ends. */
static void fill(struct vg_lexq *q, struct batch *b)
{
    q->scan.out = b->ev;
    q->scan.nout = 0;
    q->scan.room = BATCH - MAX_PER_RULE;
    q->scan.rec_first = VG_ECHO_IDLE; /* a body is remembered from one batch only */
    int more = 1;
    while (more && q->scan.nout <= q->scan.room)
        more = vg_lxlex(q->flex);
    b->n = q->scan.nout;
    b->eof = !more;
}

/* The parser polls a little before it sleeps (the batch it waits for is
 * usually microseconds away); the scanner sleeps at once: when it has to
 * wait, the parser has half a ring of work before it needs the scanner again,
 * and a spinning thread slows the other where both share a physical core. */
#define PARSER_POLLS 2000

static int ring_has_room(struct vg_lexq *q)
{
    return atomic_load(&q->produced) - atomic_load(&q->consumed) <= WAKE_AT || atomic_load(&q->cancel);
}

static int ring_has_batch(struct vg_lexq *q) { return atomic_load(&q->produced) != atomic_load(&q->consumed); }

/* Wait until ready(q): poll `polls` times, then sleep, announcing it in
 * *flag (seq_cst, so that the other side either sees the flag or this side
 * sees its change). */
static void wait_until(struct vg_lexq *q, _Atomic int *flag, int (*ready)(struct vg_lexq *), int polls)
{
    for (int i = 0; i < polls; i++)
        if (ready(q))
            return;
    pthread_mutex_lock(&q->mu);
    atomic_store(flag, 1);
    while (!ready(q))
        pthread_cond_wait(&q->wake, &q->mu);
    atomic_store(flag, 0);
    pthread_mutex_unlock(&q->mu);
}

/* Wake the other side if it sleeps and what it waits for is there. */
static void wake(struct vg_lexq *q, _Atomic int *flag, int (*ready)(struct vg_lexq *))
{
    if (atomic_load(flag) && ready(q)) {
        pthread_mutex_lock(&q->mu);
        pthread_cond_broadcast(&q->wake);
        pthread_mutex_unlock(&q->mu);
    }
}

static void *scan_ahead(void *arg)
{
    struct vg_lexq *q = arg;
    for (size_t i = 0;; i++) {
        if (i - atomic_load(&q->consumed) == NBATCH) {
            /* time to spare: fault in the parser's next chunk of memory */
            vg_arena_prepare(q->dest);
            wait_until(q, &q->scanner_waits, ring_has_room, 0);
        }
        if (atomic_load(&q->cancel))
            break;
        struct batch *b = &q->ring[i % NBATCH];
        fill(q, b);
        atomic_store(&q->produced, i + 1);
        wake(q, &q->parser_waits, ring_has_batch);
        if (b->eof)
            break;
    }
    return NULL;
}

struct vg_lexq *vg_lexq_start(const struct vg_source *src, uint32_t file, int keep_trivia, struct vg_arena *arena)
{
    /* aligned, for the cache lines above */
    struct vg_lexq *q = aligned_alloc(LINE, (sizeof *q + LINE - 1) / LINE * LINE);
    if (!q)
        vg_die_oom();
    memset(q, 0, sizeof *q);
    struct vg_scan *s = &q->scan;
    s->src = src;
    s->file = file;
    s->keep_trivia = keep_trivia;
    s->line = 1;
    s->intern = vg_xcalloc(VG_INTERN_SLOTS, sizeof *s->intern);
    s->echo = keep_trivia ? NULL : &q->echo;
    s->rec_first = VG_ECHO_IDLE;
    q->dest = arena;
    q->threaded = vg_threads_want(src->len, THREAD_MIN_BYTES);
    /* A large source becomes megabytes of tree and model in the caller's
     * arena: its next chunks are big ones (huge pages) rather than its
     * chunks doubling from 16 KB a 4 KB page fault at a time. */
    if (src->len >= THREAD_MIN_BYTES)
        vg_arena_grow_big(arena);
    /* The thread's text cannot come from an arena the parser allocates from.
     * It is ~9 % of the source (1.4 MB at 16 MB): a big arena, faulted in by
     * the huge page rather than by the 4 KB page (~350 page faults fewer;
     * docs/performance.md, round 11). The ring stays malloc'd: it is freed
     * when the parse ends, before the peak of memory. */
    s->text = q->threaded ? vg_arena_new_big() : arena;
    if (vg_lxlex_init_extra(s, &q->flex))
        vg_die_oom();
    q->ring = vg_xmalloc((q->threaded ? NBATCH : 1) * sizeof *q->ring);
    q->ring[0].n = 0;
    q->ring[0].eof = 0;
    q->cur = &q->ring[0];
    if (q->threaded) {
        pthread_mutex_init(&q->mu, NULL);
        pthread_cond_init(&q->wake, NULL);
        q->cur = NULL;
        if (vg_threads_start(&q->thread, scan_ahead, q) != 0) {
            /* no thread to be had: scan just in time instead */
            pthread_cond_destroy(&q->wake);
            pthread_mutex_destroy(&q->mu);
            vg_arena_adopt(arena, s->text);
            s->text = arena;
            q->threaded = 0;
            q->cur = &q->ring[0];
        }
    }
    return q;
}

const struct vg_lexeme *vg_lexq_refill(struct vg_lexq *q)
{
    if (q->cur && q->cur->eof)
        return &q->cur->ev[q->cur->n - 1]; /* the end-of-file token, again */
    if (!q->threaded) {
        fill(q, q->cur);
    } else {
        if (q->cur) {
            atomic_fetch_add(&q->consumed, 1);
            wake(q, &q->scanner_waits, ring_has_room);
        }
        if (!ring_has_batch(q))
            wait_until(q, &q->parser_waits, ring_has_batch, PARSER_POLLS);
        q->cur = &q->ring[atomic_load(&q->consumed) % NBATCH];
    }
    /* a batch holds at least one lexeme */
    q->view.next = q->cur->ev + 1;
    q->view.end = q->cur->ev + q->cur->n;
    return q->cur->ev;
}

void vg_lexq_finish(struct vg_lexq *q)
{
    if (q->threaded) {
        atomic_store(&q->cancel, 1);
        wake(q, &q->scanner_waits, ring_has_room);
        pthread_join(q->thread, NULL);
        pthread_cond_destroy(&q->wake);
        pthread_mutex_destroy(&q->mu);
        vg_arena_adopt(q->dest, q->scan.text);
    }
    vg_lxlex_destroy(q->flex);
    free(q->scan.intern);
    free(q->ring);
    free(q);
}

size_t vg_lexq_echoes(const struct vg_lexq *q) { return q->scan.echoes; }
