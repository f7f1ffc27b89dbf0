/* Portable file decisions of the Windows OS layer: which paths take the
 * verbatim (\\?\) form that passes MAX_PATH. */
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
    TEST_MAIN_END();
}
