/* Error codes, names and the per-thread detailed message. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static CORDON__THREAD_LOCAL char last_message[1024];

const char *cordon_strerror(cordon_error err)
{
    switch (err) {
    case CORDON_OK: return "success";
    case CORDON_ERR_INVALID_ARGUMENT: return "invalid argument";
    case CORDON_ERR_NO_MEMORY: return "out of memory";
    case CORDON_ERR_POLICY_SYNTAX: return "policy syntax error";
    case CORDON_ERR_POLICY_INVALID: return "invalid policy";
    case CORDON_ERR_PATH: return "path cannot be resolved";
    case CORDON_ERR_PATH_REFUSED: return "path refused as a writable root";
    case CORDON_ERR_NO_BACKEND: return "no sandbox backend available";
    case CORDON_ERR_REQUIREMENT: return "required enforcement level not available";
    case CORDON_ERR_SETUP: return "sandbox setup problem";
    case CORDON_ERR_OS: return "operating system call failed";
    case CORDON_ERR_NOT_FOUND: return "command not found";
    case CORDON_ERR_NOT_EXECUTABLE: return "command cannot be executed";
    case CORDON_ERR_IO: return "input/output error";
    case CORDON_ERR_UNSUPPORTED: return "not supported on this platform";
    case CORDON_ERR_PERMISSION: return "permission denied";
    case CORDON_ERR_TIMEOUT: return "still running after the wait's timeout";
    }
    return "unknown error";
}

const char *cordon_last_error(void)
{
    return last_message;
}

cordon_error cordon__failv(cordon_error code, const char *fmt, va_list ap)
{
    /* Formatted aside first: an argument may be cordon_last_error()
     * itself (the message before, wrapped), and vsnprintf into the
     * buffer it reads from is undefined. */
    char msg[sizeof last_message];
    vsnprintf(msg, sizeof msg, fmt, ap);
    memcpy(last_message, msg, sizeof last_message);
    return code;
}

cordon_error cordon__fail(cordon_error code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cordon__failv(code, fmt, ap);
    va_end(ap);
    return code;
}

cordon_error cordon__fail_os(cordon_error code, const char *what, const char *call,
                             const char *os_label, long os_code, const char *os_text)
{
    char text[256];
    size_t n;

    /* OS texts often end in a period and a newline (FormatMessage). */
    snprintf(text, sizeof text, "%s", os_text ? os_text : "");
    n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ' ||
                     text[n - 1] == '.'))
        text[--n] = '\0';
    return cordon__fail(code, "%s (%s: %s %ld, %s)", what, call, os_label, os_code, text);
}

const char *cordon_version(void)
{
    return CORDON_VERSION_STRING;
}

static const char *const level_names[] = {"none", "advisory", "enforced"};
static const char *const dim_names[] = {"fs_write", "protected_paths", "network",
                                        "secrets_read"};
/* One name per dimension: a new dimension without a name fails to build. */
typedef char dim_names_complete[sizeof dim_names / sizeof dim_names[0] == CORDON_DIM_COUNT ? 1 : -1];
static const char *const tier_names[] = {"none", "unelevated", "elevated"};

const char *cordon_level_name(cordon_level level)
{
    return (unsigned)level < 3 ? level_names[level] : NULL;
}

const char *cordon_dimension_name(cordon_dimension dim)
{
    return (unsigned)dim < CORDON_DIM_COUNT ? dim_names[dim] : NULL;
}

static const char *const denial_names[] = {"network_connect", "network_loopback",
                                           "network_socket", "unix_connect"};
typedef char denial_names_complete[sizeof denial_names / sizeof denial_names[0] ==
                                           CORDON_DENIAL_KIND_COUNT
                                       ? 1
                                       : -1];

const char *cordon_denial_kind_name(cordon_denial_kind kind)
{
    return (unsigned)kind < CORDON_DENIAL_KIND_COUNT ? denial_names[kind] : NULL;
}

const char *cordon_tier_name(cordon_tier tier)
{
    return (unsigned)tier < 3 ? tier_names[tier] : NULL;
}

cordon_error cordon_level_parse(const char *name, cordon_level *out)
{
    int i;
    for (i = 0; name && i < 3; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (cordon_level)i;
            return CORDON_OK;
        }
    }
    return cordon__fail(CORDON_ERR_INVALID_ARGUMENT,
                        "unknown level '%s' (expected none, advisory or enforced)",
                        name ? name : "");
}

cordon_error cordon_dimension_parse(const char *name, cordon_dimension *out)
{
    int i;
    for (i = 0; name && i < CORDON_DIM_COUNT; i++) {
        if (strcmp(name, dim_names[i]) == 0) {
            *out = (cordon_dimension)i;
            return CORDON_OK;
        }
    }
    return cordon__fail(CORDON_ERR_INVALID_ARGUMENT,
                        "unknown dimension '%s' (expected fs_write, protected_paths or network)",
                        name ? name : "");
}
