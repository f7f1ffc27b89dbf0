/* Helpers shared by the Windows tests: where win-probe.exe is, private
 * temp directories, running a command with its stdout in a file. */
#ifndef CORDON_WINTEST_H
#define CORDON_WINTEST_H

#include "harness.h"
#include "elevated_windows_run.h"
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

/* What the runner confirms of the command's token before STARTED, for a
 * token built here exactly as a runner started by this user (the
 * same-user seam) builds it for a read-only run in |dir|: 0 when
 * cordon__win_token_verdict accepts it, -1 with the reason in |why|. Also
 * checks what the facts must say wherever they are read (Wine included):
 * the user, the logon SID, SeChangeNotifyPrivilege, AccessCheck's first
 * pass. */
static inline int seam_token_verdict(const char *dir, char *why, size_t n)
{
    cordon_policy *ro = NULL;
    struct cordon__host host;
    struct cordon__plan plan;
    struct cordon__ipc_spawn sp;
    struct cordon__plan_windows tp;
    struct cordon__win_token_facts tf;
    HANDLE tok = NULL;
    int verdict = -1;
    snprintf(why, n, "the token could not be built");
    memset(&sp, 0, sizeof sp);
    memset(&tp, 0, sizeof tp);
    CHECK(cordon_policy_builtin("read-only", &ro) == CORDON_OK);
    CHECK(cordon__os_host(&host) == CORDON_OK);
    CHECK_MSG(cordon__plan_compile(ro, dir, &host, &plan) == CORDON_OK, "%s", cordon_last_error());
    CHECK(cordon__win_runner_request_sids(&plan, &sp) == CORDON_OK);
    CHECK(cordon__win_runner_token_plan(&sp, cordon__win_user_sid(), &tp) == CORDON_OK);
    CHECK_MSG(cordon__win_restricted_token(&tp, &tok) == CORDON_OK, "%s", cordon_last_error());
    if (tok) {
        cordon__win_token_facts(tok, tp.restricting_sids.v[0], &tf);
        CHECK_MSG(!tf.error[0], "%s", tf.error);
        CHECK_STR(tf.user, cordon__win_user_sid());
        CHECK_MSG(strncmp(tf.logon, "S-1-5-5-", 8) == 0, "logon SID %s", tf.logon);
        CHECK(cordon__strv_contains(&tf.privileges, "SeChangeNotifyPrivilege"));
        CHECK(tf.user_only_read && tf.both_write);
        CHECK(tf.integrity_rid >= 0x1000);
        verdict = cordon__win_token_verdict(&tf, &tp, cordon__win_user_sid(), why, n);
        cordon__win_token_facts_free(&tf);
        CloseHandle(tok);
    }
    cordon__strv_free(&sp.sids);
    cordon__plan_windows_free(&tp);
    cordon__plan_free(&plan);
    cordon_policy_free(ro);
    return verdict;
}

#endif
