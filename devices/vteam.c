/* VTEAM (Kvatinsky et al. TCAS-II 2015; eqs. as in Biolek et al. IEEE Access
 * 2021, device-models.md §2.2) and TEAM (Kvatinsky et al. TCAS-I 2013, §2.1):
 *   dw/dt = k_off/D (u/u_off - 1)^a_off f_off(w)   u > u_off > 0
 *         = 0                                      u_on <= u <= u_off
 *         = k_on/D  (u/u_on - 1)^a_on  f_on(w)     u < u_on < 0
 * with u the voltage (VTEAM) or the current (TEAM), w = (x - x_on)/(x_off - x_on)
 * in [0, 1] (w = 0 is R_ON, §0), D = x_off - x_on, and
 *   R(w) = R_on + (R_off - R_on) w              (iv = 0)
 *   R(w) = R_on (R_off/R_on)^w                  (iv = 1)
 * Kvatinsky windows (window = 1): f_off = exp(-exp((w - a_off)/w_c)),
 * f_on = exp(-exp((a_on - w)/w_c)), in normalised w, evaluated in log space
 * so they never underflow to garbage (§2.2). window = 0: motion fades over the
 * last XB_DEVICE_GATE_WIDTH before the bound it heads for (a hard stop, Biolek
 * 2021's asymmetric rectangular window, smoothed for the integrator). */
#include "devices/devices_internal.h"

#include <math.h>
#include <stddef.h>

typedef struct {
    double ron, roff, d;
    double k_on, k_off, alpha_on, alpha_off;
    double u_on, u_off; /* v_on/v_off (V) or i_on/i_off (A) */
    double window, a_on, a_off, w_c, iv;
    XB_DEVICE__WRITE_FIELDS;
} vt_params;

/* MemTorch/Technion VTEAM demo defaults (§2.3d): not a measured device. */
static const vt_params vteam_defaults = {
    .ron = 50.0, .roff = 1e3, .d = 3e-9,
    .k_on = -10.0, .k_off = 5e-4, .alpha_on = 3.0, .alpha_off = 1.0,
    .u_on = -0.2, .u_off = 0.02,
    .window = 0.0, .a_on = 0.0, .a_off = 1.0, .w_c = 0.05, .iv = 0.0,
    .v_read = 0.01, .v_up = -0.25, .v_down = 0.5, .t_pulse = 1e-9, .t_edge = 1e-10,
};

/* Technion TEAM Verilog-A defaults (§2.3c) with R_on/R_off of the TEAM fit (§2.3b):
 * demo values, not a fit. */
static const vt_params team_defaults = {
    .ron = 50.0, .roff = 1e3, .d = 3e-9,
    .k_on = -8e-13, .k_off = 8e-13, .alpha_on = 3.0, .alpha_off = 3.0,
    .u_on = -8.9e-6, .u_off = 115e-6,
    .window = 0.0, .a_on = 0.0, .a_off = 1.0, .w_c = 0.05, .iv = 0.0,
    .v_read = 1e-4, .v_up = -1.0, .v_down = 1.0, .t_pulse = 1e-4, .t_edge = 1e-6,
};

#define VT_TABLE(U, UNIT)                                                                        \
    {"ron", "ohm", offsetof(vt_params, ron), "R_ON (w = 0)"},                                   \
        {"roff", "ohm", offsetof(vt_params, roff), "R_OFF (w = 1)"},                            \
        {"d", "m", offsetof(vt_params, d), "state range D = x_off - x_on"},                     \
        {"k_on", "m/s", offsetof(vt_params, k_on), "rate toward R_ON (< 0)"},                   \
        {"k_off", "m/s", offsetof(vt_params, k_off), "rate toward R_OFF (> 0)"},                \
        {"alpha_on", "1", offsetof(vt_params, alpha_on), "exponent toward R_ON"},               \
        {"alpha_off", "1", offsetof(vt_params, alpha_off), "exponent toward R_OFF"},            \
        {U "_on", UNIT, offsetof(vt_params, u_on), "threshold toward R_ON (< 0)"},              \
        {U "_off", UNIT, offsetof(vt_params, u_off), "threshold toward R_OFF (> 0)"},           \
        {"window", "1", offsetof(vt_params, window), "0 none, 1 Kvatinsky"},                    \
        {"a_on", "1", offsetof(vt_params, a_on), "Kvatinsky window a_on (normalised w)"},       \
        {"a_off", "1", offsetof(vt_params, a_off), "Kvatinsky window a_off (normalised w)"},    \
        {"w_c", "1", offsetof(vt_params, w_c), "Kvatinsky window width (normalised w)"},        \
        {"iv", "1", offsetof(vt_params, iv), "I-V: 0 linear, 1 exponential"},                   \
        XB_DEVICE__WRITE_TABLE(vt_params)

