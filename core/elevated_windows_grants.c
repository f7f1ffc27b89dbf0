/* The Windows elevated tier's decisions about files and filters
 * (elevated_windows_grants.h). Portable: the OS layers read and write,
 * this file decides. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elevated_windows_grants.h"
#include "internal.h"
#include "plan_windows.h"

/* ---- the profile's secrets ---------------------------------------------- */

const struct cordon__win_secret cordon__win_profile_secrets[] = {
    {".ssh", "SSH private keys, agent configuration and known hosts", 1},
    {".gnupg", "GnuPG private keys and trust database", 1},
    {".aws", "AWS access keys (credentials, sso cache)", 1},
    {".azure", "Azure CLI access and refresh tokens", 1},
    {".kube", "Kubernetes cluster credentials (kubeconfig)", 1},
    {".docker", "container registry credentials (config.json auths)", 1},
    {".config\\gh", "the GitHub CLI's token (hosts.yml)", 1},
    {".config\\gcloud", "Google Cloud SDK credentials", 1},
    {".cargo\\credentials*", "Cargo registry tokens (credentials, credentials.toml)", 1},
    {".netrc", "passwords for hosts (curl, git, ftp)", 1},
    {"_netrc", "passwords for hosts (the Windows name of .netrc)", 1},
    {".git-credentials", "git's plain-text credential store", 1},
    {".npmrc", "npm registry tokens", 1},
    {".pypirc", "PyPI upload tokens", 1},
    {".pki", "NSS certificate and key databases", 1},
    {".config\\git\\credentials", "git's plain-text credential store at its XDG path", 1},
    {".config\\hub", "the hub CLI's GitHub token", 1},
    {".config\\rclone", "rclone's remotes: cloud keys and tokens, passwords only obscured", 1},
    {".config\\op", "the 1Password CLI's accounts and device identity", 1},
    {".m2\\settings*", "Maven's settings.xml (server passwords) and settings-security.xml "
                       "(the master password that decrypts them)", 1},
    {".gradle\\gradle.properties", "Gradle's user properties (repository and signing "
                                   "passwords)", 1},
    {".vault-token", "the HashiCorp Vault CLI's token", 1},
    {".terraform.d\\credentials.tfrc.json", "Terraform's API tokens (terraform login)", 1},
    {".terraformrc", "Terraform's CLI configuration (credentials blocks with API tokens)", 1},
    {".yarnrc*", "Yarn's registry tokens (.yarnrc, .yarnrc.yml npmAuthToken)", 1},
    {".gem\\credentials", "RubyGems API keys", 1},
    {".composer\\auth.json", "Composer's repository credentials and OAuth tokens", 1},
    {".s3cfg", "s3cmd's access and secret keys", 1},
    {".boto", "gsutil's and boto's cloud credentials", 1},
    {".password-store", "pass's store (encrypted entries whose names say which accounts exist)", 1},
    {"NTUSER.*", "the user's registry hive and its logs (saved credentials of programs; "
                 "loaded and locked while the user is logged on; ACEs there broke profiles)", 1},
    {"AppData\\Roaming\\Microsoft\\Protect", "DPAPI master keys", 1},
    {"AppData\\Roaming\\Microsoft\\Credentials", "Credential Manager's stored credentials", 1},
    {"AppData\\Local\\Microsoft\\Credentials", "Credential Manager's stored credentials", 1},
    {"AppData\\Roaming\\Microsoft\\Vault", "the Windows Vault", 1},
    {"AppData\\Local\\Microsoft\\Vault", "the Windows Vault", 1},
    {"AppData\\Roaming\\Microsoft\\Crypto", "CryptoAPI and CNG private keys", 1},
    {"AppData\\Roaming\\Microsoft\\SystemCertificates", "the user's certificate stores", 1},
    {"AppData\\Local\\Microsoft\\Windows\\UsrClass.dat*",
     "the user's classes registry hive (loaded and locked while the user is logged on)", 1},
    {"AppData\\Roaming\\Microsoft\\Windows\\PowerShell\\PSReadLine",
     "PowerShell's command history (PSReadLine), which may hold secrets typed on a command line", 1},
    {"AppData\\Roaming\\NuGet\\NuGet.Config",
     "NuGet's user configuration on Windows (package source passwords, some in clear text)", 1},
    {"AppData\\Roaming\\postgresql", "libpq's password file (pgpass.conf) and psql's history", 1},
    {"AppData\\Roaming\\terraform.d\\credentials.tfrc.json",
     "Terraform's API tokens on Windows (terraform login)", 1},
    {"AppData\\Roaming\\terraform.rc",
     "Terraform's CLI configuration on Windows (credentials blocks with API tokens)", 1},
    {"AppData\\Roaming\\Composer\\auth.json",
     "Composer's repository credentials on Windows (its default COMPOSER_HOME)", 1},
    {"AppData\\Roaming\\rclone", "rclone's remotes on Windows (cloud keys and tokens)", 1},
    {"AppData\\Roaming\\GitHub CLI", "the GitHub CLI's token on Windows (hosts.yml)", 1},
    {"AppData\\Roaming\\gcloud", "Google Cloud SDK credentials", 1},
    {"AppData\\Local\\Google\\Chrome\\User Data", "Chrome's cookies and saved passwords", 1},
    {"AppData\\Local\\Microsoft\\Edge\\User Data", "Edge's cookies and saved passwords", 1},
    {"AppData\\Local\\BraveSoftware\\Brave-Browser\\User Data",
     "Brave's cookies and saved passwords", 1},
    {"AppData\\Local\\Chromium\\User Data", "Chromium's cookies and saved passwords", 1},
    {"AppData\\Roaming\\Opera Software", "Opera's cookies and saved passwords", 1},
    {"AppData\\Roaming\\Mozilla\\Firefox", "Firefox's cookies, logins and key database", 1},
    {"AppData\\Roaming\\Thunderbird", "Thunderbird's mail, logins and key database", 1},
    {"AppData\\Local\\Temp",
     "the user's %TEMP%: a recursive grant there took minutes per command in the field and "
     "would expose every program's temporary files; commands get their own temp directory",
     0},
    {NULL, NULL, 0},
};

