/* Grants: a run records its persistent ACEs with the root they are for
 * and each path's DACL before the first change, creates missing protected
 * directories, and revoke removes both, reference-counted across roots
 * that share a path, under the grants file's lock; on real Windows also
 * the live ACEs (listed before, gone after), idempotence (a second ensure
 * writes nothing) and the exact restore of the original DACL. Wine does
 * not store file ACLs, so the live-ACE checks are only made on Windows. */
#include "wintest.h"

#include <aclapi.h>
#include <sddl.h>

static char *state_text(const char *name)
{
    char *dir = NULL, *path, *text;
    if (cordon__win_state_dir(&dir) != CORDON_OK)
        return cordon__strdup("");
    path = join(dir, name);
    text = slurp(path);
    free(path);
    free(dir);
    return text;
}

/* |path|'s DACL in SDDL (caller frees), "" when unreadable. */
static char *dacl_of(const char *path)
{
    wchar_t *w = cordon__win_wide(path), *str = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    char *out = NULL;
    if (GetNamedSecurityInfoW(w, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, NULL,
                              NULL, &sd) == ERROR_SUCCESS &&
        ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1,
                                                             DACL_SECURITY_INFORMATION, &str,
                                                             NULL))
        out = cordon__win_utf8(str);
    if (str)
        LocalFree(str);
    if (sd)
        LocalFree(sd);
    free(w);
    return out ? out : cordon__strdup("");
}

/* The lines of |text| that contain both |a| and |b|. */
static int lines_with(const char *text, const char *a, const char *b)
{
    int n = 0;
    const char *line = text;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char *copy = cordon__strndup(line, len);
        n += copy && strstr(copy, a) && (!b || strstr(copy, b));
        free(copy);
        line = end ? end + 1 : NULL;
    }
    return n;
}

struct revoke_arg {
    const char *root;
    volatile LONG done;
};

