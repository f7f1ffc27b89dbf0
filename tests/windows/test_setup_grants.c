/* cordon-setup's read-grant planning (setup/windows/grants.c) over a
 * made-up profile: the OS walk meets core's decisions. The profile gets
 * list-only, the directories above secrets list-only, the rest read and
 * execute inherited; nothing on secrets, %TEMP%, or what lies below a
 * secret. Runs under Wine and on Windows; it plans only, nothing is
 * changed. Wine stores no file ACLs (every file reads back with an
 * Everyone read ACE), so under Wine only the profile's own list grant is
 * planned and that is all this shows there; on Windows, a fresh profile
 * directory's children grant only SYSTEM and the user, and the whole
 * decision shows. */
#include "setup_win.h"
#include "wintest.h"

#define SBX "S-1-5-21-11-22-33-1012"

static void mk(const char *root, const char *rel, int dir)
{
    char *p = join(root, rel);
    wchar_t *w = cordon__win_wide(p);
    if (dir) {
        CHECK_MSG(CreateDirectoryW(w, NULL), "mkdir %s", p);
    } else {
        HANDLE h = CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
        CHECK_MSG(h != INVALID_HANDLE_VALUE, "create %s", p);
        if (h != INVALID_HANDLE_VALUE)
            CloseHandle(h);
    }
    free(w);
    free(p);
}

/* The record line for |rel| below |root| ("" is root), or NULL. */
static const char *line_of(const struct cordon__strv *lines, const char *root, const char *rel)
{
    char *path = rel[0] ? join(root, rel) : cordon__strdup(root);
    char *want = cordon__asprintf("\t%s\t", path);
    const char *found = NULL;
    size_t i;
    for (i = 0; i < lines->n && !found; i++)
        if (strstr(lines->v[i], want) == lines->v[i] + 4)
            found = lines->v[i];
    free(want);
    free(path);
    return found;
}

static void expect(const struct cordon__strv *lines, const char *root, const char *rel,
                   const char *kind)
{
    const char *l = line_of(lines, root, rel);
    if (!kind) {
        CHECK_MSG(!l, "%s is granted: %s", rel, l ? l : "");
        return;
    }
    CHECK_MSG(l && strncmp(l, kind, 4) == 0, "%s: expected %s, got %s", rel[0] ? rel : "the profile",
              kind, l ? l : "no record");
}

static void hard_link(const char *root, const char *rel, const char *target_rel)
{
    char *p = join(root, rel), *t = join(root, target_rel);
    wchar_t *wp = cordon__win_wide(p), *wt = cordon__win_wide(t);
    CHECK_MSG(CreateHardLinkW(wp, wt, NULL), "CreateHardLinkW %s -> %s: error %lu", p, t,
              (unsigned long)GetLastError());
    free(wp);
    free(wt);
    free(p);
    free(t);
}

static int noted(const struct cordon__strv *notes, const char *root, const char *rel)
{
    char *path = join(root, rel);
    size_t i;
    int yes = 0;
    for (i = 0; i < notes->n && !yes; i++)
        yes = strncmp(notes->v[i], "#linked\t", 8) == 0 &&
              strncmp(notes->v[i] + 8, path, strlen(path)) == 0 &&
              notes->v[i][8 + strlen(path)] == '\t';
    free(path);
    return yes;
}

/* A file's security descriptor is shared by all its names: a tree grant
 * reaching ~\src\sub\key, a second name of ~\.ssh\id_ed25519, would
 * grant the key. The planner gives a file with two names nothing; the
 * worker, before a tree grant, walks the tree and splits it when a file
 * below has another name. Decided as if nobody else read anything (Wine
 * reports Everyone read on every file), so that the split shows under
 * Wine too; nothing is applied (Wine stores no ACL to read back). */
