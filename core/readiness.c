/* Readiness of the elevated tier, decided from probed facts
 * (core/elevated.h). The OS layer only gathers; every judgement and every
 * sentence the caller reads is made here, so that plan tests can drive it
 * with fake facts for both OSes. */
#include <stdio.h>
#include <string.h>

#include "elevated.h"
#include "elevated_windows.h"
#include "ipc.h"

/* Why the runner has no namespaces where AppArmor restricts them. */
#define APPARMOR_WHY                                                                       \
    " (AppArmor restricts unprivileged user namespaces, and the runner's profile "        \
    "/etc/apparmor.d/cordon-runner is not in force: re-run cordon-setup install as root)"
#define FIX "re-run cordon-setup install as root"


/* 0 when the account exists now with the id setup recorded. */
static int account_check(struct cordon__probe *out, const char *what,
                         const struct cordon__account *rec, const struct cordon__account_fact *f)
{
    if (!f->found) {
        cordon__probe_not_ready(out, "%s %s recorded by setup does not exist (" FIX ")", what, rec->name);
        return -1;
    }
    if (strcmp(f->id, rec->id) != 0) {
        cordon__probe_not_ready(out, "%s %s has id %s, setup recorded %s (" FIX ")", what, rec->name, f->id,
                  rec->id);
        return -1;
    }
    return 0;
}

static void levels(const struct cordon__elevated_facts *f, const struct cordon__plan *plan,
                   struct cordon__probe *out)
{
    const struct cordon__marker *m = f->marker;
    char ports[200] = "none";
    size_t i, used = 0;
    int linux_os = strcmp(m->os, "linux") == 0;

    for (i = 0; i < m->n_loopback_ports && used < sizeof ports - 8; i++) {
        int n = snprintf(ports + used, sizeof ports - used, "%s%u", i ? "," : "",
                         m->loopback_ports[i]);
        if (n > 0)
            used += (size_t)n;
    }

    /* network: the firewall scopes by identity, so it holds whatever the
     * command does with its own sockets. */
    out->level[CORDON_DIM_NETWORK] = CORDON_LEVEL_ENFORCED;
    if (linux_os)
        snprintf(out->reason[CORDON_DIM_NETWORK], CORDON_REASON_MAX,
                 "runs as %s (uid %s); nftables table %s drops every packet its sockets send, "
                 "TCP, UDP, ICMP and any other protocol, IPv4 and IPv6, the host's loopback "
                 "included (loopback ports allowed: %s); %s; %s",
                 m->offline.name, m->offline.id, m->rules_name, ports,
                 f->rules_read ? "read back just now, as setup loaded it"
                 : f->rules_at_start
                     ? "tried by the runner as that user just before the command starts (a "
                       "UDP send and an ICMP echo to loopback must be refused, or the command "
                       "does not start and cordon probes again)"
                     : "tried just now as that user: a UDP send and an ICMP echo "
                       "to loopback were refused",
                 f->unix_gate ? "unix-domain sockets outside are reached only through the "
                                "runner's seccomp gate (allow_unix_sockets)"
                              : "unix-domain sockets are not filtered (file permissions keep "
                                "the sandbox user out of the user's own, such as ssh-agent)");
    else
        snprintf(out->reason[CORDON_DIM_NETWORK], CORDON_REASON_MAX,
                 "runs as %s; firewall rules scoped to its SID block its traffic, loopback "
                 "included (loopback ports allowed: %s); DNS lookups through the system "
                 "resolver are made by a system service, not this user",
                 m->offline.name, ports);

    /* fs_write: the sandbox identity cannot write what it was not granted,
     * except where everybody may write (/tmp, /var/tmp, /dev/shm): only
     * Landlock (or the private mounts) closes those. */
    if (f->landlock_abi && (f->mount_ns || f->seccomp)) {
        out->level[CORDON_DIM_FS_WRITE] = CORDON_LEVEL_ENFORCED;
        snprintf(out->reason[CORDON_DIM_FS_WRITE], CORDON_REASON_MAX,
                 "runs as %s, which owns nothing outside the roots (so cannot chmod, chown or "
                 "retime others' files), and Landlock ABI %d confines writes to the roots%s",
                 m->offline.name, f->landlock_abi, f->mount_ns ? " inside a read-only mount view" : "");
    } else if (f->mount_ns) {
        out->level[CORDON_DIM_FS_WRITE] = CORDON_LEVEL_ENFORCED;
        snprintf(out->reason[CORDON_DIM_FS_WRITE], CORDON_REASON_MAX,
                 "runs as %s in a read-only mount view with only the roots writable",
                 m->offline.name);
    } else {
        out->level[CORDON_DIM_FS_WRITE] = CORDON_LEVEL_NONE;
        snprintf(out->reason[CORDON_DIM_FS_WRITE], CORDON_REASON_MAX,
                 "runs as %s, whose file permissions keep it out of the user's files, but "
                 "it can still write where everybody may (/tmp, /var/tmp, /dev/shm): no "
                 "Landlock or mount namespace in the runner here",
                 m->offline.name);
    }