static DWORD WINAPI revoke_thread(void *p)
{
    struct revoke_arg *a = p;
    cordon_grants_revoke(a->root);
    InterlockedExchange(&a->done, 1);
    return 0;
}

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
    {
        /* The record names the root it is for; the root's DACL before
         * the first change is recorded once, without cordon's ACEs. */
        char *rec = cordon__asprintf("\t%s\t%s\n", root, root);
        char *orig = state_text("originals");
        CHECK_CONTAINS(reg, rec);
        CHECK_MSG(lines_with(orig, root, "\tD:") == 1, "%s", orig);
        CHECK(strstr(orig, "S-1-5-21-1668248164-") == NULL);
        free(orig);
        free(rec);
    }
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
        /* A second worktree of the same repository shares the target:
         * revoking one root keeps what the other still needs there. */
        {
            char *wt2 = make_temp_dir("grants-wt2"), *dotgit2 = join(wt2, ".git");
            char *orig;
            wchar_t *w2 = cordon__win_wide(dotgit2);
            h = CreateFileW(w2, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
            WriteFile(h, content, (DWORD)strlen(content), &put, NULL);
            CloseHandle(h);
            free(w2);
            CHECK_MSG(run_to_file(ws, argv, wt2, NULL, &code, NULL) == CORDON_OK, "%s",
                      cordon_last_error());
            reg = registry_text();
            CHECK_MSG(lines_with(reg, outside, wt) >= 1 && lines_with(reg, outside, wt2) >= 1,
                      "each root has its own record on the shared gitdir target:\n%s", reg);
            free(reg);
            orig = state_text("originals");
            CHECK_MSG(lines_with(orig, outside, NULL) == 1, "%s", orig);
            free(orig);
            CHECK(cordon_grants_revoke(wt) == CORDON_OK);
            reg = registry_text();
            CHECK_MSG(lines_with(reg, outside, wt2) >= 1, "revoking one root dropped the other's "
                                                          "record on the shared target");
            CHECK_MSG(lines_with(reg, wt, NULL) == 0,
                      "records of the revoked root are left:\n%s", reg);
            free(reg);
            orig = state_text("originals");
            CHECK_MSG(lines_with(orig, outside, NULL) == 1,
                      "the shared target's original went while a root still holds it");
            free(orig);
            if (!wine) {
                struct cordon__strv sids = {0}, kinds = {0};
                CHECK(cordon__win_list_cordon_aces(outside, &sids, &kinds) == CORDON_OK);
                CHECK_MSG(sids.n > 0, "the other root's denies on the shared target are gone");
                cordon__strv_free(&sids);
                cordon__strv_free(&kinds);
            }
            CHECK(cordon_grants_revoke(wt2) == CORDON_OK);
            orig = state_text("originals");
            CHECK_MSG(lines_with(orig, outside, NULL) == 0,
                      "the last revoke left the shared target's original recorded");
            free(orig);
            remove_dir_tree(wt2);
            free(wt2);
            free(dotgit2);
        }
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

    /* revoke waits for the grants file's lock: held here, a revoke on
     * another thread does not finish until it is let go. */
    {
        char *dir = NULL, *lockpath;
        wchar_t *w;
        HANDLE h, th;
        OVERLAPPED ov;
        struct revoke_arg arg;
        CHECK(cordon__win_state_dir(&dir) == CORDON_OK);
        lockpath = join(dir, "grants.lock");
        w = cordon__win_wide(lockpath);
        h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                        OPEN_ALWAYS, 0, NULL);
        memset(&ov, 0, sizeof ov);
        CHECK(h != INVALID_HANDLE_VALUE && LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, &ov));
        arg.root = root;
        arg.done = 0;
        th = CreateThread(NULL, 0, revoke_thread, &arg, 0, NULL);
        Sleep(500);
        CHECK_MSG(InterlockedCompareExchange(&arg.done, 0, 0) == 0,
                  "revoke went on while the grants file was locked");
        memset(&ov, 0, sizeof ov);
        UnlockFileEx(h, 0, 1, 0, &ov);
        CHECK(WaitForSingleObject(th, 20000) == WAIT_OBJECT_0);
        CHECK(InterlockedCompareExchange(&arg.done, 0, 0) == 1);
        CloseHandle(th);
        CloseHandle(h);
        free(w);
        free(lockpath);
        free(dir);
    }

    /* Windows: the original DACL comes back exactly, also one whose
     * order SetEntriesInAclW would not keep (an allow before a deny). */
    if (!wine) {
        char *r2 = make_temp_dir("grants-restore"), *before, *after, *sddl;
        wchar_t *wsddl, *wr2 = cordon__win_wide(r2);
        PSECURITY_DESCRIPTOR sd = NULL;
        PACL dacl = NULL;
        BOOL present = FALSE, defaulted = FALSE;
        sddl = cordon__asprintf("D:P(A;OICI;FA;;;%s)(A;OICI;FA;;;SY)(D;OICI;FW;;;BG)",
                                cordon__win_user_sid());
        wsddl = cordon__win_wide(sddl);
        CHECK(ConvertStringSecurityDescriptorToSecurityDescriptorW(wsddl, SDDL_REVISION_1, &sd,
                                                                   NULL) &&
              GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted) &&
              SetNamedSecurityInfoW(wr2, SE_FILE_OBJECT,
                                    DACL_SECURITY_INFORMATION |
                                        PROTECTED_DACL_SECURITY_INFORMATION,
                                    NULL, NULL, dacl, NULL) == ERROR_SUCCESS);
        before = dacl_of(r2);
        CHECK(run_to_file(ws, argv, r2, NULL, &code, NULL) == CORDON_OK && code == 0);
        after = dacl_of(r2);
        CHECK_MSG(strcmp(before, after) != 0, "the run changed nothing on %s", r2);
        free(after);
        CHECK_MSG(cordon_grants_revoke(r2) == CORDON_OK, "%s", cordon_last_error());
        after = dacl_of(r2);
        printf("%s: the original DACL of a root is restored exactly by revoke (%s -> %s)\n",
               strcmp(before, after) == 0 ? "VERIFIED" : "FAILED", before, after);
        CHECK_STR(after, before);
        if (sd)
            LocalFree(sd);
        remove_dir_tree(r2);
        free(before);
        free(after);
        free(sddl);
        free(wsddl);
        free(wr2);
        free(r2);
    }

    cordon_policy_free(ws);
    remove_dir_tree(root);
    free(codex);
    free(git);
    free(root);
    free(probe);
    TEST_MAIN_END();
}
