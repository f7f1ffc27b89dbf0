/* The Linux backends, in the order selection tries them: the unelevated
 * sandbox first, then linux-direct, which is ready for the full-access
 * policy only (an elevated backend will go in front). */
#include "linux.h"

static const struct cordon_backend *const registry[] = {
    &cordon__backend_linux_unelevated,
    &cordon__backend_linux_direct,
    NULL,
};

const struct cordon_backend *const *cordon__os_backends(void)
{
    return registry;
}
