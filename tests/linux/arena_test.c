/* The allocator of the cordon program built against musl (cli/malloc_arena.c),
 * linked into this test the same way: sizes of every class and beyond,
 * contents kept across realloc, calloc zeroes reused memory and refuses an
 * overflowing size, freed blocks serve the next requests (a loop that
 * allocates and frees does not map more memory), aligned blocks up to a
 * page, and the program stops (a trap, SIGILL) on a double free, on a
 * pointer that is not a block, and on a freed block whose link an
 * overflow rewrote. Built and run only where the musl program is. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
#define CHECK(c)                                                             \
    do {                                                                     \
        if (!(c)) {                                                          \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);     \
            failures++;                                                      \
        }                                                                    \
    } while (0)

/* Anonymous mappings of this process: what the allocator took. */
static int mappings(void)
{
    char line[512];
    int n = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        n++;
    fclose(f);
    return n;
}

static void sizes(void)
{
    size_t n;
    for (n = 0; n <= ((size_t)1 << 20); n = n < 64 ? n + 1 : n * 2 + 3) {
        unsigned char *p = malloc(n);
        CHECK(p != NULL);
        CHECK(((uintptr_t)p & 15) == 0);
        CHECK(malloc_usable_size(p) >= n);
        memset(p, 0xa5, n);
        free(p);
    }
    free(NULL);
}

static void reallocs(void)
{
    size_t n, i;
    unsigned char *p = NULL;
    for (n = 1; n < 600000; n = n * 3 + 1) {
        unsigned char *q = realloc(p, n);
        CHECK(q != NULL);
        if (!q)
            return;
        for (i = 0; p && i < n / 3; i++)
            CHECK(q[i] == (unsigned char)i);
        for (i = 0; i < n; i++)
            q[i] = (unsigned char)i;
        p = q;
    }
    /* Shrinking keeps the start. */
    p = realloc(p, 10);
    CHECK(p != NULL);
    for (i = 0; p && i < 10; i++)
        CHECK(p[i] == (unsigned char)i);
    free(p);
    p = realloc(NULL, 5);
    CHECK(p != NULL);
    free(p);
}

static void callocs(void)
{
    int round;
    size_t i;
    /* The second round gets the blocks the first freed, dirty. */
    for (round = 0; round < 2; round++) {
        unsigned char *p = calloc(100, 3);
        int clean = 1;
        CHECK(p != NULL);
        for (i = 0; p && i < 300; i++)
            clean &= p[i] == 0;
        CHECK(clean);
        if (p)
            memset(p, 0xff, 300);
        free(p);
    }
    {
        /* Not a constant: the compiler would refuse the call itself. */
        volatile size_t huge = SIZE_MAX / 2;
        errno = 0;
        CHECK(calloc(huge, 4) == NULL && errno == ENOMEM);
    }
    CHECK(aligned_alloc(8, 24) != NULL);
    {
        size_t a;
        for (a = 32; a <= 4096; a *= 2) {
            void *p = aligned_alloc(a, 100);
            void *q = NULL;
            CHECK(p != NULL && ((uintptr_t)p & (a - 1)) == 0);
            CHECK(posix_memalign(&q, a, 5000) == 0 && ((uintptr_t)q & (a - 1)) == 0);
            if (p)
                memset(p, 1, 100);
            if (q)
                memset(q, 1, 5000);
            free(p);
            free(q);
        }
        errno = 0;
        CHECK(aligned_alloc(8192, 10) == NULL && errno == EINVAL);
        CHECK(aligned_alloc(48, 10) == NULL && errno == EINVAL);
    }
}

static void reuse(void)
{
    int before, i, k;
    void *keep[64];
    for (k = 0; k < 64; k++)
        keep[k] = malloc((size_t)(k * 97 % 5000) + 1);
    for (k = 0; k < 64; k++)
        free(keep[k]);
    before = mappings();
    for (i = 0; i < 20000; i++) {
        for (k = 0; k < 64; k++)
            keep[k] = malloc((size_t)(k * 97 % 5000) + 1);
        for (k = 0; k < 64; k++)
            free(keep[k]);
    }
    CHECK(before > 0 && mappings() == before);
}

/* |what| in a child: it must die of the allocator's trap. */
static void stops(const char *name, void (*what)(void))
{
    int st = 0;
    pid_t pid = fork();
    if (pid == 0) {
        what();
        _exit(0);
    }
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
    if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGILL)) {
        fprintf(stderr, "FAIL: %s: status %#x, not the trap\n", name, st);
        failures++;
    }
}

/* Through volatile pointers: the compiler may drop an unused allocation
 * with its frees. */
static void twice(void)
{
    void *volatile p = malloc(40);
    free(p);
    free(p);
}

static void not_a_block(void)
{
    static char buf[64] __attribute__((aligned(16)));
    char *volatile p = buf + 16;
    free(p);
}

/* A write into a freed block (an overflow from the block before it, or a
 * use after free) puts an address of the writer's choosing where the
 * block's free-list link is. */
static void poisoned(void)
{
    static char target[64] __attribute__((aligned(16)));
    unsigned char *volatile b = malloc(16);
    uintptr_t forged = (uintptr_t)target;
    free(b);
    *(volatile uintptr_t *)(void *)b = forged; /* the link: the block's first bytes */
    void *volatile c = malloc(16); /* takes b, follows the link */
    void *volatile d = malloc(16); /* would be target */
    (void)c;
    (void)d;
}

int main(void)
{
    sizes();
    reallocs();
    callocs();
    reuse();
    stops("double free", twice);
    stops("a pointer that is not a block", not_a_block);
    stops("a forged free-list link", poisoned);
    if (failures) {
        fprintf(stderr, "arena_test: %d failed\n", failures);
        return 1;
    }
    printf("arena_test: all passed\n");
    return 0;
}
