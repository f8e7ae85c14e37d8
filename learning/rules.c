/* learning: names of rules, channels, activations, losses and inits; config
 * validation; initial draws of forward and backward matrices; activations. */
#include "learning/net_internal.h"

#include <math.h>
#include <string.h>

static const char *const act_names[] = {"sigmoid", "tanh", "relu", "linear"};
static const char *const loss_names[] = {"softmax_ce", "mse", "sigmoid_ce"};
static const char *const rule_names[] = {"bp",   "rbp",        "srbp", "arbp", "asrbp",
                                         "sign", "sparse_rbp", "drtp", "wm"};
static const char *const channel_names[] = {"auto", "bidirectional", "conjoined", "twin",
                                            "distinct"};
static const char *const init_names[] = {"normal", "uniform"};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Index of name in names, or XB_ENOTFOUND with every valid name listed. */
static int find_name(const char *what, const char *const *names, int n, const char *name,
                     int *out)
{
    if (name != NULL) {
        for (int i = 0; i < n; i++) {
            if (strcmp(names[i], name) == 0) {
                *out = i;
                return XB_OK;
            }
        }
    }
    char list[256] = "";
    size_t len = 0;
    for (int i = 0; i < n && len < sizeof list; i++) {
        int w = snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", names[i]);
        len += w > 0 ? (size_t)w : 0;
    }
    return xb__error_set(XB_ENOTFOUND, "%s '%s' is unknown; valid: %s", what,
                         name ? name : "(null)", list);
}

#define DEFINE_FIND(fn, type, what, names)                                     \
    int fn(const char *name, type *out)                                        \
    {                                                                          \
        XB_ASSERT_ARG(out != NULL);                                            \
        int i = 0;                                                             \
        XB_TRY(find_name(what, names, COUNT(names), name, &i));                \
        *out = (type)i;                                                        \
        return XB_OK;                                                          \
    }

DEFINE_FIND(xb_activation_find, xb_activation, "activation", act_names)
DEFINE_FIND(xb_loss_find, xb_loss, "loss", loss_names)
DEFINE_FIND(xb_rule_find, xb_rule, "rule", rule_names)
DEFINE_FIND(xb_channel_find, xb_channel, "channel", channel_names)
DEFINE_FIND(xb_init_find, xb_init, "init", init_names)

#define DEFINE_NAME(fn, type, names)                                           \
    const char *fn(type v)                                                     \
    {                                                                          \
        return ((int)v >= 0 && (int)v < COUNT(names)) ? names[v] : "unknown";  \
    }

DEFINE_NAME(xb_activation_name, xb_activation, act_names)
DEFINE_NAME(xb_loss_name, xb_loss, loss_names)
DEFINE_NAME(xb_rule_name, xb_rule, rule_names)
DEFINE_NAME(xb_channel_name, xb_channel, channel_names)
DEFINE_NAME(xb_init_name, xb_init, init_names)

int xb_net__rule_direct(xb_rule r)
{
    return r == XB_RULE_SRBP || r == XB_RULE_ASRBP || r == XB_RULE_DRTP;
}

int xb_net__rule_uses_k(xb_rule r)
{
    return r != XB_RULE_BP;
}

double xb_net__act(xb_activation a, double v)
{
    switch (a) {
    case XB_ACT_SIGMOID:
        return 1.0 / (1.0 + exp(-v));
    case XB_ACT_TANH:
        return tanh(v);
    case XB_ACT_RELU:
        return v > 0.0 ? v : 0.0;
    case XB_ACT_LINEAR:
    default:
        return v;
    }
}

/* From the pre-activation and the stored output, whichever is cheaper. */
double xb_net__act_deriv(xb_activation a, double pre, double post)
{
    switch (a) {
    case XB_ACT_SIGMOID:
        return post * (1.0 - post);
    case XB_ACT_TANH:
        return 1.0 - post * post;
    case XB_ACT_RELU:
        return pre > 0.0 ? 1.0 : 0.0;
    case XB_ACT_LINEAR:
    default:
        return 1.0;
    }
}

void xb_net__backward_neurons(const xb_net_config *c, const double *a, const double *h, size_t n,
                              double *z)
{
    for (size_t i = 0; i < n; i++) {
        double v = c->bwd_nonlinear ? xb_net__act(c->hidden, z[i]) : z[i];
        z[i] = c->bwd_fprime ? v * xb_net__act_deriv(c->hidden, a[i], h[i]) : v;
    }
}

double xb_quantize_error(double v, int k)
{
    if (k <= 0 || isnan(v)) {
        return v;
    }
    if (k == 1) {
        return v > 0.0 ? 1.0 : (v < 0.0 ? -1.0 : 0.0);
    }
    /* 2^(k-1) - 1 positive levels keep zero exact and the grid symmetric. */
    double levels = ldexp(1.0, k - 1) - 1.0;
    double c = v > 1.0 ? 1.0 : (v < -1.0 ? -1.0 : v);
    return nearbyint(c * levels) / levels;
}

