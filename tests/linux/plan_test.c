/* Plan tests for the Linux part of the plan (core/plan_linux.c): compiled
 * from fake host facts, so they hold on any host. */
#include "../core/fakehost.h"
#include "harness.h"

static const struct fake_entry fs[] = {
    {"/", CORDON__PATH_DIR, NULL},
    {"/home/ann", CORDON__PATH_DIR, NULL},
    {"/work/app", CORDON__PATH_DIR, NULL},
    {"/work/app/.git", CORDON__PATH_DIR, NULL},
    {"/work/app/.git/HEAD", CORDON__PATH_FILE, "ref: refs/heads/main\n"},
    {"/work/wt", CORDON__PATH_DIR, NULL},
    {"/work/wt/.git", CORDON__PATH_FILE, "gitdir: /work/main/.git/worktrees/wt\n"},
    {"/work/main/.git/worktrees/wt", CORDON__PATH_DIR, NULL},
    {"/tmp", CORDON__PATH_DIR, NULL},
    {"/tmp/ws", CORDON__PATH_DIR, NULL},
    {"/dev", CORDON__PATH_DIR, NULL},
    {"/dev/shm/ws", CORDON__PATH_DIR, NULL},
    {"/dev/shm/ws/.git", CORDON__PATH_DIR, NULL},
    {"/proc/7", CORDON__PATH_DIR, NULL},
    {NULL, 0, NULL},
};

static cordon_policy *builtin(const char *name)
{
    cordon_policy *p = NULL;
    CHECK(cordon_policy_builtin(name, &p) == CORDON_OK);
    return p;
}

static const struct cordon__mount *find_mount(const struct cordon__plan_linux *lp,
                                              enum cordon__mount_op op, const char *dst)
{
    size_t i;
    for (i = 0; i < lp->n_mounts; i++)
        if (lp->mounts[i].op == op && (!dst || !strcmp(lp->mounts[i].dst, dst)))
            return &lp->mounts[i];
    return NULL;
}

static const struct cordon__ll_rule *find_rule(const struct cordon__plan_linux *lp, const char *p)
{
    size_t i;
    for (i = 0; i < lp->n_ll_rules; i++)
        if (!strcmp(lp->ll_rules[i].path, p))
            return &lp->ll_rules[i];
    return NULL;
}

/* Evaluates the socket rules as the filter does, for the family in the
 * low 32 bits of the argument (the high bits are masked off). */
/* Whether seccomp refuses socket(|arg|, ...) for every type, with or
 * without the private network namespace (|netns|). */
static int socket_denied_in(const struct cordon__plan_linux *lp, unsigned long long arg, int netns)
{
    size_t i;
    for (i = 0; i < lp->n_seccomp; i++) {
        const struct cordon__seccomp_rule *r = &lp->seccomp[i];
        if ((r->when == CORDON__SECCOMP_NO_NETNS && netns) ||
            (r->when == CORDON__SECCOMP_NETNS && !netns) || r->when == CORDON__SECCOMP_NO_USERNS)
            continue;
        /* Each such refusal is a denial the gate counts (answering 97). */
        if (!strcmp(r->syscall, "socket") && r->has_arg && !r->has_arg2 && r->arg == 0 &&
            r->err == 97 && !(r->mask >> 32) && (arg & r->mask) == r->value)
            return r->count && !r->notify;
    }
    return 0;
}

static int socket_denied(const struct cordon__plan_linux *lp, unsigned long long arg)
{
    return socket_denied_in(lp, arg, 0);
}

/* Whether |call| (socket or socketpair) of |family| and |type| is refused
 * by a two-argument rule (the unix datagram refusal). */
static int typed_denied(const struct cordon__plan_linux *lp, const char *call,
                        unsigned long long family, unsigned long long type)
{
    size_t i;
    for (i = 0; i < lp->n_seccomp; i++) {
        const struct cordon__seccomp_rule *r = &lp->seccomp[i];
        if (!strcmp(r->syscall, call) && r->has_arg && r->has_arg2 && r->arg == 0 &&
            r->arg2 == 1 && !(r->mask >> 32) && (family & r->mask) == r->value &&
            (type & r->mask2) == r->value2 && r->when == CORDON__SECCOMP_ALWAYS)
            return 1;
    }
    return 0;
}

