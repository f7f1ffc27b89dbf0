/* windows-elevated end to end through the backend's own prepare, spawn,
 * wait, kill, ended, pid and cleanup, with the same-user seam
 * (cordon__win_elevated_seam: the runner started as the caller with
 * CreateProcessW and --same-user; everything after the logon is real: the
 * pipes and their client check, the request with cordon's restricting
 * SIDs, the runner's token plan, its private desktop, the relay).
 *
 * What Wine fakes: no logon (the seam), ACLs are stored but not enforced
 * and WRITE_RESTRICTED tokens are not checked, so a write outside the
 * roots is not refused here (the real-Windows test in test_enforce.c
 * shows that); the grants are checked as records and as DACL writes.
 * Wine's tokens are fakes too, so the runner's check of the command's
 * token (restricting SIDs, write restriction, groups, elevation,
 * integrity, privileges) cannot pass here: the runner lets runs go on
 * only in the seam under Wine, and win_runner shows the check refusing
 * Wine's token; on Windows the seam is judged like any run.
 *   argv[1]: cordon-runner.exe */
#include "elevated_win.h"
#include "wintest.h"

extern const struct cordon_backend cordon__backend_windows_elevated;
#define BE cordon__backend_windows_elevated

/* Not cordon's form, not an account of this host: a stand-in for
 * CordonSandboxUsers. */
#define GROUP "S-1-5-21-1-2-3-4242"

static char *probe;

struct result {
    cordon_error spawn, wait;
    struct cordon__exit ex;
    char out[4096];
    DWORD ms;
};

/* Runs |argv| through the backend, stdin |in| (NULL: none), stdout and
 * stderr into a file, at most |timeout_ms|. */
static void run(const struct cordon__plan *plan, const char *dir, const char *const *argv,
                const char *in, unsigned long timeout_ms, struct result *r)
{
    char *file = join(dir, "out.txt");
    wchar_t *wf = cordon__win_wide(file);
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, FALSE};
    HANDLE h = CreateFileW(wf, GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_ALWAYS, 0, NULL);
    HANDLE rd = NULL, wr = NULL;
    struct cordon__spawn sp;
    struct cordon__proc *proc = NULL;
    DWORD t0 = GetTickCount();
    struct cordon__strv env = {0};
    const char **envp;
    size_t i;

    memset(r, 0, sizeof *r);
    CHECK(cordon__os_environ(&env) == CORDON_OK);
    envp = cordon__xcalloc(env.n + 1, sizeof *envp);
    for (i = 0; i < env.n; i++)
        envp[i] = env.v[i];
    memset(&sp, 0, sizeof sp);
    sp.argv = argv;
    sp.envp = envp;
    sp.cwd = dir;
    sp.stdio[0] = 0;
    if (in) {
        DWORD put;
        CHECK(CreatePipe(&rd, &wr, &sa, 0));
        WriteFile(wr, in, (DWORD)strlen(in), &put, NULL);
        CloseHandle(wr);
        sp.stdio[0] = (cordon_os_handle)rd;
    }
    sp.stdio[1] = sp.stdio[2] = (cordon_os_handle)h;
    r->spawn = BE.spawn(plan, &sp, &proc);
    if (r->spawn == CORDON_OK) {
        CHECK(BE.pid(proc) > 0);
        r->wait = BE.wait(proc, timeout_ms, &r->ex);
        CHECK(BE.ended(proc, 0) == 1);
    }
    BE.cleanup(plan, proc);
    r->ms = GetTickCount() - t0;
    CloseHandle(h);
    if (rd)
        CloseHandle(rd);
    {
        char *text = slurp(file);
        snprintf(r->out, sizeof r->out, "%s", text ? text : "");
        free(text);
    }
    DeleteFileW(wf);
    free(wf);
    free(file);
    free(envp);
    cordon__strv_free(&env);
}

static char *grants_text(void)
{
    char *dir = NULL, *path, *text;
    if (cordon__win_state_dir(&dir) != CORDON_OK)
        return NULL;
    path = join(dir, "grants");
    text = slurp(path);
    free(path);
    free(dir);
    return text;
}