/* Length of the first component of |s|. */
static size_t comp_len(const char *s)
{
    size_t n = 0;
    while (s[n] && s[n] != '\\' && s[n] != '/')
        n++;
    return n;
}

/* 1 when the component |a| (|na| bytes) matches the pattern component |p|
 * (|np| bytes; a trailing '*' matches any rest), ignoring ASCII case. */
static int comp_match(const char *p, size_t np, const char *a, size_t na)
{
    size_t i;
    int prefix = np > 0 && p[np - 1] == '*';
    if (prefix)
        np--;
    if (prefix ? na < np : na != np)
        return 0;
    for (i = 0; i < np; i++)
        if (tolower((unsigned char)p[i]) != tolower((unsigned char)a[i]))
            return 0;
    return 1;
}

enum cordon__win_rel cordon__win_profile_rel(const char *rel, const struct cordon__win_secret **entry)
{
    size_t k;
    int ancestor = 0;
    if (entry)
        *entry = NULL;
    while (*rel == '\\' || *rel == '/')
        rel++;
    for (k = 0; cordon__win_profile_secrets[k].rel; k++) {
        const char *p = cordon__win_profile_secrets[k].rel, *a = rel;
        for (;;) {
            size_t np, na;
            if (!*a) {
                /* |rel| ended before the entry did: it holds the entry */
                ancestor = 1;
                break;
            }
            np = comp_len(p);
            na = comp_len(a);
            if (!comp_match(p, np, a, na))
                break;
            p += np;
            a += na;
            while (*a == '\\' || *a == '/')
                a++;
            if (*p == '\\')
                p++;
            if (!*p) {
                /* every component of the entry matched: |rel| is it or below it */
                if (entry)
                    *entry = &cordon__win_profile_secrets[k];
                return CORDON__WIN_REL_SECRET;
            }
        }
    }
    return ancestor ? CORDON__WIN_REL_ANCESTOR : CORDON__WIN_REL_PLAIN;
}

/* ---- read grants ---------------------------------------------------------- */

