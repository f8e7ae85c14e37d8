/* The training loop over learning/'s step API: settings of a run mapped onto
 * xb_net_config, minibatches shuffled per epoch from the seed's shuffle
 * stream, evaluation on the train and test sets after every epoch. */
#include "learning/learning.h"
#include "scenarios/scenarios_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Datasets are loaded once per process and shared by its runs: runs of one
 * file usually differ in hardware, not in data. */
static struct {
    char key[1200];
    xb_dataset train, test;
    int loaded;
} cache;

/* Replaces 28x28 images by their pool x pool averages. */
static int pool_in_place(xb_dataset *d, size_t pool)
{
    if (d->dim != 28 * 28) {
        return xb__error_set(XB_EINVAL, "column 'pool': images of %zu pixels are not 28x28", d->dim);
    }
    xb_dataset p;
    XB_TRY(xb_dataset_pool(&p, d, 28, 28, pool));
    xb_dataset_free(d);
    *d = p;
    return XB_OK;
}

static int is_regression(const xb_run *r)
{
    const char *ds = xb_run_text(r, "dataset");
    return !strcmp(ds, "teacher") || !strcmp(ds, "chain");
}

static int load_data(const xb_run *r, const xb_dataset **train, const xb_dataset **test)
{
    const char *ds = xb_run_text(r, "dataset");
    const char *dir = xb_run_text(r, "dataset_path");
    size_t ntr = (size_t)xb_run_int(r, "train_n"), nte = (size_t)xb_run_int(r, "test_n");
    size_t pool = (size_t)xb_run_int(r, "pool");
    char key[1200];
    /* a synthetic task is drawn from the run's seed: a teacher per seed */
    snprintf(key, sizeof key, "%s|%s|%zu|%zu|%zu|%llu", ds, dir, ntr, nte, pool,
             is_regression(r) ? (unsigned long long)r->seed : 0ULL);
    if (!cache.loaded || strcmp(cache.key, key)) {
        if (cache.loaded) {
            xb_dataset_free(&cache.train);
            xb_dataset_free(&cache.test);
            cache.loaded = 0;
        }
        int rc;
        if (!strcmp(ds, "teacher")) {
            xb_teacher_config tc = XB_TEACHER_CONFIG_INIT;
            tc.n_train = ntr ? ntr : tc.n_train;
            tc.n_test = nte ? nte : tc.n_test;
            rc = xb_dataset_linear_teacher(&cache.train, &cache.test, NULL, &tc, r->seed);
        } else if (!strcmp(ds, "chain")) {
            xb_chain_config cc = XB_CHAIN_CONFIG_INIT;
            cc.n_train = ntr ? ntr : cc.n_train;
            cc.n_test = nte ? nte : cc.n_test;
            rc = xb_dataset_linear_chain(&cache.train, &cache.test, &cc, r->seed);
        } else if (dir[0]) {
            rc = xb_dataset_load_fashion_mnist_dir(&cache.train, &cache.test, dir, ntr, nte);
            if (rc == XB_OK && pool > 1) {
                rc = pool_in_place(&cache.train, pool);
                if (rc == XB_OK) {
                    rc = pool_in_place(&cache.test, pool);
                }
                if (rc < 0) {
                    xb_dataset_free(&cache.train);
                    xb_dataset_free(&cache.test);
                }
            }
        } else if (pool > 1) {
            rc = xb_dataset_load_fashion_mnist_pooled(&cache.train, &cache.test, ntr, nte, pool);
        } else {
            rc = xb_dataset_load_fashion_mnist(&cache.train, &cache.test, ntr, nte);
        }
        XB_TRY(rc);
        snprintf(cache.key, sizeof cache.key, "%s", key);
        cache.loaded = 1;
    }
    *train = &cache.train;
    *test = &cache.test;
    return XB_OK;
}

static int onoff(const xb_run *r, const char *col)
{
    return !strcmp(xb_run_text(r, col), "on");
}

static int choice_index(const char *value, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) {
        if (!strcmp(value, names[i])) {
            return i;
        }
    }
    return 0; /* the parser only lets schema names through */
}