int xb_net__validate(xb_net_config *c)
{
    XB_ASSERT_ARG(c != NULL);
    if (c->n_layers < 1 || c->n_layers > XB_NET_MAX_LAYERS) {
        return xb__error_set(XB_EINVAL, "n_layers (%d) must be in 1..%d", c->n_layers,
                             XB_NET_MAX_LAYERS);
    }
    for (int l = 0; l <= c->n_layers; l++) {
        if (c->sizes[l] < 1) {
            return xb__error_set(XB_EINVAL, "sizes[%d] (%d) must be >= 1", l, c->sizes[l]);
        }
    }
    if ((int)c->hidden < 0 || (int)c->hidden > XB_ACT_LINEAR) {
        return xb__error_set(XB_EINVAL, "hidden activation (%d) is not an xb_activation",
                             (int)c->hidden);
    }
    if ((int)c->loss < 0 || (int)c->loss > XB_LOSS_SIGMOID_CE) {
        return xb__error_set(XB_EINVAL, "loss (%d) is not an xb_loss", (int)c->loss);
    }
    if ((int)c->rule < 0 || (int)c->rule > XB_RULE_WM) {
        return xb__error_set(XB_EINVAL, "rule (%d) is not an xb_rule", (int)c->rule);
    }
    if ((int)c->channel < 0 || (int)c->channel > XB_NET_CHANNEL_DISTINCT) {
        return xb__error_set(XB_EINVAL, "channel (%d) is not an xb_channel", (int)c->channel);
    }
    if ((int)c->init < 0 || (int)c->init > XB_INIT_UNIFORM || (int)c->b_init < 0 ||
        (int)c->b_init > XB_INIT_UNIFORM) {
        return xb__error_set(XB_EINVAL, "init (%d) / b_init (%d) must be normal or uniform",
                             (int)c->init, (int)c->b_init);
    }
    if (!(c->lr >= 0.0) || !isfinite(c->lr)) {
        return xb__error_set(XB_EINVAL, "lr (%g) must be finite and >= 0", c->lr);
    }
    if (!(c->momentum >= 0.0 && c->momentum < 1.0)) {
        return xb__error_set(XB_EINVAL, "momentum (%g) must be in [0, 1)", c->momentum);
    }
    if (!(c->decay >= 0.0) || !isfinite(c->decay)) {
        return xb__error_set(XB_EINVAL, "decay (%g) must be finite and >= 0", c->decay);
    }
    if (c->batch_max < 1) {
        return xb__error_set(XB_EINVAL, "batch_max (%zu) must be >= 1", c->batch_max);
    }
    if (!(c->init_scale >= 0.0) || !(c->b_scale >= 0.0)) {
        return xb__error_set(XB_EINVAL, "init_scale (%g) and b_scale (%g) must be >= 0",
                             c->init_scale, c->b_scale);
    }
    if (!(c->sparsity >= 0.0 && c->sparsity < 1.0)) {
        return xb__error_set(XB_EINVAL, "sparsity (%g) must be in [0, 1)", c->sparsity);
    }
    if (c->sparsity > 0.0 && c->rule != XB_RULE_SPARSE_RBP) {
        return xb__error_set(XB_EINVAL, "sparsity (%g) applies only to rule 'sparse_rbp', not '%s'",
                             c->sparsity, xb_rule_name(c->rule));
    }
    if (c->sign_magnitude < 0 || c->sign_magnitude > 2) {
        return xb__error_set(XB_EINVAL, "sign_magnitude (%d) must be 0 (uSF), 1 (frSF) or 2 (brSF)",
                             c->sign_magnitude);
    }
    if (c->error_bits < 0 || c->error_bits > 52) {
        return xb__error_set(XB_EINVAL, "error_bits (%d) must be 0 (float) or 1..52",
                             c->error_bits);
    }
    if (c->loss == XB_LOSS_SOFTMAX_CE && c->sizes[c->n_layers] < 2) {
        return xb__error_set(XB_EINVAL, "loss 'softmax_ce' needs >= 2 outputs, sizes[%d] is %d",
                             c->n_layers, c->sizes[c->n_layers]);
    }
    if (c->sal_steps < 0 || c->sal_tref < 0 || c->sal_every < 0 || !(c->sal_lr >= 0.0) ||
        !isfinite(c->sal_lr)) {
        return xb__error_set(XB_EINVAL,
                             "sal_steps (%d), sal_tref (%d), sal_every (%d) and sal_lr (%g) must be "
                             ">= 0",
                             c->sal_steps, c->sal_tref, c->sal_every, c->sal_lr);
    }
    if (c->sal_steps > 0 && c->rule != XB_RULE_RBP && c->rule != XB_RULE_SPARSE_RBP) {
        return xb__error_set(XB_EINVAL,
                             "sal_steps (%d) adapts a fixed random B: rule must be 'rbp' or "
                             "'sparse_rbp', not '%s'",
                             c->sal_steps, xb_rule_name(c->rule));
    }
    if (!(c->wm_lr >= 0.0) || !isfinite(c->wm_lr) || !(c->wm_noise >= 0.0) ||
        !isfinite(c->wm_noise) || !(c->wm_damping >= 0.0) || !isfinite(c->wm_damping) ||
        c->wm_steps < 0) {
        return xb__error_set(XB_EINVAL,
                             "wm_lr (%g), wm_noise (%g), wm_damping (%g) and wm_steps (%d) must "
                             "be finite and >= 0",
                             c->wm_lr, c->wm_noise, c->wm_damping, c->wm_steps);
    }
    if (c->rule == XB_RULE_WM && !(c->wm_noise > 0.0)) {
        return xb__error_set(XB_EINVAL,
                             "rule 'wm' mirrors W_l by noise of amplitude wm_noise, which is 0: "
                             "B would never change (use rule 'rbp' for a fixed B)");
    }
    if (c->rule != XB_RULE_WM && (c->wm_batch > 0 || c->wm_steps > 1)) {
        return xb__error_set(XB_EINVAL,
                             "wm_batch (%zu) and wm_steps (%d) set the weight mirror: they apply "
                             "only to rule 'wm', not '%s'",
                             c->wm_batch, c->wm_steps, xb_rule_name(c->rule));
    }
    /* the mirror's other settings have nonzero defaults: a value other than
     * the default on another rule was meant for a mirror that never runs */
    static const xb_net_config defaults = XB_NET_CONFIG_INIT;
    if (c->rule != XB_RULE_WM && (c->wm_lr != defaults.wm_lr || c->wm_noise != defaults.wm_noise ||
                                  c->wm_damping != defaults.wm_damping)) {
        return xb__error_set(XB_EINVAL,
                             "wm_lr (%g), wm_noise (%g) and wm_damping (%g) set the weight mirror: "
                             "they apply only to rule 'wm', not '%s' (leave them at %g, %g, %g)",
                             c->wm_lr, c->wm_noise, c->wm_damping, xb_rule_name(c->rule),
                             defaults.wm_lr, defaults.wm_noise, defaults.wm_damping);
    }
    if (c->norm_constraint != 0 && c->norm_constraint != 1) {
        return xb__error_set(XB_EINVAL, "norm_constraint (%d) must be 0 or 1", c->norm_constraint);
    }
    if (c->channel == XB_NET_CHANNEL_AUTO) {
        c->channel = c->rule == XB_RULE_BP             ? XB_NET_CHANNEL_BIDIRECTIONAL
                     : xb_net__rule_direct(c->rule) ? XB_NET_CHANNEL_DISTINCT
                                                      : XB_NET_CHANNEL_TWIN;
    }
    if (c->channel == XB_NET_CHANNEL_BIDIRECTIONAL && c->rule != XB_RULE_BP) {
        return xb__error_set(XB_EINVAL,
                             "channel 'bidirectional' reads W itself, so rule '%s' has nowhere "
                             "for its backward matrices: use conjoined, twin or distinct",
                             xb_rule_name(c->rule));
    }
    if (xb_net__rule_direct(c->rule) && c->n_layers > 2 && c->channel != XB_NET_CHANNEL_DISTINCT) {
        return xb__error_set(XB_EINVAL,
                             "rule '%s' with %d layers sends e to every layer through n_L x n_l "
                             "arrays: channel '%s' mirrors the forward shapes, use 'distinct'",
                             xb_rule_name(c->rule), c->n_layers, xb_channel_name(c->channel));
    }
    if (c->hardware) {
        if (c->fwd.w_max <= 0.0 || c->bwd.w_max <= 0.0) {
            return xb__error_set(XB_EINVAL, "fwd.w_max (%g) and bwd.w_max (%g) must be > 0",
                                 c->fwd.w_max, c->bwd.w_max);
        }
        /* conjoined arrays share the forward periphery, pulse generators included */
        int bwd_stoch = c->channel == XB_NET_CHANNEL_CONJOINED ? c->fwd.update == XB_UPDATE_STOCHASTIC
                                                           : c->bwd.update == XB_UPDATE_STOCHASTIC;
        int fwd_stoch = c->fwd.update == XB_UPDATE_STOCHASTIC;
        if ((fwd_stoch || bwd_stoch) && (c->decay > 0.0 || c->manhattan || c->momentum > 0.0)) {
            return xb__error_set(XB_EINVAL,
                                 "update scheme 'stochastic' programs only the outer product "
                                 "d h^T: decay (%g), manhattan (%d) and momentum (%g) need a "
                                 "pulse-count scheme",
                                 c->decay, c->manhattan, c->momentum);
        }
        if (bwd_stoch && c->rule == XB_RULE_SIGN) {
            return xb__error_set(XB_EINVAL, "rule 'sign' rewrites B to sign(W) (.) |R|, which is "
                                            "not an outer product: the backward update scheme "
                                            "cannot be 'stochastic'");
        }
    }
    return XB_OK;
}

