/* Host facts for plan compilation on Windows, and the small OS services
 * core asks for (current directory, environment, clock). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win.h"

#include <bcrypt.h>
#include <sddl.h>
#include <userenv.h>

#define SECRET_LEN 32

/* A GetEnvironmentVariableW value as UTF-8, or NULL when unset/empty. */
static char *env_utf8(const wchar_t *name)
{
    DWORD need = GetEnvironmentVariableW(name, NULL, 0), n;
    wchar_t *buf;
    char *out = NULL;
    if (need <= 1 || (buf = malloc((size_t)need * sizeof *buf)) == NULL)
        return NULL;
    n = GetEnvironmentVariableW(name, buf, need);
    if (n > 0 && n < need)
        out = cordon__win_utf8(buf);
    free(buf);
    return out;
}

static const wchar_t *strip_verbatim(const wchar_t *p, int *unc)
{
    *unc = 0;
    if (wcsncmp(p, L"\\\\?\\UNC\\", 8) == 0) {
        *unc = 1;
        return p + 8;
    }
    if (wcsncmp(p, L"\\\\?\\", 4) == 0)
        return p + 4;
    return p;
}

/* Resolves |path| to its final name (junctions and symlinks followed),
 * without the \\?\ prefix GetFinalPathNameByHandleW adds. */
static cordon_error os_realpath(const char *path, char **out)
{
    wchar_t *wpath = cordon__win_wide(path);
    wchar_t *buf = NULL;
    HANDLE h = INVALID_HANDLE_VALUE;
    cordon_error e = CORDON_OK;
    DWORD n;
    int unc;
    const wchar_t *p;

    if (!wpath) {
        e = cordon__fail(CORDON_ERR_PATH, "cannot resolve %s (not valid UTF-8)", path);
        goto done;
    }
    h = CreateFileW(wpath, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                    OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD err = GetLastError();
        /* Missing paths map to CORDON_ERR_PATH, as the host contract asks. */
        e = cordon__win_failf("CreateFileW", err, "cannot resolve %s", path);
        goto done;
    }
    n = GetFinalPathNameByHandleW(h, NULL, 0, VOLUME_NAME_DOS);
    if (n == 0) {
        e = cordon__win_failf("GetFinalPathNameByHandleW", GetLastError(), "cannot resolve %s",
                              path);
        goto done;
    }
    buf = malloc((n + 1) * sizeof *buf);
    if (!buf) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory resolving %s", path);
        goto done;
    }
    if (GetFinalPathNameByHandleW(h, buf, n + 1, VOLUME_NAME_DOS) == 0) {
        e = cordon__win_failf("GetFinalPathNameByHandleW", GetLastError(), "cannot resolve %s",
                              path);
        goto done;
    }
    p = strip_verbatim(buf, &unc);
    if (unc) {
        char *rest = cordon__win_utf8(p);
        *out = rest ? cordon__asprintf("\\\\%s", rest) : NULL;
        free(rest);
    } else {
        *out = cordon__win_utf8(p);
    }
    if (!*out)
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory resolving %s", path);
done:
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    free(buf);
    free(wpath);
    return e;
}

/* The reparse tag of |w| itself (not followed), 0 when unknown. */
static unsigned long reparse_tag(const wchar_t *w)
{
    FILE_ATTRIBUTE_TAG_INFO info;
    HANDLE h = CreateFileW(w, FILE_READ_ATTRIBUTES,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT,
                           NULL);
    unsigned long tag = 0;
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    if (GetFileInformationByHandleEx(h, FileAttributeTagInfo, &info, sizeof info))
        tag = info.ReparseTag;
    CloseHandle(h);
    return tag;
}

static enum cordon__path_kind os_path_kind(const char *path)
{
    wchar_t *w = cordon__win_wide(path);
    DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    /* Like lstat: a link is reported as itself, not as its target. Only
     * name surrogates are links; a OneDrive (Cloud Files) folder, a
     * deduplicated file and the like are what they look like. A tag that
     * cannot be read counts as a link (refused, not followed). */
    int link = a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_REPARSE_POINT) &&
               (reparse_tag(w) == 0 || cordon__win_reparse_is_link(reparse_tag(w)));
    free(w);
    if (a == INVALID_FILE_ATTRIBUTES)
        return CORDON__PATH_MISSING;
    if (link)
        return CORDON__PATH_OTHER;
    if (a & FILE_ATTRIBUTE_DIRECTORY)
        return CORDON__PATH_DIR;
    return CORDON__PATH_FILE;
}

