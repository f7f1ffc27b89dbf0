/* cordon-setup.exe for real, on real Windows as an administrator (the
 * Windows CI runner): install (with this build's runner), a second install that changes
 * nothing but the passwords, verify, status --json, the probe ready
 * (windows-elevated chosen, network enforced), the firewall
 * rules read back scoped to the offline SID, then uninstall twice and
 * nothing left: no account, group, rule, file, directory or registry
 * value. Skips under Wine (accounts and the firewall are fakes there),
 * when not elevated, and where setup is already installed.
 * In between, commands run through the installed runner as each sandbox
 * user (CreateProcessWithLogonW with the stored credentials): whoami, and
 * TCP and UDP to a listener on the host's own non-loopback address and on
 * loopback: refused for CordonSandboxOffline, allowed for
 * CordonSandboxOnline, with the test's own connection as the control;
 * and reads: a file in a directory of the caller's profile, which the
 * read grants (applied in the background, waited for through status)
 * open to the sandbox users, and a file in ~\.ssh, which they must not
 * read (the test reads both first, as the control). After uninstall no
 * ACE of the sandbox group is left on the profile or that directory, and
 * a second uninstall finds no WFP filter. Direct DNS (TCP and UDP to
 * port 53 of the host's own address) and an ICMP echo are refused for
 * the offline user and get through for the online one.
 * The refresh task: registered with its security descriptor, read back
 * as core plans it; with the offline user's password changed behind
 * cordon's back (the stored one then fails to log on: the control), a
 * `cordon run` from a token whose Administrators group is deny-only (an
 * allowed user without elevation) recovers by running the task and
 * reaches the sandbox user; no task is left after uninstall.
 *   argv[1]: cordon-setup.exe   argv[2]: cordon-runner.exe   argv[3]: win-sbxprobe.exe */

#include <winsock2.h>
#include <ws2tcpip.h>
#include <ntsecapi.h>
#include <tlhelp32.h>
#include <aclapi.h>
#include <bcrypt.h>
#include <lm.h>

#include "elevated_win.h"
#include "ipc.h"
#include "wintest.h"

static char *setup_exe, *runner_exe, *sbx_exe;
/* A file the read grants open to the sandbox users, and one in ~\.ssh. */
static char *granted_dir, *granted_file, *ssh_dir, *secret_file;
static int made_ssh_dir;

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

/* Runs |argv| through the installed runner as |account|; stdout into
 * |out| (up to n bytes). Returns the exit code, -1 when it did not run. */
static int run_as(const struct cordon__win_elevated_paths *p, const char *account, const char *sid,
                  const char *const *argv, const char *cwd, char *out, size_t n)
{
    char *cred = cordon__win_cred_file(p, cordon__win_user_sid(), account), *pw = NULL;
    char *file = cordon__asprintf("%s\\out-%lu.txt", cwd, (unsigned long)GetTickCount());
    struct cordon__win_runner_conn *c = NULL;
    struct cordon__ipc_msg m;
    cordon_policy *ro = NULL;
    struct cordon__host host;
    struct cordon__plan plan;
    struct cordon__strv env = {0};
    const char *envp[2] = {NULL, NULL};
    int code = -1, timed_out = 0;
    wchar_t *wf = cordon__win_wide(file);
    HANDLE h = CreateFileW(wf, GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_ALWAYS, 0, NULL);
    void *io[3] = {NULL, h, h};
    out[0] = '\0';
    CHECK_MSG(cordon__win_cred_read(cred, account, &pw) == CORDON_OK, "%s", cordon_last_error());
    CHECK(cordon_policy_builtin("read-only", &ro) == CORDON_OK);
    CHECK(cordon__os_host(&host) == CORDON_OK);
    CHECK_MSG(cordon__plan_compile(ro, cwd, &host, &plan) == CORDON_OK, "%s", cordon_last_error());
    envp[0] = "SystemRoot=C:\\Windows";
    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_SPAWN;
    CHECK(cordon__win_runner_request(&plan, argv, envp, cwd, &m.spawn) == CORDON_OK);
    CHECK(cordon__win_runner_request_sids(&plan, &m.spawn) == CORDON_OK);
    if (pw && cordon__win_runner_start(p->runner, account, pw, sid, &c) == CORDON_OK) {
        if (cordon__win_runner_run(c, &m.spawn, io, 30000, &code, &timed_out) != CORDON_OK)
            printf("as %s: %s\n", account, cordon_last_error());
        cordon__win_runner_close(c);
    } else {
        printf("as %s: %s\n", account, cordon_last_error());
    }
    CloseHandle(h);
    {
        char *text = slurp(file);
        snprintf(out, n, "%s", text ? text : "");
        free(text);
    }
    printf("as %s: %s %s -> %d: %s\n", account, argv[1], argv[2] ? argv[2] : "", code, out);
    DeleteFileW(wf);
    cordon__ipc_msg_free(&m);
    cordon__plan_free(&plan);
    cordon_policy_free(ro);
    cordon__strv_free(&env);
    cordon__win_password_free(pw);
    free(wf);
    free(file);
    free(cred);
    return code;
}