int xb_net_config_check(const xb_net_config *cfg)
{
    XB_ASSERT_ARG(cfg != NULL);
    xb_net_config c = *cfg; /* validation resolves defaults in its copy */
    return xb_net__validate(&c);
}

static double default_scale(xb_init init, double scale, int rows, int cols)
{
    if (scale > 0.0) {
        return scale;
    }
    double fan = (double)rows + (double)cols;
    return init == XB_INIT_UNIFORM ? sqrt(6.0 / fan) : sqrt(1.0 / fan);
}

static void draw(xb_init init, double s, const xb_rng *r, uint64_t pos0, size_t n, double *out)
{
    if (init == XB_INIT_NORMAL) {
        xb_rng_fill_normal(r, pos0, n, 0.0, s, out);
        return;
    }
    for (size_t k = 0; k < n; k++) {
        out[k] = s * (2.0 * xb_rng_uniform_at(r, pos0 + k) - 1.0);
    }
}

void xb_net__draw_forward(const xb_net_config *cfg, int l, int rows, int cols, double *w)
{
    xb_rng r;
    xb_rng_init(&r, cfg->seed, XB_RNG_INIT, (uint32_t)l);
    draw(cfg->init, default_scale(cfg->init, cfg->init_scale, rows, cols), &r, 0,
         (size_t)rows * (size_t)cols, w);
}