static cordon_error os_read_text(const char *path, size_t max, char **out)
{
    wchar_t *w = cordon__win_wide(path);
    HANDLE h = INVALID_HANDLE_VALUE;
    char *buf = NULL;
    DWORD got = 0;
    cordon_error e = CORDON_OK;

    if (!w) {
        e = cordon__fail(CORDON_ERR_PATH, "cannot read %s (not valid UTF-8)", path);
        goto done;
    }
    if (max > 1024 * 1024)
        max = 1024 * 1024;
    h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                    OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        e = cordon__win_failf("CreateFileW", GetLastError(), "cannot read %s", path);
        goto done;
    }
    buf = malloc(max + 1);
    if (!buf) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory reading %s", path);
        goto done;
    }
    if (!ReadFile(h, buf, (DWORD)max, &got, NULL)) {
        e = cordon__win_failf("ReadFile", GetLastError(), "cannot read %s", path);
        goto done;
    }
    buf[got] = '\0';
    *out = buf;
    buf = NULL;
done:
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    free(buf);
    free(w);
    return e;
}

static int is_dir_w(const wchar_t *p)
{
    DWORD a = GetFileAttributesW(p);
    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

const char *cordon__win_user_sid(void)
{
    static char *sid;
    HANDLE tok = NULL;
    union {
        TOKEN_USER tu;
        unsigned char raw[512];
    } u;
    DWORD n = 0;
    wchar_t *ws = NULL;

    if (sid)
        return sid;
    if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok) &&
        GetTokenInformation(tok, TokenUser, &u, sizeof u, &n) &&
        ConvertSidToStringSidW(u.tu.User.Sid, &ws)) {
        sid = cordon__win_utf8(ws);
        LocalFree(ws);
    }
    if (tok)
        CloseHandle(tok);
    return sid;
}

