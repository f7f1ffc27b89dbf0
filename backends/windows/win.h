/* Shared by the files of backends/windows/ only: the Win32 error mapping,
 * UTF-8 <-> UTF-16, and the process launch both backends use. */
#ifndef CORDON_WIN_H
#define CORDON_WIN_H

#include <windows.h>

#include "internal.h"

/* ---- errors and strings (oserror.c) -------------------------------------- */

/* The one Win32 error -> cordon_error mapping of this OS layer. */
cordon_error cordon__win_error(DWORD err);
/* Records "<what> (<call>: error N, <FormatMessageW text>)" and returns the
 * mapped code. */
cordon_error cordon__win_fail(const char *what, const char *call, DWORD err);
/* The same with "<what> <path>" built from a format. */
cordon_error cordon__win_failf(const char *call, DWORD err, const char *fmt, ...)
    CORDON__PRINTF(3, 4);

/* Caller-owned conversions; NULL on invalid input or OOM (no error set). */
wchar_t *cordon__win_wide(const char *utf8);
char *cordon__win_utf8(const wchar_t *wide);

/* 1 when running under Wine (ntdll exports wine_get_version). */
int cordon__win_is_wine(void);
/* The Wine version string, or NULL when not under Wine. */
const char *cordon__win_wine_version(void);

/* ---- host (os.c) ------------------------------------------------------------ */

/* %LOCALAPPDATA%\cordon, created on first use (caller-owned). */
cordon_error cordon__win_state_dir(char **out);
/* The calling user's SID string, e.g. "S-1-5-21-...". Static storage. */
const char *cordon__win_user_sid(void);

/* ---- processes (process.c) -------------------------------------------------- */

struct cordon__proc {
    HANDLE process;
    HANDLE job;
    DWORD pid;
    double started;
};

/* How to launch: as the caller (token NULL) or with |token|, on |desktop|
 * (NULL: the caller's). */
struct cordon__win_launch {
    HANDLE token;
    const wchar_t *desktop;
};

/* Resolves argv[0] on the child's PATH/PATHEXT, builds the command line
 * (through cmd.exe for .bat/.cmd), the sorted Unicode environment block,
 * inheritable copies of the three stdio handles (and only those are
 * inherited), and starts the process suspended inside a kill-on-close job,
 * then resumes it. */
cordon_error cordon__win_spawn(const struct cordon__plan *plan, const struct cordon__spawn *req,
                               const struct cordon__win_launch *how, struct cordon__proc **out);
cordon_error cordon__win_wait(struct cordon__proc *proc, unsigned long timeout_ms,
                              struct cordon__exit *out);
cordon_error cordon__win_kill(struct cordon__proc *proc);
/* Closes the job (ending whatever still runs in it) and frees |proc|. */
void cordon__win_proc_free(struct cordon__proc *proc);

/* Creates plan->tmp_dir when the plan has a private temp dir, with |sd|
 * (NULL: inherited security). Already existing is fine. */
cordon_error cordon__win_make_tmp(const struct cordon__plan *plan, SECURITY_ATTRIBUTES *sa);
/* Deletes plan->tmp_dir and everything below it, never following
 * junctions or symlinks out of it. Best effort. */
void cordon__win_remove_tmp(const struct cordon__plan *plan);

#endif
