/* The AppArmor detection (backends/linux/apparmor.c) fed fake /proc/sys
 * trees: this host cannot exercise the restriction itself (it is an
 * Ubuntu 23.10+ policy), so each answer the file may give is made here:
 * restricted, not restricted, absent (kernels and distributions without
 * the sysctl), unreadable and garbled. Also the profile's text: the one
 * permission it grants, for the runner's path only. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elevated_linux.h"
#include "harness.h"

static char root[PATH_MAX];

/* Writes |text| as the sysctl under the fake root (NULL: removes it). */
static void put(const char *text)
{
    char path[PATH_MAX + 64];
    FILE *f;
    snprintf(path, sizeof path, "%s/kernel/apparmor_restrict_unprivileged_userns", root);
    unlink(path);
    if (!text)
        return;
    f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

int main(void)
{
    char tmpl[] = "cordon-test-apparmor-XXXXXX", kernel[PATH_MAX + 16];
    const char *p;
    char *d = mkdtemp(tmpl);

    if (!d || !realpath(d, root))
        SKIP("cannot make a directory in the build tree");
    snprintf(kernel, sizeof kernel, "%s/kernel", root);
    CHECK(mkdir(kernel, 0755) == 0);

    put("1\n");
    CHECK(cordon__apparmor_userns_restricted(root) == 1);
    put("1");
    CHECK(cordon__apparmor_userns_restricted(root) == 1);
    put("0\n");
    CHECK(cordon__apparmor_userns_restricted(root) == 0);
    /* No such sysctl: no such restriction. */
    put(NULL);
    CHECK(cordon__apparmor_userns_restricted(root) == 0);
    CHECK(cordon__apparmor_userns_restricted("/nonexistent/cordon-test") == 0);
    /* Anything else is not guessed at. */
    put("");
    CHECK(cordon__apparmor_userns_restricted(root) == -1);
    put("2\n");
    CHECK(cordon__apparmor_userns_restricted(root) == -1);
    put("1 0\n");
    CHECK(cordon__apparmor_userns_restricted(root) == -1);
    put(NULL);
    {
        /* A directory where the file should be cannot be read. */
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/kernel/apparmor_restrict_unprivileged_userns", root);
        CHECK(mkdir(path, 0755) == 0);
        CHECK(cordon__apparmor_userns_restricted(root) == -1);
        rmdir(path);
    }
    /* This host, whatever it says, gives one of the three answers. */
    {
        int here = cordon__apparmor_userns_restricted("/proc/sys");
        CHECK(here == 0 || here == 1);
    }

    /* The profile: for the runner's path, allowing user namespaces and
     * nothing beyond the unconfined default. */
    p = cordon__apparmor_profile_text();
    CHECK(strstr(p, "profile cordon-runner /usr/local/libexec/cordon/cordon-runner "
                    "flags=(unconfined) {") != NULL);
    CHECK(strstr(p, "\n  userns,\n") != NULL);
    CHECK(strstr(p, "abi <abi/4.0>,") != NULL);
    CHECK(strstr(p, "capability") == NULL);

    rmdir(kernel);
    rmdir(root);
    TEST_MAIN_END();
}
