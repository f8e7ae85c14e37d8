/* Pulse-level models in the forms of aihwkit's C++ update kernels
 * (device-models.md §5.2, rpu_*_device.cpp), mapped to conductance: the weight
 * range [b_min, b_max] is [Gmin, Gmax], x = (G - Gmin)/(Gmax - Gmin) in [0, 1]
 * and u = 2x - 1 in [-1, 1] (aihwkit's w for symmetric unit bounds). Steps are
 * fractions of (Gmax - Gmin): step = dw_min/(w_max - w_min) in aihwkit terms.
 * Asymmetry follows the code, not the docstring (§5.2): Δ+ = (1 + min(up_down, 0)) step,
 * Δ- = (1 - max(up_down, 0)) step. The cycle-to-cycle part (dw_min_std) is the block's
 * c2c; the deterministic part is here, one pulse at a time, then clipped. */
#include "devices/devices_internal.h"

#include <math.h>
#include <stddef.h>

/* Shared head of every parameter struct below. */
#define AIHW_HEAD double gmin, gmax, step, up_down

typedef struct {
    AIHW_HEAD;
} cs_params;
typedef struct {
    AIHW_HEAD;
    double gamma_up, gamma_down;
} ls_params;
typedef struct {
    AIHW_HEAD;
} sb_params;
typedef struct {
    AIHW_HEAD;
    double a, b, a_up, a_down, gamma_up, gamma_down;
} es_params;
typedef struct {
    AIHW_HEAD;
    double gamma, gamma_up_down;
} ps_params;

typedef struct {
    AIHW_HEAD;
} head_params;
XB_DEVICE__G_HEAD_CHECK(head_params);

#define HEAD_TABLE(T)                                                                            \
    {"gmin", "S", offsetof(T, gmin), "lowest conductance (b_min)"},                             \
        {"gmax", "S", offsetof(T, gmax), "highest conductance (b_max)"},                        \
        {"step", "1", offsetof(T, step),                                                        \
         "nominal step as a fraction of (gmax-gmin) (aihwkit dw_min/(w_max-w_min))"},           \
        {"up_down", "1", offsetof(T, up_down), "asymmetry: > 0 shrinks down steps, < 0 up steps"}

static double dplus(const head_params *h) { return (1.0 + fmin(h->up_down, 0.0)) * h->step; }
static double dminus(const head_params *h) { return (1.0 - fmax(h->up_down, 0.0)) * h->step; }

/* One pulse: the signed change of x. */
typedef double (*step_fn)(const void *p, double x, int up);

static double cs_step(const void *p, double x, int up)
{
    (void)x;
    return up ? dplus(p) : -dminus(p);
}

/* LinearStep, multiplicative form: Δ+(1 - γ+ u), Δ-(1 + γ- u) with w_ref = ±1. */
static double ls_step(const void *pv, double x, int up)
{
    const ls_params *p = pv;
    double u = 2.0 * x - 1.0;
    return up ? dplus(pv) * (1.0 - p->gamma_up * u) : -dminus(pv) * (1.0 + p->gamma_down * u);
}

/* SoftBounds: Δ+(1 - w/b_max), Δ-(1 - w/b_min) with b = ±1: zero at the bounds (§8 check 4). */
static double sb_step(const void *pv, double x, int up)
{
    double u = 2.0 * x - 1.0;
    return up ? dplus(pv) * (1.0 - u) : -dminus(pv) * (1.0 + u);
}

/* ExpStep: z = a u + b; y+ = max(1 - A_up e^(γ_up z), 0), y- = max(1 - A_down e^(-γ_down z), 0). */
static double es_step(const void *pv, double x, int up)
{
    const es_params *p = pv;
    double z = p->a * (2.0 * x - 1.0) + p->b;
    if (up) {
        return dplus(pv) * fmax(1.0 - p->a_up * exp(p->gamma_up * z), 0.0);
    }
    return -dminus(pv) * fmax(1.0 - p->a_down * exp(-p->gamma_down * z), 0.0);
}