void xb_net__draw_backward(const xb_net_config *cfg, int l, int rows, int cols, double *k,
                           double *rmag)
{
    size_t n = (size_t)rows * (size_t)cols;
    xb_rng r;
    xb_rng_init(&r, cfg->seed, XB_RNG_FEEDBACK, (uint32_t)l);
    draw(cfg->b_init, default_scale(cfg->b_init, cfg->b_scale, rows, cols), &r, 0, n, k);
    if (cfg->sparsity > 0.0) {
        xb_rng m;
        xb_rng_init(&m, cfg->seed, XB_RNG_SPARSE, (uint32_t)l);
        for (size_t i = 0; i < n; i++) {
            if (xb_rng_uniform_at(&m, i) < cfg->sparsity) {
                k[i] = 0.0;
            }
        }
    }
    if (rmag != NULL) {
        for (size_t i = 0; i < n; i++) {
            rmag[i] = fabs(k[i]);
        }
    }
}

void xb_net__minus_target(const xb_net_config *c, size_t nb, int nL, const int *labels,
                          const double *targets, double *out)
{
    for (size_t s = 0; s < nb; s++) {
        for (int i = 0; i < nL; i++) {
            size_t k = s * (size_t)nL + (size_t)i;
            out[k] = c->loss == XB_LOSS_MSE ? -targets[k] : (labels[s] == i ? -1.0 : 0.0);
        }
    }
}

void xb_net__redraw_magnitudes(const xb_net_config *cfg, int l, int rows, int cols,
                               uint64_t step, double *rmag)
{
    size_t n = (size_t)rows * (size_t)cols;
    xb_rng r;
    xb_rng_init(&r, cfg->seed, XB_RNG_FEEDBACK, (uint32_t)l);
    /* block `step + 1` of the feedback stream: block 0 is the initial draw */
    draw(cfg->b_init, default_scale(cfg->b_init, cfg->b_scale, rows, cols), &r, (step + 1) * n, n,
         rmag);
    for (size_t i = 0; i < n; i++) {
        rmag[i] = fabs(rmag[i]);
    }
}

void xb_net__sign_matrix(const xb_net_config *cfg, const double *w, const double *rmag,
                         size_t n, double *k_out)
{
    /* uSF's constant scale: b_scale, or the normal init's default would need
     * the shape, so 1 stands in when b_scale is 0. */
    double s = cfg->b_scale > 0.0 ? cfg->b_scale : 1.0;
    for (size_t i = 0; i < n; i++) {
        double sg = w[i] > 0.0 ? 1.0 : (w[i] < 0.0 ? -1.0 : 0.0);
        k_out[i] = sg * (cfg->sign_magnitude ? rmag[i] : s);
    }
}
