/* The OS layer's host facts: profile, system directories, canonical temp
 * base, user SID, the per-user secret (stable, 32 bytes, in its file),
 * realpath without the \\?\ prefix, path kinds, small reads, the
 * environment and the clock. */
#include "wintest.h"

int main(void)
{
    struct cordon__host h, h2;
    struct cordon__strv env = {0};
    char *dir = make_temp_dir("host"), *file = join(dir, "f.txt"), *sub = join(dir, "sub");
    char *r = NULL, *text = NULL, *cwd = NULL;
    size_t i;
    int has_root = 0, has_windows = 0;
    char *windir, *sysdir;
    double t0, t1;

    CHECK_MSG(cordon__os_host(&h) == CORDON_OK, "%s", cordon_last_error());
    CHECK(h.os == CORDON__OS_WINDOWS);
    CHECK(h.home && cordon__path_is_absolute(CORDON__OS_WINDOWS, h.home));
    CHECK(h.tmp_base && strncmp(h.tmp_base, "\\\\?\\", 4) != 0);
    CHECK(h.user_sid && strncmp(h.user_sid, "S-1-5-", 6) == 0);
    CHECK(h.user_secret && h.user_secret_len == 32);
    CHECK(h.run_id && h.run_id[0]);
    /* The system directories at any length, as Windows gives them. */
    windir = cordon__win_dir_of(GetWindowsDirectoryW);
    sysdir = cordon__win_dir_of(GetSystemDirectoryW);
    CHECK(windir && cordon__path_is_absolute(CORDON__OS_WINDOWS, windir));
    CHECK(sysdir && cordon__path_within(CORDON__OS_WINDOWS, sysdir, windir));
    free(sysdir);
    for (i = 0; h.system_dirs && h.system_dirs[i]; i++) {
        has_root |= strlen(h.system_dirs[i]) == 3 && h.system_dirs[i][1] == ':';
        has_windows |= cordon__streq_nocase(h.system_dirs[i], windir);
    }
    CHECK(has_root);
    CHECK(has_windows);
    free(windir);

    /* The secret is the same on the next call (and the next process: it
     * is read from its file). */
    {
        unsigned char first[32];
        char *state = NULL, *secret_file;
        memcpy(first, h.user_secret, 32);
        CHECK(cordon__os_host(&h2) == CORDON_OK);
        CHECK(memcmp(first, h2.user_secret, 32) == 0);
        CHECK(cordon__win_state_dir(&state) == CORDON_OK);
        secret_file = join(state, "secret");
        CHECK(path_exists(secret_file));
        free(secret_file);
        free(state);
    }

    /* realpath: canonical, no \\?\ prefix; missing paths are path errors. */
    {
        wchar_t *w = cordon__win_wide(file);
        HANDLE f = CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
        DWORD put;
        WriteFile(f, "gitdir: ../x\n", 13, &put, NULL);
        CloseHandle(f);
        free(w);
        w = cordon__win_wide(sub);
        CreateDirectoryW(w, NULL);
        free(w);
    }
    CHECK(h.realpath(file, &r) == CORDON_OK);
    CHECK_STR(r, file);
    free(r);
    r = NULL;
    {
        char *dotted = cordon__asprintf("%s\\sub\\..\\f.txt", dir);
        CHECK(h.realpath(dotted, &r) == CORDON_OK);
        CHECK_STR(r, file);
        free(r);
        r = NULL;
        free(dotted);
    }
    {
        char *missing = join(dir, "missing");
        CHECK(h.realpath(missing, &r) == CORDON_ERR_PATH);
        CHECK_CONTAINS(cordon_last_error(), "cannot resolve");
        CHECK_CONTAINS(cordon_last_error(), "(CreateFileW: error 2, ");
        CHECK(h.path_kind(missing) == CORDON__PATH_MISSING);
        free(missing);
    }
    CHECK(h.path_kind(file) == CORDON__PATH_FILE);
    CHECK(h.path_kind(sub) == CORDON__PATH_DIR);
    CHECK(h.read_text(file, 4096, &text) == CORDON_OK);
    CHECK_STR(text, "gitdir: ../x\n");
    free(text);
    text = NULL;
    CHECK(h.read_text(file, 6, &text) == CORDON_OK);
    CHECK_STR(text, "gitdir");
    free(text);

    CHECK(cordon__os_getcwd(&cwd) == CORDON_OK);
    CHECK(cwd && cordon__path_is_absolute(CORDON__OS_WINDOWS, cwd));
    free(cwd);
    SetEnvironmentVariableW(L"CORDON_HOST_TEST", L"caf\u00e9");
    CHECK(cordon__os_environ(&env) == CORDON_OK);
    CHECK(cordon__strv_contains(&env, "CORDON_HOST_TEST=caf\xc3\xa9"));
    for (i = 0; i < env.n; i++)
        CHECK(env.v[i][0] != '=');
    cordon__strv_free(&env);
    t0 = cordon__os_now();
    Sleep(20);
    t1 = cordon__os_now();
    CHECK(t1 - t0 >= 0.015 && t1 - t0 < 5);

    remove_dir_tree(dir);
    free(file);
    free(sub);
    free(dir);
    TEST_MAIN_END();
}
