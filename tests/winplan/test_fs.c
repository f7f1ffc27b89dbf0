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
    TEST_MAIN_END();
}
