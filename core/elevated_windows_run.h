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

/* ---- what the runner confirms of the command's token before STARTED ---- */

/* The integrity level the plan assumes for the command: medium, what a
 * logon of a standard user (the sandbox users) gets. High would let it
 * write objects labelled above medium; low could not write the
 * workspace (no write-up to its default medium label). */
#define CORDON__WIN_RUNNER_INTEGRITY_RID 0x2000ul

/* What the runner read back from the token it built for the command
 * (cordon__win_token_facts, backends/windows/token.c), plain data so that
 * core decides. Lists hold SID strings or privilege names. */
struct cordon__win_token_facts {
    char error[256];                 /* reading the token failed; "" when read */
    char user[CORDON__WIN_SID_MAX];  /* TokenUser */
    char logon[CORDON__WIN_SID_MAX]; /* the logon SID of the runner's own token, "" when none */
    int restricted;                  /* IsTokenRestricted */
    struct cordon__strv restricting; /* TokenRestrictedSids */
    struct cordon__strv groups;      /* TokenGroups not marked deny-only: enabled, or
                                        disabled ones the holder may enable */
    struct cordon__strv deny_only;   /* TokenGroups marked deny-only (a UAC-filtered
                                        administrator's Administrators) */
    int elevated;                    /* TokenElevation.TokenIsElevated */
    unsigned long integrity_rid;     /* the last sub-authority of TokenIntegrityLevel */
    struct cordon__strv privileges;  /* TokenPrivileges, enabled or not */
    /* AccessCheck (MAXIMUM_ALLOWED) of the token against descriptors
     * made in memory, owner SYSTEM: there is no documented way to read
     * WRITE_RESTRICTED from user mode (TokenIsRestricted is reserved),
     * so the restriction is confirmed by what it does. */
    int user_only_read;              /* D:(A;;FA;;;<user>): read granted */
    int user_only_write;             /* the same: a right of FILE_GENERIC_WRITE that reads
                                        do not grant (write or append data, extended
                                        attributes, attributes) granted */
    int both_write;                  /* D:(A;;FA;;;<user>)(A;;FA;;;<first restricting SID>):
                                        write granted (the positive control) */
};
void cordon__win_token_facts_free(struct cordon__win_token_facts *f);

/* Whether the token the runner built (facts |f|) holds what the levels
 * of fs_write and protected_paths rest on, for the plan |wp|
 * (cordon__win_runner_token_plan) as |user_sid|: its user is |user_sid|;
 * restricted, with exactly the plan's restricting SIDs (the logon mark as
 * f->logon, left out when there is none, as the token is built);
 * write-restricted (read granted and write refused where only the user is
 * allowed, write granted where a restricting SID is allowed too); no group
 * that grants broad rights (Administrators, Power Users, Account, Server,
 * Print or Backup Operators), usable for access or deny-only (the user is
 * a member then, a filtered administrator), and not one of the service
 * accounts as its user; not elevated; integrity
 * CORDON__WIN_RUNNER_INTEGRITY_RID; no privilege but
 * SeChangeNotifyPrivilege (DISABLE_MAX_PRIVILEGE). 0 when all hold, else
 * -1 with the first that does not in |why|. */
int cordon__win_token_verdict(const struct cordon__win_token_facts *f,
                              const struct cordon__plan_windows *wp, const char *user_sid,
                              char *why, size_t n);

/* For explain (inside plan.windows_elevated): "restricting_sids" of the
 * request |s| (filled from the plan), and "sandbox_group_grants", the
 * ACEs the sandbox group |group_sid| gets beside the plan's (path, type,
 * access mask, inheritance, lifetime, why). */
void cordon__win_runner_sids_json(const struct cordon__plan *plan, struct cordon__ipc_spawn *s,
                                  struct cordon__json *j);
void cordon__win_elevated_grants_json(const struct cordon__plan *plan, const char *group_sid,
                                      struct cordon__json *j);

/* The recovery from a failed logon: core/elevated_windows_task.h. */

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
