/* File capabilities as text (backends/linux/elevated.h), read from the
 * "security.capability" extended attribute without libcap, so that the
 * statically linked cordon can check the runner. The text has libcap's
 * form, so that what setup sets through libcap reads back the same. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>

#include "elevated_linux.h"

/* The kernel's vfs_cap_data (linux/capability.h): a little-endian
 * magic_etc word, then permitted/inheritable pairs of 32-bit words, then
 * (revision 3) the root uid of a namespaced capability. */
#define VFS_CAP_REVISION_MASK 0xFF000000u
#define VFS_CAP_REVISION_2 0x02000000u
#define VFS_CAP_REVISION_3 0x03000000u
#define VFS_CAP_FLAGS_EFFECTIVE 0x000001u

static const char *const cap_names[] = {
    "cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid",
    "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable",
    "cap_net_bind_service", "cap_net_broadcast", "cap_net_admin", "cap_net_raw",
    "cap_ipc_lock", "cap_ipc_owner", "cap_sys_module", "cap_sys_rawio", "cap_sys_chroot",
    "cap_sys_ptrace", "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
    "cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease",
    "cap_audit_write", "cap_audit_control", "cap_setfcap", "cap_mac_override",
    "cap_mac_admin", "cap_syslog", "cap_wake_alarm", "cap_block_suspend", "cap_audit_read",
    "cap_perfmon", "cap_bpf", "cap_checkpoint_restore",
};

static void names(uint64_t mask, char *buf, size_t n, size_t *used)
{
    int bit, first = 1;
    for (bit = 0; bit < 64; bit++) {
        int k;
        if (!(mask & (1ull << bit)))
            continue;
        if ((size_t)bit < sizeof cap_names / sizeof cap_names[0])
            k = snprintf(buf + *used, n - *used, "%s%s", first ? "" : ",", cap_names[bit]);
        else
            k = snprintf(buf + *used, n - *used, "%scap_%d", first ? "" : ",", bit);
        if (k > 0 && (size_t)k < n - *used)
            *used += (size_t)k;
        first = 0;
    }
}

static void add(char *buf, size_t n, size_t *used, const char *s)
{
    int k = snprintf(buf + *used, n - *used, "%s", s);
    if (k > 0 && (size_t)k < n - *used)
        *used += (size_t)k;
}

void cordon__caps_text(uint64_t permitted, uint64_t inheritable, int effective, uint32_t rootid,
                       char *buf, size_t n)
{
    size_t used = 0;
    uint64_t all = permitted | inheritable;
    buf[0] = '\0';
    if (!all)
        return;
    /* libcap groups capabilities with the same flags: "a,b=p c=ip". */
    {
        uint64_t groups[3];
        const char *flags[3];
        int i, any = 0;
        groups[0] = permitted & ~inheritable;
        flags[0] = effective ? "=ep" : "=p";
        groups[1] = permitted & inheritable;
        flags[1] = effective ? "=eip" : "=ip";
        groups[2] = inheritable & ~permitted;
        flags[2] = "=i";
        for (i = 0; i < 3; i++) {
            if (!groups[i])
                continue;
            if (any)
                add(buf, n, &used, " ");
            names(groups[i], buf, n, &used);
            add(buf, n, &used, flags[i]);
            any = 1;
        }
    }
    if (rootid) {
        char r[32];
        snprintf(r, sizeof r, " [rootid=%u]", rootid);
        add(buf, n, &used, r);
    }
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int cordon__file_caps_text(int fd, char *buf, size_t n)
{
    unsigned char raw[24];
    ssize_t len = fgetxattr(fd, "security.capability", raw, sizeof raw);
    uint32_t magic, rev, rootid = 0;
    uint64_t perm, inh;

    buf[0] = '\0';
    if (len < 0)
        return errno == ENODATA ? 0 : errno;
    if (len < 4)
        return EINVAL;
    magic = le32(raw);
    rev = magic & VFS_CAP_REVISION_MASK;
    if (!((rev == VFS_CAP_REVISION_2 && len == 20) || (rev == VFS_CAP_REVISION_3 && len == 24)))
        return EINVAL; /* revision 1 (32-bit masks) is not written since Linux 2.6.25 */
    perm = (uint64_t)le32(raw + 4) | (uint64_t)le32(raw + 12) << 32;
    inh = (uint64_t)le32(raw + 8) | (uint64_t)le32(raw + 16) << 32;
    if (rev == VFS_CAP_REVISION_3)
        rootid = le32(raw + 20);
    cordon__caps_text(perm, inh, (magic & VFS_CAP_FLAGS_EFFECTIVE) != 0, rootid, buf, n);
    return 0;
}
