/* The program the Windows tests run inside (and outside) the sandbox.
 *   win-probe write FILE       create/overwrite FILE: exit 0, 5 access denied, 2 other
 *   win-probe mkdir DIR        create DIR: same codes
 *   win-probe delete PATH      delete a file or an empty directory: same codes
 *   win-probe args ...         print each argument (CommandLineToArgvW) on its own line
 *   win-probe env NAME         print NAME's value, exit 1 when unset
 *   win-probe envblock PREFIX  exit 0 when the variables whose names start with PREFIX
 *                              (any case) are in block order, else 1 (Wine appends
 *                              its own variables, so the whole block is not checked)
 *   win-probe tree             start a copy of itself that sleeps, print its pid, sleep
 *   win-probe sleep MS         sleep
 *   win-probe crash            dereference NULL (an unhandled exception)
 *   win-probe exit N           exit with N
 *   win-probe zeros N          write N zero bytes to stdout
 *   win-probe desktop          print the name of the desktop it runs on
 *   win-probe winsta           print the name of the window station it runs on
 *   win-probe stdio            print the kind of each stdio handle: "pipe", "char" (a
 *                              console or device), "disk", "none"
 *   win-probe inject           queue a key event into the console input buffer it can
 *                              open (CONIN$): exit 0 when queued, 5 denied, 2 no console
 *   win-probe uilimits         print its job's UI restrictions (hex), exit 1 when none
 *   win-probe openproc PID     open PID for writing its memory: exit 0, 5 denied, 2 other
 *   win-probe rename SRC DST   rename SRC to DST: exit 0, 5 denied, 2 other
 *   win-probe chacl PATH       add "Everyone: full control" to PATH's DACL: same codes
 *   win-probe regwrite KEY     create HKCU\KEY and set a value in it: same codes
 *   win-probe postwin CLASS    post a message to the window of class CLASS: exit 0,
 *                              5 denied, 3 no such window visible
 *   win-probe manifest FILE    print the application manifest (RT_MANIFEST 1) of the
 *                              program FILE, exit 1 when it has none
 *   win-probe opendesk NAME    open desktop NAME of its window station for
 *                              JOURNALPLAYBACK | HOOKCONTROL: exit 0, 5 denied, 2 other
 *   win-probe openwinsta NAME  open window station NAME for CREATEDESKTOP |
 *                              WRITEATTRIBUTES | WRITE_DAC: same codes
 *   win-probe sendinput NAME   from a new thread set to desktop NAME (opened with
 *                              what it is granted), SendInput a mouse move of 0,0:
 *                              exit 0 inserted, 5 refused, 2 cannot open or set it
 *   win-probe stealwrite PID FILE
 *                              take PID's token, impersonate it and create FILE: exit 0,
 *                              5 denied (at any step), 2 other */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
#include <shellapi.h>

static int code_of(DWORD err)
{
    return err == ERROR_ACCESS_DENIED ? 5 : 2;
}

/* The SendInput shape: a thread without windows moves to the desktop and
 * injects a harmless event (a mouse move by 0,0). */
struct sendinput_arg {
    const wchar_t *desk;
    int rc;
};

static DWORD WINAPI sendinput_thread(LPVOID p)
{
    struct sendinput_arg *a = p;
    /* The most it can get: the write-class rights first, reads only
     * when those are refused. */
    static const DWORD asks[] = {DESKTOP_JOURNALPLAYBACK | DESKTOP_READOBJECTS | DESKTOP_WRITEOBJECTS,
                                 DESKTOP_JOURNALPLAYBACK, DESKTOP_READOBJECTS | DESKTOP_ENUMERATE,
                                 DESKTOP_READOBJECTS};
    HDESK d = NULL;
    INPUT in;
    size_t i;
    for (i = 0; !d && i < sizeof asks / sizeof asks[0]; i++)
        d = OpenDesktopW(a->desk, 0, FALSE, asks[i]);
    if (!d) {
        a->rc = code_of(GetLastError());
        return 0;
    }
    if (!SetThreadDesktop(d)) {
        a->rc = 2;
        CloseDesktop(d);
        return 0;
    }
    memset(&in, 0, sizeof in);
    in.type = INPUT_MOUSE;
    in.mi.dwFlags = MOUSEEVENTF_MOVE;
    SetLastError(0);
    a->rc = SendInput(1, &in, sizeof in) == 1 ? 0 : 5;
    if (a->rc)
        fprintf(stderr, "SendInput: error %lu\n", (unsigned long)GetLastError());
    return 0;
}

