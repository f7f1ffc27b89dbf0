/* The tool cache on Windows: where it is, that a workspace-write run
 * creates it and points the tools' variables into it, and that `cordon
 * cache clear` empties it (read-only files, nested directories) without
 * following a directory link planted in it. */
#include "wintest.h"

static void write_file(const char *path, const char *text, int readonly)
{
    wchar_t *w = cordon__win_wide(path);
    HANDLE h = CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                           readonly ? FILE_ATTRIBUTE_READONLY : FILE_ATTRIBUTE_NORMAL, NULL);
    DWORD n = 0;
    CHECK_MSG(h != INVALID_HANDLE_VALUE, "cannot create %s", path);
    if (h != INVALID_HANDLE_VALUE) {
        WriteFile(h, text, (DWORD)strlen(text), &n, NULL);
        CloseHandle(h);
    }
    free(w);
}

static void make_dir(const char *path)
{
    wchar_t *w = cordon__win_wide(path);
    CHECK_MSG(CreateDirectoryW(w, NULL) || GetLastError() == ERROR_ALREADY_EXISTS,
              "cannot create %s", path);
    free(w);
}

static int is_empty_dir(const char *dir)
{
    char *pat = join(dir, "*");
    wchar_t *w = cordon__win_wide(pat);
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(w, &fd);
    int empty = 1;
    free(pat);
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    do {
        if (wcscmp(fd.cFileName, L".") != 0 && wcscmp(fd.cFileName, L"..") != 0)
            empty = 0;
    } while (empty && FindNextFileW(h, &fd));
    FindClose(h);
    return empty;
}

int main(void)
{
    cordon_policy *ws = NULL;
    char *cache = NULL, *probe = probe_exe(), *root = make_temp_dir("cache");
    char *outside = make_temp_dir("cache-outside");
    char *keep = join(outside, "keep.txt"), *out = join(root, "..\\cordon-cache-out.txt");
    char *sub, *subsub, *link, *text;
    const char *argv[] = {probe, "env", "npm_config_cache", NULL};
    int code = -1, linked;

    CHECK(cordon_cache_path(&cache) == CORDON_OK);
    CHECK_CONTAINS(cache, "\\cordon\\tools");
    CHECK(cordon_policy_builtin("workspace-write", &ws) == CORDON_OK);
    CHECK_MSG(run_to_file(ws, argv, root, out, &code, NULL) == CORDON_OK, "%s", cordon_last_error());
    CHECK(code == 0 && path_exists(cache));
    text = slurp(out);
    CHECK_CONTAINS(text, "\\cordon\\tools\\npm");
    free(text);

    /* What a command could leave there. */
    sub = join(cache, "cordon-test-a");
    subsub = join(sub, "b");
    make_dir(sub);
    make_dir(subsub);
    {
        char *f = join(subsub, "ro.txt"), *g = join(cache, "cordon-test-ro.txt");
        write_file(f, "x", 1);
        write_file(g, "y", 1);
        free(f);
        free(g);
    }
    write_file(keep, "precious", 0);
    link = join(cache, "cordon-test-link");
    {
        wchar_t *wl = cordon__win_wide(link), *wt = cordon__win_wide(outside);
        linked = CreateSymbolicLinkW(wl, wt, SYMBOLIC_LINK_FLAG_DIRECTORY | 0x2 /* unprivileged */) != 0;
        free(wl);
        free(wt);
    }
    if (!linked)
        printf("note: no directory link could be made here (error %lu): that part is not tried\n",
               (unsigned long)GetLastError());

    CHECK_MSG(cordon_cache_clear() == CORDON_OK, "%s", cordon_last_error());
    CHECK(path_exists(cache) && is_empty_dir(cache));
    text = slurp(keep);
    CHECK_STR(text, "precious"); /* the link went, not what it named */
    free(text);
    CHECK(cordon_cache_clear() == CORDON_OK);

    remove_dir_tree(outside);
    remove_dir_tree(root);
    {
        wchar_t *w = cordon__win_wide(out);
        DeleteFileW(w);
        free(w);
    }
    cordon_policy_free(ws);
    free(cache);
    free(probe);
    free(root);
    free(outside);
    free(keep);
    free(out);
    free(sub);
    free(subsub);
    free(link);
    TEST_MAIN_END();
}
