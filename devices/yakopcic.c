/* yakopcic: the generalized memristor model of Yakopcic et al. (EDL 2011;
 * knowm subcircuit of 8/9/2011), device-models.md §3.1:
 *   I = a1 x sinh(b V) (V >= 0),  a2 x sinh(b V) (V < 0)
 *   g(V) = Ap (e^V - e^Vp) (V > Vp),  -An (e^-V - e^Vn) (V < -Vn),  0 otherwise
 *   f = e^(-alpha_p (x - xp)) wp(x) if eta V >= 0 and x >= xp (else 1),
 *       e^( alpha_n (x + xn - 1)) wn(x) if eta V < 0 and x <= 1 - xn (else 1)
 *   wp = (xp - x)/(1 - xp) + 1,  wn = x/(1 - xn),  dx/dt = eta g(V) f. */
#include "devices/devices_internal.h"

#include <math.h>
#include <stddef.h>

typedef struct {
    double a1, a2, b, vp, vn, ap, an, xp, xn, alpha_p, alpha_n, eta;
    XB_DEVICE__WRITE_FIELDS;
} yk_params;

/* Oblea et al. Ag-chalcogenide set (§3.2). */
static const yk_params yk_defaults = {
    .a1 = 0.17, .a2 = 0.17, .b = 0.05, .vp = 0.16, .vn = 0.15, .ap = 4000.0, .an = 4000.0,
    .xp = 0.3, .xn = 0.5, .alpha_p = 1.0, .alpha_n = 5.0, .eta = 1.0,
    .v_read = 0.1, .v_up = 0.3, .v_down = -0.3, .t_pulse = 1e-5, .t_edge = 1e-7,
};

static const xb_device_param yk_table[] = {
    {"a1", "A", offsetof(yk_params, a1), "current scale, V >= 0"},
    {"a2", "A", offsetof(yk_params, a2), "current scale, V < 0"},
    {"b", "1/V", offsetof(yk_params, b), "sinh slope"},
    {"vp", "V", offsetof(yk_params, vp), "positive threshold"},
    {"vn", "V", offsetof(yk_params, vn), "negative threshold (magnitude)"},
    {"ap", "1/s", offsetof(yk_params, ap), "positive switching rate"},
    {"an", "1/s", offsetof(yk_params, an), "negative switching rate"},
    {"xp", "1", offsetof(yk_params, xp), "state where positive motion starts to slow"},
    {"xn", "1", offsetof(yk_params, xn), "1 - state where negative motion starts to slow"},
    {"alpha_p", "1", offsetof(yk_params, alpha_p), "positive decay"},
    {"alpha_n", "1", offsetof(yk_params, alpha_n), "negative decay"},
    {"eta", "1", offsetof(yk_params, eta), "direction of motion (+1 or -1)"},
    XB_DEVICE__WRITE_TABLE(yk_params),
};

static double yk_g(const yk_params *p, double v)
{
    if (v > p->vp) {
        return p->ap * (exp(v) - exp(p->vp));
    }
    if (v < -p->vn) {
        return -p->an * (exp(-v) - exp(p->vn));
    }
    return 0.0;
}

static double yk_f(const yk_params *p, double x, double v)
{
    if (p->eta * v >= 0.0) {
        return x >= p->xp ? exp(-p->alpha_p * (x - p->xp)) * ((p->xp - x) / (1.0 - p->xp) + 1.0) : 1.0;
    }
    return x <= 1.0 - p->xn ? exp(p->alpha_n * (x + p->xn - 1.0)) * (x / (1.0 - p->xn)) : 1.0;
}

static int yk_rhs(const void *params, size_t stride, size_t n, double t, const double *state,
                  const double *v, double *dstate_out)
{
    (void)t;
    for (size_t k = 0; k < n; k++) {
        const yk_params *p = xb_device__params_at(params, stride, k);
        double x = state[k];
        if (x < -XB_DEVICE_STATE_SLACK || x > 1.0 + XB_DEVICE_STATE_SLACK || !isfinite(x)) {
            return 1;
        }
        double xc = xb_device__clamp(x, 0.0, 1.0);
        dstate_out[k] = p->eta * yk_g(p, v[k]) * yk_f(p, xc, v[k]);
    }
    return 0;
}

static double yk_df(const yk_params *p, double x, double v)
{
    if (p->eta * v >= 0.0) {
        if (x < p->xp) {
            return 0.0;
        }
        double e = exp(-p->alpha_p * (x - p->xp)), wp = (p->xp - x) / (1.0 - p->xp) + 1.0;
        return e * (-p->alpha_p * wp - 1.0 / (1.0 - p->xp));
    }
    if (x > 1.0 - p->xn) {
        return 0.0;
    }
    double e = exp(p->alpha_n * (x + p->xn - 1.0));
    return e * (p->alpha_n * x + 1.0) / (1.0 - p->xn);
}