/* PowStep: Δ+ (1 - x)^γ+, Δ- x^γ-, γ± = γ (1 ± up_down_γ). */
static double ps_step(const void *pv, double x, int up)
{
    const ps_params *p = pv;
    if (up) {
        return dplus(pv) * pow(1.0 - x, p->gamma * (1.0 + p->gamma_up_down));
    }
    return -dminus(pv) * pow(x, p->gamma * (1.0 - p->gamma_up_down));
}




static double head_pulses_full_range(const void *params) { return 1.0 / ((const head_params *)params)->step; }

static int pulse_with(step_fn f, const void *params, size_t stride, size_t n, double *state,
                      const int32_t *npulses)
{
    for (size_t k = 0; k < n; k++) {
        int32_t np = npulses[k];
        if (np == 0) {
            continue;
        }
        const head_params *p = xb_device__params_at(params, stride, k);
        double range = p->gmax - p->gmin;
        double x = (state[k] - p->gmin) / range;
        int up = np > 0;
        int32_t m = up ? np : -np;
        for (int32_t i = 0; i < m; i++) {
            x = xb_device__clamp(x + f(p, x, up), 0.0, 1.0);
        }
        state[k] = p->gmin + x * range;
    }
    return 0;
}

static int head_derive(const char *model, const head_params *p)
{
    if (!(p->gmin >= 0.0) || !isfinite(p->gmin)) {
        return xb__error_set(XB_EINVAL, "%s: gmin (%g S) must be >= 0", model, p->gmin);
    }
    if (!(p->gmax > p->gmin) || !isfinite(p->gmax)) {
        return xb__error_set(XB_EINVAL, "%s: gmax (%g S) must be > gmin (%g S)", model, p->gmax,
                             p->gmin);
    }
    if (!(p->step > 0.0 && p->step <= 1.0)) {
        return xb__error_set(XB_EINVAL, "%s: step (%g) must be in (0, 1]", model, p->step);
    }
    if (!(fabs(p->up_down) < 1.0)) {
        return xb__error_set(XB_EINVAL, "%s: up_down (%g) must be in (-1, 1)", model, p->up_down);
    }
    return 0;
}

#define DEFINE_PULSE(prefix, fn)                                                                 \
    static int prefix##_pulse(const void *params, size_t stride, size_t n, double *state,       \
                              const int32_t *npulses)                                           \
    {                                                                                            \
        return pulse_with(fn, params, stride, n, state, npulses);                                \
    }

DEFINE_PULSE(cs, cs_step)
DEFINE_PULSE(ls, ls_step)
DEFINE_PULSE(sb, sb_step)
DEFINE_PULSE(es, es_step)
DEFINE_PULSE(ps, ps_step)

static int cs_derive(void *p) { return head_derive("constant_step", p); }
static int ls_derive(void *p) { return head_derive("linear_step", p); }
static int sb_derive(void *p) { return head_derive("soft_bounds", p); }
static int es_derive(void *p) { return head_derive("exp_step", p); }
static int ps_derive(void *pv)
{
    const ps_params *p = pv;
    XB_TRY(head_derive("pow_step", pv));
    if (!(p->gamma > 0.0) || !(fabs(p->gamma_up_down) < 1.0)) {
        return xb__error_set(XB_EINVAL, "pow_step: gamma (%g) must be > 0 and gamma_up_down (%g) in (-1, 1)",
                             p->gamma, p->gamma_up_down);
    }
    return 0;
}

/* Defaults: aihwkit PulsedDevice / model defaults (§5.2): dw_min 0.001 on [-0.6, 0.6]
 * gives step 0.001/1.2; conductances as NeuroSim's IdealDevice range. */
#define HEAD_DEFAULTS .gmin = 100e-9, .gmax = 5e-6, .step = 0.001 / 1.2, .up_down = 0.0