/* A listener of |type| on |addr|, port |want| (0: chosen by the system). */
static SOCKET listener_on(int type, const char *addr, unsigned want, char port[8])
{
    struct sockaddr_in sin;
    int len = sizeof sin;
    SOCKET s = socket(AF_INET, type, 0);
    DWORD tmo = 3000;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((u_short)want);
    inet_pton(AF_INET, addr, &sin.sin_addr);
    if (s == INVALID_SOCKET || bind(s, (struct sockaddr *)&sin, sizeof sin) != 0 ||
        (type == SOCK_STREAM && listen(s, 16) != 0) ||
        getsockname(s, (struct sockaddr *)&sin, &len) != 0)
        return INVALID_SOCKET;
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&tmo, sizeof tmo);
    snprintf(port, 8, "%u", (unsigned)ntohs(sin.sin_port));
    return s;
}

static SOCKET listener(int type, const char *addr, char port[8])
{
    return listener_on(type, addr, 0, port);
}

/* 1 when the UDP listener |s| receives a datagram within 3 s. */
static int heard(SOCKET s)
{
    char buf[64];
    return recv(s, buf, sizeof buf, 0) > 0;
}

/* The positive control: this process, outside any sandbox, reaches both
 * listeners. */
static int self_reaches(const char *addr, const char *tport, const char *uport, SOCKET ul)
{
    struct sockaddr_in sin;
    SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
    int ok;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    inet_pton(AF_INET, addr, &sin.sin_addr);
    sin.sin_port = htons((u_short)atoi(tport));
    ok = s != INVALID_SOCKET && connect(s, (struct sockaddr *)&sin, sizeof sin) == 0;
    if (s != INVALID_SOCKET)
        closesocket(s);
    s = socket(AF_INET, SOCK_DGRAM, 0);
    sin.sin_port = htons((u_short)atoi(uport));
    ok = ok && s != INVALID_SOCKET &&
         sendto(s, "control", 7, 0, (struct sockaddr *)&sin, sizeof sin) == 7 && heard(ul);
    if (s != INVALID_SOCKET)
        closesocket(s);
    return ok;
}

/* The host's first non-loopback IPv4 address, or "" . */
static void host_address(char out[64])
{
    char name[256];
    struct addrinfo hints, *ai = NULL, *a;
    out[0] = '\0';
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    if (gethostname(name, sizeof name) != 0 || getaddrinfo(name, NULL, &hints, &ai) != 0)
        return;
    for (a = ai; a && !out[0]; a = a->ai_next) {
        char text[64];
        inet_ntop(AF_INET, &((struct sockaddr_in *)a->ai_addr)->sin_addr, text, sizeof text);
        if (strncmp(text, "127.", 4) != 0)
            snprintf(out, 64, "%s", text);
    }
    freeaddrinfo(ai);
}

/* As each sandbox user: who it is, and the network it gets. */
/* The probe's ICMP echo run by this test itself, outside any sandbox:
 * its exit code. */
static int run_unsandboxed_icmp(const char *exe, const char *addr)
{
    char *cmd = cordon__asprintf("\"%s\" icmp %s", exe, addr);
    wchar_t *w = cmd ? cordon__win_wide(cmd) : NULL;
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = 2;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (w && CreateProcessW(NULL, w, NULL, NULL, FALSE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi)) {
        WaitForSingleObject(pi.hProcess, 10000);
        GetExitCodeProcess(pi.hProcess, &code);
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
    }
    free(w);
    free(cmd);
    return (int)code;
}

