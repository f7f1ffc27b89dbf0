/* The elevated tier's secrets_read facts: the DACL of every deny_read path
 * of the plan (and of what is below a directory, up to
 * CORDON__WIN_SECRETS_MAX_OBJECTS), and the local groups of the sandbox
 * user the plan runs as. Only reads; core decides
 * (cordon__win_secrets_level). A logon of the sandbox user also carries
 * well-known SIDs (Everyone, Users, Authenticated Users, Interactive, ...),
 * which core adds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <lm.h>

#include "elevated_win.h"
#include "elevated_windows_grants.h"
#include "win.h"

struct store {
    struct cordon__win_secrets_facts facts; /* first: pf->w.secrets points here */
    struct cordon__win_secret_object *objects;
    size_t n_objects;
    struct cordon__strv groups;
    struct cordon__strv strings;            /* paths and errors the objects point at */
    char groups_error[200];
    char *truncated;
};

static const char *keep(struct store *s, char *str)
{
    if (!str || cordon__strv_push_owned(&s->strings, str) != CORDON_OK)
        return NULL;
    return str;
}

/* One object: its owner and DACL, or the error. 0, or -1 when there is
 * no room left (the deny path |root| is then recorded as truncated). */
static int add_object(struct store *s, const char *root, const char *path, const char *error)
{
    struct cordon__win_secret_object *o;
    struct cordon__win_dacl_ace *aces = NULL;
    char why[300];
    size_t n = 0;
    if (s->n_objects >= CORDON__WIN_SECRETS_MAX_OBJECTS) {
        if (!s->truncated)
            s->truncated = cordon__strdup(root);
        return -1;
    }
    o = &s->objects[s->n_objects++];
    memset(o, 0, sizeof *o);
    o->path = keep(s, cordon__strdup(path));
    if (!o->path) {
        o->path = root;
        o->error = "out of memory";
        return 0;
    }
    if (error) {
        o->error = error;
        return 0;
    }
    if (cordon__win_read_sd(path, o->owner, &o->dacl_present, &aces, &n, why, sizeof why) != 0) {
        o->error = keep(s, cordon__strdup(why));
        if (!o->error)
            o->error = "its security descriptor cannot be read";
        return 0;
    }
    o->aces = aces;
    o->n_aces = n;
    return 0;
}

/* Everything below |dir|, depth first, never through a junction or link
 * (its target is another object whose DACL was not read: the object is
 * then an error, so the level is not enforced). */
static int walk(struct store *s, const char *root, const char *dir, int depth)
{
    char *pattern = cordon__asprintf("%s\\*", dir);
    wchar_t *wp = pattern ? cordon__win_wide_long(pattern) : NULL;
    WIN32_FIND_DATAW fd;
    HANDLE h;
    int rc = 0;
    free(pattern);
    h = wp ? FindFirstFileW(wp, &fd) : INVALID_HANDLE_VALUE;
    free(wp);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        if (e != ERROR_FILE_NOT_FOUND && e != ERROR_NO_MORE_FILES)
            return add_object(s, root, dir,
                              keep(s, cordon__asprintf("its entries cannot be listed "
                                                       "(FindFirstFileW: error %lu)",
                                                       (unsigned long)e)));
        return 0;
    }
    do {
        char *name, *path;
        if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0)
            continue;
        name = cordon__win_utf8(fd.cFileName);
        path = name ? cordon__asprintf("%s\\%s", dir, name) : NULL;
        free(name);
        if (!path) {
            rc = add_object(s, root, dir, "out of memory");
        } else if (fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) {
            rc = add_object(s, root, path, "a junction or symbolic link: what it points to was "
                                           "not checked");
        } else {
            rc = add_object(s, root, path, NULL);
            if (rc == 0 && (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
                if (depth >= 16)
                    rc = add_object(s, root, path, "nested too deep to be checked");
                else
                    rc = walk(s, root, path, depth + 1);
            }
        }
        free(path);
    } while (rc == 0 && FindNextFileW(h, &fd));
    FindClose(h);
    return rc;
}

/* The local groups of |user| (direct and through other local groups) by
 * SID, and the sandbox group the marker records. */
static void groups(struct store *s, const char *user, const char *sandbox_group_sid)
{
    wchar_t *w = cordon__win_wide(user);
    LOCALGROUP_USERS_INFO_0 *g = NULL;
    DWORD read = 0, total = 0, i;
    NET_API_STATUS st;
    if (sandbox_group_sid && sandbox_group_sid[0])
        cordon__strv_push(&s->groups, sandbox_group_sid);
    st = w ? NetUserGetLocalGroups(NULL, w, 0, LG_INCLUDE_INDIRECT, (LPBYTE *)&g,
                                   MAX_PREFERRED_LENGTH, &read, &total)
           : ERROR_NOT_ENOUGH_MEMORY;
    free(w);
    if (st != NERR_Success) {
        snprintf(s->groups_error, sizeof s->groups_error,
                 "NetUserGetLocalGroups(%s): error %lu", user, (unsigned long)st);
        return;
    }
    for (i = 0; i < read; i++) {
        char *name = cordon__win_utf8(g[i].lgrui0_name), sid[184];
        if (name && cordon__win_account_sid(name, SidTypeAlias, sid))
            cordon__strv_push(&s->groups, sid);
        else if (name && !cordon__win_account_sid(name, SidTypeWellKnownGroup, sid))
            snprintf(s->groups_error, sizeof s->groups_error,
                     "local group %s of %s has no SID here", name, user);
        else if (name)
            cordon__strv_push(&s->groups, sid);
        free(name);
    }
    NetApiBufferFree(g);
}

void cordon__win_elevated_secrets(const struct cordon__plan *plan, struct cordon__win_probe_facts *pf)
{
    const struct cordon__marker *m = pf->f.marker;
    const struct cordon__account *who;
    struct store *s;
    size_t i;

    pf->w.secrets = NULL;
    if (!m || plan->n_deny_listed == 0)
        return;
    s = cordon__xcalloc(1, sizeof *s);
    if (s)
        s->objects = cordon__xcalloc(CORDON__WIN_SECRETS_MAX_OBJECTS, sizeof *s->objects);
    if (!s || !s->objects) {
        free(s);
        return;
    }
    who = plan->network ? &m->online : &m->offline;
    groups(s, who->name, m->sandbox_group.id);
    for (i = 0; i < plan->n_deny && !s->truncated; i++) {
        if (add_object(s, plan->deny[i].path, plan->deny[i].path, NULL) == 0 &&
            plan->deny[i].kind == CORDON__PATH_DIR)
            walk(s, plan->deny[i].path, plan->deny[i].path, 1);
    }
    s->facts.user_sid = who->id;
    s->facts.groups = (const char *const *)s->groups.v;
    s->facts.n_groups = s->groups.n;
    s->facts.groups_error = s->groups_error[0] ? s->groups_error : NULL;
    s->facts.objects = s->objects;
    s->facts.n_objects = s->n_objects;
    s->facts.truncated = s->truncated;
    pf->w.secrets = &s->facts;
}

void cordon__win_elevated_secrets_free(struct cordon__win_probe_facts *pf)
{
    struct store *s = (struct store *)(void *)pf->w.secrets;
    size_t i;
    if (!s)
        return;
    for (i = 0; i < s->n_objects; i++)
        free((void *)s->objects[i].aces);
    free(s->objects);
    cordon__strv_free(&s->groups);
    cordon__strv_free(&s->strings);
    free(s->truncated);
    free(s);
    pf->w.secrets = NULL;
}
