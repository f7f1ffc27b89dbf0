/* The Windows elevated tier's decisions as data, on any host: the marker
 * with SIDs, the firewall rule set and the comparison of rules read back,
 * "only administrators can change it", the security descriptors setup
 * writes, passwords from random bytes, the install steps, and readiness
 * from fake facts: every fallback reason, in order, and never ready while
 * the launch is missing. */
#include "core/fakehost.h"
#include "elevated_windows.h"
#include "elevated_windows_grants.h"
#include "ipc.h"
#include "harness.h"
#include "app_plan.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define OFF_SID "S-1-5-21-11-22-33-1010"
#define ON_SID "S-1-5-21-11-22-33-1011"
#define SBX_SID "S-1-5-21-11-22-33-1012"
#define USR_SID "S-1-5-21-11-22-33-1013"
#define RUNNER "C:\\Program Files\\cordon\\cordon-runner.exe"
#define MARKER "C:\\ProgramData\\cordon\\setup.json"

static char rules_sha[65];

static char *marker_text(const char *allowed)
{
    return cordon__asprintf(
        "{\"format\":\"cordon-setup-marker\",\"version\":2,\"os\":\"windows\","
        "\"accounts\":{\"offline\":{\"name\":\"CordonSandboxOffline\",\"id\":\"" OFF_SID "\"},"
        "\"online\":{\"name\":\"CordonSandboxOnline\",\"id\":\"" ON_SID "\"},"
        "\"sandbox_group\":{\"name\":\"CordonSandboxUsers\",\"id\":\"" SBX_SID "\"},"
        "\"users_group\":{\"name\":\"CordonUsers\",\"id\":\"" USR_SID "\"}},"
        "\"allowed_users\":[%s],"
        "\"runner\":{\"path\":\"C:\\\\Program Files\\\\cordon\\\\cordon-runner.exe\","
        "\"sha256\":\"" SHA_A "\",\"caps\":\"\",\"protocol\":" CORDON__IPC_STR(CORDON__IPC_VERSION) "},"
        "\"rules\":{\"kind\":\"windows-firewall\",\"name\":\"cordon\",\"sha256\":\"%s\","
        "\"loopback_ports\":[]}}",
        allowed, rules_sha);
}

static void marker(void)
{
    struct cordon__marker m;
    struct cordon__win_fw_rule r[CORDON__FW_MAX_RULES];
    char *t;
    cordon__win_fw_rules_sha256(r, cordon__win_fw_rules(OFF_SID, NULL, 0, r), rules_sha);
    t = marker_text("\"ann\",\"CORP\\\\bob\"");
    CHECK_MSG(cordon__marker_parse(t, strlen(t), MARKER, &m) == CORDON_OK, "%s", cordon_last_error());
    CHECK_STR(m.os, "windows");
    CHECK_STR(m.offline.id, OFF_SID);
    CHECK_STR(m.allowed_users.v[1], "CORP\\bob");
    CHECK_STR(m.runner_path, RUNNER);
    CHECK_STR(m.rules_kind, "windows-firewall");
    CHECK(m.runner_protocol == CORDON__IPC_VERSION);
    cordon__marker_free(&m);
    free(t);
    /* A version 1 marker (before runner.protocol) still parses; its
     * runner's protocol is unknown: older than the record. */
    {
        char *v1 = marker_text("\"ann\""), *at;
        at = strstr(v1, "\"version\":2");
        if (at)
            at[10] = '1';
        at = strstr(v1, ",\"protocol\":");
        if (at)
            memmove(at, strchr(at, '}'), strlen(strchr(at, '}')) + 1);
        CHECK_MSG(cordon__marker_parse(v1, strlen(v1), MARKER, &m) == CORDON_OK, "%s",
                  cordon_last_error());
        CHECK(m.version == 1 && m.runner_protocol == -1);
        cordon__marker_free(&m);
        free(v1);
    }
    /* What a runner file says of its protocol (setup records it). */
    {
        static const char bin[] = "MZ\0\0cordon-runner-protocol=\0xx" CORDON__IPC_RUNNER_TAG_TEXT "yy";
        static const char other[] = "MZ cordon-runner-protocol=2; cordon-runner-protocol=3;";
        static const char none[] = "MZ cordon-runner-protocol=; cordon-runner-protocol=999; x";
        CHECK(cordon__ipc_runner_tag(bin, sizeof bin - 1) == CORDON__IPC_VERSION);
        CHECK(cordon__ipc_runner_tag(other, sizeof other - 1) == -2);
        CHECK(cordon__ipc_runner_tag(none, sizeof none - 1) == -1);
        CHECK(cordon__ipc_runner_tag("cordon-runner-protocol=3", 24) == -1);
        CHECK(cordon__ipc_runner_tag("", 0) == -1);
    }
    /* One backslash, both sides account names; Linux markers take none. */
    t = marker_text("\"CORP\\\\bob\\\\x\"");
    CHECK(cordon__marker_parse(t, strlen(t), MARKER, &m) == CORDON_ERR_SETUP);
    CHECK_CONTAINS(cordon_last_error(), "not a user name");
    free(t);
    t = marker_text("\"\\\\bob\"");
    CHECK(cordon__marker_parse(t, strlen(t), MARKER, &m) == CORDON_ERR_SETUP);
    free(t);
    /* Windows user names may hold spaces; never the characters Windows
     * forbids in them. */
    t = marker_text("\"DESKTOP-1\\\\Ann Smith\"");
    CHECK_MSG(cordon__marker_parse(t, strlen(t), MARKER, &m) == CORDON_OK, "%s", cordon_last_error());
    cordon__marker_free(&m);
    free(t);
    t = marker_text("\"a:b\"");
    CHECK(cordon__marker_parse(t, strlen(t), MARKER, &m) == CORDON_ERR_SETUP);
    free(t);
}