static void sandboxed(const struct cordon__win_elevated_paths *p, const struct cordon__marker *mk)
{
    char dir[MAX_PATH], *exe, out[512], hostaddr[64], tport[8], uport[8], lport[8];
    wchar_t *wsrc, *wdst, *wdir;
    SOCKET tl, ul, ll;
    WSADATA wsa;
    int online;
    /* The probe where the sandbox users may read and run it. */
    snprintf(dir, sizeof dir, "C:\\ProgramData\\cordon-test-sbx-%lu", (unsigned long)GetCurrentProcessId());
    exe = join(dir, "win-sbxprobe.exe");
    wdir = cordon__win_wide(dir);
    wsrc = cordon__win_wide(sbx_exe);
    wdst = cordon__win_wide(exe);
    CreateDirectoryW(wdir, NULL);
    CHECK(CopyFileW(wsrc, wdst, FALSE));
    WSAStartup(MAKEWORD(2, 2), &wsa);
    host_address(hostaddr);
    for (online = 0; online <= 1; online++) {
        const char *acct = online ? mk->online.name : mk->offline.name;
        const char *sid = online ? mk->online.id : mk->offline.id;
        const char *who[] = {exe, "whoami", NULL};
        CHECK(run_as(p, acct, sid, who, dir, out, sizeof out) == 0);
        CHECK_MSG(cordon__streq_nocase(strtok(out, "\r\n") ? out : "", acct), "whoami: %s", out);
        {
            /* The runner's window station is cordon's, not this
             * process's: the command can open neither this process's
             * window station nor its desktop for input or hooks, nor
             * WinSta0\Default, nor a "Default" on its own station. The
             * control: this process (the real user) opens the same with
             * the same rights. */
            wchar_t wsn[256], dkn[256];
            DWORD n = 0;
            HWINSTA hw;
            HDESK hd;
            char *ws8, *dk8;
            CHECK(GetUserObjectInformationW(GetProcessWindowStation(), UOI_NAME, wsn, sizeof wsn,
                                            &n));
            CHECK(GetUserObjectInformationW(GetThreadDesktop(GetCurrentThreadId()), UOI_NAME, dkn,
                                            sizeof dkn, &n));
            ws8 = cordon__win_utf8(wsn);
            dk8 = cordon__win_utf8(dkn);
            hw = OpenWindowStationW(wsn, FALSE, MAXIMUM_ALLOWED);
            hd = OpenDesktopW(dkn, 0, FALSE,
                              DESKTOP_READOBJECTS | DESKTOP_WRITEOBJECTS |
                                  DESKTOP_JOURNALPLAYBACK | DESKTOP_HOOKCONTROL);
            CHECK_MSG(hw && hd, "the control: the real user cannot open %s\\%s itself",
                      ws8 ? ws8 : "?", dk8 ? dk8 : "?");
            if (hd)
                CloseDesktop(hd);
            if (hw)
                CloseWindowStation(hw);
            {
                const char *w[] = {exe, "winsta", NULL};
                const char *mine[] = {exe, "opendesk", ws8, dk8, NULL};
                const char *ws0[] = {exe, "opendesk", "WinSta0", "Default", NULL};
                const char *own[] = {exe, "opendesk", "-", "Default", NULL};
                CHECK(run_as(p, acct, sid, w, dir, out, sizeof out) == 0);
                printf("as %s: window station\\desktop %s (this process: %s\\%s)\n", acct, out,
                       ws8 ? ws8 : "?", dk8 ? dk8 : "?");
                {
                    char *cut = strchr(out, '\\');
                    if (cut)
                        *cut = '\0';
                    CHECK_MSG(cut && ws8 && !cordon__streq_nocase(out, ws8),
                              "the command runs on the caller's window station: %s", out);
                }
                CHECK_MSG(run_as(p, acct, sid, mine, dir, out, sizeof out) == 1,
                          "%s opens the caller's %s\\%s", acct, ws8, dk8);
                CHECK_MSG(run_as(p, acct, sid, ws0, dir, out, sizeof out) == 1,
                          "%s opens WinSta0\\Default", acct);
                CHECK_MSG(run_as(p, acct, sid, own, dir, out, sizeof out) != 0,
                          "%s opens a Default desktop on its own window station", acct);
            }
            free(ws8);
            free(dk8);
        }
        {
            /* What the command's own token holds, read from inside: the
             * runner's check let it start, and this is what that check
             * confirmed (restricted, not elevated, medium integrity, no
             * Administrators for access, only SeChangeNotifyPrivilege). */
            const char *tk[] = {exe, "token", NULL};
            CHECK(run_as(p, acct, sid, tk, dir, out, sizeof out) == 0);
            CHECK_MSG(strcmp(strtok(out, "\r\n") ? out : "",
                             "restricted=1 elevated=0 integrity=0x2000 admins=0 "
                             "privileges=SeChangeNotifyPrivilege") == 0,
                      "the command's token as %s: %s", acct, out);
        }
        /* Loopback: blocked for the offline user (no port allowed). */
        ll = listener(SOCK_STREAM, "127.0.0.1", lport);
        if (ll != INVALID_SOCKET) {
            const char *a[] = {exe, "tcp", "127.0.0.1", lport, NULL};
            int rc = run_as(p, acct, sid, a, dir, out, sizeof out);
            CHECK_MSG(online ? rc == 0 : rc == 1, "loopback TCP as %s: %d", acct, rc);
            closesocket(ll);
        }
        {
            /* Reads: the granted file (the control that the runner as
             * this user reads at all), then the secret. */
            const char *g[] = {exe, "read", granted_file, NULL};
            const char *s[] = {exe, "read", secret_file, NULL};
            char *mine = slurp(secret_file);
            CHECK_MSG(mine && mine[0], "the test cannot read %s itself", secret_file);
            free(mine);
            CHECK_MSG(run_as(p, acct, sid, g, dir, out, sizeof out) == 0,
                      "%s cannot read %s after the read grants", acct, granted_file);
            CHECK_MSG(run_as(p, acct, sid, s, dir, out, sizeof out) == 1,
                      "%s reads %s (a secret in ~\\.ssh)", acct, secret_file);
        }
        if (!hostaddr[0]) {
            printf("no non-loopback IPv4 address here: the other-address checks did not run\n");
            continue;
        }
        tl = listener(SOCK_STREAM, hostaddr, tport);
        ul = listener(SOCK_DGRAM, hostaddr, uport);
        if (tl == INVALID_SOCKET || ul == INVALID_SOCKET) {
            CHECK_MSG(0, "cannot listen on %s", hostaddr);
        } else if (!self_reaches(hostaddr, tport, uport, ul)) {
            printf("SKIP part: this test itself cannot reach its listeners on %s (a host "
                   "firewall rule?): the other-address checks did not run\n", hostaddr);
        } else {
            const char *t[] = {exe, "tcp", hostaddr, tport, NULL};
            const char *u[] = {exe, "udp", hostaddr, uport, NULL};
            int rc = run_as(p, acct, sid, t, dir, out, sizeof out);
            CHECK_MSG(online ? rc == 0 : rc == 1, "TCP to %s as %s: %d", hostaddr, acct, rc);
            run_as(p, acct, sid, u, dir, out, sizeof out);
            CHECK_MSG(online ? heard(ul) : !heard(ul), "UDP to %s as %s: %s", hostaddr, acct,
                      online ? "not heard" : "heard");
        }
        if (tl != INVALID_SOCKET)
            closesocket(tl);
        if (ul != INVALID_SOCKET)
            closesocket(ul);
        /* Direct DNS: TCP and UDP to port 53 of the host's own address
         * (the firewall's any-protocol rule and the WFP filters both stop
         * it for the offline user; the online user is the control). */
        tl = listener_on(SOCK_STREAM, hostaddr, 53, tport);
        ul = listener_on(SOCK_DGRAM, hostaddr, 53, uport);
        if (tl == INVALID_SOCKET || ul == INVALID_SOCKET || !self_reaches(hostaddr, "53", "53", ul)) {
            printf("SKIP part: this test cannot listen on or reach port 53 of %s: the direct DNS "
                   "checks did not run\n", hostaddr);
        } else {
            const char *t[] = {exe, "tcp", hostaddr, "53", NULL};
            const char *u[] = {exe, "udp", hostaddr, "53", NULL};
            int rc = run_as(p, acct, sid, t, dir, out, sizeof out);
            CHECK_MSG(online ? rc == 0 : rc == 1, "DNS over TCP to %s:53 as %s: %d", hostaddr, acct,
                      rc);
            run_as(p, acct, sid, u, dir, out, sizeof out);
            CHECK_MSG(online ? heard(ul) : !heard(ul), "DNS over UDP to %s:53 as %s: %s", hostaddr,
                      acct, online ? "not heard" : "heard");
        }
        if (tl != INVALID_SOCKET)
            closesocket(tl);
        if (ul != INVALID_SOCKET)
            closesocket(ul);
        /* ICMP echo to the host's own address, answered for this test
         * first (the control). */
        {
            const char *ic[] = {exe, "icmp", hostaddr, NULL};
            if (run_unsandboxed_icmp(exe, hostaddr) != 0) {
                printf("SKIP part: this test gets no ICMP echo reply from %s: the ICMP check did "
                       "not run\n", hostaddr);
            } else {
                int rc = run_as(p, acct, sid, ic, dir, out, sizeof out);
                CHECK_MSG(online ? rc == 0 : rc == 1, "ICMP echo to %s as %s: %d", hostaddr, acct,
                          rc);
            }
        }
    }
    DeleteFileW(wdst);
    RemoveDirectoryW(wdir);
    free(wdir);
    free(wsrc);
    free(wdst);
    free(exe);
}

