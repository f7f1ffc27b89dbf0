/* The user's window station and "Default" desktop carry, first in their
 * DACLs, deny ACEs for the sandbox SID after a sandboxed run; a second run
 * adds nothing (each ACE there once); ACEs taken out are put back by the
 * next run; a full-access run and this process (an ordinary token) still
 * open the desktop as before. Wine keeps and returns the DACLs of window
 * stations and desktops (in wineserver's memory), so this runs there too;
 * whether the ACEs refuse anything needs a real Windows (test_enforce). */
#include "wintest.h"

#include <aclapi.h>
#include <sddl.h>

/* How the plan's guard ACEs for |object| stand in |h|'s DACL: *count the
 * deny ACEs for |sid| with a guard's mask and flags, *first 1 when every
 * one the plan wants is ahead of all allows. */
static void read_guard(HANDLE h, const struct cordon__plan_windows *wp,
                       enum cordon__win_ui_object object, int *count, int *first)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    PACL dacl = NULL;
    struct cordon__win_ace_view v[64];
    char *strs[64];
    DWORD i, n = 0;
    size_t k;

    *count = 0;
    *first = 0;
    memset(strs, 0, sizeof strs);
    if (GetSecurityInfo(h, SE_WINDOW_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl, NULL,
                        &sd) != ERROR_SUCCESS)
        return;
    n = dacl ? dacl->AceCount : 0;
    if (n > 64)
        n = 64;
    for (i = 0; i < n; i++) {
        ACE_HEADER *a = NULL;
        memset(&v[i], 0, sizeof v[i]);
        v[i].type = -1;
        if (!GetAce(dacl, i, (void **)&a))
            continue;
        v[i].flags = a->AceFlags;
        if (a->AceType == ACCESS_ALLOWED_ACE_TYPE || a->AceType == ACCESS_DENIED_ACE_TYPE) {
            ACCESS_ALLOWED_ACE *x = (ACCESS_ALLOWED_ACE *)a;
            v[i].type = a->AceType == ACCESS_DENIED_ACE_TYPE ? CORDON__WIN_ACE_DENY
                                                              : CORDON__WIN_ACE_ALLOW;
            v[i].mask = x->Mask;
            strs[i] = cordon__win_sid_to_string((PSID)&x->SidStart);
            v[i].sid = strs[i];
        }
    }
    *first = 1;
    for (k = 0; k < wp->n_ui_guard; k++) {
        const struct cordon__win_ui_deny *g = &wp->ui_guard[k];
        if (g->object != object)
            continue;
        *first &= cordon__win_ui_deny_present(v, n, wp->sandbox_sid, g);
        for (i = 0; i < n; i++)
            *count += v[i].type == CORDON__WIN_ACE_DENY && v[i].sid &&
                      strcmp(v[i].sid, wp->sandbox_sid) == 0 && v[i].mask == g->mask &&
                      (v[i].flags & 0x0fU) == g->inherit;
    }
    for (i = 0; i < n; i++)
        free(strs[i]);
    LocalFree(sd);
}

/* Takes every ACE of |sid| out of |h|'s DACL (as the user could). */
static int strip_sid(HANDLE h, const char *sid)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    PACL dacl = NULL, nd = NULL;
    DWORD i;
    int ok = 0;
    if (GetSecurityInfo(h, SE_WINDOW_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl, NULL,
                        &sd) != ERROR_SUCCESS ||
        !dacl)
        goto done;
    nd = malloc(dacl->AclSize);
    if (!nd || !InitializeAcl(nd, dacl->AclSize, dacl->AclRevision))
        goto done;
    for (i = 0; i < dacl->AceCount; i++) {
        ACE_HEADER *a = NULL;
        char *s = NULL;
        if (!GetAce(dacl, i, (void **)&a))
            goto done;
        if (a->AceType == ACCESS_DENIED_ACE_TYPE)
            s = cordon__win_sid_to_string((PSID)&((ACCESS_DENIED_ACE *)a)->SidStart);
        if (!(s && strcmp(s, sid) == 0) && !AddAce(nd, dacl->AclRevision, MAXDWORD, a, a->AceSize)) {
            free(s);
            goto done;
        }
        free(s);
    }
    ok = SetSecurityInfo(h, SE_WINDOW_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, nd, NULL) ==
         ERROR_SUCCESS;
done:
    free(nd);
    if (sd)
        LocalFree(sd);
    return ok;
}

static void expect_guarded(const struct cordon__plan_windows *wp, const char *when)
{
    wchar_t ws_name[128];
    DWORD len = 0;
    HWINSTA ws;
    HDESK desk;
    int count = 0, first = 0;

    CHECK(GetUserObjectInformationW(GetProcessWindowStation(), UOI_NAME, ws_name, sizeof ws_name,
                                    &len));
    ws = OpenWindowStationW(ws_name, FALSE, READ_CONTROL);
    CHECK_MSG(ws != NULL, "OpenWindowStationW: error %lu", (unsigned long)GetLastError());
    if (ws) {
        read_guard(ws, wp, CORDON__WIN_UI_WINSTA, &count, &first);
        CHECK_MSG(count == 2 && first, "%s: window station %ls: %d guard ACEs, first %d", when,
                  ws_name, count, first);
        CloseWindowStation(ws);
    }
    desk = OpenDesktopW(L"Default", 0, FALSE,
                        READ_CONTROL | DESKTOP_READOBJECTS | DESKTOP_WRITEOBJECTS);
    CHECK_MSG(desk != NULL, "OpenDesktopW(Default): error %lu", (unsigned long)GetLastError());
    if (desk) {
        read_guard(desk, wp, CORDON__WIN_UI_DEFAULT, &count, &first);
        CHECK_MSG(count == 1 && first, "%s: desktop Default: %d guard ACEs, first %d", when,
                  count, first);
        CloseDesktop(desk);
    }
}

