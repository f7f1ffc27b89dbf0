/* How a sandboxed command is launched, seen from inside it: it runs on a
 * desktop of its own (not the user's), inside a job with every UI
 * restriction, and its stdio are the handles cordon was given (a file
 * stays a file). The full-access run is the control: the user's desktop,
 * no UI restrictions. */
#include "wintest.h"

static char *run_out(cordon_policy *p, const char *probe, const char *verb, const char *cwd,
                     const char *out, int *code)
{
    const char *argv[] = {probe, verb, NULL};
    *code = -1;
    CHECK_MSG(run_to_file(p, argv, cwd, out, code, NULL) == CORDON_OK, "%s",
              cordon_last_error());
    return slurp(out);
}

int main(void)
{
    cordon_policy *ws = NULL, *full = NULL;
    char *probe = probe_exe();
    char *root = make_temp_dir("launch");
    char *out = join(root, "out.txt");
    char *s;
    int code;

    CHECK(cordon_policy_builtin("workspace-write", &ws) == CORDON_OK);
    CHECK(cordon_policy_builtin("full-access", &full) == CORDON_OK);

    /* The desktop: the caller's for full access, a private one sandboxed. */
    s = run_out(full, probe, "desktop", root, out, &code);
    CHECK(code == 0);
    CHECK_MSG(strncmp(s, "cordon-", 7) != 0, "full access ran on a private desktop: %s", s);
    free(s);
    s = run_out(ws, probe, "desktop", root, out, &code);
    CHECK(code == 0);
    CHECK_MSG(strncmp(s, "cordon-", 7) == 0, "sandboxed command on desktop \"%s\"", s);
    free(s);

    /* The job's UI restrictions: all of them sandboxed, none without. */
    s = run_out(full, probe, "uilimits", root, out, &code);
    CHECK_MSG(code == 1 || strcmp(s, "0x0\n") == 0 || strcmp(s, "0x0\r\n") == 0,
              "full access has UI limits: %s", s);
    free(s);
    s = run_out(ws, probe, "uilimits", root, out, &code);
    if (cordon__win_is_wine()) {
        /* Wine accepts the restrictions but cannot report them back. */
        printf("note: job UI restrictions not readable under Wine; checked on Windows\n");
    } else {
        CHECK(code == 0);
        CHECK_MSG(strncmp(s, "0xff", 4) == 0, "UI limits \"%s\", want 0xff", s);
    }
    free(s);

    /* A command that dies of STATUS_DLL_INIT_FAILED (in the field: a
     * desktop the token may not use) is reported as cordon's failure
     * naming it, not as the command's own exit code. */
    {
        const char *argv_dll[] = {probe, "exit", "-1073741502", NULL};
        cordon_error e;
        code = 0;
        e = run_to_file(ws, argv_dll, root, NULL, &code, NULL);
        CHECK_MSG(e != CORDON_OK, "0xC0000142 passed as the command's exit code");
        CHECK_CONTAINS(cordon_last_error(), "STATUS_DLL_INIT_FAILED");
    }

    /* A file handle is passed as it is (nothing to relay). */
    s = run_out(ws, probe, "stdio", root, out, &code);
    CHECK(code == 0);
    CHECK_CONTAINS(s, " disk ");
    free(s);

    /* A relative PATH entry is not searched (it would be relative to
     * cordon's own current directory); the same directory given
     * absolutely is. */
    {
        char *rel = join(root, "rel"), *copy = join(root, "rel\\cordon-rel-probe.exe");
        const char *argv_rel[] = {"cordon-rel-probe", "exit", "0", NULL};
        static wchar_t old_path[32768];
        wchar_t *wrel = cordon__win_wide(rel), *wcopy = cordon__win_wide(copy);
        wchar_t *wprobe = cordon__win_wide(probe), *wroot = cordon__win_wide(root);
        static wchar_t cwd_before[32768];
        wchar_t newpath[33000];
        cordon_error e;
        GetCurrentDirectoryW(32768, cwd_before);
        CreateDirectoryW(wrel, NULL);
        CopyFileW(wprobe, wcopy, FALSE);
        GetEnvironmentVariableW(L"PATH", old_path, 32768);
        SetCurrentDirectoryW(wroot);
        swprintf(newpath, 33000, L"rel;%ls", old_path);
        SetEnvironmentVariableW(L"PATH", newpath);
        code = -1;
        e = run_to_file(full, argv_rel, root, NULL, &code, NULL);
        CHECK_MSG(e == CORDON_ERR_NOT_FOUND, "a relative PATH entry was searched (%s)",
                  cordon_strerror(e));
        swprintf(newpath, 33000, L"%ls;%ls", wrel, old_path);
        SetEnvironmentVariableW(L"PATH", newpath);
        code = -1;
        CHECK(run_to_file(full, argv_rel, root, NULL, &code, NULL) == CORDON_OK && code == 0);
        SetEnvironmentVariableW(L"PATH", old_path);
        SetCurrentDirectoryW(cwd_before);
        free(rel);
        free(copy);
        free(wrel);
        free(wcopy);
        free(wprobe);
        free(wroot);
    }

    /* A crash ends the command (no error dialog holding it until the
     * timeout). Wine starts its debugger instead: Windows only. */
    if (!cordon__win_is_wine()) {
        const char *argv_crash[] = {probe, "crash", NULL};
        cordon_run_result res;
        code = 0;
        CHECK(run_to_file(ws, argv_crash, root, NULL, &code, &res) == CORDON_OK);
        CHECK_MSG((unsigned long)(DWORD)code == 0xC0000005UL, "exit 0x%lx",
                  (unsigned long)(DWORD)code);
        CHECK(!res.timed_out);
    }

    /* A temp tree deeper than MAX_PATH (node_modules) is removed, and a
     * tool cache holding one is emptied. */
    {
        const char *kinds[] = {"deep", "cache"};
        int k;
        for (k = 0; k < 2; k++) {
            char *top = join(root, kinds[k]);
            struct cordon__buf b = {0};
            struct cordon__plan fake;
            wchar_t *w;
            int i;
            cordon__buf_printf(&b, "\\\\?\\%s", top);
            w = cordon__win_wide(b.p);
            CreateDirectoryW(w, NULL);
            free(w);
            for (i = 0; i < 30; i++) {
                cordon__buf_puts(&b, "\\node_modules_level");
                w = cordon__win_wide(b.p);
                CreateDirectoryW(w, NULL);
                free(w);
            }
            cordon__buf_puts(&b, "\\f.txt");
            w = cordon__win_wide(b.p);
            CloseHandle(CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL));
            CHECK_MSG(GetFileAttributesW(w) != INVALID_FILE_ATTRIBUTES,
                      "no deep file made (%lu characters)", (unsigned long)b.len);
            CHECK(b.len > 2 * 260);
            free(w);
            if (k == 0) {
                memset(&fake, 0, sizeof fake);
                fake.private_tmp = 1;
                fake.tmp_dir = top;
                cordon__win_remove_tmp(&fake);
                CHECK_MSG(!path_exists(top), "a %lu-character temp tree was not removed",
                          (unsigned long)b.len);
            } else {
                char *first = join(top, "node_modules_level");
                CHECK_MSG(cordon__os_cache_clear(top) == CORDON_OK, "%s", cordon_last_error());
                CHECK_MSG(path_exists(top) && !path_exists(first),
                          "a %lu-character tree in the tool cache was not emptied",
                          (unsigned long)b.len);
                free(first);
                remove_dir_tree(top);
            }
            cordon__buf_free(&b);
            free(top);
        }
    }

    cordon_grants_revoke(root);
    remove_dir_tree(root);
    cordon_policy_free(ws);
    cordon_policy_free(full);
    free(probe);
    free(root);
    free(out);
    TEST_MAIN_END();
}
