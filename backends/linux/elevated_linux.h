/* The Linux elevated tier's host side, shared by the linux-elevated
 * backend, cordon-setup and cordon-runner (backends/linux/accounts.c,
 * filecaps.c, elevated_facts.c). Nothing here needs privilege: the
 * privileged steps live in setup/ and runner/. */
#ifndef CORDON_ELEVATED_LINUX_H
#define CORDON_ELEVATED_LINUX_H

#include <stdint.h>
#include <sys/types.h>

#include "elevated.h"
#include "linux.h"

#define CORDON__SETUP_DIR "/etc/cordon"
#define CORDON__MARKER_PATH "/etc/cordon/setup.json"
#define CORDON__RUNNER_DIR "/usr/local/libexec/cordon"
#define CORDON__RUNNER_PATH "/usr/local/libexec/cordon/cordon-runner"
/* The runner's end of cordon's socket. */
#define CORDON__RUNNER_FD 3
#define CORDON__HOME_BASE "/var/lib/cordon"
#define CORDON__USER_OFFLINE "cordon-offline"
#define CORDON__USER_ONLINE "cordon-online"
#define CORDON__GROUP_SANDBOX "cordon-sandbox"
#define CORDON__GROUP_USERS "cordon-users"
/* The runner's file capabilities: permitted only, so that the runner
 * raises them itself for the one step that needs them. */
#define CORDON__RUNNER_CAPS "cap_setgid,cap_setuid=p"
/* Where the host restricts user namespaces through AppArmor. */
#define CORDON__APPARMOR_DIR "/etc/apparmor.d"
#define CORDON__APPARMOR_PROFILE_NAME "cordon-runner"
#define CORDON__APPARMOR_PROFILE CORDON__APPARMOR_DIR "/" CORDON__APPARMOR_PROFILE_NAME

/* ---- apparmor.c ---- */
/* 1 when <proc_sys>/kernel/apparmor_restrict_unprivileged_userns says 1
 * (user namespaces only under a profile that allows them), 0 when it says
 * 0 or does not exist, -1 when it cannot be read or says anything else.
 * |proc_sys| is "/proc/sys" but for tests. */
int cordon__apparmor_userns_restricted(const char *proc_sys);
/* The profile setup installs for the runner there (static text). */
const char *cordon__apparmor_profile_text(void);

/* ---- accounts.c: the local account files, read directly --------------- */
/* The sandbox users and groups are local (useradd writes /etc/passwd and
 * /etc/group); reading the files directly works in a statically linked
 * program, which cannot load NSS modules. */
struct cordon__pw {
    char name[64];
    uid_t uid;
    gid_t gid;
    char home[256];
    char shell[256];
};
struct cordon__gr {
    char name[64];
    gid_t gid;
    char members[1024]; /* comma-separated, as in /etc/group */
};
/* 1 found, 0 not found, -1 the file cannot be read (errno set). */
int cordon__pw_by_name(const char *name, struct cordon__pw *out);
int cordon__pw_by_uid(uid_t uid, struct cordon__pw *out);
int cordon__gr_by_name(const char *name, struct cordon__gr *out);
/* 1 when |user| is listed in |gr|'s members or has it as primary group. */
int cordon__gr_has_member(const struct cordon__gr *gr, const struct cordon__pw *user);
/* 1 when group |gid| holds no account but |uid|: no other account has it
 * as its primary group and /etc/group lists no other member (a user's
 * private group); 0 when it holds others; -1 when a file cannot be read. */
int cordon__gid_only_for(gid_t gid, uid_t uid);

/* ---- filecaps.c: a file's capabilities, as text --------------------- */
/* The canonical text of the "security.capability" attribute of |fd|, in
 * libcap's form ("cap_setgid,cap_setuid=p"), "" when it has none. Returns
 * 0, or an errno value. */
int cordon__file_caps_text(int fd, char *buf, size_t n);
/* The same text for raw masks (core of the above; tested directly). */
void cordon__caps_text(uint64_t permitted, uint64_t inheritable, int effective, uint32_t rootid,
                       char *buf, size_t n);

/* ---- elevated_facts.c ---------------------------------------------- */
/* SHA-256 of the file open at |fd| as 64 hex digits; 0 or an errno. */
int cordon__fd_sha256_hex(int fd, char out[65]);
/* 1 when |path|'s directory chain up to / is owned by root and writable by
 * no one else (sticky world-writable directories do not count as safe).
 * On 0, |why| says which directory. */