static void hard_links(void)
{
    char *tmp = make_temp_dir("links"), *root, *src, *docs;
    struct cordon__strv lines = {0}, notes = {0}, repl = {0}, rnotes = {0};
    char err[600] = "";
    wchar_t *wt = cordon__win_wide(tmp), lng[MAX_PATH * 2];
    size_t i;
    static const char *const dirs[] = {"src", "src\\sub", "docs", ".ssh", NULL};
    static const char *const files[] = {"src\\main.c", "src\\sub\\util.c", "docs\\readme.txt",
                                        ".ssh\\id_ed25519", ".ssh\\config", NULL};

    root = wt && GetLongPathNameW(wt, lng, MAX_PATH * 2) ? cordon__win_utf8(lng) : cordon__strdup(tmp);
    free(wt);
    free(tmp);
    for (i = 0; dirs[i]; i++)
        mk(root, dirs[i], 1);
    for (i = 0; files[i]; i++)
        mk(root, files[i], 0);
    /* ~\src\sub\key is ~\.ssh\id_ed25519; ~\sshconfig is ~\.ssh\config. */
    hard_link(root, "src\\sub\\key", ".ssh\\id_ed25519");
    hard_link(root, "sshconfig", ".ssh\\config");

    /* Install's plan: the file with two names directly in the profile gets
     * nothing (and a note says why); the trees are left to the worker. */
    CHECK_MSG(setup__grants_plan_ex(root, SBX, SETUP_GRANTS_ASSUME_PRIVATE, &lines, &notes, err,
                                    sizeof err) == 0,
              "%s", err);
    expect(&lines, root, "", "list");
    expect(&lines, root, "src", "tree");
    expect(&lines, root, "docs", "tree");
    expect(&lines, root, ".ssh", NULL);
    expect(&lines, root, "sshconfig", NULL);
    CHECK_MSG(noted(&notes, root, "sshconfig"), "no note for sshconfig (%zu notes)", notes.n);

    /* The worker before the tree grant on ~\src: split. */
    src = join(root, "src");
    CHECK(setup__grants_split(root, src, "D:P(A;;FA;;;SY)", SBX, SETUP_GRANTS_ASSUME_PRIVATE,
                              &repl, &rnotes, err, sizeof err) == 1);
    for (i = 0; i < repl.n; i++)
        printf("split: %.60s...\n", repl.v[i]);
    expect(&repl, root, "src", "list");
    CHECK_MSG(line_of(&repl, root, "src") && strstr(line_of(&repl, root, "src"), "\tD:P(A;;FA;;;SY)"),
              "the list grant does not carry the tree's original");
    expect(&repl, root, "src\\main.c", "tree");
    expect(&repl, root, "src\\sub", "list");
    expect(&repl, root, "src\\sub\\util.c", "tree");
    /* The second name of the key, and the key itself: no grant, so the
     * worker never writes an ACE that reaches the key. */
    expect(&repl, root, "src\\sub\\key", NULL);
    expect(&repl, root, ".ssh\\id_ed25519", NULL);
    CHECK_MSG(noted(&rnotes, root, "src\\sub\\key"), "no note names src\\sub\\key");

    /* The positive control: a tree without a file of two names stands as
     * its one tree grant. */
    docs = join(root, "docs");
    cordon__strv_free(&repl);
    CHECK(setup__grants_split(root, docs, "D:P(A;;FA;;;SY)", SBX, SETUP_GRANTS_ASSUME_PRIVATE,
                              &repl, &rnotes, err, sizeof err) == 0);
    CHECK_MSG(repl.n == 0, "%zu lines for a tree that stands", repl.n);

    cordon__strv_free(&lines);
    cordon__strv_free(&notes);
    cordon__strv_free(&repl);
    cordon__strv_free(&rnotes);
    remove_dir_tree(root);
    free(src);
    free(docs);
    free(root);
}

static int has_line_for(const struct cordon__strv *lines, const char *path)
{
    char *want = cordon__asprintf("\t%s\t", path);
    size_t i;
    int yes = 0;
    for (i = 0; i < lines->n && !yes; i++)
        yes = strstr(lines->v[i], want) == lines->v[i] + 4;
    free(want);
    return yes;
}

/* A re-install decides the earlier records again: ~\.config\git (a
 * tree before git's XDG credential store joined the secrets) and
 * ~\.vault-token (a secret now) lose setup's ACE and their records; so
 * does a path no allowed user's profile holds; ~\src, ~\.bashrc, the
 * profile's list grant and a path gone since stay. Under Wine the ACE
 * taken out cannot be read back (no ACL is stored): the records show it. */
