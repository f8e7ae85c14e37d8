/* The device block: n devices of one model plus their nonidealities. Every
 * random quantity is a pure function of (seed, purpose, array, position):
 *   d2d   XB_RNG_D2D    position k * XB_DEVICE_MAX_PARAMS + index of the parameter
 *   stuck XB_RNG_STUCK  position k (one uniform decides min, max or free)
 *   c2c   XB_RNG_C2C    position (event << 32) + k
 *   PCM statistical model: pcm_stat.c
 * so turning one source on never changes the numbers another one sees. */
#include "devices/devices_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { FREE = 0, STUCK_MIN = 1, STUCK_MAX = 2 };

/* Distance kept from a trapping end of a pulse table (normalised state). */
#define TABLE_EDGE 1e-6
/* Devices ahead of the one being written whose state a sparse write prefetches. */
#define PREFETCH_AHEAD 16

struct xb_devices {
    const xb_device_type *type;
    size_t n;
    void *params;  /* one struct (stride 0) or n structs */
    size_t stride; /* 0 or type->params_size */
    double *state; /* n * n_state */
    double *g;     /* n, noiseless conductance */
    unsigned char *stuck; /* NULL if no cell is stuck */
    double *nu;           /* per-device drift exponents; NULL = all cfg.drift_nu */
    xb_device__pcm *pcm;  /* PCM statistical model (pcm_stat.c); NULL = off */
    int32_t *npulse_ws;   /* n */
    double *g_ws;         /* n */
    xb_device_config cfg;
    double gmin_nom, gmax_nom, pulses_full_range;
    xb_rng c2c, read;
    /* state-equation models */
    xb_write_mode mode;
    xb_device_ode_settings ode;
    xb_device_ode_stats ode_stats;
    xb_device__table table; /* nominal pulse response (TABLE mode) */
    double *v_up, *v_down, *scale;     /* n each, ODE mode */
    double *ode_x;                     /* n * n_state: states of the devices a round moves */
    size_t *ode_idx;                   /* n: which devices those are */
    char *ode_params;                  /* n * params_size when parameters are per device */
    xb_device_waveform pulse_wave;
    double pulse_t_end;
};

/* Every built-in model, in the order `xbarsim device list` shows them. */
static const xb_device_type *const *const all_models[] = {
    &xb_device_ideal,       &xb_device_neurosim,  &xb_device_constant_step,
    &xb_device_linear_step, &xb_device_soft_bounds, &xb_device_exp_step,
    &xb_device_pow_step,    &xb_device_piecewise, &xb_device_linear_drift,
    &xb_device_vteam,       &xb_device_team,      &xb_device_yakopcic,
    &xb_device_stanford_pku,
};

size_t xb_device_model_count(void) { return sizeof all_models / sizeof all_models[0]; }

const xb_device_type *xb_device_model_at(size_t i)
{
    return i < xb_device_model_count() ? *all_models[i] : NULL;
}

/* Equal ignoring underscores, so "softbounds" and "expstep" (the spelling of
 * issue 4's `--model` list) find soft_bounds and exp_step. */
static int same_name(const char *a, const char *b)
{
    for (;;) {
        while (*a == '_') {
            a++;
        }
        while (*b == '_') {
            b++;
        }
        if (*a != *b) {
            return 0;
        }
        if (*a == '\0') {
            return 1;
        }
        a++;
        b++;
    }
}

const xb_device_type *xb_device_model_find(const char *name)
{
    if (name == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < xb_device_model_count(); i++) {
        if (strcmp((*all_models[i])->name, name) == 0) {
            return *all_models[i];
        }
    }
    for (size_t i = 0; i < xb_device_model_count(); i++) {
        if (same_name((*all_models[i])->name, name)) {
            return *all_models[i];
        }
    }
    return NULL;
}

