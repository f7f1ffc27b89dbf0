/* Grants: a run records its persistent ACEs, creates missing protected
 * directories, and revoke removes both; on real Windows also the live ACEs
 * (listed before, gone after) and idempotence (a second ensure writes
 * nothing). Wine does not store file ACLs, so the live-ACE checks are only
 * made on Windows. */
#include "wintest.h"

static char *registry_text(void)
{
    char *dir = NULL, *path, *text;
    if (cordon__win_state_dir(&dir) != CORDON_OK)
        return cordon__strdup("");
    path = join(dir, "grants");
    text = slurp(path);
    free(path);
    free(dir);
    return text;
}

int main(void)
{
    int wine = cordon__win_is_wine();
    cordon_policy *ws = NULL;
    char *probe = probe_exe();
    char *root = make_temp_dir("grants");
    char *codex = join(root, ".codex");
    char *git = join(root, ".git");
    const char *argv[] = {probe, "exit", "0", NULL};
    char *reg, *list = NULL;
    int code = -1;

    CHECK(cordon_policy_builtin("workspace-write", &ws) == CORDON_OK);
    CHECK(!path_exists(codex));
    {
        /* During the run the missing protected paths exist (held by the
         * placeholders carrying the deny); after it they are gone. */
        char *out = join(root, "..\\cordon-grants-out.txt");
        const char *argv_ls[] = {probe, "delete", codex, NULL};
        CHECK(run_to_file(ws, argv_ls, root, out, &code, NULL) == CORDON_OK);
        if (wine)
            CHECK(code == 0); /* it was there to delete; Wine does not enforce the deny */
        else
            CHECK(code == 5); /* there, and not deletable */
        free(out);
    }
    CHECK_MSG(run_to_file(ws, argv, root, NULL, &code, NULL) == CORDON_OK, "%s",
              cordon_last_error());
    CHECK(code == 0);
    CHECK(!path_exists(codex));
    CHECK(!path_exists(git));
    reg = registry_text();
    CHECK_CONTAINS(reg, root);
    CHECK_CONTAINS(reg, "allow\tS-1-5-21-1668248164-");
    free(reg);
    /* A protected directory that exists gets a recorded deny. */
    {
        wchar_t *w = cordon__win_wide(git);
        CHECK(CreateDirectoryW(w, NULL));
        free(w);
        CHECK(run_to_file(ws, argv, root, NULL, &code, NULL) == CORDON_OK);
        reg = registry_text();
        CHECK_CONTAINS(reg, "deny\tS-1-5-21-1668248164-");
        CHECK_CONTAINS(reg, git);
        free(reg);
    }

    CHECK(cordon_grants_list(&list) == CORDON_OK);
    CHECK(list && list[0] == '[');
    if (!wine) {
        CHECK_CONTAINS(list, "\"kind\":\"allow\"");
        CHECK_CONTAINS(list, "\"kind\":\"deny\"");
    }
    cordon_free(list);

    /* Steady state: the ACE is there, a second ensure writes nothing. */
    if (!wine) {
        struct cordon__host host;
        struct cordon__plan plan;
        PSID sid;
        int added = -1;
        CHECK(cordon__os_host(&host) == CORDON_OK);
        CHECK(cordon__plan_compile(ws, root, &host, &plan) == CORDON_OK);
        sid = cordon__win_sid_from_string(plan.windows_plan.root_sids.v[0]);
        CHECK(cordon__win_ensure_ace(root, sid, CORDON__WIN_ACE_ALLOW, CORDON__WIN_ALLOW_MASK,
                                     CORDON__WIN_CONTAINER_INHERIT | CORDON__WIN_OBJECT_INHERIT,
                                     &added) == CORDON_OK);
        CHECK_MSG(added == 0, "the ACE was written again");
        LocalFree(sid);
        cordon__plan_free(&plan);
    } else {
        printf("note: under Wine file ACLs are not stored; live-ACE checks are left out\n");
    }

    CHECK_MSG(cordon_grants_revoke(root) == CORDON_OK, "%s", cordon_last_error());
    reg = registry_text();
    CHECK(strstr(reg, root) == NULL);
    free(reg);
    /* The user's own .git stays; only ACEs were removed. */
    CHECK(path_exists(git));
    if (!wine) {
        struct cordon__strv sids = {0}, kinds = {0};
        CHECK(cordon__win_list_cordon_aces(root, &sids, &kinds) == CORDON_OK);
        CHECK_MSG(sids.n == 0, "%lu cordon ACEs left on %s", (unsigned long)sids.n, root);
        cordon__strv_free(&sids);
        cordon__strv_free(&kinds);
    }
    CHECK(cordon_grants_list(&list) == CORDON_OK);
    CHECK(list && strstr(list, root) == NULL);
    cordon_free(list);

    /* A worktree whose git directory lies outside the root: its denies
     * there are recorded, and revoking the root reaches them. */
    {
        char *wt = make_temp_dir("grants-wt"), *outside = make_temp_dir("grants-gitdir");
        char *dotgit = join(wt, ".git"), *content = cordon__asprintf("gitdir: %s\n", outside);
        wchar_t *w = cordon__win_wide(dotgit);
        HANDLE h = CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
        DWORD put = 0;
        WriteFile(h, content, (DWORD)strlen(content), &put, NULL);
        CloseHandle(h);
        free(w);
        code = -1;
        CHECK_MSG(run_to_file(ws, argv, wt, NULL, &code, NULL) == CORDON_OK, "%s",
                  cordon_last_error());
        reg = registry_text();
        CHECK_MSG(strstr(reg, outside) != NULL, "the gitdir target's deny is not recorded");
        free(reg);
        CHECK(cordon_grants_revoke(wt) == CORDON_OK);
        reg = registry_text();
        CHECK_MSG(strstr(reg, outside) == NULL, "revoking the root left its gitdir target's "
                                                "deny outside it");
        free(reg);
        remove_dir_tree(wt);
        remove_dir_tree(outside);
        free(wt);
        free(outside);
        free(dotgit);
        free(content);
    }

    cordon_policy_free(ws);
    remove_dir_tree(root);
    free(codex);
    free(git);
    free(root);
    free(probe);
    TEST_MAIN_END();
}
