/* The job object: a timeout ends the whole tree, and closing the job
 * (cleanup) ends whatever is still running in it. The grandchild being
 * alive before is the positive control. */
#include "wintest.h"

/* Starts `win-probe tree`, returns the grandchild's pid (0 on failure). */
static DWORD start_tree(const char *probe, const char *out, struct cordon__proc **proc)
{
    struct cordon__plan plan;
    struct cordon__spawn req;
    struct cordon__strv env = {0};
    const char *argv[] = {probe, "tree", NULL};
    wchar_t *w = cordon__win_wide(out);
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE h = CreateFileW(w, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
                           CREATE_ALWAYS, 0, NULL);
    DWORD pid = 0;
    int tries;

    memset(&plan, 0, sizeof plan);
    memset(&req, 0, sizeof req);
    cordon__os_environ(&env);
    req.argv = argv;
    req.envp = (const char *const *)env.v;
    req.stdio[0] = req.stdio[2] = CORDON_STDIO_INHERIT;
    req.stdio[1] = (cordon_os_handle)h;
    *proc = NULL;
    CHECK_MSG(cordon__win_spawn(&plan, &req, NULL, proc) == CORDON_OK, "%s", cordon_last_error());
    CloseHandle(h);
    for (tries = 0; *proc && tries < 100 && pid == 0; tries++) {
        char *s = slurp(out);
        pid = (DWORD)strtoul(s, NULL, 10);
        free(s);
        if (!pid)
            Sleep(50);
    }
    cordon__strv_free(&env);
    free(w);
    return pid;
}

static int alive(DWORD pid, DWORD wait_ms)
{
    HANDLE p = OpenProcess(SYNCHRONIZE, FALSE, pid);
    DWORD r;
    if (!p)
        return 0;
    r = WaitForSingleObject(p, wait_ms);
    CloseHandle(p);
    return r == WAIT_TIMEOUT;
}

int main(void)
{
    char *probe = probe_exe();
    char *dir = make_temp_dir("job");
    char *out = join(dir, "pid.txt");
    struct cordon__proc *proc = NULL;
    struct cordon__exit ex;
    DWORD pid;

    /* Timeout: wait gives up, ends the tree, says timed_out. */
    pid = start_tree(probe, out, &proc);
    CHECK(pid != 0);
    if (pid && proc) {
        CHECK(alive(pid, 0)); /* positive control */
        CHECK(cordon__win_wait(proc, 300, &ex) == CORDON_OK);
        CHECK(ex.timed_out == 1);
        CHECK_MSG(!alive(pid, 3000), "grandchild %lu survived the timeout", (unsigned long)pid);
    }
    cordon__win_proc_free(proc);

    /* Kill-on-close: freeing the process closes the job. */
    pid = start_tree(probe, out, &proc);
    CHECK(pid != 0);
    if (pid && proc) {
        CHECK(alive(pid, 0));
        cordon__win_proc_free(proc);
        CHECK_MSG(!alive(pid, 3000), "grandchild %lu survived closing the job",
                  (unsigned long)pid);
    } else {
        cordon__win_proc_free(proc);
    }

    /* An ordinary exit code comes back as it is. */
    {
        cordon_policy *full = NULL;
        const char *argv[] = {probe, "exit", "42", NULL};
        int code = -1;
        CHECK(cordon_policy_builtin("full-access", &full) == CORDON_OK);
        CHECK(run_to_file(full, argv, dir, NULL, &code, NULL) == CORDON_OK);
        CHECK(code == 42);
        cordon_policy_free(full);
    }
    remove_dir_tree(dir);
    free(out);
    free(dir);
    free(probe);
    TEST_MAIN_END();
}