static void redecide(void)
{
    char *tmp = make_temp_dir("upgrade"), *other = make_temp_dir("elsewhere"), *root;
    struct cordon__strv lines = {0}, profiles = {0};
    char err[600] = "", first[900] = "";
    wchar_t *wt = cordon__win_wide(tmp), lng[MAX_PATH * 2];
    size_t i, restored = 0;
    static const char *const rels[] = {".config\\git", "src", ".vault-token", ".bashrc", NULL};

    root = wt && GetLongPathNameW(wt, lng, MAX_PATH * 2) ? cordon__win_utf8(lng) : cordon__strdup(tmp);
    free(wt);
    free(tmp);
    mk(root, ".config", 1);
    mk(root, ".config\\git", 1);
    mk(root, "src", 1);
    mk(root, ".vault-token", 0);
    mk(root, ".bashrc", 0);
    CHECK(cordon__strv_push(&profiles, root) == CORDON_OK);
    CHECK(cordon__strv_push_owned(&lines, cordon__asprintf("list\t%s\tD:P(A;;FA;;;SY)", root)) ==
          CORDON_OK);
    for (i = 0; rels[i]; i++) {
        char *p = join(root, rels[i]);
        CHECK(cordon__strv_push_owned(&lines, cordon__asprintf("tree\t%s\tD:P(A;;FA;;;SY)", p)) ==
              CORDON_OK);
        free(p);
    }
    CHECK(cordon__strv_push_owned(&lines, cordon__asprintf("tree\t%s\tD:P(A;;FA;;;SY)", other)) ==
          CORDON_OK);
    CHECK(cordon__strv_push(&lines, "tree\tC:\\cordon-test-gone\\x\tD:P(A;;FA;;;SY)") ==
          CORDON_OK);

    CHECK_MSG(setup__grants_redecide(&profiles, NULL, SBX, SETUP_GRANTS_ASSUME_PRIVATE, &lines,
                                     &restored, first, sizeof first, err, sizeof err) == 0,
              "%s", err);
    printf("redecide: %zu taken out, the first: %s\n", restored, first);
    CHECK_MSG(restored == 3, "%zu taken out", restored);
    CHECK_CONTAINS(first, ".config\\git");
    CHECK_CONTAINS(first, "list now");
    CHECK(has_line_for(&lines, root));
    {
        char *git = join(root, ".config\\git"), *src = join(root, "src"),
             *vt = join(root, ".vault-token"), *rc = join(root, ".bashrc");
        CHECK_MSG(!has_line_for(&lines, git), "~\\.config\\git still recorded");
        CHECK_MSG(!has_line_for(&lines, vt), "~\\.vault-token still recorded");
        CHECK(has_line_for(&lines, src));
        CHECK(has_line_for(&lines, rc));
        free(git);
        free(src);
        free(vt);
        free(rc);
    }
    CHECK_MSG(!has_line_for(&lines, other), "a path outside the profiles is still recorded");
    CHECK(has_line_for(&lines, "C:\\cordon-test-gone\\x"));
    CHECK(lines.n == 4);

    cordon__strv_free(&lines);
    cordon__strv_free(&profiles);
    remove_dir_tree(root);
    remove_dir_tree(other);
    free(root);
    free(other);
}

static int refusal_for(const struct cordon__strv *notes, const char *path, const char *reason)
{
    size_t i;
    for (i = 0; i < notes->n; i++)
        if (strncmp(notes->v[i], "#refused\t", 9) == 0 &&
            _strnicmp(notes->v[i] + 9, path, strlen(path)) == 0 && strstr(notes->v[i], reason))
            return 1;
    return 0;
}

/* The tools' directories: a PATH value in the registry (REG_EXPAND_SZ,
 * here under HKCU\Software\cordon-test-<pid>, as setup reads an allowed
 * user's HKU\<SID>\Environment), expanded with that user's profile,
 * split, opened for their final paths and decided by core: a tool
 * directory gets a tree record like a profile's, the same directory
 * reached through ".." is not recorded twice, and C:\, the Windows
 * directory, a Tmp directory and another user's profile are refused with
 * the reason; a file, a directory that is not there and one in the
 * user's own profile get nothing. Made below C:\ of the test prefix (the
 * temporary directory would be refused as one). Decided as if nobody
 * else read anything (Wine reports Everyone read on every file). */
