/* circuits: the table of read backends, looked up by name from scenarios. */
#include "circuits/circuits_internal.h"

#include <string.h>

const xb_solver_type *xb_solver_find(const char *name)
{
    if (name == NULL) {
        return NULL;
    }
    const xb_solver_type *const all[] = {xb_solver_ideal, xb_solver_nodal, xb_solver_nodal_klu,
                                         xb_solver_spice, xb_solver_nodal_fast};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
        if (strcmp(all[k]->name, name) == 0) {
            return all[k];
        }
    }
    return NULL;
}
