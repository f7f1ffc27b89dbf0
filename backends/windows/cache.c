/* The tool cache directory on Windows: made to exist before a run, emptied
 * on request (cordon cache clear). Its content is written by sandboxed
 * commands, so nothing here follows a junction or symbolic link found in
 * it: a reparse point is removed as the link itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "win.h"

/* |path| with the \\?\ prefix (long paths, no name rewriting) when it
 * starts with a drive; caller-owned. */
cordon_error cordon__os_cache_ensure(const char *dir)
{
    wchar_t *w = NULL;
    DWORD a;
    size_t i, n;
    cordon_error e = CORDON_OK;

    if ((w = cordon__win_wide_long(dir)) == NULL)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    /* The steady state: one attribute query. */
    a = GetFileAttributesW(w);
    if (a != INVALID_FILE_ATTRIBUTES)
        goto check;
    /* Each missing component; it inherits the profile's ACL (the user's
     * own). A failure on the way (a share's name, a drive) is not one:
     * only the last component's counts. */
    n = wcslen(w);
    for (i = 1; i <= n; i++) {
        wchar_t saved = w[i];
        if (saved != L'\\' && saved != L'\0')
            continue;
        w[i] = L'\0';
        if (!CreateDirectoryW(w, NULL) && GetLastError() != ERROR_ALREADY_EXISTS && i == n) {
            e = cordon__win_failf("CreateDirectoryW", GetLastError(),
                                  "cannot create the tool cache %s", dir);
            w[i] = saved;
            goto done;
        }
        w[i] = saved;
    }
    a = GetFileAttributesW(w);
check:
    if (a == INVALID_FILE_ATTRIBUTES)
        e = cordon__win_failf("GetFileAttributesW", GetLastError(), "cannot use the tool cache %s",
                              dir);
    else if (!(a & FILE_ATTRIBUTE_DIRECTORY))
        e = cordon__fail(CORDON_ERR_PATH,
                         "the tool cache %s is not a directory (remove it)", dir);
done:
    free(w);
    return e;
}

/* Removes everything inside |dir| (a \\?\ path), depth-first. */
static cordon_error empty_dir(const wchar_t *dir, const char *shown, int depth)
{
    WIN32_FIND_DATAW fd;
    HANDLE h;
    wchar_t *pattern;
    size_t n = wcslen(dir);
    cordon_error e = CORDON_OK;

    if (depth > 256)
        return cordon__fail(CORDON_ERR_IO, "cannot empty %s: nested too deep", shown);
    if ((pattern = malloc((n + 3) * sizeof *pattern)) == NULL)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    memcpy(pattern, dir, n * sizeof *pattern);
    memcpy(pattern + n, L"\\*", 3 * sizeof *pattern);
    h = FindFirstFileExW(pattern, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL, 0);
    free(pattern);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD err = GetLastError();
        return err == ERROR_FILE_NOT_FOUND ? CORDON_OK
                                           : cordon__win_failf("FindFirstFileExW", err,
                                                               "cannot list %s", shown);
    }
    do {
        size_t m = wcslen(fd.cFileName);
        wchar_t *child;
        char *name;
        if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0)
            continue;
        if ((child = malloc((n + m + 2) * sizeof *child)) == NULL) {
            e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
            break;
        }
        memcpy(child, dir, n * sizeof *child);
        child[n] = L'\\';
        memcpy(child + n + 1, fd.cFileName, (m + 1) * sizeof *child);
        name = cordon__win_utf8(fd.cFileName);
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_READONLY)
            SetFileAttributesW(child, fd.dwFileAttributes & ~(DWORD)FILE_ATTRIBUTE_READONLY);
        if ((fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) &&
            !(fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
            char *sub = cordon__asprintf("%s\\%s", shown, name ? name : "?");
            e = empty_dir(child, sub ? sub : shown, depth + 1);
            free(sub);
            if (e == CORDON_OK && !RemoveDirectoryW(child))
                e = cordon__win_failf("RemoveDirectoryW", GetLastError(), "cannot remove %s\\%s",
                                      shown, name ? name : "?");
        } else if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
            /* A junction or directory link: the link goes, not its target. */
            if (!RemoveDirectoryW(child))
                e = cordon__win_failf("RemoveDirectoryW", GetLastError(), "cannot remove %s\\%s",
                                      shown, name ? name : "?");
        } else if (!DeleteFileW(child)) {
            e = cordon__win_failf("DeleteFileW", GetLastError(), "cannot remove %s\\%s", shown,
                                  name ? name : "?");
        }
        free(name);
        free(child);
    } while (e == CORDON_OK && FindNextFileW(h, &fd));
    FindClose(h);
    return e;
}

cordon_error cordon__os_cache_clear(const char *dir)
{
    wchar_t *w = cordon__win_wide_long(dir);
    DWORD a;
    cordon_error e = CORDON_OK;

    if (!w)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    a = GetFileAttributesW(w);
    if (a == INVALID_FILE_ATTRIBUTES) {
        DWORD err = GetLastError();
        if (err != ERROR_FILE_NOT_FOUND && err != ERROR_PATH_NOT_FOUND)
            e = cordon__win_failf("GetFileAttributesW", err, "cannot open the tool cache %s", dir);
    } else if (!(a & FILE_ATTRIBUTE_DIRECTORY) || (a & FILE_ATTRIBUTE_REPARSE_POINT)) {
        e = cordon__fail(CORDON_ERR_PATH,
                         "the tool cache %s is not a directory of its own (a file or a link): "
                         "not emptied", dir);
    } else {
        e = empty_dir(w, dir, 0);
    }
    free(w);
    return e;
}