enum cordon__win_grant cordon__win_read_grant(const struct cordon__win_grant_entry *e, char *why,
                                              size_t n)
{
    const struct cordon__win_secret *s = NULL;
    enum cordon__win_rel rel = cordon__win_profile_rel(e->rel, &s);

    if (!e->rel[0]) {
        /* The profile itself: names only, never inherited. Opening
         * C:\Users\ann\src\x needs no right on C:\Users\ann (bypass
         * traverse checking, SeChangeNotifyPrivilege, which Everyone
         * holds by default and the runner's token keeps); listing it does,
         * and so do tools that enumerate the home directory. No write ACE
         * and no inheritable ACE ever goes on the profile root. */
        snprintf(why, n, "the profile itself: list its names only, this directory only (no "
                         "content, nothing inherited)");
        return e->is_dir ? CORDON__WIN_GRANT_LIST : CORDON__WIN_GRANT_NONE;
    }
    if (e->is_reparse) {
        snprintf(why, n, "a junction or symbolic link: nothing is granted through it");
        return CORDON__WIN_GRANT_NONE;
    }
    if (rel == CORDON__WIN_REL_SECRET) {
        snprintf(why, n, "%s: %s", s->secret ? "a secret" : "never granted", s->why);
        return CORDON__WIN_GRANT_NONE;
    }
    if (!e->is_dir && e->links != 1) {
        /* Its security descriptor is the one of every other name of the
         * same file, wherever that name is (~\.ssh\id_ed25519 linked as
         * ~\src\key): a grant here would be a grant there. */
        if (e->links == 0)
            snprintf(why, n, "a file whose number of names (hard links) could not be read: "
                             "nothing is granted on it");
        else
            snprintf(why, n, "a file with %lu names (hard links): they share one security "
                             "descriptor and another name may be a secret, so nothing is granted",
                     e->links);
        return CORDON__WIN_GRANT_NONE;
    }
    if (e->broad_read) {
        snprintf(why, n, "Users, Authenticated Users or Everyone may read it already");
        return CORDON__WIN_GRANT_NONE;
    }
    if (rel == CORDON__WIN_REL_ANCESTOR) {
        if (!e->is_dir) {
            snprintf(why, n, "not a directory");
            return CORDON__WIN_GRANT_NONE;
        }
        snprintf(why, n, "holds a secret below it: list this directory only, and decide its "
                         "entries one by one");
        return CORDON__WIN_GRANT_LIST;
    }
    if (e->is_dir && e->walked && e->linked_below) {
        snprintf(why, n, "holds a file with more than one name (hard link) below it (%s): an "
                         "inherited grant would reach that file's other names, so list this "
                         "directory only, and decide its entries one by one",
                 e->linked_below);
        return CORDON__WIN_GRANT_LIST;
    }
    if (e->is_dir && e->walked && e->walk_error) {
        snprintf(why, n, "what is below it could not all be checked for hard links (%s): list "
                         "this directory only, and decide its entries one by one",
                 e->walk_error);
        return CORDON__WIN_GRANT_LIST;
    }
    snprintf(why, n, "%s", !e->is_dir ? "read and execute"
                           : e->walked ? "read and execute, inherited by everything below (no "
                                         "file below has another name)"
                                       : "read and execute, inherited by everything below, once "
                                         "the background worker found no file below with "
                                         "another name");
    return CORDON__WIN_GRANT_TREE;
}

char *cordon__win_grant_record_line(const struct cordon__win_grant_record *r)
{
    if (!r->path || !r->original || strpbrk(r->path, "\t\r\n") || strpbrk(r->original, "\t\r\n"))
        return NULL;
    return cordon__asprintf("%s\t%s\t%s", r->kind == CORDON__WIN_GRANT_LIST ? "list" : "tree",
                            r->path, r->original);
}

