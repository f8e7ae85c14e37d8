/* ideal: a bounded linear device with a constant step (Gmax - Gmin)/(levels - 1)
 * per pulse, i.e. finite levels; NeuroSim's IdealDevice defaults
 * (device-models.md §5.1: Gmax 5e-6 S, Gmin 100e-9 S, 64 levels). */
#include "devices/devices_internal.h"

#include <math.h>
#include <stddef.h>

typedef xb_device_ideal_params ideal_params;
XB_DEVICE__G_HEAD_CHECK(ideal_params);

static const ideal_params ideal_defaults = {.gmin = 100e-9, .gmax = 5e-6, .levels = 64.0};

static const xb_device_param ideal_table[] = {
    {"gmin", "S", offsetof(ideal_params, gmin), "lowest conductance"},
    {"gmax", "S", offsetof(ideal_params, gmax), "highest conductance"},
    {"levels", "1", offsetof(ideal_params, levels), "conductance levels, >= 2 (step = range/(levels-1))"},
};

static double ideal_step(const ideal_params *p) { return (p->gmax - p->gmin) / (p->levels - 1.0); }


/* Nearest level: a device with finite levels can only sit on one. */
static int ideal_set_conductance(const void *params, size_t stride, size_t n, const double *g,
                                 double *state_out)
{
    for (size_t k = 0; k < n; k++) {
        const ideal_params *p = xb_device__params_at(params, stride, k);
        double step = ideal_step(p);
        double level = nearbyint((xb_device__clamp(g[k], p->gmin, p->gmax) - p->gmin) / step);
        state_out[k] = xb_device__clamp(p->gmin + level * step, p->gmin, p->gmax);
    }
    return 0;
}


static int ideal_pulse(const void *params, size_t stride, size_t n, double *state,
                       const int32_t *npulses)
{
    for (size_t k = 0; k < n; k++) {
        if (npulses[k] == 0) {
            continue;
        }
        const ideal_params *p = xb_device__params_at(params, stride, k);
        state[k] = xb_device__clamp(state[k] + npulses[k] * ideal_step(p), p->gmin, p->gmax);
    }
    return 0;
}

static double ideal_pulses_full_range(const void *params)
{
    return ((const ideal_params *)params)->levels - 1.0;
}

static int ideal_derive(void *params)
{
    ideal_params *p = params;
    if (!(p->gmin >= 0.0) || !isfinite(p->gmin)) {
        return xb__error_set(XB_EINVAL, "ideal: gmin (%g S) must be >= 0", p->gmin);
    }
    if (!(p->gmax > p->gmin) || !isfinite(p->gmax)) {
        return xb__error_set(XB_EINVAL, "ideal: gmax (%g S) must be > gmin (%g S)", p->gmax,
                             p->gmin);
    }
    if (!(p->levels >= 2.0) || p->levels != floor(p->levels) || p->levels > 1e9) {
        return xb__error_set(XB_EINVAL, "ideal: levels (%g) must be an integer >= 2", p->levels);
    }
    return 0;
}

static const xb_device_type ideal_type = {
    .name = "ideal",
    .doc = "bounded linear device, constant step (Gmax-Gmin)/(levels-1) (NeuroSim IdealDevice)",
    .n_state = 1,
    .params_size = sizeof(ideal_params),
    .default_params = &ideal_defaults,
    .params = ideal_table,
    .n_params = (int)(sizeof ideal_table / sizeof ideal_table[0]),
    .conductance = xb_device__g_conductance,
    .set_conductance = ideal_set_conductance,
    .bounds = xb_device__g_bounds,
    .pulse = ideal_pulse,
    .pulses_full_range = ideal_pulses_full_range,
    .derive = ideal_derive,
};

const xb_device_type *const xb_device_ideal = &ideal_type;
