/* The plans whose seccomp filters the Linux tests compare: every built-in
 * policy, compiled for a fake host, and every run environment (user
 * namespace, network namespace, gate, each on or off). Shared by
 * seccomp_test.c and bpfdump.c. */
#ifndef CORDON_TEST_FILTER_PLANS_H
#define CORDON_TEST_FILTER_PLANS_H

#include "../core/fakehost.h"
#include "sandbox.h"

static const char *const filter_policies[] = {
    "workspace-write", "workspace-write-online", "read-only", "full-access", NULL,
};

#define FILTER_ENVS 8

/* Run environment |bits| (0 to FILTER_ENVS - 1). */
static void filter_env(int bits, struct cordon__seccomp_env *env)
{
    env->userns = bits & 1;
    env->netns = (bits >> 1) & 1;
    env->gate = (bits >> 2) & 1;
}

/* Built-in policy |name|'s plan on a fake host, the workspace /work/app. */
static cordon_error filter_plan(const char *name, struct cordon__plan *plan)
{
    static const struct fake_entry fs[] = {
        {"/", CORDON__PATH_DIR, NULL},
        {"/home/ann", CORDON__PATH_DIR, NULL},
        {"/work/app", CORDON__PATH_DIR, NULL},
        {"/tmp", CORDON__PATH_DIR, NULL},
        {NULL, 0, NULL},
    };
    struct cordon__host h;
    cordon_policy *p = NULL;
    cordon_error e = cordon_policy_builtin(name, &p);
    if (e != CORDON_OK)
        return e;
    fake_host(CORDON__OS_LINUX, fs, &h);
    e = cordon__plan_compile(p, "/work/app", &h, plan);
    cordon_policy_free(p);
    return e;
}

#endif