int cordon__win_grant_record_parse(const char *line, struct cordon__win_grant_record *r)
{
    const char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
    size_t end = strcspn(line, "\r\n");
    memset(r, 0, sizeof r[0]);
    if (!t1 || !t2 || (size_t)(t2 - line) >= end || t2 == t1 + 1 || strchr(t2 + 1, '\t'))
        return -1;
    if ((size_t)(t1 - line) == 4 && strncmp(line, "list", 4) == 0)
        r->kind = CORDON__WIN_GRANT_LIST;
    else if ((size_t)(t1 - line) == 4 && strncmp(line, "tree", 4) == 0)
        r->kind = CORDON__WIN_GRANT_TREE;
    else
        return -1;
    r->path = cordon__strndup(t1 + 1, (size_t)(t2 - t1 - 1));
    r->original = cordon__strndup(t2 + 1, end - (size_t)(t2 + 1 - line));
    if (!r->path || !r->original || strncmp(r->original, "D:", 2) != 0) {
        cordon__win_grant_record_free(r);
        return -1;
    }
    return 0;
}

void cordon__win_grant_record_free(struct cordon__win_grant_record *r)
{
    free(r->path);
    free(r->original);
    memset(r, 0, sizeof r[0]);
}

const char *cordon__win_profile_entry(const char *profile, const char *path)
{
    size_t n = strlen(profile), i;
    while (n > 0 && (profile[n - 1] == '\\' || profile[n - 1] == '/'))
        n--;
    if (strlen(path) < n)
        return NULL;
    for (i = 0; i < n; i++)
        if (tolower((unsigned char)profile[i]) != tolower((unsigned char)path[i]))
            return NULL;
    if (!path[n])
        return path + n;
    if (path[n] != '\\' && path[n] != '/')
        return NULL;
    return path + n + 1;
}

static const char *kind_name(enum cordon__win_grant k)
{
    return k == CORDON__WIN_GRANT_TREE ? "read (tree)" : k == CORDON__WIN_GRANT_LIST ? "list" : "nothing";
}

enum cordon__win_regrant cordon__win_regrant(const struct cordon__win_grant_record *r,
                                             enum cordon__win_grant now, const char *now_why,
                                             char *why, size_t n)
{
    if (now == r->kind) {
        snprintf(why, n, "%s: still %s", r->path, kind_name(now));
        return CORDON__WIN_REGRANT_KEEP;
    }
    if (r->kind == CORDON__WIN_GRANT_LIST && now == CORDON__WIN_GRANT_TREE) {
        /* A tree split by the worker's walk (a file below with another
         * name): the table alone does not undo that, only granting less
         * is decided here. */
        snprintf(why, n, "%s: a list grant where a tree could be (split by an earlier walk for "
                         "hard links): kept",
                 r->path);
        return CORDON__WIN_REGRANT_KEEP;
    }
    snprintf(why, n, "%s: granted %s before, %s now (%s): setup's ACE taken out", r->path,
             kind_name(r->kind), kind_name(now), now_why && now_why[0] ? now_why : "decided again");
    return CORDON__WIN_REGRANT_RESTORE;
}

char *cordon__win_grant_count_line(size_t n, const unsigned char sha[32])
{
    char hex[65];
    size_t i;
    for (i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sha[i]);
    return cordon__asprintf("records\t%zu\t%s\n", n, hex);
}

int cordon__win_grant_records_check(int have_records, size_t n, const unsigned char sha[32],
                                    const char *count_text, char *why, size_t n_why)
{
    char *want;
    unsigned long long cnt = 0;
    size_t len;
    int ok;
    if (!count_text)
        return 0;
    if (strncmp(count_text, "records\t", 8) != 0 || sscanf(count_text + 8, "%llu", &cnt) != 1) {
        snprintf(why, n_why, "the count beside the read grant records is not one setup writes");
        return -1;
    }
    if (!have_records) {
        if (cnt == 0)
            return 0;
        snprintf(why, n_why, "the read grant records are gone, but setup recorded %llu grants: "
                             "their ACEs are still on those paths and uninstall cannot take them "
                             "out without the records",
                 cnt);
        return -1;
    }
    want = cordon__win_grant_count_line(n, sha);
    len = want ? strcspn(want, "\n") : 0;
    ok = want && strncmp(count_text, want, len) == 0 &&
         (count_text[len] == '\0' || count_text[len] == '\n' || count_text[len] == '\r');
    free(want);
    if (ok)
        return 0;
    if (cnt != n)
        snprintf(why, n_why, "the read grant records hold %zu grants, setup wrote %llu", n, cnt);
    else
        snprintf(why, n_why, "the read grant records changed since setup wrote them (their "
                             "SHA-256 differs)");
    return -1;
}

