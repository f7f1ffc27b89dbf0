"""Prints the uids named in the POSIX ACLs (access and default) of each
path given, one "path uid" line per named user entry."""
import os, struct, sys

for path in sys.argv[1:]:
    for name in ("system.posix_acl_access", "system.posix_acl_default"):
        try:
            raw = os.getxattr(path, name, follow_symlinks=False)
        except OSError:
            continue
        for off in range(4, len(raw), 8):
            tag, perm, uid = struct.unpack("<HHI", raw[off:off + 8])
            if tag == 0x02:
                print(path, uid)
