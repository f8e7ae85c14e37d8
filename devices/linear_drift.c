/* linear_drift: Strukov et al., Nature 453 (2008), eqs. 5-7, with the windows of
 * device-models.md §1.2 (Joglekar, Biolek, Prodromakis; MemTorch's broken
 * variants are not reproduced, §1.2/§8). x = w/D, x = 1 is R_ON:
 *   R(x) = R_ON x + R_OFF (1 - x),  i = v/R(x),  dx/dt = mu_v R_ON/D^2 * i * f(x, i). */
#include "devices/devices_internal.h"

#include <math.h>
#include <stddef.h>

typedef struct {
    double ron, roff, d, mu_v;
    double window, p, j;
    XB_DEVICE__WRITE_FIELDS;
} ld_params;

enum { W_NONE = 0, W_JOGLEKAR = 1, W_BIOLEK = 2, W_PRODROMAKIS = 3 };

/* HP set of Strukov Fig. 2b (§1.3): k = mu_v R_ON/D^2 = 1e4 /(A s), t0 = 10 ms at 1 V. */
static const ld_params ld_defaults = {
    .ron = 100.0, .roff = 16e3, .d = 10e-9, .mu_v = 1e-14,
    .window = W_NONE, .p = 1.0, .j = 1.0,
    .v_read = 0.1, .v_up = 1.0, .v_down = -1.0, .t_pulse = 1e-3, .t_edge = 1e-5,
};

static const xb_device_param ld_table[] = {
    {"ron", "ohm", offsetof(ld_params, ron), "R_ON (x = 1)"},
    {"roff", "ohm", offsetof(ld_params, roff), "R_OFF (x = 0)"},
    {"d", "m", offsetof(ld_params, d), "film thickness D"},
    {"mu_v", "m^2/(V s)", offsetof(ld_params, mu_v), "dopant mobility"},
    {"window", "1", offsetof(ld_params, window), "0 none, 1 Joglekar, 2 Biolek, 3 Prodromakis"},
    {"p", "1", offsetof(ld_params, p), "window exponent p"},
    {"j", "1", offsetof(ld_params, j), "Prodromakis window scale j"},
    XB_DEVICE__WRITE_TABLE(ld_params),
};

static double ld_r(const ld_params *p, double x)
{
    x = xb_device__clamp(x, 0.0, 1.0); /* §0: clamp the state the I-V sees */
    return p->ron * x + p->roff * (1.0 - x);
}

static double window(const ld_params *p, double x, double i)
{
    switch ((int)p->window) {
    case W_JOGLEKAR: /* |.| keeps non-integer p defined (the papers use integers) */
        return 1.0 - pow(fabs(2.0 * x - 1.0), 2.0 * p->p);
    case W_BIOLEK: {
        double stp = -i >= 0.0 ? 1.0 : 0.0;
        return 1.0 - pow(fabs(x - stp), 2.0 * p->p);
    }
    case W_PRODROMAKIS:
        return p->j * (1.0 - pow((x - 0.5) * (x - 0.5) + 0.75, p->p));
    default:
        /* no window: stopped at the bound it is pushed against (asymmetric
         * rectangular window, Biolek et al. 2021), smoothed for the integrator */
        return i > 0.0 ? xb_device__gate(1.0 - x) : xb_device__gate(x);
    }
}

static int ld_rhs(const void *params, size_t stride, size_t n, double t, const double *state,
                  const double *v, double *dstate_out)
{
    (void)t;
    for (size_t k = 0; k < n; k++) {
        const ld_params *p = xb_device__params_at(params, stride, k);
        double x = state[k];
        if (x < -XB_DEVICE_STATE_SLACK || x > 1.0 + XB_DEVICE_STATE_SLACK || !isfinite(x)) {
            return 1;
        }
        double i = v[k] / ld_r(p, x);
        double xc = xb_device__clamp(x, 0.0, 1.0);
        dstate_out[k] = p->mu_v * p->ron / (p->d * p->d) * i * window(p, xc, i);
    }
    return 0;
}

/* d window / dx at a state inside [0, 1] */
static double window_dx(const ld_params *p, double x, double i)
{
    double q = 2.0 * p->p;
    switch ((int)p->window) {
    case W_JOGLEKAR: {
        double u = 2.0 * x - 1.0;
        return -2.0 * q * pow(fabs(u), q - 1.0) * (u < 0.0 ? -1.0 : 1.0);
    }
    case W_BIOLEK: {
        double u = x - (-i >= 0.0 ? 1.0 : 0.0);
        return -q * pow(fabs(u), q - 1.0) * (u < 0.0 ? -1.0 : 1.0);
    }
    case W_PRODROMAKIS: {
        double u = (x - 0.5) * (x - 0.5) + 0.75;
        return -p->j * p->p * pow(u, p->p - 1.0) * 2.0 * (x - 0.5);
    }
    default:
        if (i > 0.0) {
            return (1.0 - x > 0.0 && 1.0 - x < XB_DEVICE_GATE_WIDTH) ? -1.0 / XB_DEVICE_GATE_WIDTH : 0.0;
        }
        return (x > 0.0 && x < XB_DEVICE_GATE_WIDTH) ? 1.0 / XB_DEVICE_GATE_WIDTH : 0.0;
    }
}