/* ---- read grants on the tools' directories (PATH entries) ------------------- */

static int strncasecmp_ascii(const char *a, const char *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        int x = tolower((unsigned char)a[i]), y = tolower((unsigned char)b[i]);
        if (x != y || !x)
            return x - y;
    }
    return 0;
}

/* |path| is |dir| or below it (ASCII case ignored, '\\' or '/'). */
static int at_or_below(const char *dir, const char *path)
{
    size_t n, i;
    if (!dir || !dir[0])
        return 0;
    n = strlen(dir);
    while (n > 0 && (dir[n - 1] == '\\' || dir[n - 1] == '/'))
        n--;
    for (i = 0; i < n; i++) {
        int a = dir[i] == '/' ? '\\' : tolower((unsigned char)dir[i]);
        int b = path[i] == '/' ? '\\' : tolower((unsigned char)path[i]);
        if (a != b)
            return 0;
    }
    return path[n] == '\0' || path[n] == '\\' || path[n] == '/';
}

static int temp_named(const char *path)
{
    const char *c = path;
    while (*c) {
        size_t len = strcspn(c, "\\/");
        if ((len == 4 && strncasecmp_ascii(c, "temp", 4) == 0) ||
            (len == 3 && strncasecmp_ascii(c, "tmp", 3) == 0))
            return 1;
        c += len;
        while (*c == '\\' || *c == '/')
            c++;
    }
    return 0;
}

static int dot_component(const char *path)
{
    const char *c = path;
    while (*c) {
        size_t len = strcspn(c, "\\/");
        if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
            return 1;
        c += len;
        while (*c == '\\' || *c == '/')
            c++;
    }
    return 0;
}

enum cordon__win_tool_grant cordon__win_tool_grant(const struct cordon__win_tool_dir *d,
                                                   const struct cordon__win_tool_places *pl,
                                                   char *why, size_t n)
{
    const char *p = d->path;
    size_t i;
#define REFUSE(...) do { snprintf(why, n, __VA_ARGS__); return CORDON__WIN_TOOL_REFUSED; } while (0)
#define NOTHING(...) do { snprintf(why, n, __VA_ARGS__); return CORDON__WIN_TOOL_NOTHING; } while (0)
    if (strchr(p, '%'))
        REFUSE("holds a variable that did not expand: which directory it names is not known");
    if ((p[0] == '\\' || p[0] == '/') && (p[1] == '\\' || p[1] == '/'))
        REFUSE("a UNC path (a share, or a device path): only local directories are granted");
    if (!isalpha((unsigned char)p[0]) || p[1] != ':' || (p[2] != '\\' && p[2] != '/'))
        REFUSE("not an absolute path with a drive letter: which directory it names depends on "
               "the current directory");
    if (dot_component(p))
        REFUSE("holds a . or .. component: decided only on the directory's final path");
    if (p[3] == '\0')
        REFUSE("a drive root: an inherited grant there would reach everything on the drive");
    if (at_or_below(pl->windows_dir, p))
        REFUSE("the Windows directory or below it (%s): setup never changes its ACLs",
               pl->windows_dir);
    for (i = 0; i < pl->n_temp; i++)
        if (at_or_below(pl->temp_dirs[i], p))
            REFUSE("a temporary directory (%s or below): others write there", pl->temp_dirs[i]);
    if (temp_named(p))
        REFUSE("a component named Temp or Tmp: a temporary directory, others write there");
    for (i = 0; i < pl->n_allowed; i++)
        if (at_or_below(pl->allowed[i], p)) {
            if (d->owner_profile && !cordon__streq_nocase(d->owner_profile, pl->allowed[i]) &&
                !at_or_below(d->owner_profile, p))
                REFUSE("below another user's profile (%s)", pl->allowed[i]);
            NOTHING("inside the allowed user's profile %s: the profile's read grants decide it "
                    "(secrets excepted)", pl->allowed[i]);
        }
    for (i = 0; i < pl->n_profiles; i++)
        if (at_or_below(pl->profiles[i], p))
            REFUSE("below the profile of a user not allowed to use cordon (%s)", pl->profiles[i]);
    if (at_or_below(pl->profiles_dir, p))
        REFUSE("the profiles directory or below it (%s): users' own files", pl->profiles_dir);
    if (!d->exists)
        NOTHING("does not exist (or could not be opened without following a link)");
    if (d->is_reparse)
        REFUSE("a junction or symbolic link: its target is not granted through it");
    if (!d->is_dir)
        NOTHING("not a directory");
    if (d->broad_read)
        NOTHING("Users, Authenticated Users or Everyone may read it already");
    if (d->owner_profile && !d->owner_reads)
        REFUSE("on the PATH of the user of %s, who cannot read it: that user holds the sandbox "
               "users' passwords, so a grant would give them what only others may read",
               d->owner_profile);
    if (d->walked && d->linked_below)
        REFUSE("holds a file with more than one name (hard link) below it (%s): an inherited "
               "grant would reach that file's other names, and a tool directory is not split",
               d->linked_below);
    if (d->walked && d->walk_error)
        REFUSE("what is below it could not all be checked for hard links (%s)", d->walk_error);
    snprintf(why, n, "%s", d->walked ? "read and execute, inherited by everything below (no file "
                                       "below has another name)"
                                     : "read and execute, inherited by everything below, once the "
                                       "background worker found no file below with another name");
    return CORDON__WIN_TOOL_TREE;
#undef REFUSE
#undef NOTHING
}