static void rules(void)
{
    struct cordon__win_fw_rule r[CORDON__FW_MAX_RULES], got;
    const unsigned ports[] = {8080, 3128, 3128};
    size_t n = cordon__win_fw_rules(OFF_SID, NULL, 0, r), i;
    char why[300], *text, sha2[65];

    CHECK(n == 4);
    CHECK_STR(r[0].name, "cordon: block outbound CordonSandboxOffline");
    CHECK(r[0].direction == CORDON__FW_DIR_OUT && r[0].protocol == CORDON__FW_PROTO_ANY);
    CHECK_STR(r[1].name, "cordon: block inbound CordonSandboxOffline");
    CHECK(r[1].direction == CORDON__FW_DIR_IN && r[1].protocol == CORDON__FW_PROTO_ANY);
    CHECK(r[2].protocol == CORDON__FW_PROTO_TCP && r[3].protocol == CORDON__FW_PROTO_UDP);
    for (i = 0; i < n; i++) {
        CHECK(r[i].action == CORDON__FW_ACTION_BLOCK && r[i].enabled);
        CHECK(r[i].profiles == CORDON__FW_PROFILES_ALL);
        CHECK_STR(r[i].local_users, "O:LSD:(A;;CC;;;" OFF_SID ")");
        CHECK_STR(r[i].grouping, "cordon");
        CHECK_STR(r[i].interface_types, "All");
        CHECK(cordon__win_fw_addresses_valid(r[i].remote_addresses));
    }
    /* Everything but loopback, and loopback itself. */
    CHECK_STR(r[0].remote_addresses, "0.0.0.0-126.255.255.255,128.0.0.0-255.255.255.255,"
                                     "::2-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    CHECK_STR(r[0].remote_ports, "");
    CHECK_STR(r[2].remote_addresses, "127.0.0.0-127.255.255.255,::1");
    CHECK_STR(r[2].remote_ports, "*");
    /* Allowed loopback ports are left out of the loopback blocks only. */
    n = cordon__win_fw_rules(OFF_SID, ports, 3, r);
    CHECK_STR(r[2].remote_ports, "1-3127,3129-8079,8081-65535");
    CHECK_STR(r[3].remote_ports, "1-3127,3129-8079,8081-65535");
    {
        const unsigned edge[] = {1, 65535};
        cordon__win_fw_rules(OFF_SID, edge, 2, r);
        CHECK_STR(r[2].remote_ports, "2-65534");
    }
    n = cordon__win_fw_rules(OFF_SID, NULL, 0, r);
    text = cordon__win_fw_rules_text(r, n);
    CHECK_CONTAINS(text, "cordon: block loopback UDP CordonSandboxOffline\t2\t0\t17\t1\t7\tAll\t"
                         "127.0.0.0-127.255.255.255,::1\t*\tO:LSD:(A;;CC;;;" OFF_SID ")\tcordon\n");
    free(text);
    CHECK(strlen(rules_sha) == 64);
    cordon__win_fw_rules_sha256(r, n, sha2);
    CHECK_STR(sha2, rules_sha);

    /* Read back as the firewall may write it: equal. */
    got = r[2];
    snprintf(got.remote_addresses, sizeof got.remote_addresses, "::1,127.0.0.0/255.0.0.0");
    got.profiles = 0x7fffffff;
    snprintf(got.interface_types, sizeof got.interface_types, "all");
    CHECK_MSG(cordon__win_fw_rule_diff(&r[2], &got, why, sizeof why) == 0, "%s", why);
    snprintf(got.remote_addresses, sizeof got.remote_addresses, "127.0.0.0/8,::1/128");
    CHECK_MSG(cordon__win_fw_rule_diff(&r[2], &got, why, sizeof why) == 0, "%s", why);
    got = r[0];
    snprintf(got.remote_addresses, sizeof got.remote_addresses,
             "0.0.0.0/2,64.0.0.0-126.255.255.255,128.0.0.0/1,::2-::ffff,::1:0-ffff:ffff:ffff:ffff:"
             "ffff:ffff:ffff:ffff");
    CHECK_MSG(cordon__win_fw_rule_diff(&r[0], &got, why, sizeof why) == 0, "%s", why);
    /* ... but a /1 there would take in 127.0.0.0/8: the loopback rules'. */
    got.remote_addresses[8] = '1';
    CHECK(cordon__win_fw_rule_diff(&r[0], &got, why, sizeof why) != 0);
    /* Each difference named. */
#define DIFF(field_stmt, text_)                                                               \
    do {                                                                                      \
        got = r[2];                                                                           \
        field_stmt;                                                                           \
        CHECK(cordon__win_fw_rule_diff(&r[2], &got, why, sizeof why) != 0);                   \
        CHECK_CONTAINS(why, text_);                                                           \
    } while (0)
    DIFF(got.direction = CORDON__FW_DIR_IN, "is inbound, not outbound");
    DIFF(got.action = 1, "does not block");
    DIFF(got.enabled = 0, "is disabled");
    DIFF(got.protocol = 256, "has protocol 256, not 6");
    DIFF(got.profiles = 4, "applies to profiles 0x4");
    DIFF(snprintf(got.local_users, sizeof got.local_users, "O:LSD:(A;;CC;;;" ON_SID ")"),
         "is scoped to \"O:LSD:(A;;CC;;;" ON_SID ")\"");
    DIFF(snprintf(got.local_users, sizeof got.local_users, "%s", ""), "is scoped to \"\"");
    DIFF(snprintf(got.remote_addresses, sizeof got.remote_addresses, "127.0.0.1"),
         "covers remote addresses \"127.0.0.1\"");
    DIFF(snprintf(got.remote_addresses, sizeof got.remote_addresses, "*"), "covers remote addresses");
    DIFF(snprintf(got.remote_addresses, sizeof got.remote_addresses, "LocalSubnet"),
         "covers remote addresses");
    DIFF(snprintf(got.remote_ports, sizeof got.remote_ports, "1-1000"), "covers remote ports");
    DIFF(snprintf(got.interface_types, sizeof got.interface_types, "Lan"), "applies to interfaces");
    DIFF(snprintf(got.grouping, sizeof got.grouping, "other"), "is in group \"other\"");
    /* The address parser. */
    CHECK(cordon__win_fw_addresses_valid("*"));
    CHECK(cordon__win_fw_addresses_valid("10.0.0.1,fe80::1-fe80::9,2001:db8::/32"));
    CHECK(!cordon__win_fw_addresses_valid("10.0.0.256"));
    CHECK(!cordon__win_fw_addresses_valid("10.0.0.9-10.0.0.1"));
    CHECK(!cordon__win_fw_addresses_valid("1.2.3.4/33"));
    CHECK(!cordon__win_fw_addresses_valid("1.2.3.4/255.0.255.0"));
    CHECK(!cordon__win_fw_addresses_valid("1::2::3"));
    CHECK(!cordon__win_fw_addresses_valid("1.2.3.4-::1"));
    CHECK(!cordon__win_fw_addresses_valid("1.2.3.4,"));
    CHECK(!cordon__win_fw_addresses_valid(""));
}

static void admin_only(void)
{
    struct cordon__win_dacl_ace a[3];
    char why[200];
    memset(a, 0, sizeof a);
    a[0].type = CORDON__ACE_ALLOW;
    snprintf(a[0].sid, sizeof a[0].sid, CORDON__SID_ADMINS);
    a[0].mask = 0x1f01ff;
    a[1].type = CORDON__ACE_ALLOW;
    snprintf(a[1].sid, sizeof a[1].sid, "S-1-5-32-545"); /* Users: read and execute */
    a[1].mask = 0x1200a9;
    a[2].type = CORDON__ACE_ALLOW;
    snprintf(a[2].sid, sizeof a[2].sid, "S-1-3-0"); /* CREATOR OWNER, inherit only */
    a[2].mask = 0x10000000;
    a[2].inherit_only = 1;
    CHECK(cordon__win_admin_only(CORDON__SID_ADMINS, 1, a, 3, 1, why, sizeof why));
    CHECK(cordon__win_admin_only(CORDON__SID_TRUSTED_INSTALLER, 1, a, 3, 0, why, sizeof why));
    CHECK(!cordon__win_admin_only(USR_SID, 1, a, 3, 0, why, sizeof why));
    CHECK_CONTAINS(why, "is owned by " USR_SID);
    CHECK(!cordon__win_admin_only(CORDON__SID_SYSTEM, 0, NULL, 0, 0, why, sizeof why));
    CHECK_CONTAINS(why, "no DACL");
    /* Each right that changes the object, granted to Users, fails it. */
    {
        const unsigned long bad[] = {0x2, 0x4, 0x10, 0x40, 0x100, 0x10000, 0x40000, 0x80000,
                                     0x10000000, 0x40000000};
        size_t i;
        for (i = 0; i < sizeof bad / sizeof *bad; i++) {
            a[1].mask = 0x1200a9 | bad[i];
            CHECK_MSG(!cordon__win_admin_only(CORDON__SID_ADMINS, 1, a, 3, 0, why, sizeof why),
                      "mask 0x%lx passed", bad[i]);
            CHECK_CONTAINS(why, "lets S-1-5-32-545 change it");
        }
        a[1].mask = 0x1200a9;
        a[1].type = CORDON__ACE_DENY;
        a[1].mask = 0x1f01ff;
        CHECK(cordon__win_admin_only(CORDON__SID_ADMINS, 1, a, 3, 0, why, sizeof why));
    }
}

static void descriptors(void)
{
    const char *users[] = {USR_SID, "S-1-5-21-9-9-9-1001"};
    char *s = cordon__win_marker_sddl(SBX_SID, users, 2);
    CHECK_STR(s, "O:BAG:SYD:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FR;;;" SBX_SID ")(A;;FR;;;" USR_SID
                 ")(A;;FR;;;S-1-5-21-9-9-9-1001)");
    free(s);
    s = cordon__win_cred_dir_sddl(SBX_SID, USR_SID);
    /* Protected, the sandbox group denied first, no WRITE_DAC for the user. */
    CHECK_STR(s, "O:BAG:SYD:P(D;OICI;FA;;;" SBX_SID ")(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"
                 "(A;OICI;0x1301bf;;;" USR_SID ")");
    free(s);
    s = cordon__win_cred_entropy("CordonSandboxOffline");
    CHECK_STR(s, "cordon-sandbox-credential:CordonSandboxOffline");
    free(s);
}

static void passwords(void)
{
    unsigned char rnd[256];
    char pw[CORDON__WIN_PASSWORD_LEN + 1], pw2[CORDON__WIN_PASSWORD_LEN + 1];
    size_t i;
    int up = 0, lo = 0, dg = 0, sy = 0;
    for (i = 0; i < sizeof rnd; i++)
        rnd[i] = (unsigned char)(i * 37 + 11);
    CHECK(cordon__win_password(rnd, sizeof rnd, pw) == 0);
    CHECK(strlen(pw) == CORDON__WIN_PASSWORD_LEN);
    for (i = 0; pw[i]; i++) {
        char c = pw[i];
        up += c >= 'A' && c <= 'Z';
        lo += c >= 'a' && c <= 'z';
        dg += c >= '0' && c <= '9';
        sy += c == '-' || c == '_';
    }
    CHECK(up && lo && dg && sy && up + lo + dg + sy == CORDON__WIN_PASSWORD_LEN);
    /* Other bytes, another password; too few bytes, none at all. */
    rnd[0] ^= 0x5a;
    CHECK(cordon__win_password(rnd, sizeof rnd, pw2) == 0);
    CHECK(strcmp(pw, pw2) != 0);
    CHECK(cordon__win_password(rnd, 16, pw2) == -1 && pw2[0] == '\0');
    /* Bytes the rejection sampling must skip (>= 234 for 26 letters). */
    memset(rnd, 0xff, sizeof rnd);
    CHECK(cordon__win_password(rnd, sizeof rnd, pw2) == -1);
}

static void steps(void)
{
    size_t n = cordon__win_setup_step_count(), i;
    CHECK(n == 16);
    CHECK_STR(cordon__win_setup_steps[10].id, "refresh-task");
    CHECK_CONTAINS(cordon__win_setup_steps[10].change, "RegisterTaskDefinition with its SDDL");
    CHECK_CONTAINS(cordon__win_setup_steps[10].undo, "DeleteTask");
    CHECK_STR(cordon__win_setup_steps[13].id, "wfp-filters");
    CHECK_STR(cordon__win_setup_steps[14].id, "read-grants");
    CHECK_CONTAINS(cordon__win_setup_steps[14].change, "background under a named mutex");
    CHECK_CONTAINS(cordon__win_setup_steps[14].undo, "recorded DACL back");
    CHECK_STR(cordon__win_setup_steps[0].id, "elevation");
    CHECK_CONTAINS(cordon__win_setup_steps[0].change, "1223");
    CHECK_STR(cordon__win_setup_steps[n - 1].id, "marker");
    CHECK_CONTAINS(cordon__win_setup_steps[n - 1].change, "written last");
    CHECK_CONTAINS(cordon__win_setup_steps[n - 1].undo, "deleted first");
    for (i = 0; i < n; i++) {
        const struct cordon__win_setup_step *s = &cordon__win_setup_steps[i];
        CHECK(s->title && s->check && s->change && s->undo);
        if (strcmp(s->id, "firewall-policy") == 0)
            CHECK_CONTAINS(s->check, "LocalPolicyModifyState");
        if (strcmp(s->id, "offline-user") == 0) {
            CHECK_CONTAINS(s->check, "UF_DONT_EXPIRE_PASSWD");
            CHECK_CONTAINS(s->change, "BCryptGenRandom");
        }
    }
}

/* ---- readiness ---- */

static struct cordon__marker mk;
static struct cordon__win_fw_rule want[CORDON__FW_MAX_RULES];
static int found[CORDON__FW_MAX_RULES];
static struct cordon__probe token;

static void good(struct cordon__elevated_facts *f, struct cordon__win_elevated_facts *w)
{
    size_t i;
    memset(f, 0, sizeof *f);
    memset(w, 0, sizeof *w);
    f->win = w;
    f->marker_path = MARKER;
    f->marker_found = 1;
    f->marker = &mk;
    f->offline.found = f->online.found = f->sandbox_group.found = f->users_group.found = 1;
    snprintf(f->offline.id, sizeof f->offline.id, OFF_SID);
    snprintf(f->online.id, sizeof f->online.id, ON_SID);
    snprintf(f->sandbox_group.id, sizeof f->sandbox_group.id, SBX_SID);
    snprintf(f->users_group.id, sizeof f->users_group.id, USR_SID);
    snprintf(f->caller_name, sizeof f->caller_name, "ann");
    f->caller_allowed = 1;
    f->runner_found = f->runner_root_owned = 1;
    snprintf(f->runner_sha256, sizeof f->runner_sha256, SHA_A);
    f->roots_writable = 1;
    w->offline_cred.found = w->offline_cred.decrypts = 1;
    w->online_cred.found = w->online_cred.decrypts = 1;
    w->fw_enabled[0] = w->fw_enabled[1] = w->fw_enabled[2] = 1;
    w->n_rules = cordon__win_fw_rules(OFF_SID, NULL, 0, want);
    for (i = 0; i < w->n_rules; i++)
        found[i] = 1;
    w->rules = want;
    w->rule_found = found;
    w->launch_missing = "";
    w->allowed_members = 1;
    w->token = &token;
    mk.runner_protocol = CORDON__IPC_VERSION;
}

typedef void (*breaker)(struct cordon__elevated_facts *, struct cordon__win_elevated_facts *);

static void expect(const struct cordon__plan *plan, breaker b, const char *why)
{
    struct cordon__elevated_facts f;
    struct cordon__win_elevated_facts w;
    struct cordon__probe pr;
    good(&f, &w);
    b(&f, &w);
    cordon__elevated_readiness(&f, plan, &pr);
    CHECK_MSG(!pr.ready, "ready despite: %s", why);
    CHECK_CONTAINS(pr.why_not, why);
}

#define BREAK(name, stmt)                                                                     \
    static void name(struct cordon__elevated_facts *f, struct cordon__win_elevated_facts *w)  \
    {                                                                                         \
        (void)f;                                                                              \
        (void)w;                                                                              \
        stmt;                                                                                 \
    }
BREAK(no_marker, (f->marker_found = 0, f->marker = NULL))
BREAK(untrusted_marker, (f->marker = NULL, snprintf(f->marker_error, sizeof f->marker_error,
                                                    MARKER " lets S-1-5-32-545 change it")))
BREAK(offline_gone, f->offline.found = 0)
BREAK(offline_recreated, snprintf(f->offline.id, sizeof f->offline.id, "S-1-5-21-11-22-33-2000"))
BREAK(group_gone, f->sandbox_group.found = 0)
BREAK(caller_out, f->caller_allowed = 0)
BREAK(runner_gone, f->runner_found = 0)
BREAK(runner_foreign, snprintf(f->runner_error, sizeof f->runner_error,
                               RUNNER " is owned by " USR_SID ", not by SYSTEM or Administrators"))
BREAK(runner_dir_open, f->runner_writable_by_others = 1)
BREAK(runner_changed, f->runner_sha256[3] = '0')
BREAK(runner_protocol_none, mk.runner_protocol = -1)
BREAK(runner_protocol_other, mk.runner_protocol = CORDON__IPC_VERSION + 1)
BREAK(cred_dir_open, snprintf(w->cred_dir_error, sizeof w->cred_dir_error,
                              "C:\\ProgramData\\cordon\\credentials\\x lets S-1-1-0 read it"))
BREAK(no_cred, w->offline_cred.found = 0)
BREAK(cred_bad, (w->online_cred.decrypts = 0,
                 snprintf(w->online_cred.error, sizeof w->online_cred.error,
                          "decrypting x (CryptUnprotectData: error 13, The data is invalid)")))
BREAK(fw_unreadable, snprintf(w->fw_error, sizeof w->fw_error, "opening the Windows Firewall policy "
                                                               "(CoCreateInstance: HRESULT 0x80040154)"))
BREAK(fw_off_public, w->fw_enabled[2] = 0)
BREAK(fw_gpo, w->fw_modify_state = 1)
BREAK(rule_missing, found[2] = 0)
BREAK(rule_wrong_user, snprintf(want[0].local_users, sizeof want[0].local_users,
                                "O:LSD:(A;;CC;;;" ON_SID ")"))
BREAK(rule_disabled, want[3].enabled = 0)
BREAK(rules_other_version, w->n_rules = 3)
BREAK(roots_closed, (f->roots_writable = 0,
                     snprintf(f->roots_error, sizeof f->roots_error,
                              "granting the writable roots to the sandbox users is not built")))
BREAK(launch_missing, w->launch_missing = "the windows-elevated launch is not built")
BREAK(launch_unknown, w->launch_missing = NULL)
BREAK(two_allowed, w->allowed_members = 2)
BREAK(members_unread, w->allowed_members = 0)
BREAK(no_win_facts, f->win = NULL)

static void readiness(void)
{
    struct cordon__plan ws, ro, full;
    struct cordon__elevated_facts f;
    struct cordon__win_elevated_facts w;
    struct cordon__probe pr;
    char *t = marker_text("\"ann\"");

    CHECK(cordon__marker_parse(t, strlen(t), MARKER, &mk) == CORDON_OK);
    free(t);
    compile("workspace-write", &ws);
    compile("read-only", &ro);
    compile("full-access", &full);
    token.level[CORDON_DIM_FS_WRITE] = CORDON_LEVEL_ENFORCED;
    token.level[CORDON_DIM_PROTECTED_PATHS] = CORDON_LEVEL_ENFORCED;

    /* Every check passed and the launch exists: ready, with the levels. */
    good(&f, &w);
    cordon__elevated_readiness(&f, &ws, &pr);
    CHECK_MSG(pr.ready, "%s", pr.why_not);
    CHECK(pr.level[CORDON_DIM_NETWORK] == CORDON_LEVEL_ENFORCED);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_NETWORK], "runs as CordonSandboxOffline (" OFF_SID ")");
    CHECK_CONTAINS(pr.reason[CORDON_DIM_NETWORK], "DNS Client service");
    CHECK(pr.level[CORDON_DIM_FS_WRITE] == CORDON_LEVEL_ENFORCED);
    /* The runner's own token is held to it before each command starts. */
    CHECK_CONTAINS(pr.reason[CORDON_DIM_FS_WRITE], "confirms it before the command starts");
    CHECK_CONTAINS(pr.reason[CORDON_DIM_PROTECTED_PATHS], "confirms it before the command starts");
    CHECK(pr.level[CORDON_DIM_SECRETS_READ] == CORDON_LEVEL_NONE);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_SECRETS_READ], "were not checked");
    {
        /* With the deny_read paths' DACLs read (none of them exists on
         * this fake host), core decides secrets_read from them
         * (winplan_elevated_grants covers the DACLs). */
        struct cordon__win_secrets_facts sf;
        memset(&sf, 0, sizeof sf);
        sf.user_sid = OFF_SID;
        w.secrets = &sf;
        cordon__elevated_readiness(&f, &ws, &pr);
        CHECK(pr.ready && pr.level[CORDON_DIM_SECRETS_READ] == CORDON_LEVEL_ENFORCED);
        CHECK_CONTAINS(pr.reason[CORDON_DIM_SECRETS_READ], "deny_read paths exists here");
        w.secrets = NULL;
    }
    /* Without the token's levels, no claim on writes. */
    w.token = NULL;
    cordon__elevated_readiness(&f, &ws, &pr);
    CHECK(pr.ready && pr.level[CORDON_DIM_FS_WRITE] == CORDON_LEVEL_NONE);
    /* Network allowed: the online user, whom no rule limits. */
    {
        struct cordon__plan on;
        compile("workspace-write-online", &on);
        good(&f, &w);
        cordon__elevated_readiness(&f, &on, &pr);
        CHECK(pr.ready && pr.level[CORDON_DIM_NETWORK] == CORDON_LEVEL_NONE);
        CHECK_CONTAINS(pr.reason[CORDON_DIM_NETWORK], "online sandbox user");
        CHECK(pr.level[CORDON_DIM_FS_WRITE] == CORDON_LEVEL_ENFORCED);
        cordon__plan_free(&on);
    }
    /* Inbound blocked by policy (state 2) does not weaken an outbound block. */
    good(&f, &w);
    w.fw_modify_state = 2;
    cordon__elevated_readiness(&f, &ws, &pr);
    CHECK(pr.ready);
    /* Read-only needs no writable roots. */
    good(&f, &w);
    roots_closed(&f, &w);
    cordon__elevated_readiness(&f, &ro, &pr);
    CHECK(pr.ready);
    cordon__elevated_readiness(&f, &full, &pr);
    CHECK(!pr.ready);
    CHECK_CONTAINS(pr.why_not, "full-access");

    expect(&ws, no_marker, "setup has not been run (no " MARKER ")");
    expect(&ws, untrusted_marker, "cannot be used: " MARKER " lets S-1-5-32-545 change it");
    expect(&ws, offline_gone, "sandbox user CordonSandboxOffline recorded by setup does not exist");
    expect(&ws, offline_recreated, "CordonSandboxOffline has id S-1-5-21-11-22-33-2000, setup "
                                   "recorded " OFF_SID);
    expect(&ws, group_gone, "group CordonSandboxUsers recorded by setup does not exist");
    expect(&ws, caller_out, "ann is not in group CordonUsers (an administrator adds it with "
                            "cordon-setup install --user ann)");
    expect(&ws, runner_gone, "the runner " RUNNER " is missing");
    expect(&ws, runner_foreign, "cannot be checked: " RUNNER " is owned by " USR_SID);
    expect(&ws, runner_dir_open, "or its directory can be changed by someone but administrators");
    expect(&ws, runner_changed, "has changed since setup");
    /* An upgraded cordon with the runner of an older setup: not ready,
     * naming both versions and the fix, so the run falls back to the
     * unelevated tier instead of failing at stage request. A version 1
     * marker names no protocol: older than this cordon's. The runner
     * protocol of the facts (Linux's live answer) does not count here. */
    expect(&ws, runner_protocol_none, "the runner " RUNNER " speaks an older runner protocol than "
                                      "this cordon's version " CORDON__IPC_STR(CORDON__IPC_VERSION)
                                      ": the setup marker records no protocol version (an "
                                      "administrator re-runs cordon-setup install)");
    expect(&ws, runner_protocol_other, "speaks runner protocol version");
    expect(&ws, runner_protocol_other, "this cordon version " CORDON__IPC_STR(CORDON__IPC_VERSION));
    expect(&ws, cred_dir_open, "the credentials directory of ann C:\\ProgramData\\cordon\\credentials"
                               "\\x lets S-1-1-0 read it");
    expect(&ws, no_cred, "no stored credentials of CordonSandboxOffline for ann (an administrator "
                         "re-runs cordon-setup install with --user ann)");
    expect(&ws, cred_bad, "the stored credentials of CordonSandboxOnline cannot be decrypted by "
                          "ann: decrypting x (CryptUnprotectData: error 13");
    expect(&ws, cred_bad, "(run cordon-setup refresh-credentials)");
    expect(&ws, fw_unreadable, "the Windows Firewall cannot be read: opening the Windows Firewall");
    expect(&ws, fw_off_public, "the Windows Firewall is off for the public profile");
    expect(&ws, fw_gpo, "Group Policy overrides local Windows Firewall rules here "
                        "(LocalPolicyModifyState is NET_FW_MODIFY_STATE_GP_OVERRIDE)");
    expect(&ws, rule_missing, "the Windows Firewall rule \"cordon: block loopback TCP "
                              "CordonSandboxOffline\" is missing");
    /* (The facts hold what was read back; the breakers change that copy.) */
    expect(&ws, rule_wrong_user, "rule \"cordon: block outbound CordonSandboxOffline\" is scoped "
                                 "to \"O:LSD:(A;;CC;;;" ON_SID ")\"");
    expect(&ws, rule_disabled, "\"cordon: block loopback UDP CordonSandboxOffline\" is disabled");
    expect(&ws, rules_other_version, "\"cordon: block loopback UDP CordonSandboxOffline\" is missing");
    expect(&ws, roots_closed, "granting the writable roots to the sandbox users is not built");
    expect(&ro, launch_missing, "the windows-elevated launch is not built");
    expect(&ro, launch_unknown, "the launch through the runner was not checked");
    /* Every allowed user holds the shared sandbox users' passwords: with
     * two, one could log on as them and reach the other's grants. */
    expect(&ws, two_allowed, "group CordonUsers has 2 members, and they would share the sandbox users");
    expect(&ws, two_allowed, "this version serves one allowed user");
    expect(&ws, members_unread, "the members of group CordonUsers cannot be read");
    expect(&ro, no_win_facts, "the Windows facts were not gathered");
    {
        /* A marker that records another rule set (another version's, or
         * edited) is not this cordon's setup. */
        good(&f, &w);
        free(mk.rules_sha256);
        mk.rules_sha256 = cordon__strdup(SHA_A);
        cordon__elevated_readiness(&f, &ws, &pr);
        CHECK(!pr.ready);
        CHECK_CONTAINS(pr.why_not, "records firewall rules that this cordon does not make");
        free(mk.rules_sha256);
        mk.rules_sha256 = cordon__strdup(rules_sha);
        free(mk.rules_kind);
        mk.rules_kind = cordon__strdup("nftables");
        cordon__elevated_readiness(&f, &ws, &pr);
        CHECK(!pr.ready);
        CHECK_CONTAINS(pr.why_not, "records nftables rules, not windows-firewall");
        free(mk.rules_kind);
        mk.rules_kind = cordon__strdup("windows-firewall");
        /* A Linux marker on Windows. */
        free(mk.os);
        mk.os = cordon__strdup("linux");
        cordon__elevated_readiness(&f, &ws, &pr);
        CHECK(!pr.ready);
        CHECK_CONTAINS(pr.why_not, "was written for linux, not windows");
    }
    cordon__marker_free(&mk);
    cordon__plan_free(&ws);
    cordon__plan_free(&ro);
    cordon__plan_free(&full);
}