cordon_error cordon__win_state_dir(char **out)
{
    static char *dir;
    wchar_t *w = NULL;
    char *base = NULL;
    cordon_error e = CORDON_OK;

    if (dir) {
        *out = cordon__strdup(dir);
        return *out ? CORDON_OK : cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    }
    base = env_utf8(L"LOCALAPPDATA");
    if (!base) {
        char *prof = env_utf8(L"USERPROFILE");
        base = prof ? cordon__asprintf("%s\\AppData\\Local", prof) : NULL;
        free(prof);
    }
    if (!base) {
        e = cordon__fail(CORDON_ERR_PATH, "cannot find the user's local application data "
                                          "directory (LOCALAPPDATA and USERPROFILE are unset)");
        goto done;
    }
    dir = cordon__asprintf("%s\\cordon", base);
    w = cordon__win_wide(dir);
    if (!dir || !w) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    if (!CreateDirectoryW(w, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
        e = cordon__win_failf("CreateDirectoryW", GetLastError(), "cannot create %s", dir);
        goto done;
    }
    *out = cordon__strdup(dir);
    if (!*out)
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
done:
    if (e != CORDON_OK) {
        free(dir);
        dir = NULL;
    }
    free(w);
    free(base);
    return e;
}

/* Opens the secret for reading. Another cordon of this user may be
 * writing it right now (it holds the file exclusively until the bytes
 * are flushed): a sharing violation is waited out, up to about 2 s. */
static HANDLE open_secret(const wchar_t *wpath)
{
    HANDLE h;
    int tries = 0;
    for (;;) {
        h = CreateFileW(wpath, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                        FILE_ATTRIBUTE_NORMAL, NULL);
        if (h != INVALID_HANDLE_VALUE || GetLastError() != ERROR_SHARING_VIOLATION ||
            ++tries > 200)
            return h;
        Sleep(10);
    }
}

/* The per-user secret that capability SIDs are derived from: 32 random
 * bytes in %LOCALAPPDATA%\cordon\secret, created with a protected DACL that
 * admits only this user. Stable SIDs per root mean ACLs never fill up with
 * one-off SIDs; secrecy means another user cannot predict them. */
static cordon_error load_secret(unsigned char out[SECRET_LEN])
{
    char *dir = NULL, *path = NULL, *sddl = NULL;
    wchar_t *wpath = NULL, *wsddl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    SECURITY_ATTRIBUTES sa;
    HANDLE h = INVALID_HANDLE_VALUE;
    const char *sid = cordon__win_user_sid();
    DWORD got = 0;
    cordon_error e;

    if ((e = cordon__win_state_dir(&dir)) != CORDON_OK)
        goto done;
    if (!sid) {
        e = cordon__win_fail("cannot read the user's SID", "GetTokenInformation", GetLastError());
        goto done;
    }
    path = cordon__asprintf("%s\\secret", dir);
    sddl = cordon__asprintf("D:P(A;;FA;;;%s)", sid);
    wpath = cordon__win_wide(path);
    wsddl = cordon__win_wide(sddl);
    if (!path || !sddl || !wpath || !wsddl) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    h = open_secret(wpath);
    if (h == INVALID_HANDLE_VALUE) {
        NTSTATUS st;
        DWORD put = 0;
        if (GetLastError() != ERROR_FILE_NOT_FOUND) {
            e = cordon__win_failf("CreateFileW", GetLastError(), "cannot read %s", path);
            goto done;
        }
        if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(wsddl, SDDL_REVISION_1, &sd,
                                                                  NULL)) {
            e = cordon__win_fail("cannot build the secret file's DACL",
                                 "ConvertStringSecurityDescriptorToSecurityDescriptorW",
                                 GetLastError());
            goto done;
        }
        st = BCryptGenRandom(NULL, out, SECRET_LEN, BCRYPT_USE_SYSTEM_PREFERRED_RNG);
        if (st != 0) {
            e = cordon__fail(CORDON_ERR_OS, "cannot generate the per-user secret "
                                            "(BCryptGenRandom: status 0x%08lx)",
                             (unsigned long)st);
            goto done;
        }
        sa.nLength = sizeof sa;
        sa.lpSecurityDescriptor = sd;
        sa.bInheritHandle = FALSE;
        h = CreateFileW(wpath, GENERIC_WRITE, 0, &sa, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
        if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_EXISTS) {
            /* Another cordon created it first: use that one. */
            h = open_secret(wpath);
            if (h == INVALID_HANDLE_VALUE) {
                e = cordon__win_failf("CreateFileW", GetLastError(), "cannot read %s", path);
                goto done;
            }
        } else if (h == INVALID_HANDLE_VALUE) {
            e = cordon__win_failf("CreateFileW", GetLastError(), "cannot create %s", path);
            goto done;
        } else {
            if (!WriteFile(h, out, SECRET_LEN, &put, NULL) || put != SECRET_LEN ||
                !FlushFileBuffers(h)) {
                e = cordon__win_failf("WriteFile", GetLastError(), "cannot write %s", path);
                goto done;
            }
            e = CORDON_OK;
            goto done;
        }
    }
    if (!ReadFile(h, out, SECRET_LEN, &got, NULL)) {
        e = cordon__win_failf("ReadFile", GetLastError(), "cannot read %s", path);
        goto done;
    }
    if (got != SECRET_LEN) {
        e = cordon__fail(CORDON_ERR_IO, "%s is truncated (%lu of %d bytes); delete it and run "
                                        "`cordon grants revoke --all` first",
                         path, (unsigned long)got, SECRET_LEN);
        goto done;
    }
    e = CORDON_OK;
done:
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    if (sd)
        LocalFree(sd);
    free(dir);
    free(path);
    free(sddl);
    free(wpath);
    free(wsddl);
    return e;
}

