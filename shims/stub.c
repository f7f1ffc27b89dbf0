/*
 * The network stub: installed as ssh and scp (ssh.exe, scp.exe) in a
 * directory put first on PATH when network is off, so that tools which
 * reach for them fail at once and say why, instead of hanging on a
 * blocked connection. A real executable, so that CreateProcess("ssh ...")
 * finds it too. Exits 255 like ssh on a connection failure.
 */
#include <stdio.h>
#include <string.h>

#define STUB_EXIT 255

/* The name this copy was invoked as: the last path part, without ".exe". */
static void own_name(const char *argv0, char *out, size_t outsz)
{
    const char *base = argv0 ? argv0 : "";
    const char *p;
    size_t n;

    for (p = base; *p; p++) {
        if (*p == '/' || *p == '\\')
            base = p + 1;
    }
    n = strlen(base);
    if (n > 4 && (strcmp(base + n - 4, ".exe") == 0 || strcmp(base + n - 4, ".EXE") == 0))
        n -= 4;
    if (n == 0) {
        base = "ssh";
        n = 3;
    }
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, base, n);
    out[n] = '\0';
}

int main(int argc, char **argv)
{
    char name[64];
    own_name(argc > 0 ? argv[0] : NULL, name, sizeof name);
    fprintf(stderr, "cordon: network access is disabled in this sandbox (%s)\n", name);
    return STUB_EXIT;
}
