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
 *       BENCH_SPREAD="A/B ..." also prints, for each pair of labels,
 *       "spread A/B P5 P95": the 5th and 95th percentiles of the ratio of
 *       the medians over 2,000 resamples of the repetitions (each one
 *       drawn with its commands together, as they ran), so that a ratio
 *       can be read with the precision this many repetitions give.
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

static double median_of(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The 5th and 95th percentiles of median(a)/median(b) over resamples of
 * the repetitions (a[r] and b[r] ran in the same round). */
static int spread(const double *a, const double *b, int reps, double *p5, double *p95)
{
    enum { RESAMPLES = 2000 };
    double *ra = malloc((size_t)reps * sizeof(double)), *rb = malloc((size_t)reps * sizeof(double));
    double *ratio = malloc(RESAMPLES * sizeof(double));
    unsigned long long seed = 7;
    int k, r;
    if (!ra || !rb || !ratio) {
        free(ra);
        free(rb);
        free(ratio);
        return -1;
    }
    for (k = 0; k < RESAMPLES; k++) {
        for (r = 0; r < reps; r++) {
            int j;
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            j = (int)((seed >> 33) % (unsigned long long)reps);
            ra[r] = a[j];
            rb[r] = b[j];
        }
        ratio[k] = median_of(ra, reps) / median_of(rb, reps);
    }
    qsort(ratio, RESAMPLES, sizeof(double), cmp);
    *p5 = ratio[RESAMPLES / 20];
    *p95 = ratio[RESAMPLES - RESAMPLES / 20 - 1];
    free(ra);
    free(rb);
    free(ratio);
    return 0;
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
        if (getenv("BENCH_SPREAD")) {
            char *pairs = strdup(getenv("BENCH_SPREAD")), *tok, *save = NULL;
            for (tok = pairs ? strtok_r(pairs, " ", &save) : NULL; tok;
                 tok = strtok_r(NULL, " ", &save)) {
                char *slash = strchr(tok, '/');
                int a = -1, b = -1;
                double p5, p95;
                if (slash) {
                    *slash = '\0';
                    for (i = 0; i < ncmd; i++) {
                        if (!strcmp(labels[i], tok))
                            a = i;
                        if (!strcmp(labels[i], slash + 1))
                            b = i;
                    }
                    *slash = '/';
                }
                if (a < 0 || b < 0) {
                    fprintf(stderr, "bench: BENCH_SPREAD: %s is not two labels A/B\n", tok);
                    return 2;
                }
                if (spread(t[a], t[b], reps, &p5, &p95) != 0) {
                    fprintf(stderr, "bench: out of memory\n");
                    return 2;
                }
                printf("spread %s %.4f %.4f\n", tok, p5, p95);
            }
            free(pairs);
        }
        for (i = 0; i < ncmd; i++)
            printf("%s %.3f\n", labels[i], median_of(t[i], reps));
        return 0;
    }
    fprintf(stderr, "usage: bench mkfiles DIR N | bench time REPS :: LABEL CMD... [:: ...]\n");
    return 2;
}