int cordon__win_path_split(const char *value, struct cordon__strv *out)
{
    const char *c = value;
    while (c && *c) {
        size_t len = strcspn(c, ";"), a = 0, b = len, i;
        char *e;
        int dup = 0;
        while (a < b && (c[a] == ' ' || c[a] == '\t' || c[a] == '"'))
            a++;
        while (b > a && (c[b - 1] == ' ' || c[b - 1] == '\t' || c[b - 1] == '"'))
            b--;
        /* Trailing separators, but not a drive root's (C:\). */
        while (b > a + 1 && (c[b - 1] == '\\' || c[b - 1] == '/') && !(b - a == 3 && c[a + 1] == ':'))
            b--;
        if (b > a) {
            if (!(e = cordon__strndup(c + a, b - a)))
                return -1;
            for (i = 0; i < out->n && !dup; i++)
                dup = cordon__streq_nocase(out->v[i], e);
            if (dup)
                free(e);
            else if (cordon__strv_push_owned(out, e) != CORDON_OK)
                return -1;
        }
        c += len;
        if (*c == ';')
            c++;
    }
    return 0;
}

char *cordon__win_expand_some(const char *s, const char *const *names, const char *const *values,
                              size_t n)
{
    struct cordon__buf b;
    const char *c = s;
    memset(&b, 0, sizeof b);
    while (*c) {
        const char *end = c[0] == '%' ? strchr(c + 1, '%') : NULL;
        size_t i, hit = n;
        if (end) {
            for (i = 0; i < n && hit == n; i++)
                if (strlen(names[i]) == (size_t)(end - c - 1) &&
                    strncasecmp_ascii(c + 1, names[i], (size_t)(end - c - 1)) == 0 && values[i])
                    hit = i;
        }
        if (hit < n) {
            cordon__buf_puts(&b, values[hit]);
            c = end + 1;
        } else {
            cordon__buf_add(&b, c, 1);
            c++;
        }
    }
    if (!b.p && !b.oom)
        return cordon__strdup("");
    return cordon__buf_take(&b);
}

/* ---- who a sandbox logon is ----------------------------------------------- */

const char *const cordon__win_logon_sids[] = {
    "S-1-1-0",      /* Everyone */
    "S-1-2-0",      /* Local */
    "S-1-2-1",      /* Console Logon */
    "S-1-5-4",      /* Interactive */
    "S-1-5-14",     /* Remote Interactive Logon (a logon from an RDP session) */
    "S-1-5-11",     /* Authenticated Users */
    "S-1-5-15",     /* This Organization */
    "S-1-5-113",    /* Local account */
    "S-1-5-64-10",  /* NTLM Authentication */
    "S-1-5-32-545", /* Users */
    NULL,
};