int xb_device__param_index(const xb_device_type *type, const char *name)
{
    for (int i = 0; i < type->n_params; i++) {
        if (strcmp(type->params[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

static double *param_ptr(const xb_device_type *type, void *params, int index)
{
    return (double *)((char *)params + type->params[index].offset);
}

/* One relative draw with mean 1 and sd sigma. The lognormal one keeps the sign
 * of the parameter and never crosses zero. */
static double relative_factor(double sigma, xb_dist dist, double xi)
{
    if (dist == XB_DIST_LOGNORMAL) {
        double s2 = log1p(sigma * sigma);
        return exp(sqrt(s2) * xi - 0.5 * s2);
    }
    return 1.0 + sigma * xi;
}

static int validate_config(const xb_device_config *cfg, const xb_device_type *type, size_t n)
{
    if (n == 0 || n > UINT32_MAX) {
        return xb__error_set(XB_EINVAL, "device count (%zu) must be in 1..%u", n,
                             (unsigned)UINT32_MAX);
    }
    if (type->params_size > XB_DEVICE_PARAMS_MAX || type->n_params > XB_DEVICE_MAX_PARAMS ||
        type->conductance == NULL || type->set_conductance == NULL || type->bounds == NULL ||
        type->n_state < 1) {
        return xb__error_set(XB_EINVAL, "device model '%s' is incomplete or too large", type->name);
    }
    if (!(cfg->d2d_gbounds >= 0.0)) {
        return xb__error_set(XB_EINVAL, "d2d_gbounds (%g) must be >= 0", cfg->d2d_gbounds);
    }
    if (!(cfg->c2c >= 0.0)) {
        return xb__error_set(XB_EINVAL, "c2c (%g) must be >= 0", cfg->c2c);
    }
    if (!(cfg->read_noise >= 0.0)) {
        return xb__error_set(XB_EINVAL, "read_noise (%g) must be >= 0", cfg->read_noise);
    }
    if (cfg->levels < 0 || cfg->levels == 1) {
        return xb__error_set(XB_EINVAL, "levels (%d) must be 0 (continuous) or >= 2", cfg->levels);
    }
    if (!(cfg->stuck_min_frac >= 0.0) || !(cfg->stuck_max_frac >= 0.0) ||
        !(cfg->stuck_min_frac + cfg->stuck_max_frac <= 1.0)) {
        return xb__error_set(XB_EINVAL,
                             "stuck fractions (min %g, max %g) must be >= 0 and sum to <= 1",
                             cfg->stuck_min_frac, cfg->stuck_max_frac);
    }
    if (!(cfg->drift_nu >= 0.0) || !(cfg->drift_t0 > 0.0) || !(cfg->drift_nu_d2d >= 0.0)) {
        return xb__error_set(XB_EINVAL,
                             "drift_nu (%g) and drift_nu_d2d (%g) must be >= 0 and drift_t0 (%g s) > 0",
                             cfg->drift_nu, cfg->drift_nu_d2d, cfg->drift_t0);
    }
    if (cfg->pcm_stat < XB_PCM_OFF || cfg->pcm_stat > XB_PCM_COMPENSATED ||
        (cfg->pcm_stat != XB_PCM_OFF && cfg->drift_nu > 0.0)) {
        return xb__error_set(XB_EINVAL,
                             "pcm_stat (%d) must be 0 (off), 1 (on) or 2 (on, drift compensated), "
                             "and drift_nu (%g) 0 with it (the PCM model has its own drift)",
                             cfg->pcm_stat, cfg->drift_nu);
    }
    if (cfg->n_d2d < 0 || cfg->n_d2d > XB_DEVICE_MAX_VARIATIONS) {
        return xb__error_set(XB_EINVAL, "n_d2d (%d) must be in 0..%d", cfg->n_d2d,
                             XB_DEVICE_MAX_VARIATIONS);
    }
    return 0;
}

/* sigma[i] and dist[i] for each parameter index; 0 = not varied. */
static int collect_variations(const xb_device_config *cfg, const xb_device_type *type,
                              double *sigma, xb_dist *dist)
{
    for (int i = 0; i < XB_DEVICE_MAX_PARAMS; i++) {
        sigma[i] = 0.0;
        dist[i] = XB_DIST_NORMAL;
    }
    if (cfg->d2d_gbounds > 0.0) {
        int imin = xb_device__param_index(type, "gmin");
        int imax = xb_device__param_index(type, "gmax");
        if (imin < 0 || imax < 0) { /* state-equation models: the resistances */
            imin = xb_device__param_index(type, "roff");
            imax = xb_device__param_index(type, "ron");
        }
        if (imin < 0 || imax < 0) {
            return xb__error_set(XB_EINVAL,
                                 "d2d_gbounds needs parameters 'gmin' and 'gmax', which model "
                                 "'%s' does not have",
                                 type->name);
        }
        sigma[imin] = sigma[imax] = cfg->d2d_gbounds;
    }
    for (int j = 0; j < cfg->n_d2d; j++) {
        const xb_device_variation *v = &cfg->d2d[j];
        char name[sizeof v->param + 1];
        memcpy(name, v->param, sizeof v->param);
        name[sizeof v->param] = '\0';
        int i = xb_device__param_index(type, name);
        if (i < 0) {
            return xb__error_set(XB_ENOTFOUND, "d2d variation: model '%s' has no parameter '%s'",
                                 type->name, name);
        }
        if (!(v->sigma >= 0.0) || (v->dist != XB_DIST_NORMAL && v->dist != XB_DIST_LOGNORMAL)) {
            return xb__error_set(XB_EINVAL,
                                 "d2d variation of '%s': sigma (%g) must be >= 0 and dist "
                                 "normal or lognormal",
                                 name, v->sigma);
        }
        if (sigma[i] > 0.0) {
            return xb__error_set(XB_EINVAL, "d2d variation of '%s' is given twice", name);
        }
        sigma[i] = v->sigma;
        dist[i] = v->dist;
    }
    return 0;
}

void xb_devices_free(xb_devices *d)
{
    if (d == NULL) {
        return;
    }
    free(d->params);
    free(d->state);
    free(d->g);
    free(d->stuck);
    free(d->nu);
    xb_device__pcm_free(d->pcm);
    free(d->npulse_ws);
    free(d->g_ws);
    xb_device__table_free(&d->table);
    free(d->v_up);
    free(d->v_down);
    free(d->scale);
    free(d->ode_x);
    free(d->ode_idx);
    free(d->ode_params);
    free(d);
}

static void device_bounds(const xb_devices *d, size_t k, double *gmin, double *gmax)
{
    d->type->bounds(xb_device__params_at(d->params, d->stride, k), gmin, gmax);
}

/* The nearest of cfg.levels levels spanning the device's own range. */
static double quantise(const xb_devices *d, double g, double gmin, double gmax)
{
    if (d->cfg.levels < 2) {
        return g;
    }
    double span = gmax - gmin;
    double steps = (double)(d->cfg.levels - 1);
    double level = nearbyint((g - gmin) / span * steps);
    return xb_device__clamp(gmin + level / steps * span, gmin, gmax);
}

static int refresh_conductances(xb_devices *d)
{
    int rc = d->type->conductance(d->params, d->stride, d->n, d->state, d->g);
    if (rc < 0) {
        return xb__error_set(XB_EINTERNAL, "model '%s': conductance failed", d->type->name);
    }
    return 0;
}

/* Writes g_ws into the states (stuck cells are pinned), then refreshes g. */
static int commit_targets(xb_devices *d)
{
    for (size_t k = 0; d->stuck != NULL && k < d->n; k++) {
        if (d->stuck[k] != FREE) {
            double gmin, gmax;
            device_bounds(d, k, &gmin, &gmax);
            d->g_ws[k] = d->stuck[k] == STUCK_MIN ? gmin : gmax;
        }
    }
    int rc = d->type->set_conductance(d->params, d->stride, d->n, d->g_ws, d->state);
    if (rc < 0) {
        return xb__error_set(XB_EINTERNAL, "model '%s': set_conductance failed", d->type->name);
    }
    return refresh_conductances(d);
}

int xb_devices_create(xb_devices **out, const xb_device_config *cfg, size_t n, uint64_t seed,
                      uint32_t array_id)
{
    XB_ASSERT_ARG(out != NULL);
    XB_ASSERT_ARG(cfg != NULL);
    *out = NULL;
    const xb_device_type *type = cfg->type != NULL ? cfg->type : xb_device_ideal;
    XB_TRY(validate_config(cfg, type, n));
    double sigma[XB_DEVICE_MAX_PARAMS];
    xb_dist dist[XB_DEVICE_MAX_PARAMS];
    XB_TRY(collect_variations(cfg, type, sigma, dist));
    int any_d2d = 0;
    for (int i = 0; i < type->n_params; i++) {
        any_d2d |= sigma[i] > 0.0;
    }

    int rc = 0;
    xb_devices *d = calloc(1, sizeof *d);
    if (d == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    d->type = type;
    d->n = n;
    d->cfg = *cfg;
    d->cfg.type = type;
    d->cfg.params = NULL; /* the block owns its copy */
    d->stride = any_d2d ? type->params_size : 0;
    size_t ncopies = any_d2d ? n : 1;
    d->params = malloc(ncopies * type->params_size);
    d->state = malloc(n * (size_t)type->n_state * sizeof *d->state);
    d->g = malloc(n * sizeof *d->g);
    d->npulse_ws = malloc(n * sizeof *d->npulse_ws);
    d->g_ws = malloc(n * sizeof *d->g_ws);
    if (d->params == NULL || d->state == NULL || d->g == NULL || d->npulse_ws == NULL ||
        d->g_ws == NULL) {
        rc = xb__error_set(XB_ENOMEM, "out of memory for %zu devices", n);
        goto out;
    }

    /* Nominal parameters, validated and derived once. */
    memcpy(d->params, cfg->params != NULL ? cfg->params : type->default_params, type->params_size);
    if (type->derive != NULL && (rc = type->derive(d->params)) < 0) {
        goto out;
    }
    type->bounds(d->params, &d->gmin_nom, &d->gmax_nom);
    d->pulses_full_range = type->pulses_full_range != NULL ? type->pulses_full_range(d->params) : 0.0;

    if (any_d2d) {
        xb_rng r;
        xb_rng_init(&r, seed, XB_RNG_D2D, array_id);
        for (size_t k = 0; k < n; k++) {
            void *pk = (char *)d->params + k * d->stride;
            if (k > 0) {
                memcpy(pk, d->params, type->params_size);
            }
        }
        for (size_t k = 0; k < n; k++) {
            void *pk = (char *)d->params + k * d->stride;
            for (int i = 0; i < type->n_params; i++) {
                if (sigma[i] > 0.0) {
                    double xi = xb_rng_normal_at(&r, (uint64_t)k * XB_DEVICE_MAX_PARAMS + (uint64_t)i);
                    *param_ptr(type, pk, i) *= relative_factor(sigma[i], dist[i], xi);
                }
            }
            int imin = xb_device__param_index(type, "gmin");
            int imax = xb_device__param_index(type, "gmax");
            if (imin >= 0 && imax >= 0) {
                /* A wide normal spread can invert or negate the bounds; keep
                 * the device physical (aihwkit enforce_consistency). */
                double *gmin = param_ptr(type, pk, imin), *gmax = param_ptr(type, pk, imax);
                *gmin = fabs(*gmin);
                *gmax = fabs(*gmax);
                if (*gmax < *gmin) {
                    double t = *gmin;
                    *gmin = *gmax;
                    *gmax = t;
                }
            }
            imin = xb_device__param_index(type, "ron");
            imax = xb_device__param_index(type, "roff");
            if (imin >= 0 && imax >= 0) {
                double *ron = param_ptr(type, pk, imin), *roff = param_ptr(type, pk, imax);
                *ron = fabs(*ron);
                *roff = fabs(*roff);
                if (*roff < *ron) {
                    double t = *ron;
                    *ron = *roff;
                    *roff = t;
                }
            }
            if (type->derive != NULL && (rc = type->derive(pk)) < 0) {
                rc = xb__error_prefix(rc, "device %zu after d2d variation: ", k);
                goto out;
            }
        }
    }

    if (type->pulse == NULL && type->rhs != NULL) {
        xb_device_ode_settings ode = XB_DEVICE_ODE_SETTINGS_INIT;
        d->ode = ode;
        d->mode = XB_WRITE_TABLE;
        /* the nominal device: d->params[0] holds device 0, so build from cfg */
        char nominal[XB_DEVICE_PARAMS_MAX];
        memcpy(nominal, cfg->params != NULL ? cfg->params : type->default_params, type->params_size);
        if ((type->derive != NULL && (rc = type->derive(nominal)) < 0) ||
            (rc = xb_device__table_build(type, nominal, &d->ode, XB_DEVICE__TABLE_NODES, &d->table)) < 0) {
            goto out;
        }
        d->pulses_full_range = d->table.p_full;
    }

    if (cfg->stuck_min_frac > 0.0 || cfg->stuck_max_frac > 0.0) {
        d->stuck = calloc(n, 1);
        if (d->stuck == NULL) {
            rc = xb__error_set(XB_ENOMEM, "out of memory for %zu devices", n);
            goto out;
        }
        xb_rng r;
        xb_rng_init(&r, seed, XB_RNG_STUCK, array_id);
        for (size_t k = 0; k < n; k++) {
            double u = xb_rng_uniform_at(&r, k);
            d->stuck[k] = u < cfg->stuck_min_frac ? STUCK_MIN
                          : u < cfg->stuck_min_frac + cfg->stuck_max_frac ? STUCK_MAX
                                                                           : FREE;
        }
    }
    if (cfg->drift_nu > 0.0 && cfg->drift_nu_d2d > 0.0) {
        d->nu = malloc(n * sizeof *d->nu);
        if (d->nu == NULL) {
            rc = xb__error_set(XB_ENOMEM, "out of memory for %zu devices", n);
            goto out;
        }
        xb_rng r;
        xb_rng_init(&r, seed, XB_RNG_DRIFT, array_id);
        for (size_t k = 0; k < n; k++) {
            d->nu[k] = fabs(cfg->drift_nu * (1.0 + cfg->drift_nu_d2d * xb_rng_normal_at(&r, k)));
        }
    }
    if (cfg->pcm_stat != XB_PCM_OFF &&
        (rc = xb_device__pcm_create(&d->pcm, cfg->pcm_stat, n, d->gmax_nom, seed, array_id)) < 0) {
        goto out;
    }
    xb_rng_init(&d->c2c, seed, XB_RNG_C2C, array_id);
    xb_rng_init(&d->read, seed, XB_RNG_READ, array_id);

    /* Fresh devices sit at their Gmin (stuck ones at their value). */
    for (size_t k = 0; k < n; k++) {
        double gmax;
        device_bounds(d, k, &d->g_ws[k], &gmax);
    }
    if ((rc = commit_targets(d)) < 0) {
        goto out;
    }
    *out = d;
    return 0;
out:
    xb_devices_free(d);
    return rc;
}

size_t xb_devices_count(const xb_devices *d) { return d != NULL ? d->n : 0; }

void xb_devices_nominal_range(const xb_devices *d, double *gmin_out, double *gmax_out)
{
    if (gmin_out != NULL) {
        *gmin_out = d->gmin_nom;
    }
    if (gmax_out != NULL) {
        *gmax_out = d->gmax_nom;
    }
}

double xb_devices_pulses_full_range(const xb_devices *d) { return d->pulses_full_range; }

const double *xb_devices_conductances(const xb_devices *d) { return d->g; }

double xb_devices_read_noise(const xb_devices *d) { return d->cfg.read_noise; }

const xb_device_config *xb_devices__config(const xb_devices *d) { return &d->cfg; }

int xb_devices_program(xb_devices *d, const double *g_target)
{
    XB_ASSERT_ARG(d != NULL);
    XB_ASSERT_ARG(g_target != NULL);
    for (size_t k = 0; k < d->n; k++) {
        if (!isfinite(g_target[k])) {
            return xb__error_set(XB_EINVAL, "target conductance of device %zu (%g S) is not finite",
                                 k, g_target[k]);
        }
        double gmin, gmax;
        device_bounds(d, k, &gmin, &gmax);
        d->g_ws[k] = quantise(d, xb_device__clamp(g_target[k], gmin, gmax), gmin, gmax);
        if (d->pcm != NULL) {
            d->g_ws[k] = xb_device__pcm_program_one(d->pcm, k, d->g_ws[k], gmin, gmax);
        }
    }
    XB_TRY(commit_targets(d));
    if (d->pcm != NULL) {
        xb_device__pcm_programmed(d->pcm, d->g);
    }
    return 0;
}

/* TABLE mode, one device: the nominal one-pulse map, in the table's
 * coordinate of the device's own range (so d2d of the bounds acts), then back
 * to a state. */
static int table_move_one(xb_devices *d, size_t k, int32_t p)
{
    const xb_device__table *t = &d->table;
    int logg = t->coord == XB_TABLE_LOG_G;
    const int last = t->n - 1;
    size_t ns = (size_t)d->type->n_state;
    double gmin, gmax;
    device_bounds(d, k, &gmin, &gmax);
    double g = xb_device__clamp(d->g[k], gmin, gmax);
    double x = logg ? log(g / gmin) / log(gmax / gmin) : (g - gmin) / (gmax - gmin);
    x = xb_device__table_move(t, x, p);
    /* a window that vanishes at a bound (Joglekar) makes an end node a
     * trap the ODE only approaches: keep table states just inside it */
    if (t->down[last] == 0.0) {
        x = fmin(x, 1.0 - TABLE_EDGE);
    }
    if (t->up[0] == 0.0) {
        x = fmax(x, TABLE_EDGE);
    }
    g = logg ? gmin * exp(x * log(gmax / gmin)) : gmin + x * (gmax - gmin);
    const void *pk = xb_device__params_at(d->params, d->stride, k);
    return d->type->set_conductance(pk, 0, 1, &g, d->state + k * ns);
}

/* TABLE mode over the whole block. */
static int pulse_table(xb_devices *d)
{
    for (size_t k = 0; k < d->n; k++) {
        if (d->npulse_ws[k] != 0) {
            XB_TRY(table_move_one(d, k, d->npulse_ws[k]));
        }
    }
    return 0;
}

/* ODE mode: round j applies the j-th pulse to every device with more than j
 * pulses to take (up or down by its own v_up/v_down), all as one vector. */
static int pulse_ode(xb_devices *d)
{
    int32_t most = 0;
    for (size_t k = 0; k < d->n; k++) {
        int32_t m = d->npulse_ws[k] < 0 ? -d->npulse_ws[k] : d->npulse_ws[k];
        most = m > most ? m : most;
    }
    size_t ns = (size_t)d->type->n_state, psize = d->type->params_size;
    for (int32_t j = 0; j < most; j++) {
        /* only the devices this round moves go into the vectors: an update
         * pulses few cells, and the rest would be integrated at 0 V */
        size_t m = 0;
        for (size_t k = 0; k < d->n; k++) {
            int32_t np = d->npulse_ws[k];
            if (np <= j && -np <= j) {
                continue;
            }
            d->ode_idx[m] = k;
            d->scale[m] = np > j ? d->v_up[k] : d->v_down[k];
            memcpy(d->ode_x + m * ns, d->state + k * ns, ns * sizeof *d->ode_x);
            if (d->stride != 0) {
                memcpy(d->ode_params + m * psize, (const char *)d->params + k * d->stride, psize);
            }
            m++;
        }
        xb_device_ode_stats st;
        XB_TRY(xb_device_integrate(d->type, d->stride != 0 ? (const void *)d->ode_params : d->params,
                                   d->stride != 0 ? psize : 0, m, d->ode_x, d->scale, &d->pulse_wave,
                                   d->pulse_t_end, 0, NULL, &d->ode, &st));
        for (size_t i = 0; i < m; i++) {
            memcpy(d->state + d->ode_idx[i] * ns, d->ode_x + i * ns, ns * sizeof *d->ode_x);
        }
        d->ode_stats.steps += st.steps;
        d->ode_stats.rhs_evals += st.rhs_evals;
        d->ode_stats.error_test_fails += st.error_test_fails;
        d->ode_stats.nonlin_conv_fails += st.nonlin_conv_fails;
        d->ode_stats.restarts += st.restarts;
        d->ode_stats.range_retries += st.range_retries;
    }
    return 0;
}

int xb_devices_set_write_mode(xb_devices *d, xb_write_mode mode,
                              const xb_device_ode_settings *settings)
{
    XB_ASSERT_ARG(d != NULL);
    if (mode != XB_WRITE_TABLE && mode != XB_WRITE_ODE) {
        return xb__error_set(XB_EINVAL, "write mode (%d) must be table (0) or ode (1)", (int)mode);
    }
    if (settings != NULL) {
        d->ode = *settings;
    }
    if (d->type->rhs == NULL || d->type->pulse != NULL) {
        d->mode = mode; /* pulse-level models: nothing to integrate */
        return 0;
    }
    if (mode == XB_WRITE_ODE && d->scale == NULL) {
        d->v_up = malloc(d->n * sizeof *d->v_up);
        d->v_down = malloc(d->n * sizeof *d->v_down);
        d->scale = malloc(d->n * sizeof *d->scale);
        d->ode_x = malloc(d->n * (size_t)d->type->n_state * sizeof *d->ode_x);
        d->ode_idx = malloc(d->n * sizeof *d->ode_idx);
        d->ode_params = d->stride != 0 ? malloc(d->n * d->type->params_size) : NULL;
        if (d->v_up == NULL || d->v_down == NULL || d->scale == NULL || d->ode_x == NULL ||
            d->ode_idx == NULL || (d->stride != 0 && d->ode_params == NULL)) {
            return xb__error_set(XB_ENOMEM, "out of memory for %zu devices", d->n);
        }
        for (size_t k = 0; k < d->n; k++) {
            const void *pk = xb_device__params_at(d->params, d->stride, k);
            XB_TRY(xb_device_param_get(d->type, pk, "v_up", &d->v_up[k]));
            XB_TRY(xb_device_param_get(d->type, pk, "v_down", &d->v_down[k]));
        }
        XB_TRY(xb_device_write_pulse(d->type, d->params, &d->pulse_wave, &d->pulse_t_end));
    }
    d->mode = mode;
    return 0;
}

void xb_devices_ode_stats(const xb_devices *d, xb_device_ode_stats *out) { *out = d->ode_stats; }

/* c2c write noise and level quantisation of device k after p pulses of
 * write `event` (its conductance already refreshed). */
static int write_noise(xb_devices *d, size_t k, int32_t p, uint64_t event)
{
    const size_t ns = (size_t)d->type->n_state;
    double gmin, gmax;
    device_bounds(d, k, &gmin, &gmax);
    double g = d->g[k];
    if (d->cfg.c2c > 0.0) {
        double xi = xb_rng_normal_zig_at(&d->c2c, (event << 32) + (uint64_t)k);
        double mag = p < 0 ? -(double)p : (double)p;
        g += d->cfg.c2c * (gmax - gmin) * sqrt(mag) * xi;
    }
    g = quantise(d, xb_device__clamp(g, gmin, gmax), gmin, gmax);
    const void *pk = xb_device__params_at(d->params, d->stride, k);
    if (d->type->set_conductance(pk, 0, 1, &g, d->state + k * ns) < 0 ||
        d->type->conductance(pk, 0, 1, d->state + k * ns, d->g + k) < 0) {
        return xb__error_set(XB_EINTERNAL, "model '%s': set_conductance failed", d->type->name);
    }
    return 0;
}

int xb_devices_pulse(xb_devices *d, const int32_t *npulses, uint64_t event)
{
    XB_ASSERT_ARG(d != NULL);
    XB_ASSERT_ARG(npulses != NULL);
    if (d->type->pulse == NULL && d->type->rhs == NULL) {
        return xb__error_set(XB_EINVAL, "model '%s' has no pulse response", d->type->name);
    }
    size_t n = d->n;
    int any = 0;
    for (size_t k = 0; k < n; k++) {
        int32_t p = (d->stuck != NULL && d->stuck[k] != FREE) ? 0 : npulses[k];
        d->npulse_ws[k] = p;
        any |= p != 0;
    }
    if (!any) {
        return 0;
    }
    int rc = d->type->pulse != NULL ? d->type->pulse(d->params, d->stride, n, d->state, d->npulse_ws)
             : d->mode == XB_WRITE_ODE ? pulse_ode(d)
                                       : pulse_table(d);
    if (rc < 0) {
        return xb__error_prefix(rc, "model '%s' pulse: ", d->type->name);
    }
    XB_TRY(refresh_conductances(d));
    if (d->cfg.c2c <= 0.0 && d->cfg.levels < 2) {
        return 0;
    }
    /* Write noise and quantisation act on the devices that were pulsed. */
    for (size_t k = 0; k < n; k++) {
        int32_t p = d->npulse_ws[k];
        if (p != 0) {
            XB_TRY(write_noise(d, k, p, event));
        }
    }
    return 0;
}

int xb_devices_pulse_sparse(xb_devices *d, const size_t *idx, size_t m, const int32_t *npulses,
                            uint64_t event)
{
    XB_ASSERT_ARG(d != NULL);
    XB_ASSERT_ARG(idx != NULL || m == 0);
    XB_ASSERT_ARG(npulses != NULL || m == 0);
    if (d->type->pulse == NULL && d->type->rhs == NULL) {
        return xb__error_set(XB_EINVAL, "model '%s' has no pulse response", d->type->name);
    }
    for (size_t q = 0; q < m; q++) {
        if (idx[q] >= d->n) {
            return xb__error_set(XB_EINVAL, "device index idx[%zu] = %zu out of range (%zu devices)",
                                 q, idx[q], d->n);
        }
    }
    const size_t ns = (size_t)d->type->n_state;
    const int noise = d->cfg.c2c > 0.0 || d->cfg.levels >= 2;
    if (d->type->pulse == NULL && d->mode == XB_WRITE_ODE) {
        /* the ODE rounds integrate all moving devices as one vector: build
         * the dense counts (rare and slow anyway) */
        memset(d->npulse_ws, 0, d->n * sizeof *d->npulse_ws);
        int any = 0;
        for (size_t q = 0; q < m; q++) {
            size_t k = idx[q];
            int32_t p = (d->stuck != NULL && d->stuck[k] != FREE) ? 0 : npulses[k];
            d->npulse_ws[k] = p;
            any |= p != 0;
        }
        if (!any) {
            return 0;
        }
        int rc = pulse_ode(d);
        if (rc < 0) {
            return xb__error_prefix(rc, "model '%s' pulse: ", d->type->name);
        }
    }
    /* Every device is independent: pulse, conductance and write noise one
     * device at a time give what the dense passes give. */
    for (size_t q = 0; q < m; q++) {
        const size_t k = idx[q];
        if (q + PREFETCH_AHEAD < m) {
            /* scattered devices: fetch the states a few writes ahead, and
             * with d2d their own parameters (a table of the device count:
             * beyond every cache). Models keep what a pulse reads in their
             * first 64 bytes, which may span two lines. */
            const size_t ka = idx[q + PREFETCH_AHEAD];
            XB_DEVICE__PREFETCH(d->state + ka * ns);
            if (d->stride != 0) {
                const char *pa = (const char *)d->params + ka * d->stride;
                XB_DEVICE__PREFETCH(pa);
                XB_DEVICE__PREFETCH(pa + (d->stride < 64 ? d->stride : 64) - 1);
            }
        }
        const int32_t p = (d->stuck != NULL && d->stuck[k] != FREE) ? 0 : npulses[k];
        if (p == 0) {
            continue;
        }
        const void *pk = xb_device__params_at(d->params, d->stride, k);
        double *sk = d->state + k * ns;
        int rc = 0;
        if (d->type->pulse != NULL) {
            rc = d->type->pulse(pk, 0, 1, sk, &p);
        } else if (d->mode != XB_WRITE_ODE) {
            rc = table_move_one(d, k, p);
        }
        if (rc < 0) {
            return xb__error_prefix(rc, "model '%s' pulse: ", d->type->name);
        }
        if (d->type->conductance(pk, 0, 1, sk, d->g + k) < 0) {
            return xb__error_set(XB_EINTERNAL, "model '%s': conductance failed", d->type->name);
        }
        if (noise) {
            XB_TRY(write_noise(d, k, p, event));
        }
    }
    return 0;
}

const xb_device_type *xb_devices_type(const xb_devices *d) { return d->type; }

const void *xb_devices_params(const xb_devices *d, size_t k)
{
    if (d == NULL || k >= d->n) {
        return NULL;
    }
    return xb_device__params_at(d->params, d->stride, k);
}

int xb_devices_device_bounds(const xb_devices *d, size_t k, double *gmin_out, double *gmax_out)
{
    XB_ASSERT_ARG(d != NULL);
    XB_ASSERT_ARG(gmin_out != NULL && gmax_out != NULL);
    if (k >= d->n) {
        return xb__error_set(XB_EINVAL, "device index %zu out of range (%zu devices)", k, d->n);
    }
    device_bounds(d, k, gmin_out, gmax_out);
    return 0;
}

int xb_devices_is_stuck(const xb_devices *d, size_t k)
{
    return d != NULL && d->stuck != NULL && k < d->n && d->stuck[k] != FREE;
}

double xb_devices_drift_factor(const xb_devices *d, double t_since_program)
{
    if (d->cfg.drift_nu <= 0.0 || !(t_since_program > d->cfg.drift_t0)) {
        return 1.0;
    }
    return pow(t_since_program / d->cfg.drift_t0, -d->cfg.drift_nu);
}

double xb_devices_drift_nu(const xb_devices *d, size_t k)
{
    return d->nu != NULL && k < d->n ? d->nu[k] : d->cfg.drift_nu;
}

int xb_devices_read(const xb_devices *d, double t_since_program, uint64_t read_event,
                    double *g_out)
{
    XB_ASSERT_ARG(d != NULL && g_out != NULL);
    if (!(t_since_program >= 0.0)) {
        return xb__error_set(XB_EINVAL, "read time (%g s) must be >= 0", t_since_program);
    }
    double f = xb_devices_drift_factor(d, t_since_program);
    double lt = d->nu != NULL && t_since_program > d->cfg.drift_t0 ? log(t_since_program / d->cfg.drift_t0) : 0.0;
    double sd = d->cfg.read_noise;
    const double *g = d->g;
    if (d->pcm != NULL) { /* PCM drift and 1/f noise first, then the generic read noise */
        xb_device__pcm_read(d->pcm, t_since_program, read_event, d->g, g_out);
        g = g_out;
    }
    for (size_t k = 0; k < d->n; k++) {
        double noise = sd > 0.0 ? 1.0 + sd * xb_rng_normal_at(&d->read, (read_event << 32) + (uint64_t)k) : 1.0;
        double fk = d->nu != NULL ? exp(-d->nu[k] * lt) : f;
        g_out[k] = g[k] * fk * noise;
    }
    return 0;
}

double xb_devices_pcm_nu(const xb_devices *d, size_t k)
{
    return d != NULL && d->pcm != NULL ? xb_device__pcm_nu(d->pcm, k) : 0.0;
}

xb_device__pcm *xb_devices__pcm(xb_devices *d) { return d->pcm; }

/* ------------------------------------- per-device parameters (cellmap.c) */

int xb_devices__params_per_device(xb_devices *d, void **params_out)
{
    if (d->stride == 0) {
        size_t ps = d->type->params_size;
        char *p = malloc(d->n * ps);
        /* ODE mode gathers per-device parameters into ode_params */
        char *op = d->scale != NULL ? malloc(d->n * ps) : NULL;
        if (p == NULL || (d->scale != NULL && op == NULL)) {
            free(p);
            free(op);
            return xb__error_set(XB_ENOMEM, "out of memory for %zu devices", d->n);
        }
        for (size_t k = 0; k < d->n; k++) {
            memcpy(p + k * ps, d->params, ps);
        }
        free(d->params);
        d->params = p;
        d->stride = ps;
        if (op != NULL) {
            free(d->ode_params);
            d->ode_params = op;
        }
    }
    *params_out = d->params;
    return 0;
}

int xb_devices__params_changed(xb_devices *d)
{
    for (size_t k = 0; d->v_up != NULL && k < d->n; k++) {
        const void *pk = xb_device__params_at(d->params, d->stride, k);
        XB_TRY(xb_device_param_get(d->type, pk, "v_up", &d->v_up[k]));
        XB_TRY(xb_device_param_get(d->type, pk, "v_down", &d->v_down[k]));
    }
    return 0;
}

void xb_devices__moving_state(xb_devices *d, double **state, double **g, size_t *n, size_t *ns,
                              xb_device_ode_stats **stats)
{
    *stats = &d->ode_stats;
    *state = d->state;
    *g = d->g;
    *n = d->n;
    *ns = (size_t)d->type->n_state;
}