/* One array's settings; prefix "" (forward) or "bwd_". */
static int array_config(const xb_run *r, const char *prefix, xb_xbar_config *x, void *params_buf)
{
    char col[64];
#define COL(name) (snprintf(col, sizeof col, "%s%s", prefix, name), col)
    const char *dev = xb_run_text(r, COL("device"));
    const xb_device_type *type = NULL;
    const xb_device_preset *preset = NULL;
    const char *curves = xb_run_text(r, COL("pulse_data"));
    size_t dl = strlen(dev);
    if (curves[0]) {
        /* measured pulse-response curves: the piecewise step model */
        XB_TRY(xb_device_piecewise_from_csv(curves, params_buf));
        x->device.type = xb_device_piecewise;
        x->device.params = params_buf;
    } else if (dl > 4 && !strcmp(dev + dl - 4, ".csv")) {
        XB_TRY(xb_device_file_read(dev, &type, params_buf));
        x->device.type = type;
        x->device.params = params_buf;
    } else if (xb_scn__device_lookup(dev, &type, &preset) != 0) {
        return xb__error_set(XB_ENOTFOUND, "column '%s': unknown device '%s'", COL("device"), dev);
    } else if (preset) {
        /* the preset's model and parameters; its reported variability is
         * already in the run's c2c/d2d columns (resolved by the parser) */
        XB_TRY(xb_device_preset_config(preset->name, &x->device, params_buf));
    } else {
        XB_TRY(xb_device_params_default(type, params_buf));
        x->device.type = type;
        x->device.params = params_buf;
    }
    /* p_<name> / bwd_p_<name> columns over those values */
    size_t plen = strlen(prefix);
    for (size_t k = 0; k < r->n_params; k++) {
        const char *pc = r->param_names[k];
        const char *v = xb_run_text(r, pc);
        if (strncmp(pc, prefix, plen) || !v[0]) {
            continue;
        }
        if (!strncmp(pc + plen, "d2d_", 4)) {
            /* spread of one named parameter, drawn once per device */
            const xb_device_param *prm;
            int rc = xb_device_param_find(x->device.type, pc + plen + 4, &prm);
            if (rc < 0) {
                return xb__error_prefix(rc, "column '%s': ", pc);
            }
            if (x->device.n_d2d >= XB_DEVICE_MAX_VARIATIONS) {
                return xb__error_set(XB_EINVAL, "column '%s': at most %d parameter spreads per "
                                                "array", pc, XB_DEVICE_MAX_VARIATIONS);
            }
            xb_device_variation *dv = &x->device.d2d[x->device.n_d2d++];
            snprintf(dv->param, sizeof dv->param, "%s", pc + plen + 4);
            dv->sigma = strtod(v, NULL);
            dv->dist = XB_DIST_NORMAL;
            continue;
        }
        if (strncmp(pc + plen, "p_", 2)) {
            continue;
        }
        int rc = xb_device_param_set(x->device.type, params_buf, pc + plen + 2, strtod(v, NULL));
        if (rc < 0) {
            return xb__error_prefix(rc, "column '%s': ", pc);
        }
    }
    XB_TRY(xb_scn__cellmap_config(xb_run_text(r, COL("cellmap")), COL("cellmap"), x));
    x->device.d2d_gbounds = xb_run_real(r, COL("d2d"));
    x->device.c2c = xb_run_real(r, COL("c2c"));
    x->device.read_noise = xb_run_real(r, COL("read_noise"));
    x->device.levels = (int)xb_run_int(r, COL("levels"));
    x->device.stuck_min_frac = xb_run_real(r, COL("stuck_min"));
    x->device.stuck_max_frac = xb_run_real(r, COL("stuck_max"));
    x->device.drift_nu = xb_run_real(r, COL("drift_nu"));
    x->device.drift_t0 = xb_run_real(r, COL("drift_t0"));
    x->device.drift_nu_d2d = xb_run_real(r, COL("drift_nu_d2d"));
    {
        /* auto keeps what the preset config set (pcm_nandakumar: on) */
        static const char *const pcms[] = {"auto", "off", "on", "compensated"};
        int pm = choice_index(xb_run_text(r, COL("pcm_stat")), pcms, 4);
        if (pm > 0) {
            x->device.pcm_stat = pm - 1; /* XB_PCM_OFF, _ON, _COMPENSATED */
        }
    }
    x->w_max = xb_run_real(r, COL("w_max"));
    static const char *const maps[] = {"diff_pair", "ref_column"};
    x->mapping = (xb_mapping)choice_index(xb_run_text(r, COL("mapping")), maps, 2);
    static const char *const ups[] = {"pulses", "stochastic", "sign", "trunc"};
    x->update = (xb_update_scheme)choice_index(xb_run_text(r, COL("update")), ups, 4);
    static const char *const pairs[] = {"headroom", "potentiate"};
    x->pair = (xb_pair_policy)choice_index(xb_run_text(r, COL("pair")), pairs, 2);
    x->write_mode = strcmp(xb_run_text(r, COL("write_mode")), "ode") ? XB_WRITE_TABLE
                                                                      : XB_WRITE_ODE;
    x->refresh_frac = xb_run_real(r, COL("refresh_frac"));
    x->dac_range = xb_run_real(r, COL("dac_range"));
    x->max_pulses = (int)xb_run_int(r, COL("max_pulses"));
    x->stoch_bl = (int)xb_run_int(r, COL("stoch_bl"));
    x->verify_max_iter = (int)xb_run_int(r, COL("verify_iter"));
    x->verify_tol = xb_run_real(r, COL("verify_tol"));
    x->slices = (int)xb_run_int(r, COL("slices"));
    x->slice_base = xb_run_real(r, COL("slice_base"));
    x->write_scheme = strcmp(xb_run_text(r, COL("write_scheme")), "v3") ? XB_WRITE_V2 : XB_WRITE_V3;
    x->disturb = onoff(r, COL("disturb"));
    x->half_select = onoff(r, COL("half_select"));
    x->t_read = xb_run_real(r, COL("t_read"));
    x->c_wire = xb_run_real(r, COL("c_wire"));
    x->max_rows = (int)xb_run_int(r, COL("tile_rows"));
    x->max_cols = (int)xb_run_int(r, COL("tile_cols"));
    const char *rd = xb_run_text(r, COL("read"));
    x->read = xb_solver_find(rd);
    if (!x->read) {
        return xb__error_set(XB_ENOTFOUND, "column '%s': read backend '%s' is not built",
                             COL("read"), rd);
    }
    x->circuit.r_wire_row = x->circuit.r_wire_col = xb_run_real(r, COL("r_wire"));
    x->circuit.r_source = xb_run_real(r, COL("r_source"));
    x->circuit.r_sense = xb_run_real(r, COL("r_sense"));
    x->circuit.cell = strcmp(xb_run_text(r, COL("cell")), "1t1r") ? XB_CELL_0T1R : XB_CELL_1T1R;
    x->circuit.r_access = xb_run_real(r, COL("r_access"));
    x->dac_bits = (int)xb_run_int(r, COL("dac_bits"));
    x->adc_bits = (int)xb_run_int(r, COL("adc_bits"));
    static const char *const cals[] = {"dynamic", "fixed", "worst"};
    x->adc_cal = (xb_adc_cal)choice_index(xb_run_text(r, COL("adc_cal")), cals, 3);
    x->adc_range = xb_run_real(r, COL("adc_range"));
    x->v_read = xb_run_real(r, COL("v_read"));
    x->v_write = xb_run_real(r, COL("v_write"));
    x->pulse_width = xb_run_real(r, COL("pulse_width"));
#undef COL
    return XB_OK;
}

