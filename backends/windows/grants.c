/* cordon grants list/revoke: the persistent ACEs of cordon's capability
 * SIDs. */
#include "win.h"

cordon_error cordon__os_grants_list(struct cordon__json *j)
{
    cordon__json_begin_array(j);
    cordon__json_end_array(j);
    return CORDON_OK;
}

cordon_error cordon__os_grants_revoke(const char *root)
{
    (void)root;
    return CORDON_OK;
}