/* The number of logon sessions (LsaEnumerateLogonSessions), -1 unknown. */
static long logon_sessions(void)
{
    ULONG n = 0;
    PLUID list = NULL;
    if (LsaEnumerateLogonSessions(&n, &list) != 0)
        return -1;
    LsaFreeReturnBuffer(list);
    return (long)n;
}

/* LSASS's handle count, -1 when it cannot be read. */
static long lsass_handles(void)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    PROCESSENTRY32W pe;
    long n = -1;
    if (snap == INVALID_HANDLE_VALUE)
        return -1;
    pe.dwSize = sizeof pe;
    for (BOOL ok = Process32FirstW(snap, &pe); ok; ok = Process32NextW(snap, &pe)) {
        if (_wcsicmp(pe.szExeFile, L"lsass.exe") == 0) {
            HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pe.th32ProcessID);
            DWORD c = 0;
            if (h && GetProcessHandleCount(h, &c))
                n = (long)c;
            if (h)
                CloseHandle(h);
            break;
        }
    }
    CloseHandle(snap);
    return n;
}

/* Runs |cmdline| as this test (the real user, no sandbox) in |cwd|;
 * output into *out. The exit code, or -1 when it could not start. */
static int plain(const char *cmdline, const char *cwd, char **out)
{
    char *dir = make_temp_dir("plain-out"), *file = join(dir, "out.txt");
    wchar_t *wcmd = cordon__win_wide(cmdline), *wfile = cordon__win_wide(file);
    wchar_t *wcwd = cordon__win_wide(cwd);
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    HANDLE h = CreateFileW(wfile, GENERIC_WRITE, FILE_SHARE_READ, &sa, CREATE_ALWAYS, 0, NULL);
    DWORD code = (DWORD)-1;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = NULL;
    si.hStdOutput = si.hStdError = h;
    if (CreateProcessW(NULL, wcmd, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, wcwd, &si, &pi)) {
        WaitForSingleObject(pi.hProcess, 60000);
        GetExitCodeProcess(pi.hProcess, &code);
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
    }
    CloseHandle(h);
    *out = slurp(file);
    if (!*out)
        *out = cordon__strdup("");
    remove_dir_tree(dir);
    free(wcmd);
    free(wfile);
    free(wcwd);
    free(file);
    free(dir);
    return (int)code;
}

/* The whole `cordon run` through the installed setup, as the offline
 * user: the identity, a write in the root and one outside it, 200
 * commands without logon-session or LSASS-handle growth, files the
 * sandbox made usable by the real user, and git without "dubious
 * ownership". */
