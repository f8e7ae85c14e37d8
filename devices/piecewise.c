/* piecewise: a pulse-level model whose step size is a piecewise-linear function
 * of the normalised conductance x = (G - Gmin)/(Gmax - Gmin), on
 * XB_DEVICE_PIECEWISE_NODES evenly spaced nodes per direction (the form of
 * aihwkit's PiecewiseStepDevice, device-models.md §5.2). It is built from
 * measured pulse-response data (xb_device_piecewise_from_csv) or from a
 * state-equation model's response to one write pulse (the `table` fidelity
 * level, xb_device_table_build). */
#include "devices/devices_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef xb_device_piecewise_params pw_params;
XB_DEVICE__G_HEAD_CHECK(pw_params);
#define NN XB_DEVICE_PIECEWISE_NODES

static int pw_derive(void *pv);

/* A linear device with 100 pulses across the range until data replace it. */
static const pw_params pw_defaults = {
    .gmin = 100e-9,
    .gmax = 5e-6,
#define X10 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01
    .up = {X10, X10, X10, X10, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01},
    .down = {X10, X10, X10, X10, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01},
#undef X10
    .p_full = 100.0,
};

#define NODE_UP(i) {"up_" #i, "1", offsetof(pw_params, up) + (i) * sizeof(double), "up step at node " #i " (fraction of range)"}
#define NODE_DOWN(i) {"down_" #i, "1", offsetof(pw_params, down) + (i) * sizeof(double), "down step magnitude at node " #i}
#define NODES10(M, d) M(d##0), M(d##1), M(d##2), M(d##3), M(d##4), M(d##5), M(d##6), M(d##7), M(d##8), M(d##9)

static const xb_device_param pw_table[] = {
    {"gmin", "S", offsetof(pw_params, gmin), "lowest conductance"},
    {"gmax", "S", offsetof(pw_params, gmax), "highest conductance"},
    NODE_UP(0), NODE_UP(1), NODE_UP(2), NODE_UP(3), NODE_UP(4), NODE_UP(5), NODE_UP(6), NODE_UP(7), NODE_UP(8), NODE_UP(9),
    NODES10(NODE_UP, 1), NODES10(NODE_UP, 2), NODES10(NODE_UP, 3),
    NODE_UP(40), NODE_UP(41), NODE_UP(42), NODE_UP(43), NODE_UP(44), NODE_UP(45), NODE_UP(46), NODE_UP(47),
    NODE_DOWN(0), NODE_DOWN(1), NODE_DOWN(2), NODE_DOWN(3), NODE_DOWN(4), NODE_DOWN(5), NODE_DOWN(6), NODE_DOWN(7), NODE_DOWN(8), NODE_DOWN(9),
    NODES10(NODE_DOWN, 1), NODES10(NODE_DOWN, 2), NODES10(NODE_DOWN, 3),
    NODE_DOWN(40), NODE_DOWN(41), NODE_DOWN(42), NODE_DOWN(43), NODE_DOWN(44), NODE_DOWN(45), NODE_DOWN(46), NODE_DOWN(47),
};

/* Linear interpolation of nodes at x in [0, 1]. */
static double interp(const double *node, double x)
{
    double s = xb_device__clamp(x, 0.0, 1.0) * (NN - 1);
    int i = (int)s;
    if (i >= NN - 1) {
        return node[NN - 1];
    }
    double t = s - i;
    return node[i] + t * (node[i + 1] - node[i]);
}




/* Geometric interpolation where both neighbours are positive: exact for a
 * step that is exponential in x, which is what a pulse table in log G gives
 * for linear drift and VTEAM (step in ln G ~ G^2). */
static double interp_geo(const double *node, double x)
{
    double s = xb_device__clamp(x, 0.0, 1.0) * (NN - 1);
    int i = (int)s;
    if (i >= NN - 1) {
        return node[NN - 1];
    }
    double t = s - i, a = node[i], b = node[i + 1];
    if (a > 0.0 && b > 0.0 && b < 100.0 * a && a < 100.0 * b) {
        return a * pow(b / a, t);
    }
    return a + t * (b - a);
}

double xb_device__piecewise_move(const xb_device_piecewise_params *p, double x, int32_t n)
{
    double (*f)(const double *, double) = p->table_coord == XB_TABLE_LOG_G ? interp_geo : interp;
    if (n > 0) {
        for (int32_t i = 0; i < n; i++) {
            x = xb_device__clamp(x + f(p->up, x), 0.0, 1.0);
        }
    } else {
        for (int32_t i = 0; i < -n; i++) {
            x = xb_device__clamp(x - f(p->down, x), 0.0, 1.0);
        }
    }
    return x;
}

