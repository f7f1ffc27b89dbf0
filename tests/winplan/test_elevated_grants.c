/* The Windows elevated tier's decisions about files and filters, on any
 * host: which profile entries setup grants the sandbox group read on and
 * how, the record uninstall restores from, whether a DACL lets a sandbox
 * logon read an object, the secrets_read level from fake facts, and the
 * WFP filters. */
#include "core/fakehost.h"
#include "elevated_windows_grants.h"
#include "elevated_windows_run.h"
#include "harness.h"
#include "plan_windows.h"

#define OFF_SID "S-1-5-21-11-22-33-1010"
#define SBX_SID "S-1-5-21-11-22-33-1012"
#define ANN_SID "S-1-5-21-11-22-33-1001"

static enum cordon__win_grant grant(const char *rel, int is_dir, int reparse, int broad, char *why)
{
    struct cordon__win_grant_entry e;
    memset(&e, 0, sizeof e);
    e.rel = rel;
    e.is_dir = is_dir;
    e.is_reparse = reparse;
    e.broad_read = broad;
    e.links = is_dir ? 0 : 1;
    return cordon__win_read_grant(&e, why, 300);
}

/* Hard links: a file's security descriptor is shared by all its names. */
static void links(void)
{
    struct cordon__win_grant_entry e;
    char why[300];

    /* A file decided on its own with a second name (~\src\key linked to
     * ~\.ssh\id_ed25519): nothing, whatever else holds. */
    memset(&e, 0, sizeof e);
    e.rel = ".gitconfig";
    e.links = 2;
    CHECK(cordon__win_read_grant(&e, why, sizeof why) == CORDON__WIN_GRANT_NONE);
    CHECK_CONTAINS(why, "2 names (hard links)");
    e.links = 0;
    CHECK(cordon__win_read_grant(&e, why, sizeof why) == CORDON__WIN_GRANT_NONE);
    CHECK_CONTAINS(why, "could not be read");
    e.links = 1;
    CHECK(cordon__win_read_grant(&e, why, sizeof why) == CORDON__WIN_GRANT_TREE);
    /* A secret with two names is still a secret first. */
    e.rel = ".ssh\\id_ed25519";
    e.links = 2;
    CHECK(cordon__win_read_grant(&e, why, sizeof why) == CORDON__WIN_GRANT_NONE);
    CHECK_CONTAINS(why, "a secret");

    /* A tree: granted whole only when the walk below it found no file
     * with another name; else split like a directory above a secret. */
    memset(&e, 0, sizeof e);
    e.rel = "src";
    e.is_dir = 1;
    CHECK(cordon__win_read_grant(&e, why, sizeof why) == CORDON__WIN_GRANT_TREE);
    CHECK_CONTAINS(why, "once the background worker found no file below with another name");
    e.walked = 1;
    CHECK(cordon__win_read_grant(&e, why, sizeof why) == CORDON__WIN_GRANT_TREE);
    CHECK_CONTAINS(why, "no file below has another name");
    e.linked_below = "C:\\Users\\ann\\src\\key";
    CHECK(cordon__win_read_grant(&e, why, sizeof why) == CORDON__WIN_GRANT_LIST);
    CHECK_CONTAINS(why, "more than one name (hard link) below it (C:\\Users\\ann\\src\\key)");
    CHECK_CONTAINS(why, "decide its entries one by one");
    e.linked_below = NULL;
    e.walk_error = "C:\\Users\\ann\\src\\locked: error 5";
    CHECK(cordon__win_read_grant(&e, why, sizeof why) == CORDON__WIN_GRANT_LIST);
    CHECK_CONTAINS(why, "could not all be checked for hard links");
    /* The order of the other rules holds: a secret, a link, broad read. */
    e.rel = ".ssh";
    CHECK(cordon__win_read_grant(&e, why, sizeof why) == CORDON__WIN_GRANT_NONE);
    e.rel = "Public";
    e.broad_read = 1;
    CHECK(cordon__win_read_grant(&e, why, sizeof why) == CORDON__WIN_GRANT_NONE);
}