static const cs_params cs_defaults = {HEAD_DEFAULTS};
static const ls_params ls_defaults = {HEAD_DEFAULTS, .gamma_up = 0.0, .gamma_down = 0.0};
static const sb_params sb_defaults = {HEAD_DEFAULTS};
static const es_params es_defaults = {HEAD_DEFAULTS, .a = 0.244, .b = 0.2425, .a_up = 0.00081,
                                      .a_down = 0.36833, .gamma_up = 12.44625, .gamma_down = 12.78785};
static const ps_params ps_defaults = {HEAD_DEFAULTS, .gamma = 1.0, .gamma_up_down = 0.0};

static const xb_device_param cs_table[] = {HEAD_TABLE(cs_params)};
static const xb_device_param ls_table[] = {
    HEAD_TABLE(ls_params),
    {"gamma_up", "1", offsetof(ls_params, gamma_up), "slope of the up step: Δ+(1 - γ+ u)"},
    {"gamma_down", "1", offsetof(ls_params, gamma_down), "slope of the down step: Δ-(1 + γ- u)"},
};
static const xb_device_param sb_table[] = {HEAD_TABLE(sb_params)};
static const xb_device_param es_table[] = {
    HEAD_TABLE(es_params),
    {"a", "1", offsetof(es_params, a), "z = a u + b"},
    {"b", "1", offsetof(es_params, b), "z = a u + b"},
    {"a_up", "1", offsetof(es_params, a_up), "A_up in y+ = 1 - A_up e^(γ_up z)"},
    {"a_down", "1", offsetof(es_params, a_down), "A_down in y- = 1 - A_down e^(-γ_down z)"},
    {"gamma_up", "1", offsetof(es_params, gamma_up), "γ_up"},
    {"gamma_down", "1", offsetof(es_params, gamma_down), "γ_down"},
};
static const xb_device_param ps_table[] = {
    HEAD_TABLE(ps_params),
    {"gamma", "1", offsetof(ps_params, gamma), "exponent of the distance to the bound"},
    {"gamma_up_down", "1", offsetof(ps_params, gamma_up_down), "γ± = γ(1 ± this)"},
};

#define AIHW_TYPE(var, nm, prefix, T, docstr)                                                    \
    static const xb_device_type var = {                                                          \
        .name = nm,                                                                              \
        .doc = docstr,                                                                           \
        .n_state = 1,                                                                            \
        .params_size = sizeof(T),                                                                \
        .default_params = &prefix##_defaults,                                                    \
        .params = prefix##_table,                                                                \
        .n_params = (int)(sizeof prefix##_table / sizeof prefix##_table[0]),                     \
        .conductance = xb_device__g_conductance,                                                               \
        .set_conductance = xb_device__g_set_clamped,                                                        \
        .bounds = xb_device__g_bounds,                                                                   \
        .pulse = prefix##_pulse,                                                                 \
        .pulses_full_range = head_pulses_full_range,                                             \
        .derive = prefix##_derive,                                                               \
    }

AIHW_TYPE(cs_type, "constant_step", cs, cs_params, "constant step (aihwkit ConstantStepDevice)");
AIHW_TYPE(ls_type, "linear_step", ls, ls_params, "step linear in the weight (aihwkit LinearStepDevice)");
AIHW_TYPE(sb_type, "soft_bounds", sb, sb_params, "step shrinking to 0 at the bounds (aihwkit SoftBoundsDevice)");
AIHW_TYPE(es_type, "exp_step", es, es_params, "exponential step (aihwkit ExpStepDevice)");
AIHW_TYPE(ps_type, "pow_step", ps, ps_params, "power-law step (aihwkit PowStepDevice)");

const xb_device_type *const xb_device_constant_step = &cs_type;
const xb_device_type *const xb_device_linear_step = &ls_type;
const xb_device_type *const xb_device_soft_bounds = &sb_type;
const xb_device_type *const xb_device_exp_step = &es_type;
const xb_device_type *const xb_device_pow_step = &ps_type;