int cordon__dir_chain_root_only(const char *path, char *why, size_t n);
/* The rule of "a run writes only where its caller may" for one root: 0
 * when |root|, reached without a symbolic link, is owned by the real uid;
 * else an errno value (EPERM: another owner) with |why|. Every allowed
 * user's granted roots are writable to the same sandbox users, so a root
 * someone else owns (/tmp, a shared directory) may hold what the sandbox
 * users can write and the caller cannot. */
int cordon__root_is_callers(const char *root, char *why, size_t n);
/* The same rule seen from the granting side: 1 when every directory above
 * |root| is owned by root or the real uid and nobody else may move entries
 * in it (cordon__dir_open_to_others), so that no other user can hold the
 * root inside a root of its own, nor move it into one; else 0 with |why|. */
int cordon__root_above_closed(const char *root, const uid_t sandbox[2], char *why, size_t n);
/* /proc/sys/fs/protected_hardlinks: 1, 0, or -1 when unreadable or other.
 * With 0 a user may hard-link any file it can reach, also one only the
 * sandbox users may write, into its own root. */
int cordon__protected_hardlinks(void);
/* The user's state files, $XDG_STATE_HOME/cordon/NAME (default
 * ~/.local/state/cordon/NAME): read returns the bytes read (NUL-ended in
 * |buf|) or -1; write replaces the file atomically, making the directories
 * (0700), and fails silently (what is remembered is only a hint). */
int cordon__linux_state_read(const char *name, char *buf, size_t n);
void cordon__linux_state_write(const char *name, const char *text);
/* A file's identity and change times as text (device, inode, size, mtime,
 * ctime): equal keys mean the same file, unchanged. */
struct stat;
void cordon__linux_file_key(const struct stat *st, char *out, size_t n);

/* Fills every fact but the rules' and the defence-in-depth ones: the
 * marker (trusted only when root-owned and writable by root alone, in a
 * root-only directory chain), the accounts, the caller (real uid), and
 * with CORDON__FACTS_RUNNER the runner file (its hash remembered per user
 * with CORDON__FACTS_HASH_CACHE). |m| holds the parsed marker; free it
 * with cordon__marker_free(). */
#define CORDON__FACTS_RUNNER 1u
#define CORDON__FACTS_HASH_CACHE 2u
void cordon__linux_elevated_facts(const char *marker_path, unsigned what,
                                  struct cordon__marker *m, struct cordon__elevated_facts *f);

/* ---- acl.c: the POSIX ACL grants on the writable roots ---------------- */
/* 1 when |root| carries cordon's entries: rwx for both sandbox uids in its
 * access and default ACLs, and rwx for |owner| in its default ACL (so that
 * what the sandbox users create stays the owner's to read and write). */
int cordon__acl_root_granted(const char *root, const uid_t sandbox[2], uid_t owner);
/* Adds (|grant| 1) or removes (0) those entries on |root| and everything
 * below it that |owner| owns on the same filesystem, except the paths in
 * |skip| (protected paths, absolute) and their subtrees; the root last.
 * *done (may be NULL): how many objects it changed or checked. */
cordon_error cordon__acl_tree(const char *root, const uid_t sandbox[2], uid_t owner, int grant,
                              const struct cordon__strv *skip, size_t *done);

/* Adds (|grant| 1) or removes (0) search-only (x) access entries for the
 * sandbox users on the directory |dir| alone (one above a root that they
 * could not enter). */
cordon_error cordon__acl_search(const char *dir, const uid_t sandbox[2], uid_t owner, int grant);

/* 1 when someone other than the owner of |dir| (|st|: its stat), root and
 * the sandbox users may add, rename or remove entries in it: its mode or
 * access ACL lets every user, a group holding other accounts, or another
 * named user write it, and it is not sticky (in a sticky directory only
 * an entry's owner moves it). |who| names them. 0 otherwise. */
int cordon__dir_open_to_others(const char *dir, const struct stat *st, const uid_t sandbox[2],
                               char *who, size_t n);

/* ---- acl_grants.c: the caller's record of its grants ------------------ */
/* $XDG_STATE_HOME/cordon/elevated-grants: "<offline uid> <online uid> <root>"
 * a line for a granted tree, "<offline uid> <online uid> x <dir>" for a
 * search-only directory. Adds one (once). */
cordon_error cordon__grants_record_add(const char *root, const uid_t sandbox[2], int search_only);

#endif
