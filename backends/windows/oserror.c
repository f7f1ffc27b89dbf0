/* The Win32 error mapping, UTF-8/UTF-16 conversion and Wine detection. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "win.h"

#ifndef ERROR_ELEVATION_REQUIRED
#define ERROR_ELEVATION_REQUIRED 740L
#endif

cordon_error cordon__win_error(DWORD err)
{
    switch (err) {
    case ERROR_SUCCESS:
        return CORDON_OK;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return CORDON_ERR_NO_MEMORY;
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_WRITE_PROTECT:
    case ERROR_ELEVATION_REQUIRED:
        return CORDON_ERR_PERMISSION;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
    case ERROR_BAD_PATHNAME:
    case ERROR_FILENAME_EXCED_RANGE:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME:
    case ERROR_DIRECTORY:
    case ERROR_CANT_RESOLVE_FILENAME:
        return CORDON_ERR_PATH;
    case ERROR_BAD_EXE_FORMAT:
    case ERROR_EXE_MACHINE_TYPE_MISMATCH:
    case ERROR_BAD_FORMAT:
    case ERROR_EXE_MARKED_INVALID:
        return CORDON_ERR_NOT_EXECUTABLE;
    case ERROR_INVALID_PARAMETER:
    case ERROR_INVALID_HANDLE:
        return CORDON_ERR_INVALID_ARGUMENT;
    case ERROR_NOT_SUPPORTED:
    case ERROR_CALL_NOT_IMPLEMENTED:
    case ERROR_PROC_NOT_FOUND:
        return CORDON_ERR_UNSUPPORTED;
    case ERROR_READ_FAULT:
    case ERROR_WRITE_FAULT:
    case ERROR_HANDLE_EOF:
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
        return CORDON_ERR_IO;
    default:
        return CORDON_ERR_OS;
    }
}

char *cordon__win_code_text(DWORD code)
{
    wchar_t *wtext = NULL;
    char *text = NULL;
    DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                 FORMAT_MESSAGE_IGNORE_INSERTS,
                             NULL, code, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT),
                             (LPWSTR)&wtext, 0, NULL);
    if (n > 0 && wtext)
        text = cordon__win_utf8(wtext);
    if (wtext)
        LocalFree(wtext);
    if (text) {
        /* FormatMessage ends its text with ".\r\n"; the message forms
         * ("..., text)") read better without. */
        size_t len = strlen(text);
        while (len > 0 && (text[len - 1] == '\r' || text[len - 1] == '\n' ||
                           text[len - 1] == ' ' || text[len - 1] == '.'))
            text[--len] = '\0';
        if (!*text) {
            free(text);
            text = NULL;
        }
    }
    return text;
}

cordon_error cordon__win_fail(const char *what, const char *call, DWORD err)
{
    char *text = cordon__win_code_text(err);
    cordon_error e;

    /* Errors whose fix is not in the system's text. */
    if (text && err == ERROR_PRIVILEGE_NOT_HELD) {
        char *t = cordon__asprintf("%s; this step needs a privilege the account does not hold "
                                   "(an administrator can grant it, or run cordon's elevated "
                                   "setup)", text);
        if (t) {
            free(text);
            text = t;
        }
    } else if (text && err == ERROR_ELEVATION_REQUIRED) {
        char *t = cordon__asprintf("%s; the program's manifest asks for administrator rights, "
                                   "which a sandboxed command never gets: run a build of it "
                                   "without requireAdministrator, or run it outside cordon",
                                   text);
        if (t) {
            free(text);
            text = t;
        }
    }
    e = cordon__fail_os(cordon__win_error(err), what, call, "error", (long)err,
                        text && *text ? text : "unknown error");
    free(text);
    return e;
}

cordon_error cordon__win_failf(const char *call, DWORD err, const char *fmt, ...)
{
    va_list ap;
    char *what;
    cordon_error e;

    va_start(ap, fmt);
    what = cordon__vasprintf(fmt, ap);
    va_end(ap);
    e = cordon__win_fail(what ? what : fmt, call, err);
    free(what);
    return e;
}

wchar_t *cordon__win_wide(const char *utf8)
{
    int n;
    wchar_t *w;

    if (!utf8)
        return NULL;
    n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    w = malloc((size_t)n * sizeof *w);
    if (!w)
        return NULL;
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, w, n) != n) {
        free(w);
        return NULL;
    }
    return w;
}

wchar_t *cordon__win_wide_long(const char *utf8)
{
    char *v = cordon__win_verbatim_path(utf8);
    wchar_t *w = v ? cordon__win_wide(v) : NULL;
    free(v);
    return w;
}

char *cordon__win_dir_of(UINT(WINAPI *get)(LPWSTR, UINT))
{
    UINT need = get(NULL, 0), got;
    wchar_t *buf;
    char *out;

    /* The size may change between the two calls (never in practice for
     * the system directories): the second call must fit. */
    if (need == 0 || (buf = malloc(((size_t)need + 1) * sizeof *buf)) == NULL)
        return NULL;
    got = get(buf, need + 1);
    out = got > 0 && got <= need ? cordon__win_utf8(buf) : NULL;
    free(buf);
    return out;
}

char *cordon__win_utf8(const wchar_t *wide)
{
    int n;
    char *s;

    if (!wide)
        return NULL;
    n = WideCharToMultiByte(CP_UTF8, 0, wide, -1, NULL, 0, NULL, NULL);
    if (n <= 0)
        return NULL;
    s = malloc((size_t)n);
    if (!s)
        return NULL;
    if (WideCharToMultiByte(CP_UTF8, 0, wide, -1, s, n, NULL, NULL) != n) {
        free(s);
        return NULL;
    }
    return s;
}

typedef const char *(__cdecl *wine_get_version_fn)(void);

const char *cordon__win_wine_version(void)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    FARPROC p = ntdll ? GetProcAddress(ntdll, "wine_get_version") : NULL;
    wine_get_version_fn fn;

    if (!p)
        return NULL;
    /* A FARPROC is cast through a generic function pointer type. */
    fn = (wine_get_version_fn)(void (*)(void))p;
    return fn();
}

int cordon__win_is_wine(void)
{
    return cordon__win_wine_version() != NULL;
}
