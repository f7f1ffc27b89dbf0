/* The elevated tier's shared decisions: the setup marker (strict parse,
 * write/read round trip), the nftables ruleset, and readiness from fake
 * facts, each failed check naming itself. */
#include "elevated.h"
#include "ipc.h"
#include "fakehost.h"
#include "harness.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const char good[] =
    "{\"format\":\"cordon-setup-marker\",\"version\":2,\"os\":\"linux\","
    "\"accounts\":{\"offline\":{\"name\":\"cordon-offline\",\"id\":\"998\"},"
    "\"online\":{\"name\":\"cordon-online\",\"id\":\"997\"},"
    "\"sandbox_group\":{\"name\":\"cordon-sandbox\",\"id\":\"996\"},"
    "\"users_group\":{\"name\":\"cordon-users\",\"id\":\"995\"}},"
    "\"allowed_users\":[\"alice\",\"bob\"],"
    "\"runner\":{\"path\":\"/usr/local/libexec/cordon/cordon-runner\",\"sha256\":\"" SHA_A "\","
    "\"caps\":\"cap_setgid,cap_setuid=p\",\"protocol\":3},"
    "\"rules\":{\"kind\":\"nftables\",\"name\":\"inet cordon\",\"sha256\":\"" SHA_B "\","
    "\"loopback_ports\":[]}}";