    /* protected_paths: the sandbox identity has no write grant inside a
     * protected path, but it may write the root that holds it, and so
     * rename it away and put its own in its place. Only a read-only bind
     * in a mount namespace stops that. */
    if (plan->n_protect == 0) {
        out->level[CORDON_DIM_PROTECTED_PATHS] = out->level[CORDON_DIM_FS_WRITE];
        snprintf(out->reason[CORDON_DIM_PROTECTED_PATHS], CORDON_REASON_MAX,
                 "no protected path inside a writable root");
    } else if (f->mount_ns) {
        out->level[CORDON_DIM_PROTECTED_PATHS] = CORDON_LEVEL_ENFORCED;
        snprintf(out->reason[CORDON_DIM_PROTECTED_PATHS], CORDON_REASON_MAX,
                 "no write grant for %s inside them, and re-bound read-only in the runner's "
                 "mount namespace with the directories above them pinned (so they cannot be "
                 "renamed away or replaced either); missing ones held by placeholders while "
                 "the command runs",
                 m->offline.name);
    } else {
        out->level[CORDON_DIM_PROTECTED_PATHS] = CORDON_LEVEL_NONE;
        snprintf(out->reason[CORDON_DIM_PROTECTED_PATHS], CORDON_REASON_MAX,
                 "%s has no write grant inside them, but file permissions alone do not stop "
                 "renaming one (.git) inside a writable root and putting another in its place; "
                 "the runner cannot make a user and mount namespace on this host%s",
                 m->offline.name, f->apparmor_userns ? APPARMOR_WHY : "");
    }

    /* secrets_read: the sandbox identity cannot read what only the user
     * may read (~/.ssh is 0700); what file permissions let everybody read
     * only the mount masks hide. */
    {
        char how[200], why[200];
        snprintf(how, sizeof how, "hidden by empty read-only mounts in the runner's mount "
                 "namespace (and %s cannot read what only the user may read)", m->offline.name);
        snprintf(why, sizeof why, "the runner cannot make a mount namespace on this host%s, "
                 "so %s reads whatever file permissions let everybody read",
                 f->apparmor_userns ? " (AppArmor restricts user namespaces)" : "",
                 m->offline.name);
        cordon__probe_secrets(plan, out, f->mount_ns, how, why);
    }
}

