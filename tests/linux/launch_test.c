/* The launch layer's hooks (backends/linux/process.h) with a supervisor
 * and no namespaces, so it runs as any user: after_clone runs in the
 * caller while the child sets up; when it fails the launch ends with its
 * error and the command never starts; when it succeeds the command runs.
 * The handshake is the one linux-unelevated uses: the command waits for
 * the caller's "ready" before exec. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "process.h"

struct hs {
    int sv[2];   /* caller sends on 0, the command receives on 1 */
    int fail;    /* after_clone fails instead of sending */
    int in_command_ran;
};

static int in_supervisor(void *ctx, const char **step)
{
    struct hs *h = ctx;
    (void)step;
    close(h->sv[0]);
    return 0;
}

static cordon_error after_clone(void *ctx)
{
    struct hs *h = ctx;
    cordon_error e = CORDON_OK;
    close(h->sv[1]);
    h->sv[1] = -1;
    if (h->fail)
        e = cordon__fail(CORDON_ERR_OS, "cordon-test: preparation failed on purpose");
    else if (send(h->sv[0], "r", 1, MSG_NOSIGNAL) != 1)
        e = cordon__fail(CORDON_ERR_OS, "cordon-test: send failed");
    close(h->sv[0]);
    h->sv[0] = -1;
    return e;
}

static int before_exec(void *ctx, const char **step)
{
    struct hs *h = ctx;
    char c;
    ssize_t r;
    do
        r = read(h->sv[1], &c, 1);
    while (r < 0 && errno == EINTR);
    if (r != 1) {
        *step = "cordon-test: no ready from the caller";
        return EPIPE;
    }
    return 0;
}

static cordon_error launch(int fail, const char *marker, struct cordon__exit *ex)
{
    char script[PATH_MAX + 32];
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    const char *envp[] = {"PATH=/usr/bin:/bin", NULL};
    struct cordon__spawn req;
    struct cordon__launch l;
    struct cordon__proc *proc = NULL;
    struct hs h;
    cordon_error e;

    snprintf(script, sizeof script, "echo ran > '%s'", marker);
    memset(&h, 0, sizeof h);
    h.fail = fail;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, h.sv) != 0)
        return CORDON_ERR_OS;
    memset(&req, 0, sizeof req);
    req.argv = argv;
    req.envp = envp;
    req.stdio[0] = req.stdio[1] = req.stdio[2] = CORDON_STDIO_INHERIT;
    memset(&l, 0, sizeof l);
    l.req = &req;
    l.supervise = 1;
    l.in_supervisor = in_supervisor;
    l.after_clone = after_clone;
    l.before_exec = before_exec;
    l.ctx = &h;
    e = cordon__process_spawn(&l, &proc);
    if (e == CORDON_OK) {
        e = cordon__process_wait(proc, 0, ex);
        cordon__process_free(proc);
    }
    if (h.sv[0] >= 0)
        close(h.sv[0]);
    if (h.sv[1] >= 0)
        close(h.sv[1]);
    return e;
}

int main(void)
{
    char tmpl[] = "cordon-test-launch-XXXXXX";
    char marker[PATH_MAX];
    struct cordon__exit ex;
    struct stat st;
    char *d = mkdtemp(tmpl);

    if (!d || !realpath(d, marker))
        SKIP("cannot make a directory in the build tree");
    strncat(marker, "/marker", sizeof marker - strlen(marker) - 1);

    /* Positive control: "ready" sent, the command runs. */
    memset(&ex, 0, sizeof ex);
    CHECK(launch(0, marker, &ex) == CORDON_OK);
    CHECK(ex.exit_code == 0);
    CHECK(stat(marker, &st) == 0);
    unlink(marker);

    /* after_clone fails: its error comes back, the command never ran. */
    CHECK(launch(1, marker, &ex) == CORDON_ERR_OS);
    CHECK(strstr(cordon_last_error(), "failed on purpose") != NULL);
    CHECK(stat(marker, &st) != 0 && errno == ENOENT);

    unlink(marker);
    rmdir(d);
    TEST_MAIN_END();
}
