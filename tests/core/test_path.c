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
    char *j;

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

    j = cordon__path_expand_home(L, "~/.ssh", "/home/u");
    CHECK_STR(j, "/home/u/.ssh");
    free(j);
    j = cordon__path_expand_home(L, "$HOME", "/home/u");
    CHECK_STR(j, "/home/u");
    free(j);
    j = cordon__path_expand_home(L, "~bob/x", "/home/u");
    CHECK_STR(j, "~bob/x");
    free(j);
    j = cordon__path_expand_home(L, "$HOMEX/y", "/home/u");
    CHECK_STR(j, "$HOMEX/y");
    free(j);
    j = cordon__path_expand_home(W, "~\\.aws", "C:\\Users\\u");
    CHECK_STR(j, "C:\\Users\\u\\.aws");
    free(j);
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

    j = cordon__path_join(L, "/a/", "b");
    CHECK_STR(j, "/a/b");
    free(j);
    j = cordon__path_join(W, "C:\\a", "b");
    CHECK_STR(j, "C:\\a\\b");
    free(j);
    j = cordon__path_translate(W, "/work/app");
    CHECK_STR(j, "C:\\work\\app");
    free(j);
    j = cordon__path_translate(L, "C:\\work\\app");
    CHECK_STR(j, "/work/app");
    free(j);
    TEST_MAIN_END();
}