/* |good| with the first |from| replaced by |to|. */
static char *patched(const char *from, const char *to)
{
    const char *at = strstr(good, from);
    char *out;
    if (!at)
        return NULL;
    out = cordon__asprintf("%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
    return out;
}

static void refuse(const char *from, const char *to, const char *why)
{
    char *t = patched(from, to);
    struct cordon__marker m;
    CHECK_MSG(t != NULL, "pattern %s", from);
    if (!t)
        return;
    CHECK_MSG(cordon__marker_parse(t, strlen(t), "/etc/cordon/setup.json", &m) == CORDON_ERR_SETUP,
              "%s -> %s accepted", from, to);
    CHECK_CONTAINS(cordon_last_error(), why);
    CHECK_CONTAINS(cordon_last_error(), "re-run cordon-setup install");
    free(t);
}

static void marker_parse(void)
{
    struct cordon__marker m;
    char *text = NULL;
    struct cordon__marker back;

    CHECK(cordon__marker_parse(good, strlen(good), "setup.json", &m) == CORDON_OK);
    CHECK(m.version == 2);
    CHECK(m.runner_protocol == 3);
    CHECK_STR(m.os, "linux");
    CHECK_STR(m.offline.name, "cordon-offline");
    CHECK_STR(m.offline.id, "998");
    CHECK_STR(m.users_group.name, "cordon-users");
    CHECK(m.allowed_users.n == 2);
    CHECK_STR(m.allowed_users.v[1], "bob");
    CHECK_STR(m.runner_caps, "cap_setgid,cap_setuid=p");
    CHECK_STR(m.rules_sha256, SHA_B);
    CHECK(m.n_loopback_ports == 0);

    /* What setup writes, the reader takes back unchanged. */
    m.loopback_ports[0] = 3128;
    m.n_loopback_ports = 1;
    CHECK(cordon__marker_json(&m, &text) == CORDON_OK);
    CHECK(text && cordon__marker_parse(text, strlen(text), "written", &back) == CORDON_OK);
    CHECK(back.n_loopback_ports == 1 && back.loopback_ports[0] == 3128);
    CHECK_STR(back.runner_path, m.runner_path);
    CHECK_STR(back.allowed_users.v[0], "alice");
    cordon__marker_free(&back);
    free(text);
    /* ... and it never writes one it would refuse. */
    free(m.runner_sha256);
    m.runner_sha256 = cordon__strdup("short");
    text = NULL;
    CHECK(cordon__marker_json(&m, &text) != CORDON_OK && text == NULL);
    cordon__marker_free(&m);

    refuse("\"version\":2", "\"version\":3", "version is 3, this cordon reads versions 1 to 2");
    refuse("\"version\":2", "\"version\":0", "version is 0, this cordon reads versions 1 to 2");
    refuse("\"version\":2", "\"version\":\"2\"", "version is not an integer");
    /* Version 2 records the runner's protocol version, 1-255. */
    refuse(",\"protocol\":3", "", "lacks the key \"protocol\"");
    refuse("\"protocol\":3", "\"protocol\":0", "runner.protocol is not a protocol version");
    refuse("\"protocol\":3", "\"protocol\":256", "runner.protocol is not a protocol version");
    refuse("\"protocol\":3", "\"protocol\":\"3\"", "runner.protocol is not a protocol version");
    /* Version 1, written before the field, is still read: its runner's
     * protocol is unknown (-1, older than the record). With the field it
     * is refused: a version 1 marker never had it. */
    {
        char *nofield = patched(",\"protocol\":3", ""), *v1 = NULL, *at;
        if (nofield && (at = strstr(nofield, "\"version\":2")) != NULL)
            at[10] = '1';
        v1 = nofield;
        CHECK(v1 && cordon__marker_parse(v1, strlen(v1), "v1", &m) == CORDON_OK);
        CHECK(m.version == 1 && m.runner_protocol == -1);
        cordon__marker_free(&m);
        free(v1);
        v1 = patched("\"version\":2", "\"version\":1");
        CHECK(v1 && cordon__marker_parse(v1, strlen(v1), "v1", &m) == CORDON_ERR_SETUP);
        CHECK_CONTAINS(cordon_last_error(), "unknown key \"protocol\"");
        free(v1);
    }
    refuse("cordon-setup-marker", "something-else", "format is not");
    refuse("\"os\":\"linux\"", "\"os\":\"beos\"", "os is neither");
    refuse("\"allowed_users\"", "\"extra\":1,\"allowed_users\"", "unknown key \"extra\"");
    refuse("\"allowed_users\":[\"alice\",\"bob\"],", "", "lacks the key \"allowed_users\"");
    refuse("[\"alice\",\"bob\"]", "[]", "allowed_users is not a non-empty array");
    refuse("\"bob\"", "\"b:ob\"", "not a user name");
    refuse("\"bob\"", "7", "not a user name");
    refuse("\"id\":\"998\"", "\"id\":998", "id is not a string");
    refuse("\"name\":\"cordon-offline\"", "\"name\":\"\"", "name is empty");
    refuse("\"name\":\"cordon-offline\"", "\"name\":\"cordon-online\"", "the same user");
    refuse("\"name\":\"cordon-offline\"", "\"name\":\"-rf\"", "invalid account name");
    refuse("\"/usr/local/libexec/cordon/cordon-runner\"", "\"runner\"", "not an absolute path");
    refuse("\"sha256\":\"" SHA_A "\"", "\"sha256\":\"" SHA_A "0\"", "64 lowercase hex");
    refuse("\"sha256\":\"" SHA_B "\"", "\"sha256\":\"AAAA\"", "64 lowercase hex");
    refuse("\"kind\":\"nftables\"", "\"kind\":\"iptables\"", "rules.kind");
    refuse("\"loopback_ports\":[]", "\"loopback_ports\":[0]", "port 1-65535");
    refuse("\"loopback_ports\":[]", "\"loopback_ports\":[65536]", "port 1-65535");
    refuse("\"loopback_ports\":[]", "\"loopback_ports\":[1.5]", "only integers");
    refuse("\"caps\":\"cap_setgid,cap_setuid=p\"", "\"caps\":null", "caps is not a string");
    /* JSON itself. */
    refuse("\"os\":\"linux\"", "\"os\":\"linux\",\"os\":\"linux\"", "duplicate key");
    refuse("{\"format\"", "[{\"format\"", "not valid JSON");
    refuse("\"loopback_ports\":[]}}", "\"loopback_ports\":[]}} x", "text after the value");
    refuse("\"alice\"", "\"al\\u0000ice\"", "\\u0000");
    refuse("\"alice\"", "\"al\tice\"", "control character");
    refuse("\"version\":2", "\"version\":02", "malformed integer");
    refuse("\"version\":2", "\"version\":99999999999999999999", "out of range");
    {
        /* Nesting is bounded. */
        struct cordon__jvalue v;
        char deep[64];
        memset(deep, '[', 40);
        deep[40] = '\0';
        CHECK(cordon__json_parse(deep, 40, "deep", &v) == CORDON_ERR_IO);
        CHECK_CONTAINS(cordon_last_error(), "nested too deeply");
        CHECK(cordon__json_parse("\"\\u00e9\"", 8, "u", &v) == CORDON_OK);
        CHECK_STR(v.str, "\xc3\xa9");
        cordon__jvalue_free(&v);
    }
}

static void ruleset(void)
{
    const unsigned ports[] = {3128, 8080};
    char *r = cordon__nft_ruleset(998, NULL, 0);
    CHECK_STR(r, "table inet cordon {\n"
                 "\tchain output {\n"
                 "\t\ttype filter hook output priority filter; policy accept;\n"
                 "\t\tmeta skuid 998 drop\n"
                 "\t}\n}\n");
    free(r);
    r = cordon__nft_ruleset(998, ports, 2);
    CHECK_CONTAINS(r, "\t\tmeta skuid 998 oifname \"lo\" tcp dport { 3128, 8080 } accept\n"
                      "\t\tmeta skuid 998 oifname \"lo\" udp dport { 3128, 8080 } accept\n"
                      "\t\tmeta skuid 998 drop\n");
    free(r);
}

/* ---- readiness ---- */

static struct cordon__marker marker;

static void good_facts(struct cordon__elevated_facts *f)
{
    memset(f, 0, sizeof *f);
    f->marker_path = "/etc/cordon/setup.json";
    f->marker_found = 1;
    f->marker = &marker;
    f->offline.found = f->online.found = f->sandbox_group.found = f->users_group.found = 1;
    snprintf(f->offline.id, sizeof f->offline.id, "998");
    snprintf(f->online.id, sizeof f->online.id, "997");
    snprintf(f->sandbox_group.id, sizeof f->sandbox_group.id, "996");
    snprintf(f->users_group.id, sizeof f->users_group.id, "995");
    f->runner_found = 1;
    f->runner_root_owned = 1;
    snprintf(f->runner_sha256, sizeof f->runner_sha256, SHA_A);
    snprintf(f->runner_caps, sizeof f->runner_caps, "cap_setgid,cap_setuid=p");
    f->rules_read = 1;
    f->rules_loaded = 1;
    snprintf(f->rules_sha256, sizeof f->rules_sha256, SHA_B);
    snprintf(f->caller_name, sizeof f->caller_name, "alice");
    f->caller_allowed = 1;
    f->roots_writable = 1;
    f->landlock_abi = 6;
    f->seccomp = 1;
    f->mount_ns = 1;
}

static const struct fake_entry fs[] = {
    {"/work/app", CORDON__PATH_DIR, NULL},
    {"/work/app/.git", CORDON__PATH_DIR, NULL},
    {NULL, 0, NULL},
};

static void compile(const char *policy, struct cordon__plan *plan)
{
    struct cordon__host h;
    cordon_policy *p = NULL;
    fake_host(CORDON__OS_LINUX, fs, &h);
    CHECK(cordon_policy_builtin(policy, &p) == CORDON_OK);
    CHECK(cordon__plan_compile(p, "/work/app", &h, plan) == CORDON_OK);
    cordon_policy_free(p);
}

/* Breaks one fact with |breaker| and expects not ready, naming |why|. */
static void expect_not_ready(const struct cordon__plan *plan,
                             void (*breaker)(struct cordon__elevated_facts *), const char *why)
{
    struct cordon__elevated_facts f;
    struct cordon__probe pr;
    good_facts(&f);
    breaker(&f);
    cordon__elevated_readiness(&f, plan, &pr);
    CHECK_MSG(!pr.ready, "ready despite: %s", why);
    CHECK_CONTAINS(pr.why_not, why);
}

static void no_marker(struct cordon__elevated_facts *f) { f->marker_found = 0; f->marker = NULL; }
static void bad_marker(struct cordon__elevated_facts *f)
{
    f->marker = NULL;
    snprintf(f->marker_error, sizeof f->marker_error, "owned by uid 1000, not root");
}
static void offline_gone(struct cordon__elevated_facts *f) { f->offline.found = 0; }
static void online_moved(struct cordon__elevated_facts *f) { snprintf(f->online.id, 80, "1500"); }
static void group_gone(struct cordon__elevated_facts *f) { f->users_group.found = 0; }
static void runner_gone(struct cordon__elevated_facts *f) { f->runner_found = 0; }
static void runner_unreadable(struct cordon__elevated_facts *f)
{
    snprintf(f->runner_error, sizeof f->runner_error, "open: errno 13, Permission denied");
}
static void runner_not_root(struct cordon__elevated_facts *f) { f->runner_root_owned = 0; }
static void runner_writable(struct cordon__elevated_facts *f) { f->runner_writable_by_others = 1; }
static void runner_changed(struct cordon__elevated_facts *f) { f->runner_sha256[0] = 'c'; }
static void runner_no_caps(struct cordon__elevated_facts *f) { f->runner_caps[0] = '\0'; }
static void runner_more_caps(struct cordon__elevated_facts *f)
{
    snprintf(f->runner_caps, sizeof f->runner_caps, "cap_setgid,cap_setuid,cap_sys_admin=p");
}
static void rules_flushed(struct cordon__elevated_facts *f) { f->rules_sha256[0] = '0'; }
static void rules_gone(struct cordon__elevated_facts *f) { f->rules_loaded = 0; }
static void rules_unreadable(struct cordon__elevated_facts *f)
{
    snprintf(f->rules_error, sizeof f->rules_error, "netlink: Operation not permitted");
}
static void rules_unread(struct cordon__elevated_facts *f) { f->rules_read = 0; }
static void rules_leak(struct cordon__elevated_facts *f)
{
    f->rules_read = 0;
    f->rules_tried = 1;
    snprintf(f->rules_attempt, sizeof f->rules_attempt, "a UDP send to 127.0.0.1 port 9");
}
static void caller_out(struct cordon__elevated_facts *f) { f->caller_allowed = 0; }
static void roots_closed(struct cordon__elevated_facts *f)
{
    f->roots_writable = 0;
    snprintf(f->roots_error, sizeof f->roots_error, "cordon-offline cannot write /work/app");
}

static void readiness(void)
{
    struct cordon__plan plan, ro, full;
    struct cordon__elevated_facts f;
    struct cordon__probe pr;

    CHECK(cordon__marker_parse(good, strlen(good), "setup.json", &marker) == CORDON_OK);
    compile("workspace-write", &plan);
    compile("read-only", &ro);
    compile("full-access", &full);

    good_facts(&f);
    cordon__elevated_readiness(&f, &plan, &pr);
    CHECK(pr.ready);
    CHECK(pr.level[CORDON_DIM_NETWORK] == CORDON_LEVEL_ENFORCED);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_NETWORK], "nftables table inet cordon");
    CHECK_CONTAINS(pr.reason[CORDON_DIM_NETWORK], "TCP, UDP, ICMP");
    CHECK_CONTAINS(pr.reason[CORDON_DIM_NETWORK], "loopback included");
    CHECK_CONTAINS(pr.reason[CORDON_DIM_NETWORK], "uid 998");
    CHECK(pr.level[CORDON_DIM_FS_WRITE] == CORDON_LEVEL_ENFORCED);
    CHECK(pr.level[CORDON_DIM_PROTECTED_PATHS] == CORDON_LEVEL_ENFORCED);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_PROTECTED_PATHS], "re-bound read-only in the runner's "
                                                          "mount namespace");
    CHECK_CONTAINS(pr.reason[CORDON_DIM_PROTECTED_PATHS], "pinned");
    /* The masks of the runner's mount namespace hide deny_read paths. */
    CHECK(plan.n_deny_listed > 0);
    CHECK(pr.level[CORDON_DIM_SECRETS_READ] == CORDON_LEVEL_ENFORCED);
    if (plan.n_deny) {
        CHECK_CONTAINS(pr.reason[CORDON_DIM_SECRETS_READ], "runner's mount namespace");
        CHECK_CONTAINS(pr.reason[CORDON_DIM_SECRETS_READ], "cordon-offline cannot read");
    } else {
        CHECK_CONTAINS(pr.reason[CORDON_DIM_SECRETS_READ], "exists here");
    }
    /* Unix sockets: through the gate where the runner has it. */
    CHECK_CONTAINS(pr.reason[CORDON_DIM_NETWORK], "unix-domain sockets are not filtered");
    f.unix_gate = 1;
    cordon__elevated_readiness(&f, &plan, &pr);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_NETWORK], "only through the runner's seccomp gate");
    good_facts(&f);

    /* An unprivileged prober: the runner tried, and all was refused. */
    f.rules_read = 0;
    f.rules_tried = 1;
    f.rules_refused = 1;
    cordon__elevated_readiness(&f, &plan, &pr);
    CHECK(pr.ready && pr.level[CORDON_DIM_NETWORK] == CORDON_LEVEL_ENFORCED);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_NETWORK], "tried just now");
    good_facts(&f);

    /* A run's probe with the runner's primitives remembered: the runner
     * tries the rules just before the command starts, and the reason says
     * that, not that they were tried already. Neither read, tried nor
     * left to the runner: not ready. */
    f.rules_read = 0;
    f.rules_at_start = 1;
    cordon__elevated_readiness(&f, &plan, &pr);
    CHECK(pr.ready && pr.level[CORDON_DIM_NETWORK] == CORDON_LEVEL_ENFORCED);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_NETWORK], "tried by the runner as that user just before "
                                                  "the command starts");
    CHECK(strstr(pr.reason[CORDON_DIM_NETWORK], "tried just now") == NULL);
    f.rules_at_start = 0;
    cordon__elevated_readiness(&f, &plan, &pr);
    CHECK(!pr.ready);
    CHECK_CONTAINS(pr.why_not, "were neither read back nor tried");
    good_facts(&f);

    /* A runner that speaks another protocol (cordon upgraded, setup not
     * run again) would refuse every request: not ready, naming both
     * versions, so that the run falls back instead of failing. A runner
     * older than version 3 names none. This cordon's version passes. */
    f.rules_read = 0;
    f.rules_tried = 1;
    f.rules_refused = 1;
    f.primitives_known = 1;
    f.runner_protocol = CORDON__IPC_VERSION;
    cordon__elevated_readiness(&f, &plan, &pr);
    CHECK(pr.ready);
    f.runner_protocol = CORDON__IPC_VERSION + 1;
    cordon__elevated_readiness(&f, &plan, &pr);
    CHECK(!pr.ready);
    CHECK_CONTAINS(pr.why_not, "speaks runner protocol version");
    CHECK_CONTAINS(pr.why_not, "re-run cordon-setup install");
    f.runner_protocol = -1;
    cordon__elevated_readiness(&f, &plan, &pr);
    CHECK(!pr.ready);
    CHECK_CONTAINS(pr.why_not, "speaks an older runner protocol");
    good_facts(&f);

    /* Without the mount namespace, protected paths fall: renaming .git
     * inside the writable root is not stopped by file permissions. */
    f.mount_ns = 0;
    cordon__elevated_readiness(&f, &plan, &pr);
    CHECK(pr.ready && pr.level[CORDON_DIM_FS_WRITE] == CORDON_LEVEL_ENFORCED);
    CHECK(pr.level[CORDON_DIM_PROTECTED_PATHS] == CORDON_LEVEL_NONE);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_PROTECTED_PATHS], "renaming one (.git)");
    CHECK_CONTAINS(pr.reason[CORDON_DIM_PROTECTED_PATHS], "cannot make a user and mount namespace");
    CHECK(pr.level[CORDON_DIM_SECRETS_READ] == CORDON_LEVEL_NONE);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_SECRETS_READ], "cannot make a mount namespace");
    CHECK(strstr(pr.reason[CORDON_DIM_PROTECTED_PATHS], "AppArmor") == NULL);
    /* Where AppArmor restricts user namespaces, the reason says so and
     * names the profile and the fix. */
    f.apparmor_userns = 1;
    cordon__elevated_readiness(&f, &plan, &pr);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_PROTECTED_PATHS], "/etc/apparmor.d/cordon-runner is not "
                                                          "in force");
    CHECK_CONTAINS(pr.reason[CORDON_DIM_SECRETS_READ], "AppArmor restricts user namespaces");
    f.apparmor_userns = 0;
    /* Without Landlock too, world-writable places stay writable. */
    f.landlock_abi = 0;
    cordon__elevated_readiness(&f, &plan, &pr);
    CHECK(pr.ready && pr.level[CORDON_DIM_FS_WRITE] == CORDON_LEVEL_NONE);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_FS_WRITE], "/tmp");
    CHECK(pr.level[CORDON_DIM_NETWORK] == CORDON_LEVEL_ENFORCED);

    /* Read-only needs no writable roots. */
    good_facts(&f);
    f.roots_writable = 0;
    cordon__elevated_readiness(&f, &ro, &pr);
    CHECK(pr.ready);
    cordon__elevated_readiness(&f, &full, &pr);
    CHECK(!pr.ready);
    CHECK_CONTAINS(pr.why_not, "full-access");

    expect_not_ready(&plan, no_marker, "setup has not been run (no /etc/cordon/setup.json)");
    expect_not_ready(&plan, bad_marker, "cannot be used: owned by uid 1000, not root");
    expect_not_ready(&plan, offline_gone, "sandbox user cordon-offline recorded by setup does not exist");
    expect_not_ready(&plan, online_moved, "cordon-online has id 1500, setup recorded 997");
    expect_not_ready(&plan, group_gone, "group cordon-users recorded by setup does not exist");
    expect_not_ready(&plan, runner_gone, "the runner /usr/local/libexec/cordon/cordon-runner is missing");
    expect_not_ready(&plan, runner_unreadable, "cannot be checked: open: errno 13");
    expect_not_ready(&plan, runner_not_root, "is not owned by root");
    expect_not_ready(&plan, runner_writable, "can be written by someone but root");
    expect_not_ready(&plan, runner_changed, "has changed since setup");
    expect_not_ready(&plan, runner_no_caps, "file capabilities \"none\", setup recorded \"cap_setgid,cap_setuid=p\"");
    expect_not_ready(&plan, runner_more_caps, "cap_sys_admin");
    expect_not_ready(&plan, rules_flushed, "the nftables rules inet cordon differ from what setup loaded");
    expect_not_ready(&plan, rules_gone, "the nftables rules inet cordon are not loaded");
    expect_not_ready(&plan, rules_unreadable, "cannot be checked: netlink");
    expect_not_ready(&plan, rules_unread, "neither read back nor tried");
    expect_not_ready(&plan, rules_leak, "not in force: a UDP send to 127.0.0.1 port 9 as cordon-offline was not refused");
    expect_not_ready(&plan, caller_out, "alice is not in group cordon-users");
    expect_not_ready(&plan, caller_out, "cordon-setup install --user alice");
    expect_not_ready(&plan, roots_closed, "cordon-offline cannot write /work/app");

    /* A Windows marker on Linux is not this host's setup. */
    free(marker.os);
    marker.os = cordon__strdup("windows");
    good_facts(&f);
    cordon__elevated_readiness(&f, &plan, &pr);
    CHECK(!pr.ready);
    CHECK_CONTAINS(pr.why_not, "was written for windows, not linux");

    cordon__marker_free(&marker);
    cordon__plan_free(&plan);
    cordon__plan_free(&ro);
    cordon__plan_free(&full);
}

int main(void)
{
    marker_parse();
    ruleset();
    readiness();
    TEST_MAIN_END();
}
