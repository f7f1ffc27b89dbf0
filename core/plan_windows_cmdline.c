/* Command lines and environment blocks for Windows, as portable code: the
 * rules are those of CommandLineToArgvW (which the MS C runtime follows for
 * the arguments after the program name) and of cmd.exe, and the order the
 * Windows environment block must have. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int needs_quotes(const char *arg)
{
    if (*arg == '\0')
        return 1;
    return strpbrk(arg, " \t\n\v\"") != NULL;
}

/* Inside quotes, a run of backslashes is literal unless a '"' follows it
 * (the run is then halved) or the closing quote follows it: so such runs
 * are doubled, and a '"' in the argument becomes \". */
void cordon__win_quote_arg(struct cordon__buf *b, const char *arg)
{
    const char *p = arg;

    if (!needs_quotes(arg)) {
        cordon__buf_puts(b, arg);
        return;
    }
    cordon__buf_add(b, "\"", 1);
    while (*p) {
        size_t n = 0, i;
        while (p[n] == '\\')
            n++;
        if (p[n] == '\0') {
            for (i = 0; i < 2 * n; i++)
                cordon__buf_add(b, "\\", 1);
            p += n;
            break;
        }
        if (p[n] == '"') {
            for (i = 0; i < 2 * n + 1; i++)
                cordon__buf_add(b, "\\", 1);
            cordon__buf_add(b, "\"", 1);
        } else {
            for (i = 0; i < n; i++)
                cordon__buf_add(b, "\\", 1);
            cordon__buf_add(b, p + n, 1);
        }
        p += n + 1;
    }
    cordon__buf_add(b, "\"", 1);
}

char *cordon__win_cmdline(const char *const *argv)
{
    struct cordon__buf b = {0};
    char *out;
    size_t i;

    if (!argv || !argv[0] || !argv[0][0]) {
        cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "empty command");
        return NULL;
    }
    /* The program name ends at the first '"' after an opening one, with no
     * escapes: a name containing '"' cannot be written. */
    if (strchr(argv[0], '"')) {
        cordon__fail(CORDON_ERR_INVALID_ARGUMENT,
                     "a program name cannot contain '\"' on Windows: %s", argv[0]);
        return NULL;
    }
    if (strpbrk(argv[0], " \t")) {
        cordon__buf_add(&b, "\"", 1);
        cordon__buf_puts(&b, argv[0]);
        cordon__buf_add(&b, "\"", 1);
    } else {
        cordon__buf_puts(&b, argv[0]);
    }
    for (i = 1; argv[i]; i++) {
        cordon__buf_add(&b, " ", 1);
        cordon__win_quote_arg(&b, argv[i]);
    }
    out = cordon__buf_take(&b);
    if (!out)
        cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory building a command line");
    return out;
}

/* Characters that need no protection from cmd.exe or from a batch file's
 * argument splitting (which also splits on ',', ';' and '='). */
static int batch_safe(const char *arg)
{
    const char *p;
    if (*arg == '\0')
        return 0;
    for (p = arg; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("_-./:\\+@", c) || c >= 0x80))
            return 0;
    }
    return 1;
}

/* cmd.exe expands %NAME% even inside quotes. "%%cd:~,%" keeps a literal
 * '%': cmd reads the first '%' as a lone percent sign, and %cd:~,% is an
 * empty substring of %CD%, so no variable name can form across it. */
static void batch_percent(struct cordon__buf *b)
{
    cordon__buf_puts(b, "%%cd:~,%");
}

/* Inside a quoted batch argument every '"' is doubled, so cmd's quote
 * state toggles back on at once and the metacharacters & | < > ( ) ^ stay
 * inside a quoted region; backslash runs before a quote are doubled for
 * programs that later split the line with CommandLineToArgvW. */
static void batch_quote_arg(struct cordon__buf *b, const char *arg)
{
    const char *p;

    if (batch_safe(arg)) {
        cordon__buf_puts(b, arg);
        return;
    }
    cordon__buf_add(b, "\"", 1);
    for (p = arg; *p; p++) {
        if (*p == '\\') {
            size_t n = 0, i;
            while (p[n] == '\\')
                n++;
            for (i = 0; i < ((p[n] == '"' || p[n] == '\0') ? 2 * n : n); i++)
                cordon__buf_add(b, "\\", 1);
            p += n - 1;
        } else if (*p == '"') {
            cordon__buf_add(b, "\"\"", 2);
        } else if (*p == '%') {
            batch_percent(b);
        } else {
            cordon__buf_add(b, p, 1);
        }
    }
    cordon__buf_add(b, "\"", 1);
}