enum { METRIC_BATCH = 256 };

/* Maps a run onto a network config (dataset shapes given). */
static int net_config(const xb_run *r, size_t dim, size_t n_out, xb_net_config *c,
                      void *fwd_params, void *bwd_params)
{
    xb_net_config init = XB_NET_CONFIG_INIT;
    *c = init;
    int h[XB_NET_MAX_LAYERS];
    int nh = xb_run_layers(r, "hidden", h, XB_NET_MAX_LAYERS);
    if (nh + 1 > XB_NET_MAX_LAYERS) {
        return xb__error_set(XB_EINVAL, "column 'hidden': %d hidden layers, at most %d", nh,
                             XB_NET_MAX_LAYERS - 1);
    }
    c->n_layers = nh + 1;
    c->sizes[0] = (int)dim;
    for (int i = 0; i < nh; i++) {
        c->sizes[i + 1] = h[i];
    }
    c->sizes[nh + 1] = (int)n_out;
    XB_TRY(xb_activation_find(xb_run_text(r, "activation"), &c->hidden));
    XB_TRY(xb_loss_find(xb_run_text(r, "loss"), &c->loss));
    c->bias = onoff(r, "bias");
    c->lr = xb_run_real(r, "lr");
    c->decay = xb_run_real(r, "decay");
    c->manhattan = onoff(r, "manhattan");
    c->momentum = xb_run_real(r, "momentum");
    c->sal_steps = (int)xb_run_int(r, "sal_steps");
    c->sal_lr = xb_run_real(r, "sal_lr");
    c->sal_tref = (int)xb_run_int(r, "sal_tref");
    c->sal_every = (int)xb_run_int(r, "sal_every");
    c->wm_lr = xb_run_real(r, "wm_lr");
    c->wm_noise = xb_run_real(r, "wm_noise");
    c->wm_batch = (size_t)xb_run_int(r, "wm_batch");
    c->wm_steps = (int)xb_run_int(r, "wm_steps");
    c->wm_damping = xb_run_real(r, "wm_damping");
    c->norm_constraint = onoff(r, "norm_constraint");
    /* evaluation and the alignment metrics read in blocks of METRIC_BATCH */
    c->batch_max = (size_t)xb_run_int(r, "batch");
    if (c->batch_max < METRIC_BATCH) {
        c->batch_max = METRIC_BATCH;
    }
    XB_TRY(xb_init_find(xb_run_text(r, "init"), &c->init));
    c->init_scale = xb_run_real(r, "init_scale");
    XB_TRY(xb_rule_find(xb_run_text(r, "rule"), &c->rule));
    if (c->rule == XB_RULE_WM && c->wm_batch == 0) {
        /* Akrout's mirror batch is the minibatch, also for a short last one */
        c->wm_batch = (size_t)xb_run_int(r, "batch");
    }
    long warmup = xb_run_int(r, "wm_warmup");
    if (warmup > 0 && c->rule != XB_RULE_WM) {
        return xb__error_set(XB_EINVAL,
                             "column 'wm_warmup' (%ld) runs weight-mirror steps: it applies only "
                             "to rule 'wm', not '%s'",
                             warmup, xb_rule_name(c->rule));
    }
    XB_TRY(xb_channel_find(xb_run_text(r, "channel"), &c->channel));
    XB_TRY(xb_init_find(xb_run_text(r, "b_init"), &c->b_init));
    c->b_scale = xb_run_real(r, "b_scale");
    c->sparsity = xb_run_real(r, "fb_sparsity");
    c->sign_magnitude = onoff(r, "sign_magnitude");
    c->error_bits = (int)xb_run_int(r, "error_bits");
    c->bwd_fprime = onoff(r, "derivative");
    c->bwd_nonlinear = onoff(r, "bwd_nonlinear");
    c->seed = r->seed;
    c->hardware = onoff(r, "hardware");
    c->fwd.seed = c->bwd.seed = r->seed;
    c->fwd.max_batch = c->bwd.max_batch = c->batch_max;
    XB_TRY(array_config(r, "", &c->fwd, fwd_params));
    XB_TRY(array_config(r, "bwd_", &c->bwd, bwd_params));
    return XB_OK;
}