#define LOGON_SESSION_PREFIX "S-1-5-5-"

/* File rights that read content: FILE_READ_DATA (list, for a directory),
 * and the generic and maximal rights that include it. */
#define READ_DATA 0x1ul
#define GENERIC_READ_BIT 0x80000000ul
#define GENERIC_ALL_BIT 0x10000000ul

static int holds(const char *sid, const char *const *sids, size_t n)
{
    size_t i;
    if (strncmp(sid, "S-", 2) != 0)
        return 1; /* an ACE the OS layer could not type: anyone's */
    if (strncmp(sid, LOGON_SESSION_PREFIX, strlen(LOGON_SESSION_PREFIX)) == 0)
        return 1;
    for (i = 0; cordon__win_logon_sids[i]; i++)
        if (strcmp(sid, cordon__win_logon_sids[i]) == 0)
            return 1;
    for (i = 0; i < n; i++)
        if (sids[i] && strcmp(sid, sids[i]) == 0)
            return 1;
    return 0;
}

static unsigned long map_read(unsigned long m)
{
    /* FILE_GENERIC_READ holds FILE_READ_DATA; GENERIC_ALL holds all. */
    if (m & (GENERIC_READ_BIT | GENERIC_ALL_BIT))
        m |= READ_DATA;
    return m;
}

int cordon__win_dacl_reads(const char *owner, int dacl_present, const struct cordon__win_dacl_ace *aces,
                           size_t n, const char *const *sids, size_t n_sids, char *why, size_t n_why)
{
    size_t i;
    if (owner && owner[0] && holds(owner, sids, n_sids) && strncmp(owner, "S-", 2) == 0) {
        snprintf(why, n_why, "its owner %s may rewrite its DACL", owner);
        return 1;
    }
    if (!dacl_present) {
        snprintf(why, n_why, "it has no DACL (a NULL DACL lets everyone read it)");
        return 1;
    }
    for (i = 0; i < n; i++) {
        const struct cordon__win_dacl_ace *a = &aces[i];
        if (a->inherit_only || !holds(a->sid, sids, n_sids) || !(map_read(a->mask) & READ_DATA))
            continue;
        if (a->type == CORDON__ACE_DENY) {
            /* The first ACE to decide the bit is a deny: no later allow counts. */
            return 0;
        }
        snprintf(why, n_why, "an allow ACE for %s grants read (0x%lx)", a->sid, a->mask);
        return 1;
    }
    return 0;
}

/* ---- secrets_read ----------------------------------------------------------- */

static void none(struct cordon__probe *out, const char *fmt, ...) CORDON__PRINTF(2, 3);
static void none(struct cordon__probe *out, const char *fmt, ...)
{
    va_list ap;
    out->level[CORDON_DIM_SECRETS_READ] = CORDON_LEVEL_NONE;
    va_start(ap, fmt);
    vsnprintf(out->reason[CORDON_DIM_SECRETS_READ], CORDON_REASON_MAX, fmt, ap);
    va_end(ap);
}

