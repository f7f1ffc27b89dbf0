/* Portable decisions of the Windows OS layer about file paths and ACLs:
 * when a path may take the verbatim (\\?\) form, what a granted access
 * mask outside the roots amounts to, and what `grants revoke` writes
 * back. No OS headers; tested on every host (tests/winplan/test_fs.c). */
#include <stdlib.h>
#include <string.h>

#include "elevated_windows_grants.h"
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

/* The SDDL rights strings a file's DACL may show (ConvertSecurityDescriptor
 * ToStringSecurityDescriptorW writes a known combination as a string,
 * anything else in hex). */
static const struct {
    char s[3];
    unsigned long mask;
} sddl_rights[] = {
    {"GA", 0x10000000ul}, {"GR", 0x80000000ul}, {"GW", 0x40000000ul}, {"GX", 0x20000000ul},
    {"RC", 0x00020000ul}, {"SD", 0x00010000ul}, {"WD", 0x00040000ul}, {"WO", 0x00080000ul},
    {"FA", 0x001f01fful}, {"FR", 0x00120089ul}, {"FW", 0x00120116ul}, {"FX", 0x001200a0ul},
    {"CC", 0x00000001ul}, {"DC", 0x00000002ul}, {"LC", 0x00000004ul}, {"SW", 0x00000008ul},
    {"RP", 0x00000010ul}, {"WP", 0x00000020ul}, {"DT", 0x00000040ul}, {"LO", 0x00000080ul},
    {"CR", 0x00000100ul}, {"KA", 0x000f003ful}, {"KR", 0x00020019ul}, {"KW", 0x00020006ul},
    {"KX", 0x00020019ul},
};
static const struct {
    char s[3];
    unsigned flag;
} sddl_flags[] = {
    {"OI", CORDON__WIN_ACE_OI}, {"CI", CORDON__WIN_ACE_CI}, {"NP", CORDON__WIN_ACE_NP},
    {"IO", CORDON__WIN_ACE_IO}, {"ID", CORDON__WIN_ACE_ID}, {"SA", 0x40u}, {"FA", 0x80u},
};

int cordon__win_sddl_ace_parts(const char *ace, int *type, unsigned *flags, unsigned long *mask,
                               char sid[CORDON__WIN_SID_MAX])
{
    size_t len = 0, i, k;
    const char *f;
    *type = -1;
    *flags = 0;
    *mask = 0;
    sid[0] = '\0';
    if (!ace || ace[0] != '(' || !(f = ace_field(ace, 0, &len)))
        return -1;
    if (len == 1 && f[0] == 'A')
        *type = CORDON__WIN_ACE_ALLOW;
    else if (len == 1 && f[0] == 'D')
        *type = CORDON__WIN_ACE_DENY;
    else
        return -1; /* object, callback, audit, label: none of cordon's or setup's */
    if (!(f = ace_field(ace, 1, &len)) || len % 2)
        return -1;
    for (i = 0; i < len; i += 2) {
        for (k = 0; k < sizeof sddl_flags / sizeof sddl_flags[0]; k++)
            if (f[i] == sddl_flags[k].s[0] && f[i + 1] == sddl_flags[k].s[1])
                break;
        if (k == sizeof sddl_flags / sizeof sddl_flags[0])
            return -1;
        *flags |= sddl_flags[k].flag;
    }
    if (!(f = ace_field(ace, 2, &len)) || len == 0)
        return -1;
    if (len > 2 && f[0] == '0' && (f[1] == 'x' || f[1] == 'X')) {
        for (i = 2; i < len; i++) {
            char c = f[i];
            int v = c >= '0' && c <= '9' ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (v < 0 || i > 9)
                return -1;
            *mask = (*mask << 4) | (unsigned long)v;
        }
    } else {
        if (len % 2)
            return -1;
        for (i = 0; i < len; i += 2) {
            for (k = 0; k < sizeof sddl_rights / sizeof sddl_rights[0]; k++)
                if (f[i] == sddl_rights[k].s[0] && f[i + 1] == sddl_rights[k].s[1])
                    break;
            if (k == sizeof sddl_rights / sizeof sddl_rights[0])
                return -1;
            *mask |= sddl_rights[k].mask;
        }
    }
    if (!(f = ace_field(ace, 5, &len)) || len == 0 || len >= CORDON__WIN_SID_MAX)
        return -1;
    memcpy(sid, f, len);
    sid[len] = '\0';
    return 0;
}

int cordon__win_ace_is_setup_read(int type, unsigned flags, unsigned long mask)
{
    unsigned inh = flags & (CORDON__WIN_ACE_OI | CORDON__WIN_ACE_CI | CORDON__WIN_ACE_NP |
                            CORDON__WIN_ACE_IO);
    if (type != CORDON__WIN_ACE_ALLOW || (flags & CORDON__WIN_ACE_ID))
        return 0;
    if (mask == CORDON__WIN_READ_MASK)
        return inh == (CORDON__WIN_ACE_OI | CORDON__WIN_ACE_CI) || inh == 0;
    return mask == CORDON__WIN_LIST_MASK && inh == 0;
}

int cordon__win_ace_is_cordons(const char *sid, int type, unsigned flags, unsigned long mask)
{
    if (cordon__win_is_cordon_sid(sid))
        return 1; /* a capability SID: only cordon's ACEs ever name it */
    /* A tier SID (the sandbox group): cordon-setup's read grants name it
     * too, and those are not the backend's to take out. */
    return cordon__win_is_cordon_ace_sid(sid) && !cordon__win_ace_is_setup_read(type, flags, mask);
}

/* 1 when |ace| is one of the backend's (|only| NULL: an ACE of one of
 * cordon's capability SIDs, or of a tier SID but not of setup's read
 * grants' shape), or one of cordon-setup's read grants for |only|. */
static int ace_of_cordon(const char *ace, const char *only)
{
    char sid[CORDON__WIN_SID_MAX];
    unsigned long mask;
    unsigned flags;
    int type;
    if (cordon__win_sddl_ace_parts(ace, &type, &flags, &mask, sid) != 0) {
        /* Not an allow or deny ACE this file can read: never setup's; the
         * backend's only when it names a capability SID. */
        size_t len = 0;
        const char *s = ace_field(ace, 5, &len);
        if (only || !s || len >= sizeof sid)
            return 0;
        memcpy(sid, s, len);
        sid[len] = '\0';
        return cordon__win_is_cordon_sid(sid);
    }
    if (only)
        return strcmp(sid, only) == 0 && cordon__win_ace_is_setup_read(type, flags, mask);
    return cordon__win_ace_is_cordons(sid, type, flags, mask);
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