static int gate_rule(const struct cordon__plan_linux *lp, const char *call)
{
    size_t i;
    for (i = 0; i < lp->n_seccomp; i++)
        if (!strcmp(lp->seccomp[i].syscall, call) && lp->seccomp[i].notify &&
            !lp->seccomp[i].has_arg && lp->seccomp[i].when == CORDON__SECCOMP_ALWAYS)
            return 1;
    return 0;
}

static int has_sc(const struct cordon__plan_linux *lp, const char *name, enum cordon__seccomp_when w)
{
    size_t i;
    for (i = 0; i < lp->n_seccomp; i++)
        if (!strcmp(lp->seccomp[i].syscall, name) && lp->seccomp[i].when == w)
            return 1;
    return 0;
}

static size_t index_of(const struct cordon__plan_linux *lp, const struct cordon__mount *m)
{
    return (size_t)(m - lp->mounts);
}

static void workspace_write(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    const struct cordon__plan_linux *lp = &plan.linux_plan;
    const struct cordon__mount *ro_all, *tmp, *root, *git, *codex, *shm, *proc;
    const struct cordon__ll_rule *r;
    cordon_policy *p = builtin("workspace-write");
    struct cordon__json j;
    char *json;

    fake_host(CORDON__OS_LINUX, fs, &h);
    CHECK_MSG(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK, "%s",
              cordon_last_error());
    CHECK(lp->confine && lp->user_ns && lp->mount_ns && lp->pid_ns);
    CHECK(lp->no_new_privs && lp->drop_caps);

    /* The private temp is mounted on /tmp and TMPDIR says so. */
    CHECK_STR(lp->tmp_mount, "/tmp");
    CHECK_STR(plan.tmp_env, "/tmp");
    CHECK_STR(lp->tmp_env_fallback, "/tmp/cordon-run-42-abc");

    /* Mount order: read-only view first, then the private /tmp and /dev
     * (a root below either is bound into them), then the writable roots,
     * then the protected paths on top, /proc last. */
    ro_all = find_mount(lp, CORDON__MOUNT_READONLY_ALL, NULL);
    tmp = find_mount(lp, CORDON__MOUNT_TMP, "/tmp");
    root = find_mount(lp, CORDON__MOUNT_BIND_RW, "/work/app");
    git = find_mount(lp, CORDON__MOUNT_BIND_RO, "/work/app/.git");
    codex = find_mount(lp, CORDON__MOUNT_BIND_RO, "/work/app/.codex");
    shm = find_mount(lp, CORDON__MOUNT_DEV, "/dev");
    proc = find_mount(lp, CORDON__MOUNT_PROC, "/proc");
    CHECK(ro_all && tmp && root && git && codex && shm && proc);
    if (ro_all && tmp && root && git && codex && shm && proc) {
        CHECK(index_of(lp, ro_all) == 0);
        CHECK(index_of(lp, tmp) < index_of(lp, root));
        CHECK(index_of(lp, root) < index_of(lp, git));
        CHECK(index_of(lp, tmp) < index_of(lp, shm));
        CHECK(index_of(lp, shm) < index_of(lp, root));
        CHECK(index_of(lp, git) < index_of(lp, proc));
        {
            /* The private /dev: the harmless nodes bound from the host
             * after it, its own ptys and queues; nothing else. */
            const struct cordon__mount *null = find_mount(lp, CORDON__MOUNT_DEV_NODE, "/dev/null");
            const struct cordon__mount *pts = find_mount(lp, CORDON__MOUNT_DEVPTS, "/dev/pts");
            const struct cordon__mount *mq = find_mount(lp, CORDON__MOUNT_MQUEUE, "/dev/mqueue");
            const struct cordon__mount *ptmx = find_mount(lp, CORDON__MOUNT_SYMLINK, "/dev/ptmx");
            size_t k, nodes = 0;
            CHECK(null && pts && mq && ptmx);
            if (null && pts && mq && ptmx) {
                CHECK(index_of(lp, shm) < index_of(lp, null));
                CHECK(null->is_file && null->optional && null->src && !strcmp(null->src, "/dev/null"));
                CHECK_STR(ptmx->link, "pts/ptmx");
            }
            for (k = 0; k < lp->n_mounts; k++)
                if (lp->mounts[k].op == CORDON__MOUNT_DEV_NODE)
                    nodes++;
            CHECK(nodes == 6); /* null zero full random urandom tty */
            CHECK(find_mount(lp, CORDON__MOUNT_DEV_NODE, "/dev/loop-control") == NULL);
        }
        CHECK(lp->ipc_ns);
        CHECK(tmp->src == NULL); /* a private tmpfs, nothing on the host */
        CHECK(!git->placeholder && !git->is_file);
        CHECK(codex->placeholder); /* missing: held by a placeholder */
        CHECK(git->protect && codex->protect && !root->protect); /* shared placeholders */
        CHECK(find_mount(lp, CORDON__MOUNT_BIND_RO, "/work/app/.agents") != NULL);
        CHECK(find_mount(lp, CORDON__MOUNT_BIND_RO, "/work/app/.cordon") != NULL);
    }

    /* Landlock: all modifying rights handled, no read right handled. */
    CHECK(lp->ll_fs_handled == (CORDON__LL_FS_WRITE_ALL | CORDON__LL_FS_IOCTL_DEV));
    CHECK(!(lp->ll_fs_handled & (CORDON__LL_FS_READ_FILE | CORDON__LL_FS_READ_DIR |
                                 CORDON__LL_FS_EXECUTE)));
    r = find_rule(lp, "/work/app");
    CHECK(r && r->access == CORDON__LL_FS_WRITE_ALL);
    r = find_rule(lp, "/tmp/cordon-run-42-abc"); /* the host dir, without namespaces */
    CHECK(r && r->access == CORDON__LL_FS_WRITE_ALL && r->when == CORDON__LL_WITHOUT_MOUNT_NS);
    r = find_rule(lp, "/tmp"); /* the private tmpfs, inside */
    CHECK(r && r->access == CORDON__LL_FS_WRITE_ALL && r->when == CORDON__LL_WITH_MOUNT_NS);
    r = find_rule(lp, "/dev/null");
    CHECK(r && r->access == (CORDON__LL_FS_FILE_RIGHTS | CORDON__LL_FS_IOCTL_DEV) && r->optional);
    r = find_rule(lp, "/dev/shm");
    CHECK(r && r->when == CORDON__LL_WITH_MOUNT_NS);
    r = find_rule(lp, "/dev/mqueue");
    CHECK(r && r->when == CORDON__LL_WITH_MOUNT_NS);
    r = find_rule(lp, "/dev/pts"); /* the command's own devpts only */
    CHECK(r && r->when == CORDON__LL_WITH_MOUNT_NS);
    r = find_rule(lp, "/dev/ptmx");
    CHECK(r && r->when == CORDON__LL_WITHOUT_MOUNT_NS);
    CHECK(lp->ll_stdio_terminals);
    CHECK(find_rule(lp, "/") == NULL && find_rule(lp, "/home/ann") == NULL);
    /* TCP refused by Landlock only without the private network namespace
     * (the backend drops it with one); abstract unix sockets scoped. */
    CHECK(lp->ll_net_handled == (CORDON__LL_NET_BIND_TCP | CORDON__LL_NET_CONNECT_TCP));
    CHECK(lp->ll_scoped == (CORDON__LL_SCOPE_SIGNAL | CORDON__LL_SCOPE_ABSTRACT_UNIX));
    CHECK(lp->net_ns && lp->unix_gate);

    /* In the private network namespace: IPv4 and IPv6 stay in it; every
     * other family but unix and netlink is refused, high bits or not. */
    {
        unsigned long long fam;
        int all = 1;
        for (fam = 3; fam < 64; fam++)
            if (fam != 10 && fam != 16 &&
                (!socket_denied_in(lp, fam, 1) || !socket_denied_in(lp, fam | (7ull << 32), 1)))
                all = 0;
        CHECK(all);
        CHECK(!socket_denied_in(lp, 1, 1) && !socket_denied_in(lp, 2, 1) &&
              !socket_denied_in(lp, 10, 1) && !socket_denied_in(lp, 16, 1));
        CHECK(socket_denied_in(lp, 17, 1) && socket_denied_in(lp, 40, 1)); /* packet, vsock */
    }
    /* Unix sockets: connect() goes to the gate; datagram sockets (SOCK_RAW
     * is one there) refused, whatever the flags and high bits; stream and
     * seqpacket stay. */
    CHECK(gate_rule(lp, "connect"));
    CHECK(typed_denied(lp, "socket", 1, 2) && typed_denied(lp, "socket", 1, 3));
    CHECK(typed_denied(lp, "socket", 1 | (1ull << 32), 2 | 0x80000 | 0x800));
    CHECK(typed_denied(lp, "socketpair", 1, 2) && typed_denied(lp, "socketpair", 1, 3));
    CHECK(!typed_denied(lp, "socket", 1, 1) && !typed_denied(lp, "socket", 1, 5));
    CHECK(!typed_denied(lp, "socketpair", 1, 1 | 0x80000));
    CHECK(!typed_denied(lp, "socket", 2, 2)); /* UDP is the namespace's business */

    /* seccomp: every family but unix (1) and netlink (16), whatever the
     * upper 32 bits of the argument say. */
    {
        unsigned long long fam;
        int all = 1;
        for (fam = 2; fam < 64; fam++)
            if (fam != 16 && (!socket_denied(lp, fam) || !socket_denied(lp, fam | (7ull << 32))))
                all = 0;
        CHECK(all);
    }
    CHECK(!socket_denied(lp, 0) && !socket_denied(lp, 1) && !socket_denied(lp, 16));
    CHECK(!socket_denied(lp, 1 | (1ull << 32)));
    CHECK(has_sc(lp, "io_uring_setup", CORDON__SECCOMP_ALWAYS));
    CHECK(has_sc(lp, "mount", CORDON__SECCOMP_ALWAYS));
    CHECK(has_sc(lp, "keyctl", CORDON__SECCOMP_ALWAYS));
    CHECK(has_sc(lp, "add_key", CORDON__SECCOMP_ALWAYS));
    CHECK(has_sc(lp, "request_key", CORDON__SECCOMP_ALWAYS));
    CHECK(has_sc(lp, "shmget", CORDON__SECCOMP_NO_USERNS));
    CHECK(has_sc(lp, "mq_unlink", CORDON__SECCOMP_NO_USERNS));
    CHECK(has_sc(lp, "semctl", CORDON__SECCOMP_NO_USERNS));
    CHECK(has_sc(lp, "ioctl", CORDON__SECCOMP_ALWAYS));
    CHECK(has_sc(lp, "fchmodat", CORDON__SECCOMP_NO_USERNS));
    CHECK(has_sc(lp, "fchmodat2", CORDON__SECCOMP_NO_USERNS));
    CHECK(has_sc(lp, "setxattr", CORDON__SECCOMP_NO_USERNS));

    /* Printed by explain. */
    memset(&j, 0, sizeof j);
    cordon__plan_linux_json(lp, &j);
    json = cordon__buf_take(&j.out);
    CHECK_CONTAINS(json, "\"op\":\"readonly_all\"");
    CHECK_CONTAINS(json, "\"placeholder\":true");
    CHECK_CONTAINS(json, "\"fs_handled\":[\"write_file\",");
    CHECK_CONTAINS(json, "\"scoped\":[\"abstract_unix_socket\",\"signal\"]");
    CHECK_CONTAINS(json, "\"network\":true");
    CHECK_CONTAINS(json, "\"net_when\":\"no_net_ns\"");
    CHECK_CONTAINS(json, "\"syscall\":\"connect\",\"errno\":13,\"action\":\"gate\"");
    CHECK_CONTAINS(json, "\"syscall\":\"io_uring_setup\"");
    free(json);
    cordon__plan_free(&plan);
    cordon_policy_free(p);
}

