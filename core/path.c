/* Lexical path rules for either target OS. No filesystem access. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *cordon__os_name_of(enum cordon__os os)
{
    return os == CORDON__OS_WINDOWS ? "windows" : "linux";
}

char cordon__path_sep(enum cordon__os os)
{
    return os == CORDON__OS_WINDOWS ? '\\' : '/';
}

static int is_sep(enum cordon__os os, char c)
{
    return c == '/' || (os == CORDON__OS_WINDOWS && c == '\\');
}

/* Length of the root prefix: "/" on Linux; "C:\" or "\\server\share\" on
 * Windows. 0 for a relative path. */
static size_t root_len(enum cordon__os os, const char *p)
{
    if (os == CORDON__OS_LINUX)
        return p[0] == '/' ? 1 : 0;
    if (isalpha((unsigned char)p[0]) && p[1] == ':' && is_sep(os, p[2]))
        return 3;
    if (is_sep(os, p[0]) && is_sep(os, p[1])) {
        /* \\server\share\ */
        size_t i = 2;
        int parts = 0;
        while (p[i] && parts < 2) {
            while (p[i] && !is_sep(os, p[i]))
                i++;
            parts++;
            if (p[i])
                i++;
        }
        return parts == 2 ? i : 0;
    }
    return 0;
}

int cordon__path_is_absolute(enum cordon__os os, const char *p)
{
    return p && root_len(os, p) > 0;
}

char *cordon__path_join(enum cordon__os os, const char *a, const char *b)
{
    size_t la = strlen(a);
    char sep = cordon__path_sep(os);
    if (la > 0 && is_sep(os, a[la - 1]))
        return cordon__asprintf("%s%s", a, b);
    return cordon__asprintf("%s%c%s", a, sep, b);
}

char *cordon__path_normalize(enum cordon__os os, const char *p)
{
    size_t rl = root_len(os, p), i, n = strlen(p);
    char sep = cordon__path_sep(os);
    char *out = malloc(n + 2);
    size_t o = 0;
    size_t *starts = cordon__xcalloc(n + 1, sizeof *starts);
    size_t depth = 0, fixed = 0; /* fixed: leading ".." of a relative path */

    if (!out || !starts) {
        free(out);
        free(starts);
        return NULL;
    }
    for (i = 0; i < rl; i++)
        out[o++] = is_sep(os, p[i]) ? sep : p[i];
    i = rl;
    while (i < n) {
        size_t s = i, len;
        while (i < n && !is_sep(os, p[i]))
            i++;
        len = i - s;
        while (i < n && is_sep(os, p[i]))
            i++;
        if (len == 0 || (len == 1 && p[s] == '.'))
            continue;
        if (len == 2 && p[s] == '.' && p[s + 1] == '.') {
            if (depth > fixed) {
                o = starts[--depth];
                continue;
            }
            if (rl > 0)
                continue; /* ".." at the root stays at the root */
            fixed++;
        }
        if (o > rl)
            out[o++] = sep;
        starts[depth++] = (o > rl) ? o - 1 : o;
        memcpy(out + o, p + s, len);
        o += len;
    }
    if (o == 0)
        out[o++] = '.';
    out[o] = '\0';
    free(starts);
    return out;
}

int cordon__path_within(enum cordon__os os, const char *p, const char *dir)
{
    size_t ld = strlen(dir);
    int same;
    while (ld > 1 && is_sep(os, dir[ld - 1]) && ld > root_len(os, dir))
        ld--;
    if (strlen(p) < ld)
        return 0;
    if (os == CORDON__OS_WINDOWS) {
        size_t i;
        same = 1;
        for (i = 0; i < ld; i++) {
            char a = p[i], b = dir[i];
            if (is_sep(os, a) && is_sep(os, b))
                continue;
            if (tolower((unsigned char)a) != tolower((unsigned char)b)) {
                same = 0;
                break;
            }
        }
    } else {
        same = strncmp(p, dir, ld) == 0;
    }
    if (!same)
        return 0;
    return p[ld] == '\0' || is_sep(os, p[ld]) || (ld > 0 && is_sep(os, dir[ld - 1]));
}

int cordon__path_is_safe_relative(enum cordon__os os, const char *rel)
{
    const char *s = rel;
    if (!rel || !*rel || cordon__path_is_absolute(os, rel) || is_sep(os, rel[0]))
        return 0;
    if (os == CORDON__OS_WINDOWS && isalpha((unsigned char)rel[0]) && rel[1] == ':')
        return 0; /* drive-relative "C:foo" */
    while (*s) {
        const char *e = s;
        while (*e && !is_sep(os, *e))
            e++;
        if (e - s == 2 && s[0] == '.' && s[1] == '.')
            return 0;
        s = *e ? e + 1 : e;
    }
    return 1;
}

char *cordon__path_expand_home(enum cordon__os os, const char *p, const char *home)
{
    size_t skip = 0;
    if (!p)
        return NULL;
    if (p[0] == '~')
        skip = 1;
    else if (strncmp(p, "$HOME", 5) == 0)
        skip = 5;
    /* "~user" and "$HOMEDIR" are not the home: left as written. */
    if (skip && p[skip] != '\0' && p[skip] != '/' && !(os == CORDON__OS_WINDOWS && p[skip] == '\\'))
        skip = 0;
    if (!skip)
        return cordon__strdup(p);
    if (!home || !*home)
        return NULL;
    return cordon__asprintf("%s%s", home, p + skip);
}

int cordon__glob_match(const char *pat, const char *name, int icase)
{
    /* Iterative, with one backtrack point: the last '*' seen. */
    const char *star = NULL, *resume = NULL;
    while (*name) {
        char a = *pat, b = *name;
        if (icase) {
            if (a >= 'a' && a <= 'z')
                a = (char)(a - 32);
            if (b >= 'a' && b <= 'z')
                b = (char)(b - 32);
        }
        if (a == '*') {
            star = ++pat;
            resume = name;
        } else if (a != '\0' && (a == '?' || a == b)) {
            pat++;
            name++;
        } else if (star) {
            pat = star;
            name = ++resume;
        } else {
            return 0;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == '\0';
}
