/* Ops shared by the pulse-level models, whose state is the conductance itself
 * and whose parameter struct begins with `double gmin, gmax;`. */
#include "devices/devices_internal.h"

#include <string.h>

int xb_device__g_conductance(const void *params, size_t stride, size_t n, const double *state,
                             double *g_out)
{
    (void)params;
    (void)stride;
    memcpy(g_out, state, n * sizeof *g_out);
    return 0;
}

int xb_device__g_set_clamped(const void *params, size_t stride, size_t n, const double *g,
                             double *state_out)
{
    for (size_t k = 0; k < n; k++) {
        const xb_device__g_head *p = xb_device__params_at(params, stride, k);
        state_out[k] = xb_device__clamp(g[k], p->gmin, p->gmax);
    }
    return 0;
}

void xb_device__g_bounds(const void *params, double *gmin_out, double *gmax_out)
{
    const xb_device__g_head *p = params;
    *gmin_out = p->gmin;
    *gmax_out = p->gmax;
}
