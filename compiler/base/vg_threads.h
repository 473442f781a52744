/*
 * vg_threads.h - when vgpuc uses its second core.
 *
 * Three steps of a large compilation use a second thread: the scanner runs
 * ahead of the parser (scan.c), the clusters are planned two at a time
 * (plan.c), and the rule families run in two groups (rules/rules.c). Each
 * gives the same output as one thread; each is worth a thread only for large
 * inputs on a machine with more than one core. Tests and the fuzzer force
 * the choice with vg_threads_set so that both ways are run.
 */
#ifndef VG_THREADS_H
#define VG_THREADS_H

#include <pthread.h>
#include <stddef.h>

/* The threshold of vg_threads_want for the steps that count VMs (the
 * planner, the rules): below it the second thread costs more than it saves
 * (docs/performance.md). */
#define VG_THREADS_MIN_VMS 20000u

/* -1: decide by size and cores (the default); 0: never; 1: always. */
void vg_threads_set(int mode);
/* Whether a step with `work` units, worth a thread from `min` units, gets one. */
int vg_threads_want(size_t work, size_t min);
/* Run first(a) on a second thread and second(b) on this one, and return when
 * both are done; if no thread can be started, both run here, first(a) first. */
void vg_threads_both(void (*first)(void *), void *a, void (*second)(void *), void *b);
/* Start fn(arg) on a thread of its own (the scanner's); pthread_create's result. */
int vg_threads_start(pthread_t *t, void *(*fn)(void *), void *arg);
/* Threads started so far by either: tests assert that a threaded path really ran. */
unsigned long vg_threads_started(void);

#endif
