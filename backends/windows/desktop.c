/* The user's window station and desktop, out of reach of every sandbox
 * of the user. A command on a desktop of its own can still open its
 * window station's "Default" desktop by name (OpenDesktopW), whose DACL
 * grants the user's logon SID full access; the logon SID passes both
 * access checks of a write-restricted token (a group, and a restricting
 * SID), and a thread set there (SetThreadDesktop) could SendInput
 * keystrokes into the user's terminal. core/plan_windows.c decides the
 * deny ACEs for the sandbox SID that close this (wp->ui_guard); this file
 * puts them first in the DACLs and tries, as the command's token, what it
 * can still open.
 *
 * Why changing these DACLs is safe: the ACEs only deny, and only the
 * sandbox SID, which no ordinary token carries (it is a restricting SID
 * of cordon's sandbox tokens and granted nothing anywhere); every other
 * process of the session keeps the access it had. The objects live in
 * the session's memory: nothing is left on disk, and the ACEs go with the
 * logoff. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "win.h"

#include <aclapi.h>
#include <sddl.h>

/* The ACL walk and rewrite. |h| is open for READ_CONTROL (and WRITE_DAC
 * when |write| is 1). *missing gets how many of the plan's ACEs for
 * |object| are not there (first); with |write| they are put in front. */
static cordon_error guard_object(HANDLE h, const char *name, enum cordon__win_ui_object object,
                                 const struct cordon__plan_windows *wp, PSID sid, int write,
                                 int *missing)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    PACL dacl = NULL, nd = NULL;
    struct cordon__win_ace_view *views = NULL;
    char **strs = NULL;
    const struct cordon__win_ui_deny *want[CORDON__WIN_UI_GUARD_ACES];
    PSID everyone = NULL;
    DWORD err, n = 0, i, size, sid_len = GetLengthSid(sid);
    BYTE rev = ACL_REVISION;
    size_t k, n_want = 0;
    cordon_error e = CORDON_OK;

    *missing = 0;
    err = GetSecurityInfo(h, SE_WINDOW_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl,
                          NULL, &sd);
    if (err != ERROR_SUCCESS) {
        e = cordon__win_failf("GetSecurityInfo", err, "cannot read the DACL of %s", name);
        goto done;
    }
    n = dacl ? dacl->AceCount : 0;
    views = calloc(n + 1, sizeof *views);
    strs = calloc(n + 1, sizeof *strs);
    if (!views || !strs) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    for (i = 0; i < n; i++) {
        ACE_HEADER *a = NULL;
        if (!GetAce(dacl, i, (void **)&a)) {
            e = cordon__win_failf("GetAce", GetLastError(), "cannot read the DACL of %s", name);
            goto done;
        }
        views[i].flags = a->AceFlags;
        views[i].type = -1;
        /* The allowed and denied ACEs share one layout. */
        if (a->AceType == ACCESS_ALLOWED_ACE_TYPE || a->AceType == ACCESS_DENIED_ACE_TYPE) {
            ACCESS_ALLOWED_ACE *x = (ACCESS_ALLOWED_ACE *)a;
            views[i].type = a->AceType == ACCESS_DENIED_ACE_TYPE ? CORDON__WIN_ACE_DENY
                                                                  : CORDON__WIN_ACE_ALLOW;
            views[i].mask = x->Mask;
            strs[i] = cordon__win_sid_to_string((PSID)&x->SidStart);
            views[i].sid = strs[i];
        }
    }
    for (k = 0; k < wp->n_ui_guard; k++)
        if (wp->ui_guard[k].object == object &&
            !cordon__win_ui_deny_present(views, n, wp->sandbox_sid, &wp->ui_guard[k]))
            want[n_want++] = &wp->ui_guard[k];
    *missing = (int)n_want;
    if (n_want == 0 || !write)
        goto done;

    /* The missing denies first, then the DACL as it was. A NULL DACL
     * (every token full access; Wine gives its desktops one) becomes an
     * allow of everything to Everyone after them: the same for every
     * token but the sandbox's. */
    if (dacl && dacl->AclRevision > rev)
        rev = dacl->AclRevision;
    size = (dacl ? dacl->AclSize : (DWORD)sizeof(ACL)) +
           (DWORD)n_want * (DWORD)(sizeof(ACCESS_DENIED_ACE) + sid_len);
    if (!dacl) {
        if (!ConvertStringSidToSidW(L"S-1-1-0", &everyone)) {
            e = cordon__win_failf("ConvertStringSidToSidW", GetLastError(),
                                  "cannot guard %s", name);
            goto done;
        }
        size += (DWORD)(sizeof(ACCESS_ALLOWED_ACE) + GetLengthSid(everyone));
    }
    nd = malloc(size);
    if (!nd) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    if (!InitializeAcl(nd, size, rev)) {
        e = cordon__win_failf("InitializeAcl", GetLastError(), "cannot guard %s", name);
        goto done;
    }
    for (k = 0; k < n_want; k++)
        if (!AddAccessDeniedAceEx(nd, rev, (DWORD)want[k]->inherit, (DWORD)want[k]->mask, sid)) {
            e = cordon__win_failf("AddAccessDeniedAceEx", GetLastError(), "cannot guard %s",
                                  name);
            goto done;
        }
    for (i = 0; i < n; i++) {
        ACE_HEADER *a = NULL;
        if (!GetAce(dacl, i, (void **)&a) || !AddAce(nd, rev, MAXDWORD, a, a->AceSize)) {
            e = cordon__win_failf("AddAce", GetLastError(), "cannot guard %s", name);
            goto done;
        }
    }
    if (!dacl && !AddAccessAllowedAce(nd, rev, GENERIC_ALL, everyone)) {
        e = cordon__win_failf("AddAccessAllowedAce", GetLastError(), "cannot guard %s", name);
        goto done;
    }
    err = SetSecurityInfo(h, SE_WINDOW_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, nd, NULL);
    if (err != ERROR_SUCCESS)
        e = cordon__win_failf("SetSecurityInfo", err, "cannot guard %s", name);