typedef struct {
    const xb_run *run;
    xb_net *net;
    const xb_dataset *train, *test;
    size_t *idx;
    size_t batch;
    double t_inference; /* s: read time of the test-set evaluation (0 = as programmed) */
    double *mx;  /* metric batch inputs */
    int *my;     /* metric batch labels */
    double *mt;  /* metric batch targets (regression) */
    size_t mn;
    volatile const sig_atomic_t *stop;
    double fwd_params[XB_DEVICE_PARAMS_MAX / sizeof(double)]; /* preset parameters */
    double bwd_params[XB_DEVICE_PARAMS_MAX / sizeof(double)];
    /* cost model: arrays of the forward / backward matrices, and each
     * matrix's counters at the previous epoch (index 2 (l - 1) + bwd) */
    xb_cost_params cost;
    xb_cost_arch arch[2];
    int slices[2];
    double seen[2 * XB_NET_MAX_LAYERS][3];
    double energy[2], latency[2];
} trainer;

static void tr_free(void *ws)
{
    trainer *t = ws;
    if (!t) {
        return;
    }
    xb_net_free(t->net);
    free(t->idx);
    free(t->mx);
    free(t->my);
    free(t->mt);
    free(t);
}

static void cost_arch(const xb_run *r, const char *prefix, xb_cost_arch *a, int *slices);

