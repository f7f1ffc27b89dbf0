/* cordon-setup.exe for real, on real Windows as an administrator (the
 * Windows CI runner): install (with this build's runner), a second install that changes
 * nothing but the passwords, verify, status --json, the probe falling
 * back with the one reason left (the launch is not built), the firewall
 * rules read back scoped to the offline SID, then uninstall twice and
 * nothing left: no account, group, rule, file, directory or registry
 * value. Skips under Wine (accounts and the firewall are fakes there),
 * when not elevated, and where setup is already installed.
 *   argv[1]: cordon-setup.exe   argv[2]: cordon-runner.exe */

#include "elevated_win.h"
#include "wintest.h"

static char *setup_exe, *runner_exe;

/* Runs "cordon-setup <args>", its stdout and stderr into *out. */
static int setup(const char *args, char **out)
{
    char *dir = make_temp_dir("setup-out"), *file = join(dir, "out.txt");
    char *cmd = cordon__asprintf("\"%s\" %s", setup_exe, args);
    wchar_t *wcmd = cordon__win_wide(cmd), *wfile = cordon__win_wide(file);
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    HANDLE h = CreateFileW(wfile, GENERIC_WRITE, FILE_SHARE_READ, &sa, CREATE_ALWAYS, 0, NULL);
    DWORD code = 999;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = si.hStdError = h;
    if (CreateProcessW(NULL, wcmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
        WaitForSingleObject(pi.hProcess, 240000);
        GetExitCodeProcess(pi.hProcess, &code);
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
    }
    CloseHandle(h);
    *out = slurp(file);
    if (!*out)
        *out = cordon__strdup("");
    printf("$ cordon-setup %s -> %lu\n%s\n", args, (unsigned long)code, *out);
    remove_dir_tree(dir);
    free(wcmd);
    free(wfile);
    free(cmd);
    free(file);
    free(dir);
    return (int)code;
}

static int account_there(const char *name, int type)
{
    char sid[184];
    return cordon__win_account_sid(name, type, sid);
}

int main(int argc, char **argv)
{
    struct cordon__win_elevated_paths p;
    struct cordon__win_probe_facts *pf;
    char *out = NULL, *dir;
    char *args;
    cordon_policy *ro = NULL;
    cordon_levels lv;
    int enabled[3], state;

    if (cordon__win_is_wine())
        SKIP("under Wine: accounts, logon and the firewall are fakes (the live setup runs on "
             "real Windows only)");
    if (argc < 3)
        SKIP("usage: win_setup_live CORDON-SETUP.EXE CORDON-RUNNER.EXE");
    {
        BYTE buf[SECURITY_MAX_SID_SIZE];
        DWORD cb = sizeof buf;
        BOOL member = FALSE;
        if (!CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, buf, &cb) ||
            !CheckTokenMembership(NULL, buf, &member) || !member)
            SKIP("needs an elevated administrator (setup would ask at the UAC prompt)");
    }
    setup_exe = argv[1];
    runner_exe = argv[2];
    CHECK(cordon__win_elevated_paths(&p) == CORDON_OK);
    if (path_exists(p.marker) || account_there(CORDON__WIN_OFFLINE_USER, SidTypeUser))
        SKIP("cordon-setup is installed on this machine already; not touching it");

    /* Install, then again: idempotent. */
    args = cordon__asprintf("install --runner \"%s\"", runner_exe);
    CHECK(setup(args, &out) == 0);
    CHECK_CONTAINS(out, "[13/13] the marker ... ok");
    CHECK_CONTAINS(out, "[4/13] user CordonSandboxOffline ... ok: created");
    free(out);
    CHECK(setup(args, &out) == 0);
    CHECK_CONTAINS(out, "[3/13] group CordonSandboxUsers ... ok: already there");
    CHECK_CONTAINS(out, "[4/13] user CordonSandboxOffline ... ok: already there, new password");
    CHECK_CONTAINS(out, "[10/13] the runner ... ok: already installed");
    CHECK_CONTAINS(out, "[12/13] firewall rules ... ok: already there, read back");
    free(out);
    free(args);
    CHECK(setup("verify", &out) == 0);
    free(out);
    CHECK(setup("status --json", &out) == 0);
    CHECK_CONTAINS(out, "\"installed\":true");
    CHECK_CONTAINS(out, "\"ready\":false");
    free(out);

    /* The probe: every check passes but the last, so the reason is the
     * missing launch and nothing before it. */
    pf = cordon__xcalloc(1, sizeof *pf);
    cordon__win_elevated_facts(NULL, pf);
    CHECK_MSG(pf->f.marker != NULL, "%s", pf->f.marker_error);
    CHECK(pf->f.caller_allowed);
    CHECK(pf->w.offline_cred.decrypts && pf->w.online_cred.decrypts);
    CHECK_MSG(!pf->w.fw_error[0], "%s", pf->w.fw_error);
    cordon__win_probe_facts_free(pf);
    free(pf);
    dir = make_temp_dir("setup-live");
    CHECK(cordon_policy_builtin("read-only", &ro) == CORDON_OK);
    CHECK(cordon_level_query(ro, dir, &lv) == CORDON_OK);
    CHECK_STR(lv.backend, "windows-unelevated");
    CHECK_CONTAINS(lv.fallback_reason, "windows-elevated: " CORDON__WIN_LAUNCH_MISSING);

    /* Uninstall twice: the second changes nothing. */
    CHECK(setup("uninstall", &out) == 0);
    CHECK_CONTAINS(out, "[1/10] the marker ... ok: removed");
    free(out);
    CHECK(setup("uninstall", &out) == 0);
    CHECK(strstr(out, "removed") == NULL);
    free(out);
    CHECK(setup("verify", &out) == 3);
    free(out);

    /* Nothing left. */
    CHECK(!path_exists(p.marker));
    CHECK(!path_exists(p.cred_base));
    CHECK(!path_exists(p.data_dir));
    CHECK(!path_exists(p.runner));
    CHECK(!path_exists(p.runner_dir));
    CHECK(!account_there(CORDON__WIN_OFFLINE_USER, SidTypeUser));
    CHECK(!account_there(CORDON__WIN_ONLINE_USER, SidTypeUser));
    CHECK(!account_there(CORDON__WIN_SANDBOX_GROUP, SidTypeAlias));
    CHECK(!account_there(CORDON__WIN_USERS_GROUP, SidTypeAlias));
    {
        struct cordon__win_fw_rule want[CORDON__FW_MAX_RULES], got[CORDON__FW_MAX_RULES];
        int found[CORDON__FW_MAX_RULES];
        size_t n = cordon__win_fw_rules("S-1-0-0", NULL, 0, want), i;
        CHECK(cordon__win_fw_read(want, n, got, found, enabled, &state) == CORDON_OK);
        for (i = 0; i < n; i++)
            CHECK_MSG(!found[i], "firewall rule %s left", want[i].name);
    }
    {
        HKEY key;
        if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"" CORDON__WIN_HIDE_KEY, 0, KEY_QUERY_VALUE, &key) ==
            ERROR_SUCCESS) {
            CHECK(RegQueryValueExW(key, L"" CORDON__WIN_OFFLINE_USER, NULL, NULL, NULL, NULL) !=
                  ERROR_SUCCESS);
            RegCloseKey(key);
        }
    }
    remove_dir_tree(dir);
    free(dir);
    cordon_policy_free(ro);
    cordon__win_elevated_paths_free(&p);
    TEST_MAIN_END();
}