/* The directory of |module| (NULL: the program). */
static char *module_dir(HMODULE module)
{
    /* GetModuleFileNameW truncates silently (n == size): grow until the
     * name fits, up to the longest path Windows has. */
    DWORD size = 512, n;
    wchar_t *buf = NULL, *slash;
    char *out = NULL;
    for (;;) {
        wchar_t *grown = realloc(buf, (size_t)size * sizeof *buf);
        if (!grown)
            goto done;
        buf = grown;
        n = GetModuleFileNameW(module, buf, size);
        if (n == 0)
            goto done;
        if (n < size)
            break;
        if (size >= 32768)
            goto done;
        size *= 2;
    }
    slash = wcsrchr(buf, L'\\');
    if (!slash)
        goto done;
    *slash = L'\0';
    out = cordon__win_utf8(buf);
done:
    free(buf);
    return out;
}

static char *exe_dir(void)
{
    return module_dir(NULL);
}

/* The directory of the module this code is in: cordon.dll when a program
 * links the installed DLL (<prefix>\bin), else the program itself. */
static const char library_anchor = 0;

static char *library_dir(void)
{
    HMODULE self = NULL;
    /* The address of an object of this module (a function's address
     * would need a function-to-data pointer conversion, which ISO C does
     * not have and MSVC warns about, C4152). */
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                                GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                            (LPCWSTR)(const void *)&library_anchor, &self))
        return NULL;
    return module_dir(self);
}

static int file_exists_u8(const char *dir, const char *name)
{
    char *p = cordon__asprintf("%s\\%s", dir, name);
    wchar_t *w = cordon__win_wide(p);
    DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    free(p);
    free(w);
    return a != INVALID_FILE_ATTRIBUTES && !(a & FILE_ATTRIBUTE_DIRECTORY);
}

/* Copies the stubs into |dst| when missing or different in size. */
static int populate_shims(const char *src, const char *dst)
{
    static const char *const names[] = {"ssh.exe", "scp.exe"};
    size_t i;
    int ok = 1;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *s = cordon__asprintf("%s\\%s", src, names[i]);
        char *d = cordon__asprintf("%s\\%s", dst, names[i]);
        wchar_t *ws = cordon__win_wide(s), *wd = cordon__win_wide(d);
        WIN32_FILE_ATTRIBUTE_DATA as, ad;
        if (!ws || !wd || !GetFileAttributesExW(ws, GetFileExInfoStandard, &as)) {
            ok = 0;
        } else if (!GetFileAttributesExW(wd, GetFileExInfoStandard, &ad) ||
                   as.nFileSizeLow != ad.nFileSizeLow || as.nFileSizeHigh != ad.nFileSizeHigh ||
                   CompareFileTime(&as.ftLastWriteTime, &ad.ftLastWriteTime) > 0) {
            if (!CopyFileW(ws, wd, FALSE))
                ok = 0;
        }
        free(s);
        free(d);
        free(ws);
        free(wd);
    }
    return ok;
}

/* Where the ssh/scp stubs are: $CORDON_SHIM_DIR as given; otherwise the
 * per-user %LOCALAPPDATA%\cordon\shims, filled from the stubs shipped
 * beside cordon.dll (a program linking the installed DLL) or beside the
 * program (build tree: <build>\shims\bin next to <build>\cli;
 * install: <prefix>\libexec\cordon\shims next to <prefix>\bin). A fixed
 * per-user copy keeps PATH short and stable whatever runs cordon.
 * NULL when no stub can be found. */
static char *find_shim_dir(void)
{
    char *env = env_utf8(L"CORDON_SHIM_DIR");
    char *dirs[2] = {NULL, NULL}, *state = NULL, *dst = NULL, *result = NULL;
    /* "..\\..\\shims\\bin": multi-config build trees put cordon.exe one
     * level deeper (cli\\Debug\\cordon.exe). */
    const char *const rel[] = {"..\\shims\\bin", "..\\..\\shims\\bin", "shims\\bin",
                               "..\\libexec\\cordon\\shims", "shims"};
    wchar_t *wdst = NULL;
    size_t i, k;
    int found = 0;

    if (env)
        return env;
    dirs[0] = library_dir();
    dirs[1] = exe_dir();
    if (cordon__win_state_dir(&state) != CORDON_OK)
        goto done;
    dst = cordon__asprintf("%s\\shims", state);
    wdst = cordon__win_wide(dst);
    if (!dst || !wdst)
        goto done;
    if (!is_dir_w(wdst) && !CreateDirectoryW(wdst, NULL))
        goto done;
    for (k = 0; k < 2 && !found; k++) {
        for (i = 0; dirs[k] && i < sizeof rel / sizeof rel[0] && !found; i++) {
            char *src = cordon__asprintf("%s\\%s", dirs[k], rel[i]);
            found = src && file_exists_u8(src, "ssh.exe");
            if (found)
                populate_shims(src, dst);
            free(src);
        }
    }
    if (file_exists_u8(dst, "ssh.exe")) {
        result = dst;
        dst = NULL;
    }
done:
    free(dirs[0]);
    free(dirs[1]);
    free(state);
    free(dst);
    free(wdst);
    return result;
}