static void profile(void)
{
    const struct cordon__win_secret *s = NULL;
    char why[300];
    size_t i;

    /* The list as data, each with its reason. */
    for (i = 0; cordon__win_profile_secrets[i].rel; i++)
        CHECK(cordon__win_profile_secrets[i].why && cordon__win_profile_secrets[i].why[0]);
    CHECK(i >= 20);

    CHECK(cordon__win_profile_rel(".ssh", &s) == CORDON__WIN_REL_SECRET);
    CHECK(s && strstr(s->why, "SSH"));
    CHECK(cordon__win_profile_rel(".SSH\\id_ed25519", NULL) == CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel(".ssh/config", NULL) == CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel(".sshx", NULL) == CORDON__WIN_REL_PLAIN);
    CHECK(cordon__win_profile_rel(".config", NULL) == CORDON__WIN_REL_ANCESTOR);
    CHECK(cordon__win_profile_rel(".config\\gh", NULL) == CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel(".config\\git", NULL) == CORDON__WIN_REL_ANCESTOR);
    CHECK(cordon__win_profile_rel(".config\\git\\credentials", &s) == CORDON__WIN_REL_SECRET);
    CHECK(s && strstr(s->why, "git"));
    CHECK(cordon__win_profile_rel(".config\\git\\config", NULL) == CORDON__WIN_REL_PLAIN);
    /* Credential stores of common tools, each where it lives on Windows. */
    CHECK(cordon__win_profile_rel("AppData\\Roaming\\Microsoft\\Windows\\PowerShell\\PSReadLine\\"
                                  "ConsoleHost_history.txt",
                                  NULL) == CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel("AppData\\Roaming\\Microsoft\\Windows", NULL) ==
          CORDON__WIN_REL_ANCESTOR);
    CHECK(cordon__win_profile_rel(".m2\\settings.xml", NULL) == CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel(".m2\\settings-security.xml", NULL) == CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel(".m2\\repository", NULL) == CORDON__WIN_REL_PLAIN);
    CHECK(cordon__win_profile_rel("AppData\\Roaming\\NuGet\\nuget.config", NULL) ==
          CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel("AppData\\Roaming\\postgresql\\pgpass.conf", NULL) ==
          CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel("AppData\\Roaming\\terraform.d\\credentials.tfrc.json", NULL) ==
          CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel("AppData\\Roaming\\terraform.d\\plugins", NULL) ==
          CORDON__WIN_REL_PLAIN);
    CHECK(cordon__win_profile_rel("AppData\\Roaming\\Composer\\auth.json", NULL) ==
          CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel(".composer\\auth.json", NULL) == CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel(".yarnrc.yml", NULL) == CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel(".yarnrc", NULL) == CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel(".vault-token", NULL) == CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel(".gem\\credentials", NULL) == CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel(".config\\rclone\\rclone.conf", NULL) == CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel(".password-store\\mail.gpg", NULL) == CORDON__WIN_REL_SECRET);
    /* Not credential stores. */
    CHECK(cordon__win_profile_rel(".wslconfig", NULL) == CORDON__WIN_REL_PLAIN);
    CHECK(cordon__win_profile_rel(".nuget\\packages", NULL) == CORDON__WIN_REL_PLAIN);
    CHECK(cordon__win_profile_rel("NTUSER.DAT", NULL) == CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel("ntuser.dat.LOG1", NULL) == CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel("ntuser", NULL) == CORDON__WIN_REL_PLAIN);
    CHECK(cordon__win_profile_rel("AppData", NULL) == CORDON__WIN_REL_ANCESTOR);
    CHECK(cordon__win_profile_rel("AppData\\Local", NULL) == CORDON__WIN_REL_ANCESTOR);
    CHECK(cordon__win_profile_rel("AppData\\Local\\Temp", &s) == CORDON__WIN_REL_SECRET);
    CHECK(s && !s->secret && strstr(s->why, "%TEMP%"));
    CHECK(cordon__win_profile_rel("AppData\\Local\\Programs", NULL) == CORDON__WIN_REL_PLAIN);
    CHECK(cordon__win_profile_rel("AppData\\Local\\Google\\Chrome\\User Data\\Default\\Login Data",
                                  NULL) == CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel("AppData\\Local\\Google", NULL) == CORDON__WIN_REL_ANCESTOR);
    CHECK(cordon__win_profile_rel("AppData\\Roaming\\Microsoft\\Protect\\S-1-5-21-1", NULL) ==
          CORDON__WIN_REL_SECRET);
    CHECK(cordon__win_profile_rel("src", NULL) == CORDON__WIN_REL_PLAIN);
    CHECK(cordon__win_profile_rel("", NULL) == CORDON__WIN_REL_ANCESTOR);

    {
        /* Every path cordon's default policy denies below the home is a
         * secret for setup too, so that the grants never open what the
         * probe then finds readable. */
        cordon_policy *pol = NULL;
        CHECK(cordon_policy_builtin("workspace-write", &pol) == CORDON_OK);
        for (i = 0; pol && i < pol->deny_read.n; i++) {
            const char *d = pol->deny_read.v[i];
            CHECK_MSG(strncmp(d, "~/", 2) == 0, "%s", d);
            CHECK_MSG(cordon__win_profile_rel(d + 2, NULL) == CORDON__WIN_REL_SECRET,
                      "default deny_read %s is not in setup's secrets", d);
        }
        cordon_policy_free(pol);
    }
    CHECK(cordon__win_profile_rel(".cargo", NULL) == CORDON__WIN_REL_ANCESTOR);
    CHECK(cordon__win_profile_rel(".cargo\\bin", NULL) == CORDON__WIN_REL_PLAIN);

    /* The profile root: names only, never inherited, never written. */
    CHECK(grant("", 1, 0, 0, why) == CORDON__WIN_GRANT_LIST);
    CHECK_CONTAINS(why, "this directory only");
    CHECK((CORDON__WIN_LIST_MASK & 0x2ul) == 0);  /* no FILE_WRITE_DATA / ADD_FILE */
    CHECK((CORDON__WIN_LIST_MASK & 0x4ul) == 0);  /* no FILE_APPEND_DATA / ADD_SUBDIRECTORY */
    CHECK((CORDON__WIN_READ_MASK & 0x40156ul) == 0); /* no write, append, EA/attribute write,
                                                        delete child, WRITE_DAC */
    /* A project: read and execute, inherited. */
    CHECK(grant("src", 1, 0, 0, why) == CORDON__WIN_GRANT_TREE);
    CHECK(grant(".gitconfig", 0, 0, 0, why) == CORDON__WIN_GRANT_TREE);
    /* Secrets and %TEMP%: nothing. */
    CHECK(grant(".ssh", 1, 0, 0, why) == CORDON__WIN_GRANT_NONE);
    CHECK_CONTAINS(why, "a secret: SSH");
    CHECK(grant(".git-credentials", 0, 0, 0, why) == CORDON__WIN_GRANT_NONE);
    CHECK(grant("NTUSER.DAT", 0, 0, 0, why) == CORDON__WIN_GRANT_NONE);
    CHECK(grant("AppData\\Local\\Temp", 1, 0, 0, why) == CORDON__WIN_GRANT_NONE);
    CHECK_CONTAINS(why, "never granted");
    /* Above a secret: list only, then entry by entry. */
    CHECK(grant("AppData", 1, 0, 0, why) == CORDON__WIN_GRANT_LIST);
    CHECK(grant(".config", 1, 0, 0, why) == CORDON__WIN_GRANT_LIST);
    CHECK(grant(".config\\git", 1, 0, 0, why) == CORDON__WIN_GRANT_LIST);
    CHECK(grant(".config\\git\\config", 0, 0, 0, why) == CORDON__WIN_GRANT_TREE);
    /* Junctions ("Application Data", "My Documents"): nothing through them. */
    CHECK(grant("Application Data", 1, 1, 0, why) == CORDON__WIN_GRANT_NONE);
    CHECK(grant(".ssh", 1, 1, 0, why) == CORDON__WIN_GRANT_NONE);
    /* Readable by Users already: nothing to add. */
    CHECK(grant("Public stuff", 1, 0, 1, why) == CORDON__WIN_GRANT_NONE);
    CHECK_CONTAINS(why, "already");
}

