/* cordon__win_refresh_task_run (backends/windows/refresh_task.c) leaves
 * the COM state of the caller's thread as it found it, whatever it was
 * (no apartment, a single-threaded one, the multithreaded one), and
 * answers the same in each: cordon is a library and the run is made on a
 * thread of its own in the multithreaded apartment.
 *
 * Under Wine the Task Scheduler service does not run, so the run ends at
 * once with the same error in all three; on Windows without setup the
 * task is absent, with setup it runs (the test then skips: it never runs
 * the task of a real installation). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <objbase.h>

#include "elevated_win.h"
#include "harness.h"
#include "win.h"

enum mode { NONE, STA, MTA };

struct job {
    enum mode mode;
    enum cordon__win_task_outcome o;
    unsigned long code;
    HRESULT init, after; /* the caller's CoInitializeEx, and one made after the run */
};

static DWORD WINAPI caller(LPVOID arg)
{
    struct job *j = arg;
    j->init = S_OK;
    if (j->mode != NONE)
        j->init = CoInitializeEx(NULL, j->mode == STA ? COINIT_APARTMENTTHREADED
                                                      : COINIT_MULTITHREADED);
    j->o = cordon__win_refresh_task_run(300, &j->code);
    /* The same model again: S_FALSE when the caller's apartment is the
     * one it had; S_OK on a thread left uninitialized. */
    j->after = CoInitializeEx(NULL, j->mode == MTA ? COINIT_MULTITHREADED
                                                   : COINIT_APARTMENTTHREADED);
    if (SUCCEEDED(j->after))
        CoUninitialize();
    if (j->mode != NONE && SUCCEEDED(j->init))
        CoUninitialize();
    return 0;
}

static void run_as(struct job *j, enum mode m)
{
    HANDLE t;
    memset(j, 0, sizeof *j);
    j->mode = m;
    t = CreateThread(NULL, 0, caller, j, 0, NULL);
    CHECK(t != NULL);
    if (!t)
        return;
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
}

int main(void)
{
    struct job none, sta, mta;

    run_as(&none, NONE);
    if (none.o == CORDON__WIN_TASK_DONE || none.o == CORDON__WIN_TASK_FAILED ||
        none.o == CORDON__WIN_TASK_TIMEOUT)
        SKIP("the refresh task of an installation of cordon-setup ran here (outcome %d); the "
             "test does not run it again", (int)none.o);
    run_as(&sta, STA);
    run_as(&mta, MTA);
    printf("outcomes: none %d (0x%08lx), sta %d (0x%08lx), mta %d (0x%08lx)\n", (int)none.o,
           none.code, (int)sta.o, sta.code, (int)mta.o, mta.code);
    CHECK(sta.init == S_OK && mta.init == S_OK);
    /* The caller's thread as it was. */
    CHECK_MSG(none.after == S_OK, "0x%08lx", (unsigned long)none.after);
    CHECK_MSG(sta.after == S_FALSE, "0x%08lx", (unsigned long)sta.after);
    CHECK_MSG(mta.after == S_FALSE, "0x%08lx", (unsigned long)mta.after);
    /* The same answer whatever the caller's apartment. */
    CHECK(sta.o == none.o && mta.o == none.o);
    CHECK(sta.code == none.code && mta.code == none.code);
    TEST_MAIN_END();
}
