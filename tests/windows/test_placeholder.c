/* Placeholders of missing protected paths are shared by concurrent runs:
 * the last run to let go removes one, never a run whose sibling still
 * runs, never a directory that a run did not make (the user's, made at the
 * same path meanwhile), never a non-empty one; a run that died lets go
 * too (the next prepare sweeps its hold away). Directory identity and the
 * lock file behave the same under Wine, so this runs there too. */
#include "wintest.h"

extern const struct cordon_backend cordon__backend_windows_unelevated;
#define BE cordon__backend_windows_unelevated

static int compile(cordon_policy *p, const char *root, struct cordon__plan *plan)
{
    struct cordon__host host;
    if (cordon__os_host(&host) != CORDON_OK)
        return 0;
    return cordon__plan_compile(p, root, &host, plan) == CORDON_OK;
}

static void make_dir(const char *p)
{
    wchar_t *w = cordon__win_wide(p);
    CreateDirectoryW(w, NULL);
    free(w);
}

static void remove_dir(const char *p)
{
    wchar_t *w = cordon__win_wide(p);
    RemoveDirectoryW(w);
    free(w);
}

/* Rewrites the pid of every holder record of |run_sid| to one that does
 * not run (as if the run died), under the lock the backend takes on the
 * file: the other Windows tests run cordon meanwhile and rewrite it too. */
static int kill_holder(const char *run_sid)
{
    char *dir = NULL, *path = NULL, *text = NULL, *at;
    struct cordon__buf b = {0};
    wchar_t *w = NULL;
    HANDLE h = INVALID_HANDLE_VALUE;
    OVERLAPPED ov;
    LARGE_INTEGER size;
    DWORD got = 0, put = 0;
    int n = 0;

    if (cordon__win_state_dir(&dir) != CORDON_OK)
        return 0;
    path = join(dir, "placeholders");
    w = cordon__win_wide(path);
    if (w)
        h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                        OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    memset(&ov, 0, sizeof ov);
    if (h == INVALID_HANDLE_VALUE || !LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK, 0, MAXDWORD, MAXDWORD, &ov) ||
        !GetFileSizeEx(h, &size) || size.QuadPart > 4 * 1024 * 1024 ||
        !(text = calloc(1, (size_t)size.QuadPart + 1)) ||
        !ReadFile(h, text, (DWORD)size.QuadPart, &got, NULL))
        goto done;
    text[got] = '\0';
    for (at = text; *at;) {
        char *end = at + strcspn(at, "\n");
        char *sid = strstr(at, run_sid);
        if (sid && sid < end) {
            /* path \t ident \t holder \t pid \t start */
            char *tab = strchr(sid, '\t');
            char *tab2 = tab ? strchr(tab + 1, '\t') : NULL;
            cordon__buf_add(&b, at, (size_t)(tab + 1 - at));
            cordon__buf_puts(&b, "4000000000");
            cordon__buf_add(&b, tab2, (size_t)(end - tab2));
            n++;
        } else {
            cordon__buf_add(&b, at, (size_t)(end - at));
        }
        if (*end)
            cordon__buf_add(&b, "\n", 1);
        at = *end ? end + 1 : end;
    }
    if (SetFilePointer(h, 0, NULL, FILE_BEGIN) == INVALID_SET_FILE_POINTER ||
        !WriteFile(h, b.p ? b.p : "", (DWORD)b.len, &put, NULL) || put != (DWORD)b.len ||
        !SetEndOfFile(h))
        n = 0;
done:
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h); /* and with it the lock */
    free(w);
    cordon__buf_free(&b);
    free(text);
    free(path);
    free(dir);
    return n;
}