static int pw_pulse(const void *params, size_t stride, size_t n, double *state,
                    const int32_t *npulses)
{
    for (size_t k = 0; k < n; k++) {
        if (npulses[k] == 0) {
            continue;
        }
        const pw_params *p = xb_device__params_at(params, stride, k);
        /* a pulse table exported in ln G (xb_device_table_build) keeps its coordinate */
        if (p->table_coord == XB_TABLE_LOG_G && p->gmin > 0.0) {
            double lr = log(p->gmax / p->gmin);
            double x = log(xb_device__clamp(state[k], p->gmin, p->gmax) / p->gmin) / lr;
            state[k] = p->gmin * exp(lr * xb_device__piecewise_move(p, x, npulses[k]));
            continue;
        }
        double range = p->gmax - p->gmin;
        double x = xb_device__piecewise_move(p, (state[k] - p->gmin) / range, npulses[k]);
        state[k] = p->gmin + x * range;
    }
    return 0;
}

static double pw_pulses_full_range(const void *params) { return ((const pw_params *)params)->p_full; }

/* Up pulses from x = 0 to 1: the integral of dx/s(x), exact per linear segment. */
static double full_range_pulses(const double *s)
{
    double h = 1.0 / (NN - 1), total = 0.0;
    for (int i = 0; i < NN - 1; i++) {
        double a = s[i], b = s[i + 1];
        if (!(a > 0.0) || !(b > 0.0)) {
            return HUGE_VAL;
        }
        total += fabs(b - a) < 1e-12 * a ? h / a : h * log(b / a) / (b - a);
    }
    return total;
}

static int pw_derive(void *pv)
{
    pw_params *p = pv;
    if (!(p->gmin >= 0.0) || !(p->gmax > p->gmin) || !isfinite(p->gmax)) {
        return xb__error_set(XB_EINVAL, "piecewise: gmin (%g S) and gmax (%g S) need 0 <= gmin < gmax",
                             p->gmin, p->gmax);
    }
    for (int i = 0; i < NN; i++) {
        if (!(p->up[i] >= 0.0 && p->up[i] <= 1.0)) {
            return xb__error_set(XB_EINVAL, "piecewise: up_%d (%g) must be in [0, 1]", i, p->up[i]);
        }
        if (!(p->down[i] >= 0.0 && p->down[i] <= 1.0)) {
            return xb__error_set(XB_EINVAL, "piecewise: down_%d (%g) must be in [0, 1]", i, p->down[i]);
        }
    }
    double f = full_range_pulses(p->up);
    /* a zero step somewhere: the device never crosses it; count to the mean step */
    if (!isfinite(f)) {
        double m = 0.0;
        for (int i = 0; i < NN; i++) {
            m += p->up[i] / NN;
        }
        f = m > 0.0 ? 1.0 / m : 0.0;
    }
    p->p_full = f;
    return 0;
}

static const xb_device_type pw_type = {
    .name = "piecewise",
    .doc = "step size piecewise-linear in G, from measured pulse data or an ODE pulse table (aihwkit PiecewiseStep form)",
    .n_state = 1,
    .params_size = sizeof(pw_params),
    .default_params = &pw_defaults,
    .params = pw_table,
    .n_params = (int)(sizeof pw_table / sizeof pw_table[0]),
    .conductance = xb_device__g_conductance,
    .set_conductance = xb_device__g_set_clamped,
    .bounds = xb_device__g_bounds,
    .pulse = pw_pulse,
    .pulses_full_range = pw_pulses_full_range,
    .derive = pw_derive,
};

const xb_device_type *const xb_device_piecewise = &pw_type;

/* ----------------------------------------------------- measured data */

void xb_device__pulse_data_free(xb_device__pulse_data *d)
{
    free(d->pulse);
    free(d->g);
    free(d->start);
    free(d->len);
    free(d->dir);
    memset(d, 0, sizeof *d);
}

static int parse_direction(const xb_device__csv *t, size_t row, int col, int *dir)
{
    const char *s = xb_device__csv_cell(t, row, col);
    if (!strcmp(s, "ltp") || !strcmp(s, "up") || !strcmp(s, "+") || !strcmp(s, "1") ||
        !strcmp(s, "+1")) {
        *dir = 1;
        return 0;
    }
    if (!strcmp(s, "ltd") || !strcmp(s, "down") || !strcmp(s, "-") || !strcmp(s, "-1")) {
        *dir = -1;
        return 0;
    }
    return xb_device__csv_error_at(t, row, col, "must be ltp or ltd (also up/down, +1/-1)");
}

