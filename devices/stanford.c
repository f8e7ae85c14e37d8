/* stanford_pku: the Stanford-PKU RRAM model (Guan, Yu, Wong 2012; Jiang et
 * al. 2014 release v1.0.0 and IEEE TED 63(5) 2016; device-models.md §4.1):
 *   dg/dt = -v0 exp(-Ea/(kB T)) sinh(gamma a0/t_ox * q V/(kB T))
 *   gamma = gamma0 - beta (g/1 nm)^alpha,  gamma := 0 if gamma |V|/t_ox < F_min
 *   (alpha = 3 in v1.0.0; TED 2016 fits alpha and separate SET/RESET gamma0, beta)
 *   T = T0 + |V I| R_th,   I = I0 exp(-g/g0) sinh(V/V0)
 * g is the filament gap in [g_min, g_max]; SET at V > 0 shrinks it (G up).
 * The deterministic part only: the stochastic gap term of the dynamic model
 * (§4.1 eq. 2-3) is the block's c2c. v1.0.0's gamma_ini = 16 for V < 0 and
 * its integrator wind-up past the bounds are not reproduced (§8).
 * State s = (g_max - g)/(g_max - g_min): s = 1 is the smallest gap (LRS). */
#include "devices/devices_internal.h"

#include <math.h>
#include <stddef.h>

#define KB_OVER_Q 8.617333262e-5 /* Boltzmann constant in eV/K */

typedef struct {
    double g0, v0_iv, i0, vel0, beta, gamma0, ea, a0, t0, f_min, t_ox, r_th, g_min, g_max;
    double alpha, gamma0_reset, beta_reset;
    XB_DEVICE__WRITE_FIELDS;
} sp_params;

/* v1.0.0 code defaults (§4.2); g in m. Write pulse: above the F_min field
 * threshold (gamma0 |V|/t_ox > 1.4e9 V/m needs |V| > 1.05 V). */
static const sp_params sp_defaults = {
    .g0 = 0.25e-9, .v0_iv = 0.25, .i0 = 1e-3, .vel0 = 10.0, .beta = 0.8, .gamma0 = 16.0,
    .ea = 0.6, .a0 = 0.25e-9, .t0 = 298.0, .f_min = 1.4e9, .t_ox = 12e-9, .r_th = 2.1e3,
    .g_min = 0.2e-9, .g_max = 1.7e-9,
    .alpha = 3.0, .gamma0_reset = 16.0, .beta_reset = 0.8,
    .v_read = 0.1, .v_up = 1.45, .v_down = -1.15, .t_pulse = 5e-9, .t_edge = 1e-9,
};

static const xb_device_param sp_table[] = {
    {"g0", "m", offsetof(sp_params, g0), "current decay length of the gap"},
    {"v0_iv", "V", offsetof(sp_params, v0_iv), "I-V voltage scale V0"},
    {"i0", "A", offsetof(sp_params, i0), "current scale I0"},
    {"vel0", "m/s", offsetof(sp_params, vel0), "gap velocity prefactor v0"},
    {"beta", "1", offsetof(sp_params, beta), "gamma = gamma0 - beta (g/1 nm)^alpha, V >= 0 (SET)"},
    {"gamma0", "1", offsetof(sp_params, gamma0), "local field enhancement, V >= 0 (SET)"},
    {"ea", "eV", offsetof(sp_params, ea), "activation energy"},
    {"a0", "m", offsetof(sp_params, a0), "atomic hopping distance"},
    {"t0", "K", offsetof(sp_params, t0), "ambient temperature"},
    {"f_min", "V/m", offsetof(sp_params, f_min), "field below which the gap does not move"},
    {"t_ox", "m", offsetof(sp_params, t_ox), "oxide thickness"},
    {"r_th", "K/W", offsetof(sp_params, r_th), "thermal resistance"},
    {"g_min", "m", offsetof(sp_params, g_min), "smallest gap (LRS)"},
    {"g_max", "m", offsetof(sp_params, g_max), "largest gap (HRS)"},
    {"alpha", "1", offsetof(sp_params, alpha), "gamma = gamma0 - beta (g/1 nm)^alpha (v1.0.0: 3; TED 2016: 1-2.5)"},
    {"gamma0_reset", "1", offsetof(sp_params, gamma0_reset), "gamma0 for V < 0 (TED 2016 Table I separates SET/RESET)"},
    {"beta_reset", "1", offsetof(sp_params, beta_reset), "beta for V < 0"},
    XB_DEVICE__WRITE_TABLE(sp_params),
};

static double sp_gap(const sp_params *p, double s)
{
    return p->g_max - xb_device__clamp(s, 0.0, 1.0) * (p->g_max - p->g_min);
}

static double sp_i(const sp_params *p, double g, double v)
{
    return p->i0 * exp(-g / p->g0) * sinh(v / p->v0_iv);
}

