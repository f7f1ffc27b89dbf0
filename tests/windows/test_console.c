/* The caller's console never reaches a sandboxed command: its stdio
 * handles that are the console come through pipes, and the console input
 * buffer it can open (CONIN$) is its own, so keystrokes it queues with
 * WriteConsoleInput do not reach the user's shell. The control: the same
 * command without the sandbox shares the console and its keystroke lands
 * in ours. Needs a console (AllocConsole); skips where there is none. */
#include "wintest.h"

static DWORD pending_input(void)
{
    HANDLE in = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE,
                            FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
    DWORD n = 0;
    if (in == INVALID_HANDLE_VALUE)
        return (DWORD)-1;
    GetNumberOfConsoleInputEvents(in, &n);
    CloseHandle(in);
    return n;
}

static void flush_input(void)
{
    HANDLE in = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE,
                            FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
    if (in != INVALID_HANDLE_VALUE) {
        FlushConsoleInputBuffer(in);
        CloseHandle(in);
    }
}

static int run_with_console(cordon_policy *p, const char *const *argv, const char *cwd)
{
    cordon_run_options o;
    cordon_run_result r;
    cordon_run_options_init(&o);
    o.argv = argv;
    o.cwd = cwd;
    o.timeout_s = 20;
    /* stdio inherited: the console handles of this process. */
    if (cordon_run(p, &o, &r) != CORDON_OK) {
        fprintf(stderr, "run failed: %s\n", cordon_last_error());
        return -1;
    }
    return r.exit_code;
}

struct ctrl_c_args {
    DWORD delay_ms;
};

static DWORD WINAPI send_ctrl_c(LPVOID arg)
{
    const struct ctrl_c_args *a = arg;
    Sleep(a->delay_ms);
    GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0);
    return 0;
}

int main(void)
{
    cordon_policy *ws = NULL, *full = NULL;
    char *probe, *root, *kinds;
    HANDLE in;

    FreeConsole();
    if (!AllocConsole())
        SKIP("no console can be made here (AllocConsole: error %lu)",
             (unsigned long)GetLastError());
    in = GetStdHandle(STD_INPUT_HANDLE);
    if (!cordon__win_is_console(in)) {
        /* AllocConsole sets the standard handles only when they were
         * unset; point stdin at the new console. */
        in = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE,
                         FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
        SetStdHandle(STD_INPUT_HANDLE, in);
    }
    if (!cordon__win_is_console(GetStdHandle(STD_INPUT_HANDLE)))
        SKIP("the console made here has no input buffer (Wine without a terminal); runs on Windows");

    probe = probe_exe();
    root = make_temp_dir("console");
    kinds = join(root, "kinds.txt");
    CHECK(cordon_policy_builtin("workspace-write", &ws) == CORDON_OK);
    CHECK(cordon_policy_builtin("full-access", &full) == CORDON_OK);

    /* Control: unsandboxed, the command shares our console and its
     * keystroke is queued in our input buffer. */
    {
        const char *argv[] = {probe, "inject", NULL};
        flush_input();
        CHECK(run_with_console(full, argv, root) == 0);
        CHECK_MSG(pending_input() >= 1, "the control did not reach our console (%lu events)",
                  (unsigned long)pending_input());
        flush_input();
    }
    /* Sandboxed: stdin is a pipe, and nothing it queues reaches us. */
    {
        const char *argv[] = {probe, "stdio", kinds, NULL};
        char *s;
        CHECK(run_with_console(ws, argv, root) == 0);
        s = slurp(kinds);
        CHECK_MSG(strncmp(s, "pipe ", 5) == 0, "sandboxed stdin is \"%s\", not a pipe", s);
        free(s);
    }
    {
        const char *argv[] = {probe, "inject", NULL};
        flush_input();
        run_with_console(ws, argv, root);
        CHECK_MSG(pending_input() == 0, "a sandboxed command queued %lu events in our console",
                  (unsigned long)pending_input());
        flush_input();
    }

    /* Ctrl-C: the sandboxed command (on a console of its own) is ended,
     * then cordon cleans up and returns; this process carries on. */
    {
        const char *argv[] = {probe, "sleep", "20000", NULL};
        struct ctrl_c_args ca;
        HANDLE t;
        double t0 = cordon__os_now();
        ca.delay_ms = 1500;
        t = CreateThread(NULL, 0, send_ctrl_c, &ca, 0, NULL);
        CHECK(t != NULL);
        CHECK_MSG((unsigned long)(DWORD)run_with_console(ws, argv, root) == 0xC000013AUL,
                  "the command was not ended by Ctrl-C");
        CHECK_MSG(cordon__os_now() - t0 < 15.0, "Ctrl-C did not end the command");
        if (t) {
            WaitForSingleObject(t, 5000);
            CloseHandle(t);
        }
    }

    cordon_grants_revoke(root);
    remove_dir_tree(root);
    cordon_policy_free(ws);
    cordon_policy_free(full);
    free(probe);
    free(root);
    free(kinds);
    TEST_MAIN_END();
}