static void runner_request(void)
{
    struct cordon__plan ws;
    struct cordon__ipc_msg m, back;
    struct cordon__buf b = {0};
    const char *argv[] = {"git", "status", NULL};
    const char *envp[] = {"PATH=C:\\Windows", "CORDON_NETWORK=off", NULL};
    size_t used = 0, need = 0;
    int i;
    compile("workspace-write", &ws);
    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_SPAWN;
    CHECK(cordon__win_runner_request(&ws, argv, envp, "C:\\work\\app", &m.spawn) == CORDON_OK);
    /* Network off: the offline identity; every stream relayed. */
    CHECK((m.spawn.flags & CORDON__IPC_SPAWN_NETWORK) == 0);
    for (i = 0; i < 3; i++)
        CHECK(m.spawn.stdio_mode[i] == CORDON__IPC_STDIO_RELAYED && m.spawn.stdio_handle[i] == 0);
    CHECK_STR(m.spawn.cwd, "C:\\work\\app");
    CHECK(m.spawn.argv.n == 2 && m.spawn.env.n == 2);
    CHECK(cordon__strv_contains(&m.spawn.roots, "C:\\work\\app"));
    CHECK(cordon__strv_contains(&m.spawn.protect, "C:\\work\\app\\.git"));
    /* What cordon sends, the runner decodes to the same request. */
    CHECK(cordon__ipc_encode(&m, &b) == CORDON_OK);
    CHECK(cordon__ipc_decode(b.p, b.len, &back, &used, &need) == CORDON_OK && used == b.len);
    CHECK(back.type == CORDON__IPC_SPAWN && back.spawn.roots.n == m.spawn.roots.n);
    CHECK_STR(back.spawn.argv.v[1], "status");
    cordon__ipc_msg_free(&back);
    cordon__ipc_msg_free(&m);
    cordon__buf_free(&b);
    CHECK(cordon__win_runner_request(&ws, NULL, envp, "C:\\x", &m.spawn) == CORDON_ERR_INVALID_ARGUMENT);
    cordon__plan_free(&ws);
    compile("workspace-write-online", &ws);
    CHECK(cordon__win_runner_request(&ws, argv, envp, "C:\\work\\app", &m.spawn) == CORDON_OK);
    CHECK(m.spawn.flags & CORDON__IPC_SPAWN_NETWORK);
    m.type = CORDON__IPC_SPAWN;
    cordon__ipc_msg_free(&m);
    cordon__plan_free(&ws);
}

