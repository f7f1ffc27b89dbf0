#include "internal.h"

cordon_error cordon__plan_windows_compile(struct cordon__plan *plan, const struct cordon__host *host)
{
    (void)plan;
    (void)host;
    return CORDON_OK;
}

void cordon__plan_windows_free(struct cordon__plan_windows *lp)
{
    (void)lp;
}

void cordon__plan_windows_json(const struct cordon__plan_windows *lp, struct cordon__json *j)
{
    (void)lp;
    cordon__json_begin_object(j);
    cordon__json_end_object(j);
}
