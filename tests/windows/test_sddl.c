/* What Wine is faithful at: SID and SDDL round trips of cordon's
 * capability SIDs, the plan's ACEs built into a real ACL, single-pass
 * AccessCheck on it, the constants restated in core, the restricted token
 * being buildable, and the one error mapping's message form. */
#include "wintest.h"

#include <aclapi.h>
#include <sddl.h>

static char *sd_string(PSECURITY_DESCRIPTOR sd)
{
    wchar_t *w = NULL;
    char *s;
    if (!ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1,
                                                              DACL_SECURITY_INFORMATION, &w, NULL))
        return NULL;
    s = cordon__win_utf8(w);
    LocalFree(w);
    return s;
}

static int check_access(const char *sddl, HANDLE imp, DWORD want)
{
    wchar_t *w = cordon__win_wide(sddl);
    PSECURITY_DESCRIPTOR sd = NULL;
    GENERIC_MAPPING map = {FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE,
                           FILE_ALL_ACCESS};
    PRIVILEGE_SET ps;
    DWORD len = sizeof ps, granted = 0;
    BOOL status = FALSE;
    int r = -1;
    if (ConvertStringSecurityDescriptorToSecurityDescriptorW(w, SDDL_REVISION_1, &sd, NULL) &&
        AccessCheck(sd, imp, want, &map, &ps, &len, &granted, &status))
        r = status ? 1 : 0;
    if (sd)
        LocalFree(sd);
    free(w);
    return r;
}