static void records(void)
{
    struct cordon__win_grant_record r, back;
    char *line;
    r.kind = CORDON__WIN_GRANT_TREE;
    r.path = "C:\\Users\\ann\\src";
    r.original = "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;" ANN_SID ")";
    line = cordon__win_grant_record_line(&r);
    CHECK_STR(line, "tree\tC:\\Users\\ann\\src\tD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;" ANN_SID ")");
    CHECK(cordon__win_grant_record_parse(line, &back) == 0);
    CHECK(back.kind == CORDON__WIN_GRANT_TREE);
    CHECK_STR(back.path, r.path);
    CHECK_STR(back.original, r.original);
    cordon__win_grant_record_free(&back);
    free(line);
    CHECK(cordon__win_grant_record_parse("list\tC:\\Users\\ann\tD:P\r\n", &back) == 0);
    CHECK(back.kind == CORDON__WIN_GRANT_LIST);
    CHECK_STR(back.original, "D:P");
    cordon__win_grant_record_free(&back);
    /* Not records: another kind, a missing or extra field, no DACL. */
    CHECK(cordon__win_grant_record_parse("both\tC:\\x\tD:P", &back) == -1 && !back.path);
    CHECK(cordon__win_grant_record_parse("tree\tC:\\x", &back) == -1);
    CHECK(cordon__win_grant_record_parse("tree\t\tD:P", &back) == -1);
    CHECK(cordon__win_grant_record_parse("tree\tC:\\x\tD:P\textra", &back) == -1);
    CHECK(cordon__win_grant_record_parse("tree\tC:\\x\tO:BA", &back) == -1);
    r.path = "C:\\a\tb";
    CHECK(cordon__win_grant_record_line(&r) == NULL);
}

/* What uninstall writes back on a path setup granted: the recorded DACL
 * exactly when only the sandbox group's ACEs changed since; else the
 * current one without them. */
static void restore(void)
{
    int exact = 0;
    char *t = cordon__win_sddl_restore_sid(
        "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;" ANN_SID ")",
        "D:PAI(A;OICI;0x1200a9;;;" SBX_SID ")(A;OICI;FA;;;SY)(A;OICI;FA;;;" ANN_SID
        ")(A;OICIID;FA;;;BA)",
        SBX_SID, &exact);
    CHECK(exact);
    CHECK_STR(t, "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;" ANN_SID ")");
    free(t);
    /* Protection changed since (someone's change): kept, setup's ACE out. */
    t = cordon__win_sddl_restore_sid("D:PAI(A;OICI;FA;;;SY)",
                                     "D:AI(A;;0x1000a1;;;" SBX_SID ")(A;OICI;FA;;;SY)", SBX_SID,
                                     &exact);
    CHECK(!exact);
    CHECK_STR(t, "D:AI(A;OICI;FA;;;SY)");
    free(t);
    /* Someone added Everyone since: that stays, only setup's ACE goes. */
    t = cordon__win_sddl_restore_sid("D:PAI(A;OICI;FA;;;SY)",
                                     "D:PAI(A;;0x1000a1;;;" SBX_SID ")(A;OICI;FA;;;SY)(A;;FR;;;WD)",
                                     SBX_SID, &exact);
    CHECK(!exact);
    CHECK_STR(t, "D:PAI(A;OICI;FA;;;SY)(A;;FR;;;WD)");
    free(t);
    /* The backend's write ACE for the same group on the same path is not
     * setup's: uninstall keeps it, whether it came before setup's grant
     * (in the original) or after (only in the current DACL). */
    t = cordon__win_sddl_restore_sid(
        "D:PAI(A;OICI;FA;;;SY)",
        "D:PAI(D;OICI;0x1d0156;;;" SBX_SID ")(A;OICI;0x1301bf;;;" SBX_SID ")(A;OICI;0x1200a9;;;" SBX_SID
        ")(A;OICI;FA;;;SY)",
        SBX_SID, &exact);
    CHECK(!exact);
    CHECK_STR(t, "D:PAI(D;OICI;0x1d0156;;;" SBX_SID ")(A;OICI;0x1301bf;;;" SBX_SID ")(A;OICI;FA;;;SY)");
    free(t);
    t = cordon__win_sddl_restore_sid(
        "D:PAI(A;OICI;0x1301bf;;;" SBX_SID ")(A;OICI;FA;;;SY)",
        "D:PAI(A;OICI;0x1301bf;;;" SBX_SID ")(A;;0x1000a1;;;" SBX_SID ")(A;OICI;FA;;;SY)", SBX_SID,
        &exact);
    CHECK(exact);
    CHECK_STR(t, "D:PAI(A;OICI;0x1301bf;;;" SBX_SID ")(A;OICI;FA;;;SY)");
    free(t);
    /* Setup's read grant written in rights strings is still setup's. */
    t = cordon__win_sddl_restore_sid("D:PAI(A;OICI;FA;;;SY)",
                                     "D:PAI(A;OICI;FRFX;;;" SBX_SID ")(A;OICI;FA;;;SY)", SBX_SID,
                                     &exact);
    CHECK(exact);
    CHECK_STR(t, "D:PAI(A;OICI;FA;;;SY)");
    free(t);
    /* Another SID's ACE (a capability SID of cordon's, say) is not setup's. */
    t = cordon__win_sddl_restore_sid("D:P(A;;FA;;;SY)", "D:P(A;;FA;;;SY)(A;;FR;;;" OFF_SID ")",
                                     SBX_SID, &exact);
    CHECK(!exact);
    CHECK_STR(t, "D:P(A;;FA;;;SY)(A;;FR;;;" OFF_SID ")");
    free(t);
}

/* A re-install decides every earlier record again: what a newer secrets
 * table (or a hard link since) makes "nothing" or another kind loses
 * setup's ACE; the rest stays. */