static const char *const *system_dirs(void)
{
    /* Granting write on any of these themselves would hand over the
     * machine or break every profile. Filled once from the environment. */
    static const wchar_t *const vars[] = {L"ProgramFiles", L"ProgramFiles(x86)", L"ProgramW6432",
                                          L"ProgramData", L"PUBLIC", L"ALLUSERSPROFILE"};
    static char *dirs[24];
    static int done_once;
    size_t n = 0, i;
    char *drive;

    if (done_once)
        return (const char *const *)dirs;
    drive = env_utf8(L"SystemDrive");
    if (!drive)
        drive = cordon__strdup("C:");
    if (drive) {
        dirs[n++] = cordon__asprintf("%s\\", drive);
        dirs[n++] = cordon__asprintf("%s\\Users", drive);
        free(drive);
    }
    dirs[n++] = cordon__win_dir_of(GetWindowsDirectoryW);
    dirs[n++] = cordon__win_dir_of(GetSystemDirectoryW);
    for (i = 0; i < sizeof vars / sizeof vars[0]; i++)
        dirs[n++] = env_utf8(vars[i]);
    /* Drop entries that failed to resolve, keeping the array dense. */
    {
        size_t r, w = 0;
        for (r = 0; r < n; r++)
            if (dirs[r])
                dirs[w++] = dirs[r];
        dirs[w] = NULL;
    }
    done_once = 1;
    return (const char *const *)dirs;
}

/* cordon's tool cache for this user: %LOCALAPPDATA%\cordon\tools (else
 * under the profile's AppData\Local), beside cordon's own state and
 * separate from every tool's own cache. Not created here. */
static char *cache_dir_of(const char *home)
{
    char *base = env_utf8(L"LOCALAPPDATA"), *dir;
    if (!base && home)
        base = cordon__asprintf("%s\\AppData\\Local", home);
    dir = base ? cordon__asprintf("%s\\cordon\\tools", base) : NULL;
    free(base);
    return dir;
}

