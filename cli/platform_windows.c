#include <windows.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <shellapi.h>
#include <stdlib.h>

#include "platform.h"

/* The C runtime's argv is in the ANSI code page; cordon speaks UTF-8, so
 * rebuild argv from the UTF-16 command line. Lives until exit. */
int cli_platform_args(int *argc, char ***argv)
{
    int n = 0, i;
    LPWSTR *wargv = CommandLineToArgvW(GetCommandLineW(), &n);
    char **out;
    if (!wargv)
        return -1;
    out = calloc((size_t)n + 1, sizeof *out);
    if (!out) {
        LocalFree(wargv);
        return -1;
    }
    for (i = 0; i < n; i++) {
        int len = WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, NULL, 0, NULL, NULL);
        out[i] = len > 0 ? malloc((size_t)len) : NULL;
        if (!out[i] || WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, out[i], len, NULL, NULL) <= 0) {
            LocalFree(wargv);
            return -1;
        }
    }
    LocalFree(wargv);
    SetConsoleOutputCP(CP_UTF8);
    *argc = n;
    *argv = out;
    return 0;
}

FILE *cli_platform_open_report(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        snprintf(err, errlen, "cannot open the report %s (fopen: errno %d, %s)", path, errno,
                 strerror(errno));
    return f;
}