static int yk_jacobian(const void *params, size_t stride, size_t n, double t, const double *state,
                       const double *v, double *jdiag_out)
{
    (void)t;
    for (size_t k = 0; k < n; k++) {
        const yk_params *p = xb_device__params_at(params, stride, k);
        double x = state[k];
        jdiag_out[k] = (x > 0.0 && x < 1.0) ? p->eta * yk_g(p, v[k]) * yk_df(p, x, v[k]) : 0.0;
    }
    return 0;
}

static double yk_i(const yk_params *p, double x, double v)
{
    x = xb_device__clamp(x, 0.0, 1.0);
    return (v >= 0.0 ? p->a1 : p->a2) * x * sinh(p->b * v);
}

static int yk_current(const void *params, size_t stride, size_t n, const double *state,
                      const double *v, double *i_out)
{
    for (size_t k = 0; k < n; k++) {
        i_out[k] = yk_i(xb_device__params_at(params, stride, k), state[k], v[k]);
    }
    return 0;
}

/* G at the read voltage at full state: I(x = 1, v_read)/v_read. */
static double yk_gfull(const yk_params *p) { return yk_i(p, 1.0, p->v_read) / p->v_read; }

static int yk_conductance(const void *params, size_t stride, size_t n, const double *state,
                          double *g_out)
{
    for (size_t k = 0; k < n; k++) {
        const yk_params *p = xb_device__params_at(params, stride, k);
        g_out[k] = xb_device__clamp(state[k], 0.0, 1.0) * yk_gfull(p);
    }
    return 0;
}

static int yk_set_conductance(const void *params, size_t stride, size_t n, const double *g,
                              double *state_out)
{
    for (size_t k = 0; k < n; k++) {
        const yk_params *p = xb_device__params_at(params, stride, k);
        state_out[k] = xb_device__clamp(g[k] / yk_gfull(p), 0.0, 1.0);
    }
    return 0;
}

static void yk_bounds(const void *params, double *gmin_out, double *gmax_out)
{
    *gmin_out = 0.0;
    *gmax_out = yk_gfull(params);
}

static int yk_derive(void *params)
{
    yk_params *p = params;
    if (!(p->a1 > 0.0) || !(p->a2 > 0.0) || !(p->b > 0.0)) {
        return xb__error_set(XB_EINVAL, "yakopcic: a1 (%g), a2 (%g) and b (%g) must be > 0", p->a1, p->a2, p->b);
    }
    if (!(p->vp >= 0.0) || !(p->vn >= 0.0) || !(p->ap >= 0.0) || !(p->an >= 0.0)) {
        return xb__error_set(XB_EINVAL, "yakopcic: vp (%g), vn (%g), ap (%g), an (%g) must be >= 0",
                             p->vp, p->vn, p->ap, p->an);
    }
    if (!(p->xp >= 0.0 && p->xp < 1.0) || !(p->xn >= 0.0 && p->xn < 1.0)) {
        return xb__error_set(XB_EINVAL, "yakopcic: xp (%g) and xn (%g) must be in [0, 1)", p->xp, p->xn);
    }
    if (p->eta != 1.0 && p->eta != -1.0) {
        return xb__error_set(XB_EINVAL, "yakopcic: eta (%g) must be +1 or -1", p->eta);
    }
    if (!(p->v_read > 0.0)) {
        return xb__error_set(XB_EINVAL, "yakopcic: v_read (%g V) must be > 0", p->v_read);
    }
    return xb_device__check_write("yakopcic", p->v_read, p->v_up, p->v_down, p->t_pulse, p->t_edge);
}

static const xb_device_type yk_type = {
    .name = "yakopcic",
    .doc = "Yakopcic generalized memristor model (IEEE EDL 2011)",
    .n_state = 1,
    .params_size = sizeof(yk_params),
    .default_params = &yk_defaults,
    .params = yk_table,
    .n_params = (int)(sizeof yk_table / sizeof yk_table[0]),
    .conductance = yk_conductance,
    .set_conductance = yk_set_conductance,
    .bounds = yk_bounds,
    .rhs = yk_rhs,
    .current = yk_current,
    .jacobian = yk_jacobian,
    .derive = yk_derive,
};

const xb_device_type *const xb_device_yakopcic = &yk_type;
