/* Portable decisions of the Windows OS layer about file paths and ACLs:
 * when a path may take the verbatim (\\?\) form, what a granted access
 * mask outside the roots amounts to, and what `grants revoke` writes
 * back. No OS headers; tested on every host (tests/winplan/test_fs.c). */
#include <stdlib.h>
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

/* ---- DACLs as SDDL: what `grants revoke` restores ------------------------ */

/* The length of the ACE "(...)" at |p| (nested parentheses of conditional
 * ACEs and quoted strings in them included); 0 when it does not close. */
static size_t ace_len(const char *p)
{
    size_t i = 0;
    int depth = 0, quoted = 0;
    for (; p[i]; i++) {
        char c = p[i];
        if (quoted) {
            quoted = c != '"';
            continue;
        }
        if (c == '"')
            quoted = 1;
        else if (c == '(')
            depth++;
        else if (c == ')' && --depth == 0)
            return i + 1;
    }
    return 0;
}

/* Field |k| (0: type, 1: flags, ..., 5: the SID) of the ACE |ace| ("(...)"). */
static const char *ace_field(const char *ace, int k, size_t *len)
{
    const char *p = ace + 1;
    while (k-- > 0) {
        p = strchr(p, ';');
        if (!p)
            return NULL;
        p++;
    }
    *len = strcspn(p, ";)");
    return p;
}

static int ace_inherited(const char *ace)
{
    size_t len = 0, i;
    const char *f = ace_field(ace, 1, &len);
    for (i = 0; f && i + 2 <= len; i += 2)
        if (f[i] == 'I' && f[i + 1] == 'D')
            return 1;
    return 0;
}

/* 1 when |ace| names |only| (NULL: any of cordon's capability SIDs). */
static int ace_of_cordon(const char *ace, const char *only)
{
    size_t len = 0;
    const char *s = ace_field(ace, 5, &len);
    char sid[CORDON__WIN_SID_MAX];
    if (!s || len >= sizeof sid)
        return 0;
    memcpy(sid, s, len);
    sid[len] = '\0';
    return only ? strcmp(sid, only) == 0 : cordon__win_is_cordon_ace_sid(sid);
}

cordon_error cordon__win_sddl_dacl_parse(const char *sddl, char **flags,
                                         struct cordon__strv *aces)
{
    const char *p = sddl ? strstr(sddl, "D:") : NULL, *open;
    *flags = NULL;
    if (!p)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "no DACL in the security descriptor %s",
                            sddl ? sddl : "(null)");
    p += 2;
    open = p + strcspn(p, "(");
    /* A DACL is followed by nothing here (only the DACL is asked for);
     * "S:" would end it. */
    if (strstr(p, "S:") && strstr(p, "S:") < open)
        open = strstr(p, "S:");
    *flags = cordon__strndup(p, (size_t)(open - p));
    if (!*flags)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    for (p = open; *p == '(';) {
        size_t n = ace_len(p);
        char *ace;
        if (n == 0)
            break;
        if (!ace_inherited(p)) {
            ace = cordon__strndup(p, n);
            if (!ace || cordon__strv_push_owned(aces, ace) != CORDON_OK) {
                free(*flags);
                *flags = NULL;
                return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
            }
        }
        p += n;
    }
    if (*p && *p != 'S') {
        free(*flags);
        *flags = NULL;
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "a malformed DACL: %s", sddl);
    }
    return CORDON_OK;
}

/* "D:" + |flags| + the ACEs of |aces| for which keep() holds. */
static char *sddl_join(const char *flags, const struct cordon__strv *aces, int drop_cordon,
                       const char *only)
{
    struct cordon__buf b = {0};
    size_t i;
    cordon__buf_printf(&b, "D:%s", flags);
    for (i = 0; i < aces->n; i++)
        if (!drop_cordon || !ace_of_cordon(aces->v[i], only))
            cordon__buf_puts(&b, aces->v[i]);
    if (b.oom) {
        cordon__buf_free(&b);
        return NULL;
    }
    return b.p ? b.p : cordon__strdup("D:");
}

char *cordon__win_sddl_without_cordon(const char *sddl)
{
    struct cordon__strv aces = {0};
    char *flags = NULL, *out = NULL;
    if (cordon__win_sddl_dacl_parse(sddl, &flags, &aces) == CORDON_OK)
        out = sddl_join(flags, &aces, 1, NULL);
    free(flags);
    cordon__strv_free(&aces);
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The explicit ACEs of |sddl| without cordon's, sorted (a multiset). */
static cordon_error sorted_non_cordon(const char *sddl, const char *only, char **flags,
                                      struct cordon__strv *all, struct cordon__strv *sorted)
{
    size_t i;
    cordon_error e = cordon__win_sddl_dacl_parse(sddl, flags, all);
    for (i = 0; e == CORDON_OK && i < all->n; i++)
        if (!ace_of_cordon(all->v[i], only))
            e = cordon__strv_push(sorted, all->v[i]);
    if (e == CORDON_OK && sorted->n > 1)
        qsort(sorted->v, sorted->n, sizeof *sorted->v, cmp_str);
    return e;
}

char *cordon__win_sddl_restore(const char *original, const char *current, int *exact)
{
    return cordon__win_sddl_restore_sid(original, current, NULL, exact);
}

char *cordon__win_sddl_restore_sid(const char *original, const char *current, const char *sid,
                                   int *exact)
{
    struct cordon__strv o_all = {0}, o_set = {0}, c_all = {0}, c_set = {0};
    char *o_flags = NULL, *c_flags = NULL, *out = NULL;
    size_t i;
    int same;

    *exact = 0;
    if (sorted_non_cordon(original, sid, &o_flags, &o_all, &o_set) != CORDON_OK ||
        sorted_non_cordon(current, sid, &c_flags, &c_all, &c_set) != CORDON_OK)
        goto done;
    /* The same ACEs and the same protection ("P"), and no NULL DACL: a
     * change of either since is someone's, and stays. */
    same = o_set.n == c_set.n && (strchr(o_flags, 'P') != NULL) == (strchr(c_flags, 'P') != NULL) &&
           !strstr(o_flags, "NO_ACCESS_CONTROL") && !strstr(c_flags, "NO_ACCESS_CONTROL");
    for (i = 0; same && i < o_set.n; i++)
        same = strcmp(o_set.v[i], c_set.v[i]) == 0;
    if (same) {
        *exact = 1;
        out = sddl_join(o_flags, &o_all, 1, sid);
    } else {
        out = sddl_join(c_flags, &c_all, 1, sid);
    }
    if (!out)
        cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
done:
    cordon__strv_free(&o_all);
    cordon__strv_free(&o_set);
    cordon__strv_free(&c_all);
    cordon__strv_free(&c_set);
    free(o_flags);
    free(c_flags);
    return out;
}