static void whole_run(void)
{
    char *root = make_temp_dir("elev-root"), *outside = make_temp_dir("elev-outside");
    char *outfile = join(outside, "whoami.txt"), *in_root = join(root, "made.txt");
    char *out_path = join(outside, "refused.txt"), *text = NULL, *cmd;
    cordon_policy *ws = NULL;
    cordon_run_result res;
    int code = -1, i, git;
    long s0, s1, h0, h1;

    CHECK(cordon_policy_builtin("workspace-write", &ws) == CORDON_OK);
    /* git as the real user first: the repository is the user's. */
    git = plain("git init -q", root, &text);
    free(text);
    {
        const char *a[] = {"cmd.exe", "/c", "whoami", NULL};
        CHECK_MSG(run_to_file(ws, a, root, outfile, &code, &res) == CORDON_OK, "%s",
                  cordon_last_error());
        text = slurp(outfile);
        printf("whoami through cordon run: %s (backend %s)\n", text ? text : "",
               res.levels.backend);
        CHECK_STR(res.levels.backend, "windows-elevated");
        CHECK(text && strstr(_strlwr(text), "cordonsandboxoffline"));
        free(text);
    }
    {
        /* Inside the root: written. Outside: refused, where this test
         * itself (the control) writes. */
        char *w1 = cordon__asprintf("echo x> \"%s\"", in_root);
        char *w2 = cordon__asprintf("echo x> \"%s\"", out_path);
        const char *a1[] = {"cmd.exe", "/c", w1, NULL};
        const char *a2[] = {"cmd.exe", "/c", w2, NULL};
        CHECK(run_to_file(ws, a1, root, NULL, &code, NULL) == CORDON_OK && code == 0);
        CHECK(path_exists(in_root));
        CHECK(run_to_file(ws, a2, root, NULL, &code, NULL) == CORDON_OK);
        CHECK_MSG(code != 0 && !path_exists(out_path), "a write outside the roots: exit %d", code);
        cmd = cordon__asprintf("cmd.exe /c %s", w2);
        CHECK(plain(cmd, root, &text) == 0 && path_exists(out_path)); /* the control */
        free(text);
        free(cmd);
        free(w1);
        free(w2);
    }
    {
        /* The file the sandbox made: read, written, its DACL changed and
         * deleted by the real user. */
        wchar_t *w = cordon__win_wide(in_root);
        HANDLE h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
        DWORD put = 0;
        PACL acl = NULL;
        EXPLICIT_ACCESSW ea;
        PSID me = cordon__win_sid_from_string(cordon__win_user_sid());
        CHECK_MSG(h != INVALID_HANDLE_VALUE, "the real user opens the sandbox's file: error %lu",
                  GetLastError());
        if (h != INVALID_HANDLE_VALUE) {
            CHECK(WriteFile(h, "y", 1, &put, NULL) && put == 1);
            CloseHandle(h);
        }
        memset(&ea, 0, sizeof ea);
        ea.grfAccessPermissions = GENERIC_ALL;
        ea.grfAccessMode = SET_ACCESS;
        ea.Trustee.TrusteeForm = TRUSTEE_IS_SID;
        ea.Trustee.ptstrName = (LPWSTR)me;
        CHECK(SetEntriesInAclW(1, &ea, NULL, &acl) == ERROR_SUCCESS);
        CHECK_MSG(SetNamedSecurityInfoW(w, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL,
                                        acl, NULL) == ERROR_SUCCESS,
                  "the real user changes the sandbox file's ACL");
        if (git == 0) {
            CHECK(plain("git status --porcelain", root, &text) == 0);
            CHECK_MSG(!strstr(text, "dubious"), "git: %s", text);
            free(text);
        } else {
            printf("SKIP part: git is not on PATH here (exit %d), dubious ownership unchecked\n",
                   git);
        }
        CHECK(DeleteFileW(w));
        if (acl)
            LocalFree(acl);
        if (me)
            LocalFree(me);
        free(w);
    }
    {
        /* 200 commands: logon sessions and LSASS's handles stay where they
         * were (the field saw one session and 3-5 handles leak per
         * command). */
        const char *a[] = {"cmd.exe", "/c", "exit", "0", NULL};
        s0 = logon_sessions();
        h0 = lsass_handles();
        for (i = 0; i < 200; i++)
            if (run_to_file(ws, a, root, NULL, &code, NULL) != CORDON_OK || code != 0) {
                CHECK_MSG(0, "command %d: %s", i, cordon_last_error());
                break;
            }
        Sleep(2000);
        s1 = logon_sessions();
        h1 = lsass_handles();
        printf("200 commands: logon sessions %ld -> %ld, LSASS handles %ld -> %ld\n", s0, s1, h0,
               h1);
        CHECK(s0 >= 0 && s1 >= 0 && s1 - s0 <= 10);
        if (h0 >= 0 && h1 >= 0)
            CHECK(h1 - h0 <= 100);
    }
    /* The grants go with the root. */
    CHECK_MSG(cordon__os_grants_revoke(root) == CORDON_OK, "%s", cordon_last_error());
    cordon_policy_free(ws);
    remove_dir_tree(root);
    remove_dir_tree(outside);
    free(root);
    free(outside);
    free(outfile);
    free(in_root);
    free(out_path);
}