static int sp_rhs(const void *params, size_t stride, size_t n, double t, const double *state,
                  const double *v, double *dstate_out)
{
    (void)t;
    for (size_t k = 0; k < n; k++) {
        const sp_params *p = xb_device__params_at(params, stride, k);
        double s = state[k];
        if (s < -XB_DEVICE_STATE_SLACK || s > 1.0 + XB_DEVICE_STATE_SLACK || !isfinite(s)) {
            return 1;
        }
        double g = sp_gap(p, s), vk = v[k];
        double gamma = vk >= 0.0 ? p->gamma0 - p->beta * pow(g / 1e-9, p->alpha)
                                 : p->gamma0_reset - p->beta_reset * pow(g / 1e-9, p->alpha);
        if (gamma * fabs(vk) / p->t_ox < p->f_min) {
            gamma = 0.0;
        }
        double temp = p->t0 + fabs(vk * sp_i(p, g, vk)) * p->r_th;
        double kt = KB_OVER_Q * temp; /* eV, i.e. kB T/q in V */
        double dg = -p->vel0 * exp(-p->ea / kt) * sinh(gamma * p->a0 / p->t_ox * vk / kt);
        /* stopped at the bound it heads for, smoothed for the integrator */
        double gate = dg < 0.0 ? xb_device__gate(1.0 - s) : xb_device__gate(s);
        dstate_out[k] = -dg / (p->g_max - p->g_min) * gate;
    }
    return 0;
}

static int sp_current(const void *params, size_t stride, size_t n, const double *state,
                      const double *v, double *i_out)
{
    for (size_t k = 0; k < n; k++) {
        const sp_params *p = xb_device__params_at(params, stride, k);
        i_out[k] = sp_i(p, sp_gap(p, state[k]), v[k]);
    }
    return 0;
}

static int sp_conductance(const void *params, size_t stride, size_t n, const double *state,
                          double *g_out)
{
    for (size_t k = 0; k < n; k++) {
        const sp_params *p = xb_device__params_at(params, stride, k);
        g_out[k] = sp_i(p, sp_gap(p, state[k]), p->v_read) / p->v_read;
    }
    return 0;
}

/* G(v_read) = I0 e^(-g/g0) sinh(v_read/V0)/v_read, inverted for the gap. */
static int sp_set_conductance(const void *params, size_t stride, size_t n, const double *g,
                              double *state_out)
{
    for (size_t k = 0; k < n; k++) {
        const sp_params *p = xb_device__params_at(params, stride, k);
        double scale = p->i0 * sinh(p->v_read / p->v0_iv) / p->v_read;
        double gap = g[k] > 0.0 ? -p->g0 * log(g[k] / scale) : p->g_max;
        state_out[k] = xb_device__clamp((p->g_max - gap) / (p->g_max - p->g_min), 0.0, 1.0);
    }
    return 0;
}

static void sp_bounds(const void *params, double *gmin_out, double *gmax_out)
{
    const sp_params *p = params;
    double s0 = 0.0, s1 = 1.0;
    sp_conductance(p, 0, 1, &s0, gmin_out);
    sp_conductance(p, 0, 1, &s1, gmax_out);
}

static int sp_derive(void *params)
{
    sp_params *p = params;
    if (!(p->g_min > 0.0) || !(p->g_max > p->g_min)) {
        return xb__error_set(XB_EINVAL, "stanford_pku: need 0 < g_min (%g m) < g_max (%g m)", p->g_min, p->g_max);
    }
    if (!(p->g0 > 0.0) || !(p->v0_iv > 0.0) || !(p->i0 > 0.0) || !(p->vel0 > 0.0) || !(p->t_ox > 0.0) ||
        !(p->a0 > 0.0) || !(p->t0 > 0.0) || !(p->ea >= 0.0) || !(p->r_th >= 0.0) || !(p->f_min >= 0.0)) {
        return xb__error_set(XB_EINVAL,
                             "stanford_pku: g0, v0_iv, i0, vel0, t_ox, a0, t0 must be > 0 and ea, r_th, "
                             "f_min >= 0 (g0 %g, v0_iv %g, i0 %g, vel0 %g)",
                             p->g0, p->v0_iv, p->i0, p->vel0);
    }
    if (!(p->v_read > 0.0)) {
        return xb__error_set(XB_EINVAL, "stanford_pku: v_read (%g V) must be > 0", p->v_read);
    }
    return xb_device__check_write("stanford_pku", p->v_read, p->v_up, p->v_down, p->t_pulse, p->t_edge);
}

static const xb_device_type sp_type = {
    .name = "stanford_pku",
    .doc = "Stanford-PKU RRAM gap model (Guan/Yu/Wong 2012; Jiang et al. TED 2016), deterministic part",
    .n_state = 1,
    .params_size = sizeof(sp_params),
    .default_params = &sp_defaults,
    .params = sp_table,
    .n_params = (int)(sizeof sp_table / sizeof sp_table[0]),
    .conductance = sp_conductance,
    .set_conductance = sp_set_conductance,
    .bounds = sp_bounds,
    .rhs = sp_rhs,
    .current = sp_current,
    .derive = sp_derive,
};

const xb_device_type *const xb_device_stanford_pku = &sp_type;