/* d(dx/dt)/dx = K (di/dx f + i df/dx), di/dx = -v R'/R^2; 0 outside [0, 1],
 * where the clamped state the model sees does not move. */
static int ld_jacobian(const void *params, size_t stride, size_t n, double t, const double *state,
                       const double *v, double *jdiag_out)
{
    (void)t;
    for (size_t k = 0; k < n; k++) {
        const ld_params *p = xb_device__params_at(params, stride, k);
        double x = state[k];
        if (!(x > 0.0 && x < 1.0)) {
            jdiag_out[k] = 0.0;
            continue;
        }
        double r = ld_r(p, x), i = v[k] / r;
        double di = -v[k] * (p->ron - p->roff) / (r * r);
        jdiag_out[k] = p->mu_v * p->ron / (p->d * p->d) * (di * window(p, x, i) + i * window_dx(p, x, i));
    }
    return 0;
}

static int ld_current(const void *params, size_t stride, size_t n, const double *state,
                      const double *v, double *i_out)
{
    for (size_t k = 0; k < n; k++) {
        i_out[k] = v[k] / ld_r(xb_device__params_at(params, stride, k), state[k]);
    }
    return 0;
}

static int ld_conductance(const void *params, size_t stride, size_t n, const double *state,
                          double *g_out)
{
    for (size_t k = 0; k < n; k++) {
        g_out[k] = 1.0 / ld_r(xb_device__params_at(params, stride, k), state[k]);
    }
    return 0;
}

/* Windows that vanish at a bound would hold a device programmed exactly there
 * forever (the stick effect, §1.2): keep programmed states just inside. */
#define STICK_MARGIN 1e-6

static int ld_set_conductance(const void *params, size_t stride, size_t n, const double *g,
                              double *state_out)
{
    for (size_t k = 0; k < n; k++) {
        const ld_params *p = xb_device__params_at(params, stride, k);
        double r = 1.0 / g[k];
        double x = xb_device__clamp((p->roff - r) / (p->roff - p->ron), 0.0, 1.0);
        int w = (int)p->window;
        if (w == W_JOGLEKAR || w == W_PRODROMAKIS) {
            x = xb_device__clamp(x, STICK_MARGIN, 1.0 - STICK_MARGIN);
        }
        state_out[k] = x;
    }
    return 0;
}

static void ld_bounds(const void *params, double *gmin_out, double *gmax_out)
{
    const ld_params *p = params;
    *gmin_out = 1.0 / p->roff;
    *gmax_out = 1.0 / p->ron;
}

static int ld_derive(void *params)
{
    ld_params *p = params;
    if (!(p->ron > 0.0) || !(p->roff > p->ron) || !isfinite(p->roff)) {
        return xb__error_set(XB_EINVAL, "linear_drift: need 0 < ron (%g ohm) < roff (%g ohm)", p->ron, p->roff);
    }
    if (!(p->d > 0.0) || !(p->mu_v > 0.0)) {
        return xb__error_set(XB_EINVAL, "linear_drift: d (%g m) and mu_v (%g) must be > 0", p->d, p->mu_v);
    }
    if (p->window != floor(p->window) || p->window < 0 || p->window > 3) {
        return xb__error_set(XB_EINVAL, "linear_drift: window (%g) must be 0, 1, 2 or 3", p->window);
    }
    if (!(p->p > 0.0) || !(p->j > 0.0)) {
        return xb__error_set(XB_EINVAL, "linear_drift: p (%g) and j (%g) must be > 0", p->p, p->j);
    }
    return xb_device__check_write("linear_drift", p->v_read, p->v_up, p->v_down, p->t_pulse, p->t_edge);
}

static const xb_device_type ld_type = {
    .name = "linear_drift",
    .doc = "linear ion drift (Strukov et al. Nature 2008) with Joglekar/Biolek/Prodromakis windows",
    .n_state = 1,
    .params_size = sizeof(ld_params),
    .default_params = &ld_defaults,
    .params = ld_table,
    .n_params = (int)(sizeof ld_table / sizeof ld_table[0]),
    .conductance = ld_conductance,
    .set_conductance = ld_set_conductance,
    .bounds = ld_bounds,
    .rhs = ld_rhs,
    .current = ld_current,
    .jacobian = ld_jacobian,
    .derive = ld_derive,
};

const xb_device_type *const xb_device_linear_drift = &ld_type;