static void network_on_and_gitdir(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    const struct cordon__plan_linux *lp = &plan.linux_plan;
    const struct cordon__mount *m;
    cordon_policy *p = builtin("workspace-write-online");

    fake_host(CORDON__OS_LINUX, fs, &h);
    CHECK_MSG(cordon__plan_compile(p, "/work/wt", &h, &plan) == CORDON_OK, "%s",
              cordon_last_error());
    CHECK(!socket_denied(lp, 2) && !socket_denied(lp, 10));
    CHECK(!socket_denied_in(lp, 2, 1) && !socket_denied_in(lp, 40, 1));
    CHECK(lp->ll_net_handled == 0);
    CHECK(!lp->net_ns);
    /* Unix sockets of host services are gated with the network on too. */
    CHECK(gate_rule(lp, "connect") && typed_denied(lp, "socket", 1, 2));
    CHECK(has_sc(lp, "io_uring_setup", CORDON__SECCOMP_ALWAYS));
    /* A .git file: the file itself and its gitdir: target are read-only. */
    m = find_mount(lp, CORDON__MOUNT_BIND_RO, "/work/wt/.git");
    CHECK(m && m->is_file && !m->placeholder);
    m = find_mount(lp, CORDON__MOUNT_BIND_RO, "/work/main/.git/worktrees/wt");
    CHECK(m && !m->is_file);
    cordon__plan_free(&plan);
    cordon_policy_free(p);
}

