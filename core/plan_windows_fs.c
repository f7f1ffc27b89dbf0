/* Portable decisions of the Windows OS layer about file paths and ACLs:
 * when a path may take the verbatim (\\?\) form, and what a granted access
 * mask outside the roots amounts to. No OS headers; tested
 * on every host (tests/winplan/test_fs.c). */
#include <string.h>

#include "internal.h"

/* 1 when |p| (after its drive or share) is made of non-empty components
 * separated by single backslashes, none "." or "..", none ending in a dot
 * or a space. */
static int components_verbatim_safe(const char *p)
{
    while (*p) {
        size_t n = strcspn(p, "\\");
        if (n == 0)
            return 0; /* "\\\\" inside, or a trailing backslash on a component */
        if (p[n - 1] == '.' || p[n - 1] == ' ')
            return 0; /* ".", "..", "name." and "name " are all trimmed or special */
        p += n;
        if (*p == '\\') {
            p++;
            if (!*p)
                return 1; /* one trailing backslash, as in "C:\\" */
        }
    }
    return 1;
}

char *cordon__win_verbatim_path(const char *path)
{
    if (!path)
        return NULL;
    if (strchr(path, '/') || strncmp(path, "\\\\?\\", 4) == 0 ||
        strncmp(path, "\\\\.\\", 4) == 0)
        return cordon__strdup(path);
    if (((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z')) &&
        path[1] == ':' && path[2] == '\\') {
        if (path[3] && !components_verbatim_safe(path + 3))
            return cordon__strdup(path);
        return cordon__asprintf("\\\\?\\%s", path);
    }
    if (path[0] == '\\' && path[1] == '\\' && path[2] && path[2] != '\\') {
        /* \\server\share\rest: both the server and the share must be there. */
        const char *share = strchr(path + 2, '\\');
        if (!share || !share[1] || share[1] == '\\' || !components_verbatim_safe(path + 2))
            return cordon__strdup(path);
        return cordon__asprintf("\\\\?\\UNC\\%s", path + 2);
    }
    return cordon__strdup(path);
}

enum cordon__win_hole cordon__win_hole_kind(unsigned long granted, int is_dir)
{
    /* The same bits mean FILE_ADD_FILE / FILE_WRITE_DATA (0x2) and
     * FILE_ADD_SUBDIRECTORY / FILE_APPEND_DATA (0x4) on directories and
     * files: both are writes either way. */
    const unsigned long write = CORDON__WIN_FILE_WRITE_DATA | CORDON__WIN_FILE_APPEND_DATA |
                                CORDON__WIN_FILE_WRITE_EA | CORDON__WIN_FILE_WRITE_ATTRIBUTES |
                                CORDON__WIN_WRITE_DAC | CORDON__WIN_WRITE_OWNER;
    const unsigned long removal =
        CORDON__WIN_DELETE | (is_dir ? CORDON__WIN_FILE_DELETE_CHILD : 0UL);
    if (granted & write)
        return CORDON__WIN_HOLE_WRITE;
    if (granted & removal)
        return CORDON__WIN_HOLE_DELETE;
    return CORDON__WIN_HOLE_NONE;
}
