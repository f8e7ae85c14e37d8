/* neurosim: the nonlinear asymmetric LTP/LTD pulse response of NeuroSim V3.0
 * (manual §5.1, Cell.cpp RealDevice::Write; device-models.md §5.1):
 *   G(P) = B (1 - e^(-P/A)) + Gmin,   B = (Gmax - Gmin)/(1 - e^(-P_max/A)),
 * with A = A_norm(NL) * P_max per direction. A write of n pulses inverts the
 * current G to a pulse position P on the curve of its direction and moves to
 * G(P + n), clamped to [0, P_max]. The state is the conductance itself, so the
 * two directions share it. */
#include "devices/devices_internal.h"

#include <math.h>
#include <stddef.h>

typedef xb_device_neurosim_params ns_params;
XB_DEVICE__G_HEAD_CHECK(ns_params);

/* NL = NL_SCALE * max_p (Ghat(p) - p): the factor that reproduces NeuroSim's
 * getParamA table to 4 significant digits (device-models.md §5.1, [C]). */
#define NL_SCALE 10.1015
/* Bisection bracket for A_norm, far outside the table's 0.0228 .. 126.3. */
#define A_NORM_LO 1e-4
#define A_NORM_HI 1e7

/* Ag:a-Si (Jo 2010), NeuroSim RealDevice defaults [R Cell.cpp]. The derived
 * fields are what derive() computes; a test checks they agree. */
static const ns_params ns_defaults = {
    .gmin = 3.0769e-9,
    .gmax = 3.8462e-8,
    .p_ltp = 97.0,
    .p_ltd = 100.0,
    .nl_ltp = 2.4,
    .nl_ltd = -4.88,
    /* derived (test_devices_neurosim__defaults_derived) */
    .a_ltp = 48.420440919529945,
    .b_ltp = 4.0902488989515649e-08,
    .a_ltd = -20.030260231429107,
    .b_ltd = -2.4187278876696129e-10,
};

static const xb_device_param ns_table[] = {
    {"gmin", "S", offsetof(ns_params, gmin), "lowest conductance (G at P = 0)"},
    {"gmax", "S", offsetof(ns_params, gmax), "highest conductance (G at P = P_max)"},
    {"p_ltp", "pulses", offsetof(ns_params, p_ltp), "LTP pulses from Gmin to Gmax (P_max, LTP)"},
    {"p_ltd", "pulses", offsetof(ns_params, p_ltd), "LTD pulses from Gmax to Gmin (P_max, LTD)"},
    {"nl_ltp", "1", offsetof(ns_params, nl_ltp), "NeuroSim nonlinearity label of LTP (0 = linear)"},
    {"nl_ltd", "1", offsetof(ns_params, nl_ltd), "NeuroSim nonlinearity label of LTD (usually < 0)"},
};

/* max_p (Ghat(p) - p) for normalised A = a > 0, in closed form: Ghat'(p*) = 1
 * gives p* = -a ln(a (1 - e^(-1/a))) and Ghat(p*) = 1/(1 - e^(-1/a)) - a. */
static double max_gap(double a)
{
    double d = -expm1(-1.0 / a); /* 1 - e^(-1/a) */
    double pstar = -a * log(a * d);
    return 1.0 / d - a - pstar;
}

int xb_device_neurosim_a_norm(double nl, double *a_norm_out)
{
    XB_ASSERT_ARG(a_norm_out != NULL);
    double target = fabs(nl) / NL_SCALE;
    if (!(target > max_gap(A_NORM_HI)) || !(target < max_gap(A_NORM_LO))) {
        return xb__error_set(XB_EINVAL, "nonlinearity label NL (%g) must satisfy 0 < |NL| < 10.1",
                             nl);
    }
    /* max_gap decreases monotonically in a: regula falsi on log a with the
     * Illinois modification (the retained end's value is halved when the
     * same end stays twice), which keeps the root bracketed and converges
     * superlinearly: ~10 evaluations instead of bisection's ~55, which
     * mattered when d2d of nl_ltp/nl_ltd derives A for every device. */
    double lo = log(A_NORM_LO), hi = log(A_NORM_HI);
    double flo = max_gap(A_NORM_LO) - target, fhi = max_gap(A_NORM_HI) - target;
    double t = 0.5 * (lo + hi);
    int side = 0;
    for (int it = 0; it < 200 && hi - lo > 1e-15; it++) {
        t = (lo * fhi - hi * flo) / (fhi - flo);
        if (!(t > lo && t < hi)) {
            t = 0.5 * (lo + hi);
            if (!(t > lo && t < hi)) {
                break; /* adjacent doubles */
            }
        }
        double ft = max_gap(exp(t)) - target;
        if (ft > 0.0) {
            lo = t;
            flo = ft;
            if (side > 0) {
                fhi *= 0.5;
            }
            side = 1;
        } else if (ft < 0.0) {
            hi = t;
            fhi = ft;
            if (side < 0) {
                flo *= 0.5;
            }
            side = -1;
        } else {
            lo = hi = t;
        }
    }
    double a = exp(0.5 * (lo + hi));
    *a_norm_out = nl < 0.0 ? -a : a;
    return 0;
}