static int tr_create(void **ws_out, const xb_run *r, volatile const sig_atomic_t *stop)
{
    trainer *t = calloc(1, sizeof *t);
    if (!t) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    t->run = r;
    t->stop = stop;
    int rc = load_data(r, &t->train, &t->test);
    xb_net_config cfg;
    if (rc == XB_OK) {
        rc = net_config(r, t->train->dim, t->train->n_out, &cfg, t->fwd_params, t->bwd_params);
    }
    if (rc == XB_OK) {
        rc = xb_net_create(&t->net, &cfg);
    }
    if (rc == XB_OK && cfg.rule == XB_RULE_WM) {
        /* Akrout's initial mirroring; a resumed run's checkpoint then
         * replaces the state it leaves */
        rc = xb_net_mirror(t->net, (int)xb_run_int(r, "wm_warmup"));
    }
    if (rc == XB_OK) {
        xb_cost_params_default(&t->cost);
        cost_arch(r, "", &t->arch[0], &t->slices[0]);
        cost_arch(r, "bwd_", &t->arch[1], &t->slices[1]);
        t->batch = (size_t)xb_run_int(r, "batch");
        t->t_inference = xb_run_real(r, "t_inference");
        t->idx = malloc(t->train->n * sizeof *t->idx);
        /* the alignment metrics use a fixed batch of test samples, so they
         * move no training stream and are comparable across epochs */
        t->mn = t->test->n < METRIC_BATCH ? t->test->n : METRIC_BATCH;
        t->mx = malloc((t->mn ? t->mn : 1) * t->test->dim * sizeof *t->mx);
        t->my = malloc((t->mn ? t->mn : 1) * sizeof *t->my);
        if (!t->idx || !t->mx || !t->my) {
            rc = xb__error_set(XB_ENOMEM, "out of memory");
        }
    }
    if (rc == XB_OK && t->mn > 0 && !t->test->classification) {
        /* regression: the first mn test samples with their targets */
        t->mt = malloc(t->mn * t->test->n_out * sizeof *t->mt);
        if (!t->mt) {
            rc = xb__error_set(XB_ENOMEM, "out of memory");
        } else {
            memcpy(t->mx, t->test->x, t->mn * t->test->dim * sizeof *t->mx);
            memcpy(t->mt, t->test->target, t->mn * t->test->n_out * sizeof *t->mt);
        }
    } else if (rc == XB_OK && t->mn > 0) {
        size_t *mi = malloc(t->mn * sizeof *mi);
        if (!mi) {
            rc = xb__error_set(XB_ENOMEM, "out of memory");
        } else {
            for (size_t i = 0; i < t->mn; i++) {
                mi[i] = i;
            }
            rc = xb_dataset_batch(t->test, mi, t->mn, t->mx, t->my);
            free(mi);
        }
    }
    if (rc < 0) {
        tr_free(t);
        return rc;
    }
    *ws_out = t;
    return XB_OK;
}

/* The cost model's view of one array's design (`xbarsim size` columns). */
static void cost_arch(const xb_run *r, const char *prefix, xb_cost_arch *a, int *slices)
{
    char col[64];
#define COL(name) (snprintf(col, sizeof col, "%s%s", prefix, name), col)
    xb_cost_arch init = XB_COST_ARCH_INIT;
    *a = init;
    a->array_rows = (int)xb_run_int(r, COL("cost_array_rows"));
    a->array_cols = (int)xb_run_int(r, COL("cost_array_cols"));
    a->cell = strcmp(xb_run_text(r, COL("cost_cell")), "0t1r") ? XB_CELL_1T1R : XB_CELL_0T1R;
    a->adc = strcmp(xb_run_text(r, COL("cost_adc")), "flash") ? XB_ADC_SAR : XB_ADC_FLASH;
    a->adc_bits = (int)xb_run_int(r, COL("cost_adc_bits"));
    a->in_bits = (int)xb_run_int(r, COL("cost_in_bits"));
    a->col_mux = (int)xb_run_int(r, COL("cost_col_mux"));
    /* a differential pair is two cells per weight, a reference column one;
     * each bit slice is as many cells again */
    a->cells_per_weight = strcmp(xb_run_text(r, COL("mapping")), "ref_column") ? 2 : 1;
    long s = xb_run_int(r, COL("slices"));
    *slices = s > 1 ? (int)s : 1;
#undef COL
}

/* Energy and latency of a matrix's counter increments under the cost model.
 * The n_in x n_out * cells_per_weight matrix is tiled on the cost model's
 * arrays as `xbarsim size` tiles it: every read of the matrix reads every
 * tile; pulses are shared among tiles in proportion to their cells (the
 * counters do not say which tile a pulse went to). */
static int cost_of(const xb_cost_params *p, const xb_cost_arch *a, int slices, int n_in,
                   int n_out, double fwd_reads, double bwd_reads, double pulses, double *e,
                   double *t)
{
    int cols = n_out * a->cells_per_weight * slices;
    int R = a->array_rows ? a->array_rows : n_in, C = a->array_cols ? a->array_cols : cols;
    double cells = (double)n_in * cols;
    *e = *t = 0;
    for (int r0 = 0; r0 < n_in; r0 += R) {
        for (int c0 = 0; c0 < cols; c0 += C) {
            int nr = n_in - r0 < R ? n_in - r0 : R, nc = cols - c0 < C ? cols - c0 : C;
            double et, tt;
            XB_TRY(xb_cost_counters(&et, &tt, p, a, nr, nc, XB_COST_READ_FWD, fwd_reads,
                                    bwd_reads, pulses * ((double)nr * nc / cells)));
            *e += et;
            /* tiles work in parallel: the slowest one */
            *t = tt > *t ? tt : *t;
        }
    }
    return XB_OK;
}

