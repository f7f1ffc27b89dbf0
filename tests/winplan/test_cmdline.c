/* Command-line quoting for CommandLineToArgvW and for cmd.exe: fixed
 * expectations written from the documented rules, and round trips of
 * tricky argument vectors through the splitter (the Wine tests repeat the
 * round trips against the real CommandLineToArgvW). */
#include "harness.h"
#include "internal.h"

static char *quote1(const char *arg)
{
    struct cordon__buf b = {0};
    cordon__win_quote_arg(&b, arg);
    return cordon__buf_take(&b);
}

static void check_quote(const char *arg, const char *want)
{
    char *q = quote1(arg);
    CHECK_STR(q, want);
    free(q);
}

static void round_trip(const char *const *argv)
{
    struct cordon__strv back = {0};
    char *line = cordon__win_cmdline(argv);
    size_t n = 0, i;

    CHECK_MSG(line != NULL, "%s", cordon_last_error());
    if (!line)
        return;
    while (argv[n])
        n++;
    CHECK(cordon__win_split_cmdline(line, &back) == CORDON_OK);
    CHECK_MSG(back.n == n, "%s: %lu args back, %lu sent", line, (unsigned long)back.n,
              (unsigned long)n);
    for (i = 0; i < n && i < back.n; i++)
        CHECK_STR(back.v[i], argv[i]);
    cordon__strv_free(&back);
    free(line);
}

int main(void)
{
    static const char *const v1[] = {"prog", "a b", "", "\"", "a\\\\b", "c\\", "d\\\\",
                                     "e\\\"f", "tab\there", "\\\\server\\share\\", NULL};
    static const char *const v2[] = {"C:\\Program Files\\x.exe", "--flag=\"quoted value\"",
                                     "end with space ", " lead", "\\\"", "\\\\\"", NULL};
    static const char *const v3[] = {"git", "commit", "-m", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac",
                                     "\xf0\x9f\x98\x80", "100%", "a&b|c<d>e^f", NULL};
    static const char *const v4[] = {"x", "\"\"", "\"a\" \"b\"", "\\", "\\\\", "a\\ b\\", NULL};
    static const char *const bad[] = {"a\"b", "x", NULL};
    static const char *const empty[] = {NULL};
    char *s;

    check_quote("plain", "plain");
    check_quote("", "\"\"");
    check_quote("a b", "\"a b\"");
    check_quote("a\"b", "\"a\\\"b\"");
    check_quote("a\\b", "a\\b");            /* no quotes needed: backslashes literal */
    check_quote("a b\\", "\"a b\\\\\"");     /* trailing backslash doubled before the quote */
    check_quote("a\\\"b c", "\"a\\\\\\\"b c\""); /* \" -> \\\" */
    check_quote("C:\\dir\\", "C:\\dir\\");

    round_trip(v1);
    round_trip(v2);
    round_trip(v3);
    round_trip(v4);

    s = cordon__win_cmdline(v2);
    CHECK(s && strncmp(s, "\"C:\\Program Files\\x.exe\" ", 25) == 0);
    free(s);
    CHECK(cordon__win_cmdline(bad) == NULL);
    CHECK(cordon__win_cmdline(empty) == NULL);

    /* cmd.exe: metacharacters stay inside quotes, %VAR% cannot expand,
     * quotes are doubled, line breaks are refused. */
    {
        static const char *const b1[] = {"t.cmd", "plain", "a b", "a&b", "%PATH%", "say \"hi\"",
                                         "", "x,y", NULL};
        static const char *const b2[] = {"t.cmd", "two\nlines", NULL};
        s = cordon__win_cmdline_batch("C:\\Windows\\system32\\cmd.exe", "C:\\w\\t.cmd", b1);
        CHECK_STR(s, "\"C:\\Windows\\system32\\cmd.exe\" /e:on /v:off /d /s /c "
                     "\"\"C:\\w\\t.cmd\" plain \"a b\" \"a&b\" \"%%cd:~,%PATH%%cd:~,%\" "
                     "\"say \"\"hi\"\"\" \"\" \"x,y\"\"");
        free(s);
        s = cordon__win_cmdline_batch("C:\\Windows\\system32\\cmd.exe", "C:\\w\\t.cmd", b2);
        CHECK(s == NULL);
        CHECK_CONTAINS(cordon_last_error(), "line break");
        s = cordon__win_cmdline_batch("C:\\Windows\\system32\\cmd.exe", "C:\\100%\\t.cmd", empty);
        CHECK_STR(s, "\"C:\\Windows\\system32\\cmd.exe\" /e:on /v:off /d /s /c "
                     "\"\"C:\\100%%cd:~,%\\t.cmd\"\"");
        free(s);
    }
    TEST_MAIN_END();
}