int xb_device__pulse_data_load(const char *path, xb_device__pulse_data *d)
{
    memset(d, 0, sizeof *d);
    xb_device__csv t;
    XB_TRY(xb_device__csv_load(path, &t));
    int rc = 0;
    int cp = xb_device__csv_column(&t, "pulse", 1);
    int cg = cp < 0 ? cp : xb_device__csv_column(&t, "conductance", 1);
    int cd = xb_device__csv_column(&t, "direction", 0);
    int *rowdir = NULL;
    if (cp < 0 || cg < 0) {
        rc = cp < 0 ? cp : cg;
        goto out;
    }
    size_t n = t.n_rows;
    d->n = n;
    d->pulse = malloc(n * sizeof *d->pulse);
    d->g = malloc(n * sizeof *d->g);
    d->start = malloc(n * sizeof *d->start);
    d->len = malloc(n * sizeof *d->len);
    d->dir = malloc(n * sizeof *d->dir);
    rowdir = calloc(n, sizeof *rowdir);
    if (!d->pulse || !d->g || !d->start || !d->len || !d->dir || !rowdir) {
        rc = xb__error_set(XB_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    d->gmin = HUGE_VAL;
    d->gmax = -HUGE_VAL;
    for (size_t r = 0; r < n; r++) {
        if ((rc = xb_device__csv_double(&t, r, cp, &d->pulse[r])) < 0 ||
            (rc = xb_device__csv_double(&t, r, cg, &d->g[r])) < 0) {
            goto out;
        }
        if (!(d->g[r] > 0.0)) {
            rc = xb_device__csv_error_at(&t, r, cg, "conductance must be > 0 S");
            goto out;
        }
        if (cd >= 0 && (rc = parse_direction(&t, r, cd, &rowdir[r])) < 0) {
            goto out;
        }
        d->gmin = fmin(d->gmin, d->g[r]);
        d->gmax = fmax(d->gmax, d->g[r]);
    }
    /* A curve runs while the direction stays and the pulse number grows. */
    for (size_t r = 0; r < n; r++) {
        int new_curve = r == 0 || d->pulse[r] <= d->pulse[r - 1] || (cd >= 0 && rowdir[r] != rowdir[r - 1]);
        if (new_curve) {
            d->start[d->n_curves] = r;
            d->len[d->n_curves] = 0;
            d->dir[d->n_curves] = rowdir[r];
            d->n_curves++;
        }
        d->len[d->n_curves - 1]++;
    }
    for (size_t c = 0; c < d->n_curves; c++) {
        size_t s = d->start[c], l = d->len[c];
        if (l < 2) {
            rc = xb_device__csv_error_at(&t, s, cp, "a pulse-response curve needs at least 2 rows");
            goto out;
        }
        if (d->dir[c] == 0) { /* no direction column: the net change decides */
            d->dir[c] = d->g[s + l - 1] >= d->g[s] ? 1 : -1;
        }
    }
    if (!(d->gmax > d->gmin)) {
        rc = xb__error_set(XB_EIO, "%s: all conductances are equal (%g S)", path, d->gmin);
    }
out:
    free(rowdir);
    xb_device__csv_free(&t);
    if (rc < 0) {
        xb_device__pulse_data_free(d);
    }
    return rc;
}

/* Averages the measured per-pulse steps in each node's bin; empty bins take
 * the linear interpolation of their filled neighbours. */
static int steps_to_nodes(const xb_device__pulse_data *d, int dir, double *node, const char *path)
{
    double sum[NN] = {0}, cnt[NN] = {0};
    double range = d->gmax - d->gmin;
    for (size_t c = 0; c < d->n_curves; c++) {
        if (d->dir[c] != dir) {
            continue;
        }
        for (size_t r = d->start[c] + 1; r < d->start[c] + d->len[c]; r++) {
            double dp = d->pulse[r] - d->pulse[r - 1];
            double dx = (d->g[r] - d->g[r - 1]) / range / dp * dir;
            double xm = 0.5 * (d->g[r] + d->g[r - 1] - 2.0 * d->gmin) / range;
            int i = (int)nearbyint(xm * (NN - 1));
            sum[i] += dx;
            cnt[i] += 1.0;
        }
    }
    int filled = 0;
    for (int i = 0; i < NN; i++) {
        filled += cnt[i] > 0.0;
    }
    if (filled == 0) {
        return xb__error_set(XB_EIO, "%s: no %s curve in the data", path, dir > 0 ? "ltp" : "ltd");
    }
    for (int i = 0; i < NN; i++) {
        if (cnt[i] > 0.0) {
            node[i] = fmax(sum[i] / cnt[i], 0.0);
            continue;
        }
        int lo = i - 1, hi = i + 1;
        while (lo >= 0 && cnt[lo] == 0.0) {
            lo--;
        }
        while (hi < NN && cnt[hi] == 0.0) {
            hi++;
        }
        double vlo = lo >= 0 ? fmax(sum[lo] / cnt[lo], 0.0) : -1.0;
        double vhi = hi < NN ? fmax(sum[hi] / cnt[hi], 0.0) : -1.0;
        node[i] = lo < 0 ? vhi : hi >= NN ? vlo : vlo + (vhi - vlo) * (i - lo) / (double)(hi - lo);
    }
    for (int i = 0; i < NN; i++) {
        node[i] = xb_device__clamp(node[i], 0.0, 1.0);
    }
    return 0;
}

int xb_device_piecewise_from_csv(const char *path, xb_device_piecewise_params *out)
{
    XB_ASSERT_ARG(path != NULL && out != NULL);
    xb_device__pulse_data d;
    XB_TRY(xb_device__pulse_data_load(path, &d));
    memset(out, 0, sizeof *out);
    out->gmin = d.gmin;
    out->gmax = d.gmax;
    int rc = steps_to_nodes(&d, 1, out->up, path);
    if (rc >= 0) {
        rc = steps_to_nodes(&d, -1, out->down, path);
    }
    xb_device__pulse_data_free(&d);
    XB_TRY(rc);
    return pw_derive(out);
}