static void launch_data(void)
{
    const struct cordon__win_logon_error *e;
    char *s = cordon__win_pipe_sddl(USR_SID, OFF_SID);
    CHECK_STR(s, "D:P(A;;FA;;;" USR_SID ")(A;;FRFW;;;" OFF_SID ")");
    free(s);
    s = cordon__win_pipe_sddl(USR_SID, NULL);
    CHECK_STR(s, "D:P(A;;FA;;;" USR_SID ")");
    free(s);
    /* The runner's window station: the caller and SYSTEM everything, each
     * sandbox user only the read-attributes, create-desktop and atoms
     * rights; never Everyone, Users, Interactive or a logon SID (S-1-5-5-*),
     * which the command's token holds as restricting SIDs. */
    s = cordon__win_winsta_sddl(USR_SID, OFF_SID, ON_SID);
    CHECK_STR(s, "D:P(A;;0xf037f;;;" USR_SID ")(A;;0xf037f;;;SY)(A;;0x2a;;;" OFF_SID
                 ")(A;;0x2a;;;" ON_SID ")");
    CHECK(!strstr(s, "WD") && !strstr(s, "BU") && !strstr(s, "IU") && !strstr(s, "S-1-5-5-") &&
          !strstr(s, "AU"));
    free(s);
    /* Named once when both are the same; the seam: the caller alone. */
    s = cordon__win_winsta_sddl(USR_SID, OFF_SID, OFF_SID);
    CHECK_STR(s, "D:P(A;;0xf037f;;;" USR_SID ")(A;;0xf037f;;;SY)(A;;0x2a;;;" OFF_SID ")");
    free(s);
    s = cordon__win_winsta_sddl(USR_SID, NULL, NULL);
    CHECK_STR(s, "D:P(A;;0xf037f;;;" USR_SID ")(A;;0xf037f;;;SY)");
    free(s);
    /* 0x2a: READATTRIBUTES 0x2, CREATEDESKTOP 0x8, ACCESSGLOBALATOMS 0x20;
     * not ENUMDESKTOPS 0x1, ACCESSCLIPBOARD 0x4, WRITEATTRIBUTES 0x10,
     * EXITWINDOWS 0x40, ENUMERATE 0x100, READSCREEN 0x200. */
    CHECK(CORDON__WIN_WINSTA_SANDBOX == (0x2u | 0x8u | 0x20u));
    CHECK((CORDON__WIN_WINSTA_SANDBOX & (0x1u | 0x4u | 0x10u | 0x40u | 0x100u | 0x200u)) == 0);
    s = cordon__win_runner_desktop_sddl(USR_SID, OFF_SID);
    CHECK_STR(s, "D:P(A;;0xf01ff;;;" USR_SID ")(A;;0xf01ff;;;SY)(A;;0x3;;;" OFF_SID ")");
    free(s);
    /* No hook (0x8), journal record (0x10) or playback (0x20, what
     * SendInput needs), enumerate (0x40), write objects (0x80) or switch
     * (0x100) on the runner's desktop. */
    CHECK((CORDON__WIN_DESKTOP_RUNNER & (0x8u | 0x10u | 0x20u | 0x40u | 0x80u | 0x100u)) == 0);
    s = cordon__win_runner_desktop_sddl(USR_SID, NULL);
    CHECK_STR(s, "D:P(A;;0xf01ff;;;" USR_SID ")(A;;0xf01ff;;;SY)");
    free(s);
    /* The field's logon failures, each with its cause and fix; only a
     * wrong password is worth one automatic refresh. */
    e = cordon__win_logon_error(1326);
    CHECK(e && e->refresh);
    CHECK_CONTAINS(e->fix, "refresh-credentials");
    e = cordon__win_logon_error(1909);
    CHECK(e && !e->refresh);
    CHECK_CONTAINS(e->cause, "locked out");
    e = cordon__win_logon_error(1907);
    CHECK(e && !e->refresh);
    e = cordon__win_logon_error(1385);
    CHECK(e && !e->refresh);
    CHECK_CONTAINS(e->fix, "log on locally");
    e = cordon__win_logon_error(1058);
    CHECK(e != NULL);
    CHECK_CONTAINS(e->cause, "Secondary Logon");
    CHECK(cordon__win_logon_error(5) == NULL);
}

