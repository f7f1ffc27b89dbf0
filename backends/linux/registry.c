/* The Linux backends, in the order selection tries them: the elevated
 * tier when cordon-setup made it ready, then the unelevated sandbox, then
 * linux-direct, which is ready for the full-access policy only. */
#include "linux.h"

static const struct cordon_backend *const registry[] = {
    &cordon__backend_linux_elevated,
    &cordon__backend_linux_unelevated,
    &cordon__backend_linux_direct,
    NULL,
};

const struct cordon_backend *const *cordon__os_backends(void)
{
    return registry;
}