static const xb_device_param vteam_table[] = {VT_TABLE("v", "V")};
static const xb_device_param team_table[] = {VT_TABLE("i", "A")};

static double vt_r(const vt_params *p, double w)
{
    w = xb_device__clamp(w, 0.0, 1.0);
    return p->iv == 1.0 ? p->ron * pow(p->roff / p->ron, w) : p->ron + (p->roff - p->ron) * w;
}

/* exp(-exp(z)) without overflow or denormal garbage */
static double expexp(double z) { return z > 7.0 ? 0.0 : exp(-exp(z)); }

static double vt_dw(const vt_params *p, double w, double u)
{
    double wc = xb_device__clamp(w, 0.0, 1.0);
    if (u > p->u_off) {
        double f = p->window == 1.0 ? expexp((wc - p->a_off) / p->w_c) : xb_device__gate(1.0 - wc);
        return p->k_off / p->d * pow(u / p->u_off - 1.0, p->alpha_off) * f;
    }
    if (u < p->u_on) {
        double f = p->window == 1.0 ? expexp((p->a_on - wc) / p->w_c) : xb_device__gate(wc);
        return p->k_on / p->d * pow(u / p->u_on - 1.0, p->alpha_on) * f;
    }
    return 0.0;
}

/* d(dw/dt)/dw inside [0, 1]; TEAM's threshold variable u = v/R(w) depends on w. */
static double vt_dw_dw(const vt_params *p, double w, double v, int current_controlled)
{
    double r = vt_r(p, w);
    double u = current_controlled ? v / r : v;
    double dr = p->iv == 1.0 ? r * log(p->roff / p->ron) : p->roff - p->ron;
    double du = current_controlled ? -v * dr / (r * r) : 0.0;
    double eps = XB_DEVICE_GATE_WIDTH;
    if (u > p->u_off) {
        double a = pow(u / p->u_off - 1.0, p->alpha_off);
        double da = p->alpha_off * pow(u / p->u_off - 1.0, p->alpha_off - 1.0) / p->u_off;
        double f, df;
        if (p->window == 1.0) {
            double z = (w - p->a_off) / p->w_c;
            f = expexp(z);
            df = z > 7.0 ? 0.0 : -exp(z) * f / p->w_c;
        } else {
            f = xb_device__gate(1.0 - w);
            df = (1.0 - w > 0.0 && 1.0 - w < eps) ? -1.0 / eps : 0.0;
        }
        return p->k_off / p->d * (da * du * f + a * df);
    }
    if (u < p->u_on) {
        double a = pow(u / p->u_on - 1.0, p->alpha_on);
        double da = p->alpha_on * pow(u / p->u_on - 1.0, p->alpha_on - 1.0) / p->u_on;
        double f, df;
        if (p->window == 1.0) {
            double z = (p->a_on - w) / p->w_c;
            f = expexp(z);
            df = z > 7.0 ? 0.0 : exp(z) * f / p->w_c;
        } else {
            f = xb_device__gate(w);
            df = (w > 0.0 && w < eps) ? 1.0 / eps : 0.0;
        }
        return p->k_on / p->d * (da * du * f + a * df);
    }
    return 0.0;
}

static int jac_common(int current_controlled, const void *params, size_t stride, size_t n,
                      const double *state, const double *v, double *jdiag_out)
{
    for (size_t k = 0; k < n; k++) {
        const vt_params *p = xb_device__params_at(params, stride, k);
        double w = state[k];
        jdiag_out[k] = (w > 0.0 && w < 1.0) ? vt_dw_dw(p, w, v[k], current_controlled) : 0.0;
    }
    return 0;
}

static int vteam_jacobian(const void *params, size_t stride, size_t n, double t, const double *state,
                          const double *v, double *jdiag_out)
{
    (void)t;
    return jac_common(0, params, stride, n, state, v, jdiag_out);
}

static int team_jacobian(const void *params, size_t stride, size_t n, double t, const double *state,
                         const double *v, double *jdiag_out)
{
    (void)t;
    return jac_common(1, params, stride, n, state, v, jdiag_out);
}

static int rhs_common(int current_controlled, const void *params, size_t stride, size_t n,
                      const double *state, const double *v, double *dstate_out)
{
    for (size_t k = 0; k < n; k++) {
        const vt_params *p = xb_device__params_at(params, stride, k);
        double w = state[k];
        if (w < -XB_DEVICE_STATE_SLACK || w > 1.0 + XB_DEVICE_STATE_SLACK || !isfinite(w)) {
            return 1;
        }
        double u = current_controlled ? v[k] / vt_r(p, w) : v[k];
        dstate_out[k] = vt_dw(p, w, u);
    }
    return 0;
}

static int vteam_rhs(const void *params, size_t stride, size_t n, double t, const double *state,
                     const double *v, double *dstate_out)
{
    (void)t;
    return rhs_common(0, params, stride, n, state, v, dstate_out);
}

