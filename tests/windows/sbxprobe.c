/* What the elevated tier's live tests run as the sandbox users.
 *   win-sbxprobe whoami               print this process's user name
 *   win-sbxprobe tcp ADDRESS PORT     connect (3 s): exit 0 connected, 1 refused or
 *                                     blocked (the Winsock error on stderr), 2 other
 *   win-sbxprobe udp ADDRESS PORT     send one datagram "cordon-test": exit 0 sent,
 *                                     1 refused by the send, 2 other (whether it
 *                                     arrived is the listener's to tell)
 *   win-sbxprobe icmp ADDRESS         one ICMP echo (IcmpSendEcho, 3 s): exit 0 answered,
 *                                     1 no answer or refused, 2 other
 *   win-sbxprobe read PATH            read one byte: exit 0 read, 1 access denied (the
 *                                     error on stderr), 2 other
 *   win-sbxprobe winsta               print the name of its window station and desktop
 *   win-sbxprobe opendesk WINSTA DESK open window station WINSTA (MAXIMUM_ALLOWED; "-":
 *                                     its own), switch to it, and open its desktop DESK
 *                                     with what SendInput and hooks need: exit 0 opened,
 *                                     1 access denied (the step on stderr), 2 other
 *   win-sbxprobe token                print what this process's own token holds:
 *                                     "restricted=N elevated=N integrity=0xN admins=N
 *                                     privileges=A,B" (admins: CheckTokenMembership of
 *                                     Administrators, enabled only) */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <icmpapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int net(const char *proto, const char *addr, const char *port)
{
    struct addrinfo hints, *ai = NULL;
    SOCKET s;
    int udp = strcmp(proto, "udp") == 0, rc = 2;
    WSADATA wsa;
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
        return 2;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST;
    if (getaddrinfo(addr, port, &hints, &ai) != 0 || !ai)
        return 2;
    s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (s == INVALID_SOCKET) {
        fprintf(stderr, "socket: %d\n", WSAGetLastError());
        rc = 1;
    } else if (udp) {
        rc = sendto(s, "cordon-test", 11, 0, ai->ai_addr, (int)ai->ai_addrlen) == 11 ? 0 : 1;
        if (rc)
            fprintf(stderr, "sendto: %d\n", WSAGetLastError());
    } else {
        u_long nb = 1;
        fd_set w, e;
        struct timeval tv = {3, 0};
        ioctlsocket(s, FIONBIO, &nb);
        if (connect(s, ai->ai_addr, (int)ai->ai_addrlen) == 0) {
            rc = 0;
        } else if (WSAGetLastError() != WSAEWOULDBLOCK) {
            fprintf(stderr, "connect: %d\n", WSAGetLastError());
            rc = 1;
        } else {
            FD_ZERO(&w);
            FD_ZERO(&e);
            FD_SET(s, &w);
            FD_SET(s, &e);
            rc = select(0, NULL, &w, &e, &tv) == 1 && FD_ISSET(s, &w) ? 0 : 1;
            if (rc)
                fprintf(stderr, "connect: no connection within 3 s\n");
        }
    }
    if (s != INVALID_SOCKET)
        closesocket(s);
    freeaddrinfo(ai);
    return rc;
}

static int icmp(const char *addr)
{
    IN_ADDR a;
    HANDLE h;
    char reply[sizeof(ICMP_ECHO_REPLY) + 64];
    DWORD n;
    if (inet_pton(AF_INET, addr, &a) != 1)
        return 2;
    h = IcmpCreateFile();
    if (h == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "IcmpCreateFile: error %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    n = IcmpSendEcho(h, a.S_un.S_addr, "cordon-test", 11, NULL, reply, sizeof reply, 3000);
    if (n == 0)
        fprintf(stderr, "IcmpSendEcho: error %lu\n", (unsigned long)GetLastError());
    IcmpCloseHandle(h);
    return n > 0 && ((ICMP_ECHO_REPLY *)reply)->Status == IP_SUCCESS ? 0 : 1;
}

static int read_one(const char *path)
{
    HANDLE h = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    char c;
    DWORD got = 0;
    int rc;
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        fprintf(stderr, "CreateFileA: error %lu\n", (unsigned long)e);
        return e == ERROR_ACCESS_DENIED ? 1 : 2;
    }
    rc = ReadFile(h, &c, 1, &got, NULL) && got == 1 ? 0 : 2;
    CloseHandle(h);
    return rc;
}

