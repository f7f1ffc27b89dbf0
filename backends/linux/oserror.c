#include <errno.h>
#include <string.h>

#include "linux.h"

cordon_error cordon__errno_to_error(int err)
{
    switch (err) {
    case 0:
        return CORDON_OK;
    case ENOMEM:
        return CORDON_ERR_NO_MEMORY;
    case EACCES:
    case EPERM:
    case EROFS:
        return CORDON_ERR_PERMISSION;
    case ENOENT:
    case ENOTDIR:
    case ELOOP:
    case ENAMETOOLONG:
        return CORDON_ERR_PATH;
    case EINVAL:
        return CORDON_ERR_INVALID_ARGUMENT;
    case ENOSYS:
    case EOPNOTSUPP:
        return CORDON_ERR_UNSUPPORTED;
    case EIO:
        return CORDON_ERR_IO;
    default:
        return CORDON_ERR_OS;
    }
}

cordon_error cordon__sys_fail(const char *what, const char *call, int err)
{
    return cordon__fail_os(cordon__errno_to_error(err), what, call, "errno", err, strerror(err));
}