int main(void)
{
    cordon_policy *ws = NULL;
    char *root = make_temp_dir("placeholder");
    char *codex = join(root, ".codex");
    char *inside = join(codex, "kept.txt");
    struct cordon__plan a, b;

    CHECK(cordon_policy_builtin("workspace-write", &ws) == CORDON_OK);
    CHECK(!path_exists(codex));

    /* Two overlapping runs: B ends first, A's placeholder stays. */
    CHECK(compile(ws, root, &a));
    CHECK(compile(ws, root, &b));
    CHECK(strcmp(a.windows_plan.run_sid, b.windows_plan.run_sid) != 0);
    CHECK_MSG(BE.prepare(&a) == CORDON_OK, "%s", cordon_last_error());
    CHECK(path_exists(codex));
    CHECK_MSG(BE.prepare(&b) == CORDON_OK, "%s", cordon_last_error());
    BE.cleanup(&b, NULL);
    CHECK_MSG(path_exists(codex), "run B's cleanup removed the placeholder run A still holds");
    BE.cleanup(&a, NULL);
    CHECK_MSG(!path_exists(codex), "the last run did not remove the placeholder");
    cordon__plan_free(&a);
    cordon__plan_free(&b);

    /* B's plan is made while A's placeholder is there, so B sees a real
     * directory; B joins the placeholder anyway, and A's end keeps it. */
    CHECK(compile(ws, root, &a));
    CHECK(BE.prepare(&a) == CORDON_OK);
    CHECK(compile(ws, root, &b));
    CHECK(BE.prepare(&b) == CORDON_OK);
    BE.cleanup(&a, NULL);
    CHECK_MSG(path_exists(codex), "run A removed the placeholder that run B (planned while it "
                                  "was there) holds");
    BE.cleanup(&b, NULL);
    CHECK(!path_exists(codex));
    cordon__plan_free(&a);
    cordon__plan_free(&b);

    /* The placeholder vanishes between B's plan and its prepare: B
     * makes it again rather than running without it. */
    CHECK(compile(ws, root, &a));
    CHECK(BE.prepare(&a) == CORDON_OK);
    CHECK(compile(ws, root, &b));
    BE.cleanup(&a, NULL);
    CHECK(!path_exists(codex));
    CHECK(BE.prepare(&b) == CORDON_OK);
    CHECK_MSG(path_exists(codex), "a protected path gone since the plan was not held");
    BE.cleanup(&b, NULL);
    cordon__plan_free(&a);
    cordon__plan_free(&b);

    /* The placeholder replaced by the user's own directory meanwhile:
     * the run's cleanup leaves it. */
    CHECK(compile(ws, root, &a));
    CHECK(BE.prepare(&a) == CORDON_OK);
    remove_dir(codex);
    make_dir(codex);
    BE.cleanup(&a, NULL);
    CHECK_MSG(path_exists(codex), "cleanup removed a directory no run made");
    remove_dir(codex);
    cordon__plan_free(&a);

    /* A directory that is there when the run starts is not a placeholder:
     * the run never removes it. */
    make_dir(codex);
    CHECK(compile(ws, root, &a));
    CHECK(BE.prepare(&a) == CORDON_OK);
    BE.cleanup(&a, NULL);
    CHECK(path_exists(codex));
    remove_dir(codex);
    cordon__plan_free(&a);

    /* Not empty (only the user can write there): kept. */
    CHECK(compile(ws, root, &a));
    CHECK(BE.prepare(&a) == CORDON_OK);
    {
        wchar_t *w = cordon__win_wide(inside);
        CloseHandle(CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL));
        free(w);
    }
    BE.cleanup(&a, NULL);
    CHECK(path_exists(inside));
    {
        wchar_t *w = cordon__win_wide(inside);
        DeleteFileW(w);
        free(w);
    }
    remove_dir(codex);
    cordon__plan_free(&a);

    /* A run that died: the next run's prepare sweeps its hold, and that
     * run's cleanup, the last holder now, removes the placeholder. */
    CHECK(compile(ws, root, &a));
    CHECK(BE.prepare(&a) == CORDON_OK);
    CHECK(kill_holder(a.windows_plan.run_sid) >= 1);
    CHECK(compile(ws, root, &b));
    CHECK(BE.prepare(&b) == CORDON_OK);
    CHECK(path_exists(codex));
    BE.cleanup(&b, NULL);
    CHECK_MSG(!path_exists(codex), "a dead run's hold kept the placeholder");
    cordon__plan_free(&a);
    cordon__plan_free(&b);

    /* The startup sweep: the temp dir of a run whose process is gone is
     * removed by the next run; one of a live process (this one) stays. */
    {
        struct cordon__host host;
        char *dir = NULL, *mark, *dead, *dead_file, *alive;
        wchar_t *w;
        CHECK(cordon__os_host(&host) == CORDON_OK);
        CHECK(cordon__win_state_dir(&dir) == CORDON_OK);
        mark = join(dir, "tmp-swept");
        dead = cordon__asprintf("%s\\cordon-run-4000000001-cafe", host.tmp_base);
        dead_file = join(dead, "left.txt");
        alive = cordon__asprintf("%s\\cordon-run-%lu-beef", host.tmp_base,
                                 (unsigned long)GetCurrentProcessId());
        make_dir(dead);
        make_dir(alive);
        w = cordon__win_wide(dead_file);
        CloseHandle(CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL));
        free(w);
        w = cordon__win_wide(mark);
        DeleteFileW(w);
        free(w);
        CHECK(compile(ws, root, &a));
        CHECK(BE.prepare(&a) == CORDON_OK);
        BE.cleanup(&a, NULL);
        cordon__plan_free(&a);
        CHECK_MSG(!path_exists(dead), "a dead run's temp dir was not swept");
        CHECK_MSG(path_exists(alive), "a live process's temp dir was swept");
        remove_dir(alive);
        free(dir);
        free(mark);
        free(dead);
        free(dead_file);
        free(alive);
    }

    cordon_grants_revoke(root);
    remove_dir_tree(root);
    cordon_policy_free(ws);
    free(root);
    free(codex);
    free(inside);
    TEST_MAIN_END();
}