static int opendesk(const char *ws, const char *desk)
{
    wchar_t wws[256], wdk[256];
    HDESK d;
    DWORD err;
    MultiByteToWideChar(CP_UTF8, 0, ws, -1, wws, 256);
    MultiByteToWideChar(CP_UTF8, 0, desk, -1, wdk, 256);
    if (strcmp(ws, "-") != 0) {
        HWINSTA h = OpenWindowStationW(wws, FALSE, MAXIMUM_ALLOWED);
        if (!h) {
            err = GetLastError();
            fprintf(stderr, "OpenWindowStationW(%s): error %lu\n", ws, (unsigned long)err);
            return err == ERROR_ACCESS_DENIED ? 1 : 2;
        }
        if (!SetProcessWindowStation(h)) {
            err = GetLastError();
            fprintf(stderr, "SetProcessWindowStation(%s): error %lu\n", ws, (unsigned long)err);
            return err == ERROR_ACCESS_DENIED ? 1 : 2;
        }
    }
    d = OpenDesktopW(wdk, 0, FALSE,
                     DESKTOP_READOBJECTS | DESKTOP_WRITEOBJECTS | DESKTOP_JOURNALPLAYBACK |
                         DESKTOP_HOOKCONTROL);
    if (!d) {
        err = GetLastError();
        fprintf(stderr, "OpenDesktopW(%s): error %lu\n", desk, (unsigned long)err);
        return err == ERROR_ACCESS_DENIED ? 1 : 2;
    }
    CloseDesktop(d);
    return 0;
}

static int token(void)
{
    HANDLE t = NULL;
    TOKEN_ELEVATION el;
    BYTE buf[4096];
    DWORD n = 0, i;
    BOOL admins = FALSE;
    BYTE sid[SECURITY_MAX_SID_SIZE];
    DWORD cb = sizeof sid;
    unsigned long il = 0;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &t))
        return 2;
    if (!GetTokenInformation(t, TokenElevation, &el, sizeof el, &n))
        return 2;
    if (GetTokenInformation(t, TokenIntegrityLevel, buf, sizeof buf, &n)) {
        TOKEN_MANDATORY_LABEL *l = (TOKEN_MANDATORY_LABEL *)buf;
        il = *GetSidSubAuthority(l->Label.Sid, *GetSidSubAuthorityCount(l->Label.Sid) - 1u);
    }
    if (!CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, sid, &cb) ||
        !CheckTokenMembership(NULL, sid, &admins))
        return 2;
    printf("restricted=%d elevated=%lu integrity=0x%lx admins=%d privileges=",
           IsTokenRestricted(t) ? 1 : 0, (unsigned long)el.TokenIsElevated, il, admins ? 1 : 0);
    if (GetTokenInformation(t, TokenPrivileges, buf, sizeof buf, &n)) {
        TOKEN_PRIVILEGES *p = (TOKEN_PRIVILEGES *)buf;
        for (i = 0; i < p->PrivilegeCount; i++) {
            char name[128];
            DWORD k = sizeof name;
            if (LookupPrivilegeNameA(NULL, &p->Privileges[i].Luid, name, &k))
                printf("%s%s", i ? "," : "", name);
        }
    }
    printf("\n");
    CloseHandle(t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "token") == 0)
        return token();
    if (argc == 2 && strcmp(argv[1], "whoami") == 0) {
        wchar_t name[256];
        DWORD n = 256;
        if (!GetUserNameW(name, &n))
            return 2;
        printf("%ls\n", name);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "icmp") == 0)
        return icmp(argv[2]);
    if (argc == 3 && strcmp(argv[1], "read") == 0)
        return read_one(argv[2]);
    if (argc == 2 && strcmp(argv[1], "winsta") == 0) {
        wchar_t ws[256], dk[256];
        DWORD n = 0;
        if (!GetUserObjectInformationW(GetProcessWindowStation(), UOI_NAME, ws, sizeof ws, &n) ||
            !GetUserObjectInformationW(GetThreadDesktop(GetCurrentThreadId()), UOI_NAME, dk,
                                       sizeof dk, &n))
            return 2;
        printf("%ls\\%ls\n", ws, dk);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "opendesk") == 0)
        return opendesk(argv[2], argv[3]);
    if (argc == 4 && (strcmp(argv[1], "tcp") == 0 || strcmp(argv[1], "udp") == 0))
        return net(argv[1], argv[2], argv[3]);
    fprintf(stderr, "usage: win-sbxprobe whoami | token | tcp ADDRESS PORT | udp ADDRESS PORT | icmp ADDRESS | read PATH\n");
    return 2;
}