static void upgrade(void)
{
    static const char *const profile = "C:\\Users\\ann";
    static const struct {
        const char *line;
        int is_dir;
        unsigned long links;
        enum cordon__win_regrant want;
    } old[] = {
        /* git's XDG credential store and PowerShell's history joined the
         * table: their directories are no trees any more. */
        {"tree\tC:\\Users\\ann\\.config\\git\tD:P", 1, 0, CORDON__WIN_REGRANT_RESTORE},
        {"tree\tC:\\Users\\ann\\AppData\\Roaming\\Microsoft\\Windows\tD:P", 1, 0,
         CORDON__WIN_REGRANT_RESTORE},
        /* A file given read on its own, a secret now. */
        {"tree\tC:\\Users\\ann\\.vault-token\tD:P", 0, 1, CORDON__WIN_REGRANT_RESTORE},
        /* A file with a second name since. */
        {"tree\tC:\\Users\\ann\\.gitconfig\tD:P", 0, 2, CORDON__WIN_REGRANT_RESTORE},
        /* Unchanged. */
        {"tree\tC:\\Users\\ann\\src\tD:P", 1, 0, CORDON__WIN_REGRANT_KEEP},
        {"tree\tC:\\Users\\ann\\.bashrc\tD:P", 0, 1, CORDON__WIN_REGRANT_KEEP},
        {"list\tC:\\Users\\ann\\.config\tD:P", 1, 0, CORDON__WIN_REGRANT_KEEP},
        /* A tree the worker split for a hard link below: the table alone
         * does not make it a tree again. */
        {"list\tC:\\Users\\ann\\projects\tD:P", 1, 0, CORDON__WIN_REGRANT_KEEP},
        {"list\tC:\\Users\\ann\tD:P", 1, 0, CORDON__WIN_REGRANT_KEEP},
        /* No allowed user's profile holds it now. */
        {"tree\tC:\\Users\\bob\\src\tD:P", 1, 0, CORDON__WIN_REGRANT_RESTORE},
    };
    size_t i;
    char why[600], now_why[600];
    unsigned char sha[32], other[32];
    char *line;

    CHECK_STR(cordon__win_profile_entry(profile, "C:\\Users\\ann"), "");
    CHECK_STR(cordon__win_profile_entry(profile, "c:\\users\\ANN\\src\\x"), "src\\x");
    CHECK(cordon__win_profile_entry(profile, "C:\\Users\\anna\\src") == NULL);
    CHECK(cordon__win_profile_entry(profile, "C:\\Users") == NULL);
    for (i = 0; i < sizeof old / sizeof old[0]; i++) {
        struct cordon__win_grant_record r;
        struct cordon__win_grant_entry e;
        enum cordon__win_grant now = CORDON__WIN_GRANT_NONE;
        const char *rel;
        CHECK(cordon__win_grant_record_parse(old[i].line, &r) == 0);
        rel = cordon__win_profile_entry(profile, r.path);
        now_why[0] = '\0';
        if (rel) {
            memset(&e, 0, sizeof e);
            e.rel = rel;
            e.is_dir = old[i].is_dir;
            e.links = old[i].links;
            now = cordon__win_read_grant(&e, now_why, sizeof now_why);
        }
        CHECK_MSG(cordon__win_regrant(&r, now, now_why, why, sizeof why) == old[i].want, "%s: %s",
                  old[i].line, why);
        if (old[i].want == CORDON__WIN_REGRANT_RESTORE)
            CHECK_CONTAINS(why, "setup's ACE taken out");
        cordon__win_grant_record_free(&r);
    }

    /* Lost or changed records: the count kept beside them says so. */
    cordon__sha256("a\nb\n", 4, sha);
    cordon__sha256("a\nc\n", 4, other);
    line = cordon__win_grant_count_line(2, sha);
    CHECK(strncmp(line, "records\t2\t", 10) == 0 && strlen(line) == 10 + 64 + 1);
    CHECK(cordon__win_grant_records_check(1, 2, sha, line, why, sizeof why) == 0);
    CHECK(cordon__win_grant_records_check(0, 0, sha, line, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "gone, but setup recorded 2 grants");
    CHECK(cordon__win_grant_records_check(1, 2, other, line, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "changed since setup wrote them");
    CHECK(cordon__win_grant_records_check(1, 1, other, line, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "hold 1 grants, setup wrote 2");
    CHECK(cordon__win_grant_records_check(1, 2, sha, "garbage", why, sizeof why) == -1);
    free(line);
    /* An install from before the count: nothing to compare, as before. */
    CHECK(cordon__win_grant_records_check(0, 0, sha, NULL, why, sizeof why) == 0);
    CHECK(cordon__win_grant_records_check(1, 5, sha, NULL, why, sizeof why) == 0);
    /* No grants recorded and no records: fine. */
    line = cordon__win_grant_count_line(0, sha);
    CHECK(cordon__win_grant_records_check(0, 0, sha, line, why, sizeof why) == 0);
    free(line);
}

/* The other way: `cordon grants revoke` (the backend's removers) with the
 * sandbox group registered as a tier SID takes out the backend's ACEs of
 * that group and of its capability SIDs, never setup's read grants on the
 * same path; the original the backend records keeps them too. */
static void ownership(void)
{
    const char *before = "D:PAI(A;OICI;0x1200a9;;;" SBX_SID ")(A;OICI;FA;;;SY)";
    const char *cap = "S-1-5-21-1668248164-1-2-3-4-5-6";
    char *orig, *t, *cur;
    unsigned long mask = 0;
    unsigned flags = 0;
    char sid[CORDON__WIN_SID_MAX];
    int exact = 0, type = -1;

    CHECK(cordon__win_sddl_ace_parts("(A;OICI;0x1200a9;;;" SBX_SID ")", &type, &flags, &mask,
                                     sid) == 0);
    CHECK(type == CORDON__WIN_ACE_ALLOW && flags == (CORDON__WIN_ACE_OI | CORDON__WIN_ACE_CI) &&
          mask == CORDON__WIN_READ_MASK);
    CHECK_STR(sid, SBX_SID);
    CHECK(cordon__win_sddl_ace_parts("(D;OICIID;FW;;;WD)", &type, &flags, &mask, sid) == 0);
    CHECK(type == CORDON__WIN_ACE_DENY && (flags & CORDON__WIN_ACE_ID) && mask == 0x120116ul);
    CHECK(cordon__win_sddl_ace_parts("(OA;;CR;guid;;WD)", &type, &flags, &mask, sid) == -1);
    CHECK(cordon__win_sddl_ace_parts("(A;;ZZ;;;WD)", &type, &flags, &mask, sid) == -1);
    CHECK(cordon__win_ace_is_setup_read(CORDON__WIN_ACE_ALLOW, 0, CORDON__WIN_LIST_MASK));
    CHECK(!cordon__win_ace_is_setup_read(CORDON__WIN_ACE_ALLOW, CORDON__WIN_ACE_OI | CORDON__WIN_ACE_CI,
                                         CORDON__WIN_LIST_MASK));
    CHECK(!cordon__win_ace_is_setup_read(CORDON__WIN_ACE_ALLOW, 0, 0x1301bful));
    CHECK(!cordon__win_ace_is_setup_read(CORDON__WIN_ACE_DENY, 0, CORDON__WIN_READ_MASK));

    cordon__win_tier_sids_clear();
    cordon__win_tier_sid_register(SBX_SID);
    CHECK(!cordon__win_ace_is_cordons(SBX_SID, CORDON__WIN_ACE_ALLOW, 3, CORDON__WIN_READ_MASK));
    CHECK(cordon__win_ace_is_cordons(SBX_SID, CORDON__WIN_ACE_ALLOW, 3, 0x1301bful));
    CHECK(cordon__win_ace_is_cordons(cap, CORDON__WIN_ACE_ALLOW, 3, CORDON__WIN_READ_MASK));
    /* The backend records the original before its first change: setup's
     * grant is in it. */
    orig = cordon__win_sddl_without_cordon(before);
    CHECK_STR(orig, before);
    cur = cordon__asprintf("D:PAI(D;OICI;0x1d0156;;;%s)(D;OICI;0x1d0156;;;" SBX_SID
                           ")(A;OICI;0x1200a9;;;" SBX_SID ")(A;OICI;0x1301bf;;;%s)(A;OICI;0x1301bf;;;"
                           SBX_SID ")(A;OICI;FA;;;SY)",
                           cap, cap);
    t = cordon__win_sddl_restore(orig, cur, &exact);
    CHECK(exact);
    CHECK_STR(t, before);
    free(t);
    /* Setup's list grant on a directory between a root and the profile
     * stays too, after someone else's change since. */
    free(cur);
    cur = cordon__asprintf("D:PAI(A;OICI;0x1301bf;;;" SBX_SID ")(A;;0x1000a1;;;" SBX_SID
                           ")(A;OICI;FA;;;SY)(A;;FR;;;WD)");
    t = cordon__win_sddl_restore("D:PAI(A;OICI;FA;;;SY)", cur, &exact);
    CHECK(!exact);
    CHECK_STR(t, "D:PAI(A;;0x1000a1;;;" SBX_SID ")(A;OICI;FA;;;SY)(A;;FR;;;WD)");
    free(t);
    free(cur);
    free(orig);
    cordon__win_tier_sids_clear();
}

static struct cordon__win_dacl_ace ace(int type, const char *sid, unsigned long mask, int io)
{
    struct cordon__win_dacl_ace a;
    memset(&a, 0, sizeof a);
    a.type = type;
    snprintf(a.sid, sizeof a.sid, "%s", sid);
    a.mask = mask;
    a.inherit_only = io;
    return a;
}

static void dacl(void)
{
    const char *me[2] = {OFF_SID, SBX_SID};
    struct cordon__win_dacl_ace a[4];
    char why[300];

    /* A profile's usual DACL: SYSTEM, Administrators, the user. */
    a[0] = ace(CORDON__ACE_ALLOW, "S-1-5-18", 0x1f01ff, 0);
    a[1] = ace(CORDON__ACE_ALLOW, "S-1-5-32-544", 0x1f01ff, 0);
    a[2] = ace(CORDON__ACE_ALLOW, ANN_SID, 0x1f01ff, 0);
    CHECK(!cordon__win_dacl_reads(ANN_SID, 1, a, 3, me, 2, why, sizeof why));
    /* The sandbox group, Everyone, Users, a logon session: readers. */
    a[3] = ace(CORDON__ACE_ALLOW, SBX_SID, 0x1200a9, 0);
    CHECK(cordon__win_dacl_reads(ANN_SID, 1, a, 4, me, 2, why, sizeof why));
    CHECK_CONTAINS(why, "an allow ACE for " SBX_SID " grants read");
    a[3] = ace(CORDON__ACE_ALLOW, "S-1-1-0", 0x80000000ul, 0); /* GENERIC_READ */
    CHECK(cordon__win_dacl_reads(ANN_SID, 1, a, 4, me, 2, why, sizeof why));
    a[3] = ace(CORDON__ACE_ALLOW, "S-1-5-32-545", 0x1200a9, 0);
    CHECK(cordon__win_dacl_reads(ANN_SID, 1, a, 4, me, 2, why, sizeof why));
    a[3] = ace(CORDON__ACE_ALLOW, "S-1-5-5-0-12345", 0x1, 0);
    CHECK(cordon__win_dacl_reads(ANN_SID, 1, a, 4, me, 2, why, sizeof why));
    a[3] = ace(CORDON__ACE_ALLOW, "S-1-5-4", 0x10000000ul, 0); /* Interactive, GENERIC_ALL */
    CHECK(cordon__win_dacl_reads(ANN_SID, 1, a, 4, me, 2, why, sizeof why));
    /* An ACE the OS layer could not type counts as anyone's. */
    a[3] = ace(CORDON__ACE_ALLOW, "an ACE of type 9", 0xffffffffu, 0);
    CHECK(cordon__win_dacl_reads(ANN_SID, 1, a, 4, me, 2, why, sizeof why));
    /* Traverse or attributes only, inherit-only, someone else: no read. */
    a[3] = ace(CORDON__ACE_ALLOW, "S-1-1-0", 0x1000a0, 0);
    CHECK(!cordon__win_dacl_reads(ANN_SID, 1, a, 4, me, 2, why, sizeof why));
    a[3] = ace(CORDON__ACE_ALLOW, "S-1-1-0", 0x1200a9, 1);
    CHECK(!cordon__win_dacl_reads(ANN_SID, 1, a, 4, me, 2, why, sizeof why));
    a[3] = ace(CORDON__ACE_ALLOW, "S-1-5-21-99-99-99-1000", 0x1200a9, 0);
    CHECK(!cordon__win_dacl_reads(ANN_SID, 1, a, 4, me, 2, why, sizeof why));
    /* A deny first decides; a deny after an allow does not. */
    a[0] = ace(CORDON__ACE_DENY, SBX_SID, 0x1, 0);
    a[1] = ace(CORDON__ACE_ALLOW, "S-1-1-0", 0x1200a9, 0);
    CHECK(!cordon__win_dacl_reads(ANN_SID, 1, a, 2, me, 2, why, sizeof why));
    a[0] = ace(CORDON__ACE_ALLOW, "S-1-1-0", 0x1200a9, 0);
    a[1] = ace(CORDON__ACE_DENY, SBX_SID, 0x1, 0);
    CHECK(cordon__win_dacl_reads(ANN_SID, 1, a, 2, me, 2, why, sizeof why));
    /* A deny of write only does not hide anything. */
    a[0] = ace(CORDON__ACE_DENY, SBX_SID, 0x116, 0);
    a[1] = ace(CORDON__ACE_ALLOW, "S-1-5-11", 0x1200a9, 0);
    CHECK(cordon__win_dacl_reads(ANN_SID, 1, a, 2, me, 2, why, sizeof why));
    /* A NULL DACL; an owner among the sandbox SIDs. */
    CHECK(cordon__win_dacl_reads(ANN_SID, 0, NULL, 0, me, 2, why, sizeof why));
    CHECK_CONTAINS(why, "NULL DACL");
    CHECK(cordon__win_dacl_reads(OFF_SID, 1, NULL, 0, me, 2, why, sizeof why));
    CHECK_CONTAINS(why, "owner");
    /* An empty DACL: nobody. */
    CHECK(!cordon__win_dacl_reads(ANN_SID, 1, NULL, 0, me, 2, why, sizeof why));
}

static const struct fake_entry wfs[] = {
    {"C:\\work\\app", CORDON__PATH_DIR, NULL},
    {"C:\\work\\app\\.env", CORDON__PATH_FILE, NULL},
    {"C:\\Users\\ann\\.ssh", CORDON__PATH_DIR, NULL},
    {"C:\\Users\\ann\\.netrc", CORDON__PATH_FILE, NULL},
    {NULL, 0, NULL},
};

static void compile(struct cordon__plan *plan, int with_deny, const char *cwd)
{
    struct cordon_policy *p = NULL;
    struct cordon__host h;
    fake_host(CORDON__OS_WINDOWS, wfs, &h);
    CHECK(cordon_policy_builtin("workspace-write", &p) == CORDON_OK);
    CHECK(cordon_policy_clear_deny_read(p) == CORDON_OK);
    if (with_deny) {
        CHECK(cordon_policy_add_deny_read(p, "C:\\Users\\ann\\.ssh") == CORDON_OK);
        CHECK(cordon_policy_add_deny_read(p, "C:\\Users\\ann\\.netrc") == CORDON_OK);
        CHECK(cordon_policy_add_deny_read(p, "C:\\Users\\ann\\.aws") == CORDON_OK);
    }
    if (with_deny == 2)
        CHECK(cordon_policy_add_deny_read(p, "C:\\work\\app\\.env") == CORDON_OK);
    CHECK_MSG(cordon__plan_compile(p, cwd, &h, plan) == CORDON_OK, "%s",
              cordon_last_error());
    cordon_policy_free(p);
}

static void secrets(void)
{
    struct cordon__plan plan, none;
    struct cordon__probe pr;
    struct cordon__win_secrets_facts s;
    struct cordon__win_secret_object o[3];
    struct cordon__win_dacl_ace closed[3], open[1];
    const char *groups[2] = {SBX_SID, "S-1-5-32-545"};

    compile(&plan, 1, "C:\\work\\app");
    compile(&none, 0, "C:\\work\\app");
    CHECK(plan.n_deny == 2 && plan.n_deny_listed == 3);
    closed[0] = ace(CORDON__ACE_ALLOW, "S-1-5-18", 0x1f01ff, 0);
    closed[1] = ace(CORDON__ACE_ALLOW, "S-1-5-32-544", 0x1f01ff, 0);
    closed[2] = ace(CORDON__ACE_ALLOW, ANN_SID, 0x1f01ff, 0);
    open[0] = ace(CORDON__ACE_ALLOW, "S-1-1-0", 0x1200a9, 0);
    memset(o, 0, sizeof o);
    o[0].path = "C:\\Users\\ann\\.ssh";
    o[1].path = "C:\\Users\\ann\\.ssh\\id_ed25519";
    o[2].path = "C:\\Users\\ann\\.netrc";
    for (size_t i = 0; i < 3; i++) {
        snprintf(o[i].owner, sizeof o[i].owner, ANN_SID);
        o[i].dacl_present = 1;
        o[i].aces = closed;
        o[i].n_aces = 3;
    }
    memset(&s, 0, sizeof s);
    s.user_sid = OFF_SID;
    s.groups = groups;
    s.n_groups = 2;
    s.objects = o;
    s.n_objects = 3;

    memset(&pr, 0, sizeof pr);
    cordon__win_secrets_level(&plan, &s, &pr);
    CHECK(pr.level[CORDON_DIM_SECRETS_READ] == CORDON_LEVEL_ENFORCED);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_SECRETS_READ], "the 2 deny_read paths (3 objects");
    /* One file below .ssh with its own Everyone ACE (moved in with its
     * ACL, say): opened by name through bypass traverse checking, it is
     * readable, whatever .ssh says. */
    o[1].aces = open;
    o[1].n_aces = 1;
    cordon__win_secrets_level(&plan, &s, &pr);
    CHECK(pr.level[CORDON_DIM_SECRETS_READ] == CORDON_LEVEL_NONE);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_SECRETS_READ],
                   "can read C:\\Users\\ann\\.ssh\\id_ed25519 (a deny_read path): an allow ACE "
                   "for S-1-1-0 grants read");
    o[1].aces = closed;
    o[1].n_aces = 3;
    /* Unchecked: an error, a link, too many entries, groups unknown, no facts. */
    o[2].error = "C:\\Users\\ann\\.netrc: GetNamedSecurityInfoW: error 5";
    cordon__win_secrets_level(&plan, &s, &pr);
    CHECK(pr.level[CORDON_DIM_SECRETS_READ] == CORDON_LEVEL_NONE);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_SECRETS_READ], "C:\\Users\\ann\\.netrc was not checked");
    o[2].error = NULL;
    s.truncated = "C:\\Users\\ann\\.ssh";
    cordon__win_secrets_level(&plan, &s, &pr);
    CHECK(pr.level[CORDON_DIM_SECRETS_READ] == CORDON_LEVEL_NONE);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_SECRETS_READ], "holds more than 256 entries");
    s.truncated = NULL;
    s.groups_error = "NetUserGetLocalGroups(CordonSandboxOffline): error 2221";
    cordon__win_secrets_level(&plan, &s, &pr);
    CHECK(pr.level[CORDON_DIM_SECRETS_READ] == CORDON_LEVEL_NONE);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_SECRETS_READ], "error 2221");
    s.groups_error = NULL;
    cordon__win_secrets_level(&plan, NULL, &pr);
    CHECK(pr.level[CORDON_DIM_SECRETS_READ] == CORDON_LEVEL_NONE);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_SECRETS_READ], "were not checked");
    /* A group of the sandbox user granted read (an administrator added it
     * to a group with rights there). */
    closed[2] = ace(CORDON__ACE_ALLOW, "S-1-5-32-545", 0x1200a9, 0);
    cordon__win_secrets_level(&plan, &s, &pr);
    CHECK(pr.level[CORDON_DIM_SECRETS_READ] == CORDON_LEVEL_NONE);
    closed[2] = ace(CORDON__ACE_ALLOW, ANN_SID, 0x1f01ff, 0);
    {
        /* A deny_read path inside the workspace: the backend grants the
         * sandbox group the root, .env included, whatever its DACL says
         * before the first command. */
        struct cordon__plan env;
        compile(&env, 2, "C:\\work\\app");
        cordon__win_secrets_level(&env, &s, &pr);
        CHECK(pr.level[CORDON_DIM_SECRETS_READ] == CORDON_LEVEL_NONE);
        CHECK_CONTAINS(pr.reason[CORDON_DIM_SECRETS_READ],
                       "deny_read path C:\\work\\app\\.env is inside the writable root "
                       "C:\\work\\app");
        cordon__plan_free(&env);
    }
    /* Nothing denied. */
    cordon__win_secrets_level(&none, &s, &pr);
    CHECK(pr.level[CORDON_DIM_SECRETS_READ] == CORDON_LEVEL_NONE);
    CHECK_CONTAINS(pr.reason[CORDON_DIM_SECRETS_READ], "deny_read is empty");
    cordon__plan_free(&plan);
    cordon__plan_free(&none);
}