int main(void)
{
    cordon_policy *ws = NULL, *full = NULL;
    char *probe = probe_exe();
    char *root = make_temp_dir("desktop");
    struct cordon__host host;
    struct cordon__plan plan;
    const char *argv[] = {probe, "exit", "0", NULL};
    int code = -1;

    memset(&plan, 0, sizeof plan);
    CHECK(cordon_policy_builtin("workspace-write", &ws) == CORDON_OK);
    CHECK(cordon_policy_builtin("full-access", &full) == CORDON_OK);
    /* The plan's sandbox SID is this user's, whatever the run. */
    CHECK(cordon__os_host(&host) == CORDON_OK);
    CHECK_MSG(cordon__plan_compile(ws, root, &host, &plan) == CORDON_OK, "%s",
              cordon_last_error());
    CHECK(plan.windows_plan.n_ui_guard == 4 && plan.windows_plan.sandbox_sid);

    /* One sandboxed run: the ACEs are there, first. */
    CHECK_MSG(run_to_file(ws, argv, root, NULL, &code, NULL) == CORDON_OK, "%s",
              cordon_last_error());
    CHECK(code == 0);
    expect_guarded(&plan.windows_plan, "after one run");

    /* A second run adds nothing. */
    CHECK_MSG(run_to_file(ws, argv, root, NULL, &code, NULL) == CORDON_OK, "%s",
              cordon_last_error());
    CHECK(code == 0);
    expect_guarded(&plan.windows_plan, "after two runs");

    /* Taken out (the user may rewrite the DACLs), put back by the next. */
    {
        wchar_t ws_name[128];
        DWORD len = 0;
        HWINSTA w;
        HDESK d;
        GetUserObjectInformationW(GetProcessWindowStation(), UOI_NAME, ws_name, sizeof ws_name,
                                  &len);
        w = OpenWindowStationW(ws_name, FALSE, READ_CONTROL | WRITE_DAC);
        d = OpenDesktopW(L"Default", 0, FALSE,
                         READ_CONTROL | WRITE_DAC | DESKTOP_READOBJECTS | DESKTOP_WRITEOBJECTS);
        CHECK(w && strip_sid(w, plan.windows_plan.sandbox_sid));
        CHECK(d && strip_sid(d, plan.windows_plan.sandbox_sid));
        if (w)
            CloseWindowStation(w);
        if (d)
            CloseDesktop(d);
        CHECK_MSG(run_to_file(ws, argv, root, NULL, &code, NULL) == CORDON_OK, "%s",
                  cordon_last_error());
        CHECK(code == 0);
        expect_guarded(&plan.windows_plan, "after a run that found them gone");
    }

    /* Nothing changed for ordinary tokens: this process and a full-access
     * command still open the desktop with every right the guard denies
     * the sandbox. */
    {
        HDESK d = OpenDesktopW(L"Default", 0, FALSE,
                               DESKTOP_JOURNALPLAYBACK | DESKTOP_HOOKCONTROL |
                                   DESKTOP_CREATEWINDOW | DESKTOP_WRITEOBJECTS);
        const char *open_argv[] = {probe, "opendesk", "Default", NULL};
        CHECK_MSG(d != NULL, "the user's own token lost access to Default: error %lu",
                  (unsigned long)GetLastError());
        if (d)
            CloseDesktop(d);
        CHECK(run_to_file(full, open_argv, root, NULL, &code, NULL) == CORDON_OK);
        CHECK_MSG(code == 0, "a full-access command cannot open Default (exit %d)", code);
    }

    /* The level's try, as the command's token, of every desktop of the
     * window station right by right. Under Wine, which ignores
     * restricting SIDs, the token is not bound by the ACEs: the try must
     * say what it opened (the detection fires); on Windows nothing opens. */
    {
        HANDLE tok = NULL;
        struct cordon__buf why = {0};
        int unreachable;
        CHECK_MSG(cordon__win_restricted_token(&plan.windows_plan, &tok) == CORDON_OK, "%s",
                  cordon_last_error());
        if (tok) {
            unreachable = cordon__win_ui_unreachable(&plan.windows_plan, tok, &why);
            if (cordon__win_is_wine()) {
                CHECK_MSG(!unreachable && why.p && strstr(why.p, "\\Default with "),
                          "under Wine: %s", why.p ? why.p : "(nothing said)");
            } else {
                CHECK_MSG(unreachable, "the sandbox token opens: %s", why.p ? why.p : "");
            }
            CloseHandle(tok);
        }
        printf("the sandbox token's try: %s\n", why.p ? why.p : "nothing opens");
        cordon__buf_free(&why);
    }

    cordon__plan_free(&plan);
    cordon_policy_free(ws);
    cordon_policy_free(full);
    remove_dir_tree(root);
    free(root);
    free(probe);
    TEST_MAIN_END();
}