static void tools_path(void)
{
    char base[MAX_PATH], key8[100], err[600] = "", *bin, *value;
    wchar_t key[100], *wv = NULL, *wb;
    struct cordon__strv dirs = {0}, lines = {0}, notes = {0}, trees = {0};
    struct cordon__win_tool_places pl;
    static const char *const allowed[] = {"C:\\users\\cordon-test-ann"};
    static const char *const profiles[] = {"C:\\users\\cordon-test-ann", "C:\\users\\cordon-test-eve"};
    wchar_t win[MAX_PATH];
    char *windows;
    size_t i;
    HKEY k = NULL;

    snprintf(base, sizeof base, "C:\\cordon-test-tools-%lu", (unsigned long)GetCurrentProcessId());
    snprintf(key8, sizeof key8, "Software\\cordon-test-%lu\\Environment",
             (unsigned long)GetCurrentProcessId());
    wb = cordon__win_wide(base);
    CHECK_MSG(wb && CreateDirectoryW(wb, NULL), "mkdir %s", base);
    free(wb);
    mk(base, "bin", 1);
    mk(base, "tmp", 1);
    mk(base, "tmp\\bin", 1);
    mk(base, "tool.exe", 0);
    bin = join(base, "bin");
    value = cordon__asprintf("\"%s\\\";%%SystemRoot%%\\system32;C:\\;%s\\tool.exe;%s\\gone;"
                             "%%USERPROFILE%%\\bin;%s\\tmp\\bin;%s\\..\\bin;;"
                             "C:\\users\\cordon-test-eve\\bin;%%CORDON_TEST_UNSET%%\\bin",
                             bin, base, base, base, bin);
    {
        wchar_t *wk = cordon__win_wide(key8);
        wcsncpy(key, wk ? wk : L"", 99);
        key[99] = L'\0';
        free(wk);
    }
    wv = value ? cordon__win_wide(value) : NULL;
    CHECK(wv && RegCreateKeyExW(HKEY_CURRENT_USER, key, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &k, NULL) ==
                    ERROR_SUCCESS);
    if (k) {
        CHECK(RegSetValueExW(k, L"Path", 0, REG_EXPAND_SZ, (const BYTE *)wv,
                             (DWORD)((wcslen(wv) + 1) * sizeof(wchar_t))) == ERROR_SUCCESS);
        RegCloseKey(k);
    }
    CHECK(setup__grants_path_value(HKEY_CURRENT_USER, key, allowed[0], &dirs) == 0);
    CHECK_MSG(dirs.n == 10, "%zu directories", dirs.n);
    if (dirs.n == 10) {
        CHECK_STR(dirs.v[0], bin);
        CHECK_MSG(_stricmp(dirs.v[1], "C:\\windows\\system32") == 0, "%s", dirs.v[1]);
        CHECK_STR(dirs.v[5], "C:\\users\\cordon-test-ann\\bin");
        CHECK_STR(dirs.v[9], "%CORDON_TEST_UNSET%\\bin");
    }
    /* A value that is not there: 1, nothing listed. */
    CHECK(setup__grants_path_value(HKEY_CURRENT_USER, L"Software\\cordon-test-none", NULL, &trees) == 1);

    windows = GetWindowsDirectoryW(win, MAX_PATH) ? cordon__win_utf8(win) : NULL;
    memset(&pl, 0, sizeof pl);
    pl.windows_dir = windows;
    pl.allowed = allowed;
    pl.n_allowed = 1;
    pl.profiles = profiles;
    pl.n_profiles = 2;
    CHECK_MSG(setup__grants_plan_tools(&dirs, allowed[0], "S-1-5-21-11-22-33-1001", &pl, SBX, SETUP_GRANTS_ASSUME_PRIVATE,
                                       &lines, &notes, &trees, err, sizeof err) == 0,
              "%s", err);
    CHECK_MSG(lines.n == 1 && trees.n == 1, "%zu records, %zu trees", lines.n, trees.n);
    for (i = 0; i < lines.n; i++)
        CHECK_MSG(strncmp(lines.v[i], "tree\t", 5) == 0 &&
                      _strnicmp(lines.v[i] + 5, bin, strlen(bin)) == 0 &&
                      lines.v[i][5 + strlen(bin)] == '\t',
                  "%s", lines.v[i]);
    CHECK(refusal_for(&notes, "C:\\windows\\system32", "the Windows directory"));
    CHECK(refusal_for(&notes, "C:\\\t", "a drive root"));
    CHECK(refusal_for(&notes, "C:\\users\\cordon-test-eve\\bin", "not allowed to use cordon"));
    CHECK(refusal_for(&notes, "%CORDON_TEST_UNSET%", "did not expand"));
    {
        char *t = join(base, "tmp\\bin");
        CHECK(refusal_for(&notes, t, "Temp or Tmp"));
        free(t);
    }
    CHECK_MSG(notes.n == 5, "%zu refusals", notes.n);

    /* The worker's walk: the tree stands until a file below has a second
     * name (bin\sub\key is tool.exe), then it is refused whole. */
    CHECK_MSG(setup__grants_tool_walk(bin, err, sizeof err) == 0, "%s", err);
    mk(base, "bin\\sub", 1);
    hard_link(base, "bin\\sub\\key", "tool.exe");
    CHECK(setup__grants_tool_walk(bin, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "key");
    CHECK_CONTAINS(err, "a tool directory is not split");

    RegDeleteTreeW(HKEY_CURRENT_USER, key);
    key[wcslen(key) - wcslen(L"\\Environment")] = L'\0';
    RegDeleteKeyW(HKEY_CURRENT_USER, key);
    remove_dir_tree(base);
    free(windows);
    free(wv);
    free(value);
    free(bin);
    cordon__strv_free(&dirs);
    cordon__strv_free(&lines);
    cordon__strv_free(&notes);
    cordon__strv_free(&trees);
}

int main(void)
{
    char *tmp = make_temp_dir("profile"), *root;
    struct cordon__strv lines = {0};
    char err[600] = "";
    size_t i;
    static const char *const dirs[] = {
        "src", ".ssh", "AppData", "AppData\\Local", "AppData\\Local\\Temp",
        "AppData\\Local\\Programs", "AppData\\Roaming", "AppData\\Roaming\\Microsoft",
        "AppData\\Roaming\\Microsoft\\Protect", "AppData\\Roaming\\Microsoft\\Windows",
        ".config", ".config\\gh", ".config\\git", NULL};
    wchar_t *wt = cordon__win_wide(tmp), lng[MAX_PATH * 2];
    static const char *const files[] = {
        "src\\main.c", ".ssh\\id_ed25519", ".gitconfig", ".git-credentials", "NTUSER.DAT",
        "ntuser.dat.LOG1", "AppData\\Local\\Temp\\x", ".config\\gh\\hosts.yml",
        ".config\\git\\config", NULL};

    hard_links();
    redecide();
    tools_path();
    /* The long form: %TEMP% may hold 8.3 names (RUNNER~1), and setup
     * plans with the long names a profile's path has. */
    root = wt && GetLongPathNameW(wt, lng, MAX_PATH * 2) ? cordon__win_utf8(lng) : cordon__strdup(tmp);
    free(wt);
    free(tmp);
    for (i = 0; dirs[i]; i++)
        mk(root, dirs[i], 1);
    for (i = 0; files[i]; i++)
        mk(root, files[i], 0);
    CHECK_MSG(setup__grants_plan(root, SBX, &lines, err, sizeof err) == 0, "%s", err);
    for (i = 0; i < lines.n; i++)
        printf("plan: %.*s\n", (int)strcspn(lines.v[i], "\t") + 1 +
                                   (int)strcspn(lines.v[i] + strcspn(lines.v[i], "\t") + 1, "\t"),
               lines.v[i]);
    if (cordon__win_is_wine()) {
        /* Wine stores no file ACLs: every object reads back as
         * SYSTEM, its owner and Everyone read, so everything but the
         * profile itself (whose list grant core decides regardless) is
         * "readable by everyone already". */
        printf("Wine reports Everyone read on every file: only the profile's list grant is "
               "planned (win_setup_live shows the rest on Windows)\n");
        expect(&lines, root, "", "list");
        CHECK_MSG(lines.n == 1, "%zu records under Wine", lines.n);
        cordon__strv_free(&lines);
        remove_dir_tree(root);
        free(root);
        TEST_MAIN_END();
    }
    expect(&lines, root, "", "list");
    expect(&lines, root, "src", "tree");
    expect(&lines, root, ".gitconfig", "tree");
    expect(&lines, root, "AppData", "list");
    expect(&lines, root, "AppData\\Local", "list");
    expect(&lines, root, "AppData\\Local\\Programs", "tree");
    expect(&lines, root, "AppData\\Roaming\\Microsoft", "list");
    /* PSReadLine's history is below it, and git's XDG credential store. */
    expect(&lines, root, "AppData\\Roaming\\Microsoft\\Windows", "list");
    expect(&lines, root, ".config", "list");
    expect(&lines, root, ".config\\git", "list");
    expect(&lines, root, ".config\\git\\config", "tree");
    expect(&lines, root, ".ssh", NULL);
    expect(&lines, root, ".ssh\\id_ed25519", NULL);
    expect(&lines, root, ".git-credentials", NULL);
    expect(&lines, root, "NTUSER.DAT", NULL);
    expect(&lines, root, "ntuser.dat.LOG1", NULL);
    expect(&lines, root, "AppData\\Local\\Temp", NULL);
    expect(&lines, root, "AppData\\Roaming\\Microsoft\\Protect", NULL);
    expect(&lines, root, ".config\\gh", NULL);
    expect(&lines, root, ".config\\gh\\hosts.yml", NULL);
    /* Below an inherited grant nothing is recorded on its own. */
    expect(&lines, root, "src\\main.c", NULL);
    /* Every record carries the DACL it replaces. */
    for (i = 0; i < lines.n; i++)
        CHECK_MSG(strstr(lines.v[i], "\tD:") != NULL, "no original DACL: %s", lines.v[i]);
    cordon__strv_free(&lines);
    remove_dir_tree(root);
    free(root);
    TEST_MAIN_END();
}