static void wfp(void)
{
    struct cordon__win_wfp_filter f[CORDON__WFP_MAX_FILTERS];
    size_t n = cordon__win_wfp_filters(f), i, v4 = 0, dns = 0;
    char *sddl = cordon__win_wfp_user_sddl(OFF_SID);
    CHECK(n == 10);
    CHECK_STR(sddl, "O:LSD:(A;;CC;;;" OFF_SID ")");
    free(sddl);
    for (i = 0; i < n; i++) {
        size_t k;
        CHECK(f[i].index == i + 1);
        for (k = 0; k < i; k++)
            CHECK(strcmp(f[i].name, f[k].name) != 0);
        v4 += !f[i].v6;
        if (f[i].remote_port) {
            CHECK(f[i].remote_port == 53 || f[i].remote_port == 853);
            CHECK(f[i].protocol == 6 || f[i].protocol == 17);
            dns++;
        } else {
            CHECK(f[i].protocol == (f[i].v6 ? 58 : 1));
        }
    }
    CHECK(v4 == 5 && dns == 8);
    CHECK_STR(f[0].name, "cordon: block ICMP CordonSandboxOffline");
    CHECK_STR(f[1].name, "cordon: block IPv4 TCP port 53 CordonSandboxOffline");
}

/* The tools' directories: PATH entries of each kind, granted a tree,
 * given nothing, or refused, each with its reason. */