static void write_file(const char *path, const char *text)
{
    wchar_t *w = cordon__win_wide(path);
    HANDLE h = CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD put = 0;
    CHECK_MSG(h != INVALID_HANDLE_VALUE, "cannot write %s", path);
    if (h != INVALID_HANDLE_VALUE) {
        WriteFile(h, text, (DWORD)strlen(text), &put, NULL);
        CloseHandle(h);
    }
    free(w);
}

/* The fixtures in the caller's profile (cordon-test names, removed at
 * the end, also the .ssh directory when the test made it). */
static void fixtures(void)
{
    char *home = cordon__strdup(getenv("USERPROFILE") ? getenv("USERPROFILE") : "");
    char tag[64];
    wchar_t *w;
    CHECK(home && home[0]);
    snprintf(tag, sizeof tag, "cordon-test-grants-%lu", (unsigned long)GetCurrentProcessId());
    granted_dir = join(home, tag);
    granted_file = join(granted_dir, "readable.txt");
    ssh_dir = join(home, ".ssh");
    snprintf(tag, sizeof tag, "cordon-test-secret-%lu", (unsigned long)GetCurrentProcessId());
    secret_file = join(ssh_dir, tag);
    w = cordon__win_wide(granted_dir);
    CHECK(CreateDirectoryW(w, NULL));
    free(w);
    w = cordon__win_wide(ssh_dir);
    made_ssh_dir = CreateDirectoryW(w, NULL) != 0;
    free(w);
    write_file(granted_file, "cordon-test readable");
    write_file(secret_file, "cordon-test secret");
    free(home);
}

static void fixtures_free(void)
{
    wchar_t *w;
    if (!granted_dir)
        return;
    remove_dir_tree(granted_dir);
    w = cordon__win_wide(secret_file);
    DeleteFileW(w);
    free(w);
    if (made_ssh_dir) {
        w = cordon__win_wide(ssh_dir);
        RemoveDirectoryW(w);
        free(w);
    }
    free(granted_dir);
    free(granted_file);
    free(ssh_dir);
    free(secret_file);
}

/* Waits (at most 900 s: a CI runner's profile holds large toolchains,
 * each granted in one propagation) until status says the background
 * grants are done. */
static void grants_done(void)
{
    int i;
    for (i = 0; i < 900; i++) {
        char *out = NULL;
        int done;
        setup("status", &out);
        done = strstr(out, "done: ") != NULL && strstr(out, "run now") == NULL;
        free(out);
        if (done)
            return;
        Sleep(1000);
    }
    CHECK_MSG(0, "the background read grants did not finish within 900 s");
}

/* 1 when |path|'s DACL holds an ACE of |sid|. */
static int has_ace_of(const char *path, const char *sid)
{
    char owner[184], why[300];
    struct cordon__win_dacl_ace *aces = NULL;
    size_t n = 0, i;
    int present = 0, found = 0;
    if (cordon__win_read_sd(path, owner, &present, &aces, &n, why, sizeof why) != 0)
        return 0;
    for (i = 0; i < n; i++)
        found |= strcmp(aces[i].sid, sid) == 0;
    free(aces);
    return found;
}

/* The child of refreshed(), started as --child-refresh DIR OUT with a
 * token whose Administrators group is deny-only: `whoami` through cordon
 * (workspace-write in DIR) into OUT. 0 when it ran and exited 0. */
static int child_refresh(const char *dir, const char *out)
{
    BYTE ba[SECURITY_MAX_SID_SIZE];
    DWORD cb = sizeof ba;
    BOOL member = TRUE;
    cordon_policy *ws = NULL;
    cordon_run_result res;
    const char *a[] = {"cmd.exe", "/c", "whoami", NULL};
    int code = -1;
    if (!CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, ba, &cb) ||
        !CheckTokenMembership(NULL, ba, &member) || member) {
        fprintf(stderr, "child: still an administrator\n");
        return 90;
    }
    if (cordon_policy_builtin("workspace-write", &ws) != CORDON_OK)
        return 91;
    if (run_to_file(ws, a, dir, out, &code, &res) != CORDON_OK) {
        fprintf(stderr, "child: cordon run: %s\n", cordon_last_error());
        cordon_policy_free(ws);
        return 92;
    }
    cordon_policy_free(ws);
    return code == 0 ? 0 : 93;
}

/* Starts this program as child_refresh with this process's token, its
 * Administrators group made deny-only (CreateRestrictedToken: a
 * restricted version of the caller's own token needs no privilege to
 * start a process with). The exit status, -1 when it did not start. */
