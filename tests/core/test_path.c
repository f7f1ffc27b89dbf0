/* Lexical path rules for both OSes. */
#include "harness.h"
#include "internal.h"

static void norm(enum cordon__os os, const char *in, const char *want)
{
    char *got = cordon__path_normalize(os, in);
    CHECK_MSG(got && !strcmp(got, want), "normalize(%s) = %s, want %s", in, got ? got : "(null)", want);
    free(got);
}

int main(void)
{
    const enum cordon__os L = CORDON__OS_LINUX, W = CORDON__OS_WINDOWS;

    /* A failure may wrap the message before it (cordon_last_error() as
     * an argument of cordon__fail). */
    cordon__fail(CORDON_ERR_IO, "inner %d", 1);
    CHECK(cordon__fail(CORDON_ERR_PATH, "outer: %s; then %s", cordon_last_error(), "more") ==
          CORDON_ERR_PATH);
    CHECK_STR(cordon_last_error(), "outer: inner 1; then more");

    norm(L, "/a/./b//c/", "/a/b/c");
    norm(L, "/a/b/../../..", "/");
    norm(L, "/", "/");
    norm(L, "a/../..", "..");
    norm(L, "../../a", "../../a");
    norm(L, "./", ".");
    norm(W, "C:/x/y\\..\\z", "C:\\x\\z");
    norm(W, "C:\\..", "C:\\");
    norm(W, "\\\\srv\\share\\a\\..\\b", "\\\\srv\\share\\b");

    CHECK(cordon__path_is_absolute(L, "/x") && !cordon__path_is_absolute(L, "x"));
    CHECK(cordon__path_is_absolute(W, "c:\\x") && cordon__path_is_absolute(W, "D:/x"));
    CHECK(cordon__path_is_absolute(W, "\\\\srv\\share\\x"));
    CHECK(!cordon__path_is_absolute(W, "x\\y") && !cordon__path_is_absolute(W, "C:x"));

    CHECK(cordon__path_within(L, "/a/b", "/a") && cordon__path_within(L, "/a", "/a"));
    CHECK(!cordon__path_within(L, "/ab", "/a") && !cordon__path_within(L, "/a", "/a/b"));
    CHECK(cordon__path_within(L, "/anything", "/"));
    CHECK(cordon__path_within(W, "c:\\Work\\X", "C:\\work") && !cordon__path_within(W, "C:\\workx", "C:\\work"));
    CHECK(cordon__path_within(W, "C:\\x", "C:\\"));

    CHECK_STR_FREE(cordon__path_expand_home(L, "~/.ssh", "/home/u"), "/home/u/.ssh");
    CHECK_STR_FREE(cordon__path_expand_home(L, "$HOME", "/home/u"), "/home/u");
    CHECK_STR_FREE(cordon__path_expand_home(L, "~bob/x", "/home/u"), "~bob/x");
    CHECK_STR_FREE(cordon__path_expand_home(L, "$HOMEX/y", "/home/u"), "$HOMEX/y");
    CHECK_STR_FREE(cordon__path_expand_home(W, "~\\.aws", "C:\\Users\\u"), "C:\\Users\\u\\.aws");
    CHECK(cordon__path_expand_home(L, "~/x", NULL) == NULL);
    CHECK(cordon__glob_match("*TOKEN*", "GITHUB_TOKEN", 0) && cordon__glob_match("*TOKEN*", "TOKEN", 0));
    CHECK(cordon__glob_match("AWS_*", "AWS_", 0) && !cordon__glob_match("AWS_*", "XAWS_A", 0));
    CHECK(cordon__glob_match("*_KEY", "A_B_KEY", 0) && !cordon__glob_match("*_KEY", "A_KEYS", 0));
    CHECK(cordon__glob_match("a?c", "abc", 0) && !cordon__glob_match("a?c", "ac", 0));
    CHECK(!cordon__glob_match("*token*", "GITHUB_TOKEN", 0) && cordon__glob_match("*token*", "GITHUB_TOKEN", 1));
    CHECK(cordon__glob_match("*", "", 0) && !cordon__glob_match("", "x", 0));
    CHECK(cordon__path_is_safe_relative(L, ".git") && cordon__path_is_safe_relative(L, "a/b"));
    CHECK(!cordon__path_is_safe_relative(L, "a/../../b") && !cordon__path_is_safe_relative(L, "/x"));
    CHECK(!cordon__path_is_safe_relative(L, "") && !cordon__path_is_safe_relative(L, ".."));
    CHECK(!cordon__path_is_safe_relative(W, "C:x") && !cordon__path_is_safe_relative(W, "\\x"));
    CHECK(!cordon__path_is_safe_relative(W, "a\\..\\..\\b"));

    CHECK_STR_FREE(cordon__path_join(L, "/a/", "b"), "/a/b");
    CHECK_STR_FREE(cordon__path_join(W, "C:\\a", "b"), "C:\\a\\b");
    CHECK_STR_FREE(cordon__path_translate(W, "/work/app"), "C:\\work\\app");
    CHECK_STR_FREE(cordon__path_translate(L, "C:\\work\\app"), "/work/app");
    TEST_MAIN_END();
}