static enum cordon__win_tool_grant tool(const char *path, const char *owner, int exists,
                                        int is_dir, int reparse, int broad, char *why)
{
    static const char *const allowed[] = {"C:\\Users\\ann", "C:\\Users\\bob"};
    static const char *const profiles[] = {"C:\\Users\\ann", "C:\\Users\\bob", "C:\\Users\\eve",
                                           "D:\\Profiles\\ops"};
    static const char *const temp[] = {"C:\\Users\\ann\\AppData\\Local\\Temp", "C:\\BuildScratch"};
    struct cordon__win_tool_places pl;
    struct cordon__win_tool_dir d;
    memset(&pl, 0, sizeof pl);
    pl.windows_dir = "C:\\Windows";
    pl.profiles_dir = "C:\\Users";
    pl.allowed = allowed;
    pl.n_allowed = 2;
    pl.profiles = profiles;
    pl.n_profiles = 4;
    pl.temp_dirs = temp;
    pl.n_temp = 2;
    memset(&d, 0, sizeof d);
    d.path = path;
    d.owner_profile = owner;
    d.exists = exists;
    d.is_dir = is_dir;
    d.is_reparse = reparse;
    d.broad_read = broad;
    d.owner_reads = 1;
    return cordon__win_tool_grant(&d, &pl, why, 300);
}