static void roots_under_tmp(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    const struct cordon__plan_linux *lp = &plan.linux_plan;
    const struct cordon__mount *tmp, *root;
    cordon_policy *p = builtin("workspace-write");

    /* A root below /tmp stays visible: it is bound after the private /tmp
     * (its mount point is made inside the tmpfs). */
    fake_host(CORDON__OS_LINUX, fs, &h);
    CHECK_MSG(cordon__plan_compile(p, "/tmp/ws", &h, &plan) == CORDON_OK, "%s",
              cordon_last_error());
    tmp = find_mount(lp, CORDON__MOUNT_TMP, "/tmp");
    root = find_mount(lp, CORDON__MOUNT_BIND_RW, "/tmp/ws");
    CHECK(tmp && root && tmp < root);
    cordon__plan_free(&plan);

    /* /tmp itself as a root: no private mount over it; TMPDIR keeps the
     * host path of the private directory. */
    CHECK(cordon_policy_clear_writable_roots(p) == CORDON_OK);
    CHECK(cordon_policy_add_writable_root(p, "/tmp") == CORDON_OK);
    CHECK_MSG(cordon__plan_compile(p, "/tmp/ws", &h, &plan) == CORDON_OK, "%s",
              cordon_last_error());
    CHECK(lp->tmp_mount == NULL);
    CHECK(find_mount(lp, CORDON__MOUNT_TMP, NULL) == NULL);
    CHECK(find_rule(lp, "/tmp/cordon-run-42-abc") != NULL &&
          find_rule(lp, "/tmp/cordon-run-42-abc")->when == CORDON__LL_ALWAYS);
    CHECK_STR(plan.tmp_env, "/tmp/cordon-run-42-abc");
    cordon__plan_free(&plan);
    cordon_policy_free(p);
}

