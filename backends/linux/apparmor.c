/* AppArmor's restriction of unprivileged user namespaces (Ubuntu 23.10
 * and later): where kernel.apparmor_restrict_unprivileged_userns is 1, a
 * process may use a user namespace it creates only under a profile that
 * allows it (the "userns," rule); any other process gets one whose
 * capabilities are taken away, so no mount succeeds in it. cordon-setup
 * installs such a profile for cordon-runner there (setup/linux/steps.c),
 * the probe explains a runner without namespaces by it, and the profile's
 * text is decided here so that install and verify agree on it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "elevated_linux.h"

int cordon__apparmor_userns_restricted(const char *proc_sys)
{
    char path[4096], buf[16];
    ssize_t n;
    int fd;

    if (snprintf(path, sizeof path, "%s/kernel/apparmor_restrict_unprivileged_userns",
                 proc_sys) >= (int)sizeof path)
        return -1;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1; /* no such sysctl: no such restriction */
    do
        n = read(fd, buf, sizeof buf - 1);
    while (n < 0 && errno == EINTR);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    /* One digit, then at most a newline. */
    if ((buf[0] != '0' && buf[0] != '1') || (buf[1] != '\0' && strcmp(buf + 1, "\n") != 0))
        return -1;
    return buf[0] == '1';
}

const char *cordon__apparmor_profile_text(void)
{
    /* Unconfined but for the one permission the restriction withholds:
     * the runner gains nothing else, and what it runs keeps every other
     * restriction (the sandbox user, no capabilities, no_new_privs,
     * Landlock, seccomp). A local addition goes in local/cordon-runner. */
    return "# Written by cordon-setup (cordon-setup uninstall removes it).\n"
           "# This host restricts unprivileged user namespaces through AppArmor;\n"
           "# cordon-runner makes them, as the sandbox user, to confine the\n"
           "# commands it runs (mount view, protected paths, private /tmp).\n"
           "abi <abi/4.0>,\n"
           "include <tunables/global>\n"
           "\n"
           "profile " CORDON__APPARMOR_PROFILE_NAME " " CORDON__RUNNER_PATH
           " flags=(unconfined) {\n"
           "  userns,\n"
           "\n"
           "  include if exists <local/" CORDON__APPARMOR_PROFILE_NAME ">\n"
           "}\n";
}