static int add_counters(trainer *t, const xb_xbar *x, int slot, int bwd, double *reads,
                        double *pulses, xb_metrics *m)
{
    if (!x) {
        return XB_OK;
    }
    xb_xbar_counters c;
    xb_xbar_counters_get(x, &c);
    *reads += (double)(c.reads_forward + c.reads_backward);
    *pulses += (double)c.pulses;
    m->energy_read += c.energy_read;
    m->energy_write += c.energy_write;
    /* the matrix's shape from its tiles */
    int n_in = 0, n_out = 0;
    for (int k = 0; k < xb_xbar_tile_count(x); k++) {
        int i0, ni, o0, no;
        XB_TRY(xb_xbar_tile_shape(x, k, &i0, &ni, &o0, &no, NULL, NULL));
        n_in = i0 + ni > n_in ? i0 + ni : n_in;
        n_out = o0 + no > n_out ? o0 + no : n_out;
    }
    /* this epoch's increments (the cost of writes is not linear in the
     * pulses: they are grouped in row-parallel steps per epoch) */
    double now[3] = {(double)c.reads_forward, (double)c.reads_backward, (double)c.pulses};
    double *seen = t->seen[slot];
    double e, lat;
    XB_TRY(cost_of(&t->cost, &t->arch[bwd], t->slices[bwd], n_in, n_out, now[0] - seen[0], now[1] - seen[1],
                   now[2] - seen[2], &e, &lat));
    memcpy(seen, now, sizeof now);
    t->energy[bwd] += e;
    t->latency[bwd] += lat;
    return XB_OK;
}

/* Every forward array reads as it is t seconds after programming (t = 0:
 * as programmed). Only forward reads evaluate a network. */
static int set_read_time(trainer *t, double ts)
{
    if (!(t->t_inference > 0.0)) {
        return XB_OK;
    }
    return xb_net_set_read_time(t->net, ts);
}

static int tr_epoch(void *ws, int epoch, xb_metrics *m)
{
    trainer *t = ws;
    size_t n = t->train->n;
    if (epoch > 0) {
        for (size_t i = 0; i < n; i++) {
            t->idx[i] = i;
        }
        /* each epoch's order comes from its own block of the shuffle stream
         * (seed, XB_RNG_SHUFFLE, array 0, positions from epoch * 2^32), so it
         * depends on nothing else drawn and a resumed run sees the same */
        xb_rng rng;
        xb_rng_init(&rng, t->run->seed, XB_RNG_SHUFFLE, 0);
        xb_rng_seek(&rng, (uint64_t)epoch << 32);
        xb_rng_shuffle(&rng, t->idx, n);
        for (size_t k = 0; k < n; k += t->batch) {
            if (t->stop && *t->stop) {
                return XB_EINTERRUPTED; /* this epoch was not made durable: redone on resume */
            }
            size_t nb = n - k < t->batch ? n - k : t->batch;
            XB_TRY(xb_net_train_indices(t->net, t->train, t->idx + k, nb, NULL));
        }
    }
    XB_TRY(xb_net_evaluate(t->net, t->train, &m->train_loss, &m->train_acc));
    /* the order of the reads (read-noise stream positions) as without t_inference */
    XB_TRY(set_read_time(t, t->t_inference));
    int rc = xb_net_evaluate(t->net, t->test, &m->test_loss, &m->test_acc);
    XB_TRY(set_read_time(t, 0.0));
    XB_TRY(rc);
    if (!t->train->classification) {
        XB_TRY(xb_net_evaluate_nse(t->net, t->train, &m->train_nse));
        XB_TRY(set_read_time(t, t->t_inference));
        rc = xb_net_evaluate_nse(t->net, t->test, &m->test_nse);
        XB_TRY(set_read_time(t, 0.0));
        XB_TRY(rc);
    }
    const xb_net_config *c = xb_net_config_get(t->net);
    if (t->mn > 0) {
        xb_net_layer_metrics lm[XB_NET_MAX_LAYERS];
        XB_TRY(xb_net_metrics(t->net, t->mx, t->mt ? NULL : t->my, t->mt, t->mn, lm));
        for (int l = 0; l < c->n_layers && l < XB_RESULTS_MAX_LAYERS; l++) {
            m->angle[l] = lm[l].angle_deg;
            m->delta_angle[l] = lm[l].delta_angle_deg;
            m->grad_angle[l] = lm[l].dw_angle_deg;
        }
    }
    for (int l = 1; l <= c->n_layers; l++) {
        XB_TRY(add_counters(t, xb_net_forward_xbar(t->net, l), 2 * (l - 1), 0, &m->reads_fwd,
                            &m->pulses_fwd, m));
        XB_TRY(add_counters(t, xb_net_backward_xbar(t->net, l), 2 * (l - 1) + 1, 1,
                            &m->reads_bwd, &m->pulses_bwd, m));
    }
    m->energy_fwd = t->energy[0];
    m->energy_bwd = t->energy[1];
    m->latency_fwd = t->latency[0];
    m->latency_bwd = t->latency[1];
    return XB_OK;
}

