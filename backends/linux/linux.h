/* Shared by the files of backends/linux/ only. */
#ifndef CORDON_LINUX_H
#define CORDON_LINUX_H

#include "internal.h"

/* The one errno -> cordon_error mapping of this OS layer. Records
 * "<what> (<call>: errno N, <text>)" and returns the mapped code. */
cordon_error cordon__sys_fail(const char *what, const char *call, int err);
cordon_error cordon__errno_to_error(int err);

/* The per-user record of the roots cordon has made writable (grants.c):
 * read for core's host facts; written by the unelevated backend's
 * prepare (one read and no write in the steady state). */
cordon_error cordon__linux_granted_roots(struct cordon__strv *out);
cordon_error cordon__linux_grants_record(const struct cordon__plan *plan);
/* This user's state directory ($XDG_STATE_HOME/cordon, else
 * $HOME/.local/state/cordon; allocated), which holds that record and the
 * placeholders' template (placeholder.h). NULL when neither is usable. */
char *cordon__linux_state_dir(void);

/* The elevated tier's ACL grants, as cordon grants list|revoke sees them
 * (acl_grants.c): list appends objects to an open JSON array. */
cordon_error cordon__elevated_grants_list(struct cordon__json *j);
cordon_error cordon__elevated_grants_revoke(const char *root);

/* cordon__os_replan of the unelevated backend (unelevated.c): clears
 * the signal. */
int cordon__linux_take_replan(void);
/* The same for linux-elevated (elevated.c): the runner refused a spawn at
 * stage setup, so the run is probed (live) and planned again. */
int cordon__linux_elevated_take_replan(void);

/* The backends of this OS (direct.c, unelevated.c). */
extern const struct cordon_backend cordon__backend_linux_elevated;
extern const struct cordon_backend cordon__backend_linux_direct;
extern const struct cordon_backend cordon__backend_linux_unelevated;

/* Undoes the octal escapes of /proc/self/mountinfo ("\040" for a space)
 * in place. Async-signal-safe (used between fork and exec too). */
void cordon__mountinfo_unescape(char *s);

#endif
