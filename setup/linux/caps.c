/* The runner's file: copied into a root-owned directory, group cordon-users,
 * mode 0750, with only cap_setgid and cap_setuid in its permitted set
 * (libcap's cap_set_fd).
 *
 * Why this is safe: the file and every directory above it belong to root
 * and nobody else can write them, so nobody but root can replace the
 * program that holds the capabilities (the probe re-checks this, and the
 * hash, before every use). Only members of cordon-users can execute it.
 * The capabilities are permitted, not effective: the runner raises them
 * for the one call that changes its identity, into a sandbox user whose
 * uid and gid it reads from the root-owned marker, never from the caller,
 * and drops all of them before running anything; with no_new_privs set
 * nothing it executes can regain them. A caller can therefore only make
 * it become one of the two sandbox users, which is what the tier exists
 * to do. The copy is written under an O_EXCL temporary name, given owner,
 * mode and capabilities (in that order: chown clears file capabilities),
 * read back, and renamed into place, so the final path never holds a
 * half-made file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "setup_linux.h"

#define TMP_PATH CORDON__RUNNER_DIR "/.cordon-runner.tmp"

static int copy_fd(int in, int out)
{
    char buf[65536];
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf), off = 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return errno;
        if (r == 0)
            return 0;
        while (off < r) {
            ssize_t w = write(out, buf + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return w < 0 ? errno : EIO;
            off += w;
        }
    }
}

/* 1 when the installed runner already is |src_sha| with owner, mode and caps right. */
static int already_installed(const char *src_sha, gid_t gid)
{
    int fd = open(CORDON__RUNNER_PATH, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    char sha[65], caps[128];
    int ok = 0;
    if (fd < 0)
        return 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 && st.st_gid == gid &&
        (st.st_mode & 07777) == 0750 && cordon__fd_sha256_hex(fd, sha) == 0 &&
        strcmp(sha, src_sha) == 0 && cordon__file_caps_text(fd, caps, sizeof caps) == 0 &&
        strcmp(caps, CORDON__RUNNER_CAPS) == 0)
        ok = 1;
    close(fd);
    return ok;
}

int setup__runner_install(struct setup_ctx *s, const char *src, gid_t users_gid, char sha256[65])
{
    int in = -1, out = -1, err, rc = -1;
    cap_t caps = NULL;
    char src_sha[65], got_caps[128];
    struct stat st;

    in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        setup__fail(s, src, "open", errno,
                    "build cordon-runner, or name it with cordon-setup install --runner PATH");
        goto done;
    }
    if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
        setup__fail(s, src, "fstat", errno ? errno : EINVAL, "name the cordon-runner program");
        goto done;
    }
    err = cordon__fd_sha256_hex(in, src_sha);
    if (err) {
        setup__fail(s, src, "read", err, "check that it is readable");
        goto done;
    }
    /* /usr/local/libexec is the host's: made when missing, never changed. */
    if (mkdir("/usr/local/libexec", 0755) != 0 && errno != EEXIST) {
        setup__fail(s, "/usr/local/libexec", "mkdir", errno, "check that /usr/local is writable");
        goto done;
    }
    if (setup__dir_ensure(s, CORDON__RUNNER_DIR, 0, 0, 0755) != 0)
        goto done;
    if (already_installed(src_sha, users_gid)) {
        memcpy(sha256, src_sha, 65);
        setup__done(s, "already installed (sha256 %.12s...)", src_sha);
        rc = 0;
        goto done;
    }
    unlink(TMP_PATH);
    out = open(TMP_PATH, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0700);
    if (out < 0) {
        setup__fail(s, TMP_PATH, "open", errno, "check that %s is writable by root",
                    CORDON__RUNNER_DIR);
        goto done;
    }
    err = copy_fd(in, out);
    if (!err && (fchown(out, 0, users_gid) != 0 || fchmod(out, 0750) != 0 || fsync(out) != 0))
        err = errno;
    if (err) {
        setup__fail(s, TMP_PATH, "copy", err, "check free space under %s", CORDON__RUNNER_DIR);
        goto done;
    }
    caps = cap_from_text(CORDON__RUNNER_CAPS);
    if (!caps || cap_set_fd(out, caps) != 0) {
        setup__fail(s, TMP_PATH, caps ? "cap_set_fd" : "cap_from_text", errno,
                    "the file system must support security.capability extended attributes "
                    "(ext4, xfs, btrfs, tmpfs do)");
        goto done;
    }
    /* Read back what is on disk, not what was meant. */
    close(out);
    out = open(TMP_PATH, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    err = out < 0 ? errno : cordon__fd_sha256_hex(out, sha256);
    if (!err)
        err = cordon__file_caps_text(out, got_caps, sizeof got_caps);
    if (err) {
        setup__fail(s, TMP_PATH, "read back", err, "check the file system");
        goto done;
    }
    if (strcmp(sha256, src_sha) != 0 || strcmp(got_caps, CORDON__RUNNER_CAPS) != 0) {
        setup__fail(s, TMP_PATH, "read back", 0,
                    "the copy reads back as sha256 %.12s... with capabilities \"%s\", expected "
                    "%.12s... with \"%s\": check the file system",
                    sha256, got_caps, src_sha, CORDON__RUNNER_CAPS);
        goto done;
    }
    if (rename(TMP_PATH, CORDON__RUNNER_PATH) != 0) {
        setup__fail(s, CORDON__RUNNER_PATH, "rename", errno, "remove what is at that path");
        goto done;
    }
    setup__done(s, "installed (sha256 %.12s..., %s)", sha256, CORDON__RUNNER_CAPS);
    rc = 0;
done:
    if (caps)
        cap_free(caps);
    if (out >= 0)
        close(out);
    if (rc != 0)
        unlink(TMP_PATH);
    if (in >= 0)
        close(in);
    return rc;
}

int setup__runner_remove(struct setup_ctx *s)
{
    int removed = 0, tmp = 0, left = 0;
    if (setup__file_remove(s, CORDON__RUNNER_PATH, &removed) != 0 ||
        setup__file_remove(s, TMP_PATH, &tmp) != 0 ||
        setup__dir_remove_if_empty(s, CORDON__RUNNER_DIR, &left) != 0)
        return -1;
    if (left)
        return setup__done(s, "%s; %s stays: it holds other files (cmake --install puts the "
                           "ssh/scp stubs there)", removed ? "removed" : "not there",
                           CORDON__RUNNER_DIR);
    return setup__done(s, "%s", removed ? "removed" : "not there");
}
