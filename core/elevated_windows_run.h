/* The Windows elevated tier's run, portable (core/elevated_windows_run.c):
 * what the sandbox users are granted on the writable roots, the
 * restricting SIDs cordon sends the runner, and the token the runner
 * builds from them. Plan-tested natively (winplan_elevated). */
#ifndef CORDON_ELEVATED_WINDOWS_RUN_H
#define CORDON_ELEVATED_WINDOWS_RUN_H

#include <stddef.h>

#include "internal.h"
#include "ipc.h"

/* The ACEs a run of the elevated tier ensures: every ACE of the
 * unelevated plan (the second access check of a write-restricted token
 * looks only at the restricting SIDs: the root SIDs, the run SID, the
 * sandbox SID, the logon SID, Everyone) and, for the sandbox group
 * |group_sid| (the first check looks at the sandbox user's normal SIDs,
 * which hold no right on the roots by themselves):
 *   - beside each allow of a root SID or of the temp dir's SID, an allow
 *     with the same path, mask, inheritance and lifetime;
 *   - beside each deny of the sandbox SID (protected paths, the
 *     directories holding them in place), a deny the same way, so that
 *     a protected path is refused in both checks.
 * Allows first, then denies, each group ACE right after the ACE it
 * mirrors. *out is malloc'd; free with cordon__win_aces_free. */
cordon_error cordon__win_elevated_aces(const struct cordon__plan_windows *wp,
                                       const char *group_sid, struct cordon__win_ace **out,
                                       size_t *n);
void cordon__win_aces_free(struct cordon__win_ace *a, size_t n);

/* Fills |s|->sids from the plan: each root's SID (in the order of the
 * roots), the run SID, then the sandbox SID. The sandbox user cannot
 * derive them (the secret is the real user's), and the grants on the
 * roots name them. */
cordon_error cordon__win_runner_request_sids(const struct cordon__plan *plan,
                                             struct cordon__ipc_spawn *s);

/* The token and launch the runner builds for request |s| as the user
 * |user_sid|: the unelevated tier's flags, the request's SIDs as
 * restricting SIDs then the logon SID and Everyone, a default DACL for
 * the user, SYSTEM, the root SIDs and the run SID (never the logon SID,
 * Everyone or the sandbox SID), a private desktop, every job UI
 * restriction, no console window. Refuses a request whose SIDs are not
 * one per root plus the run's and the sandbox's (CORDON_ERR_INVALID_ARGUMENT).
 * Free with cordon__plan_windows_free. */
cordon_error cordon__win_runner_token_plan(const struct cordon__ipc_spawn *s, const char *user_sid,
                                           struct cordon__plan_windows *out);

/* For explain (inside plan.windows_elevated): "restricting_sids" of the
 * request |s| (filled from the plan), and "sandbox_group_grants", the
 * ACEs the sandbox group |group_sid| gets beside the plan's (path, type,
 * access mask, inheritance, lifetime, why). */
void cordon__win_runner_sids_json(const struct cordon__plan *plan, struct cordon__ipc_spawn *s,
                                  struct cordon__json *j);
void cordon__win_elevated_grants_json(const struct cordon__plan *plan, const char *group_sid,
                                      struct cordon__json *j);

/* The one automatic recovery from a failed logon of the runner: 1 when a
 * CreateProcessWithLogonW failure |code| (cordon__win_logon_error's
 * refresh: 1326, the stored password is not the account's) may be cured
 * by reading the stored credential again (a refresh-credentials or a
 * re-install rotated it since it was read) and no attempt was made yet
 * (|attempts| 0). Never more than one retry per command. */
int cordon__win_logon_retry(unsigned long code, int attempts);
/* What cordon says when the logon of |user| still fails with |code| after
 * that: the cause and the fix from cordon__win_logon_error, and for 1326
 * that cordon-setup refresh-credentials needs administrator rights, so
 * the user runs it (one UAC prompt); cordon never starts it itself from a
 * command. Caller frees. */
char *cordon__win_logon_failed_text(const char *user, unsigned long code, int retried);

/* SIDs that are not of cordon's form but whose ACEs cordon puts on roots
 * (the sandbox group's): counted as cordon's by the ACE predicates
 * (cordon__win_is_cordon_ace_sid), so that `grants list`, `grants revoke`
 * and the recorded original DACLs treat them as cordon's. At most
 * CORDON__WIN_TIER_SIDS_MAX per process; registering one twice is a
 * no-op. */
#define CORDON__WIN_TIER_SIDS_MAX 8
void cordon__win_tier_sid_register(const char *sid);
void cordon__win_tier_sids_clear(void);

#endif
