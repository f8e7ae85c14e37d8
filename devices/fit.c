/* Least-squares fit of a pulse-level model to measured pulse-response data,
 * and device files (one model + its parameters, CSV) that presets accept.
 * The objective replays each measured curve through the model, pulse by
 * pulse from its first measured conductance, and sums squared differences of
 * normalised conductance; Nelder-Mead minimises it over the chosen parameters
 * (log-transformed where a parameter must stay positive). */
#include "devices/devices_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIT_MAX_PARAMS 8
/* Nelder-Mead: stop when the simplex's objective spread falls below this
 * fraction of its best value (or absolute, for a perfect fit), or after
 * FIT_MAX_EVALS evaluations; restart from the best point FIT_RESTARTS times. */
#define FIT_FTOL 1e-14
#define FIT_MAX_EVALS 6000
#define FIT_RESTARTS 3

typedef struct {
    const xb_device_type *type;
    char *params; /* working copy */
    const xb_device__pulse_data *data;
    int idx[FIT_MAX_PARAMS];
    int logscale[FIT_MAX_PARAMS];
    int sign[FIT_MAX_PARAMS];
    int np;
    long evals;
} fit_ctx;

static double *slot(fit_ctx *c, int j) { return (double *)(c->params + c->type->params[c->idx[j]].offset); }

/* Sum of squared normalised residuals; HUGE_VAL for invalid parameters. */
static double objective(fit_ctx *c, const double *z)
{
    c->evals++;
    for (int j = 0; j < c->np; j++) {
        *slot(c, j) = c->logscale[j] ? c->sign[j] * exp(z[j]) : z[j];
    }
    if (c->type->derive != NULL && c->type->derive(c->params) < 0) {
        return HUGE_VAL;
    }
    const xb_device__pulse_data *d = c->data;
    double range = d->gmax - d->gmin, sse = 0.0;
    for (size_t cv = 0; cv < d->n_curves; cv++) {
        size_t s = d->start[cv];
        double st = 0.0, g = d->g[s];
        if (c->type->set_conductance(c->params, 0, 1, &g, &st) < 0) {
            return HUGE_VAL;
        }
        for (size_t r = s + 1; r < s + d->len[cv]; r++) {
            int32_t np = (int32_t)(d->pulse[r] - d->pulse[r - 1]) * d->dir[cv];
            if (c->type->pulse(c->params, 0, 1, &st, &np) < 0 ||
                c->type->conductance(c->params, 0, 1, &st, &g) < 0) {
                return HUGE_VAL;
            }
            double e = (g - d->g[r]) / range;
            sse += e * e;
        }
    }
    return isfinite(sse) ? sse : HUGE_VAL;
}

static void nelder_mead(fit_ctx *c, double *z, double step0)
{
    int n = c->np;
    double pts[FIT_MAX_PARAMS + 1][FIT_MAX_PARAMS], f[FIT_MAX_PARAMS + 1];
    for (int i = 0; i <= n; i++) {
        memcpy(pts[i], z, (size_t)n * sizeof *z);
        if (i > 0) {
            pts[i][i - 1] += fabs(z[i - 1]) > 1e-3 ? step0 * fabs(z[i - 1]) : step0;
        }
        f[i] = objective(c, pts[i]);
    }
    while (c->evals < FIT_MAX_EVALS) {
        int lo = 0, hi = 0, nh = 0;
        for (int i = 0; i <= n; i++) {
            lo = f[i] < f[lo] ? i : lo;
            hi = f[i] > f[hi] ? i : hi;
        }
        nh = lo;
        for (int i = 0; i <= n; i++) {
            if (i != hi && f[i] >= f[nh]) {
                nh = i;
            }
        }
        if (f[hi] - f[lo] <= FIT_FTOL * (fabs(f[lo]) + FIT_FTOL)) {
            break;
        }
        double cen[FIT_MAX_PARAMS] = {0}, xr[FIT_MAX_PARAMS], xe[FIT_MAX_PARAMS];
        for (int i = 0; i <= n; i++) {
            for (int j = 0; i != hi && j < n; j++) {
                cen[j] += pts[i][j] / n;
            }
        }
        for (int j = 0; j < n; j++) {
            xr[j] = cen[j] + (cen[j] - pts[hi][j]);
        }
        double fr = objective(c, xr);
        if (fr < f[lo]) {
            for (int j = 0; j < n; j++) {
                xe[j] = cen[j] + 2.0 * (cen[j] - pts[hi][j]);
            }
            double fe = objective(c, xe);
            memcpy(pts[hi], fe < fr ? xe : xr, (size_t)n * sizeof(double));
            f[hi] = fe < fr ? fe : fr;
        } else if (fr < f[nh]) {
            memcpy(pts[hi], xr, (size_t)n * sizeof(double));
            f[hi] = fr;
        } else {
            for (int j = 0; j < n; j++) {
                xe[j] = cen[j] + 0.5 * (pts[hi][j] - cen[j]);
            }
            double fc = objective(c, xe);
            if (fc < f[hi]) {
                memcpy(pts[hi], xe, (size_t)n * sizeof(double));
                f[hi] = fc;
            } else { /* shrink toward the best */
                for (int i = 0; i <= n; i++) {
                    if (i == lo) {
                        continue;
                    }
                    for (int j = 0; j < n; j++) {
                        pts[i][j] = pts[lo][j] + 0.5 * (pts[i][j] - pts[lo][j]);
                    }
                    f[i] = objective(c, pts[i]);
                }
            }
        }
    }
    int lo = 0;
    for (int i = 0; i <= n; i++) {
        lo = f[i] < f[lo] ? i : lo;
    }
    memcpy(z, pts[lo], (size_t)n * sizeof *z);
}