static int ascii_upper_cmp(const wchar_t *a, const wchar_t *b);

static int upper_cmp(const wchar_t *a, const wchar_t *b)
{
    /* As Windows orders an environment block: names compared with its
     * Unicode upper-casing. */
    const wchar_t *ea = wcschr(a + 1, L'='), *eb = wcschr(b + 1, L'=');
    int la = ea ? (int)(ea - a) : (int)wcslen(a), lb = eb ? (int)(eb - b) : (int)wcslen(b);
    int r = CompareStringOrdinal(a, la, b, lb, TRUE);
    if (r != 0)
        return r == CSTR_LESS_THAN ? -1 : r == CSTR_GREATER_THAN ? 1 : 0;
    return ascii_upper_cmp(a, b);
}

static int ascii_upper_cmp(const wchar_t *a, const wchar_t *b)
{
    /* Names only, up to '=' (the first character may be '='). */
    size_t i = 0;
    for (;; i++) {
        wchar_t ca = a[i], cb = b[i];
        if (i > 0 && ca == L'=')
            ca = 0;
        if (i > 0 && cb == L'=')
            cb = 0;
        ca = (ca >= L'a' && ca <= L'z') ? (wchar_t)(ca - 32) : ca;
        cb = (cb >= L'a' && cb <= L'z') ? (wchar_t)(cb - 32) : cb;
        if (ca != cb)
            return ca < cb ? -1 : 1;
        if (ca == 0)
            return 0;
    }
}

