/* A host known only by its paths, for plans compiled for the other OS
 * (`cordon explain --os`): nothing is read from a filesystem, so roots are
 * taken as written (normalized) and every protected path as missing. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const linux_system_dirs[] = {
    "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/opt", "/proc", "/root",
    "/run", "/sbin", "/srv", "/sys", "/usr", "/var", NULL,
};

static const char *const windows_system_dirs[] = {
    "C:\\", "C:\\Windows", "C:\\Program Files", "C:\\Program Files (x86)", "C:\\ProgramData",
    "C:\\Users", NULL,
};

static enum cordon__os lexical_os;

static cordon_error lexical_realpath(const char *path, char **out)
{
    *out = cordon__path_normalize(lexical_os, path);
    return *out ? CORDON_OK : cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
}

static enum cordon__path_kind lexical_kind(const char *path)
{
    (void)path;
    return CORDON__PATH_MISSING;
}

static cordon_error lexical_read(const char *path, size_t max, char **out)
{
    (void)max;
    (void)out;
    return cordon__fail(CORDON_ERR_UNSUPPORTED, "cannot read %s on a lexical host", path);
}

void cordon__host_lexical(enum cordon__os os, struct cordon__host *out)
{
    lexical_os = os;
    memset(out, 0, sizeof *out);
    out->os = os;
    if (os == CORDON__OS_WINDOWS) {
        out->home = "C:\\Users\\user";
        out->system_dirs = windows_system_dirs;
        out->tmp_base = "C:\\Users\\user\\AppData\\Local\\Temp";
        out->shim_dir = "C:\\Users\\user\\AppData\\Local\\cordon\\shims";
        out->cache_dir = "C:\\Users\\user\\AppData\\Local\\cordon\\tools";
        out->user_sid = "S-1-5-21-0-0-0-1001";
    } else {
        out->home = "/home/user";
        out->system_dirs = linux_system_dirs;
        out->tmp_base = "/tmp";
        out->shim_dir = "/usr/local/libexec/cordon/shims";
        out->cache_dir = "/home/user/.cache/cordon/tools";
    }
    out->run_id = "example";
    out->lexical = 1;
    out->realpath = lexical_realpath;
    out->path_kind = lexical_kind;
    out->read_text = lexical_read;
}

/* This host's path in the other OS's notation, for a cross-OS example:
 * "/work/app" -> "C:\work\app"; "C:\work\app" -> "/work/app". */
char *cordon__path_translate(enum cordon__os to, const char *path)
{
    char *out, *p;
    if (to == CORDON__OS_WINDOWS) {
        out = cordon__asprintf("C:%s", path[0] == '/' ? path : "\\");
        for (p = out; p && *p; p++)
            if (*p == '/')
                *p = '\\';
        return out;
    }
    out = cordon__strdup(strlen(path) >= 2 && path[1] == ':' ? path + 2 : path);
    for (p = out; p && *p; p++)
        if (*p == '\\')
            *p = '/';
    if (out && !*out) {
        free(out);
        out = cordon__strdup("/");
    }
    return out;
}
