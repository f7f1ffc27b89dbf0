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
 * The caller makes them while the launch is under way (the command binds
 * them only after the caller says they are there), in memory shared with
 * the supervisor: whichever ends the run removes them, each only while it
 * is still the inode made here.
 */
#ifndef CORDON_LINUX_PLACEHOLDER_H
#define CORDON_LINUX_PLACEHOLDER_H

#include <stdatomic.h>
#include <sys/types.h>

#include "linux.h"

struct cordon__placeholder {
    const char *path;   /* the plan's mount source; not owned */
    dev_t dev;
    ino_t ino;
    int is_dir;         /* 1: the fallback empty directory */
    _Atomic int state;  /* 0 not made (or someone else's), 1 ours, 2 removed */
};

/* Lives in a shared anonymous mapping: a process forked from the caller
 * sees what the caller makes after the fork. */
struct cordon__placeholders {
    size_t cap;
    _Atomic size_t n;
    struct cordon__placeholder v[];
};

/* An empty set with room for every placeholder mount of |lp|. */
cordon_error cordon__placeholders_new(const struct cordon__plan_linux *lp,
                                      struct cordon__placeholders **out);
/* Makes one for each placeholder mount of |lp| whose path is still
 * missing. A path something else took meanwhile is left alone (it is
 * bound as it is); one the caller may not create is skipped, since the
 * command may not create it either. On failure the ones made are removed
 * and the error names the path, the step and the OS error. */
cordon_error cordon__placeholders_make(const struct cordon__plan_linux *lp,
                                       struct cordon__placeholders *p);
/* Removes each placeholder that is still the inode made here. Async-
 * signal-safe (the supervisor uses it too); NULL is fine. */
void cordon__placeholders_remove(struct cordon__placeholders *p);
void cordon__placeholders_free(struct cordon__placeholders *p);

#endif
