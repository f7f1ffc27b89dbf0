/* The local account files (backends/linux/elevated.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elevated_linux.h"

/* Splits |line| at ':' into at most |max| fields; returns how many. */
static int split(char *line, char **field, int max)
{
    int n = 0;
    char *p = line;
    line[strcspn(line, "\n")] = '\0';
    while (n < max) {
        field[n++] = p;
        p = strchr(p, ':');
        if (!p)
            break;
        *p++ = '\0';
    }
    return n;
}

static int parse_id(const char *s, unsigned long *out)
{
    char *end;
    if (!*s)
        return -1;
    errno = 0;
    *out = strtoul(s, &end, 10);
    return (*end || errno) ? -1 : 0;
}

/* by_name when |name|, else by uid. */
static int pw_find(const char *name, uid_t uid, struct cordon__pw *out)
{
    FILE *f = fopen("/etc/passwd", "re");
    char line[2048];
    int found = 0;
    if (!f)
        return -1;
    while (!found && fgets(line, sizeof line, f)) {
        char *fl[7];
        unsigned long u, g;
        if (split(line, fl, 7) != 7 || parse_id(fl[2], &u) || parse_id(fl[3], &g))
            continue;
        if (name ? strcmp(fl[0], name) != 0 : (uid_t)u != uid)
            continue;
        memset(out, 0, sizeof *out);
        snprintf(out->name, sizeof out->name, "%s", fl[0]);
        out->uid = (uid_t)u;
        out->gid = (gid_t)g;
        snprintf(out->home, sizeof out->home, "%s", fl[5]);
        snprintf(out->shell, sizeof out->shell, "%s", fl[6]);
        found = 1;
    }
    fclose(f);
    return found;
}

int cordon__pw_by_name(const char *name, struct cordon__pw *out)
{
    return pw_find(name, 0, out);
}

int cordon__pw_by_uid(uid_t uid, struct cordon__pw *out)
{
    return pw_find(NULL, uid, out);
}

int cordon__gr_by_name(const char *name, struct cordon__gr *out)
{
    FILE *f = fopen("/etc/group", "re");
    char line[4096];
    int found = 0;
    if (!f)
        return -1;
    while (!found && fgets(line, sizeof line, f)) {
        char *fl[4];
        unsigned long g;
        if (split(line, fl, 4) != 4 || parse_id(fl[2], &g) || strcmp(fl[0], name) != 0)
            continue;
        memset(out, 0, sizeof *out);
        snprintf(out->name, sizeof out->name, "%s", fl[0]);
        out->gid = (gid_t)g;
        snprintf(out->members, sizeof out->members, "%s", fl[3]);
        found = 1;
    }
    fclose(f);
    return found;
}

int cordon__gr_has_member(const struct cordon__gr *gr, const struct cordon__pw *user)
{
    const char *p = gr->members;
    size_t n = strlen(user->name);
    if (user->gid == gr->gid)
        return 1;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, user->name, n) == 0)
            return 1;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

int cordon__gid_only_for(gid_t gid, uid_t uid)
{
    FILE *f = fopen("/etc/passwd", "re");
    char line[4096], name[64] = "";
    int only = 1;
    if (!f)
        return -1;
    while (only && fgets(line, sizeof line, f)) {
        char *fl[7];
        unsigned long u, g;
        if (split(line, fl, 7) != 7 || parse_id(fl[2], &u) || parse_id(fl[3], &g))
            continue;
        if ((uid_t)u == uid)
            snprintf(name, sizeof name, "%s", fl[0]);
        else if ((gid_t)g == gid)
            only = 0; /* another account's primary group */
    }
    fclose(f);
    if (!only)
        return 0;
    if (!(f = fopen("/etc/group", "re")))
        return -1;
    while (only && fgets(line, sizeof line, f)) {
        char *fl[4], *p;
        unsigned long g;
        if (split(line, fl, 4) != 4 || parse_id(fl[2], &g) || (gid_t)g != gid)
            continue;
        /* Every listed member but |uid|'s own name. */
        for (p = fl[3]; *p && only;) {
            size_t len = strcspn(p, ",");
            if (len && !(name[0] && strlen(name) == len && strncmp(p, name, len) == 0))
                only = 0;
            p += len;
            if (*p == ',')
                p++;
        }
    }
    fclose(f);
    return only;
}
