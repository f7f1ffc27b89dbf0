/* Portable file decisions of the Windows OS layer: which paths take the
 * verbatim (\\?\) form that passes MAX_PATH, and what a granted mask
 * outside the roots is. */
#include "harness.h"
#include "internal.h"

static void verbatim(const char *in, const char *want)
{
    char *got = cordon__win_verbatim_path(in);
    CHECK_STR(got, want);
    free(got);
}

int main(void)
{
    struct cordon__buf deep = {0};
    char *got;
    int i;

    verbatim("C:\\src\\app", "\\\\?\\C:\\src\\app");
    verbatim("d:\\x", "\\\\?\\d:\\x");
    verbatim("C:\\", "\\\\?\\C:\\");
    verbatim("C:\\dir\\", "\\\\?\\C:\\dir\\");
    verbatim("\\\\server\\share\\dir", "\\\\?\\UNC\\server\\share\\dir");
    verbatim("\\\\server\\share", "\\\\?\\UNC\\server\\share");
    /* Already verbatim, or a device: as they are. */
    verbatim("\\\\?\\C:\\a", "\\\\?\\C:\\a");
    verbatim("\\\\.\\NUL", "\\\\.\\NUL");
    /* Forms Windows normalises and \\?\ would not: left to Windows. */
    verbatim("C:/src/app", "C:/src/app");
    verbatim("C:\\src\\..\\app", "C:\\src\\..\\app");
    verbatim("C:\\src\\.\\app", "C:\\src\\.\\app");
    verbatim("C:\\src\\\\app", "C:\\src\\\\app");
    verbatim("C:\\src\\name.", "C:\\src\\name.");
    verbatim("C:\\src\\name \\x", "C:\\src\\name \\x");
    verbatim("\\\\server", "\\\\server");
    verbatim("\\\\server\\", "\\\\server\\");
    /* Relative, rooted and drive-relative: not absolute. */
    verbatim("src\\app", "src\\app");
    verbatim("\\src", "\\src");
    verbatim("C:src", "C:src");
    verbatim("", "");
    CHECK(cordon__win_verbatim_path(NULL) == NULL);

    /* node_modules nested past MAX_PATH: verbatim, whole. */
    cordon__buf_puts(&deep, "C:\\Users\\me\\AppData\\Local\\Temp\\cordon-run-1");
    for (i = 0; i < 40; i++)
        cordon__buf_puts(&deep, "\\node_modules\\pkg");
    CHECK(deep.len > 260);
    got = cordon__win_verbatim_path(deep.p);
    CHECK(got && strncmp(got, "\\\\?\\C:\\Users", 11) == 0 && strlen(got) == deep.len + 4);
    free(got);
    cordon__buf_free(&deep);

    /* Reading, executing, waiting and reading the security descriptor are
     * no hole; nor is FILE_DELETE_CHILD on a file (it means nothing there). */
    CHECK(cordon__win_hole_kind(0, 1) == CORDON__WIN_HOLE_NONE);
    CHECK(cordon__win_hole_kind(CORDON__WIN_FILE_GENERIC_READ | CORDON__WIN_FILE_GENERIC_EXECUTE,
                                1) == CORDON__WIN_HOLE_NONE);
    CHECK(cordon__win_hole_kind(CORDON__WIN_SYNCHRONIZE | CORDON__WIN_READ_CONTROL, 0) ==
          CORDON__WIN_HOLE_NONE);
    CHECK(cordon__win_hole_kind(CORDON__WIN_FILE_DELETE_CHILD, 0) == CORDON__WIN_HOLE_NONE);
    /* Writes, on directories and files. */
    CHECK(cordon__win_hole_kind(CORDON__WIN_FILE_ADD_FILE, 1) == CORDON__WIN_HOLE_WRITE);
    CHECK(cordon__win_hole_kind(CORDON__WIN_FILE_ADD_SUBDIRECTORY, 1) == CORDON__WIN_HOLE_WRITE);
    CHECK(cordon__win_hole_kind(CORDON__WIN_FILE_WRITE_DATA, 0) == CORDON__WIN_HOLE_WRITE);
    CHECK(cordon__win_hole_kind(CORDON__WIN_FILE_APPEND_DATA, 0) == CORDON__WIN_HOLE_WRITE);
    CHECK(cordon__win_hole_kind(CORDON__WIN_FILE_WRITE_ATTRIBUTES, 0) == CORDON__WIN_HOLE_WRITE);
    CHECK(cordon__win_hole_kind(CORDON__WIN_FILE_WRITE_EA, 1) == CORDON__WIN_HOLE_WRITE);
    CHECK(cordon__win_hole_kind(CORDON__WIN_WRITE_DAC, 0) == CORDON__WIN_HOLE_WRITE);
    CHECK(cordon__win_hole_kind(CORDON__WIN_WRITE_OWNER, 1) == CORDON__WIN_HOLE_WRITE);
    CHECK(cordon__win_hole_kind(0x001f01ffUL /* FILE_ALL_ACCESS */, 0) == CORDON__WIN_HOLE_WRITE);
    /* Grants of DELETE alone, or FILE_DELETE_CHILD on a directory. */
    CHECK(cordon__win_hole_kind(CORDON__WIN_DELETE, 0) == CORDON__WIN_HOLE_DELETE);
    CHECK(cordon__win_hole_kind(CORDON__WIN_DELETE | CORDON__WIN_FILE_GENERIC_READ, 1) ==
          CORDON__WIN_HOLE_DELETE);
    CHECK(cordon__win_hole_kind(CORDON__WIN_FILE_DELETE_CHILD, 1) == CORDON__WIN_HOLE_DELETE);
    /* A write and a delete: the write is what is said. */
    CHECK(cordon__win_hole_kind(CORDON__WIN_DELETE | CORDON__WIN_FILE_WRITE_DATA, 0) ==
          CORDON__WIN_HOLE_WRITE);

    /* DACLs in SDDL: explicit ACEs kept in order, inherited ones dropped,
     * conditional ACEs (nested parentheses, quotes) whole. */
    {
        const char *cord = "S-1-5-21-1668248164-1-2-3-4-5-6";
        struct cordon__strv aces = {0};
        char *flags = NULL, *sddl, *out;
        int exact = -1;
        sddl = cordon__asprintf("D:PAI(A;OICI;FA;;;%s)(D;;WD;;;S-1-5-21-1-2-3-1001)"
                                "(XA;;FA;;;WD;(@User.x == \"a)b\"))(A;OICIID;FA;;;SY)",
                                cord);
        CHECK(cordon__win_sddl_dacl_parse(sddl, &flags, &aces) == CORDON_OK);
        CHECK_STR(flags, "PAI");
        CHECK(aces.n == 3);
        if (aces.n == 3) {
            CHECK(strncmp(aces.v[0], "(A;OICI;FA;;;S-1-5-21-1668248164-", 32) == 0);
            CHECK_STR(aces.v[1], "(D;;WD;;;S-1-5-21-1-2-3-1001)");
            CHECK_STR(aces.v[2], "(XA;;FA;;;WD;(@User.x == \"a)b\"))");
        }
        free(flags);
        cordon__strv_free(&aces);
        /* The original as recorded: no cordon ACE, no inherited ACE. */
        out = cordon__win_sddl_without_cordon(sddl);
        CHECK_STR(out, "D:PAI(D;;WD;;;S-1-5-21-1-2-3-1001)(XA;;FA;;;WD;(@User.x == \"a)b\"))");
        free(out);
        free(sddl);
        CHECK(cordon__win_sddl_dacl_parse("O:BA", &flags, &aces) != CORDON_OK);
        CHECK(cordon__win_sddl_dacl_parse("D:(A;;FA;;;WD", &flags, &aces) != CORDON_OK);
        cordon__strv_free(&aces);
        CHECK(cordon__win_sddl_dacl_parse("D:NO_ACCESS_CONTROL", &flags, &aces) == CORDON_OK);
        CHECK_STR(flags, "NO_ACCESS_CONTROL");
        CHECK(aces.n == 0);
        free(flags);
        cordon__strv_free(&aces);

        /* Nothing changed but cordon's ACEs (SetEntriesInAclW put the
         * deny first and the user's non-canonical order was lost): the
         * original comes back exactly, order and protection included. */
        {
            const char *orig = "D:P(A;OICI;FA;;;S-1-5-21-1-2-3-1001)(D;;DC;;;WD)";
            char *cur = cordon__asprintf("D:PAI(D;;DC;;;WD)(D;OICI;0x10156;;;%s)"
                                         "(A;OICI;FA;;;S-1-5-21-1-2-3-1001)"
                                         "(A;OICI;0x1301bf;;;%s)(A;OICIID;FA;;;SY)",
                                         cord, cord);
            out = cordon__win_sddl_restore(orig, cur, &exact);
            CHECK_STR(out, orig);
            CHECK(exact == 1);
            free(out);
            free(cur);
            /* The user added an ACE since: it stays, cordon's go, the
             * current order and flags are kept. */
            cur = cordon__asprintf("D:AI(D;;DC;;;WD)(A;OICI;0x1301bf;;;%s)"
                                   "(A;OICI;FA;;;S-1-5-21-1-2-3-1001)(A;;FR;;;BU)",
                                   cord);
            out = cordon__win_sddl_restore(orig, cur, &exact);
            CHECK_STR(out, "D:AI(D;;DC;;;WD)(A;OICI;FA;;;S-1-5-21-1-2-3-1001)(A;;FR;;;BU)");
            CHECK(exact == 0);
            free(out);
            free(cur);
            /* The user removed one: not brought back. */
            cur = cordon__asprintf("D:AI(A;OICI;0x1301bf;;;%s)(A;OICI;FA;;;S-1-5-21-1-2-3-1001)",
                                   cord);
            out = cordon__win_sddl_restore(orig, cur, &exact);
            CHECK_STR(out, "D:AI(A;OICI;FA;;;S-1-5-21-1-2-3-1001)");
            CHECK(exact == 0);
            free(out);
            free(cur);
            /* The user protected (or unprotected) the DACL since: that
             * stays too. */
            cur = cordon__asprintf("D:(A;OICI;FA;;;S-1-5-21-1-2-3-1001)(D;;DC;;;WD)"
                                   "(A;OICI;0x1301bf;;;%s)", cord);
            out = cordon__win_sddl_restore(orig, cur, &exact);
            CHECK_STR(out, "D:(A;OICI;FA;;;S-1-5-21-1-2-3-1001)(D;;DC;;;WD)");
            CHECK(exact == 0);
            free(out);
            free(cur);
            /* A NULL DACL now (everyone full access) is never replaced. */
            out = cordon__win_sddl_restore("D:AI", "D:NO_ACCESS_CONTROL", &exact);
            CHECK_STR(out, "D:NO_ACCESS_CONTROL");
            CHECK(exact == 0);
            free(out);
            /* A duplicate ACE counts: multisets, not sets. */
            out = cordon__win_sddl_restore("D:(A;;FR;;;BU)(A;;FR;;;BU)", "D:(A;;FR;;;BU)", &exact);
            CHECK(exact == 0);
            free(out);
            CHECK(cordon__win_sddl_restore("garbage", "D:", &exact) == NULL);
        }
    }
    TEST_MAIN_END();
}
