/* Prints the seccomp filter of every built-in policy in every run
 * environment (user namespace, network namespace, gate, each on or off),
 * one line each, as the build that links it writes them. Built twice: into
 * the tests against the system's C library, and with the programs built
 * against musl (cli/CMakeLists.txt), which have no libseccomp and take
 * the call numbers from musl's headers; linux_musl_filters requires the
 * two outputs to be the same. */
#include <linux/filter.h>
#include <stdio.h>

#include "../core/fakehost.h"
#include "sandbox.h"

static const struct fake_entry fs[] = {
    {"/", CORDON__PATH_DIR, NULL},
    {"/home/ann", CORDON__PATH_DIR, NULL},
    {"/work/app", CORDON__PATH_DIR, NULL},
    {"/tmp", CORDON__PATH_DIR, NULL},
    {NULL, 0, NULL},
};

static int dump(const char *name)
{
    struct cordon__host h;
    struct cordon__plan plan;
    cordon_policy *p = NULL;
    int env_bits, rc = 0;

    if (cordon_policy_builtin(name, &p) != CORDON_OK) {
        fprintf(stderr, "bpfdump: %s: %s\n", name, cordon_last_error());
        return 1;
    }
    fake_host(CORDON__OS_LINUX, fs, &h);
    if (cordon__plan_compile(p, "/work/app", &h, &plan) != CORDON_OK) {
        fprintf(stderr, "bpfdump: %s: %s\n", name, cordon_last_error());
        cordon_policy_free(p);
        return 1;
    }
    for (env_bits = 0; env_bits < 8; env_bits++) {
        struct cordon__seccomp_env env;
        struct cordon__bpf bpf;
        const struct sock_filter *f;
        unsigned i;
        env.userns = env_bits & 1;
        env.netns = (env_bits >> 1) & 1;
        env.gate = (env_bits >> 2) & 1;
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
    cordon_policy_free(p);
    return rc;
}

int main(void)
{
    int rc = 0;
    rc |= dump("workspace-write");
    rc |= dump("workspace-write-online");
    rc |= dump("read-only");
    rc |= dump("full-access");
    return rc;
}