void cordon__elevated_readiness(const struct cordon__elevated_facts *f,
                                const struct cordon__plan *plan, struct cordon__probe *out)
{
    const struct cordon__marker *m = f->marker;
    const char *path = f->marker_path ? f->marker_path : "the setup marker";
    int d;

    memset(out, 0, sizeof *out);
    for (d = 0; d < CORDON_DIM_COUNT; d++)
        out->level[d] = CORDON_LEVEL_NONE;
    if (plan->mode == CORDON_MODE_FULL_ACCESS) {
        cordon__probe_not_ready(out, "the full-access policy runs unrestricted");
        return;
    }
    if (!f->marker_found) {
        cordon__probe_not_ready(out, "setup has not been run (no %s)", path);
        return;
    }
    if (f->marker_error[0] || !m) {
        cordon__probe_not_ready(out, "%s cannot be used: %s", path,
                  f->marker_error[0] ? f->marker_error : "not read");
        return;
    }
    if (strcmp(m->os, cordon__os_name_of(plan->os)) != 0) {
        cordon__probe_not_ready(out, "%s was written for %s, not %s (" FIX ")", path, m->os,
                  cordon__os_name_of(plan->os));
        return;
    }
    if (account_check(out, "sandbox user", &m->offline, &f->offline) ||
        account_check(out, "sandbox user", &m->online, &f->online) ||
        account_check(out, "group", &m->sandbox_group, &f->sandbox_group) ||
        account_check(out, "group", &m->users_group, &f->users_group))
        return;
    /* Before the runner: only members may read it, so a non-member would
     * otherwise hear that the runner cannot be read. */
    if (!f->caller_allowed) {
        cordon__probe_not_ready(out, "%s is not in group %s (an administrator adds it with "
                  "cordon-setup install --user %s)",
                  f->caller_name[0] ? f->caller_name : "the caller", m->users_group.name,
                  f->caller_name[0] ? f->caller_name : "NAME");
        return;
    }
    if (!f->runner_found) {
        cordon__probe_not_ready(out, "the runner %s is missing (" FIX ")", m->runner_path);
        return;
    }
    if (f->runner_error[0]) {
        cordon__probe_not_ready(out, "the runner %s cannot be checked: %s", m->runner_path, f->runner_error);
        return;
    }
    if (!f->runner_root_owned || f->runner_writable_by_others) {
        int win = strcmp(m->os, "windows") == 0;
        cordon__probe_not_ready(out, "the runner %s %s (" FIX ")", m->runner_path,
                  !f->runner_root_owned
                      ? (win ? "is not owned by SYSTEM or Administrators" : "is not owned by root")
                      : (win ? "or its directory can be changed by someone but administrators"
                             : "or its directory can be written by someone but root"));
        return;
    }
    if (strcmp(f->runner_sha256, m->runner_sha256) != 0) {
        cordon__probe_not_ready(out, "the runner %s has changed since setup (sha256 %.12s..., recorded "
                  "%.12s...) (" FIX ")", m->runner_path, f->runner_sha256, m->runner_sha256);
        return;
    }
    if (strcmp(f->runner_caps, m->runner_caps) != 0) {
        cordon__probe_not_ready(out, "the runner %s has file capabilities \"%s\", setup recorded \"%s\" (" FIX ")",
                  m->runner_path, f->runner_caps[0] ? f->runner_caps : "none", m->runner_caps);
        return;
    }
    /* A runner that speaks another protocol refuses every request (a
     * cordon upgraded without setup run again): not ready, so the run
     * falls back rather than fails. Linux asks the runner (its check
     * names its version); Windows cannot start it without a logon, so the
     * marker's record is taken, bound to this very runner by the hash
     * compared just above (a version 1 marker records none: its runner
     * is older than the record). */
    {
        int win = strcmp(m->os, "windows") == 0;
        int proto = win ? m->runner_protocol : f->runner_protocol;
        const char *fix = win ? "an administrator re-runs cordon-setup install" : FIX;
        if (proto && proto != CORDON__IPC_VERSION) {
            if (proto < 0)
                cordon__probe_not_ready(out, "the runner %s speaks an older runner protocol than "
                                        "this cordon's version %d%s (%s)", m->runner_path,
                                        CORDON__IPC_VERSION,
                                        win ? ": the setup marker records no protocol version"
                                            : "", fix);
            else
                cordon__probe_not_ready(out, "the runner %s speaks runner protocol version %d, this "
                                        "cordon version %d (%s)", m->runner_path, proto,
                                        CORDON__IPC_VERSION, fix);
            return;
        }
    }
    /* The firewall, the credentials and the launch are each OS's own. */
    if (strcmp(m->os, "windows") == 0) {
        cordon__win_elevated_readiness(f, plan, out);
        return;
    }
    if (f->rules_error[0]) {
        cordon__probe_not_ready(out, "the %s rules %s cannot be checked: %s", m->rules_kind, m->rules_name,
                  f->rules_error);
        return;
    }
    if (f->rules_read && !f->rules_loaded) {
        cordon__probe_not_ready(out, "the %s rules %s are not loaded (" FIX ")", m->rules_kind, m->rules_name);
        return;
    }
    if (f->rules_read && strcmp(f->rules_sha256, m->rules_sha256) != 0) {
        cordon__probe_not_ready(out, "the %s rules %s differ from what setup loaded (" FIX ")", m->rules_kind,
                  m->rules_name);
        return;
    }
    if (!f->rules_read && !f->rules_tried && !f->rules_at_start) {
        cordon__probe_not_ready(out, "the %s rules %s were neither read back nor tried", m->rules_kind,
                  m->rules_name);
        return;
    }
    if (f->rules_tried && !f->rules_refused) {
        cordon__probe_not_ready(out, "the %s rules %s are not in force: %s as %s was not refused (" FIX ")",
                  m->rules_kind, m->rules_name,
                  f->rules_attempt[0] ? f->rules_attempt : "traffic", m->offline.name);
        return;
    }
    if (plan->mode == CORDON_MODE_WORKSPACE_WRITE && plan->roots.n && !f->roots_writable) {
        cordon__probe_not_ready(out, "%s", f->roots_error[0] ? f->roots_error
                                               : "the sandbox users cannot write the roots");
        return;
    }
    out->ready = 1;
    levels(f, plan, out);
}
