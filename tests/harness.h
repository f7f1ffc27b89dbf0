/* A small test harness: CHECK() records a failure and goes on; the program
 * exits 1 when anything failed, 77 (skip) from SKIP(), 0 otherwise. */
#ifndef CORDON_TEST_HARNESS_H
#define CORDON_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CORDON_TEST_SKIP 77

static int test_failures;
static int test_checks;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        test_checks++;                                                                \
        if (!(cond)) {                                                                \
            test_failures++;                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                             \
    } while (0)

#define CHECK_MSG(cond, ...)                                                     \
    do {                                                                         \
        test_checks++;                                                           \
        if (!(cond)) {                                                           \
            test_failures++;                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                 \
        }                                                                        \
    } while (0)

#define CHECK_STR(a, b)                                                                  \
    do {                                                                                 \
        const char *check_a_ = (a), *check_b_ = (b);                                     \
        test_checks++;                                                                   \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                 \
            test_failures++;                                                             \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s == %s\n  got:      \"%s\"\n  expected: \"%s\"\n", \
                    __FILE__, __LINE__, #a, #b, check_a_ ? check_a_ : "(null)",          \
                    check_b_ ? check_b_ : "(null)");                                     \
        }                                                                                \
    } while (0)

/* CHECK_STR on a string the check then frees (|a| is evaluated once). */
#define CHECK_STR_FREE(a, b)           \
    do {                               \
        char *check_owned_ = (a);      \
        CHECK_STR(check_owned_, b);    \
        free(check_owned_);            \
    } while (0)

/* |hay| contains |needle|. */
#define CHECK_CONTAINS(hay, needle)                                                      \
    do {                                                                                 \
        const char *check_h_ = (hay), *check_n_ = (needle);                              \
        test_checks++;                                                                   \
        if (!check_h_ || !strstr(check_h_, check_n_)) {                                  \
            test_failures++;                                                             \
            fprintf(stderr, "%s:%d: CHECK_CONTAINS failed: %s\n  in:     \"%s\"\n  wanted: \"%s\"\n", \
                    __FILE__, __LINE__, #hay, check_h_ ? check_h_ : "(null)", check_n_);  \
        }                                                                                \
    } while (0)

#define SKIP(...)                                   \
    do {                                            \
        fprintf(stdout, "SKIP: ");                  \
        fprintf(stdout, __VA_ARGS__);               \
        fputc('\n', stdout);                        \
        exit(CORDON_TEST_SKIP);                     \
    } while (0)

static int test_finish(const char *name)
{
    if (test_checks == 0) {
        fprintf(stderr, "%s: no checks ran\n", name);
        return 1;
    }
    printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
    return test_failures ? 1 : 0;
}

#define TEST_MAIN_END() return test_finish(__FILE__)

#endif
