/* windows-elevated on this host: without setup, selection falls back to
 * windows-unelevated with the exact reason; a marker that setup did not
 * write (a plain file in a user's directory) is never trusted, so the tier
 * is never ready; DPAPI credentials round-trip and are bound to their
 * account; the firewall read never reports cordon's rules where none were
 * added. Under Wine, tokens, ACLs, accounts and the firewall are fakes:
 * the checks here hold there too because each fails closed. */
#include "elevated_win.h"
#include "wintest.h"

static void fallback(void)
{
    struct cordon__win_elevated_paths p;
    cordon_policy *ws = NULL;
    cordon_levels lv;
    char *dir = make_temp_dir("elev-level"), *want;
    wchar_t *wd;

    CHECK(cordon__win_elevated_paths(&p) == CORDON_OK);
    if (path_exists(p.marker)) {
        printf("skipped the no-setup fallback: %s exists on this host\n", p.marker);
        cordon__win_elevated_paths_free(&p);
        free(dir);
        return;
    }
    CHECK(cordon_policy_builtin("workspace-write", &ws) == CORDON_OK);
    CHECK_MSG(cordon_level_query(ws, dir, &lv) == CORDON_OK, "%s", cordon_last_error());
    CHECK_STR(lv.backend, "windows-unelevated");
    want = cordon__asprintf("windows-elevated: setup has not been run (no %s)", p.marker);
    CHECK_STR(lv.fallback_reason, want);
    CHECK_CONTAINS(lv.fallback_reason, "\\cordon\\setup.json)");
    free(want);
    cordon_policy_free(ws);
    cordon__win_elevated_paths_free(&p);
    wd = cordon__win_wide(dir);
    RemoveDirectoryW(wd);
    free(wd);
    free(dir);
}

static void foreign_marker(void)
{
    char *dir = make_temp_dir("elev-marker"), *path = join(dir, "setup.json");
    struct cordon__win_probe_facts *pf = cordon__xcalloc(1, sizeof *pf);
    struct cordon__plan plan;
    struct cordon__host host;
    struct cordon__probe pr;
    cordon_policy *ro = NULL;
    struct cordon__win_fw_rule r[CORDON__FW_MAX_RULES];
    char sha[65];
    char *text;
    FILE *f;

    cordon__win_fw_rules_sha256(r, cordon__win_fw_rules("S-1-5-21-1-2-3-1010", NULL, 0, r), sha);
    text = cordon__asprintf(
        "{\"format\":\"cordon-setup-marker\",\"version\":2,\"os\":\"windows\","
        "\"accounts\":{\"offline\":{\"name\":\"CordonSandboxOffline\",\"id\":\"S-1-5-21-1-2-3-1010\"},"
        "\"online\":{\"name\":\"CordonSandboxOnline\",\"id\":\"S-1-5-21-1-2-3-1011\"},"
        "\"sandbox_group\":{\"name\":\"CordonSandboxUsers\",\"id\":\"S-1-5-21-1-2-3-1012\"},"
        "\"users_group\":{\"name\":\"CordonUsers\",\"id\":\"S-1-5-21-1-2-3-1013\"}},"
        "\"allowed_users\":[\"ann\"],\"runner\":{\"path\":\"C:\\\\x\\\\cordon-runner.exe\","
        "\"sha256\":\"%064d\",\"caps\":\"\",\"protocol\":3},\"rules\":{\"kind\":\"windows-firewall\","
        "\"name\":\"cordon\",\"sha256\":\"%s\",\"loopback_ports\":[]}}",
        0, sha);
    f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    CHECK(cordon_policy_builtin("read-only", &ro) == CORDON_OK);
    CHECK(cordon__os_host(&host) == CORDON_OK);
    CHECK_MSG(cordon__plan_compile(ro, dir, &host, &plan) == CORDON_OK, "%s", cordon_last_error());
    cordon__win_elevated_facts(path, pf);
    CHECK(pf->f.marker_found);
    pf->w.launch_missing = CORDON__WIN_LAUNCH_MISSING;
    cordon__elevated_readiness(&pf->f, &plan, &pr);
    printf("a marker in a user's directory: %s\n", pr.why_not);
    CHECK(!pr.ready);
    CHECK(pr.why_not[0] != '\0');
    /* Whatever this host's security descriptors say, the accounts of the
     * marker do not exist here, so it fails at the latest there. */
    CHECK(strstr(pr.why_not, "cannot be used") || strstr(pr.why_not, "does not exist"));
    cordon__win_probe_facts_free(pf);
    free(pf);
    {
        wchar_t *w = cordon__win_wide(path);
        DeleteFileW(w);
        free(w);
        w = cordon__win_wide(dir);
        RemoveDirectoryW(w);
        free(w);
    }
    cordon__plan_free(&plan);
    cordon_policy_free(ro);
    free(text);
    free(path);
    free(dir);
}