int main(int argc, char **argv)
{
    cordon_policy *ws = NULL;
    struct cordon__host host;
    struct cordon__plan plan;
    struct cordon__probe pr;
    struct result r;
    char *dir, *made, *text, *line;
    LONG writes, reads;

    if (argc < 2) {
        fprintf(stderr, "usage: %s cordon-runner.exe\n", argv[0]);
        return 2;
    }
    probe = probe_exe();
    {
        char *d = make_temp_dir("elevated-token"), why[512] = "";
        int verdict = seam_token_verdict(d, why, sizeof why);
        remove_dir_tree(d);
        free(d);
        if (cordon__win_is_wine()) {
            CHECK_MSG(verdict == -1, "Wine's token accepted: is Wine faithful now?");
            printf("Wine fakes tokens: the runner's check of the command's token refuses Wine's "
                   "(%s); the runs below go on only because this is the same-user seam under "
                   "Wine\n", why);
        } else if (verdict != 0) {
            if (test_failures)
                TEST_MAIN_END();
            SKIP("this user's token is refused by the runner's check (%s), so the seam runs "
                 "nothing here: run as a standard user", why);
        }
    }
    dir = make_temp_dir("elev-run");
    {
        /* A repository: .git is there, so its denies are recorded. */
        char *git = join(dir, ".git");
        wchar_t *w = cordon__win_wide(git);
        CHECK(CreateDirectoryW(w, NULL));
        free(w);
        free(git);
    }
    cordon__win_elevated_seam(argv[1], GROUP);
    CHECK(cordon_policy_builtin("workspace-write", &ws) == CORDON_OK);
    CHECK(cordon__os_host(&host) == CORDON_OK);
    CHECK_MSG(cordon__plan_compile(ws, dir, &host, &plan) == CORDON_OK, "%s", cordon_last_error());

    /* While the seam is set the tier is never selected. */
    BE.probe(&plan, &pr);
    CHECK(!pr.ready);
    CHECK_CONTAINS(pr.why_not, "test seam");

    /* prepare: the group is granted beside the root's SID, recorded. */
    CHECK_MSG(BE.prepare(&plan) == CORDON_OK, "%s", cordon_last_error());
    text = grants_text();
    line = cordon__asprintf("allow\t%s\t%s\t%s", GROUP, dir, dir);
    CHECK_MSG(text && strstr(text, line), "no record \"%s\" in: %s", line, text ? text : "(none)");
    free(line);
    line = cordon__asprintf("allow\t%s\t%s\t%s", plan.windows_plan.root_sids.v[0], dir, dir);
    CHECK(text && strstr(text, line));
    free(line);
    /* .git refused to the group too (first check), beside the sandbox
     * SID's deny (second check). (A record stands for every ACE of its
     * SID on its path: the group's deny on the root, which holds .git in
     * place, shares the record of its allow there.) */
    line = cordon__asprintf("deny\t%s\t%s\\.git\t%s", GROUP, dir, dir);
    CHECK_MSG(text && strstr(text, line), "no record \"%s\"", line);
    free(line);
    line = cordon__asprintf("deny\t%s\t%s\\.git\t%s", plan.windows_plan.sandbox_sid, dir, dir);
    CHECK(text && strstr(text, line));
    free(line);
    line = cordon__asprintf("deny\t%s\t%s\t%s", plan.windows_plan.sandbox_sid, dir, dir);
    CHECK_MSG(text && strstr(text, line), "no record \"%s\"", line);
    free(line);
    free(text);
    BE.cleanup(&plan, NULL);
    /* Steady state: a second prepare writes no DACL. */
    writes = cordon__win_cost.dacl_writes;
    reads = cordon__win_cost.dacl_reads;
    CHECK_MSG(BE.prepare(&plan) == CORDON_OK, "%s", cordon_last_error());
    /* Wine stores no file ACE, so there every prepare writes them again;
     * Windows keeps them and writes nothing. */
    if (!cordon__win_is_wine())
        CHECK_MSG(cordon__win_cost.dacl_writes == writes, "%ld DACL writes in steady state",
                  (long)(cordon__win_cost.dacl_writes - writes));
    printf("steady-state prepare: %ld DACL reads, %ld writes\n",
           (long)(cordon__win_cost.dacl_reads - reads), (long)(cordon__win_cost.dacl_writes - writes));

    {
        const char *a[] = {probe, "args", "hello", "two words", NULL};
        run(&plan, dir, a, NULL, 0, &r);
        CHECK_MSG(r.spawn == CORDON_OK && r.wait == CORDON_OK, "%s", cordon_last_error());
        CHECK(r.ex.exit_code == 0 && !r.ex.timed_out);
        CHECK_MSG(strcmp(r.out, "[hello]\r\n[two words]\r\n") == 0 ||
                      strcmp(r.out, "[hello]\n[two words]\n") == 0,
                  "output: %s", r.out);
    }
    {
        const char *a[] = {probe, "exit", "7", NULL};
        run(&plan, dir, a, NULL, 0, &r);
        CHECK(r.spawn == CORDON_OK && r.wait == CORDON_OK && r.ex.exit_code == 7);
    }
    {
        const char *a[] = {probe, "cat", NULL};
        run(&plan, dir, a, "ping\nthrough the runner\n", 0, &r);
        CHECK_MSG(r.spawn == CORDON_OK && r.wait == CORDON_OK && r.ex.exit_code == 0, "%s",
                  cordon_last_error());
        CHECK_MSG(strcmp(r.out, "ping\nthrough the runner\n") == 0, "stdin relayed: %s", r.out);
    }
    {
        /* No stdin at all: the command reads the end at once. */
        const char *a[] = {probe, "cat", NULL};
        run(&plan, dir, a, NULL, 20000, &r);
        CHECK(r.spawn == CORDON_OK && r.ex.exit_code == 0 && !r.ex.timed_out);
        CHECK(r.out[0] == '\0');
    }
    {
        /* The command's own stdio are the runner's pipes; its desktop is
         * one the runner made. */
        const char *a[] = {probe, "stdio", NULL};
        const char *d[] = {probe, "desktop", NULL};
        run(&plan, dir, a, NULL, 0, &r);
        CHECK_MSG(strncmp(r.out, "char pipe pipe", 14) == 0 ||
                      strncmp(r.out, "disk pipe pipe", 14) == 0,
                  "stdio: %s", r.out);
        run(&plan, dir, d, NULL, 0, &r);
        CHECK_MSG(strncmp(r.out, "cordon-", 7) == 0, "desktop: %s", r.out);
    }
    {
        /* The command (and the runner, which made its desktop on its own
         * window station) is on the run's window station, not on this
         * process's (the control: WinSta0 here). */
        const char *a[] = {probe, "winsta", NULL};
        wchar_t mine[256];
        DWORD n = 0;
        char *me;
        CHECK(GetUserObjectInformationW(GetProcessWindowStation(), UOI_NAME, mine, sizeof mine, &n));
        me = cordon__win_utf8(mine);
        run(&plan, dir, a, NULL, 0, &r);
        printf("the test's window station: %s; the command's: %s", me ? me : "?", r.out);
        CHECK_MSG(strncmp(r.out, "cordon-", 7) == 0, "window station: %s", r.out);
        CHECK(me && strncmp(r.out, me, strlen(me)) != 0);
        free(me);
    }
    {
        /* The station itself: with a name of its own (what the launch got
         * above: Wine lets anyone name one), one per run; and the one the
         * system names after this logon session (what a caller outside
         * Administrators gets on Windows): made with cordon's DACL,
         * shared by a second run with the same DACL, refused to a run
         * whose DACL would differ (a station another program made). */
        struct cordon__win_station a, b, u1, u2, u3;
        const char *me = cordon__win_user_sid();
        CHECK_MSG(cordon__win_station_make(me, NULL, NULL, 0, &a) == CORDON_OK, "%s",
                  cordon_last_error());
        CHECK_MSG(cordon__win_station_make(me, NULL, NULL, 0, &b) == CORDON_OK, "%s",
                  cordon_last_error());
        CHECK(!a.shared && wcsncmp(a.name, L"cordon-", 7) == 0 && wcschr(a.name, L'\\'));
        CHECK(wcscmp(a.name, b.name) != 0);
        printf("named: %ls\n", a.name);
        if (cordon__win_is_wine()) {
            /* Wine keeps no DACL on a window station (GetSecurityInfo
             * gives a descriptor without one), so the shared station
             * cannot be verified there, and is refused. */
            CHECK(cordon__win_station_make(me, NULL, NULL, 1, &u1) != CORDON_OK);
            CHECK_CONTAINS(cordon_last_error(), "cannot be verified");
            printf("skipped under Wine: the station named after the logon session, shared and "
                   "refused by its DACL (Wine stores none): %s\n", cordon_last_error());
        } else {
            CHECK_MSG(cordon__win_station_make(me, NULL, NULL, 1, &u1) == CORDON_OK, "%s",
                      cordon_last_error());
            CHECK_MSG(cordon__win_station_make(me, NULL, NULL, 1, &u2) == CORDON_OK, "%s",
                      cordon_last_error());
            printf("by the logon session: %ls and %ls\n", u1.name, u2.name);
            CHECK(u1.shared && u2.shared);
            {
                const wchar_t *c1 = wcschr(u1.name, L'\\'), *c2 = wcschr(u2.name, L'\\');
                CHECK(c1 && c2 && c1 - u1.name == c2 - u2.name &&
                      wcsncmp(u1.name, u2.name, (size_t)(c1 - u1.name)) == 0 &&
                      wcscmp(c1, c2) != 0);
            }
            CHECK(cordon__win_station_make(me, GROUP, NULL, 1, &u3) != CORDON_OK);
            CHECK_CONTAINS(cordon_last_error(), "DACL cordon did not make");
            cordon__win_station_free(&u2);
            cordon__win_station_free(&u1);
        }
        cordon__win_station_free(&b);
        cordon__win_station_free(&a);
    }
    {
        /* A timeout ends the command at once, through the runner. */
        const char *a[] = {probe, "sleep", "60000", NULL};
        run(&plan, dir, a, NULL, 500, &r);
        CHECK(r.spawn == CORDON_OK && r.ex.timed_out);
        CHECK_MSG(r.ms < 15000, "the timeout took %lu ms", (unsigned long)r.ms);
    }
    {
        /* kill: ended says no, kill, ended says yes. */
        const char *a[] = {probe, "sleep", "60000", NULL};
        struct cordon__spawn sp;
        struct cordon__proc *proc = NULL;
        struct cordon__exit ex;
        DWORD t0 = GetTickCount();
        memset(&sp, 0, sizeof sp);
        sp.argv = a;
        sp.cwd = dir;
        sp.stdio[0] = sp.stdio[1] = sp.stdio[2] = 0;
        CHECK_MSG(BE.spawn(&plan, &sp, &proc) == CORDON_OK, "%s", cordon_last_error());
        if (proc) {
            CHECK(BE.ended(proc, 200) == 0);
            CHECK(BE.kill(proc) == CORDON_OK);
            CHECK(BE.ended(proc, 10000) == 1);
            BE.wait(proc, 0, &ex);
            CHECK_MSG(GetTickCount() - t0 < 15000, "kill took %lu ms",
                      (unsigned long)(GetTickCount() - t0));
        }
        BE.cleanup(&plan, proc);
    }
    {
        /* A write inside the root succeeds. */
        const char *a[4] = {probe, "write", NULL, NULL};
        made = join(dir, "made-by-sandbox.txt");
        a[2] = made;
        run(&plan, dir, a, NULL, 0, &r);
        CHECK(r.spawn == CORDON_OK && r.ex.exit_code == 0);
        CHECK(path_exists(made));
        free(made);
    }
    {
        /* A program that does not exist: the runner's ERROR exec. */
        const char *a[] = {"C:\\cordon-test-no-such\\nothing.exe", NULL};
        run(&plan, dir, a, NULL, 0, &r);
        CHECK_MSG(r.spawn == CORDON_ERR_NOT_FOUND, "spawn gave %d", (int)r.spawn);
        CHECK_CONTAINS(cordon_last_error(), "stage exec");
    }
    printf("skipped under Wine: a write outside the roots refused (Wine enforces no token)\n");
    BE.cleanup(&plan, NULL);

    /* revoke takes the group's records (and ACEs) with each root's (the
     * workspace and cordon's tool cache). */
    {
        size_t k;
        for (k = 0; k < plan.roots.n; k++)
            CHECK_MSG(cordon__os_grants_revoke(plan.roots.v[k]) == CORDON_OK, "%s",
                      cordon_last_error());
    }
    text = grants_text();
    CHECK_MSG(!text || !strstr(text, GROUP), "left after revoke: %s", text);
    free(text);

    cordon__win_elevated_seam(NULL, NULL);
    BE.probe(&plan, &pr);
    CHECK(!strstr(pr.why_not, "test seam"));
    cordon__plan_free(&plan);
    cordon_policy_free(ws);
    remove_dir_tree(dir);
    free(dir);
    free(probe);
    TEST_MAIN_END();
}