static void roots_under_dev_and_proc(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    const struct cordon__plan_linux *lp = &plan.linux_plan;
    const struct cordon__mount *dev, *root, *git, *cwd;
    cordon_policy *p = builtin("workspace-write");

    /* A workspace in /dev/shm: bound after the private /dev (which would
     * hide it), its protected paths on top of it. */
    fake_host(CORDON__OS_LINUX, fs, &h);
    CHECK_MSG(cordon__plan_compile(p, "/dev/shm/ws", &h, &plan) == CORDON_OK, "%s",
              cordon_last_error());
    dev = find_mount(lp, CORDON__MOUNT_DEV, "/dev");
    root = find_mount(lp, CORDON__MOUNT_BIND_RW, "/dev/shm/ws");
    git = find_mount(lp, CORDON__MOUNT_BIND_RO, "/dev/shm/ws/.git");
    CHECK(dev && root && git && dev < root && root < git);
    cordon__plan_free(&plan);
    cordon_policy_free(p);

    /* Read-only there: the cwd stays visible, bound read-only. */
    p = builtin("read-only");
    CHECK_MSG(cordon__plan_compile(p, "/dev/shm/ws", &h, &plan) == CORDON_OK, "%s",
              cordon_last_error());
    dev = find_mount(lp, CORDON__MOUNT_DEV, "/dev");
    cwd = find_mount(lp, CORDON__MOUNT_BIND_RO, "/dev/shm/ws");
    CHECK(dev && cwd && dev < cwd);
    cordon__plan_free(&plan);
    /* In /dev itself the cwd is the private /dev: nothing bound over it. */
    CHECK_MSG(cordon__plan_compile(p, "/dev", &h, &plan) == CORDON_OK, "%s", cordon_last_error());
    CHECK(find_mount(lp, CORDON__MOUNT_BIND_RO, "/dev") == NULL);
    cordon__plan_free(&plan);
    cordon_policy_free(p);

    /* Below /proc (replaced by a fresh proc): refused before the run. */
    p = builtin("workspace-write");
    CHECK(cordon__plan_compile(p, "/proc/7", &h, &plan) == CORDON_ERR_PATH_REFUSED);
    CHECK(strstr(cordon_last_error(), "below /proc") != NULL);
    cordon_policy_free(p);
    /* A working directory there with the roots elsewhere, or read-only. */
    p = builtin("read-only");
    CHECK(cordon__plan_compile(p, "/proc/7", &h, &plan) == CORDON_ERR_PATH_REFUSED);
    CHECK(strstr(cordon_last_error(), "working directory /proc/7 is below /proc") != NULL);
    cordon_policy_free(p);
}

