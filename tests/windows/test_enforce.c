/* Enforcement on real Windows: writes outside the roots are refused,
 * protected paths (existing, missing, through the parent) are refused,
 * writes inside the root work, and an Everyone hole is reported until
 * prepare closes it. Each denial is paired with the same action succeeding
 * without the sandbox. Under Wine nothing of this is enforced: skip. */
#include "wintest.h"

#include <aclapi.h>
#include <sddl.h>

static int run_code(cordon_policy *p, const char *probe, const char *verb, const char *path,
                    const char *cwd)
{
    const char *argv[] = {probe, verb, path, NULL};
    int code = -1;
    if (run_to_file(p, argv, cwd, NULL, &code, NULL) != CORDON_OK) {
        fprintf(stderr, "run failed: %s\n", cordon_last_error());
        return -1;
    }
    return code;
}

/* Grants Everyone full control on |dir| (a deliberate hole). */
static int open_hole(const char *dir)
{
    wchar_t *w = cordon__win_wide(dir);
    PSECURITY_DESCRIPTOR sd = NULL;
    PACL dacl = NULL;
    BOOL present = FALSE, defaulted = FALSE;
    int ok = 0;
    if (ConvertStringSecurityDescriptorToSecurityDescriptorW(L"D:(A;OICI;FA;;;WD)(A;OICI;FA;;;OW)",
                                                             SDDL_REVISION_1, &sd, NULL) &&
        GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted))
        ok = SetNamedSecurityInfoW(w, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, dacl,
                                   NULL) == ERROR_SUCCESS;
    if (sd)
        LocalFree(sd);
    free(w);
    return ok;
}

int main(void)
{
    cordon_policy *ws = NULL, *full = NULL;
    char *probe, *root, *outside, *hole;
    char *in_file, *out_file, *git_file, *codex, *hole_file;
    cordon_levels lv;

    if (cordon__win_is_wine())
        SKIP("running under Wine: tokens and ACLs are not enforced, so enforcement cannot be "
             "tested here (runs on real Windows, e.g. the windows.yml workflow)");

    probe = probe_exe();
    root = make_temp_dir("enforce-root");
    outside = make_temp_dir("enforce-outside");
    hole = make_temp_dir("enforce-hole");
    in_file = join(root, "inside.txt");
    out_file = join(outside, "outside.txt");
    git_file = join(root, ".git\\config");
    codex = join(root, ".codex");
    hole_file = join(hole, "x.txt");
    {
        wchar_t *w = cordon__win_wide(git_file);
        char *gitdir = join(root, ".git");
        wchar_t *wg = cordon__win_wide(gitdir);
        CreateDirectoryW(wg, NULL);
        CloseHandle(CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL));
        free(w);
        free(wg);
        free(gitdir);
    }
    CHECK(cordon_policy_builtin("workspace-write", &ws) == CORDON_OK);
    CHECK(cordon_policy_builtin("full-access", &full) == CORDON_OK);

    /* Positive controls: unsandboxed, every action works. */
    CHECK(run_code(full, probe, "write", out_file, root) == 0);
    CHECK(run_code(full, probe, "write", git_file, root) == 0);

    /* Sandboxed. */
    CHECK(run_code(ws, probe, "write", in_file, root) == 0);
    CHECK(run_code(ws, probe, "write", out_file, root) == 5);
    CHECK(run_code(ws, probe, "write", git_file, root) == 5);
    CHECK(run_code(ws, probe, "delete", git_file, root) == 5);
    CHECK(run_code(ws, probe, "mkdir", codex, root) != 0); /* created empty, denied inside */
    {
        char *inside_codex = join(codex, "x.txt");
        CHECK(run_code(ws, probe, "write", inside_codex, root) == 5);
        free(inside_codex);
    }
    CHECK(run_code(ws, probe, "delete", codex, root) == 5);

    /* The level report is honest about an Everyone hole on PATH. */
    if (open_hole(hole)) {
        static wchar_t old_path[32768];
        char *old_u8, *path;
        wchar_t *wp;
        GetEnvironmentVariableW(L"PATH", old_path, 32768);
        old_u8 = cordon__win_utf8(old_path);
        path = cordon__asprintf("%s;%s", hole, old_u8 ? old_u8 : "");
        free(old_u8);
        wp = cordon__win_wide(path);
        SetEnvironmentVariableW(L"PATH", wp);
        CHECK(run_code(full, probe, "write", hole_file, root) == 0); /* positive control */
        CHECK(cordon_level_query(ws, root, &lv) == CORDON_OK);
        CHECK(lv.level[CORDON_DIM_FS_WRITE] != CORDON_LEVEL_ENFORCED);
        CHECK_CONTAINS(lv.reason[CORDON_DIM_FS_WRITE], hole);
        /* A run closes it (the user owns it), and then it holds. */
        CHECK(run_code(ws, probe, "write", hole_file, root) == 5);
        CHECK(cordon_level_query(ws, root, &lv) == CORDON_OK);
        CHECK(strstr(lv.reason[CORDON_DIM_FS_WRITE], hole) == NULL);
        free(wp);
        free(path);
    } else {
        CHECK_MSG(0, "cannot open a test hole on %s", hole);
    }

    cordon_grants_revoke(root);
    cordon_grants_revoke(hole);
    remove_dir_tree(root);
    remove_dir_tree(outside);
    remove_dir_tree(hole);
    cordon_policy_free(ws);
    cordon_policy_free(full);
    free(probe);
    free(root);
    free(outside);
    free(hole);
    free(in_file);
    free(out_file);
    free(git_file);
    free(codex);
    free(hole_file);
    TEST_MAIN_END();
}