char *cordon__win_cmdline_batch(const char *cmd_exe, const char *script, const char *const *argv)
{
    struct cordon__buf b = {0};
    const char *p;
    char *out;
    size_t i;

    if (!cmd_exe || !script || strchr(script, '"') || strchr(cmd_exe, '"')) {
        cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "a batch file path cannot contain '\"'");
        return NULL;
    }
    for (i = 1; argv && argv[0] && argv[i]; i++) {
        if (strpbrk(argv[i], "\r\n")) {
            cordon__fail(CORDON_ERR_INVALID_ARGUMENT,
                         "argument %lu contains a line break, which cannot be passed to a "
                         "batch file (%s)", (unsigned long)i, script);
            return NULL;
        }
    }
    /* /d: no AutoRun commands; /e:on /v:off: fixed expansion rules
     * whatever the registry says; /s /c "...": cmd strips exactly the
     * outer quotes and runs the rest. */
    cordon__buf_add(&b, "\"", 1);
    cordon__buf_puts(&b, cmd_exe);
    cordon__buf_puts(&b, "\" /e:on /v:off /d /s /c \"\"");
    for (p = script; *p; p++) {
        if (*p == '%')
            batch_percent(&b);
        else
            cordon__buf_add(&b, p, 1);
    }
    cordon__buf_add(&b, "\"", 1);
    for (i = 1; argv && argv[0] && argv[i]; i++) {
        cordon__buf_add(&b, " ", 1);
        batch_quote_arg(&b, argv[i]);
    }
    cordon__buf_add(&b, "\"", 1);
    out = cordon__buf_take(&b);
    if (!out)
        cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory building a command line");
    return out;
}

cordon_error cordon__win_split_cmdline(const char *cmdline, struct cordon__strv *out)
{
    struct cordon__buf arg = {0};
    const char *p = cmdline;
    cordon_error e = CORDON_OK;
    char *s;

    if (!p || !*p)
        return CORDON_OK;
    /* The program name: up to the closing quote, or the first blank. */
    if (*p == '"') {
        const char *end = strchr(p + 1, '"');
        size_t n = end ? (size_t)(end - p - 1) : strlen(p + 1);
        s = cordon__strndup(p + 1, n);
        p = end ? end + 1 : p + 1 + n;
    } else {
        size_t n = strcspn(p, " \t");
        s = cordon__strndup(p, n);
        p += n;
    }
    if (!s || (e = cordon__strv_push_owned(out, s)) != CORDON_OK)
        return s ? e : CORDON_ERR_NO_MEMORY;

    for (;;) {
        int quoted = 0, have = 0;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        arg.len = 0;
        cordon__buf_add(&arg, "", 0);
        while (*p && (quoted || (*p != ' ' && *p != '\t'))) {
            if (*p == '\\') {
                size_t n = 0, i;
                while (p[n] == '\\')
                    n++;
                if (p[n] == '"') {
                    for (i = 0; i < n / 2; i++)
                        cordon__buf_add(&arg, "\\", 1);
                    if (n % 2) {
                        cordon__buf_add(&arg, "\"", 1);
                        p += n + 1;
                    } else {
                        p += n;
                    }
                } else {
                    for (i = 0; i < n; i++)
                        cordon__buf_add(&arg, "\\", 1);
                    p += n;
                }
                have = 1;
            } else if (*p == '"') {
                have = 1;
                if (quoted && p[1] == '"') {
                    /* "" inside quotes: a literal quote. */
                    cordon__buf_add(&arg, "\"", 1);
                    p += 2;
                } else {
                    quoted = !quoted;
                    p++;
                }
            } else {
                cordon__buf_add(&arg, p, 1);
                p++;
                have = 1;
            }
        }
        if (arg.oom) {
            e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory splitting a command line");
            goto done;
        }
        (void)have;
        if ((e = cordon__strv_push(out, arg.p ? arg.p : "")) != CORDON_OK)
            goto done;
    }
done:
    cordon__buf_free(&arg);
    return e;
}

static int upper(int c)
{
    return (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c;
}

/* The name ends at the first '=' after the first character ("=C:=C:\x"
 * is named "=C:"). */
static size_t name_len(const char *s)
{
    const char *eq = *s ? strchr(s + 1, '=') : NULL;
    return eq ? (size_t)(eq - s) : strlen(s);
}

static int env_cmp(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t nx = name_len(x), ny = name_len(y), i;

    for (i = 0; i < nx && i < ny; i++) {
        int cx = upper((unsigned char)x[i]), cy = upper((unsigned char)y[i]);
        if (cx != cy)
            return cx < cy ? -1 : 1;
    }
    if (nx != ny)
        return nx < ny ? -1 : 1;
    return strcmp(x, y);
}

cordon_error cordon__win_env_block_order(struct cordon__strv *env)
{
    size_t i;

    for (i = 0; i < env->n; i++) {
        size_t n = name_len(env->v[i]);
        if (env->v[i][n] == '=' && strcmp(env->v[i] + n + 1, "/dev/null") == 0) {
            char *r = cordon__asprintf("%.*s=NUL", (int)n, env->v[i]);
            if (!r)
                return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory ordering the environment");
            free(env->v[i]);
            env->v[i] = r;
        }
    }
    if (env->n > 1)
        qsort(env->v, env->n, sizeof env->v[0], env_cmp);
    return CORDON_OK;
}
