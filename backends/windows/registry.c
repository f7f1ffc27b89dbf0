/* The Windows backends, in the order selection tries them: the elevated
 * tier when cordon-setup made it ready, then the unelevated sandbox, then the
 * unrestricted launch that only full-access plans get. */
#include "win.h"

extern const struct cordon_backend cordon__backend_windows_elevated;
extern const struct cordon_backend cordon__backend_windows_unelevated;
extern const struct cordon_backend cordon__backend_windows_direct;

static const struct cordon_backend *const registry[] = {
    &cordon__backend_windows_elevated,
    &cordon__backend_windows_unelevated,
    &cordon__backend_windows_direct,
    NULL,
};

const struct cordon_backend *const *cordon__os_backends(void)
{
    return registry;
}