static void read_only_and_full_access(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    const struct cordon__plan_linux *lp = &plan.linux_plan;
    cordon_policy *p = builtin("read-only");
    struct cordon__json j;

    fake_host(CORDON__OS_LINUX, fs, &h);
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK);
    CHECK(lp->confine);
    CHECK(find_mount(lp, CORDON__MOUNT_BIND_RW, NULL) == NULL);
    CHECK(find_rule(lp, "/work/app") == NULL);
    cordon__plan_free(&plan);
    cordon_policy_free(p);

    p = builtin("full-access");
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK);
    CHECK(!lp->confine && lp->n_mounts == 0 && lp->n_ll_rules == 0 && lp->n_seccomp == 0);
    memset(&j, 0, sizeof j);
    cordon__plan_linux_json(lp, &j);
    CHECK_STR_FREE(cordon__buf_take(&j.out), "{\"confine\":false}");
    cordon__plan_free(&plan);
    cordon_policy_free(p);
}

static void abi_rights(void)
{
    CHECK(cordon__landlock_fs_rights_of_abi(0) == 0);
    CHECK(cordon__landlock_fs_rights_of_abi(1) == 0x1fffull);
    CHECK(cordon__landlock_fs_rights_of_abi(2) == 0x3fffull);
    CHECK(cordon__landlock_fs_rights_of_abi(3) == 0x7fffull);
    CHECK(cordon__landlock_fs_rights_of_abi(4) == 0x7fffull);
    CHECK(cordon__landlock_fs_rights_of_abi(5) == 0xffffull);
    /* Masking the plan's set to ABI 1 drops refer and truncate. */
    CHECK((CORDON__LL_FS_WRITE_ALL & cordon__landlock_fs_rights_of_abi(1)) ==
          (CORDON__LL_FS_WRITE_ALL & ~(CORDON__LL_FS_REFER | CORDON__LL_FS_TRUNCATE)));
}

/* Protected paths in depth: submodules and worktrees read from git's own
 * files, a missing parent held at its highest missing ancestor, and the
 * directories on the way pinned, outermost first. */
static const struct fake_entry deep_fs[] = {
    {"/", CORDON__PATH_DIR, NULL},
    {"/home/ann", CORDON__PATH_DIR, NULL},
    {"/w", CORDON__PATH_DIR, NULL},
    {"/w/.git", CORDON__PATH_DIR, NULL},
    {"/w/.git/modules/m", CORDON__PATH_DIR, NULL},
    {"/w/.git/worktrees", CORDON__PATH_DIR, NULL},
    {"/w/.git/worktrees/wt1", CORDON__PATH_DIR, NULL},
    {"/w/.git/worktrees/wt1/gitdir", CORDON__PATH_FILE, "/w/trees/wt1/.git\n"},
    {"/w/.git/worktrees/gone", CORDON__PATH_DIR, NULL},
    {"/w/.git/worktrees/gone/gitdir", CORDON__PATH_FILE, "/nowhere/gone/.git\n"},
    {"/w/.gitmodules", CORDON__PATH_FILE,
     "[submodule \"m\"]\n\tpath = mods/m\n\turl = ./m\n[submodule \"u\"]\n"
     "  PATH=\"mods/u\"\n[submodule \"bad\"]\n\tpath = ../out\n"},
    {"/w/mods", CORDON__PATH_DIR, NULL},
    {"/w/mods/m", CORDON__PATH_DIR, NULL},
    {"/w/mods/m/.git", CORDON__PATH_FILE, "gitdir: ../../.git/modules/m\n"},
    {"/w/trees", CORDON__PATH_DIR, NULL},
    {"/w/trees/wt1", CORDON__PATH_DIR, NULL},
    {"/w/trees/wt1/.git", CORDON__PATH_FILE, "gitdir: /w/.git/worktrees/wt1\n"},
    {"/w/cfg", CORDON__PATH_DIR, NULL},
    {"/w/cfg/deep", CORDON__PATH_DIR, NULL},
    {NULL, 0, NULL},
};

