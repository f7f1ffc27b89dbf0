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
static int socket_denied(const struct cordon__plan_linux *lp, unsigned long long arg)
{
    size_t i;
    for (i = 0; i < lp->n_seccomp; i++) {
        const struct cordon__seccomp_rule *r = &lp->seccomp[i];
        if (!strcmp(r->syscall, "socket") && r->has_arg && r->arg == 0 && r->err == 97 &&
            !(r->mask >> 32) && (arg & r->mask) == r->value)
            return 1;
    }
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

    /* Mount order: read-only view first, then the writable places, then
     * the protected paths on top, then /dev/shm and /proc. */
    ro_all = find_mount(lp, CORDON__MOUNT_READONLY_ALL, NULL);
    tmp = find_mount(lp, CORDON__MOUNT_TMP, "/tmp");
    root = find_mount(lp, CORDON__MOUNT_BIND_RW, "/work/app");
    git = find_mount(lp, CORDON__MOUNT_BIND_RO, "/work/app/.git");
    codex = find_mount(lp, CORDON__MOUNT_BIND_RO, "/work/app/.codex");
    shm = find_mount(lp, CORDON__MOUNT_TMPFS, "/dev/shm");
    proc = find_mount(lp, CORDON__MOUNT_PROC, "/proc");
    CHECK(ro_all && tmp && root && git && codex && shm && proc);
    if (ro_all && tmp && root && git && codex && shm && proc) {
        CHECK(index_of(lp, ro_all) == 0);
        CHECK(index_of(lp, tmp) < index_of(lp, root));
        CHECK(index_of(lp, root) < index_of(lp, git));
        CHECK(index_of(lp, git) < index_of(lp, shm));
        CHECK(tmp->src == NULL); /* a private tmpfs, nothing on the host */
        CHECK(!git->placeholder && !git->is_file);
        CHECK(codex->placeholder); /* missing: held by a placeholder */
        CHECK(git->protect && codex->protect && !root->protect); /* shared placeholders */
        CHECK(find_mount(lp, CORDON__MOUNT_BIND_RO, "/work/app/.agents") != NULL);
        CHECK(find_mount(lp, CORDON__MOUNT_BIND_RO, "/work/app/.cordon") != NULL);
    }

    /* Landlock: all modifying rights handled, no read right handled. */
    CHECK(lp->ll_fs_handled == CORDON__LL_FS_WRITE_ALL);
    CHECK(!(lp->ll_fs_handled & (CORDON__LL_FS_READ_FILE | CORDON__LL_FS_READ_DIR |
                                 CORDON__LL_FS_EXECUTE)));
    r = find_rule(lp, "/work/app");
    CHECK(r && r->access == CORDON__LL_FS_WRITE_ALL);
    r = find_rule(lp, "/tmp/cordon-run-42-abc"); /* the host dir, without namespaces */
    CHECK(r && r->access == CORDON__LL_FS_WRITE_ALL && r->when == CORDON__LL_WITHOUT_MOUNT_NS);
    r = find_rule(lp, "/tmp"); /* the private tmpfs, inside */
    CHECK(r && r->access == CORDON__LL_FS_WRITE_ALL && r->when == CORDON__LL_WITH_MOUNT_NS);
    r = find_rule(lp, "/dev/null");
    CHECK(r && r->access == CORDON__LL_FS_FILE_RIGHTS && r->optional);
    r = find_rule(lp, "/dev/shm");
    CHECK(r && r->when == CORDON__LL_WITH_MOUNT_NS);
    CHECK(find_rule(lp, "/") == NULL && find_rule(lp, "/home/ann") == NULL);
    CHECK(lp->ll_net_handled == (CORDON__LL_NET_BIND_TCP | CORDON__LL_NET_CONNECT_TCP));
    CHECK(lp->ll_scoped == CORDON__LL_SCOPE_SIGNAL); /* abstract unix sockets stay usable */

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
    CHECK_CONTAINS(json, "\"scoped\":[\"signal\"]");
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
    CHECK(lp->ll_net_handled == 0);
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

static void read_only_and_full_access(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    const struct cordon__plan_linux *lp = &plan.linux_plan;
    cordon_policy *p = builtin("read-only");
    struct cordon__json j;
    char *json;

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
    json = cordon__buf_take(&j.out);
    CHECK_STR(json, "{\"confine\":false}");
    free(json);
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

int main(void)
{
    workspace_write();
    network_on_and_gitdir();
    roots_under_tmp();
    read_only_and_full_access();
    abi_rights();
    TEST_MAIN_END();
}
