/* Selection with test backends, levels, floors and the level JSON. */
#include "fakehost.h"
#include "harness.h"

static int elevated_ready;

static void probe_elevated(const struct cordon__plan *plan, struct cordon__probe *out)
{
    (void)plan;
    if (!elevated_ready) {
        snprintf(out->why_not, sizeof out->why_not, "setup has not been run");
        return;
    }
    out->ready = 1;
    out->level[CORDON_DIM_FS_WRITE] = CORDON_LEVEL_ENFORCED;
    out->level[CORDON_DIM_PROTECTED_PATHS] = CORDON_LEVEL_ENFORCED;
    out->level[CORDON_DIM_NETWORK] = CORDON_LEVEL_ENFORCED;
    out->level[CORDON_DIM_SECRETS_READ] = CORDON_LEVEL_ENFORCED;
}

/* A probe that fails the way a broken primitive does: it reports not ready. */
static void probe_broken(const struct cordon__plan *plan, struct cordon__probe *out)
{
    (void)plan;
    snprintf(out->why_not, sizeof out->why_not, "readiness probe failed (test: error 5)");
}

static void probe_unelevated(const struct cordon__plan *plan, struct cordon__probe *out)
{
    (void)plan;
    out->ready = 1;
    out->level[CORDON_DIM_FS_WRITE] = CORDON_LEVEL_ENFORCED;
    out->level[CORDON_DIM_PROTECTED_PATHS] = CORDON_LEVEL_ENFORCED;
    out->level[CORDON_DIM_NETWORK] = CORDON_LEVEL_ADVISORY;
    out->level[CORDON_DIM_SECRETS_READ] = CORDON_LEVEL_ENFORCED;
    snprintf(out->reason[CORDON_DIM_NETWORK], CORDON_REASON_MAX, "environment and PATH stubs only");
    /* A note on an enforced dimension: shown in text, not in "reasons". */
    snprintf(out->reason[CORDON_DIM_FS_WRITE], CORDON_REASON_MAX, "by test ACLs");
}

static void probe_silent(const struct cordon__plan *plan, struct cordon__probe *out)
{
    (void)plan;
    out->ready = 1; /* gives "none" everywhere and no reason */
}

static const struct cordon_backend test_elevated = {.name = "test-elevated", .tier = CORDON_TIER_ELEVATED, .probe = probe_elevated};
static const struct cordon_backend test_broken = {.name = "test-broken", .tier = CORDON_TIER_ELEVATED, .probe = probe_broken};
static const struct cordon_backend test_unelevated = {.name = "test-unelevated", .tier = CORDON_TIER_UNELEVATED, .probe = probe_unelevated};
static const struct cordon_backend test_silent = {.name = "test-silent", .tier = CORDON_TIER_UNELEVATED, .probe = probe_silent};

static const struct fake_entry fs[] = {
    {"/work/app", CORDON__PATH_DIR, NULL},
    {NULL, 0, NULL},
};

static void compile(const char *policy, struct cordon__plan *plan)
{
    struct cordon__host h;
    cordon_policy *p = NULL;
    fake_host(CORDON__OS_LINUX, fs, &h);
    CHECK(cordon_policy_builtin(policy, &p) == CORDON_OK);
    CHECK(cordon__plan_compile(p, "/work/app", &h, plan) == CORDON_OK);
    cordon_policy_free(p);
}

static void selection(void)
{
    const struct cordon_backend *const reg[] = {&test_elevated, &test_broken, &test_unelevated, NULL};
    const struct cordon_backend *const none[] = {&test_broken, NULL};
    struct cordon__plan plan;
    struct cordon__selection sel;
    cordon_levels lv;

    compile("workspace-write", &plan);

    elevated_ready = 1;
    cordon__select(reg, &plan, &sel);
    CHECK(sel.backend == &test_elevated && sel.fallback_reason[0] == '\0');
    cordon__levels_from(&plan, &sel, &lv);
    CHECK_STR(lv.backend, "test-elevated");
    CHECK(lv.tier == CORDON_TIER_ELEVATED && cordon_levels_overall(&lv) == CORDON_LEVEL_ENFORCED);

    elevated_ready = 0;
    cordon__select(reg, &plan, &sel);
    CHECK(sel.backend == &test_unelevated);
    CHECK_STR(sel.fallback_reason,
              "test-elevated: setup has not been run; test-broken: readiness probe failed (test: error 5)");
    cordon__levels_from(&plan, &sel, &lv);
    CHECK(lv.level[CORDON_DIM_NETWORK] == CORDON_LEVEL_ADVISORY);
    CHECK_STR(lv.reason[CORDON_DIM_NETWORK], "environment and PATH stubs only");
    CHECK_STR(lv.reason[CORDON_DIM_FS_WRITE], "by test ACLs");

    cordon__select(none, &plan, &sel);
    CHECK(sel.backend == NULL);
    cordon__levels_from(&plan, &sel, &lv);
    CHECK(lv.backend[0] == '\0' && lv.tier == CORDON_TIER_NONE);
    CHECK(lv.level[CORDON_DIM_FS_WRITE] == CORDON_LEVEL_NONE);
    CHECK_CONTAINS(lv.reason[CORDON_DIM_NETWORK], "no sandbox backend");
    CHECK_CONTAINS(lv.reason[CORDON_DIM_NETWORK], "readiness probe failed");

    /* A backend below "enforced" must say why; if it does not, say so. */
    {
        const struct cordon_backend *const silent[] = {&test_silent, NULL};
        cordon__select(silent, &plan, &sel);
        cordon__levels_from(&plan, &sel, &lv);
        CHECK_STR(lv.reason[CORDON_DIM_FS_WRITE], "test-silent gives no reason");
    }
    cordon__plan_free(&plan);
}