/* What is wrong with a run's combination of settings (NULL if nothing):
 * the data it needs, then learning's own validation of the network. The
 * text lives in a static buffer or the thread's last error. */
static const char *run_problem(const xb_run *r, void *pf, void *pb)
{
    const char *ds = xb_run_text(r, "dataset");
    int regression = is_regression(r), mse = !strcmp(xb_run_text(r, "loss"), "mse");
    if (regression && !mse) {
        return "a regression dataset (teacher, chain) needs loss 'mse'";
    }
    if (!regression && mse) {
        return "loss 'mse' needs a regression dataset (teacher or chain): the image datasets "
               "have class labels";
    }
    if (!strcmp(ds, "mnist-idx") && !xb_run_text(r, "dataset_path")[0]) {
        return "dataset 'mnist-idx' needs dataset_path (the folder of the four idx files)";
    }
    if (!strcmp(ds, "fashion-mnist") && !xb_run_text(r, "dataset_path")[0] &&
        !xb_file_exists(XB_FASHION_MNIST_DIR "/train-images-idx3-ubyte.gz")) {
        return "dataset 'fashion-mnist': " XB_FASHION_MNIST_DIR "/train-images-idx3-ubyte.gz "
               "not found (install the Debian package dataset-fashion-mnist, or set "
               "dataset_path)";
    }
    /* Fashion-MNIST shapes (the only image datasets the runner loads), the
     * teacher's 30 -> 10 and the chain's 1 -> 1 */
    long pool = xb_run_int(r, "pool");
    size_t dim = (size_t)((28 / pool) * (28 / pool)), n_out = 10;
    if (!strcmp(ds, "teacher")) {
        xb_teacher_config tc = XB_TEACHER_CONFIG_INIT;
        dim = tc.n_in;
        n_out = tc.n_out;
    } else if (!strcmp(ds, "chain")) {
        dim = n_out = 1;
    }
    xb_net_config cfg;
    xb_net *net = NULL;
    int rc = net_config(r, dim, n_out, &cfg, pf, pb);
    if (rc == XB_OK) {
        /* the hardware-only checks (update schemes of the arrays) too */
        rc = xb_net_config_check(&cfg);
    }
    if (rc == XB_OK) {
        /* software net: the same validation without programming devices */
        cfg.hardware = 0;
        rc = xb_net_create(&net, &cfg);
        xb_net_free(net);
    }
    return rc < 0 ? xb_last_error() : NULL;
}

/* The cell an error about run r points at: of the columns whose cells are
 * in the file, the one the message names first (as a whole word; the
 * networks' field names are the columns' but for the aliases below), else
 * the row's first column. */
static int error_col(const xb_run *r, const char *why)
{
    static const char *const alias[][2] = {{"sparsity", "fb_sparsity"}};
    if (r->cols == NULL) {
        return 1;
    }
    size_t ns;
    const xb_scn_column *sc = xb_scenario_schema(&ns);
    const char *best = NULL;
    int col = 1;
    for (size_t j = 0; j < ns + r->n_params; j++) {
        if (r->cols[j] <= 0) {
            continue;
        }
        const char *name = j < ns ? sc[j].name : r->param_names[j - ns];
        const char *said[2] = {name, NULL};
        for (size_t a = 0; a < sizeof alias / sizeof alias[0]; a++) {
            if (!strcmp(alias[a][1], name)) {
                said[1] = alias[a][0];
            }
        }
        for (int w = 0; w < 2 && said[w]; w++) {
            size_t len = strlen(said[w]);
            for (const char *p = strstr(why, said[w]); p && (!best || p < best);
                 p = strstr(p + 1, said[w])) {
                int before = p > why && (isalnum((unsigned char)p[-1]) || p[-1] == '_');
                int after = isalnum((unsigned char)p[len]) || p[len] == '_';
                if (!before && !after) {
                    best = p;
                    col = r->cols[j];
                    break;
                }
            }
        }
    }
    return col;
}