void cordon__win_secrets_level(const struct cordon__plan *plan,
                               const struct cordon__win_secrets_facts *s, struct cordon__probe *out)
{
    const char **sids = NULL;
    size_t i;
    char why[300];

    if (plan->n_deny_listed == 0) {
        none(out, "the policy denies no reads (deny_read is empty)");
        return;
    }
    if (!s) {
        none(out, "deny_read paths stay readable: their DACLs were not checked for the sandbox "
                  "users");
        return;
    }
    if (s->groups_error) {
        none(out, "deny_read paths were not checked: the local groups of the sandbox user "
                  "cannot be listed (%s)", s->groups_error);
        return;
    }
    /* The backend's prepare grants the sandbox group read and write on
     * each writable root, inherited (as the root's own SID): a deny_read
     * path inside a root is readable once a command ran, even when its
     * DACL says otherwise before the first one. */
    for (i = 0; i < plan->n_deny; i++) {
        size_t r;
        for (r = 0; r < plan->roots.n; r++) {
            if (cordon__path_within(plan->os, plan->deny[i].path, plan->roots.v[r])) {
                none(out, "deny_read path %s is inside the writable root %s, which the sandbox "
                          "users are granted read and write on (inherited)",
                     plan->deny[i].path, plan->roots.v[r]);
                return;
            }
        }
    }
    sids = cordon__xcalloc(s->n_groups + 1, sizeof *sids);
    if (!sids) {
        none(out, "out of memory checking the deny_read paths");
        return;
    }
    sids[0] = s->user_sid;
    for (i = 0; i < s->n_groups; i++)
        sids[i + 1] = s->groups[i];
    for (i = 0; i < s->n_objects; i++) {
        const struct cordon__win_secret_object *o = &s->objects[i];
        if (o->error) {
            none(out, "deny_read path %s was not checked: %s", o->path, o->error);
            goto done;
        }
        if (cordon__win_dacl_reads(o->owner, o->dacl_present, o->aces, o->n_aces, sids,
                                   s->n_groups + 1, why, sizeof why)) {
            none(out, "the sandbox user %s can read %s (a deny_read path): %s", s->user_sid,
                 o->path, why);
            goto done;
        }
    }
    if (s->truncated) {
        none(out, "deny_read path %s holds more than %d entries; only those were checked",
             s->truncated, CORDON__WIN_SECRETS_MAX_OBJECTS);
        goto done;
    }
    out->level[CORDON_DIM_SECRETS_READ] = CORDON_LEVEL_ENFORCED;
    if (plan->n_deny == 0)
        snprintf(out->reason[CORDON_DIM_SECRETS_READ], CORDON_REASON_MAX,
                 "none of the %zu deny_read paths exists here", plan->n_deny_listed);
    else
        snprintf(out->reason[CORDON_DIM_SECRETS_READ], CORDON_REASON_MAX,
                 "the DACLs of the %zu deny_read paths (%zu objects, read just now) give the "
                 "sandbox user %s, its %zu local groups and a logon's well-known groups "
                 "(Everyone, Users, Authenticated Users, Interactive, ...) no read; the runner's "
                 "token holds no backup privilege",
                 plan->n_deny, s->n_objects, s->user_sid, s->n_groups);
done:
    free(sids);
}

/* ---- WFP filters --------------------------------------------------------------- */

size_t cordon__win_wfp_filters(struct cordon__win_wfp_filter out[CORDON__WFP_MAX_FILTERS])
{
    static const int ports[2] = {53, 853};
    static const int protos[2] = {CORDON__FW_PROTO_TCP, CORDON__FW_PROTO_UDP};
    size_t n = 0;
    int v6, p, q;
    memset(out, 0, sizeof out[0] * CORDON__WFP_MAX_FILTERS);
    for (v6 = 0; v6 < 2; v6++) {
        struct cordon__win_wfp_filter *f = &out[n];
        f->v6 = v6;
        f->protocol = v6 ? 58 : 1;
        f->index = (unsigned)n + 1;
        snprintf(f->name, sizeof f->name, "cordon: block %s " CORDON__WIN_OFFLINE_USER,
                 v6 ? "ICMPv6" : "ICMP");
        n++;
        for (p = 0; p < 2; p++) {
            for (q = 0; q < 2; q++) {
                f = &out[n];
                f->v6 = v6;
                f->protocol = protos[q];
                f->remote_port = ports[p];
                f->index = (unsigned)n + 1;
                snprintf(f->name, sizeof f->name, "cordon: block %s %s port %d " CORDON__WIN_OFFLINE_USER,
                         v6 ? "IPv6" : "IPv4", protos[q] == CORDON__FW_PROTO_TCP ? "TCP" : "UDP",
                         ports[p]);
                n++;
            }
        }
    }
    return n;
}

char *cordon__win_wfp_user_sddl(const char *offline_sid)
{
    return cordon__asprintf("O:LSD:(A;;CC;;;%s)", offline_sid);
}