int main(void)
{
    const unsigned char secret[32] = "0123456789abcdef0123456789abcde";
    char sid[CORDON__WIN_SID_MAX];
    PSID psid;
    char *back;

    /* Constants restated in core match the SDK's. */
    CHECK(CORDON__WIN_FILE_GENERIC_READ == FILE_GENERIC_READ);
    CHECK(CORDON__WIN_FILE_GENERIC_WRITE == FILE_GENERIC_WRITE);
    CHECK(CORDON__WIN_FILE_GENERIC_EXECUTE == FILE_GENERIC_EXECUTE);
    CHECK(CORDON__WIN_FILE_WRITE_DATA == FILE_WRITE_DATA);
    CHECK(CORDON__WIN_FILE_APPEND_DATA == FILE_APPEND_DATA);
    CHECK(CORDON__WIN_FILE_WRITE_EA == FILE_WRITE_EA);
    CHECK(CORDON__WIN_FILE_WRITE_ATTRIBUTES == FILE_WRITE_ATTRIBUTES);
    CHECK(CORDON__WIN_FILE_DELETE_CHILD == FILE_DELETE_CHILD);
    CHECK(CORDON__WIN_DELETE == DELETE);
    CHECK(CORDON__WIN_SYNCHRONIZE == SYNCHRONIZE);
    CHECK(CORDON__WIN_READ_CONTROL == READ_CONTROL);
    CHECK(CORDON__WIN_WRITE_DAC == WRITE_DAC);
    CHECK(CORDON__WIN_WRITE_OWNER == WRITE_OWNER);
    CHECK(CORDON__WIN_FILE_ADD_FILE == FILE_ADD_FILE);
    CHECK(CORDON__WIN_FILE_ADD_SUBDIRECTORY == FILE_ADD_SUBDIRECTORY);
    CHECK(CORDON__WIN_OBJECT_INHERIT == OBJECT_INHERIT_ACE);
    CHECK(CORDON__WIN_CONTAINER_INHERIT == CONTAINER_INHERIT_ACE);
    CHECK(CORDON__WIN_DISABLE_MAX_PRIVILEGE == DISABLE_MAX_PRIVILEGE);
    CHECK(CORDON__WIN_LUA_TOKEN == LUA_TOKEN);
    CHECK(CORDON__WIN_WRITE_RESTRICTED == WRITE_RESTRICTED);
    CHECK(CORDON__WIN_DESKTOP_READOBJECTS == DESKTOP_READOBJECTS);
    CHECK(CORDON__WIN_DESKTOP_CREATEWINDOW == DESKTOP_CREATEWINDOW);
    CHECK(CORDON__WIN_DESKTOP_CREATEMENU == DESKTOP_CREATEMENU);
    CHECK(CORDON__WIN_DESKTOP_HOOKCONTROL == DESKTOP_HOOKCONTROL);
    CHECK(CORDON__WIN_DESKTOP_JOURNALRECORD == DESKTOP_JOURNALRECORD);
    CHECK(CORDON__WIN_DESKTOP_JOURNALPLAYBACK == DESKTOP_JOURNALPLAYBACK);
    CHECK(CORDON__WIN_DESKTOP_ENUMERATE == DESKTOP_ENUMERATE);
    CHECK(CORDON__WIN_DESKTOP_WRITEOBJECTS == DESKTOP_WRITEOBJECTS);
    CHECK(CORDON__WIN_DESKTOP_SWITCHDESKTOP == DESKTOP_SWITCHDESKTOP);
    CHECK(CORDON__WIN_WINSTA_ENUMDESKTOPS == WINSTA_ENUMDESKTOPS);
    CHECK(CORDON__WIN_WINSTA_READATTRIBUTES == WINSTA_READATTRIBUTES);
    CHECK(CORDON__WIN_WINSTA_ACCESSCLIPBOARD == WINSTA_ACCESSCLIPBOARD);
    CHECK(CORDON__WIN_WINSTA_CREATEDESKTOP == WINSTA_CREATEDESKTOP);
    CHECK(CORDON__WIN_WINSTA_WRITEATTRIBUTES == WINSTA_WRITEATTRIBUTES);
    CHECK(CORDON__WIN_WINSTA_ACCESSGLOBALATOMS == WINSTA_ACCESSGLOBALATOMS);
    CHECK(CORDON__WIN_WINSTA_EXITWINDOWS == WINSTA_EXITWINDOWS);
    CHECK(CORDON__WIN_WINSTA_ENUMERATE == WINSTA_ENUMERATE);
    CHECK(CORDON__WIN_WINSTA_READSCREEN == WINSTA_READSCREEN);
    CHECK(CORDON__WIN_NO_PROPAGATE_INHERIT == NO_PROPAGATE_INHERIT_ACE);
    CHECK(CORDON__WIN_INHERIT_ONLY == INHERIT_ONLY_ACE);
    CHECK(CORDON__WIN_INHERITED == INHERITED_ACE);
    CHECK(CORDON__WIN_UILIMIT_HANDLES == JOB_OBJECT_UILIMIT_HANDLES);
    CHECK(CORDON__WIN_UILIMIT_READCLIPBOARD == JOB_OBJECT_UILIMIT_READCLIPBOARD);
    CHECK(CORDON__WIN_UILIMIT_WRITECLIPBOARD == JOB_OBJECT_UILIMIT_WRITECLIPBOARD);
    CHECK(CORDON__WIN_UILIMIT_SYSTEMPARAMETERS == JOB_OBJECT_UILIMIT_SYSTEMPARAMETERS);
    CHECK(CORDON__WIN_UILIMIT_DISPLAYSETTINGS == JOB_OBJECT_UILIMIT_DISPLAYSETTINGS);
    CHECK(CORDON__WIN_UILIMIT_GLOBALATOMS == JOB_OBJECT_UILIMIT_GLOBALATOMS);
    CHECK(CORDON__WIN_UILIMIT_DESKTOP == JOB_OBJECT_UILIMIT_DESKTOP);
    CHECK(CORDON__WIN_UILIMIT_EXITWINDOWS == JOB_OBJECT_UILIMIT_EXITWINDOWS);
    CHECK(CORDON__WIN_CREATE_NO_WINDOW == CREATE_NO_WINDOW);
    CHECK(CORDON__WIN_ANCESTOR_DENY_MASK == (DELETE | FILE_DELETE_CHILD));
    CHECK(cordon__win_reparse_is_link(IO_REPARSE_TAG_SYMLINK));
    CHECK(cordon__win_reparse_is_link(IO_REPARSE_TAG_MOUNT_POINT));

    /* SID string -> binary -> string. */
    cordon__win_derive_sid(secret, sizeof secret, "root", "C:\\src\\app", sid);
    psid = cordon__win_sid_from_string(sid);
    CHECK_MSG(psid != NULL, "%s", cordon_last_error());
    if (psid) {
        CHECK(IsValidSid(psid));
        /* 21, cordon's mark, six derived: S-1-5-21-1668248164-a-b-c-d-e-f. */
        CHECK(*GetSidSubAuthorityCount(psid) == 8);
        CHECK(GetSidIdentifierAuthority(psid)->Value[5] == 5);
        back = cordon__win_sid_to_string(psid);
        CHECK_STR(back, sid);
        free(back);
    }

    /* The plan's allow and deny ACEs as a real ACL, printed as SDDL and
     * parsed back. */
    if (psid) {
        EXPLICIT_ACCESS_W ea[2];
        PACL acl = NULL;
        SECURITY_DESCRIPTOR sd;
        char *s1, *s2 = NULL;
        memset(ea, 0, sizeof ea);
        ea[0].grfAccessPermissions = CORDON__WIN_ALLOW_MASK;
        ea[0].grfAccessMode = GRANT_ACCESS;
        ea[0].grfInheritance = OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE;
        ea[0].Trustee.TrusteeForm = TRUSTEE_IS_SID;
        ea[0].Trustee.ptstrName = (LPWSTR)psid;
        ea[1] = ea[0];
        ea[1].grfAccessPermissions = CORDON__WIN_DENY_MASK;
        ea[1].grfAccessMode = DENY_ACCESS;
        CHECK(SetEntriesInAclW(2, ea, NULL, &acl) == ERROR_SUCCESS);
        InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION);
        SetSecurityDescriptorDacl(&sd, TRUE, acl, FALSE);
        s1 = sd_string(&sd);
        CHECK_CONTAINS(s1, "(D;OICI;");
        CHECK_CONTAINS(s1, "(A;OICI;");
        CHECK_CONTAINS(s1, sid);
        /* Deny first: the canonical order SetEntriesInAcl produces on
         * Windows (Wine keeps the given order). */
        if (!cordon__win_is_wine())
            CHECK(s1 && strstr(s1, "(D;") < strstr(s1, "(A;"));
        if (s1) {
            wchar_t *w = cordon__win_wide(s1);
            PSECURITY_DESCRIPTOR sd2 = NULL;
            CHECK(ConvertStringSecurityDescriptorToSecurityDescriptorW(w, SDDL_REVISION_1, &sd2,
                                                                       NULL));
            if (sd2) {
                s2 = sd_string(sd2);
                LocalFree(sd2);
            }
            CHECK_STR(s2, s1);
            free(w);
        }
        free(s1);
        free(s2);
        if (acl)
            LocalFree(acl);
        LocalFree(psid);
    }

    /* Single-pass AccessCheck with this user's token: a deny ACE for the
     * user refuses the write; the positive control without it allows. */
    {
        HANDLE self = NULL, imp = NULL;
        const char *user = cordon__win_user_sid();
        CHECK(user != NULL);
        if (user && OpenProcessToken(GetCurrentProcess(), TOKEN_DUPLICATE | TOKEN_QUERY, &self) &&
            DuplicateToken(self, SecurityImpersonation, &imp)) {
            char *allow = cordon__asprintf("O:%sG:%sD:(A;;FA;;;%s)", user, user, user);
            char *deny = cordon__asprintf("O:%sG:%sD:(D;;0x2;;;%s)(A;;FA;;;%s)", user, user, user,
                                          user);
            CHECK(check_access(allow, imp, FILE_WRITE_DATA) == 1);
            CHECK(check_access(deny, imp, FILE_WRITE_DATA) == 0);
            CHECK(check_access(deny, imp, FILE_READ_DATA) == 1);
            free(allow);
            free(deny);
        } else {
            CHECK_MSG(0, "cannot open this process's token");
        }
        if (imp)
            CloseHandle(imp);
        if (self)
            CloseHandle(self);
    }

    /* The restricted token for a real plan can be built here. */
    {
        struct cordon__host host;
        struct cordon__plan plan;
        cordon_policy *p = NULL;
        char *ws = make_temp_dir("sddl");
        HANDLE tok = NULL;
        CHECK(cordon__os_host(&host) == CORDON_OK);
        CHECK(cordon_policy_builtin("workspace-write", &p) == CORDON_OK);
        CHECK_MSG(cordon__plan_compile(p, ws, &host, &plan) == CORDON_OK, "%s",
                  cordon_last_error());
        CHECK_MSG(cordon__win_restricted_token(&plan.windows_plan, &tok) == CORDON_OK, "%s",
                  cordon_last_error());
        if (tok) {
            TOKEN_TYPE type;
            DWORD len = 0;
            CHECK(GetTokenInformation(tok, TokenType, &type, sizeof type, &len));
            CHECK(type == TokenPrimary);
            CloseHandle(tok);
        }
        cordon__plan_free(&plan);
        cordon_policy_free(p);
        remove_dir_tree(ws);
        free(ws);
    }

    /* The one mapping, and the message form every OS failure takes. */
    CHECK(cordon__win_error(ERROR_ACCESS_DENIED) == CORDON_ERR_PERMISSION);
    CHECK(cordon__win_error(ERROR_FILE_NOT_FOUND) == CORDON_ERR_PATH);
    CHECK(cordon__win_error(ERROR_BAD_EXE_FORMAT) == CORDON_ERR_NOT_EXECUTABLE);
    CHECK(cordon__win_error(ERROR_NOT_ENOUGH_MEMORY) == CORDON_ERR_NO_MEMORY);
    CHECK(cordon__win_error(12345) == CORDON_ERR_OS);
    CHECK(cordon__win_fail("cannot grant write on C:\\src\\app", "SetNamedSecurityInfoW",
                           ERROR_ACCESS_DENIED) == CORDON_ERR_PERMISSION);
    CHECK_CONTAINS(cordon_last_error(),
                   "cannot grant write on C:\\src\\app (SetNamedSecurityInfoW: error 5, ");
    CHECK(strstr(cordon_last_error(), "\r") == NULL);
    TEST_MAIN_END();
}
