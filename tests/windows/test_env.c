/* The environment block and PATH shims reaching a real child: sorted,
 * caller's variables kept, /dev/null mapped, and in the unelevated tier the
 * network-off overrides, the shim directory first on PATH and `ssh`
 * resolving to the stub (exit 255). */
#include "wintest.h"

static char *child_env(cordon_policy *p, const char *probe, const char *dir, const char *out,
                       const char *name)
{
    const char *argv[] = {probe, "env", name, NULL};
    int code = -1;
    char *got, *nl;
    if (run_to_file(p, argv, dir, out, &code, NULL) != CORDON_OK || code != 0)
        return NULL;
    got = slurp(out);
    nl = strpbrk(got, "\r\n");
    if (nl)
        *nl = '\0';
    return got;
}

int main(void)
{
    cordon_policy *full = NULL, *ws = NULL;
    char *probe = probe_exe();
    char *dir = make_temp_dir("env");
    char *out = join(dir, "..\\cordon-env-out.txt");
    const char *argv_block[] = {probe, "envblock", "cordonsort", NULL};
    char *v;
    int code = -1;

    /* Variables the child must see, in an order the block must fix. */
    SetEnvironmentVariableW(L"ZZ_CORDON_TEST", L"last");
    SetEnvironmentVariableW(L"aa_cordon_test", L"first");
    SetEnvironmentVariableW(L"CORDON_TEST_NULL", L"/dev/null");
    SetEnvironmentVariableW(L"CORDONSORT_b", L"1");
    SetEnvironmentVariableW(L"cordonsort_A", L"2");
    SetEnvironmentVariableW(L"CORDONSORT_a2", L"3");
    SetEnvironmentVariableW(L"CordonSort_", L"4");
    /* Unicode upper-casing: a-umlaut upper-cases to U+00C4, which sorts
     * before A-ring (U+00C5); ASCII-only upper-casing would put it after. */
    SetEnvironmentVariableW(L"CORDONSORT_\u00e4", L"5");
    SetEnvironmentVariableW(L"CORDONSORT_\u00c5", L"6");

    /* The block itself, in process: sorted by upper-cased name. */
    {
        static const char *const env[] = {"b=1", "PATH=x", "A=2", "_x=3", "=C:=C:\\", "a1=4",
                                          "N=/dev/null", NULL};
        static const char *const want[] = {"=C:=C:\\", "A=2", "a1=4", "b=1", "N=NUL", "PATH=x",
                                           "_x=3", NULL};
        wchar_t *block = NULL, *p;
        size_t i = 0;
        CHECK(cordon__win_env_block(env, &block) == CORDON_OK);
        for (p = block; p && *p; p += wcslen(p) + 1, i++) {
            char *s = cordon__win_utf8(p);
            CHECK_STR(s, want[i] ? want[i] : "(end)");
            free(s);
        }
        CHECK(i == 7);
        CHECK(p && p[0] == 0);
        free(block);
    }

    CHECK(cordon_policy_builtin("full-access", &full) == CORDON_OK);
    CHECK(run_to_file(full, argv_block, dir, NULL, &code, NULL) == CORDON_OK);
    CHECK_MSG(code == 0, "environment block not sorted (exit %d)", code);
    v = child_env(full, probe, dir, out, "aa_cordon_test");
    CHECK_STR(v, "first");
    free(v);
    v = child_env(full, probe, dir, out, "CORDON_TEST_NULL");
    CHECK_STR(v, "NUL");
    free(v);
    /* Full access: no network overrides. */
    v = child_env(full, probe, dir, out, "CORDON_NETWORK");
    CHECK(v == NULL);
    free(v);

    /* The unelevated tier, network off. */
    CHECK(cordon_policy_builtin("workspace-write", &ws) == CORDON_OK);
    code = -1;
    CHECK_MSG(run_to_file(ws, argv_block, dir, NULL, &code, NULL) == CORDON_OK, "%s",
              cordon_last_error());
    CHECK(code == 0);
    v = child_env(ws, probe, dir, out, "CORDON_NETWORK");
    CHECK_STR(v, "off");
    free(v);
    v = child_env(ws, probe, dir, out, "HTTPS_PROXY");
    CHECK_STR(v, "http://127.0.0.1:9");
    free(v);
    v = child_env(ws, probe, dir, out, "TEMP");
    CHECK_CONTAINS(v, "cordon-run-");
    free(v);
    {
        struct cordon__host host;
        CHECK(cordon__os_host(&host) == CORDON_OK);
        if (host.shim_dir) {
            v = child_env(ws, probe, dir, out, "PATH");
            CHECK_MSG(v && strncmp(v, host.shim_dir, strlen(host.shim_dir)) == 0,
                      "PATH=%s, shim dir %s", v ? v : "(unset)", host.shim_dir);
            free(v);
            /* `ssh` is found on the command's PATH: the stub, exit 255. */
            {
                const char *argv_ssh[] = {"ssh", "git@example.invalid", NULL};
                cordon_run_options o;
                cordon_run_result r;
                char *err_path = join(dir, "..\\cordon-env-err.txt");
                wchar_t *w = cordon__win_wide(err_path);
                SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
                HANDLE h = CreateFileW(w, GENERIC_WRITE, FILE_SHARE_READ, &sa, CREATE_ALWAYS, 0,
                                       NULL);
                cordon_run_options_init(&o);
                o.argv = argv_ssh;
                o.cwd = dir;
                o.stdio[2] = (cordon_os_handle)h;
                CHECK_MSG(cordon_run(ws, &o, &r) == CORDON_OK, "%s", cordon_last_error());
                CloseHandle(h);
                CHECK(r.exit_code == 255);
                v = slurp(err_path);
                CHECK_CONTAINS(v, "cordon: network access is disabled in this sandbox (ssh)");
                free(v);
                DeleteFileW(w);
                free(w);
                free(err_path);
            }
        } else {
            printf("note: no shim directory on this host; PATH checks left out\n");
        }
    }
    /* On its private desktop (the default) the command runs and exits. */
    {
        const char *argv_exit[] = {probe, "exit", "7", NULL};
        code = -1;
        CHECK_MSG(run_to_file(ws, argv_exit, dir, NULL, &code, NULL) == CORDON_OK, "%s",
                  cordon_last_error());
        CHECK(code == 7);
        {
            const char *argv_desk[] = {probe, "desktop", NULL};
            code = -1;
            CHECK(run_to_file(ws, argv_desk, dir, out, &code, NULL) == CORDON_OK);
            CHECK(code == 0);
            v = slurp(out);
            CHECK_MSG(strncmp(v, "cordon-", 7) == 0, "desktop %s", v);
            free(v);
        }
    }
    {
        wchar_t *w = cordon__win_wide(out);
        DeleteFileW(w);
        free(w);
    }
    cordon_grants_revoke(dir);
    cordon_policy_free(full);
    cordon_policy_free(ws);
    remove_dir_tree(dir);
    free(out);
    free(dir);
    free(probe);
    TEST_MAIN_END();
}