static const struct cordon__protected *find_protected(const struct cordon__plan *plan,
                                                      const char *path)
{
    size_t i;
    for (i = 0; i < plan->n_protect; i++)
        if (!strcmp(plan->protect[i].path, path))
            return &plan->protect[i];
    return NULL;
}

static void paths_in_depth(void)
{
    static const char *const pins[] = {"/w/mods", "/w/mods/m", "/w/trees", "/w/trees/wt1",
                                       "/w/cfg", "/w/cfg/deep", NULL};
    struct cordon__host h;
    struct cordon__plan plan;
    const struct cordon__plan_linux *lp = &plan.linux_plan;
    const struct cordon__protected *pp;
    const struct cordon__mount *m, *first_protect = NULL;
    cordon_policy *p = builtin("workspace-write");
    size_t i, n_pins = 0;

    fake_host(CORDON__OS_LINUX, deep_fs, &h);
    cordon_policy_clear_protected_paths(p);
    cordon_policy_add_protected_path(p, ".git");
    cordon_policy_add_protected_path(p, "cfg/deep/secret");
    cordon_policy_add_protected_path(p, "miss/a/b");
    CHECK_MSG(cordon__plan_compile(p, "/w", &h, &plan) == CORDON_OK, "%s", cordon_last_error());
    /* Submodules (the one checked out and the one not), the worktree. */
    pp = find_protected(&plan, "/w/mods/m/.git");
    CHECK(pp && pp->kind == CORDON__PATH_FILE);
    pp = find_protected(&plan, "/w/mods/u");
    CHECK(pp && pp->kind == CORDON__PATH_MISSING); /* its highest missing ancestor */
    pp = find_protected(&plan, "/w/trees/wt1/.git");
    CHECK(pp && pp->kind == CORDON__PATH_FILE);
    CHECK(find_protected(&plan, "/w/.git/modules/m") != NULL); /* the submodule's gitdir */
    pp = find_protected(&plan, "/w/.gitmodules"); /* and the list itself */
    CHECK(pp && pp->kind == CORDON__PATH_FILE);
    for (i = 0; i < plan.n_protect; i++)
        CHECK(strstr(plan.protect[i].path, "out") == NULL && strstr(plan.protect[i].path, "gone") == NULL);
    /* Missing parents: the highest missing ancestor; an existing parent: the path. */
    pp = find_protected(&plan, "/w/miss");
    CHECK(pp && pp->kind == CORDON__PATH_MISSING);
    CHECK(find_protected(&plan, "/w/miss/a/b") == NULL);
    pp = find_protected(&plan, "/w/cfg/deep/secret");
    CHECK(pp && pp->kind == CORDON__PATH_MISSING);

    /* Pins: each directory on the way once, outermost first, before any
     * protected bind; none for paths directly in the root nor inside the
     * protected .git (its read-only bind covers them). */
    for (i = 0; i < lp->n_mounts; i++) {
        m = &lp->mounts[i];
        if (m->protect && !first_protect)
            first_protect = m;
        if (!m->pin)
            continue;
        n_pins++;
        CHECK(m->op == CORDON__MOUNT_BIND_RW && m->root == 0 && !first_protect);
        CHECK(strncmp(m->dst, "/w/.git", 7) != 0 && strcmp(m->dst, "/w") != 0);
    }
    CHECK(n_pins == 6);
    for (i = 0; pins[i]; i++) {
        m = find_mount(lp, CORDON__MOUNT_BIND_RW, pins[i]);
        CHECK_MSG(m && m->pin, "%s is pinned", pins[i]);
    }
    CHECK(index_of(lp, find_mount(lp, CORDON__MOUNT_BIND_RW, "/w/mods")) <
          index_of(lp, find_mount(lp, CORDON__MOUNT_BIND_RW, "/w/mods/m")));
    CHECK(find_mount(lp, CORDON__MOUNT_BIND_RO, "/w/.git/modules/m") == NULL);
    m = find_mount(lp, CORDON__MOUNT_BIND_RO, "/w/cfg/deep/secret");
    CHECK(m && m->protect && m->placeholder && m->root == 0);
    m = find_mount(lp, CORDON__MOUNT_BIND_RW, "/w");
    CHECK(m && !m->pin && m->root == 0);
    CHECK(find_rule(lp, "/w") && find_rule(lp, "/w")->root == 0);
    cordon__plan_free(&plan);
    cordon_policy_free(p);
}

