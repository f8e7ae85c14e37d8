/* xbar: life cycle, weight <-> conductance mapping, programming, counters.
 * Mapping and policies are documented in docs/xbar.md. */
#include "xbar/xbar_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BL 31
#define DEFAULT_BATCH 64
/* NeuroSim V3.0 IdealDevice write pulse and RealDevice read pulse
 * (device-models.md §5.1). */
#define DEFAULT_V_WRITE 2.0
#define DEFAULT_PULSE_WIDTH 10e-9
#define DEFAULT_T_READ 5e-9

static int validate(const xb_xbar_config *c)
{
    if (c->n_in <= 0 || c->n_out <= 0) {
        return xb__error_set(XB_EINVAL, "n_in (%d) and n_out (%d) must be > 0", c->n_in,
                             c->n_out);
    }
    if (!(c->w_max > 0.0) || !isfinite(c->w_max)) {
        return xb__error_set(XB_EINVAL, "w_max (%g) must be finite and > 0", c->w_max);
    }
    if (c->mapping != XB_MAP_DIFF_PAIR && c->mapping != XB_MAP_REF_COLUMN) {
        return xb__error_set(XB_EINVAL, "mapping (%d) is not an xb_mapping", (int)c->mapping);
    }
    if ((int)c->update < XB_UPDATE_PULSES || (int)c->update > XB_UPDATE_TRUNC) {
        return xb__error_set(XB_EINVAL, "update (%d) is not an xb_update_scheme",
                             (int)c->update);
    }
    if (c->pair != XB_PAIR_HEADROOM && c->pair != XB_PAIR_POTENTIATE) {
        return xb__error_set(XB_EINVAL, "pair (%d) is not an xb_pair_policy", (int)c->pair);
    }
    if ((int)c->adc_cal < XB_ADC_CAL_DYNAMIC || (int)c->adc_cal > XB_ADC_CAL_WORST) {
        return xb__error_set(XB_EINVAL, "adc_cal (%d) is not an xb_adc_cal", (int)c->adc_cal);
    }
    if (c->adc_cal == XB_ADC_CAL_FIXED && c->adc_bits > 0 && !(c->adc_range > 0.0)) {
        return xb__error_set(XB_EINVAL, "adc_range (%g) must be > 0 with a fixed ADC range",
                             c->adc_range);
    }
    /* up to the 53-bit double mantissa: the grid stays exact */
    if (c->dac_bits < 0 || c->dac_bits > 52 || c->adc_bits < 0 || c->adc_bits > 52) {
        return xb__error_set(XB_EINVAL, "dac_bits (%d) and adc_bits (%d) must be in [0, 52]",
                             c->dac_bits, c->adc_bits);
    }
    if (!(c->v_read > 0.0)) {
        return xb__error_set(XB_EINVAL, "v_read (%g) must be > 0", c->v_read);
    }
    if (c->stoch_bl < 0 || c->stoch_bl > 64) {
        return xb__error_set(XB_EINVAL, "stoch_bl (%d) must be in [0, 64]", c->stoch_bl);
    }
    if (c->max_rows < 0 || c->max_cols < 0 || (c->max_cols > 0 && c->max_cols < 2)) {
        return xb__error_set(XB_EINVAL, "max_rows (%d) must be >= 0 and max_cols (%d) 0 or >= 2",
                             c->max_rows, c->max_cols);
    }
    if (c->slices < 0 || c->slices > 32) {
        return xb__error_set(XB_EINVAL, "slices (%d) must be in [0, 32]", c->slices);
    }
    if (c->slice_base != 0.0 &&
        (!(c->slice_base >= 2.0) || c->slice_base != floor(c->slice_base) || c->slice_base > 1e6)) {
        return xb__error_set(XB_EINVAL, "slice_base (%g) must be 0 or an integer >= 2",
                             c->slice_base);
    }
    if (c->write_scheme != XB_WRITE_V2 && c->write_scheme != XB_WRITE_V3) {
        return xb__error_set(XB_EINVAL, "write_scheme (%d) is neither V/2 (0) nor V/3 (1)",
                             (int)c->write_scheme);
    }
    if (!(c->dac_range >= 0.0) || !isfinite(c->dac_range)) {
        return xb__error_set(XB_EINVAL, "dac_range (%g) must be finite and >= 0", c->dac_range);
    }
    if (!(c->refresh_frac >= 0.0 && c->refresh_frac <= 1.0)) {
        return xb__error_set(XB_EINVAL, "refresh_frac (%g) must be in [0, 1]", c->refresh_frac);
    }
    if (c->max_pulses < 0 || c->verify_max_iter < 0) {
        return xb__error_set(XB_EINVAL, "max_pulses (%d) and verify_max_iter (%d) must be >= 0",
                             c->max_pulses, c->verify_max_iter);
    }
    if (!(c->verify_tol >= 0.0) || !(c->v_write >= 0.0) || !(c->pulse_width >= 0.0) ||
        !(c->t_read >= 0.0) || !(c->c_wire >= 0.0)) {
        return xb__error_set(XB_EINVAL,
                             "verify_tol (%g), v_write (%g), pulse_width (%g), t_read (%g) and "
                             "c_wire (%g) must be >= 0",
                             c->verify_tol, c->v_write, c->pulse_width, c->t_read, c->c_wire);
    }
    return XB_OK;
}

void xb_xbar_free(xb_xbar *x)
{
    if (x == NULL) {
        return;
    }
    if (x->tiles != NULL) {
        for (int t = 0; t < x->ntiles; t++) {
            if (x->tiles[t].ws != NULL) {
                x->solver->free(x->tiles[t].ws);
            }
        }
    }
    xb_devices_free(x->dev);
    free(x->tiles);
    free(x->sums);
    free(x->w);
    free(x->wk);
    free(x->gd);
    free(x->gvar);
    free(x->wd);
    free(x->wdk);
    free(x->qdf);
    free(x->qdkf);
    free(x->qf);
    free(x->qkf);
    free(x->sqf);
    free(x->varf);
    free(x->npulses);
    free(x->ncount);
    free(x->dw);
    free(x->target);
    free(x->mask);
    free(x->plist);
    free(x->hsign);
    free(x->slot_rows);
    free(x->slot_cols);
    free(x->frac);
    free(x->nzrow);
    free(x->gprev);
    free(x->hs);
    free(x->gphys);
    free(x->dist_state);
    free(x->dist_sbuf);
    free(x->dist_scale);
    free(x->dist_g);
    free(x->dist_colp);
    free(x->dist_ord);
    free(x->dist_params);
    free(x->xs);
    free(x->part);
    free(x->vbuf);
    free(x->ibuf);
    free(x->xscale);
    free(x->dac_lv);
    free(x);
}