static void tools(void)
{
    struct cordon__strv v = {0};
    struct cordon__win_tool_places none;
    struct cordon__win_tool_dir d;
    const char *names[] = {"USERPROFILE", "LocalAppData"};
    const char *values[] = {"C:\\Users\\ann", "C:\\Users\\ann\\AppData\\Local"};
    char why[300], *x;

    /* Grant: a tool directory outside every profile nobody broad reads. */
    CHECK(tool("D:\\tools\\bin", NULL, 1, 1, 0, 0, why) == CORDON__WIN_TOOL_TREE);
    CHECK_CONTAINS(why, "once the background worker found no file below with another name");
    CHECK(tool("C:\\Program Files\\Git\\cmd", "C:\\Users\\ann", 1, 1, 0, 0, why) ==
          CORDON__WIN_TOOL_TREE);
    /* Nothing: readable already, gone, a file, inside the allowed user's profile. */
    CHECK(tool("C:\\Program Files\\nodejs", NULL, 1, 1, 0, 1, why) == CORDON__WIN_TOOL_NOTHING);
    CHECK_CONTAINS(why, "may read it already");
    CHECK(tool("E:\\gone", NULL, 0, 0, 0, 0, why) == CORDON__WIN_TOOL_NOTHING);
    CHECK_CONTAINS(why, "does not exist");
    CHECK(tool("D:\\tools\\run.exe", NULL, 1, 0, 0, 0, why) == CORDON__WIN_TOOL_NOTHING);
    CHECK_CONTAINS(why, "not a directory");
    CHECK(tool("C:\\Users\\ann\\.cargo\\bin", "C:\\Users\\ann", 1, 1, 0, 0, why) ==
          CORDON__WIN_TOOL_NOTHING);
    CHECK_CONTAINS(why, "the profile's read grants decide it");
    CHECK(tool("c:/users/BOB/scoop/shims", NULL, 1, 1, 0, 0, why) == CORDON__WIN_TOOL_NOTHING);
    CHECK_CONTAINS(why, "C:\\Users\\bob");
    /* Refused, each with its reason. */
    CHECK(tool("C:\\", NULL, 1, 1, 0, 0, why) == CORDON__WIN_TOOL_REFUSED);
    CHECK_CONTAINS(why, "a drive root");
    CHECK(tool("d:/", NULL, 1, 1, 0, 0, why) == CORDON__WIN_TOOL_REFUSED);
    CHECK_CONTAINS(why, "a drive root");
    CHECK(tool("C:\\Windows", NULL, 1, 1, 0, 0, why) == CORDON__WIN_TOOL_REFUSED);
    CHECK_CONTAINS(why, "the Windows directory");
    CHECK(tool("c:\\windows\\System32\\WindowsPowerShell\\v1.0", NULL, 1, 1, 0, 0, why) ==
          CORDON__WIN_TOOL_REFUSED);
    CHECK_CONTAINS(why, "the Windows directory");
    /* A prefix is not a parent: C:\WindowsApps is not below C:\Windows. */
    CHECK(tool("C:\\WindowsTools", NULL, 1, 1, 0, 0, why) == CORDON__WIN_TOOL_TREE);
    CHECK(tool("C:\\Users\\eve\\bin", NULL, 1, 1, 0, 0, why) == CORDON__WIN_TOOL_REFUSED);
    CHECK_CONTAINS(why, "not allowed to use cordon (C:\\Users\\eve)");
    CHECK(tool("D:\\Profiles\\ops\\go\\bin", "C:\\Users\\ann", 1, 1, 0, 0, why) ==
          CORDON__WIN_TOOL_REFUSED);
    CHECK(tool("C:\\Users\\bob\\bin", "C:\\Users\\ann", 1, 1, 0, 0, why) == CORDON__WIN_TOOL_REFUSED);
    CHECK_CONTAINS(why, "another user's profile (C:\\Users\\bob)");
    CHECK(tool("C:\\Users\\Public\\bin", NULL, 1, 1, 0, 0, why) == CORDON__WIN_TOOL_REFUSED);
    CHECK_CONTAINS(why, "the profiles directory");
    CHECK(tool("C:\\Users\\ann\\AppData\\Local\\Temp\\x", "C:\\Users\\ann", 1, 1, 0, 0, why) ==
          CORDON__WIN_TOOL_REFUSED);
    CHECK_CONTAINS(why, "a temporary directory");
    CHECK(tool("C:\\BuildScratch\\bin", NULL, 1, 1, 0, 0, why) == CORDON__WIN_TOOL_REFUSED);
    CHECK(tool("D:\\ci\\tmp\\bin", NULL, 1, 1, 0, 0, why) == CORDON__WIN_TOOL_REFUSED);
    CHECK_CONTAINS(why, "named Temp or Tmp");
    CHECK(tool("D:\\tools\\link", NULL, 1, 1, 1, 0, why) == CORDON__WIN_TOOL_REFUSED);
    CHECK_CONTAINS(why, "a junction or symbolic link");
    CHECK(tool("\\\\server\\share\\bin", NULL, 1, 1, 0, 0, why) == CORDON__WIN_TOOL_REFUSED);
    CHECK_CONTAINS(why, "a UNC path");
    CHECK(tool("\\\\?\\C:\\tools", NULL, 1, 1, 0, 0, why) == CORDON__WIN_TOOL_REFUSED);
    CHECK(tool("bin", NULL, 1, 1, 0, 0, why) == CORDON__WIN_TOOL_REFUSED);
    CHECK_CONTAINS(why, "not an absolute path");
    CHECK(tool("D:\\tools\\..\\..\\Windows\\System32", NULL, 1, 1, 0, 0, why) ==
          CORDON__WIN_TOOL_REFUSED);
    CHECK_CONTAINS(why, ". or .. component");
    CHECK(tool("C:\\.\\Windows", NULL, 1, 1, 0, 0, why) == CORDON__WIN_TOOL_REFUSED);
    CHECK(tool("C:tools", NULL, 1, 1, 0, 0, why) == CORDON__WIN_TOOL_REFUSED);
    CHECK(tool("%GOPATH%\\bin", NULL, 1, 1, 0, 0, why) == CORDON__WIN_TOOL_REFUSED);
    CHECK_CONTAINS(why, "did not expand");
    /* Refusals hold even when the directory is gone or readable. */
    CHECK(tool("C:\\Windows\\gone", NULL, 0, 0, 0, 1, why) == CORDON__WIN_TOOL_REFUSED);

    /* A user's PATH naming a directory that user cannot read (an
     * administrator's): refused, since the user holds the sandbox users'
     * passwords; the machine's PATH (administrators write it) is not asked. */
    memset(&none, 0, sizeof none);
    memset(&d, 0, sizeof d);
    d.path = "D:\\admin-only\\bin";
    d.exists = d.is_dir = 1;
    d.owner_profile = "C:\\Users\\ann";
    CHECK(cordon__win_tool_grant(&d, &none, why, sizeof why) == CORDON__WIN_TOOL_REFUSED);
    CHECK_CONTAINS(why, "who cannot read it");
    d.owner_reads = 1;
    CHECK(cordon__win_tool_grant(&d, &none, why, sizeof why) == CORDON__WIN_TOOL_TREE);
    d.owner_reads = 0;
    d.owner_profile = NULL;
    CHECK(cordon__win_tool_grant(&d, &none, why, sizeof why) == CORDON__WIN_TOOL_TREE);

    /* The worker's walk: a hard link below refuses the whole tree (no split). */
    memset(&none, 0, sizeof none);
    memset(&d, 0, sizeof d);
    d.path = "D:\\tools\\bin";
    d.exists = d.is_dir = d.walked = 1;
    CHECK(cordon__win_tool_grant(&d, &none, why, sizeof why) == CORDON__WIN_TOOL_TREE);
    CHECK_CONTAINS(why, "no file below has another name");
    d.linked_below = "D:\\tools\\bin\\key";
    CHECK(cordon__win_tool_grant(&d, &none, why, sizeof why) == CORDON__WIN_TOOL_REFUSED);
    CHECK_CONTAINS(why, "D:\\tools\\bin\\key");
    d.linked_below = NULL;
    d.walk_error = "FindFirstFileW: error 5";
    CHECK(cordon__win_tool_grant(&d, &none, why, sizeof why) == CORDON__WIN_TOOL_REFUSED);
    CHECK_CONTAINS(why, "error 5");

    /* PATH values: split, trimmed, repeats once. */
    CHECK(cordon__win_path_split(" C:\\Tools\\ ;;\"D:\\Program Files\\x\";c:\\tools;C:\\;E:/a/", &v) == 0);
    CHECK(v.n == 4);
    if (v.n == 4) {
        CHECK_STR(v.v[0], "C:\\Tools");
        CHECK_STR(v.v[1], "D:\\Program Files\\x");
        CHECK_STR(v.v[2], "C:\\");
        CHECK_STR(v.v[3], "E:/a");
    }
    cordon__strv_free(&v);
    CHECK(cordon__win_path_split("", &v) == 0 && v.n == 0);
    cordon__strv_free(&v);
    /* A user's PATH expands with that user's profile, not setup's. */
    x = cordon__win_expand_some("%USERPROFILE%\\bin;%localappdata%\\x;%GOPATH%;100%", names, values, 2);
    CHECK_STR(x, "C:\\Users\\ann\\bin;C:\\Users\\ann\\AppData\\Local\\x;%GOPATH%;100%");
    free(x);
    x = cordon__win_expand_some("", names, values, 2);
    CHECK_STR(x, "");
    free(x);
}

int main(void)
{
    profile();
    links();
    ownership();
    upgrade();
    records();
    restore();
    dacl();
    secrets();
    wfp();
    tools();
    TEST_MAIN_END();
}