static int derive_direction(const ns_params *p, double nl, double pmax, const char *which,
                            double *a_out, double *b_out)
{
    if (!(pmax >= 1.0) || !isfinite(pmax)) {
        return xb__error_set(XB_EINVAL, "neurosim: p_%s (%g) must be >= 1 pulse", which, pmax);
    }
    if (nl == 0.0) {
        *a_out = 0.0; /* linear */
        *b_out = p->gmax - p->gmin;
        return 0;
    }
    double a_norm = 0.0;
    if (xb_device_neurosim_a_norm(nl, &a_norm) < 0) {
        return xb__error_set(XB_EINVAL, "neurosim: nl_%s (%g) must satisfy 0 <= |NL| < 10.1",
                             which, nl);
    }
    *a_out = a_norm * pmax;
    *b_out = (p->gmax - p->gmin) / (-expm1(-pmax / *a_out));
    return 0;
}

static int ns_derive(void *params)
{
    ns_params *p = params;
    if (!(p->gmin >= 0.0) || !isfinite(p->gmin)) {
        return xb__error_set(XB_EINVAL, "neurosim: gmin (%g S) must be >= 0", p->gmin);
    }
    if (!(p->gmax > p->gmin) || !isfinite(p->gmax)) {
        return xb__error_set(XB_EINVAL, "neurosim: gmax (%g S) must be > gmin (%g S)", p->gmax,
                             p->gmin);
    }
    XB_TRY(derive_direction(p, p->nl_ltp, p->p_ltp, "ltp", &p->a_ltp, &p->b_ltp));
    XB_TRY(derive_direction(p, p->nl_ltd, p->p_ltd, "ltd", &p->a_ltd, &p->b_ltd));
    return 0;
}




/* One device, one direction: G -> P -> G(P + n). */
static double ns_move(const ns_params *p, double g, int32_t n)
{
    double a = n > 0 ? p->a_ltp : p->a_ltd;
    double b = n > 0 ? p->b_ltp : p->b_ltd;
    double pmax = n > 0 ? p->p_ltp : p->p_ltd;
    double pos;
    if (a == 0.0) {
        pos = (g - p->gmin) / (p->gmax - p->gmin) * pmax;
    } else {
        pos = -a * log1p(-(g - p->gmin) / b);
    }
    pos += (double)n;
    /* The ends are exact: P_max pulses from Gmin land on Gmax (§8 check 1). */
    if (!(pos > 0.0)) {
        return p->gmin;
    }
    if (pos >= pmax) {
        return p->gmax;
    }
    double gn = a == 0.0 ? p->gmin + (p->gmax - p->gmin) * pos / pmax
                         : p->gmin + b * -expm1(-pos / a);
    return xb_device__clamp(gn, p->gmin, p->gmax);
}

static int ns_pulse(const void *params, size_t stride, size_t n, double *state,
                    const int32_t *npulses)
{
    for (size_t k = 0; k < n; k++) {
        if (npulses[k] != 0) {
            state[k] = ns_move(xb_device__params_at(params, stride, k), state[k], npulses[k]);
        }
    }
    return 0;
}

/* The LTP count, NeuroSim's "states" column (Table II). */
static double ns_pulses_full_range(const void *params) { return ((const ns_params *)params)->p_ltp; }

static const xb_device_type ns_type = {
    .name = "neurosim",
    .doc = "NeuroSim exponential LTP/LTD, G(P) = B(1-exp(-P/A)) + Gmin (NeuroSim V3.0 manual 5.1)",
    .n_state = 1,
    .params_size = sizeof(ns_params),
    .default_params = &ns_defaults,
    .params = ns_table,
    .n_params = (int)(sizeof ns_table / sizeof ns_table[0]),
    .conductance = xb_device__g_conductance,
    .set_conductance = xb_device__g_set_clamped,
    .bounds = xb_device__g_bounds,
    .pulse = ns_pulse,
    .pulses_full_range = ns_pulses_full_range,
    .derive = ns_derive,
};

const xb_device_type *const xb_device_neurosim = &ns_type;
