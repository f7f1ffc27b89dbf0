/* The benchmark's driver: timing with no shell in between.
 *
 *   bench mkfiles DIR N
 *       creates N small files under DIR (1,000 per subdirectory).
 *   bench time REPS :: LABEL CMD [ARG...] :: LABEL CMD [ARG...] ...
 *       runs the commands interleaved (one of each per repetition, in a
 *       shuffled order, after 3 unmeasured warm-up rounds), with stdio on
 *       /dev/null, and prints "LABEL MEDIAN_MS" per command. Exits 1 if
 *       any run fails. BENCH_SETTLE_MS=N sleeps N ms before each run (an
 *       idle machine between commands, as between an agent's steps).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int mkfiles(const char *dir, long n)
{
    char path[4096];
    long i;
    for (i = 0; i < n; i++) {
        int fd;
        if (i % 1000 == 0) {
            snprintf(path, sizeof path, "%s/d%ld", dir, i / 1000);
            if (mkdir(path, 0755) != 0 && errno != EEXIST) {
                perror(path);
                return 1;
            }
        }
        snprintf(path, sizeof path, "%s/d%ld/f%ld.txt", dir, i / 1000, i);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, "x\n", 2) != 2) {
            perror(path);
            return 1;
        }
        close(fd);
    }
    return 0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int run_once(char **argv, double *ms)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int st, i;
    double t0;

    posix_spawn_file_actions_init(&fa);
    for (i = 0; i < 3; i++)
        posix_spawn_file_actions_addopen(&fa, i, "/dev/null", i ? O_WRONLY : O_RDONLY, 0);
    t0 = now_ms();
    if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return -1;
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    *ms = now_ms() - t0;
    posix_spawn_file_actions_destroy(&fa);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "mkfiles"))
        return mkfiles(argv[2], atol(argv[3]));
    if (argc > 4 && !strcmp(argv[1], "time")) {
        int reps = atoi(argv[2]), ncmd = 0, i, r;
        unsigned long long seed = 42;
        const char *settle = getenv("BENCH_SETTLE_MS");
        long settle_ms = settle ? atol(settle) : 0;
        char **cmds[16];
        const char *labels[16];
        double *t[16];
        for (i = 3; i < argc; i++) {
            if (!strcmp(argv[i], "::") && i + 2 < argc && ncmd < 16) {
                argv[i] = NULL; /* ends the previous command's argv */
                labels[ncmd] = argv[i + 1];
                cmds[ncmd] = &argv[i + 2];
                ncmd++;
                i++;
            }
        }
        if (reps < 1 || ncmd == 0) {
            fprintf(stderr, "bench: nothing to time\n");
            return 2;
        }
        for (i = 0; i < ncmd; i++)
            t[i] = calloc((size_t)reps, sizeof(double));
        for (r = -3; r < reps; r++) {
            int order[16], k;
            /* A new order each round (a fixed-seed shuffle): what runs just
             * before a command (bwrap's network namespace is torn down in
             * the background after it exits) is not always the same. */
            for (i = 0; i < ncmd; i++)
                order[i] = i;
            for (i = ncmd - 1; i > 0; i--) {
                int j, tmp;
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                j = (int)((seed >> 33) % (unsigned long long)(i + 1));
                tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
            for (k = 0; k < ncmd; k++) {
                double ms;
                i = order[k];
                if (settle_ms > 0) {
                    struct timespec ts = {settle_ms / 1000, (settle_ms % 1000) * 1000000L};
                    nanosleep(&ts, NULL);
                }
                if (run_once(cmds[i], &ms) != 0) {
                    fprintf(stderr, "bench: %s failed\n", labels[i]);
                    return 1;
                }
                if (r >= 0)
                    t[i][r] = ms;
            }
        }
        for (i = 0; i < ncmd; i++) {
            qsort(t[i], (size_t)reps, sizeof(double), cmp);
            printf("%s %.3f\n", labels[i],
                   reps % 2 ? t[i][reps / 2] : (t[i][reps / 2 - 1] + t[i][reps / 2]) / 2);
        }
        return 0;
    }
    fprintf(stderr, "usage: bench mkfiles DIR N | bench time REPS :: LABEL CMD... [:: ...]\n");
    return 2;
}
