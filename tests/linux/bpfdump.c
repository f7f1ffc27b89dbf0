/* Prints the seccomp filter of every built-in policy in every run
 * environment (user namespace, network namespace, gate, each on or off),
 * one line each, as the build that links it writes them. Built twice: into
 * the tests against the system's C library, and with the programs built
 * against musl (cli/CMakeLists.txt), which have no libseccomp and take
 * the call numbers from musl's headers; linux_musl_filters requires the
 * two outputs to be the same. */
#include <linux/filter.h>
#include <stdio.h>

#include "filter_plans.h"

static int dump(const char *name)
{
    struct cordon__plan plan;
    int env_bits, rc = 0;

    if (filter_plan(name, &plan) != CORDON_OK) {
        fprintf(stderr, "bpfdump: %s: %s\n", name, cordon_last_error());
        return 1;
    }
    for (env_bits = 0; env_bits < FILTER_ENVS; env_bits++) {
        struct cordon__seccomp_env env;
        struct cordon__bpf bpf;
        const struct sock_filter *f;
        unsigned i;
        filter_env(env_bits, &env);
        printf("%s userns=%d netns=%d gate=%d:", name, env.userns, env.netns, env.gate);
        if (cordon__seccomp_build(&plan.linux_plan, &env, &bpf) != CORDON_OK) {
            printf(" error: %s\n", cordon_last_error());
            rc = 1;
            continue;
        }
        f = bpf.filter;
        for (i = 0; i < bpf.len; i++)
            printf(" %04x,%u,%u,%08x", (unsigned)f[i].code, (unsigned)f[i].jt, (unsigned)f[i].jf,
                   (unsigned)f[i].k);
        printf("\n");
        cordon__bpf_free(&bpf);
    }
    cordon__plan_free(&plan);
    return rc;
}

int main(void)
{
    size_t k;
    int rc = 0;
    for (k = 0; filter_policies[k]; k++)
        rc |= dump(filter_policies[k]);
    return rc;
}
