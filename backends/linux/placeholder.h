/* Placeholders (backends/linux/placeholder.c): what holds the place of a
 * missing protected path while one command runs, so that the command
 * cannot create it (a fresh .git/hooks, a new .codex/).
 *
 * A placeholder is a socket node with no permissions (mknod S_IFSOCK,
 * mode 0): it takes no data block, so making and removing it costs two
 * metadata updates (a directory's block would be freed, and on a
 * filesystem mounted with "discard" its removal waits for the device);
 * git looks past a ".git" that is neither a file nor a directory, as it
 * does past a missing one; and opening it fails at once (a FIFO would
 * block). In the command's view it is bound read-only, so it can be
 * neither removed nor replaced. Where the filesystem has no socket nodes
 * an empty directory is used instead.
 *
 * A placeholder is a new hard link of one such socket node, the template
 * ("placeholder" in the user's state directory, made by the first run
 * that needs it), so that no inode is allocated or freed per run: on ext4
 * without a journal every inode allocation skips the free inodes of its
 * group deleted in the last 30 s, reading each one's inode block, and
 * with placeholders made and removed on every run that scan cost up to
 * 1 ms per run. Where the link cannot be made (no template, another
 * filesystem, too many links) the placeholder is made by mknod. A link
 * that does not turn out a socket node of mode 0 of this user (the
 * template was changed or replaced) is removed with the template, and
 * mknod makes the placeholder. The inode is shared, but a command can
 * change it only through a writable link: its own placeholders are bound
 * read-only, and the template lies outside the writable roots unless one
 * of them holds the state directory (then a changed mode makes later
 * runs take the placeholder for something else: bound, never removed).
 *
 * Runs in one workspace share placeholders: a run that finds another
 * run's placeholder (a socket node of mode 0 owned by this user) relies on
 * it, and a placeholder is removed only by the last run relying on it.
 * Each run holds a shared flock on the placeholder's parent directory
 * while it runs; a run that ends removes its placeholders only if it gets
 * that lock exclusively (no other run holds it). Removal also checks that
 * the path is still the inode found or made: something put there
 * meanwhile is left alone.
 *
 * The caller takes the locks before the launch (the supervisor inherits
 * them) and makes the placeholders while the launch is under way (the
 * command binds them only after the caller says they are there). The
 * records live in memory shared with the supervisor, which removes them
 * once the tree is gone, after relaying the status; the caller removes
 * what is left when the supervisor could not.
 */
#ifndef CORDON_LINUX_PLACEHOLDER_H
#define CORDON_LINUX_PLACEHOLDER_H

#include <limits.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "linux.h"

struct cordon__placeholder {
    const char *path;   /* the plan's mount source; not owned */
    dev_t dev;
    ino_t ino;
    int is_dir;         /* 1: the fallback empty directory */
    int made;           /* 1: made by this run, 0: another run's */
    int lock;           /* index of its parent directory's lock; -1: none */
    int dirfd;          /* that lock's descriptor of the directory (made and removed
                           beneath it); -1: by path */
    _Atomic int state;  /* 0 nothing of ours, 1 ours to remove, 2 done,
                           3 being made (the caller may die meanwhile) */
};

struct cordon__placeholder_lock {
    char dir[PATH_MAX];
    int fd;             /* holds the shared lock (same number in the supervisor); -1: none */
};

/* Lives in a shared anonymous mapping: a process forked from the caller
 * sees what the caller makes after the fork. */
struct cordon__placeholders {
    size_t cap;
    _Atomic size_t n, n_locks;
    struct cordon__placeholder_lock *locks; /* cap entries, in the mapping */
    struct cordon__placeholder v[];
};

/* An empty set with room for every protected path of |lp|. */
cordon_error cordon__placeholders_new(const struct cordon__plan_linux *lp,
                                      struct cordon__placeholders **out);
/* Before the launch: the shared lock on the directory of each protected
 * path that may need a placeholder (missing, or not a directory at plan
 * time). Waits a little for another process's exclusive lock; the error
 * names the path and says so. */
cordon_error cordon__placeholders_lock(const struct cordon__plan_linux *lp,
                                       struct cordon__placeholders *p);
/* For each protected path of |lp| that is missing or another run's
 * placeholder: makes a placeholder or relies on the one there (shared
 * only under a lock). A path something else holds is left alone (it is
 * bound as it is); one the caller may not create is skipped, since the
 * command may not create it either. On failure the ones made are removed
 * and the error names the path, the step and the OS error. */
cordon_error cordon__placeholders_make(const struct cordon__plan_linux *lp,
                                       struct cordon__placeholders *p);
/* Removes this run's placeholders that no other run relies on and that
 * are still the inode found or made, and gives up the locks. Async-
 * signal-safe (the supervisor uses it); NULL is fine. */
void cordon__placeholders_remove(struct cordon__placeholders *p);
/* Closes the locks and unmaps the records. */
void cordon__placeholders_free(struct cordon__placeholders *p);

#endif
