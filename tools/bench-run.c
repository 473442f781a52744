/*
 * bench-run.c - run a command N times; print the median wall time, peak RSS
 * and the median CPU time (user + system, all threads).
 *
 * Usage: bench-run N CMD [ARG...]
 * Output: "median_ms max_rss_kb median_cpu_ms" on one line. The command's stdout and stderr
 * go to /dev/null; its exit status is ignored except 126/127 or a signal,
 * which fail the run (a crash must not be timed as a result).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench-run N CMD [ARG...]\n");
        return 2;
    }
    int n = atoi(argv[1]);
    if (n < 1 || n > 100)
        n = 5;
    double ms[100], cpu[100];
    long rss = 0;
    for (int i = 0; i < n; i++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 2;
        }
        if (pid == 0) {
            int fd = open("/dev/null", O_WRONLY);
            dup2(fd, 1);
            dup2(fd, 2);
            execvp(argv[2], argv + 2);
            _exit(127);
        }
        int status;
        struct rusage ru;
        if (wait4(pid, &status, 0, &ru) < 0) {
            perror("wait4");
            return 2;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) >= 126)) {
            fprintf(stderr, "bench-run: %s failed (status %d)\n", argv[2], status);
            return 1;
        }
        ms[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        cpu[i] = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
            (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
        if (ru.ru_maxrss > rss)
            rss = ru.ru_maxrss;
    }
    qsort(ms, (size_t)n, sizeof *ms, cmp);
    qsort(cpu, (size_t)n, sizeof *cpu, cmp);
    printf("%.2f %ld %.2f\n", ms[n / 2], rss, cpu[n / 2]);
    return 0;
}
