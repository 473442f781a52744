/*
 * vg_threads.c - the one switch for vgpuc's second thread, and the one way of
 * starting it (vg_threads.h).
 */
#define _DEFAULT_SOURCE /* sysconf(_SC_NPROCESSORS_ONLN) */
#include "base/vg_threads.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

static _Atomic int mode = -1;
static _Atomic unsigned long started;

void vg_threads_set(int m) { atomic_store(&mode, m); }

int vg_threads_want(size_t work, size_t min)
{
    int m = atomic_load(&mode);
    if (m >= 0)
        return m;
    if (work < min)
        return 0;
    static _Atomic long cores;
    long n = atomic_load(&cores);
    if (!n) {
        n = sysconf(_SC_NPROCESSORS_ONLN);
        atomic_store(&cores, n);
    }
    return n > 1;
}

struct job {
    void (*fn)(void *);
    void *arg;
};

static void *run_job(void *p)
{
    struct job *j = p;
    j->fn(j->arg);
    return NULL;
}

int vg_threads_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    int rc = pthread_create(t, NULL, fn, arg);
    if (rc == 0)
        atomic_fetch_add(&started, 1);
    return rc;
}

unsigned long vg_threads_started(void) { return atomic_load(&started); }

void vg_threads_both(void (*first)(void *), void *a, void (*second)(void *), void *b)
{
    struct job j = {first, a};
    pthread_t t;
    int two = vg_threads_start(&t, run_job, &j) == 0;
    if (!two)
        first(a);
    second(b);
    if (two)
        pthread_join(t, NULL);
}
