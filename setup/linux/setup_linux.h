/* cordon-setup on Linux: the steps (steps.c) and the primitives they use,
 * one file each (users.c, nftables.c, caps.c, files.c). Everything here
 * runs as root; each function that uses that privilege says next to it
 * what an unprivileged user could make it do and why that is harmless. */
#ifndef CORDON_SETUP_LINUX_H
#define CORDON_SETUP_LINUX_H

#include <sys/types.h>

#include "elevated_linux.h"
#include "setup.h"

struct setup_ctx {
    const struct setup_args *args;
    char error[1536];   /* why the current step failed: path, call, OS error, fix */
    char detail[256];   /* what the current step did ("created", "already there") */
};

/* Records "<path>: <call>: errno N, <text>. Fix: <fix>" as the step's
 * error (err 0: no OS error) and returns -1. */
int setup__fail(struct setup_ctx *s, const char *path, const char *call, int err,
                const char *fix, ...) CORDON__PRINTF(5, 6);
/* Sets the step's detail; returns 0. */
int setup__done(struct setup_ctx *s, const char *fmt, ...) CORDON__PRINTF(2, 3);

/* ---- users.c ---- */
/* Runs one of the distribution's account tools (absolute path, fixed
 * environment), capturing its stderr into |out|; returns its exit status,
 * or -1 with errno when it could not run. */
int setup__run_tool(const char *const argv[], char *out, size_t n);
int setup__group_ensure(struct setup_ctx *s, const char *name, struct cordon__gr *out);
int setup__user_ensure(struct setup_ctx *s, const char *name, const char *comment,
                       const struct cordon__gr *group, struct cordon__pw *out);
int setup__home_ensure(struct setup_ctx *s, const struct cordon__pw *user);
int setup__members_ensure(struct setup_ctx *s, const struct cordon__gr *group,
                          const struct cordon__strv *users);
int setup__user_remove(struct setup_ctx *s, const char *name);
int setup__group_remove(struct setup_ctx *s, const char *name);
/* Problems of an existing sandbox user (shell, password, home), appended
 * to |problems|; 0 when none. */
int setup__user_problems(const struct cordon__pw *user, const struct cordon__gr *group,
                         struct cordon__strv *problems);
/* 1 when the user's password field in /etc/shadow is locked ("!" or "*"). */
int setup__password_locked(const char *name);

/* ---- nftables.c ---- */
/* Replaces table inet cordon with |ruleset| in one transaction. */
int setup__nft_load(struct setup_ctx *s, const char *ruleset);
/* Reads the table back: *loaded 0/1; when loaded, its listing's hash and
 * whether it holds the drop rule of |offline_uid|. */
int setup__nft_read(struct setup_ctx *s, unsigned long offline_uid, int *loaded,
                    char sha256[65], int *has_drop);
int setup__nft_delete(struct setup_ctx *s, int *existed);

/* ---- caps.c ---- */
/* Copies |src| to CORDON__RUNNER_PATH (root:|users_gid|, 0750) with only
 * CORDON__RUNNER_CAPS, reads it back, and puts its hash into |sha256|. */
int setup__runner_install(struct setup_ctx *s, const char *src, gid_t users_gid,
                          char sha256[65]);
int setup__runner_remove(struct setup_ctx *s);

/* ---- files.c ---- */
/* mkdir |path| (or check it) owned by |uid|:|gid| with |mode|, not a
 * symlink; adjusts owner and mode of an existing directory. */
int setup__dir_ensure(struct setup_ctx *s, const char *path, uid_t uid, gid_t gid, mode_t mode);
/* Writes |text| to |path| atomically (temp file + rename), root-owned, |mode|. */
int setup__file_write(struct setup_ctx *s, const char *path, const char *text, mode_t mode);
/* Removes |path| (a file or symlink) if present; *removed says whether. */
int setup__file_remove(struct setup_ctx *s, const char *path, int *removed);
/* Removes the directory tree |path| without following any symlink in it. */
int setup__tree_remove(struct setup_ctx *s, const char *path, int *removed);
/* rmdir |path| when it exists and is empty; *left is 1 when it stays
 * because it holds other files. */
int setup__dir_remove_if_empty(struct setup_ctx *s, const char *path, int *left);
/* Reads a small file; NULL when missing or unreadable. Caller frees. */
char *setup__file_read(const char *path, size_t max);

#define SETUP_NFT_CONF CORDON__SETUP_DIR "/cordon.nft"
#define SETUP_UNIT_DIR "/etc/systemd/system"
#define SETUP_UNIT_NAME "cordon-nftables.service"
#define SETUP_UNIT_PATH SETUP_UNIT_DIR "/" SETUP_UNIT_NAME
#define SETUP_UNIT_LINK SETUP_UNIT_DIR "/multi-user.target.wants/" SETUP_UNIT_NAME

#endif