int main(void)
{
    int n = 0, i;
    /* The wide command line, split as every Windows program sees it. */
    wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &n);
    if (!argv || n < 2)
        return 100;
    if (wcscmp(argv[1], L"write") == 0 && n == 3) {
        HANDLE h = CreateFileW(argv[2], GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
        DWORD put;
        if (h == INVALID_HANDLE_VALUE)
            return code_of(GetLastError());
        WriteFile(h, "x", 1, &put, NULL);
        CloseHandle(h);
        return 0;
    }
    if (wcscmp(argv[1], L"mkdir") == 0 && n == 3)
        return CreateDirectoryW(argv[2], NULL) ? 0 : code_of(GetLastError());
    if (wcscmp(argv[1], L"delete") == 0 && n == 3) {
        DWORD a = GetFileAttributesW(argv[2]);
        BOOL ok = (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY))
                      ? RemoveDirectoryW(argv[2])
                      : DeleteFileW(argv[2]);
        return ok ? 0 : code_of(GetLastError());
    }
    if (wcscmp(argv[1], L"args") == 0) {
        /* UTF-8 out, one argument per line, framed so empties show. */
        for (i = 2; i < n; i++) {
            char buf[4096];
            int len = WideCharToMultiByte(CP_UTF8, 0, argv[i], -1, buf, sizeof buf, NULL, NULL);
            if (len <= 0)
                return 3;
            printf("[%s]\n", buf);
        }
        return 0;
    }
    if (wcscmp(argv[1], L"env") == 0 && n == 3) {
        wchar_t val[8192];
        char out[8192 * 3];
        DWORD len = GetEnvironmentVariableW(argv[2], val, 8192);
        if (len == 0 || len >= 8192)
            return 1;
        WideCharToMultiByte(CP_UTF8, 0, val, -1, out, sizeof out, NULL, NULL);
        printf("%s\n", out);
        return 0;
    }
    if (wcscmp(argv[1], L"envblock") == 0 && n == 3) {
        wchar_t *block = GetEnvironmentStringsW(), *p, *prev = NULL;
        int sorted = 1, seen = 0;
        size_t plen = wcslen(argv[2]);
        for (p = block; p && *p; p += wcslen(p) + 1) {
            if (_wcsnicmp(p, argv[2], plen) != 0)
                continue;
            seen++;
            if (prev && upper_cmp(prev, p) > 0) {
                sorted = 0;
                fwprintf(stderr, L"out of order: %ls before %ls\n", prev, p);
            }
            prev = p;
        }
        FreeEnvironmentStringsW(block);
        return sorted && seen > 1 ? 0 : 1;
    }
    if (wcscmp(argv[1], L"tree") == 0) {
        static wchar_t self[32768], cmd[32768 + 64];
        STARTUPINFOW si;
        PROCESS_INFORMATION pi;
        DWORD len = GetModuleFileNameW(NULL, self, 32768);
        if (len == 0 || len >= 32768)
            return 4;
        swprintf(cmd, 32768 + 64, L"\"%ls\" sleep 30000", self);
        memset(&si, 0, sizeof si);
        si.cb = sizeof si;
        if (!CreateProcessW(self, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
            return 4;
        printf("%lu\n", (unsigned long)pi.dwProcessId);
        fflush(stdout);
        Sleep(30000);
        return 0;
    }
    if (wcscmp(argv[1], L"sleep") == 0 && n == 3) {
        Sleep((DWORD)_wtoi(argv[2]));
        return 0;
    }
    if (wcscmp(argv[1], L"desktop") == 0) {
        wchar_t name[256];
        DWORD len = 0;
        if (!GetUserObjectInformationW(GetThreadDesktop(GetCurrentThreadId()), UOI_NAME, name,
                                       sizeof name, &len))
            return 1;
        printf("%ls\n", name);
        return 0;
    }
    if (wcscmp(argv[1], L"winsta") == 0) {
        wchar_t name[256];
        DWORD len = 0;
        if (!GetUserObjectInformationW(GetProcessWindowStation(), UOI_NAME, name, sizeof name,
                                       &len))
            return 1;
        printf("%ls\n", name);
        return 0;
    }
    if (wcscmp(argv[1], L"manifest") == 0 && n == 3) {
        HMODULE m = LoadLibraryExW(argv[2], NULL,
                                   LOAD_LIBRARY_AS_DATAFILE | LOAD_LIBRARY_AS_IMAGE_RESOURCE);
        HRSRC r = m ? FindResourceW(m, MAKEINTRESOURCEW(1), MAKEINTRESOURCEW(24)) : NULL;
        HGLOBAL g = r ? LoadResource(m, r) : NULL;
        const void *text = g ? LockResource(g) : NULL;
        if (!text)
            return 1;
        fwrite(text, 1, SizeofResource(m, r), stdout);
        fflush(stdout);
        return 0;
    }
    if (wcscmp(argv[1], L"stdio") == 0) {
        static const DWORD ids[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE};
        char line[64] = "";
        for (i = 0; i < 3; i++) {
            HANDLE h = GetStdHandle(ids[i]);
            DWORD t = (h && h != INVALID_HANDLE_VALUE) ? GetFileType(h) : FILE_TYPE_UNKNOWN;
            const char *k = !h || h == INVALID_HANDLE_VALUE ? "none"
                            : t == FILE_TYPE_PIPE           ? "pipe"
                            : t == FILE_TYPE_CHAR           ? "char"
                            : t == FILE_TYPE_DISK           ? "disk"
                                                            : "unknown";
            strcat(line, k);
            strcat(line, i < 2 ? " " : "");
        }
        /* Written to a file given as the second argument when stdout is
         * the thing being examined. */
        if (n == 3) {
            HANDLE f = CreateFileW(argv[2], GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
            DWORD put;
            if (f == INVALID_HANDLE_VALUE)
                return 2;
            WriteFile(f, line, (DWORD)strlen(line), &put, NULL);
            CloseHandle(f);
        } else {
            printf("%s\n", line);
        }
        return 0;
    }
    if (wcscmp(argv[1], L"inject") == 0) {
        INPUT_RECORD rec;
        DWORD put = 0;
        HANDLE in = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE,
                                FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
        if (in == INVALID_HANDLE_VALUE)
            return GetLastError() == ERROR_ACCESS_DENIED ? 5 : 2;
        memset(&rec, 0, sizeof rec);
        rec.EventType = KEY_EVENT;
        rec.Event.KeyEvent.bKeyDown = TRUE;
        rec.Event.KeyEvent.wRepeatCount = 1;
        rec.Event.KeyEvent.uChar.UnicodeChar = L'x';
        if (!WriteConsoleInputW(in, &rec, 1, &put) || put != 1) {
            DWORD err = GetLastError();
            CloseHandle(in);
            return code_of(err);
        }
        CloseHandle(in);
        return 0;
    }
    if (wcscmp(argv[1], L"uilimits") == 0) {
        JOBOBJECT_BASIC_UI_RESTRICTIONS ui;
        DWORD len = 0;
        if (!QueryInformationJobObject(NULL, JobObjectBasicUIRestrictions, &ui, sizeof ui, &len))
            return 1;
        printf("0x%lx\n", (unsigned long)ui.UIRestrictionsClass);
        return 0;
    }
    if (wcscmp(argv[1], L"openproc") == 0 && n == 3) {
        HANDLE h = OpenProcess(PROCESS_VM_WRITE | PROCESS_VM_OPERATION, FALSE,
                               (DWORD)_wtoi(argv[2]));
        if (!h)
            return code_of(GetLastError());
        CloseHandle(h);
        return 0;
    }
    if (wcscmp(argv[1], L"rename") == 0 && n == 4)
        return MoveFileExW(argv[2], argv[3], 0) ? 0 : code_of(GetLastError());
    if (wcscmp(argv[1], L"chacl") == 0 && n == 3) {
        PACL dacl = NULL, ndacl = NULL;
        PSECURITY_DESCRIPTOR sd = NULL;
        EXPLICIT_ACCESS_W ea;
        PSID everyone = NULL;
        DWORD err = GetNamedSecurityInfoW(argv[2], SE_FILE_OBJECT, DACL_SECURITY_INFORMATION,
                                          NULL, NULL, &dacl, NULL, &sd);
        if (err == ERROR_SUCCESS && !ConvertStringSidToSidW(L"S-1-1-0", &everyone))
            err = GetLastError();
        if (err == ERROR_SUCCESS) {
            memset(&ea, 0, sizeof ea);
            ea.grfAccessPermissions = GENERIC_ALL;
            ea.grfAccessMode = GRANT_ACCESS;
            ea.Trustee.TrusteeForm = TRUSTEE_IS_SID;
            ea.Trustee.ptstrName = (LPWSTR)everyone;
            err = SetEntriesInAclW(1, &ea, dacl, &ndacl);
        }
        if (err == ERROR_SUCCESS)
            err = SetNamedSecurityInfoW(argv[2], SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL,
                                        NULL, ndacl, NULL);
        if (ndacl)
            LocalFree(ndacl);
        if (sd)
            LocalFree(sd);
        if (everyone)
            LocalFree(everyone);
        return err == ERROR_SUCCESS ? 0 : code_of(err);
    }
    if (wcscmp(argv[1], L"regwrite") == 0 && n == 3) {
        HKEY k = NULL;
        DWORD v = 1;
        LONG err = RegCreateKeyExW(HKEY_CURRENT_USER, argv[2], 0, NULL, 0, KEY_SET_VALUE, NULL,
                                   &k, NULL);
        if (err == ERROR_SUCCESS) {
            err = RegSetValueExW(k, L"written", 0, REG_DWORD, (const BYTE *)&v, sizeof v);
            RegCloseKey(k);
        }
        return err == ERROR_SUCCESS ? 0 : code_of((DWORD)err);
    }
    if (wcscmp(argv[1], L"postwin") == 0 && n == 3) {
        HWND w = FindWindowW(argv[2], NULL);
        if (!w)
            return 3;
        return PostMessageW(w, WM_USER + 7, 0, 0) ? 0 : code_of(GetLastError());
    }
    if (wcscmp(argv[1], L"opendesk") == 0 && n == 3) {
        HDESK d = OpenDesktopW(argv[2], 0, FALSE, DESKTOP_JOURNALPLAYBACK | DESKTOP_HOOKCONTROL);
        if (!d)
            return code_of(GetLastError());
        CloseDesktop(d);
        return 0;
    }
    if (wcscmp(argv[1], L"openwinsta") == 0 && n == 3) {
        HWINSTA w = OpenWindowStationW(argv[2], FALSE,
                                       WINSTA_CREATEDESKTOP | WINSTA_WRITEATTRIBUTES | WRITE_DAC);
        if (!w)
            return code_of(GetLastError());
        CloseWindowStation(w);
        return 0;
    }
    if (wcscmp(argv[1], L"sendinput") == 0 && n == 3) {
        struct sendinput_arg a;
        HANDLE t;
        a.desk = argv[2];
        a.rc = 2;
        t = CreateThread(NULL, 0, sendinput_thread, &a, 0, NULL);
        if (!t)
            return 2;
        WaitForSingleObject(t, INFINITE);
        CloseHandle(t);
        return a.rc;
    }
    if (wcscmp(argv[1], L"stealwrite") == 0 && n == 4) {
        HANDLE p = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)_wtoi(argv[2]));
        HANDLE t = NULL, f;
        DWORD err = ERROR_SUCCESS;
        if (!p)
            return code_of(GetLastError());
        if (!OpenProcessToken(p, TOKEN_DUPLICATE | TOKEN_QUERY | TOKEN_IMPERSONATE, &t) ||
            !ImpersonateLoggedOnUser(t))
            err = GetLastError();
        CloseHandle(p);
        if (t)
            CloseHandle(t);
        if (err != ERROR_SUCCESS)
            return code_of(err);
        f = CreateFileW(argv[3], GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
        err = f == INVALID_HANDLE_VALUE ? GetLastError() : ERROR_SUCCESS;
        if (f != INVALID_HANDLE_VALUE)
            CloseHandle(f);
        RevertToSelf();
        return err == ERROR_SUCCESS ? 0 : code_of(err);
    }
    if (wcscmp(argv[1], L"crash") == 0) {
        volatile int *p = NULL;
        return *p;
    }
    if (wcscmp(argv[1], L"exit") == 0 && n == 3)
        return _wtoi(argv[2]);
    if (wcscmp(argv[1], L"cat") == 0 && n == 2) {
        /* stdin to stdout until its end. */
        char buf[4096];
        DWORD got = 0, put = 0;
        HANDLE in = GetStdHandle(STD_INPUT_HANDLE), out = GetStdHandle(STD_OUTPUT_HANDLE);
        while (ReadFile(in, buf, sizeof buf, &got, NULL) && got)
            if (!WriteFile(out, buf, got, &put, NULL))
                return 1;
        return 0;
    }
    if (wcscmp(argv[1], L"zeros") == 0 && n == 3) {
        static char block[65536];
        unsigned long long left = _wcstoui64(argv[2], NULL, 10);
        HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
        while (left) {
            DWORD chunk = left < sizeof block ? (DWORD)left : (DWORD)sizeof block, put = 0;
            if (!WriteFile(out, block, chunk, &put, NULL) || put == 0)
                return 1;
            left -= put;
        }
        return 0;
    }
    return 100;
}