static void policy_lowers(void)
{
    const struct cordon_backend *const reg[] = {&test_elevated, NULL};
    struct cordon__plan plan;
    struct cordon__selection sel;
    cordon_levels lv;
    elevated_ready = 1;

    compile("workspace-write-online", &plan);
    cordon__select(reg, &plan, &sel);
    cordon__levels_from(&plan, &sel, &lv);
    CHECK(lv.level[CORDON_DIM_NETWORK] == CORDON_LEVEL_NONE);
    CHECK_STR(lv.reason[CORDON_DIM_NETWORK], "the policy allows network access");
    CHECK(lv.level[CORDON_DIM_FS_WRITE] == CORDON_LEVEL_ENFORCED);
    cordon__plan_free(&plan);

    compile("full-access", &plan);
    cordon__select(reg, &plan, &sel);
    cordon__levels_from(&plan, &sel, &lv);
    CHECK(lv.level[CORDON_DIM_FS_WRITE] == CORDON_LEVEL_NONE &&
          lv.level[CORDON_DIM_PROTECTED_PATHS] == CORDON_LEVEL_NONE &&
          lv.level[CORDON_DIM_NETWORK] == CORDON_LEVEL_NONE);
    CHECK_STR(lv.reason[CORDON_DIM_FS_WRITE], "the policy is full-access: no sandbox");
    cordon__plan_free(&plan);
}

static void floors(void)
{
    const struct cordon_backend *const reg[] = {&test_elevated, &test_unelevated, NULL};
    struct cordon__plan plan;
    struct cordon__selection sel;
    cordon_levels lv;
    cordon_requirement net = {CORDON_DIM_NETWORK, CORDON_LEVEL_ENFORCED};
    cordon_requirement fs_adv = {CORDON_DIM_FS_WRITE, CORDON_LEVEL_ADVISORY};
    cordon_requirement both[2];
    char *json = NULL;

    elevated_ready = 0;
    compile("workspace-write", &plan);
    cordon__select(reg, &plan, &sel);
    cordon__levels_from(&plan, &sel, &lv);
    CHECK(cordon_levels_check(&lv, &fs_adv, 1) == CORDON_OK);
    CHECK(cordon_levels_check(&lv, &net, 1) == CORDON_ERR_REQUIREMENT);
    CHECK_STR(cordon_last_error(), "required network=enforced, but this host gives network=advisory "
                                   "(test-unelevated: environment and PATH stubs only)");
    both[0] = fs_adv;
    both[1] = net;
    CHECK(cordon_levels_check(&lv, both, 2) == CORDON_ERR_REQUIREMENT);
    both[1].dim = (cordon_dimension)7;
    CHECK(cordon_levels_check(&lv, both, 2) == CORDON_ERR_INVALID_ARGUMENT);

    /* The level JSON has exactly the documented keys, in order. */
    snprintf(lv.fallback_reason, sizeof lv.fallback_reason, "test-elevated: setup has not been run");
    CHECK(cordon_levels_json(&lv, &json) == CORDON_OK);
    CHECK_STR(json, "{\"backend\":\"test-unelevated\",\"tier\":\"unelevated\","
                    "\"enforcement_level\":\"advisory\",\"dimensions\":{\"fs_write\":\"enforced\","
                    "\"protected_paths\":\"enforced\",\"network\":\"advisory\",\"secrets_read\":\"enforced\"},\"reasons\":{\"network\":"
                    "\"environment and PATH stubs only\"},\"fallback_reason\":\"test-elevated: setup "
                    "has not been run\"}");
    cordon_free(json);
    CHECK(cordon_levels_text(&lv, &json) == CORDON_OK);
    CHECK_CONTAINS(json, "test-unelevated backend (unelevated tier)");
    CHECK_CONTAINS(json, "network is advisory (environment and PATH stubs only)");
    CHECK_CONTAINS(json, "fs_write is enforced (by test ACLs)");
    cordon_free(json);
    cordon__plan_free(&plan);
}

static void exit_statuses(void)
{
    cordon_run_result r;
    memset(&r, 0, sizeof r);
    r.exit_code = 7;
    CHECK(cordon_exit_status(CORDON_OK, &r) == 7);
    r.term_signal = 9;
    CHECK(cordon_exit_status(CORDON_OK, &r) == 137);
    r.timed_out = 1;
    CHECK(cordon_exit_status(CORDON_OK, &r) == 124);
    CHECK(cordon_exit_status(CORDON_ERR_NOT_FOUND, &r) == 127);
    CHECK(cordon_exit_status(CORDON_ERR_NOT_EXECUTABLE, &r) == 126);
    CHECK(cordon_exit_status(CORDON_ERR_REQUIREMENT, &r) == 125);
    CHECK(cordon_exit_status(CORDON_ERR_POLICY_SYNTAX, NULL) == 125);
}

int main(void)
{
    selection();
    policy_lowers();
    floors();
    exit_statuses();
    TEST_MAIN_END();
}
