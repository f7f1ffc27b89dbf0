/* The parts of cordon-setup on Windows beside steps.c: the read grants
 * (grants.c) and the WFP filters (wfp.c). Each returns 0, or -1 with the
 * error (what, the call, the code and the fix) in |err|; |detail| says
 * what happened. */
#ifndef CORDON_SETUP_WIN_H
#define CORDON_SETUP_WIN_H

#include <stddef.h>

#include <windows.h>

#include "elevated_windows_grants.h"
#include "elevated_windows_task.h"
#include "internal.h"

/* snprintf into a step's detail or error (grants.c). */
void setup__say(char *out, size_t n, const char *fmt, ...) CORDON__PRINTF(3, 4);

/* ---- read grants (grants.c) ---------------------------------------------- */

/* The named mutex the background grants hold while they run. */
#define SETUP_GRANTS_MUTEX L"Global\\cordon-setup-read-grants"
/* Set by uninstall: the worker stops before its next grant. */
#define SETUP_GRANTS_STOP L"Global\\cordon-setup-read-grants-stop"

struct setup_grants_in {
    const char *data_dir;          /* %ProgramData%\cordon: the records live there */
    const char *sandbox_sid;       /* CordonSandboxUsers, the grantee */
    const struct cordon__strv *user_sids; /* the allowed users, whose profiles are granted */
    int verify;                    /* check only */
};

/* install: decides the grants on each allowed user's profile (core's
 * cordon__win_read_grant), records each path's DACL before it changes,
 * then starts `cordon-setup read-grants-worker` in the background, which
 * applies them under SETUP_GRANTS_MUTEX. verify: every recorded grant is
 * on its path (or the worker is still running). *found: records exist. */
int setup__grants_step(const struct setup_grants_in *in, int *found, char *detail, size_t nd,
                       char *err, size_t ne);
/* The record lines (core's format) of the grants |profile| needs for
 * |sandbox_sid| and does not have yet; the planning step of install,
 * callable from tests. */
int setup__grants_plan(const char *profile, const char *sandbox_sid, struct cordon__strv *lines,
                       char *err, size_t ne);
/* setup__grants_plan with |flags| (SETUP_GRANTS_ASSUME_PRIVATE: decide as
 * if nobody else read anything, for tests under Wine, which reports
 * Everyone read on every file) and the notes ("#linked<TAB>path<TAB>why")
 * of what hard links kept from a grant; |notes| may be NULL. */
#define SETUP_GRANTS_ASSUME_PRIVATE 1
/* The records were lost: a grant of setup's found in place is recorded
 * again, with today's DACL without it as the original. */
#define SETUP_GRANTS_RERECORD 2
int setup__grants_plan_ex(const char *profile, const char *sandbox_sid, int flags,
                          struct cordon__strv *lines, struct cordon__strv *notes, char *err,
                          size_t ne);
/* What the worker does before a tree grant on the directory |dir| (below
 * |profile|, recorded with |original|): walks below it, not following
 * links, and decides it again. 0: the tree stands (no file below has
 * another name); 1: it does not, and |lines| gets what takes its place (a
 * list grant with |original| and its entries decided one by one, walked
 * in turn; nothing when it is no grant now), |notes| why; -1 on a
 * problem (|err|). */
int setup__grants_split(const char *profile, const char *dir, const char *original,
                        const char *sandbox_sid, int flags, struct cordon__strv *lines,
                        struct cordon__strv *notes, char *err, size_t ne);
/* A re-install's look at the earlier records |lines|: each path is decided
 * again (its profile among |profiles|, its kind and names as found now);
 * (or, outside them, among the tool directories |tools| core decides a
 * tree on now; may be NULL); where core decides another kind now
 * (cordon__win_regrant), setup's ACE
 * is taken out and the line dropped from |lines|. *restored counts them,
 * |first| says why for the first. 0, or -1 with |err|. */
int setup__grants_redecide(const struct cordon__strv *profiles, const struct cordon__strv *tools,
                           const char *sandbox_sid, int flags, struct cordon__strv *lines,
                           size_t *restored, char *first, size_t nf, char *err, size_t ne);
/* The directories of the PATH value of |key| below |root| (REG_SZ or
 * REG_EXPAND_SZ), expanded: the variables of the user of |profile| (NULL:
 * the machine's PATH) to that user's values, the rest from setup's
 * environment, then split (core's cordon__win_path_split). 0, 1 when
 * there is no such value, -1 out of memory. */
int setup__grants_path_value(HKEY root, const wchar_t *key, const char *profile,
                             struct cordon__strv *dirs);
/* Decides each PATH directory of |dirs| (named on |owner|'s PATH, the
 * allowed user's profile, |owner_sid| that user's SID, both NULL for
 * the machine's) with core's
 * cordon__win_tool_grant on its final path: tree grants go to |lines| as
 * records like a profile's trees (the worker walks them for hard links),
 * their paths to |trees| (may be NULL; a path there already is not
 * planned twice), refusals to |notes| ("#refused<TAB>path<TAB>why"). */
int setup__grants_plan_tools(const struct cordon__strv *dirs, const char *owner,
                             const char *owner_sid, const struct cordon__win_tool_places *pl, const char *sandbox_sid,
                             int flags, struct cordon__strv *lines, struct cordon__strv *notes,
                             struct cordon__strv *trees, char *err, size_t ne);
/* The worker's walk before a tool directory's tree grant (its records
 * are split like nothing: a tool directory is granted whole or not at
 * all): 0 the tree stands, 1 core refuses it now, |why| naming the file
 * below with more than one name or the walk's error. */
int setup__grants_tool_walk(const char *dir, char *why, size_t n);
/* The background worker's body; the exit status. */
int setup__grants_worker(const char *data_dir);
/* uninstall: waits for a running worker, then takes setup's ACEs out of
 * every recorded path, putting the recorded DACL back exactly when
 * nothing else changed since, and removes the records. */
int setup__grants_uninstall(const char *data_dir, char *detail, size_t nd, char *err, size_t ne);
/* One line for status: "running 3 of 17", "done: 17 applied", ... */
void setup__grants_progress(const char *data_dir, char *out, size_t n);

/* ---- WFP filters (wfp.c) ------------------------------------------------------ */

/* install: cordon's persistent sublayer and core's filters for
 * |offline_sid| (cordon__win_wfp_filters), each replaced when it differs,
 * then read back. verify: each is there as core makes it. Where the
 * Base Filtering Engine cannot be opened (Wine) the step says "not
 * available" and *available is 0; the network reason then does not claim
 * them. */
int setup__wfp_step(const char *offline_sid, int verify, int *available, int *found, char *detail,
                    size_t nd, char *err, size_t ne);
/* uninstall: every filter of cordon's and the sublayer, by key. */
int setup__wfp_uninstall(char *detail, size_t nd, char *err, size_t ne);

/* ---- the refresh task (task.c) ---------------------------------------------- */

/* install: the task |t| for the allowed users |user_sids| (SIDs) in the
 * folder \cordon, registered when it is missing or differs (then read
 * back). verify: it is there as core makes it ("not checked" when the
 * user running verify may not read it). *found: a task of that path
 * exists. */
int setup__task_step(const struct cordon__win_refresh_task *t,
                     const struct cordon__strv *user_sids, int verify, int *found, char *detail,
                     size_t nd, char *err, size_t ne);
/* uninstall: the task, then its folder when nothing else is in it. */
int setup__task_uninstall(char *detail, size_t nd, char *err, size_t ne);

#endif
