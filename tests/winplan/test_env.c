/* The environment block order Windows requires: by name, upper-cased,
 * "=X:" entries first, values /dev/null mapped to NUL. */
#include "harness.h"
#include "internal.h"

static int upper(int c)
{
    return (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c;
}

static int cmp_nocase(const char *a, const char *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (upper((unsigned char)a[i]) != upper((unsigned char)b[i]))
            return upper((unsigned char)a[i]) - upper((unsigned char)b[i]);
    return 0;
}

int main(void)
{
    struct cordon__strv env = {0};
    static const char *const in[] = {"path=C:\\bin", "Zeta=1", "A_B=2", "AB=3", "=C:=C:\\w",
                                     "alpha=4", "ALPHA2=5", "OUT=/dev/null", "_u=6", "a=7", NULL};
    static const char *const want[] = {"=C:=C:\\w", "a=7", "AB=3", "alpha=4", "ALPHA2=5", "A_B=2",
                                       "OUT=NUL", "path=C:\\bin", "Zeta=1", "_u=6", NULL};
    size_t i;

    for (i = 0; in[i]; i++)
        CHECK(cordon__strv_push(&env, in[i]) == CORDON_OK);
    CHECK(cordon__win_env_block_order(&env) == CORDON_OK);
    CHECK(env.n == 10);
    for (i = 0; want[i] && i < env.n; i++)
        CHECK_STR(env.v[i], want[i]);
    /* Sorted means each name compares <= the next, case-insensitively. */
    for (i = 1; i < env.n; i++) {
        size_t na = strcspn(env.v[i - 1] + 1, "=") + 1, nb = strcspn(env.v[i] + 1, "=") + 1;
        size_t n = na < nb ? na : nb;
        int c = cmp_nocase(env.v[i - 1], env.v[i], n);
        CHECK_MSG(c < 0 || (c == 0 && na <= nb), "%s before %s", env.v[i - 1], env.v[i]);
    }
    cordon__strv_free(&env);
    CHECK(cordon__win_env_block_order(&env) == CORDON_OK); /* empty is fine */
    TEST_MAIN_END();
}
