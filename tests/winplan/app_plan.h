/* The Windows workspace the elevated plan tests compile against
 * (C:\work\app with its .git), and its plan as explain's JSON. Included
 * after harness.h. */
#ifndef CORDON_TEST_APP_PLAN_H
#define CORDON_TEST_APP_PLAN_H

static const struct fake_entry wfs[] = {
    {"C:\\work\\app", CORDON__PATH_DIR, NULL},
    {"C:\\work\\app\\.git", CORDON__PATH_DIR, NULL},
    {NULL, 0, NULL},
};

static void compile(const char *policy, struct cordon__plan *plan)
{
    struct cordon__host h;
    cordon_policy *p = NULL;
    fake_host(CORDON__OS_WINDOWS, wfs, &h);
    CHECK(cordon_policy_builtin(policy, &p) == CORDON_OK);
    CHECK_MSG(cordon__plan_compile(p, "C:\\work\\app", &h, plan) == CORDON_OK, "%s",
              cordon_last_error());
    cordon_policy_free(p);
}

/* The JSON of |policy|'s plan (cordon explain --os windows --json); the
 * caller frees it. */
static char *plan_json_of(const char *policy)
{
    struct cordon__plan plan;
    struct cordon__json j;
    char *text;
    compile(policy, &plan);
    memset(&j, 0, sizeof j);
    cordon__plan_json(&plan, &j);
    text = cordon__buf_take(&j.out);
    cordon__plan_free(&plan);
    return text;
}

#endif