static int as_non_admin(const char *self, const char *dir, const char *out)
{
    HANDLE tok = NULL, rtok = NULL;
    BYTE ba[SECURITY_MAX_SID_SIZE];
    DWORD cb = sizeof ba, code = (DWORD)-1;
    SID_AND_ATTRIBUTES dis;
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    char *cmd = cordon__asprintf("\"%s\" --child-refresh \"%s\" \"%s\"", self, dir, out);
    wchar_t *w = cmd ? cordon__win_wide(cmd) : NULL;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (w && CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, ba, &cb)) {
        dis.Sid = ba;
        dis.Attributes = 0;
        if (OpenProcessToken(GetCurrentProcess(),
                             TOKEN_DUPLICATE | TOKEN_QUERY | TOKEN_ASSIGN_PRIMARY, &tok) &&
            CreateRestrictedToken(tok, 0, 1, &dis, 0, NULL, 0, NULL, &rtok) &&
            CreateProcessAsUserW(rtok, NULL, w, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
            WaitForSingleObject(pi.hProcess, 180000);
            GetExitCodeProcess(pi.hProcess, &code);
            CloseHandle(pi.hProcess);
            CloseHandle(pi.hThread);
        } else {
            printf("the non-administrator child did not start: error %lu\n",
                   (unsigned long)GetLastError());
        }
    }
    if (rtok)
        CloseHandle(rtok);
    if (tok)
        CloseHandle(tok);
    free(w);
    free(cmd);
    return (int)code;
}

/* The refresh task after install, and a stale password recovered through
 * it without elevation. */