done:
    for (i = 0; strs && i < n; i++)
        free(strs[i]);
    free(strs);
    free(views);
    free(nd);
    if (everyone)
        LocalFree(everyone);
    if (sd)
        LocalFree(sd);
    return e;
}

/* The name of this process's window station, UTF-16 and UTF-8. */
static int winsta_name(wchar_t *w, size_t w_len, char **u8)
{
    DWORD n = 0;
    if (!GetUserObjectInformationW(GetProcessWindowStation(), UOI_NAME, w,
                                   (DWORD)(w_len * sizeof *w), &n))
        return 0;
    *u8 = cordon__win_utf8(w);
    return *u8 != NULL;
}

/* Guards one object: opened for reading, its DACL read, and reopened
 * with WRITE_DAC only when something is missing (a guarded session costs
 * one DACL read per object). *added counts what was written. */
static cordon_error guard_one(const struct cordon__plan_windows *wp, PSID sid,
                              enum cordon__win_ui_object object, const wchar_t *wname,
                              const char *name, int *added)
{
    HANDLE h = NULL;
    int missing = 0, pass;
    cordon_error e = CORDON_OK;

    for (pass = 0; pass < 2 && e == CORDON_OK; pass++) {
        DWORD want = READ_CONTROL | (pass ? WRITE_DAC : 0);
        if (object == CORDON__WIN_UI_WINSTA) {
            h = OpenWindowStationW(wname, FALSE, want);
        } else {
            /* OpenDesktopW names desktops of this process's window station;
             * asking READ_CONTROL or WRITE_DAC takes READOBJECTS and
             * WRITEOBJECTS too (its documentation). */
            h = OpenDesktopW(wname, 0, FALSE,
                             want | DESKTOP_READOBJECTS | DESKTOP_WRITEOBJECTS);
        }
        if (!h) {
            e = cordon__win_failf(object == CORDON__WIN_UI_WINSTA ? "OpenWindowStationW"
                                                                  : "OpenDesktopW",
                                  GetLastError(), "cannot %s the DACL of %s",
                                  pass ? "change" : "read", name);
            break;
        }
        e = guard_object(h, name, object, wp, sid, pass, &missing);
        if (object == CORDON__WIN_UI_WINSTA)
            CloseWindowStation((HWINSTA)h);
        else
            CloseDesktop((HDESK)h);
        if (e != CORDON_OK || missing == 0)
            break;
        if (pass)
            *added += missing;
    }
    return e;
}