/* explain --os windows --json shows the elevated plan on any host. */
static void explain(void)
{
    char *text = plan_json_of("workspace-write");
    CHECK_CONTAINS(text, "\"windows_elevated\":{\"applies\":true,\"identity\":{\"user\":"
                         "\"CordonSandboxOffline\"");
    CHECK_CONTAINS(text, "\"stdio\":[\"relayed\",\"relayed\",\"relayed\"]");
    CHECK_CONTAINS(text, "\"name\":\"cordon: block loopback UDP CordonSandboxOffline\"");
    CHECK_CONTAINS(text, "\"local_users\":\"O:LSD:(A;;CC;;;<SID of CordonSandboxOffline");
    CHECK_CONTAINS(text, "\"id\":\"marker\"");
    /* The runner's own window station (never the caller's), with both
     * sandbox users, and the runner's desktop with the plan's user. */
    CHECK_CONTAINS(text, "\"window_station_dacl\":\"D:P(A;;0xf037f;;;<the caller's SID>)"
                         "(A;;0xf037f;;;SY)(A;;0x2a;;;<SID of CordonSandboxOffline");
    CHECK_CONTAINS(text, "(A;;0x2a;;;<SID of CordonSandboxOnline");
    CHECK_CONTAINS(text, "\"runner_desktop_dacl\":\"D:P(A;;0xf01ff;;;<the caller's SID>)"
                         "(A;;0xf01ff;;;SY)(A;;0x3;;;<SID of CordonSandboxOffline");
    free(text);
    text = plan_json_of("workspace-write-online");
    CHECK_CONTAINS(text, "\"identity\":{\"user\":\"CordonSandboxOnline\"");
    free(text);
    text = plan_json_of("full-access");
    CHECK_CONTAINS(text, "\"windows_elevated\":{\"applies\":false");
    free(text);
}

int main(void)
{
    explain();
    launch_data();
    runner_request();
    marker();
    rules();
    admin_only();
    descriptors();
    passwords();
    steps();
    readiness();
    TEST_MAIN_END();
}