/* Parameters fitted by default, per model. */
static const char *const *default_names(const xb_device_type *type, int *n_out)
{
    static const char *const ns[] = {"nl_ltp", "nl_ltd"};
    static const char *const sb[] = {"gmin", "gmax", "step", "up_down"};
    static const char *const es[] = {"step", "up_down", "a_up", "a_down", "gamma_up", "gamma_down"};
    static const char *const ls[] = {"step", "up_down", "gamma_up", "gamma_down"};
    static const char *const ps[] = {"step", "up_down", "gamma", "gamma_up_down"};
    static const char *const cs[] = {"step", "up_down"};
#define PICK(t, a)                                                                               \
    if (type == (t)) {                                                                           \
        *n_out = (int)(sizeof a / sizeof a[0]);                                                  \
        return a;                                                                                \
    }
    PICK(xb_device_neurosim, ns);
    PICK(xb_device_soft_bounds, sb);
    PICK(xb_device_exp_step, es);
    PICK(xb_device_linear_step, ls);
    PICK(xb_device_pow_step, ps);
    PICK(xb_device_constant_step, cs);
#undef PICK
    *n_out = 0;
    return NULL;
}

int xb_device_fit(const char *csv_path, const xb_device_type *type, void *params,
                  const char *const *names, int n_names, xb_device_fit_result *out)
{
    XB_ASSERT_ARG(csv_path != NULL && type != NULL && params != NULL && out != NULL);
    if (type->pulse == NULL) {
        return xb__error_set(XB_EINVAL, "model '%s' has no pulse response to fit", type->name);
    }
    if (names == NULL) {
        names = default_names(type, &n_names);
    }
    if (n_names < 1 || n_names > FIT_MAX_PARAMS) {
        return xb__error_set(XB_EINVAL, "fit of model '%s': give 1..%d parameter names", type->name,
                             FIT_MAX_PARAMS);
    }
    xb_device__pulse_data data;
    XB_TRY(xb_device__pulse_data_load(csv_path, &data));
    int rc = 0;
    fit_ctx c = {.type = type, .params = malloc(type->params_size), .data = &data};
    if (c.params == NULL) {
        rc = xb__error_set(XB_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(c.params, params, type->params_size);
    /* bounds from the data unless fitted; NeuroSim's P_max from the longest curves */
    if (xb_device__param_index(type, "gmin") >= 0) {
        xb_device_param_set(type, c.params, "gmax", data.gmax);
        xb_device_param_set(type, c.params, "gmin", data.gmin);
    }
    if (type == xb_device_neurosim) {
        double up = 0, down = 0;
        for (size_t cv = 0; cv < data.n_curves; cv++) {
            double span = data.pulse[data.start[cv] + data.len[cv] - 1] - data.pulse[data.start[cv]];
            if (data.dir[cv] > 0) {
                up = fmax(up, span);
            } else {
                down = fmax(down, span);
            }
        }
        if (up >= 1.0) xb_device_param_set(type, c.params, "p_ltp", up);
        if (down >= 1.0) xb_device_param_set(type, c.params, "p_ltd", down);
    }
    double z[FIT_MAX_PARAMS];
    for (int j = 0; j < n_names; j++) {
        if ((c.idx[j] = xb_device_param_find(type, names[j], NULL)) < 0) {
            rc = c.idx[j];
            goto out;
        }
        c.np = j + 1;
        double v = *slot(&c, j);
        /* strictly signed parameters are fitted in log space */
        const char *nm = names[j];
        c.logscale[j] = v != 0.0 && (strcmp(nm, "up_down") != 0 && strcmp(nm, "gamma_up_down") != 0 &&
                                     strcmp(nm, "a") != 0 && strcmp(nm, "b") != 0);
        c.sign[j] = v < 0.0 ? -1 : 1;
        z[j] = c.logscale[j] ? log(fabs(v)) : v;
    }
    double f0 = objective(&c, z);
    if (!isfinite(f0)) {
        rc = xb__error_set(XB_EINVAL, "fit of model '%s': the starting parameters are invalid: %s",
                           type->name, xb_last_error());
        goto out;
    }
    for (int r = 0; r < FIT_RESTARTS; r++) {
        nelder_mead(&c, z, r == 0 ? 0.2 : 0.05);
    }
    double sse = objective(&c, z);
    size_t npts = data.n - data.n_curves;
    out->n_points = (int)npts;
    out->evaluations = c.evals;
    out->rms_rel = sqrt(sse / (double)npts);
    out->rms = out->rms_rel * (data.gmax - data.gmin);
    memcpy(params, c.params, type->params_size);
out:
    free(c.params);
    xb_device__pulse_data_free(&data);
    return rc;
}

/* ------------------------------------------------------------ device files */

int xb_device_file_write(const char *path, const xb_device_type *type, const void *params,
                         const char *comment)
{
    XB_ASSERT_ARG(path != NULL && type != NULL && params != NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (fp == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    (void)comment; /* CSV has no comments; the caller reports provenance separately */
    fprintf(fp, "model");
    for (int i = 0; i < type->n_params; i++) {
        fprintf(fp, ",%s", type->params[i].name);
    }
    fprintf(fp, "\n%s", type->name);
    for (int i = 0; i < type->n_params; i++) {
        double v;
        memcpy(&v, (const char *)params + type->params[i].offset, sizeof v);
        fputc(',', fp);
        xb_csv_double(fp, v);
    }
    fputc('\n', fp);
    fclose(fp);
    int rc = xb_file_write_atomic(path, buf, len);
    free(buf);
    return rc;
}

int xb_device_file_read(const char *path, const xb_device_type **type_out, void *params_out)
{
    XB_ASSERT_ARG(path != NULL && type_out != NULL && params_out != NULL);
    xb_device__csv t;
    XB_TRY(xb_device__csv_load(path, &t));
    int rc = 0;
    int cm = xb_device__csv_column(&t, "model", 0);
    const xb_device_type *type = NULL;
    if (cm < 0 && xb_device__csv_column(&t, "pulse", 0) >= 0 &&
        xb_device__csv_column(&t, "conductance", 0) >= 0) {
        /* measured pulse-response data: the piecewise model built from it */
        xb_device__csv_free(&t);
        XB_TRY(xb_device_piecewise_from_csv(path, params_out));
        *type_out = xb_device_piecewise;
        return 0;
    }
    if (cm < 0) {
        rc = xb__error_set(XB_EIO,
                           "%s:1:1: neither a device file (column 'model') nor pulse data (columns "
                           "'pulse' and 'conductance')",
                           path);
        goto out;
    }
    if (t.n_rows != 1) {
        rc = xb__error_set(XB_EIO, "%s: a device file has exactly one data row (found %zu)", path, t.n_rows);
        goto out;
    }
    type = xb_device_model_find(xb_device__csv_cell(&t, 0, cm));
    if (type == NULL) {
        rc = xb_device__csv_error_at(&t, 0, cm, "unknown device model (see `xbarsim device list`)");
        goto out;
    }
    memcpy(params_out, type->default_params, type->params_size);
    for (size_t c = 0; c < t.n_cols; c++) {
        if ((int)c == cm) {
            continue;
        }
        int i = xb_device__param_index(type, t.fields[c]);
        if (i < 0) {
            rc = xb__error_set(XB_EIO, "%s:1:1: model '%s' has no parameter '%s'", path, type->name,
                               t.fields[c]);
            goto out;
        }
        double v;
        if ((rc = xb_device__csv_double(&t, 0, (int)c, &v)) < 0) {
            goto out;
        }
        memcpy((char *)params_out + type->params[i].offset, &v, sizeof v);
    }
    if (type->derive != NULL && (rc = type->derive(params_out)) < 0) {
        rc = xb__error_prefix(rc, "%s: ", path);
        goto out;
    }
    *type_out = type;
out:
    xb_device__csv_free(&t);
    return rc;
}