static void credentials(void)
{
    char *dir = make_temp_dir("elev-cred"), *path = join(dir, "CordonSandboxOffline.dpapi");
    char *pw = NULL;
    int machine;
    for (machine = 0; machine <= 1; machine++) {
        CHECK_MSG(cordon__win_cred_write(path, "CordonSandboxOffline", "s3cret-Pass_word", machine) ==
                      CORDON_OK,
                  "%s", cordon_last_error());
        /* The scope is read back from the blob (what spawn re-protects):
         * Windows' blob layout; Wine writes blobs of its own layout, which
         * read as user scope (never re-protected). */
        if (cordon__win_is_wine())
            CHECK(cordon__win_cred_machine_scope(path) == 0);
        else
            CHECK_MSG(cordon__win_cred_machine_scope(path) == machine, "scope of a %s blob",
                      machine ? "machine" : "user");
        CHECK_MSG(cordon__win_cred_read(path, "CordonSandboxOffline", &pw) == CORDON_OK, "%s",
                  cordon_last_error());
        CHECK_STR(pw, "s3cret-Pass_word");
        cordon__win_password_free(pw);
        pw = NULL;
        /* Bound to its account by the entropy. */
        CHECK(cordon__win_cred_read(path, "CordonSandboxOnline", &pw) != CORDON_OK && !pw);
        CHECK_CONTAINS(cordon_last_error(), "CryptUnprotectData");
    }
    {
        /* The file holds no plain text. */
        FILE *f = fopen(path, "rb");
        char buf[4096];
        size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
        size_t i;
        int plain = 0;
        if (f)
            fclose(f);
        CHECK(n > 16);
        for (i = 0; i + 6 <= n; i++)
            plain |= memcmp(buf + i, "s3cret", 6) == 0;
        CHECK(!plain);
    }
    CHECK(cordon__win_cred_read("C:\\cordon-test-missing\\x.dpapi", "x", &pw) == CORDON_ERR_PATH);
    {
        wchar_t *w = cordon__win_wide(path);
        DeleteFileW(w);
        free(w);
        w = cordon__win_wide(dir);
        RemoveDirectoryW(w);
        free(w);
    }
    free(path);
    free(dir);
}

static void firewall(void)
{
    struct cordon__win_fw_rule want[CORDON__FW_MAX_RULES], got[CORDON__FW_MAX_RULES];
    int found[CORDON__FW_MAX_RULES], enabled[3], state = -1;
    /* An offline SID no setup ever used: no rule can be there for it. */
    size_t n = cordon__win_fw_rules("S-1-5-21-0-0-0-1", NULL, 0, want), i;
    cordon_error rc = cordon__win_fw_read(want, n, got, found, enabled, &state);
    printf("firewall read: %s\n", rc == CORDON_OK ? "ok" : cordon_last_error());
    for (i = 0; rc == CORDON_OK && i < n; i++) {
        char why[300];
        CHECK(!found[i] || cordon__win_fw_rule_diff(&want[i], &got[i], why, sizeof why) != 0 ||
              !cordon__win_is_wine());
    }
}

extern const struct cordon_backend cordon__backend_windows_elevated;

/* Per-command cost of the elevated probe where setup was not run: one
 * attribute read of the marker's path, no DACL read or write, no
 * directory listing. (With setup installed the reads are counted by the
 * same counters; see docs/internals/windows-elevated.md.) */
static void cost(void)
{
    struct cordon__win_elevated_paths p;
    cordon_policy *ws = NULL;
    struct cordon__host host;
    struct cordon__plan plan;
    struct cordon__probe pr;
    char *dir = make_temp_dir("elev-cost");
    LONG reads, writes, fresh, lists;
    int i;
    CHECK(cordon__win_elevated_paths(&p) == CORDON_OK);
    if (path_exists(p.marker)) {
        printf("skipped the no-setup cost: %s exists on this host\n", p.marker);
        goto done;
    }
    CHECK(cordon_policy_builtin("workspace-write", &ws) == CORDON_OK);
    CHECK(cordon__os_host(&host) == CORDON_OK);
    CHECK(cordon__plan_compile(ws, dir, &host, &plan) == CORDON_OK);
    reads = cordon__win_cost.dacl_reads;
    writes = cordon__win_cost.dacl_writes;
    fresh = cordon__win_cost.new_dacl_writes;
    lists = cordon__win_cost.dir_lists;
    for (i = 0; i < 10; i++) {
        cordon__backend_windows_elevated.probe(&plan, &pr);
        CHECK(!pr.ready);
    }
    CHECK(cordon__win_cost.dacl_reads == reads);
    CHECK(cordon__win_cost.dacl_writes == writes);
    CHECK(cordon__win_cost.new_dacl_writes == fresh);
    CHECK(cordon__win_cost.dir_lists == lists);
    /* Without setup, prepare refuses naming it: nothing is granted. */
    CHECK(cordon__backend_windows_elevated.prepare(&plan) == CORDON_ERR_SETUP);
    CHECK_CONTAINS(cordon_last_error(), "setup has not been run");
    CHECK(cordon__win_cost.dacl_writes == writes);
    cordon__plan_free(&plan);
    cordon_policy_free(ws);
done:
    cordon__win_elevated_paths_free(&p);
    remove_dir_tree(dir);
    free(dir);
}

int main(void)
{
    cost();
    fallback();
    foreign_marker();
    credentials();
    firewall();
    TEST_MAIN_END();
}