static void refreshed(const struct cordon__win_elevated_paths *p, const char *self)
{
    struct cordon__win_refresh_task t;
    struct cordon__win_task_fact f;
    const char *me = cordon__win_user_sid();
    char why[400] = "", pw[CORDON__WIN_PASSWORD_LEN + 1], *stored = NULL, *file, *dir, *out, *text;
    unsigned char rnd[512];
    unsigned long code = 0;
    struct cordon__win_runner_conn *conn = NULL;
    USER_INFO_1003 u;
    wchar_t *wpw;

    CHECK(cordon__win_refresh_task_plan(p->runner_dir, &me, 1, &t) == CORDON_OK);
    CHECK(SUCCEEDED(cordon__win_refresh_task_read(&f)));
    CHECK_MSG(cordon__win_refresh_task_diff(&t, &me, 1, &f, why, sizeof why) == 0, "%s", why);
    printf("refresh task: runs %s %s as %s, %zu ACEs\n", f.program, f.arguments, f.principal_sid,
           f.n_aces);
    cordon__win_refresh_task_free(&t);

    /* The offline user's password changed behind cordon's back. */
    CHECK(BCryptGenRandom(NULL, rnd, sizeof rnd, BCRYPT_USE_SYSTEM_PREFERRED_RNG) == 0);
    CHECK(cordon__win_password(rnd, sizeof rnd, pw) == 0);
    wpw = cordon__win_wide(pw);
    u.usri1003_password = wpw;
    CHECK(NetUserSetInfo(NULL, L"" CORDON__WIN_OFFLINE_USER, 1003, (LPBYTE)&u, NULL) ==
          NERR_Success);
    SecureZeroMemory(wpw, wcslen(wpw) * sizeof *wpw);
    SecureZeroMemory(pw, sizeof pw);
    free(wpw);
    /* The control: the stored password no longer logs on. */
    file = cordon__win_cred_file(p, me, CORDON__WIN_OFFLINE_USER);
    CHECK(file && cordon__win_cred_read(file, CORDON__WIN_OFFLINE_USER, &stored) == CORDON_OK);
    if (stored) {
        if (cordon__win_runner_start_ex(p->runner, CORDON__WIN_OFFLINE_USER, stored, NULL, NULL, &conn,
                                        &code) == CORDON_OK)
            cordon__win_runner_close(conn);
        CHECK_MSG(code == 1326, "the stale password: logon error %lu, not 1326", code);
        cordon__win_password_free(stored);
    }
    free(file);
    /* Recovered by a run of an allowed user without elevation. */
    dir = make_temp_dir("refresh-root");
    out = join(dir, "whoami.txt");
    CHECK_MSG(as_non_admin(self, dir, out) == 0, "the non-administrator cordon run failed");
    text = slurp(out);
    printf("whoami after the refresh task: %s\n", text ? text : "");
    CHECK(text && strstr(_strlwr(text), "cordonsandboxoffline"));
    free(text);
    free(out);
    remove_dir_tree(dir);
    free(dir);
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
    char *out = NULL, *dir, sandbox_sid[184] = "";
    char *args;
    cordon_policy *ro = NULL;
    cordon_levels lv;
    int enabled[3], state;

    if (argc == 4 && strcmp(argv[1], "--child-refresh") == 0)
        return child_refresh(argv[2], argv[3]);
    if (cordon__win_is_wine())
        SKIP("under Wine: accounts, logon and the firewall are fakes (the live setup runs on "
             "real Windows only)");
    if (argc < 4)
        SKIP("usage: win_setup_live CORDON-SETUP.EXE CORDON-RUNNER.EXE WIN-SBXPROBE.EXE");
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
    sbx_exe = argv[3];
    CHECK(cordon__win_elevated_paths(&p) == CORDON_OK);
    if (path_exists(p.marker) || account_there(CORDON__WIN_OFFLINE_USER, SidTypeUser))
        SKIP("cordon-setup is installed on this machine already; not touching it");

    fixtures();
    /* Install, then again: idempotent. */
    args = cordon__asprintf("install --runner \"%s\"", runner_exe);
    CHECK(setup(args, &out) == 0);
    CHECK_CONTAINS(out, "[16/16] the marker ... ok");
    CHECK_CONTAINS(out, "[4/16] user CordonSandboxOffline ... ok: created");
    CHECK_CONTAINS(out, "[11/16] refresh task ... ok: \\cordon\\refresh-credentials registered, "
                        "read back; cordon-setup.exe installed");
    free(out);
    CHECK(setup(args, &out) == 0);
    CHECK_CONTAINS(out, "[3/16] group CordonSandboxUsers ... ok: already there");
    CHECK_CONTAINS(out, "[4/16] user CordonSandboxOffline ... ok: already there, new password");
    CHECK_CONTAINS(out, "[10/16] the runner ... ok: already installed");
    CHECK_CONTAINS(out, "[11/16] refresh task ... ok: \\cordon\\refresh-credentials already there");
    CHECK_CONTAINS(out, "[13/16] firewall rules ... ok: already there, read back");
    free(out);
    free(args);
    grants_done();
    CHECK(setup("verify", &out) == 0);
    free(out);
    CHECK(setup("status", &out) == 0);
    CHECK_CONTAINS(out, "ok: WFP filters: 10 filters");
    CHECK_CONTAINS(out, "ok: read grants: ");
    free(out);
    CHECK(setup("status --json", &out) == 0);
    CHECK_CONTAINS(out, "\"installed\":true");
    CHECK_CONTAINS(out, "\"ready\":true");
    free(out);

    /* The probe: every check passes. */
    pf = cordon__xcalloc(1, sizeof *pf);
    cordon__win_elevated_facts(NULL, pf);
    CHECK_MSG(pf->f.marker != NULL, "%s", pf->f.marker_error);
    CHECK(pf->f.caller_allowed);
    CHECK(pf->w.offline_cred.decrypts && pf->w.online_cred.decrypts);
    CHECK_MSG(!pf->w.fw_error[0], "%s", pf->w.fw_error);
    if (pf->f.marker) {
        /* Setup recorded the protocol the installed runner names. */
        CHECK_MSG(pf->f.marker->version == CORDON__MARKER_VERSION &&
                      pf->f.marker->runner_protocol == CORDON__IPC_VERSION,
                  "marker version %d, runner protocol %d", pf->f.marker->version,
                  pf->f.marker->runner_protocol);
        snprintf(sandbox_sid, sizeof sandbox_sid, "%s", pf->f.marker->sandbox_group.id);
        CHECK(has_ace_of(granted_dir, sandbox_sid));
        sandboxed(&p, pf->f.marker);
    }
    cordon__win_probe_facts_free(pf);
    free(pf);
    dir = make_temp_dir("setup-live");
    CHECK(cordon_policy_builtin("read-only", &ro) == CORDON_OK);
    CHECK(cordon_level_query(ro, dir, &lv) == CORDON_OK);
    /* Every check passes: the tier is chosen, network enforced. */
    CHECK_MSG(strcmp(lv.backend, "windows-elevated") == 0, "%s: %s", lv.backend,
              lv.fallback_reason);
    CHECK(lv.level[CORDON_DIM_NETWORK] == CORDON_LEVEL_ENFORCED);
    /* For the log: secrets_read from the DACLs of the policy's deny_read
     * paths (a CI runner's own ~\.ssh may hold files with other ACLs). */
    printf("secrets_read: %s: %s\n", cordon_level_name(lv.level[CORDON_DIM_SECRETS_READ]),
           lv.reason[CORDON_DIM_SECRETS_READ]);
    whole_run();
    refreshed(&p, argv[0]);

    /* Uninstall twice: the second changes nothing. */
    CHECK(setup("uninstall", &out) == 0);
    CHECK_CONTAINS(out, "[1/13] the marker ... ok: removed");
    CHECK_CONTAINS(out, "[2/13] refresh task ... ok: removed");
    free(out);
    CHECK(setup("uninstall", &out) == 0);
    CHECK(strstr(out, "removed") == NULL);
    CHECK_CONTAINS(out, "[2/13] refresh task ... ok: not there");
    CHECK_CONTAINS(out, "[3/13] read grants ... ok: not there");
    CHECK_CONTAINS(out, "[5/13] WFP filters ... ok: not there");
    free(out);
    /* No ACE of the (deleted) sandbox group on the profile or below it. */
    if (sandbox_sid[0]) {
        CHECK_MSG(!has_ace_of(getenv("USERPROFILE"), sandbox_sid), "an ACE of %s is left on %s",
                  sandbox_sid, getenv("USERPROFILE"));
        CHECK_MSG(!has_ace_of(granted_dir, sandbox_sid), "an ACE of %s is left on %s",
                  sandbox_sid, granted_dir);
        CHECK_MSG(!has_ace_of(granted_file, sandbox_sid), "an ACE of %s is left on %s",
                  sandbox_sid, granted_file);
    }
    CHECK(setup("verify", &out) == 3);
    free(out);

    /* Nothing left. */
    CHECK(!path_exists(p.marker));
    CHECK(!path_exists(p.cred_base));
    CHECK(!path_exists(p.data_dir));
    CHECK(!path_exists(p.runner));
    CHECK(!path_exists(p.runner_dir));
    {
        struct cordon__win_task_fact f;
        CHECK(SUCCEEDED(cordon__win_refresh_task_read(&f)) && !f.found);
    }
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
    fixtures_free();
    cordon_policy_free(ro);
    cordon__win_elevated_paths_free(&p);
    TEST_MAIN_END();
}