int xb_scenario_file_check_runs(xb_scenario_file *f)
{
    XB_ASSERT_ARG(f != NULL);
    size_t n = xb_scenario_file_n_runs(f);
    int bad = 0;
    double pf[XB_DEVICE_PARAMS_MAX / sizeof(double)], pb[XB_DEVICE_PARAMS_MAX / sizeof(double)];
    /* runs that differ only in name, description or seed are checked once:
     * a table of the hashes of the other settings */
    size_t cap = 64;
    while (cap < 2 * n) {
        cap *= 2;
    }
    uint64_t *done = calloc(cap, sizeof *done);
    char **bad_msg = calloc(cap, sizeof *bad_msg);
    int *bad_line = calloc(cap, sizeof *bad_line);
    if (!done || !bad_msg || !bad_line) {
        free(done);
        free(bad_msg);
        free(bad_line);
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    size_t ns;
    const xb_scn_column *sc = xb_scenario_schema(&ns);
    for (size_t i = 0; i < n; i++) {
        const xb_run *r = xb_scenario_file_run(f, i);
        uint64_t h = XB_SCN_FNV_INIT;
        for (size_t j = 0; j < ns + r->n_params; j++) {
            const char *name = j < ns ? sc[j].name : r->param_names[j - ns];
            if (!strcmp(name, "scenario") || !strcmp(name, "description") ||
                !strcmp(name, "seeds")) {
                continue;
            }
            h = xb_scn__fnv(h, name, strlen(name) + 1);
            h = xb_scn__fnv(h, r->text[j], strlen(r->text[j]) + 1);
        }
        h |= 1; /* 0 marks an empty slot */
        size_t slot = (size_t)h & (cap - 1);
        while (done[slot] && done[slot] != h) {
            slot = (slot + 1) & (cap - 1);
        }
        if (done[slot] == h) {
            /* a bad combination is reported on every row that has it */
            if (bad_msg[slot] && bad_line[slot] != r->line) {
                char msg[700];
                snprintf(msg, sizeof msg, "run '%s': %s", r->name, bad_msg[slot]);
                xb_scn__add_error(f, r->line, error_col(r, bad_msg[slot]), msg);
                bad_line[slot] = r->line;
            }
            continue;
        }
        done[slot] = h;
        const char *why = run_problem(r, pf, pb);
        if (why) {
            char msg[700];
            snprintf(msg, sizeof msg, "run '%s': %s", r->name, why);
            xb_scn__add_error(f, r->line, error_col(r, why), msg);
            bad = 1;
            size_t len = strlen(why) + 1;
            bad_msg[slot] = malloc(len);
            if (bad_msg[slot]) {
                memcpy(bad_msg[slot], why, len);
            }
            bad_line[slot] = r->line;
        }
    }
    for (size_t k = 0; k < cap; k++) {
        free(bad_msg[k]);
    }
    free(bad_msg);
    free(bad_line);
    free(done);
    if (bad) {
        const xb_scenario_error *e = xb_scenario_file_error(f, 0);
        size_t tot = xb_scn__n_errors_total(f);
        return tot > 1 ? xb__error_set(XB_EIO, "%s (and %zu more errors)", e->message, tot - 1)
                       : xb__error_set(XB_EIO, "%s", e->message);
    }
    return XB_OK;
}

/* Checkpoints (scenarios/checkpoint.c): the cost model's counters of the
 * previous epoch and its running sums, then the network. */
int xb_scn__learning_save(void *ws, const char *path, int epoch)
{
    trainer *t = ws;
    xb_scn_ckpt_item it[] = {{t->seen, sizeof t->seen}, {t->energy, sizeof t->energy},
                             {t->latency, sizeof t->latency}};
    return xb_scn__ckpt_write(path, t->run, epoch, t->net, it, 3);
}

int xb_scn__learning_restore(void *ws, const char *path, int *epoch_out)
{
    trainer *t = ws;
    xb_scn_ckpt_item it[] = {{t->seen, sizeof t->seen}, {t->energy, sizeof t->energy},
                             {t->latency, sizeof t->latency}};
    return xb_scn__ckpt_read(path, t->run, epoch_out, t->net, it, 3);
}

static const xb_trainer_type learning_trainer = {
    .name = "learning", .create = tr_create, .epoch = tr_epoch, .free = tr_free};

const xb_trainer_type *const xb_trainer_learning = &learning_trainer;
