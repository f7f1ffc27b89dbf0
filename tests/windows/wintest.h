/* Helpers shared by the Windows tests: where win-probe.exe is, private
 * temp directories, running a command with its stdout in a file. */
#ifndef CORDON_WINTEST_H
#define CORDON_WINTEST_H

#include "harness.h"
#include "win.h"

/* The directory of this test program (UTF-8, static). */
static inline const char *test_dir(void)
{
    static char *dir;
    static wchar_t buf[32768];
    wchar_t *slash;
    if (dir)
        return dir;
    GetModuleFileNameW(NULL, buf, 32768);
    slash = wcsrchr(buf, L'\\');
    if (slash)
        *slash = L'\0';
    dir = cordon__win_utf8(buf);
    return dir;
}

static inline char *probe_exe(void)
{
    return cordon__asprintf("%s\\win-probe.exe", test_dir());
}

/* A new empty directory under the temp dir, canonical (caller frees). */
static inline char *make_temp_dir(const char *tag)
{
    static wchar_t base[32768];
    char *b, *path, *canon = NULL;
    struct cordon__host host;
    GetTempPathW(32768, base);
    b = cordon__win_utf8(base);
    path = cordon__asprintf("%scordon-test-%s-%lu-%lu", b, tag, (unsigned long)GetCurrentProcessId(),
                            (unsigned long)GetTickCount());
    free(b);
    {
        wchar_t *w = cordon__win_wide(path);
        CreateDirectoryW(w, NULL);
        free(w);
    }
    if (cordon__os_host(&host) == CORDON_OK && host.realpath(path, &canon) == CORDON_OK) {
        free(path);
        return canon;
    }
    return path;
}

static inline char *join(const char *a, const char *b)
{
    return cordon__asprintf("%s\\%s", a, b);
}

static inline int path_exists(const char *p)
{
    wchar_t *w = cordon__win_wide(p);
    DWORD a = GetFileAttributesW(w);
    free(w);
    return a != INVALID_FILE_ATTRIBUTES;
}

/* Best-effort removal of a test directory tree. */
static inline void remove_dir_tree(const char *dir)
{
    struct cordon__plan fake;
    memset(&fake, 0, sizeof fake);
    fake.private_tmp = 1;
    fake.tmp_dir = (char *)dir;
    cordon__win_remove_tmp(&fake);
}

/* Reads a whole small file (caller frees); "" when unreadable. */
static inline char *slurp(const char *path)
{
    wchar_t *w = cordon__win_wide(path);
    HANDLE h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                           OPEN_EXISTING, 0, NULL);
    char *buf = calloc(1, 65536);
    DWORD got = 0;
    free(w);
    if (h != INVALID_HANDLE_VALUE) {
        ReadFile(h, buf, 65535, &got, NULL);
        CloseHandle(h);
    }
    buf[got] = '\0';
    return buf;
}

/* Runs argv under |policy| in |cwd| with stdout into |out_file| (may be
 * NULL: inherited). Returns cordon_run's error; *exit_code the status. */
static inline cordon_error run_to_file(const cordon_policy *policy, const char *const *argv,
                                const char *cwd, const char *out_file, int *exit_code,
                                cordon_run_result *res_out)
{
    cordon_run_options o;
    cordon_run_result r;
    HANDLE h = INVALID_HANDLE_VALUE;
    cordon_error e;
    cordon_run_options_init(&o);
    o.argv = argv;
    o.cwd = cwd;
    o.timeout_s = 20;
    if (out_file) {
        wchar_t *w = cordon__win_wide(out_file);
        h = CreateFileW(w, GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_ALWAYS, 0, NULL);
        free(w);
        o.stdio[1] = (cordon_os_handle)h;
    }
    e = cordon_run(policy, &o, &r);
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    *exit_code = r.exit_code;
    if (res_out)
        *res_out = r;
    return e;
}

#endif
