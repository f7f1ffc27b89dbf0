/* The level report on this host: under Wine, fs_write and protected_paths
 * are "none" with the Wine reason; network is advisory with a reason in
 * this tier, never enforced; full-access selects windows-direct. On real
 * Windows the levels must come with reasons whenever below enforced. */
#include "wintest.h"

int main(void)
{
    cordon_policy *ws = NULL, *full = NULL, *online = NULL;
    cordon_levels lv;
    char *dir = make_temp_dir("level");
    char *json = NULL;

    CHECK(cordon_policy_builtin("workspace-write", &ws) == CORDON_OK);
    CHECK_MSG(cordon_level_query(ws, dir, &lv) == CORDON_OK, "%s", cordon_last_error());
    CHECK_STR(lv.backend, "windows-unelevated");
    CHECK(lv.tier == CORDON_TIER_UNELEVATED);
    CHECK(lv.level[CORDON_DIM_NETWORK] == CORDON_LEVEL_ADVISORY);
    CHECK_CONTAINS(lv.reason[CORDON_DIM_NETWORK], "cannot block network access");
    /* A write-restricted token does not restrict reads: never enforced. */
    CHECK(lv.n_dims == CORDON_DIM_COUNT);
    CHECK(lv.level[CORDON_DIM_SECRETS_READ] == CORDON_LEVEL_NONE);
    CHECK_CONTAINS(lv.reason[CORDON_DIM_SECRETS_READ], "cannot refuse reads");
    if (cordon__win_is_wine()) {
        CHECK(lv.level[CORDON_DIM_FS_WRITE] == CORDON_LEVEL_NONE);
        CHECK(lv.level[CORDON_DIM_PROTECTED_PATHS] == CORDON_LEVEL_NONE);
        CHECK_STR(lv.reason[CORDON_DIM_FS_WRITE],
                  "running under Wine: tokens and ACLs are not enforced");
        CHECK_STR(lv.reason[CORDON_DIM_PROTECTED_PATHS],
                  "running under Wine: tokens and ACLs are not enforced");
    } else {
        int d;
        for (d = 0; d < CORDON_DIM_COUNT; d++)
            CHECK_MSG(lv.level[d] == CORDON_LEVEL_ENFORCED || lv.reason[d][0],
                      "%s below enforced without a reason", cordon_dimension_name(d));
    }
    CHECK(cordon_levels_json(&lv, &json) == CORDON_OK);
    CHECK_CONTAINS(json, "\"backend\":\"windows-unelevated\"");
    CHECK_CONTAINS(json, "\"enforcement_level\":\"advisory\"");
    cordon_free(json);

    /* Network allowed: none by policy, whatever the tier could do. */
    CHECK(cordon_policy_builtin("workspace-write-online", &online) == CORDON_OK);
    CHECK(cordon_level_query(online, dir, &lv) == CORDON_OK);
    CHECK(lv.level[CORDON_DIM_NETWORK] == CORDON_LEVEL_NONE);

    CHECK(cordon_policy_builtin("full-access", &full) == CORDON_OK);
    CHECK(cordon_level_query(full, dir, &lv) == CORDON_OK);
    CHECK_STR(lv.backend, "windows-direct");
    CHECK(lv.tier == CORDON_TIER_NONE);
    CHECK_CONTAINS(lv.fallback_reason, "windows-unelevated");

    /* The Windows plan on this host uses the real per-user secret. */
    CHECK(cordon_explain(ws, dir, "windows", 1, &json) == CORDON_OK);
    CHECK_CONTAINS(json, "\"sids_are_placeholders\":false");
    CHECK_CONTAINS(json, "\"WRITE_RESTRICTED\"");
    cordon_free(json);

    cordon_policy_free(ws);
    cordon_policy_free(online);
    cordon_policy_free(full);
    remove_dir_tree(dir);
    free(dir);
    TEST_MAIN_END();
}