/* Splits the matrix into tiles of at most max_rows inputs and max_cols
 * physical columns, row-major over the tile grid. */
static int make_tiles(xb_xbar *x)
{
    const xb_xbar_config *c = &x->cfg;
    int per_out = (c->mapping == XB_MAP_DIFF_PAIR ? 2 : 1) * x->nslices;
    int extra = c->mapping == XB_MAP_DIFF_PAIR ? 0 : 1;
    int tr = c->max_rows > 0 && c->max_rows < c->n_in ? c->max_rows : c->n_in;
    int to = c->n_out;
    if (c->max_cols > 0) {
        int fit = (c->max_cols - extra) / per_out;
        if (fit < 1) {
            return xb__error_set(XB_EINVAL, "max_cols (%d) holds no output of this mapping",
                                 c->max_cols);
        }
        to = fit < c->n_out ? fit : c->n_out;
    }
    int nrt = (c->n_in + tr - 1) / tr, not_ = (c->n_out + to - 1) / to;
    x->ntiles = nrt * not_;
    x->tiles = calloc((size_t)x->ntiles, sizeof *x->tiles);
    if (x->tiles == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    size_t dev = 0, nsum = 0;
    for (int a = 0; a < nrt; a++) {
        for (int b = 0; b < not_; b++) {
            xb__tile *t = &x->tiles[a * not_ + b];
            t->r0 = a * tr;
            t->nr = c->n_in - t->r0 < tr ? c->n_in - t->r0 : tr;
            t->o0 = b * to;
            t->no = c->n_out - t->o0 < to ? c->n_out - t->o0 : to;
            t->pcols = t->no * per_out + extra;
            t->dev0 = dev;
            t->inv_nr = 1.0 / (double)t->nr;
            dev += (size_t)t->nr * (size_t)t->pcols;
            nsum += (size_t)t->nr + (size_t)t->pcols;
            t->dirty = 1;
        }
    }
    x->ndev = dev;
    x->sums = calloc(nsum, sizeof *x->sums);
    if (x->sums == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    double *p = x->sums;
    for (int t = 0; t < x->ntiles; t++) {
        x->tiles[t].rowsum = p;
        p += x->tiles[t].nr;
        x->tiles[t].colsum = p;
        p += x->tiles[t].pcols;
    }
    return XB_OK;
}

static void *alloc0(size_t n, size_t size, int *failed)
{
    void *p = calloc(n > 0 ? n : 1, size);
    if (p == NULL) {
        *failed = 1;
    }
    return p;
}

int xb_xbar_create(xb_xbar **out, const xb_xbar_config *cfg)
{
    XB_ASSERT_ARG(out != NULL);
    XB_ASSERT_ARG(cfg != NULL);
    *out = NULL;
    XB_TRY(validate(cfg));
    int rc = XB_OK;
    xb_xbar *x = calloc(1, sizeof *x);
    if (x == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    x->cfg = *cfg;
    if (x->cfg.stoch_bl == 0) {
        x->cfg.stoch_bl = DEFAULT_BL;
    }
    if (x->cfg.max_batch == 0) {
        x->cfg.max_batch = DEFAULT_BATCH;
    }
    if (x->cfg.v_write == 0.0) {
        x->cfg.v_write = DEFAULT_V_WRITE;
    }
    if (x->cfg.pulse_width == 0.0) {
        x->cfg.pulse_width = DEFAULT_PULSE_WIDTH;
    }
    if (x->cfg.t_read == 0.0) {
        x->cfg.t_read = DEFAULT_T_READ;
    }
    x->solver = cfg->read != NULL ? cfg->read : xb_solver_ideal;
    x->solver_ideal = x->solver == xb_solver_ideal;
    x->nslices = cfg->slices > 1 ? cfg->slices : 1;
    if ((rc = make_tiles(x)) < 0) {
        goto fail;
    }
    if ((rc = xb_devices_create(&x->dev, &cfg->device, x->ndev, cfg->seed, cfg->array_id)) < 0) {
        goto fail;
    }
    if (cfg->write_mode != XB_WRITE_TABLE &&
        (rc = xb_devices_set_write_mode(x->dev, cfg->write_mode, NULL)) < 0) {
        goto fail;
    }
    if ((rc = xb_xbar__apply_cellmaps(x)) < 0) {
        goto fail;
    }
    xb_devices_nominal_range(x->dev, &x->gmin, &x->gmax);
    x->grange = x->gmax - x->gmin;
    if (!(x->grange > 0.0)) {
        rc = xb__error_set(XB_EINVAL, "device range Gmax - Gmin (%g S) must be > 0", x->grange);
        goto fail;
    }
    x->pmax = xb_devices_pulses_full_range(x->dev);
    if (!(x->pmax >= 1.0)) {
        rc = xb__error_set(XB_EINVAL, "device pulses over the full range (%g) must be >= 1",
                           x->pmax);
        goto fail;
    }
    if (cfg->mapping == XB_MAP_DIFF_PAIR) {
        x->scale = cfg->w_max / x->grange;
        x->dw_pulse = cfg->w_max / x->pmax;
    } else {
        /* G - G_ref spans +-(Gmax - Gmin)/2 */
        x->scale = 2.0 * cfg->w_max / x->grange;
        x->dw_pulse = 2.0 * cfg->w_max / x->pmax;
    }
    {
        /* slice k weighs base^k / sum_m base^m, so all slices full = w_max */
        double base = cfg->slice_base > 0.0 ? cfg->slice_base : floor(x->pmax) + 1.0, sum = 0.0;
        for (int k = 0; k < x->nslices; k++) {
            x->sig[k] = pow(base, (double)k);
            sum += x->sig[k];
        }
        for (int k = 0; k < x->nslices; k++) {
            x->sig[k] /= sum;
        }
        x->base = base;
        x->dw_pulse *= x->sig[0];
    }
    {
        /* line voltages of the write scheme, as fractions of V_w (circuits) */
        double ur[2], uc[2];
        if ((rc = xb_write_bias(ur, uc, 2, 2, cfg->write_scheme, 0, 0, 1.0)) < 0) {
            goto fail;
        }
        x->wfrac[0] = ur[0] - uc[1];
        x->wfrac[1] = ur[1] - uc[0];
        x->wfrac[2] = ur[1] - uc[1];
    }
    x->gref = 0.5 * (x->gmin + x->gmax);
    x->read_noise = xb_devices_read_noise(x->dev);
    xb_xbar__zig_init(x->zig_x, x->zig_r);
    if (cfg->dac_bits > 0 && cfg->dac_bits <= XB__DAC_TAB_BITS) {
        /* the DAC's levels k / l, k = -l .. l (read.c normalise) */
        const int l = cfg->dac_bits > 1 ? (1 << (cfg->dac_bits - 1)) - 1 : 1;
        if ((x->dac_lv = malloc((size_t)(2 * l + 1) * sizeof *x->dac_lv)) == NULL) {
            rc = xb__error_set(XB_ENOMEM, "out of memory for the DAC levels");
            goto fail;
        }
        for (int k = -l; k <= l; k++) {
            x->dac_lv[k + l] = (double)k / (double)l;
        }
    }
    x->drift = 1.0;
    {
        /* in pulses of the least significant slice */
        double mp = cfg->max_pulses > 0 ? (double)cfg->max_pulses
                                        : 4.0 * ceil(x->pmax) / x->sig[0];
        x->max_pulses = mp > 1e9 ? 1000000000 : (int)mp;
    }

    size_t nw = (size_t)cfg->n_out * (size_t)cfg->n_in;
    int failed = 0;
    x->w = alloc0(nw, sizeof *x->w, &failed);
    if (x->read_noise > 0.0) {
        x->qf = alloc0(nw, sizeof *x->qf, &failed);
    }
    if (x->nslices > 1) {
        x->wk = alloc0(nw * (size_t)x->nslices, sizeof *x->wk, &failed);
        if (x->read_noise > 0.0) {
            x->qkf = alloc0(nw * (size_t)x->nslices, sizeof *x->qkf, &failed);
        }
    }
    x->npulses = alloc0(x->ndev, sizeof *x->npulses, &failed);
    x->ncount = alloc0(nw, sizeof *x->ncount, &failed);
    x->dw = alloc0(nw, sizeof *x->dw, &failed);
    x->target = alloc0(x->ndev, sizeof *x->target, &failed);
    x->mask = alloc0((size_t)cfg->n_in + (size_t)cfg->n_out, sizeof *x->mask, &failed);
    x->hsign = alloc0((size_t)cfg->n_in, sizeof *x->hsign, &failed);
    if (cfg->update == XB_UPDATE_STOCHASTIC) {
        x->slot_rows = alloc0((size_t)64 * (size_t)cfg->n_in, sizeof *x->slot_rows, &failed);
        x->slot_cols = alloc0((size_t)64 * (size_t)cfg->n_out, sizeof *x->slot_cols, &failed);
    }
    x->frac = alloc0((size_t)cfg->n_in, sizeof *x->frac, &failed);
    x->nzrow = alloc0((size_t)cfg->n_in, sizeof *x->nzrow, &failed);
    x->plist = alloc0(x->ndev, sizeof *x->plist, &failed);
    x->gprev = alloc0(x->ndev, sizeof *x->gprev, &failed);
    {
        int maxr = 0;
        for (int t = 0; t < x->ntiles; t++) {
            maxr = x->tiles[t].nr > maxr ? x->tiles[t].nr : maxr;
        }
        x->hs = alloc0(6 * (size_t)maxr, sizeof *x->hs, &failed);
    }
    if (!x->solver_ideal) {
        x->gphys = alloc0(x->ndev, sizeof *x->gphys, &failed);
    }
    if (failed) {
        rc = xb__error_set(XB_ENOMEM, "out of memory");
        goto fail;
    }
    if (!x->solver_ideal) {
        for (int t = 0; t < x->ntiles; t++) {
            xb_circuit_config cc = cfg->circuit;
            cc.rows = x->tiles[t].nr;
            cc.cols = x->tiles[t].pcols;
            if ((rc = x->solver->create(&x->tiles[t].ws, &cc)) < 0) {
                goto fail;
            }
        }
    }
    x->width = (size_t)(cfg->n_in > cfg->n_out ? cfg->n_in : cfg->n_out);
    {
        /* solver buffers hold the widest tile side (rows or physical columns) */
        size_t wmax = x->width;
        for (int t = 0; t < x->ntiles; t++) {
            if ((size_t)x->tiles[t].pcols > wmax) {
                wmax = (size_t)x->tiles[t].pcols;
            }
        }
        x->width = wmax;
    }
    xb_rng_init(&x->rng_update, cfg->seed, XB_RNG_UPDATE, cfg->array_id);
    xb_rng_init(&x->rng_read, cfg->seed, XB_RNG_READ, cfg->array_id);

    /* the initial state is W = 0 written directly: both pair devices at Gmin,
     * the reference column at G_ref */
    memset(x->dw, 0, nw * sizeof *x->dw);
    /* twice for the reference column: weights are measured from the state
     * the reference device actually reached */
    for (int pass = 0; pass < (cfg->mapping == XB_MAP_REF_COLUMN ? 2 : 1); pass++) {
        xb_xbar__targets(x, x->dw);
        if ((rc = xb_devices_program(x->dev, x->target)) < 0) {
            goto fail;
        }
    }
    xb_xbar__refresh(x);
    *out = x;
    return XB_OK;
fail:
    xb_xbar_free(x);
    return rc;
}

int xb_xbar__ensure_ws(xb_xbar *x, size_t nvec)
{
    if (nvec <= x->cap && x->xs != NULL) {
        return XB_OK;
    }
    size_t cap = nvec > x->cfg.max_batch ? nvec : x->cfg.max_batch;
    size_t n = cap * x->width;
    double **bufs[] = {&x->xs, &x->part, &x->vbuf, &x->ibuf};
    for (size_t k = 0; k < sizeof bufs / sizeof bufs[0]; k++) {
        double *p = realloc(*bufs[k], n * sizeof **bufs[k]);
        if (p == NULL) {
            return xb__error_set(XB_ENOMEM, "out of memory");
        }
        *bufs[k] = p;
    }
    float **fbufs[] = {&x->sqf, &x->varf};
    for (size_t k = 0; k < sizeof fbufs / sizeof fbufs[0]; k++) {
        float *p = realloc(*fbufs[k], n * sizeof **fbufs[k]);
        if (p == NULL) {
            return xb__error_set(XB_ENOMEM, "out of memory");
        }
        *fbufs[k] = p;
    }
    double *p = realloc(x->xscale, cap * sizeof *x->xscale);
    if (p == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    x->xscale = p;
    x->cap = cap;
    return XB_OK;
}

/* Signed digits of n (in LSB pulses) over the slices: d_k = n's base-`base`
 * digit with the sign of n; the top slice takes what is left. */
void xb_xbar__digits(const xb_xbar *x, int64_t n, int32_t *d)
{
    const int64_t b = (int64_t)x->base;
    for (int k = 0; k < x->nslices - 1; k++) {
        int64_t r = n % b;
        d[k] = (int32_t)r;
        n = (n - r) / b;
    }
    d[x->nslices - 1] = (int32_t)(n > INT32_MAX ? INT32_MAX : (n < -INT32_MAX ? -INT32_MAX : n));
}

void xb_xbar__targets(xb_xbar *x, const double *w)
{
    const int n_in = x->cfg.n_in, K = x->nslices;
    const double wmax = x->cfg.w_max;
    const double *G = xb_devices_conductances(x->dev);
    const int pair = x->cfg.mapping == XB_MAP_DIFF_PAIR;
    const double dg = x->grange / x->pmax;
    for (int t = 0; t < x->ntiles; t++) {
        const xb__tile *tl = &x->tiles[t];
        const int ru = tl->no * K;
        for (int ii = 0; ii < tl->no; ii++) {
            const double *wr = w + (size_t)(tl->o0 + ii) * (size_t)n_in + (size_t)tl->r0;
            for (int rr = 0; rr < tl->nr; rr++) {
                double v = wr[rr];
                v = v > wmax ? wmax : (v < -wmax ? -wmax : v);
                /* conductance offset of each slice from its zero */
                double off[32];
                if (K == 1) {
                    off[0] = v / x->scale;
                } else {
                    /* whole LSB pulses, split into digits, one per slice */
                    int32_t dgt[32];
                    xb_xbar__digits(x, (int64_t)nearbyint(v / x->dw_pulse), dgt);
                    for (int k = 0; k < K; k++) {
                        off[k] = (double)dgt[k] * dg;
                    }
                }
                for (int k = 0; k < K; k++) {
                    int u = ii * K + k;
                    if (pair) {
                        double a = fabs(off[k]);
                        x->target[xb__dev_pair(tl, u, rr, 0)] = x->gmin + (off[k] > 0.0 ? a : 0.0);
                        x->target[xb__dev_pair(tl, u, rr, 1)] = x->gmin + (off[k] < 0.0 ? a : 0.0);
                    } else {
                        /* measured from the state the reference device reached */
                        x->target[xb__dev_one(tl, u, rr)] = G[xb__dev_ref(tl, ru, rr)] + off[k];
                    }
                }
            }
        }
        if (!pair) {
            for (int rr = 0; rr < tl->nr; rr++) {
                x->target[xb__dev_ref(tl, ru, rr)] = x->gref;
            }
        }
    }
}

static void tile_adc_worst(xb_xbar *x, xb__tile *tl)
{
    const int n_in = x->cfg.n_in;
    const size_t nw = (size_t)x->cfg.n_out * (size_t)n_in;
    double *colabs = x->hs; /* nr scratch */
    for (int sl = 0; sl < x->nslices; sl++) {
        const double *w = x->nslices > 1 ? x->wk + (size_t)sl * nw : x->w;
        double a0 = 0.0, a1 = 0.0;
        memset(colabs, 0, (size_t)tl->nr * sizeof *colabs);
        for (int ii = 0; ii < tl->no; ii++) {
            const double *wr = w + (size_t)(tl->o0 + ii) * (size_t)n_in + tl->r0;
            double a = 0.0;
            for (int rr = 0; rr < tl->nr; rr++) {
                a += fabs(wr[rr]);
                colabs[rr] += fabs(wr[rr]);
            }
            a0 = a > a0 ? a : a0;
        }
        for (int rr = 0; rr < tl->nr; rr++) {
            a1 = colabs[rr] > a1 ? colabs[rr] : a1;
        }
        tl->adc_worst[0][sl] = a0;
        tl->adc_worst[1][sl] = a1;
    }
}

/* Weight (and noise weight) of local output ii, row rr from the conductances:
 * the sum over slices of sig_k scale (G+ - G-) (or G - G_ref). */
static void weight_at(xb_xbar *x, const xb__tile *tl, const double *G, int ii, int rr)
{
    const double s = x->scale;
    const int K = x->nslices, pair = x->cfg.mapping == XB_MAP_DIFF_PAIR;
    const size_t nw = (size_t)x->cfg.n_out * (size_t)x->cfg.n_in;
    size_t wo = (size_t)(tl->o0 + ii) * (size_t)x->cfg.n_in + (size_t)(tl->r0 + rr);
    double wsum = 0.0, qsum = 0.0;
    double gr = pair ? 0.0 : G[xb__dev_ref(tl, tl->no * K, rr)];
    for (int k = 0; k < K; k++) {
        int u = ii * K + k;
        double a, b, wv, qv;
        if (pair) {
            a = G[xb__dev_pair(tl, u, rr, 0)];
            b = G[xb__dev_pair(tl, u, rr, 1)];
            wv = x->sig[k] * s * (a - b);
            qv = x->sig[k] * x->sig[k] * s * s * (a * a + b * b);
        } else {
            a = G[xb__dev_one(tl, u, rr)];
            wv = x->sig[k] * s * (a - gr);
            qv = x->sig[k] * x->sig[k] * s * s * a * a;
        }
        wsum += wv;
        qsum += qv;
        if (K > 1) {
            x->wk[(size_t)k * nw + wo] = wv;
            if (x->qkf != NULL) {
                x->qkf[(size_t)k * nw + wo] = (float)qv;
            }
        }
    }
    x->w[wo] = wsum;
    if (x->qf != NULL) {
        x->qf[wo] = (float)qsum;
    }
}

void xb_xbar__refresh(xb_xbar *x)
{
    x->pd_stale = 1;
    const double *G = xb_devices_conductances(x->dev);
    const int pair = x->cfg.mapping == XB_MAP_DIFF_PAIR;
    for (int t = 0; t < x->ntiles; t++) {
        xb__tile *tl = &x->tiles[t];
        memset(tl->rowsum, 0, (size_t)tl->nr * sizeof *tl->rowsum);
        for (int c = 0; c < tl->pcols; c++) {
            /* physical column c: pair columns interleave the two sides */
            double cs = 0.0;
            for (int rr = 0; rr < tl->nr; rr++) {
                double g = pair ? G[xb__dev_pair(tl, c / 2, rr, c % 2)] : G[xb__dev_one(tl, c, rr)];
                cs += g;
                tl->rowsum[rr] += g;
            }
            tl->colsum[c] = cs;
        }
        for (int ii = 0; ii < tl->no; ii++) {
            for (int rr = 0; rr < tl->nr; rr++) {
                weight_at(x, tl, G, ii, rr);
            }
        }
        tl->dirty = 1;
        if (x->cfg.adc_cal == XB_ADC_CAL_WORST && x->cfg.adc_bits > 0) {
            tile_adc_worst(x, tl);
        }
    }
}

/* Physical row and column of device k of tile tl, and its output (no for the
 * reference column). */
static void locate(const xb_xbar *x, const xb__tile *tl, size_t k, int *rr, int *col, int *ii)
{
    size_t loc = k - tl->dev0;
    const int pair = x->cfg.mapping == XB_MAP_DIFF_PAIR;
    size_t cell = pair ? loc >> 1 : loc;
    /* cell / nr by the reciprocal (an integer division per pulsed device
     * was a visible share of an update), corrected to the exact quotient */
    int64_t u = (int64_t)((double)cell * tl->inv_nr);
    int64_t r = (int64_t)cell - u * (int64_t)tl->nr;
    if (r < 0) {
        u--;
        r += tl->nr;
    } else if (r >= tl->nr) {
        u++;
        r -= tl->nr;
    }
    *rr = (int)r;
    *col = pair ? 2 * (int)u + (int)(loc & 1) : (int)u;
    *ii = x->nslices == 1 ? (int)u : (int)u / x->nslices;
}

/* NeuroSim write energy (device-models.md §5.1): per selected cell
 * V_w^2 (G_prev + G)/2 PW |n| + V_w^2 C_wire |n|. With half_select, the V/2
 * scheme of §6: rows are written one at a time, LTP phase then LTD phase; at
 * pulse step s of a phase, column c is selected while s < a_c (its pulses in
 * that phase); the unselected cells of the row and the other cells of the
 * selected columns see V_w/2. Summed over the steps of one row and phase:
 *   sum_c [G_c (pmax - a_c) + a_c (colsum_c - G_c)]
 *   = pmax rowsum - 2 sum_c a_c G_c + sum_c a_c colsum_c. */
void xb_xbar__write_begin(xb_xbar *x)
{
    x->pd_stale = 1;
    x->w_event = x->event++;
    x->w_done = 0;
    x->w_tile = 0;
    x->w_ref = 0;
    for (int t = 0; t < x->ntiles; t++) {
        x->tiles[t].w_m0 = SIZE_MAX;
        x->tiles[t].w_m1 = 0;
        x->tiles[t].w_p = 0;
        x->tiles[t].w_e = 0.0;
    }
}

int xb_xbar__write_upto(xb_xbar *x, size_t m_end)
{
    const size_t m0 = x->w_done;
    if (m_end <= m0) {
        return XB_OK;
    }
    const double *G = xb_devices_conductances(x->dev);
    for (size_t m = m0; m < m_end; m++) {
        x->gprev[m] = G[x->plist[m]];
    }
    XB_TRY(xb_devices_pulse_sparse(x->dev, x->plist + m0, m_end - m0, x->npulses, x->w_event));
    x->w_done = m_end;
    G = xb_devices_conductances(x->dev);
    const double v2 = x->cfg.v_write * x->cfg.v_write;
    const double v2pw = v2 * x->cfg.pulse_width, v2c = v2 * x->cfg.c_wire;
    size_t m = m0;
    for (int t = x->w_tile; t < x->ntiles && m < m_end; t++) {
        xb__tile *tl = &x->tiles[t];
        const size_t end = tl->dev0 + (size_t)tl->nr * (size_t)tl->pcols;
        if (x->plist[m] >= end) {
            continue;
        }
        x->w_tile = t;
        if (tl->w_m0 == SIZE_MAX) {
            tl->w_m0 = m;
        }
        uint64_t p = tl->w_p;
        double e = tl->w_e;
        /* pass 1: sums, weights, selected-cell energy */
        for (; m < m_end && x->plist[m] < end; m++) {
            size_t k = x->plist[m];
            int rr, col, ii;
            locate(x, tl, k, &rr, &col, &ii);
            double d = G[k] - x->gprev[m];
            tl->rowsum[rr] += d;
            tl->colsum[col] += d;
            if (ii < tl->no) {
                weight_at(x, tl, G, ii, rr);
            } else {
                x->w_ref = 1;
            }
            int32_t n = x->npulses[k];
            double a = n < 0 ? -(double)n : (double)n;
            p += (uint64_t)a;
            e += 0.5 * v2pw * (x->gprev[m] + G[k]) * a + v2c * a;
            x->gprev[m] = G[k]; /* pass 2 needs the new conductance */
        }
        tl->w_m1 = m;
        tl->w_p = p;
        tl->w_e = e;
    }
    return XB_OK;
}

int xb_xbar__write_end(xb_xbar *x, int program, int rc)
{
    const size_t np = x->nplist;
    if (rc < 0) {
        for (size_t m = 0; m < np; m++) {
            x->npulses[x->plist[m]] = 0;
        }
        x->nplist = 0;
        return rc;
    }
    const double v2 = x->cfg.v_write * x->cfg.v_write;
    const double v2pw = v2 * x->cfg.pulse_width;
    const double f1 = x->wfrac[0] * x->wfrac[0], f2 = x->wfrac[1] * x->wfrac[1];
    const double f3 = x->wfrac[2] * x->wfrac[2];
    uint64_t total = 0;
    double etot = 0.0;
    for (int t = 0; t < x->ntiles; t++) {
        xb__tile *tl = &x->tiles[t];
        if (tl->w_m0 == SIZE_MAX) {
            continue;
        }
        const size_t m0 = tl->w_m0, m = tl->w_m1;
        uint64_t p = tl->w_p;
        double e = tl->w_e;
        tl->dirty = 1;
        /* pass 2: half-select energy with the sums after the write */
        if (x->cfg.half_select) {
            double *pm = x->hs, *s1 = pm + 2 * tl->nr, *s2 = s1 + 2 * tl->nr;
            memset(pm, 0, 6 * (size_t)tl->nr * sizeof *pm);
            for (size_t q = m0; q < m; q++) {
                size_t k = x->plist[q];
                int rr, col, ii;
                locate(x, tl, k, &rr, &col, &ii);
                int32_t n = x->npulses[k];
                int ph = n > 0 ? 0 : 1;
                double a = n < 0 ? -(double)n : (double)n;
                size_t at = (size_t)ph * (size_t)tl->nr + (size_t)rr;
                pm[at] = a > pm[at] ? a : pm[at];
                s1[at] += a * x->gprev[q];
                s2[at] += a * tl->colsum[col];
            }
            /* per phase, over all cells of the tile (docs/xbar.md):
             * f1^2 sum G e1 + f2^2 sum G e2 + f3^2 sum G e3 */
            double gtot = 0.0;
            for (int rr = 0; rr < tl->nr; rr++) {
                gtot += tl->rowsum[rr];
            }
            double eh = 0.0;
            for (int ph = 0; ph < 2; ph++) {
                double pr = 0.0, ptot = 0.0, a1 = 0.0, a2 = 0.0;
                for (int rr = 0; rr < tl->nr; rr++) {
                    size_t at = (size_t)ph * (size_t)tl->nr + (size_t)rr;
                    pr += pm[at] * tl->rowsum[rr];
                    ptot += pm[at];
                    a1 += s1[at];
                    a2 += s2[at];
                }
                eh += f1 * (pr - a1) + f2 * (a2 - a1) + f3 * (ptot * gtot - pr - a2 + a1);
            }
            e += v2pw * eh;
        }
        if (program) {
            tl->cnt.pulses_program += p;
        } else {
            tl->cnt.pulses += p;
        }
        tl->cnt.energy_write += e;
        total += p;
        etot += e;
        if (x->cfg.adc_cal == XB_ADC_CAL_WORST && x->cfg.adc_bits > 0) {
            tile_adc_worst(x, tl);
        }
    }
    int disturbed = 0;
    if (x->cfg.disturb && np > 0) {
        rc = xb_xbar__disturb(x);
        disturbed = 1;
    }
    for (size_t q = 0; q < np; q++) {
        x->npulses[x->plist[q]] = 0;
    }
    x->nplist = 0;
    XB_TRY(rc);
    if (x->w_ref || disturbed) {
        /* a reference device moved (its whole row of weights did), or the
         * disturbance moved every exposed cell */
        xb_xbar__refresh(x);
    }
    if (program) {
        x->cnt.pulses_program += total;
    } else {
        x->cnt.pulses += total;
    }
    x->cnt.energy_write += etot;
    return XB_OK;
}

int xb_xbar__apply_pulses(xb_xbar *x, int program)
{
    xb_xbar__write_begin(x);
    return xb_xbar__write_end(x, program, xb_xbar__write_upto(x, x->nplist));
}

int xb_xbar_program(xb_xbar *x, const double *w)
{
    XB_ASSERT_ARG(x != NULL);
    XB_ASSERT_ARG(w != NULL);
    const size_t nw = (size_t)x->cfg.n_out * (size_t)x->cfg.n_in;
    for (size_t k = 0; k < nw; k++) {
        if (!isfinite(w[k])) {
            return xb__error_set(XB_EINVAL, "weight %zu (row %zu, column %zu) is %g", k,
                                 k / (size_t)x->cfg.n_in, k % (size_t)x->cfg.n_in, w[k]);
        }
    }
    xb_xbar__targets(x, w);
    x->cnt.programs++;
    for (int t = 0; t < x->ntiles; t++) {
        x->tiles[t].cnt.programs++;
    }
    if (x->cfg.verify_max_iter == 0) {
        XB_TRY(xb_devices_program(x->dev, x->target));
        xb_xbar__refresh(x);
        return XB_OK;
    }
    /* write-verify: read every device, pulse the ones outside tolerance by
     * the nominal pulses for the remaining distance, repeat */
    const double tol = x->cfg.verify_tol * x->grange;
    const double dg = x->grange / x->pmax;
    for (int it = 0; it < x->cfg.verify_max_iter; it++) {
        const double *G = xb_devices_conductances(x->dev);
        x->nplist = 0;
        for (size_t k = 0; k < x->ndev; k++) {
            double err = x->target[k] - G[k];
            if (fabs(err) > tol) {
                double m = nearbyint(err / dg);
                if (m == 0.0) {
                    m = err > 0.0 ? 1.0 : -1.0;
                }
                m = fmax(-(double)x->max_pulses, fmin((double)x->max_pulses, m));
                x->npulses[k] = (int32_t)m;
                x->plist[x->nplist++] = k;
            }
        }
        x->cnt.verify_rounds++;
        for (int t = 0; t < x->ntiles; t++) {
            x->tiles[t].cnt.verify_rounds++;
        }
        if (x->nplist == 0) {
            break;
        }
        XB_TRY(xb_xbar__apply_pulses(x, 1));
    }
    return XB_OK;
}

int xb_xbar_weights(const xb_xbar *x, double *w_out)
{
    XB_ASSERT_ARG(x != NULL);
    XB_ASSERT_ARG(w_out != NULL);
    memcpy(w_out, x->w, (size_t)x->cfg.n_out * (size_t)x->cfg.n_in * sizeof *w_out);
    return XB_OK;
}

static int pd_alloc(xb_xbar *x)
{
    if (x->gd != NULL) {
        return XB_OK;
    }
    const size_t nw = (size_t)x->cfg.n_out * (size_t)x->cfg.n_in, K = (size_t)x->nslices;
    x->gd = malloc(x->ndev * sizeof *x->gd);
    x->gvar = malloc(x->ndev * sizeof *x->gvar);
    x->wd = malloc(nw * sizeof *x->wd);
    x->qdf = malloc(nw * sizeof *x->qdf);
    if (K > 1) {
        x->wdk = malloc(K * nw * sizeof *x->wdk);
        x->qdkf = malloc(K * nw * sizeof *x->qdkf);
    }
    if (x->gd == NULL || x->gvar == NULL || x->wd == NULL || x->qdf == NULL ||
        (K > 1 && (x->wdk == NULL || x->qdkf == NULL))) {
        free(x->gd);
        free(x->gvar);
        free(x->wd);
        free(x->qdf);
        free(x->wdk);
        free(x->qdkf);
        x->gd = x->gvar = x->wd = x->wdk = NULL;
        x->qdf = x->qdkf = NULL;
        return xb__error_set(XB_ENOMEM, "out of memory for the drift view of %zu devices", x->ndev);
    }
    return XB_OK;
}

/* The drift view's weights and variances from gd, gvar: weight_at with the
 * per-device variances in place of read_noise^2 G^2. */
static void pd_weights(xb_xbar *x)
{
    const double s = x->scale;
    const int K = x->nslices, pair = x->cfg.mapping == XB_MAP_DIFF_PAIR;
    const size_t nw = (size_t)x->cfg.n_out * (size_t)x->cfg.n_in;
    const double *G = x->gd, *V = x->gvar;
    for (int t = 0; t < x->ntiles; t++) {
        const xb__tile *tl = &x->tiles[t];
        for (int ii = 0; ii < tl->no; ii++) {
            for (int rr = 0; rr < tl->nr; rr++) {
                size_t wo = (size_t)(tl->o0 + ii) * (size_t)x->cfg.n_in + (size_t)(tl->r0 + rr);
                double wsum = 0.0, qsum = 0.0;
                double gr = pair ? 0.0 : G[xb__dev_ref(tl, tl->no * K, rr)];
                for (int k = 0; k < K; k++) {
                    int u = ii * K + k;
                    double sk = x->sig[k] * s, wv, qv;
                    if (pair) {
                        size_t a = xb__dev_pair(tl, u, rr, 0), b = xb__dev_pair(tl, u, rr, 1);
                        wv = sk * (G[a] - G[b]);
                        qv = sk * sk * (V[a] + V[b]);
                    } else {
                        size_t a = xb__dev_one(tl, u, rr);
                        wv = sk * (G[a] - gr);
                        qv = sk * sk * V[a];
                    }
                    wsum += wv;
                    qsum += qv;
                    if (K > 1) {
                        x->wdk[(size_t)k * nw + wo] = wv;
                        x->qdkf[(size_t)k * nw + wo] = (float)qv;
                    }
                }
                x->wd[wo] = wsum;
                x->qdf[wo] = (float)qsum;
            }
        }
    }
}

int xb_xbar__pd_rebuild(xb_xbar *x)
{
    XB_TRY(xb_devices_drifted(x->dev, x->t_read, x->gd, x->gvar));
    const double *G = xb_devices_conductances(x->dev);
    double sg = 0.0, sd = 0.0;
    int noise = 0;
    for (size_t k = 0; k < x->ndev; k++) {
        sg += G[k];
        sd += x->gd[k];
        x->gvar[k] *= x->gd[k] * x->gd[k];
        noise |= x->gvar[k] > 0.0;
    }
    x->pd_noise = noise;
    x->pd_alpha = 1.0;
    const size_t nw = (size_t)x->cfg.n_out * (size_t)x->cfg.n_in;
    if (xb_devices_pcm_mode(x->dev) == XB_PCM_COMPENSATED) {
        /* aihwkit's global drift compensation (device-models.md 5.3): a
         * one-hot read-out of every column gives mean |W e_j| = mean |W_ij|
         * over the array, at programming and now; outputs are rescaled by
         * the ratio. Taken on the noiseless conductances, so the factor is
         * one number per array and read time, not one per calibration read. */
        pd_weights(x);
        double a0 = 0.0, a1 = 0.0;
        for (size_t k = 0; k < nw; k++) {
            a0 += fabs(x->w[k]);
            a1 += fabs(x->wd[k]);
        }
        if (a0 > 0.0 && a1 > 0.0) {
            x->pd_alpha = a0 / a1;
        }
        for (size_t k = 0; k < x->ndev; k++) {
            x->gd[k] *= x->pd_alpha;
            x->gvar[k] *= x->pd_alpha * x->pd_alpha;
        }
    }
    pd_weights(x);
    x->pd_efac = sg > 0.0 ? sd / sg : 1.0;
    x->pd_stale = 0;
    return XB_OK;
}

int xb_xbar_set_read_time(xb_xbar *x, double t_since_program)
{
    XB_ASSERT_ARG(x != NULL);
    if (!(t_since_program >= 0.0) || !isfinite(t_since_program)) {
        return xb__error_set(XB_EINVAL, "read time (%g s) must be finite and >= 0",
                             t_since_program);
    }
    if (!xb_devices_drift_uniform(x->dev) && t_since_program > 0.0) {
        /* each device drifts by its own factor: reads see a view rebuilt
         * from the drifted conductances (checked first, so a failed
         * allocation leaves the array as it was) */
        XB_TRY(pd_alloc(x));
        x->t_read = t_since_program;
        x->pd = 1;
        XB_TRY(xb_xbar__pd_rebuild(x));
        for (int t = 0; t < x->ntiles; t++) {
            x->tiles[t].dirty = 1;
        }
        return XB_OK;
    }
    double f = xb_devices_drift_factor(x->dev, t_since_program);
    if (f != x->drift || x->pd) {
        x->drift = f;
        x->pd = 0;
        x->t_read = t_since_program;
        for (int t = 0; t < x->ntiles; t++) {
            x->tiles[t].dirty = 1;
        }
    }
    return XB_OK;
}

double xb_xbar_drift_compensation(const xb_xbar *x)
{
    return x != NULL && x->pd ? x->pd_alpha : 1.0;
}

int xb_xbar_read_weights(xb_xbar *x, double *w_out)
{
    XB_ASSERT_ARG(x != NULL);
    XB_ASSERT_ARG(w_out != NULL);
    const size_t nw = (size_t)x->cfg.n_out * (size_t)x->cfg.n_in;
    if (x->pd) {
        if (x->pd_stale) {
            XB_TRY(xb_xbar__pd_rebuild(x));
        }
        memcpy(w_out, x->wd, nw * sizeof *w_out);
        return XB_OK;
    }
    for (size_t k = 0; k < nw; k++) {
        w_out[k] = x->drift * x->w[k];
    }
    return XB_OK;
}

const xb_devices *xb_xbar_devices(const xb_xbar *x) { return x != NULL ? x->dev : NULL; }

double xb_xbar_dw_pulse(const xb_xbar *x) { return x != NULL ? x->dw_pulse : 0.0; }

int xb_xbar_tile_count(const xb_xbar *x) { return x != NULL ? x->ntiles : 0; }

int xb_xbar_tile_shape(const xb_xbar *x, int tile, int *in0, int *n_in, int *out0, int *n_out,
                       int *rows, int *cols)
{
    XB_ASSERT_ARG(x != NULL);
    if (tile < 0 || tile >= x->ntiles) {
        return xb__error_set(XB_EINVAL, "tile (%d) must be in [0, %d)", tile, x->ntiles);
    }
    const xb__tile *t = &x->tiles[tile];
    if (in0 != NULL) {
        *in0 = t->r0;
    }
    if (n_in != NULL) {
        *n_in = t->nr;
    }
    if (out0 != NULL) {
        *out0 = t->o0;
    }
    if (n_out != NULL) {
        *n_out = t->no;
    }
    if (rows != NULL) {
        *rows = t->nr;
    }
    if (cols != NULL) {
        *cols = t->pcols;
    }
    return XB_OK;
}

void xb_xbar_counters_get(const xb_xbar *x, xb_xbar_counters *out)
{
    if (x == NULL || out == NULL) {
        return;
    }
    *out = x->cnt;
}

int xb_xbar_tile_counters_get(const xb_xbar *x, int tile, xb_xbar_counters *out)
{
    XB_ASSERT_ARG(x != NULL);
    XB_ASSERT_ARG(out != NULL);
    if (tile < 0 || tile >= x->ntiles) {
        return xb__error_set(XB_EINVAL, "tile (%d) must be in [0, %d)", tile, x->ntiles);
    }
    *out = x->tiles[tile].cnt;
    out->updates = x->cnt.updates;
    out->programs = x->cnt.programs;
    return XB_OK;
}

void xb_xbar_counters_reset(xb_xbar *x)
{
    if (x == NULL) {
        return;
    }
    memset(&x->cnt, 0, sizeof x->cnt);
    for (int t = 0; t < x->ntiles; t++) {
        memset(&x->tiles[t].cnt, 0, sizeof x->tiles[t].cnt);
    }
}

static void print_row(FILE *fp, int csv, const char *name, const xb__tile *t,
                      const xb_xbar_counters *c)
{
    if (csv) {
        xb_csv_field(fp, name);
        if (t != NULL) {
            fprintf(fp, ",%d,%d,%d,%d,%d,%d", t->r0, t->nr, t->o0, t->no, t->nr, t->pcols);
        } else {
            fprintf(fp, ",,,,,,");
        }
        fprintf(fp, ",%llu,%llu,%llu,%llu,%llu,%llu,", (unsigned long long)c->reads_forward,
                (unsigned long long)c->reads_backward, (unsigned long long)c->array_reads,
                (unsigned long long)c->pulses, (unsigned long long)c->pulses_program,
                (unsigned long long)c->verify_rounds);
        xb_csv_double(fp, c->energy_read);
        fputc(',', fp);
        xb_csv_double(fp, c->energy_write);
        fputc('\n', fp);
        return;
    }
    char shape[64] = "";
    if (t != NULL) {
        snprintf(shape, sizeof shape, "%dx%d @ (%d, %d)", t->nr, t->pcols, t->r0, t->o0);
    }
    fprintf(fp, "%-6s %-22s %12llu %12llu %12llu %12llu %12llu %12.4e %12.4e\n", name, shape,
            (unsigned long long)c->reads_forward, (unsigned long long)c->reads_backward,
            (unsigned long long)c->array_reads, (unsigned long long)c->pulses,
            (unsigned long long)c->pulses_program, c->energy_read, c->energy_write);
}

int xb_xbar_counters_fprint(FILE *fp, const xb_xbar *x, int csv)
{
    XB_ASSERT_ARG(fp != NULL);
    XB_ASSERT_ARG(x != NULL);
    if (csv) {
        fputs("array,in0,n_in,out0,n_out,rows,cols,reads_forward,reads_backward,array_reads,"
              "pulses,pulses_program,verify_rounds,energy_read_j,energy_write_j\n",
              fp);
    } else {
        fprintf(fp, "%-6s %-22s %12s %12s %12s %12s %12s %12s %12s\n", "array", "shape",
                "reads_fwd", "reads_bwd", "array_reads", "pulses", "pulses_prog", "E_read/J",
                "E_write/J");
    }
    for (int t = 0; t < x->ntiles; t++) {
        char name[16];
        snprintf(name, sizeof name, "%d", t);
        print_row(fp, csv, name, &x->tiles[t], &x->tiles[t].cnt);
    }
    print_row(fp, csv, "all", NULL, &x->cnt);
    if (ferror(fp)) {
        return xb__error_set(XB_EIO, "writing the counters failed");
    }
    return XB_OK;
}