static int team_rhs(const void *params, size_t stride, size_t n, double t, const double *state,
                    const double *v, double *dstate_out)
{
    (void)t;
    return rhs_common(1, params, stride, n, state, v, dstate_out);
}

static int vt_current(const void *params, size_t stride, size_t n, const double *state,
                      const double *v, double *i_out)
{
    for (size_t k = 0; k < n; k++) {
        i_out[k] = v[k] / vt_r(xb_device__params_at(params, stride, k), state[k]);
    }
    return 0;
}

static int vt_conductance(const void *params, size_t stride, size_t n, const double *state,
                          double *g_out)
{
    for (size_t k = 0; k < n; k++) {
        g_out[k] = 1.0 / vt_r(xb_device__params_at(params, stride, k), state[k]);
    }
    return 0;
}

static int vt_set_conductance(const void *params, size_t stride, size_t n, const double *g,
                              double *state_out)
{
    for (size_t k = 0; k < n; k++) {
        const vt_params *p = xb_device__params_at(params, stride, k);
        double r = xb_device__clamp(1.0 / g[k], p->ron, p->roff);
        double w = p->iv == 1.0 ? log(r / p->ron) / log(p->roff / p->ron)
                                : (r - p->ron) / (p->roff - p->ron);
        state_out[k] = xb_device__clamp(w, 0.0, 1.0);
    }
    return 0;
}

static void vt_bounds(const void *params, double *gmin_out, double *gmax_out)
{
    const vt_params *p = params;
    *gmin_out = 1.0 / p->roff;
    *gmax_out = 1.0 / p->ron;
}

static int derive_common(const char *model, const char *u, vt_params *p)
{
    if (!(p->ron > 0.0) || !(p->roff > p->ron) || !isfinite(p->roff)) {
        return xb__error_set(XB_EINVAL, "%s: need 0 < ron (%g ohm) < roff (%g ohm)", model, p->ron, p->roff);
    }
    if (!(p->d > 0.0) || !(p->k_on < 0.0) || !(p->k_off > 0.0)) {
        return xb__error_set(XB_EINVAL, "%s: need d > 0 (%g m), k_on < 0 (%g), k_off > 0 (%g)", model,
                             p->d, p->k_on, p->k_off);
    }
    if (!(p->u_on < 0.0) || !(p->u_off > 0.0)) {
        return xb__error_set(XB_EINVAL, "%s: need %s_on < 0 (%g) < %s_off (%g)", model, u, p->u_on, u,
                             p->u_off);
    }
    if (!(p->alpha_on > 0.0) || !(p->alpha_off > 0.0) || !(p->w_c > 0.0)) {
        return xb__error_set(XB_EINVAL, "%s: alpha_on (%g), alpha_off (%g) and w_c (%g) must be > 0",
                             model, p->alpha_on, p->alpha_off, p->w_c);
    }
    if ((p->window != 0.0 && p->window != 1.0) || (p->iv != 0.0 && p->iv != 1.0)) {
        return xb__error_set(XB_EINVAL, "%s: window (%g) and iv (%g) must be 0 or 1", model, p->window, p->iv);
    }
    return xb_device__check_write(model, p->v_read, p->v_up, p->v_down, p->t_pulse, p->t_edge);
}

static int vteam_derive(void *p) { return derive_common("vteam", "v", p); }
static int team_derive(void *p) { return derive_common("team", "i", p); }

static const xb_device_type vteam_type = {
    .name = "vteam",
    .doc = "VTEAM voltage-threshold model (Kvatinsky et al. TCAS-II 2015)",
    .n_state = 1,
    .params_size = sizeof(vt_params),
    .default_params = &vteam_defaults,
    .params = vteam_table,
    .n_params = (int)(sizeof vteam_table / sizeof vteam_table[0]),
    .conductance = vt_conductance,
    .set_conductance = vt_set_conductance,
    .bounds = vt_bounds,
    .rhs = vteam_rhs,
    .current = vt_current,
    .jacobian = vteam_jacobian,
    .derive = vteam_derive,
};

static const xb_device_type team_type = {
    .name = "team",
    .doc = "TEAM current-threshold model (Kvatinsky et al. TCAS-I 2013)",
    .n_state = 1,
    .params_size = sizeof(vt_params),
    .default_params = &team_defaults,
    .params = team_table,
    .n_params = (int)(sizeof team_table / sizeof team_table[0]),
    .conductance = vt_conductance,
    .set_conductance = vt_set_conductance,
    .bounds = vt_bounds,
    .rhs = team_rhs,
    .current = vt_current,
    .jacobian = team_jacobian,
    .derive = team_derive,
};

const xb_device_type *const xb_device_vteam = &vteam_type;
const xb_device_type *const xb_device_team = &team_type;