/* Reads the host facts; the caller holds host_lock. */
static cordon_error host_locked(struct cordon__host *out)
{
    static char *home, *tmp_base, *shim_dir, *cache_dir;
    static int shim_looked;
    static unsigned char secret[SECRET_LEN];
    static int have_secret;
    /* Per thread: concurrent runs on other threads get their own ids. */
    static CORDON__THREAD_LOCAL char run_id[64];
    unsigned char rnd[6];

    memset(out, 0, sizeof *out);
    if (!home) {
        HANDLE tok = NULL;
        wchar_t *buf = NULL;
        DWORD n = 0;
        /* The first call says the size (ERROR_INSUFFICIENT_BUFFER). */
        if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok) &&
            !GetUserProfileDirectoryW(tok, NULL, &n) && n > 0 &&
            (buf = malloc((size_t)n * sizeof *buf)) != NULL &&
            GetUserProfileDirectoryW(tok, buf, &n))
            home = cordon__win_utf8(buf);
        free(buf);
        if (tok)
            CloseHandle(tok);
        if (!home)
            home = env_utf8(L"USERPROFILE");
        if (!home)
            return cordon__fail(CORDON_ERR_PATH, "cannot find the user's profile directory");
    }
    if (!tmp_base) {
        /* No fixed size: TMP may name a directory past MAX_PATH. The
         * first call returns the size needed, the NUL included. */
        DWORD need = GetTempPathW(0, NULL), n = 0;
        wchar_t *buf = need ? malloc(((size_t)need + 1) * sizeof *buf) : NULL;
        char *raw;
        if (buf)
            n = GetTempPathW(need + 1, buf);
        if (n == 0 || n > need) {
            DWORD err = GetLastError();
            free(buf);
            return cordon__win_fail("cannot find the temporary directory", "GetTempPathW", err);
        }
        raw = cordon__win_utf8(buf);
        free(buf);
        if (!raw)
            return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        /* Canonical, so the temp dir compares equal to resolved roots. */
        if (os_realpath(raw, &tmp_base) != CORDON_OK) {
            size_t len = strlen(raw);
            while (len > 3 && raw[len - 1] == '\\')
                raw[--len] = '\0';
            tmp_base = raw;
            raw = NULL;
        }
        free(raw);
    }
    if (!cache_dir)
        cache_dir = cache_dir_of(home);
    if (!shim_looked) {
        shim_dir = find_shim_dir();
        shim_looked = 1;
    }
    if (!have_secret) {
        cordon_error e = load_secret(secret);
        if (e != CORDON_OK)
            return e;
        have_secret = 1;
    }
    if (BCryptGenRandom(NULL, rnd, sizeof rnd, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
        return cordon__fail(CORDON_ERR_OS, "cannot name the run (BCryptGenRandom failed)");
    cordon__run_id_format(run_id, sizeof run_id, (unsigned long)GetCurrentProcessId(), rnd,
                          sizeof rnd);

    out->os = CORDON__OS_WINDOWS;
    out->home = home;
    out->system_dirs = system_dirs();
    out->tmp_base = tmp_base;
    out->shim_dir = shim_dir;
    out->run_id = run_id;
    out->cache_dir = cache_dir;
    out->user_sid = cordon__win_user_sid();
    out->user_secret = secret;
    out->user_secret_len = SECRET_LEN;
    out->realpath = os_realpath;
    out->path_kind = os_path_kind;
    out->read_text = os_read_text;
    return CORDON_OK;
}

/* The facts are cached in statics filled on first use: one thread at a
 * time. */
cordon_error cordon__os_host(struct cordon__host *out)
{
    static SRWLOCK host_lock = SRWLOCK_INIT;
    cordon_error e;
    AcquireSRWLockExclusive(&host_lock);
    e = host_locked(out);
    ReleaseSRWLockExclusive(&host_lock);
    return e;
}

cordon_error cordon__os_getcwd(char **out)
{
    wchar_t *buf = NULL;
    DWORD n = GetCurrentDirectoryW(0, NULL);
    cordon_error e = CORDON_OK;

    if (n == 0)
        return cordon__win_fail("cannot read the current directory", "GetCurrentDirectoryW",
                                GetLastError());
    buf = malloc((n + 1) * sizeof *buf);
    if (!buf)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    if (GetCurrentDirectoryW(n + 1, buf) == 0) {
        e = cordon__win_fail("cannot read the current directory", "GetCurrentDirectoryW",
                             GetLastError());
    } else {
        *out = cordon__win_utf8(buf);
        if (!*out)
            e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    }
    free(buf);
    return e;
}

cordon_error cordon__os_environ(struct cordon__strv *out)
{
    wchar_t *block = GetEnvironmentStringsW();
    const wchar_t *p;
    cordon_error e = CORDON_OK;

    if (!block)
        return cordon__win_fail("cannot read the environment", "GetEnvironmentStringsW",
                                GetLastError());
    for (p = block; *p; p += wcslen(p) + 1) {
        char *s;
        /* "=C:=C:\dir" entries are cmd.exe's per-drive directories, not
         * variables; the child starts in its own directory anyway. */
        if (*p == L'=')
            continue;
        s = cordon__win_utf8(p);
        if (!s) {
            e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory reading the environment");
            break;
        }
        if ((e = cordon__strv_push_owned(out, s)) != CORDON_OK)
            break;
    }
    FreeEnvironmentStringsW(block);
    return e;
}

int cordon__os_replan(void)
{
    return 0; /* nothing is assumed by the Windows probes */
}

double cordon__os_now(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER now;
    if (freq.QuadPart == 0)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    return (double)now.QuadPart / (double)freq.QuadPart;
}