cordon_error cordon__win_ui_guard(const struct cordon__plan_windows *wp, int *added)
{
    wchar_t wname[128];
    char *ws_name = NULL, *desk_name = NULL, first_error[CORDON_REASON_MAX] = "";
    PSID sid = NULL;
    int total = 0;
    cordon_error e = CORDON_OK, e1;

    if (added)
        *added = 0;
    if (!wp->sandboxed || wp->n_ui_guard == 0 || !wp->sandbox_sid)
        return CORDON_OK;
    AcquireSRWLockShared(&cordon__win_desktop_lock);
    if (!winsta_name(wname, sizeof wname / sizeof wname[0], &ws_name)) {
        ReleaseSRWLockShared(&cordon__win_desktop_lock);
        return cordon__win_fail("cannot name this process's window station",
                                "GetUserObjectInformationW", GetLastError());
    }
    ReleaseSRWLockShared(&cordon__win_desktop_lock);
    desk_name = cordon__asprintf("window station %s's desktop Default", ws_name);
    sid = cordon__win_sid_from_string(wp->sandbox_sid);
    if (!desk_name || !sid) {
        e = desk_name ? CORDON_ERR_OS : cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    /* Each on its own: one that cannot be changed does not keep the other
     * unguarded. The first failure is the one reported. Under the lock
     * shared: the windows-elevated launch switches this process to a
     * runner's window station for a moment (exclusive), and the objects
     * guarded must be of the caller's. */
    AcquireSRWLockShared(&cordon__win_desktop_lock);
    {
        char *label = cordon__asprintf("window station %s", ws_name);
        e1 = label ? guard_one(wp, sid, CORDON__WIN_UI_WINSTA, wname, label, &total)
                   : cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        free(label);
    }
    if (e1 != CORDON_OK) {
        e = e1;
        snprintf(first_error, sizeof first_error, "%s", cordon_last_error());
    }
    e1 = guard_one(wp, sid, CORDON__WIN_UI_DEFAULT, L"Default", desk_name, &total);
    /* The desktop taking input, when it is another (a virtual-desktop
     * tool's): SendInput reaches only that one. One the user may not
     * open (Winlogon's, while the screen is locked) the sandbox cannot
     * open either: nothing to guard there, and the level's try of every
     * desktop says so. cordon's own desktops never take input (the job
     * refuses SwitchDesktop). */
    if (e1 == CORDON_OK) {
        HDESK in = OpenInputDesktop(0, FALSE, DESKTOP_READOBJECTS);
        wchar_t iname[256];
        DWORD n = 0;
        if (in && GetUserObjectInformationW(in, UOI_NAME, iname, sizeof iname, &n) &&
            _wcsicmp(iname, L"Default") != 0 && wcsncmp(iname, L"cordon-", 7) != 0) {
            char *u8 = cordon__win_utf8(iname);
            char *label = u8 ? cordon__asprintf("window station %s's input desktop %s", ws_name,
                                                u8)
                             : NULL;
            e1 = label ? guard_one(wp, sid, CORDON__WIN_UI_INPUT, iname, label, &total)
                       : cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
            free(label);
            free(u8);
        }
        if (in)
            CloseDesktop(in);
    }
    ReleaseSRWLockShared(&cordon__win_desktop_lock);
    if (e1 != CORDON_OK && e == CORDON_OK) {
        e = e1;
        snprintf(first_error, sizeof first_error, "%s", cordon_last_error());
    }
    if (e != CORDON_OK)
        cordon__fail(e, "%s", first_error);
done:
    if (added)
        *added = total;
    if (sid)
        LocalFree(sid);
    free(desk_name);
    free(ws_name);
    return e;
}

/* ---- what the command's token can still open ------------------------------ */

struct desk_names {
    struct cordon__strv v;
    int oom;
};

static BOOL CALLBACK collect_desktop(LPWSTR name, LPARAM arg)
{
    struct desk_names *d = (struct desk_names *)arg;
    char *u8 = cordon__win_utf8(name);
    if (!u8 || cordon__strv_push(&d->v, u8) != CORDON_OK)
        d->oom = 1;
    free(u8);
    return TRUE;
}

static const struct {
    unsigned long bit;
    const char *name;
} desktop_rights[] = {
    {CORDON__WIN_DESKTOP_CREATEWINDOW, "CREATEWINDOW"},
    {CORDON__WIN_DESKTOP_CREATEMENU, "CREATEMENU"},
    {CORDON__WIN_DESKTOP_HOOKCONTROL, "HOOKCONTROL"},
    {CORDON__WIN_DESKTOP_JOURNALRECORD, "JOURNALRECORD"},
    {CORDON__WIN_DESKTOP_JOURNALPLAYBACK, "JOURNALPLAYBACK"},
    {CORDON__WIN_DESKTOP_WRITEOBJECTS, "WRITEOBJECTS"},
    {CORDON__WIN_DELETE, "DELETE"},
    {CORDON__WIN_WRITE_DAC, "WRITE_DAC"},
    {CORDON__WIN_WRITE_OWNER, "WRITE_OWNER"},
},
  winsta_rights[] = {
      {CORDON__WIN_WINSTA_ACCESSCLIPBOARD, "ACCESSCLIPBOARD"},
      {CORDON__WIN_WINSTA_CREATEDESKTOP, "CREATEDESKTOP"},
      {CORDON__WIN_WINSTA_WRITEATTRIBUTES, "WRITEATTRIBUTES"},
      {CORDON__WIN_DELETE, "DELETE"},
      {CORDON__WIN_WRITE_DAC, "WRITE_DAC"},
      {CORDON__WIN_WRITE_OWNER, "WRITE_OWNER"},
};

/* Appends to |why| the rights of |mask| that the impersonated token gets
 * on desktop (or window station) |name|, one open per right. A standard
 * right of a desktop (DELETE, WRITE_DAC, WRITE_OWNER) is asked alone,
 * then with READOBJECTS, then with READOBJECTS | WRITEOBJECTS, and counts
 * when any of them opens: asked only with WRITEOBJECTS, which the guard
 * itself denies, it could never open, and a WRITE_DAC the deny ACE does
 * not hold (the second check of a write-restricted token) would go
 * unseen. 1 when it got none. */
static int try_object(int is_desktop, const wchar_t *wname, const char *name, unsigned long mask,
                      struct cordon__buf *why)
{
    size_t i, n = is_desktop ? sizeof desktop_rights / sizeof desktop_rights[0]
                             : sizeof winsta_rights / sizeof winsta_rights[0];
    int first = 1;
    for (i = 0; i < n; i++) {
        unsigned long bit = is_desktop ? desktop_rights[i].bit : winsta_rights[i].bit;
        const char *rname = is_desktop ? desktop_rights[i].name : winsta_rights[i].name;
        DWORD ask = (DWORD)bit;
        HANDLE h;
        if (!(mask & bit))
            continue;
        if (is_desktop) {
            static const DWORD with[3] = {0, DESKTOP_READOBJECTS,
                                          DESKTOP_READOBJECTS | DESKTOP_WRITEOBJECTS};
            int standard =
                (bit & (CORDON__WIN_DELETE | CORDON__WIN_WRITE_DAC | CORDON__WIN_WRITE_OWNER)) != 0;
            size_t v;
            h = NULL;
            for (v = 0; v < (standard ? 3u : 1u) && !h; v++)
                h = OpenDesktopW(wname, 0, FALSE, ask | with[v]);
            if (h)
                CloseDesktop((HDESK)h);
        } else {
            h = OpenWindowStationW(wname, FALSE, ask);
            if (h)
                CloseWindowStation((HWINSTA)h);
        }
        if (!h)
            continue;
        if (first)
            cordon__buf_printf(why, "%s%s %s with %s", why->len ? "; " : "",
                               is_desktop ? "desktop" : "window station", name, rname);
        else
            cordon__buf_printf(why, ", %s", rname);
        first = 0;
    }
    return first;
}

/* What the impersonating thread needs and gives back. */
struct reach_job {
    HANDLE imp;
    const wchar_t *wname;
    const char *ws_name;
    const struct cordon__strv *desktops;
    unsigned long wmask, dmask;
    struct cordon__buf *why;
    int ok;
    DWORD err;
};

/* Runs on a thread of its own, so the caller's thread never carries the
 * command's token nor becomes a GUI thread for this; the impersonation
 * ends with the thread. */
static DWORD WINAPI reach_thread(LPVOID arg)
{
    struct reach_job *j = arg;
    size_t i;
    if (!SetThreadToken(NULL, j->imp)) {
        j->err = GetLastError();
        j->ok = -1;
        return 0;
    }
    j->ok = try_object(0, j->wname, j->ws_name, j->wmask, j->why);
    /* Every desktop of the window station, not only Default: one another
     * program made with a loose DACL would be as good a way out. */
    for (i = 0; i < j->desktops->n; i++) {
        wchar_t *w = cordon__win_wide(j->desktops->v[i]);
        char *full = cordon__asprintf("%s\\%s", j->ws_name, j->desktops->v[i]);
        if (w && full)
            j->ok &= try_object(1, w, full, j->dmask, j->why);
        else
            j->ok = 0;
        free(w);
        free(full);
    }
    SetThreadToken(NULL, NULL);
    return 0;
}

int cordon__win_ui_unreachable(const struct cordon__plan_windows *wp, HANDLE token,
                               struct cordon__buf *why)
{
    struct desk_names d;
    struct reach_job j;
    HANDLE imp = NULL, t = NULL;
    wchar_t wname[128];
    char *ws_name = NULL;
    int ok = 0, locked = 0;
    size_t i;

    memset(&d, 0, sizeof d);
    memset(&j, 0, sizeof j);
    for (i = 0; i < wp->n_ui_guard; i++) {
        if (wp->ui_guard[i].inherit & CORDON__WIN_INHERIT_ONLY)
            continue;
        if (wp->ui_guard[i].object == CORDON__WIN_UI_WINSTA)
            j.wmask |= wp->ui_guard[i].mask;
        else
            j.dmask |= wp->ui_guard[i].mask;
    }
    /* Shared, for the whole try: the station listed and tried must be the
     * caller's (see cordon__win_ui_guard). */
    AcquireSRWLockShared(&cordon__win_desktop_lock);
    locked = 1;
    if (!winsta_name(wname, sizeof wname / sizeof wname[0], &ws_name) ||
        !EnumDesktopsW(GetProcessWindowStation(), collect_desktop, (LPARAM)&d) || d.oom) {
        cordon__buf_printf(why, "%snot verified: the desktops of this window station cannot "
                                "be listed (error %lu)",
                           why->len ? "; " : "", (unsigned long)GetLastError());
        goto done;
    }
    if (!DuplicateToken(token, SecurityImpersonation, &imp)) {
        cordon__buf_printf(why, "%snot verified: cannot act as the command's token (error %lu)",
                           why->len ? "; " : "", (unsigned long)GetLastError());
        goto done;
    }
    j.imp = imp;
    j.wname = wname;
    j.ws_name = ws_name;
    j.desktops = &d.v;
    j.why = why;
    t = CreateThread(NULL, 0, reach_thread, &j, 0, NULL);
    if (!t || WaitForSingleObject(t, INFINITE) != WAIT_OBJECT_0 || j.ok < 0) {
        cordon__buf_printf(why, "%snot verified: cannot act as the command's token (error %lu)",
                           why->len ? "; " : "",
                           (unsigned long)(j.ok < 0 ? j.err : GetLastError()));
        goto done;
    }
    ok = j.ok;
done:
    if (locked)
        ReleaseSRWLockShared(&cordon__win_desktop_lock);
    if (t)
        CloseHandle(t);
    if (imp)
        CloseHandle(imp);
    cordon__strv_free(&d.v);
    free(ws_name);
    return ok;
}