/* Symbolic links a command could replace are refused, naming the link. */
static const struct fake_entry link_git_fs[] = {
    {"/", CORDON__PATH_DIR, NULL},
    {"/w", CORDON__PATH_DIR, NULL},
    {"/w/.git", CORDON__PATH_LINK, "/elsewhere"},
    {NULL, 0, NULL},
};
static const struct fake_entry link_gitdir_fs[] = {
    {"/", CORDON__PATH_DIR, NULL},
    {"/w", CORDON__PATH_DIR, NULL},
    {"/w/.git", CORDON__PATH_FILE, "gitdir: st/gd\n"},
    {"/w/st", CORDON__PATH_LINK, "store"},
    {"/w/store/gd", CORDON__PATH_DIR, NULL},
    {NULL, 0, NULL},
};
static const struct fake_entry link_outside_fs[] = {
    {"/", CORDON__PATH_DIR, NULL},
    {"/w", CORDON__PATH_DIR, NULL},
    {"/w/.git", CORDON__PATH_FILE, "gitdir: /o/lnk/gd\n"},
    {"/o", CORDON__PATH_DIR, NULL},
    {"/o/lnk", CORDON__PATH_LINK, "/o/real"},
    {NULL, 0, NULL},
};
static const struct fake_entry link_root_fs[] = {
    {"/", CORDON__PATH_DIR, NULL},
    {"/home/ann", CORDON__PATH_DIR, NULL},
    {"/g", CORDON__PATH_DIR, NULL},
    {"/g/planted", CORDON__PATH_LINK, "/t"},
    {"/t", CORDON__PATH_DIR, NULL},
    {NULL, 0, NULL},
};

static cordon_error compile_in(const struct fake_entry *table, const char *root)
{
    struct cordon__host h;
    struct cordon__plan plan;
    cordon_policy *p = builtin("workspace-write");
    cordon_error e;
    fake_host(CORDON__OS_LINUX, table, &h);
    cordon_policy_clear_writable_roots(p);
    cordon_policy_add_writable_root(p, root);
    e = cordon__plan_compile(p, "/", &h, &plan);
    if (e == CORDON_OK)
        cordon__plan_free(&plan);
    cordon_policy_free(p);
    return e;
}

static void links(void)
{
    static const char *const granted[] = {"/g", NULL};
    CHECK(compile_in(link_git_fs, "/w") == CORDON_ERR_PATH_REFUSED);
    CHECK_CONTAINS(cordon_last_error(), "symbolic link /w/.git (-> /elsewhere)");
    CHECK(compile_in(link_gitdir_fs, "/w") == CORDON_ERR_PATH_REFUSED);
    CHECK_CONTAINS(cordon_last_error(), "symbolic link /w/st (-> store)");
    /* A link outside every root cannot be changed by the command. */
    CHECK_MSG(compile_in(link_outside_fs, "/w") == CORDON_OK, "%s", cordon_last_error());
    /* A root through a link inside a root granted before: refused; the
     * same link elsewhere (nothing granted) is the user's own. */
    fake_link_from = "/g/planted";
    fake_link_to = "/t";
    fake_granted = granted;
    CHECK(compile_in(link_root_fs, "/g/planted") == CORDON_ERR_PATH_REFUSED);
    CHECK_CONTAINS(cordon_last_error(), "symbolic link /g/planted (-> /t), which lies inside /g");
    CHECK_MSG(compile_in(link_root_fs, "/t") == CORDON_OK, "%s", cordon_last_error());
    fake_granted = NULL;
    CHECK_MSG(compile_in(link_root_fs, "/g/planted") == CORDON_OK, "%s", cordon_last_error());
    fake_link_from = fake_link_to = NULL;
}

int main(void)
{
    paths_in_depth();
    links();
    workspace_write();
    network_on_and_gitdir();
    roots_under_tmp();
    roots_under_dev_and_proc();
    read_only_and_full_access();
    abi_rights();
    TEST_MAIN_END();
}
