/* xbar: mapping, reads, updates, periphery, tiling, counters.
 *
 * References: naive loops over the weights the array reports; the mapping
 * w = w_max (G+ - G-)/(Gmax - Gmin) (docs/xbar.md); the NeuroSim ideal device
 * (device-models.md §5.1: 100 nS .. 5 uS, 64 levels) whose pulses move G by
 * exactly one level; NeuroSim write energy (§5.1); closed-form statistics. */
#include "xb_test.h"

#include <stdlib.h>

#include "xbar/xbar.h"

/* ----------------------------------------------------------- fakes */

/* A continuous linear "ideal resistor" through the ops table: state = G,
 * one pulse moves G by range / 1000, bounds clip. */
typedef struct {
    double gmin, gmax, pmax;
} lin_params;

static const lin_params lin_defaults = {2.385e-7, 4.731e-6, 1000.0};

static int lin_conductance(const void *p, size_t stride, size_t n, const double *s, double *g)
{
    (void)p;
    (void)stride;
    for (size_t k = 0; k < n; k++) {
        g[k] = s[k];
    }
    return 0;
}

static int lin_set(const void *params, size_t stride, size_t n, const double *g, double *s)
{
    for (size_t k = 0; k < n; k++) {
        const lin_params *p = (const lin_params *)((const char *)params + k * stride);
        s[k] = fmin(p->gmax, fmax(p->gmin, g[k]));
    }
    return 0;
}

static void lin_bounds(const void *params, double *lo, double *hi)
{
    const lin_params *p = params;
    *lo = p->gmin;
    *hi = p->gmax;
}

static int lin_pulse(const void *params, size_t stride, size_t n, double *s, const int32_t *np)
{
    for (size_t k = 0; k < n; k++) {
        const lin_params *p = (const lin_params *)((const char *)params + k * stride);
        double step = (p->gmax - p->gmin) / p->pmax;
        s[k] = fmin(p->gmax, fmax(p->gmin, s[k] + np[k] * step));
    }
    return 0;
}

static double lin_pmax(const void *params) { return ((const lin_params *)params)->pmax; }

static const xb_device_param lin_table[] = {
    {"gmin", "S", offsetof(lin_params, gmin), "low"},
    {"gmax", "S", offsetof(lin_params, gmax), "high"},
    {"pmax", "1", offsetof(lin_params, pmax), "pulses over the range"},
};

static const xb_device_type lin_type = {
    .name = "test_linear",
    .doc = "continuous linear test device",
    .n_state = 1,
    .params_size = sizeof(lin_params),
    .default_params = &lin_defaults,
    .params = lin_table,
    .n_params = 3,
    .conductance = lin_conductance,
    .set_conductance = lin_set,
    .bounds = lin_bounds,
    .pulse = lin_pulse,
    .pulses_full_range = lin_pmax,
};

/* A read backend that forwards to the ideal one and counts calls (libgit2
 * fake_backend). */
static int fake_setups, fake_solves;

static int fake_create(void **ws, const xb_circuit_config *c)
{
    return xb_solver_ideal->create(ws, c);
}
static int fake_setup(void *ws, const double *g)
{
    fake_setups++;
    return xb_solver_ideal->setup(ws, g);
}
static int fake_solve(void *ws, int tr, const double *v, size_t nvec, double *i)
{
    fake_solves++;
    return xb_solver_ideal->solve(ws, tr, v, nvec, i);
}
static void fake_free(void *ws) { xb_solver_ideal->free(ws); }

static const xb_solver_type fake_solver = {"fake", fake_create, fake_setup, fake_solve, fake_free};

/* ---------------------------------------------------------- helpers */

/* Ideal device with 64 levels: a weight step of w_max / 63. */
static xb_xbar_config ideal_cfg(int n_in, int n_out)
{
    xb_xbar_config c = XB_XBAR_CONFIG_INIT;
    c.n_in = n_in;
    c.n_out = n_out;
    c.w_max = 0.731;
    c.seed = 17;
    c.array_id = 3;
    return c;
}

static xb_xbar_config lin_cfg(int n_in, int n_out)
{
    xb_xbar_config c = ideal_cfg(n_in, n_out);
    c.device.type = &lin_type;
    return c;
}

static void fill(double *a, size_t n, double lo, double hi, uint32_t tag)
{
    xb_rng r;
    xb_rng_init(&r, 99, XB_RNG_USER, tag);
    for (size_t k = 0; k < n; k++) {
        a[k] = lo + (hi - lo) * xb_rng_uniform(&r);
    }
}

static void naive_forward(const double *w, int n_in, int n_out, const double *in, size_t nvec,
                          double *out)
{
    for (size_t b = 0; b < nvec; b++) {
        for (int i = 0; i < n_out; i++) {
            double s = 0.0;
            for (int j = 0; j < n_in; j++) {
                s += w[i * n_in + j] * in[b * (size_t)n_in + (size_t)j];
            }
            out[b * (size_t)n_out + (size_t)i] = s;
        }
    }
}

static void naive_backward(const double *w, int n_in, int n_out, const double *in, size_t nvec,
                           double *out)
{
    for (size_t b = 0; b < nvec; b++) {
        for (int j = 0; j < n_in; j++) {
            double s = 0.0;
            for (int i = 0; i < n_out; i++) {
                s += w[i * n_in + j] * in[b * (size_t)n_out + (size_t)i];
            }
            out[b * (size_t)n_in + (size_t)j] = s;
        }
    }
}

/* --------------------------------------------------------------- tests */

static void test_xbar_create__rejects_bad_config(void **state)
{
    (void)state;
    xb_xbar *x = NULL;
    xb_xbar_config c = ideal_cfg(0, 4);
    xb_assert_error(xb_xbar_create(&x, &c), XB_EINVAL, "n_in (0)");
    c = ideal_cfg(3, 4);
    c.w_max = -1.0;
    xb_assert_error(xb_xbar_create(&x, &c), XB_EINVAL, "w_max (-1)");
    c = ideal_cfg(3, 4);
    c.stoch_bl = 65;
    xb_assert_error(xb_xbar_create(&x, &c), XB_EINVAL, "stoch_bl (65)");
    c = ideal_cfg(3, 4);
    c.adc_bits = 8;
    c.adc_cal = XB_ADC_CAL_FIXED;
    xb_assert_error(xb_xbar_create(&x, &c), XB_EINVAL, "adc_range (0)");
    c = ideal_cfg(3, 4);
    c.mapping = XB_MAP_REF_COLUMN;
    c.max_cols = 2;
    assert_null(x);
    xb_assert_ok(xb_xbar_create(&x, &c)); /* one output + reference per tile */
    assert_int_equal(xb_xbar_tile_count(x), 4);
    xb_xbar_free(x);
}

static void test_xbar_read__forward_and_transposed_match_naive_loops(void **state)
{
    (void)state;
    const int n_in = 13, n_out = 7;
    const size_t nvec = 5;
    xb_xbar_config c = lin_cfg(n_in, n_out);
    xb_xbar *x;
    xb_assert_ok(xb_xbar_create(&x, &c));
    double w[13 * 7], wr[13 * 7], in[5 * 13], d[5 * 7], y[5 * 7], z[5 * 13], yr[5 * 7],
        zr[5 * 13];
    fill(w, sizeof w / sizeof w[0], -0.7, 0.7, 1);
    fill(in, sizeof in / sizeof in[0], -1.3, 2.1, 2);
    fill(d, sizeof d / sizeof d[0], -0.4, 0.9, 3);
    xb_assert_ok(xb_xbar_program(x, w));
    xb_assert_ok(xb_xbar_weights(x, wr));
    xb_assert_ok(xb_xbar_forward(x, in, nvec, y));
    xb_assert_ok(xb_xbar_backward(x, d, nvec, z));
    naive_forward(wr, n_in, n_out, in, nvec, yr);
    naive_backward(wr, n_in, n_out, d, nvec, zr);
    for (size_t k = 0; k < nvec * (size_t)n_out; k++) {
        xb_assert_close(y[k], yr[k], XB_TOL_EXACT, XB_TOL_EXACT);
    }
    for (size_t k = 0; k < nvec * (size_t)n_in; k++) {
        xb_assert_close(z[k], zr[k], XB_TOL_EXACT, XB_TOL_EXACT);
    }
    /* the continuous device holds the programmed weights exactly */
    for (size_t k = 0; k < sizeof w / sizeof w[0]; k++) {
        xb_assert_close(wr[k], w[k], XB_TOL_EXACT, XB_TOL_EXACT);
    }
    xb_xbar_counters cnt;
    xb_xbar_counters_get(x, &cnt);
    assert_int_equal(cnt.reads_forward, nvec);
    assert_int_equal(cnt.reads_backward, nvec);
    assert_int_equal(cnt.programs, 1);
    xb_xbar_free(x);
}

static void test_xbar_program__round_trip_within_level_quantisation(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        xb_xbar_config c = ideal_cfg(9, 6);
        c.mapping = m == 0 ? XB_MAP_DIFF_PAIR : XB_MAP_REF_COLUMN;
        xb_xbar *x;
        xb_assert_ok(xb_xbar_create(&x, &c));
        double w[54], wr[54];
        fill(w, 54, -0.9, 0.9, 4); /* some beyond w_max = 0.731: clipped */
        xb_assert_ok(xb_xbar_program(x, w));
        xb_assert_ok(xb_xbar_weights(x, wr));
        /* one level of the 64-level ideal device is (Gmax-Gmin)/63; it moves a
         * pair's weight by w_max/63 and a ref-column weight by 2 w_max/63 */
        double level = (m == 0 ? 1.0 : 2.0) * c.w_max / 63.0;
        xb_assert_close(xb_xbar_dw_pulse(x), level, XB_TOL_EXACT, 0.0);
        for (int k = 0; k < 54; k++) {
            double t = fmax(-c.w_max, fmin(c.w_max, w[k]));
            if (fabs(wr[k] - t) > 0.5 * level * (1.0 + XB_TOL_EXACT) + XB_TOL_EXACT) {
                fail_msg("mapping %d weight %d: %.17g vs target %.17g (level %g)", m, k, wr[k], t,
                         level);
            }
        }
        xb_xbar_free(x);
    }
}

static void test_xbar_update__ideal_device_moves_by_pulse_counts(void **state)
{
    (void)state;
    const int n_in = 6, n_out = 4, nw = 24;
    for (int variant = 0; variant < 4; variant++) {
        /* three schemes on the pair, and pulse counts on the reference column */
        int scheme = variant % 3;
        xb_xbar_config c = ideal_cfg(n_in, n_out);
        c.update = scheme == 0 ? XB_UPDATE_PULSES : (scheme == 1 ? XB_UPDATE_TRUNC : XB_UPDATE_SIGN);
        c.mapping = variant == 3 ? XB_MAP_REF_COLUMN : XB_MAP_DIFF_PAIR;
        xb_xbar *x;
        xb_assert_ok(xb_xbar_create(&x, &c));
        double w0[24], w1[24], dw[24];
        const double lv = xb_xbar_dw_pulse(x);
        /* start on levels well inside the range */
        for (int k = 0; k < nw; k++) {
            w0[k] = lv * (double)((k % 11) - 5);
        }
        xb_assert_ok(xb_xbar_program(x, w0));
        xb_assert_ok(xb_xbar_weights(x, w0));
        int expect_pulses = 0;
        for (int k = 0; k < nw; k++) {
            int n = (k % 7) - 3; /* -3..3 pulses, integral: every scheme agrees on them */
            dw[k] = (double)n * lv;
            expect_pulses += scheme == 2 ? (n != 0) : abs(n);
        }
        xb_assert_ok(xb_xbar_update(x, dw));
        xb_assert_ok(xb_xbar_weights(x, w1));
        for (int k = 0; k < nw; k++) {
            int n = (k % 7) - 3;
            double steps = scheme == 2 ? (n > 0) - (n < 0) : n;
            xb_assert_close(w1[k] - w0[k], steps * lv, 1e-9, XB_TOL_EXACT);
        }
        xb_xbar_counters cnt;
        xb_xbar_counters_get(x, &cnt);
        assert_int_equal(cnt.pulses, (uint64_t)expect_pulses);
        assert_int_equal(cnt.updates, 1);
        xb_xbar_free(x);
    }
}

/* dw = f pulses on every weight of a 100 x 100 array, half of them negative:
 * each weight takes one pulse of its sign with probability f, so the pulses
 * have mean sum f and variance sum f (1 - f), and weights move by their sign. */
static void rounding_case(double frac, int vary)
{
    const int n_in = 100, n_out = 100, nw = n_in * n_out;
    xb_xbar_config c = lin_cfg(n_in, n_out);
    xb_xbar *x;
    xb_assert_ok(xb_xbar_create(&x, &c));
    double *dw = malloc((size_t)nw * sizeof *dw), *w = malloc((size_t)nw * sizeof *w);
    assert_non_null(dw);
    assert_non_null(w);
    const double lv = xb_xbar_dw_pulse(x);
    double mean = 0.0, var = 0.0;
    for (int k = 0; k < nw; k++) {
        /* vary: fractions frac/7 .. frac across each row (thinning accepts
         * each candidate with fraction / largest fraction) */
        double f = vary ? frac * (double)(k % 7 + 1) / 7.0 : frac;
        dw[k] = (k % 2 ? -f : f) * lv;
        w[k] = k % 2 ? 0.5 : -0.5; /* room in both directions */
        mean += f;
        var += f * (1 - f);
    }
    xb_assert_ok(xb_xbar_program(x, w));
    double *w0 = malloc((size_t)nw * sizeof *w0);
    assert_non_null(w0);
    xb_assert_ok(xb_xbar_weights(x, w0));
    xb_assert_ok(xb_xbar_update(x, dw));
    xb_assert_ok(xb_xbar_weights(x, w));
    xb_xbar_counters cnt;
    xb_xbar_counters_get(x, &cnt);
    double sd = sqrt(var);
    if (fabs((double)cnt.pulses - mean) > 5.0 * sd) {
        fail_msg("frac %g: pulses %llu vs mean %g (sd %g)", frac, (unsigned long long)cnt.pulses,
                 mean, sd);
    }
    uint64_t moved = 0;
    for (int k = 0; k < nw; k++) {
        double d = w[k] - w0[k];
        if (fabs(d) > 0.5 * lv) {
            xb_assert_close(d, (k % 2 ? -1.0 : 1.0) * lv, 1e-9, 0.0);
            moved++;
        }
    }
    assert_int_equal(moved, cnt.pulses);
    free(dw);
    free(w);
    free(w0);
    xb_xbar_free(x);
}

static void test_xbar_update__stochastic_rounding_is_unbiased(void **state)
{
    (void)state;
    rounding_case(0.3, 0);  /* dense rows: one uniform per weight */
    rounding_case(0.02, 0); /* sparse rows: geometric gaps */
    rounding_case(0.2, 1);  /* sparse rows with thinning */
}

/* Expected pulses per weight `target`: p = sqrt(target / BL) below 1/4 takes
 * the geometric-gap trains, above it the slot-by-slot ones. */
static void stochastic_coincidence_case(double target)
{
    /* Constant d and h: every row fires with pa, every column with pb; the
     * coincidences T = sum_s R_s C_s, R_s ~ Bin(n_in, pa), C_s ~ Bin(n_out, pb)
     * independent over slots s (device-models.md §5.2). */
    const int n_in = 60, n_out = 40, bl = 31;
    xb_xbar_config c = lin_cfg(n_in, n_out);
    c.update = XB_UPDATE_STOCHASTIC;
    c.stoch_bl = bl;
    xb_xbar *x;
    xb_assert_ok(xb_xbar_create(&x, &c));
    double d[40], h[60];
    for (int i = 0; i < n_out; i++) {
        d[i] = 0.2;
    }
    for (int j = 0; j < n_in; j++) {
        h[j] = 0.5;
    }
    const double dwp = xb_xbar_dw_pulse(x);
    /* lr such that the expected pulses per weight = lr d h / dw_pulse = target */
    const double lr = target * dwp / (0.2 * 0.5);
    xb_assert_ok(xb_xbar_update_outer(x, lr, d, h, 1));
    xb_xbar_counters cnt;
    xb_xbar_counters_get(x, &cnt);
    double p = sqrt(target / bl); /* balanced A|h| = B|d| */
    double er = n_in * p, vr = n_in * p * (1 - p), ec = n_out * p, vc = n_out * p * (1 - p);
    double mean = bl * er * ec;
    double var = bl * ((vr + er * er) * (vc + ec * ec) - er * er * ec * ec);
    assert_true(fabs(mean - target * n_in * n_out) < 1e-6 * mean);
    if (fabs((double)cnt.pulses - mean) > 5.0 * sqrt(var)) {
        fail_msg("pulses %llu vs mean %g (sd %g)", (unsigned long long)cnt.pulses, mean,
                 sqrt(var));
    }
    /* d, h > 0 and lr > 0: every pulse raised a weight, none lowered one */
    double wsum = 0.0, w[2400];
    xb_assert_ok(xb_xbar_weights(x, w));
    for (int k = 0; k < n_in * n_out; k++) {
        assert_true(w[k] >= -XB_TOL_EXACT);
        wsum += w[k];
    }
    xb_assert_close(wsum, (double)cnt.pulses * dwp, 1e-9, 0.0);
    /* the plain update refuses this scheme */
    xb_assert_error(xb_xbar_update(x, w), XB_EINVAL, "xb_xbar_update_outer");
    xb_xbar_free(x);
}

static void test_xbar_update__stochastic_coincidence_matches_expectation(void **state)
{
    (void)state;
    stochastic_coincidence_case(1.5); /* p = 0.22: sparse trains */
    stochastic_coincidence_case(4.0); /* p = 0.36: dense trains */
}

static void test_xbar_update__outer_equals_update_of_the_product(void **state)
{
    (void)state;
    const int n_in = 5, n_out = 3;
    xb_xbar_config c = ideal_cfg(n_in, n_out);
    c.w_max = 1.0; /* dw_pulse = 1/63 */
    c.update = XB_UPDATE_TRUNC;
    xb_xbar *a, *b;
    xb_assert_ok(xb_xbar_create(&a, &c));
    xb_assert_ok(xb_xbar_create(&b, &c));
    double d[2 * 3] = {0.25, -0.5, 0.125, 1.0, 0.75, -0.25};
    double h[2 * 5] = {0.5, -1.0, 0.25, 0.0, 2.0, 1.0, 0.5, -0.5, 0.25, 0.125};
    double lr = 8.0 / 63.0, dw[15], wa[15], wb[15];
    for (int i = 0; i < n_out; i++) {
        for (int j = 0; j < n_in; j++) {
            dw[i * n_in + j] = lr * (d[i] * h[j] + d[n_out + i] * h[n_in + j]);
        }
    }
    xb_assert_ok(xb_xbar_update(a, dw));
    xb_assert_ok(xb_xbar_update_outer(b, lr, d, h, 2));
    xb_assert_ok(xb_xbar_weights(a, wa));
    xb_assert_ok(xb_xbar_weights(b, wb));
    for (int k = 0; k < 15; k++) {
        xb_assert_close(wa[k], wb[k], XB_TOL_EXACT, XB_TOL_EXACT);
    }
    xb_xbar_free(a);
    xb_xbar_free(b);
}

static void test_xbar_update__pair_policies_and_saturation(void **state)
{
    (void)state;
    xb_xbar_config c = ideal_cfg(1, 1);
    xb_xbar *x;
    double w, up = 0.0;
    /* headroom: +10 then -10 pulses come back to 0; the pair never saturates
     * while one device has room */
    xb_assert_ok(xb_xbar_create(&x, &c));
    double lv = xb_xbar_dw_pulse(x);
    up = 10 * lv;
    xb_assert_ok(xb_xbar_update(x, &up));
    up = -10 * lv;
    xb_assert_ok(xb_xbar_update(x, &up));
    xb_assert_ok(xb_xbar_weights(x, &w));
    xb_assert_close(w, 0.0, 0.0, XB_TOL_EXACT);
    /* 100 pulses ask for more than w_max (63 levels): clipped at w_max */
    up = 100 * lv;
    xb_assert_ok(xb_xbar_update(x, &up));
    xb_assert_ok(xb_xbar_weights(x, &w));
    xb_assert_close(w, c.w_max, XB_TOL_EXACT, XB_TOL_EXACT);
    xb_xbar_free(x);

    /* potentiate-only: +10 then -10 leaves both devices 10 levels up (w = 0);
     * after 63 of each both sit at Gmax and a positive update does nothing */
    c.pair = XB_PAIR_POTENTIATE;
    xb_assert_ok(xb_xbar_create(&x, &c));
    for (int k = 0; k < 63; k++) {
        up = lv;
        xb_assert_ok(xb_xbar_update(x, &up));
        up = -lv;
        xb_assert_ok(xb_xbar_update(x, &up));
    }
    up = 5 * lv;
    xb_assert_ok(xb_xbar_update(x, &up));
    xb_assert_ok(xb_xbar_weights(x, &w));
    xb_assert_close(w, 0.0, 0.0, XB_TOL_EXACT);
    xb_xbar_counters cnt;
    xb_xbar_counters_get(x, &cnt);
    assert_int_equal(cnt.pulses, 2 * 63 + 5); /* clipped pulses are still sent */
    xb_xbar_free(x);

    /* the same with refresh at half the range: the pair is reset whenever
     * its larger device passes 32 levels, so it never saturates and the
     * final +5 pulses move the weight by 5 levels */
    c.refresh_frac = 0.5;
    xb_assert_ok(xb_xbar_create(&x, &c));
    for (int k = 0; k < 63; k++) {
        up = lv;
        xb_assert_ok(xb_xbar_update(x, &up));
        up = -lv;
        xb_assert_ok(xb_xbar_update(x, &up));
    }
    up = 5 * lv;
    xb_assert_ok(xb_xbar_update(x, &up));
    xb_assert_ok(xb_xbar_weights(x, &w));
    xb_assert_close(w, 5 * lv, 1e-9, XB_TOL_EXACT);
    xb_xbar_counters_get(x, &cnt);
    /* the larger device passes 32 levels (> 31.5) on the 32nd +1 pulse,
     * and again every 32 steps after a reset to (Gmin, Gmin + 1 level) */
    assert_true(cnt.refreshes >= 1);
    assert_true(cnt.pulses_program > 0);
    xb_xbar_free(x);
    xb_assert_error(xb_xbar_create(&x, &(xb_xbar_config){.n_in = 1, .n_out = 1, .w_max = 1.0,
                                                       .v_read = 0.2, .refresh_frac = 1.5}),
                    XB_EINVAL, "refresh_frac (1.5)");
    assert_null(x);
}

static void test_xbar_read__solver_path_equals_fast_path(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        xb_xbar_config c = lin_cfg(11, 6);
        c.mapping = m == 0 ? XB_MAP_DIFF_PAIR : XB_MAP_REF_COLUMN;
        xb_xbar *fast, *slow;
        xb_assert_ok(xb_xbar_create(&fast, &c));
        c.read = &fake_solver;
        xb_assert_ok(xb_xbar_create(&slow, &c));
        double w[66], in[3 * 11], d[3 * 6], y1[18], y2[18], z1[33], z2[33];
        fill(w, 66, -0.7, 0.7, 5);
        fill(in, 33, -1.0, 1.5, 6);
        fill(d, 18, -2.0, 0.5, 7);
        xb_assert_ok(xb_xbar_program(fast, w));
        xb_assert_ok(xb_xbar_program(slow, w));
        fake_setups = fake_solves = 0;
        xb_assert_ok(xb_xbar_forward(fast, in, 3, y1));
        xb_assert_ok(xb_xbar_forward(slow, in, 3, y2));
        xb_assert_ok(xb_xbar_backward(fast, d, 3, z1));
        xb_assert_ok(xb_xbar_backward(slow, d, 3, z2));
        for (int k = 0; k < 18; k++) {
            xb_assert_close(y2[k], y1[k], 1e-10, 1e-12);
        }
        for (int k = 0; k < 33; k++) {
            xb_assert_close(z2[k], z1[k], 1e-10, 1e-12);
        }
        /* one setup after programming serves every read; each read is one solve */
        assert_int_equal(fake_setups, 1);
        assert_int_equal(fake_solves, 2);
        xb_xbar_free(fast);
        xb_xbar_free(slow);
    }
}

static void test_xbar_read__nodal_without_wires_equals_ideal(void **state)
{
    (void)state;
    const xb_solver_type *nodal = xb_solver_find("nodal");
    if (nodal == NULL) {
        skip();
    }
    xb_xbar_config c = lin_cfg(8, 5);
    xb_xbar *fast, *slow;
    xb_assert_ok(xb_xbar_create(&fast, &c));
    c.read = nodal;
    c.circuit.r_wire_row = 0.0;
    c.circuit.r_wire_col = 0.0;
    xb_assert_ok(xb_xbar_create(&slow, &c));
    double w[40], in[2 * 8], y1[10], y2[10];
    fill(w, 40, -0.7, 0.7, 8);
    fill(in, 16, -1.0, 1.0, 9);
    xb_assert_ok(xb_xbar_program(fast, w));
    xb_assert_ok(xb_xbar_program(slow, w));
    xb_assert_ok(xb_xbar_forward(fast, in, 2, y1));
    xb_assert_ok(xb_xbar_forward(slow, in, 2, y2));
    for (int k = 0; k < 10; k++) {
        xb_assert_close(y2[k], y1[k], XB_TOL_SOLVER, XB_TOL_SOLVER * 1e-3);
    }
    xb_xbar_free(fast);
    xb_xbar_free(slow);
}

static void test_xbar_tiles__partial_sums_equal_one_array(void **state)
{
    (void)state;
    xb_xbar_config c = lin_cfg(10, 7);
    xb_xbar *one, *tiled;
    xb_assert_ok(xb_xbar_create(&one, &c));
    c.max_rows = 4;
    c.max_cols = 6; /* 3 outputs per tile as pairs */
    c.read = &fake_solver;
    xb_assert_ok(xb_xbar_create(&tiled, &c));
    assert_int_equal(xb_xbar_tile_count(tiled), 3 * 3);
    int in0, nin, out0, nout, rows, cols;
    xb_assert_ok(xb_xbar_tile_shape(tiled, 8, &in0, &nin, &out0, &nout, &rows, &cols));
    assert_int_equal(in0, 8);
    assert_int_equal(nin, 2);
    assert_int_equal(out0, 6);
    assert_int_equal(nout, 1);
    assert_int_equal(cols, 2);
    xb_assert_error(xb_xbar_tile_shape(tiled, 9, NULL, NULL, NULL, NULL, NULL, NULL), XB_EINVAL,
                    "tile (9)");
    double w[70], in[2 * 10], d[2 * 7], y1[14], y2[14], z1[20], z2[20], w1[70], w2[70];
    fill(w, 70, -0.7, 0.7, 10);
    fill(in, 20, -1.0, 1.0, 11);
    fill(d, 14, -1.0, 1.0, 12);
    xb_assert_ok(xb_xbar_program(one, w));
    xb_assert_ok(xb_xbar_program(tiled, w));
    xb_assert_ok(xb_xbar_weights(one, w1));
    xb_assert_ok(xb_xbar_weights(tiled, w2));
    for (int k = 0; k < 70; k++) {
        xb_assert_close(w2[k], w1[k], XB_TOL_EXACT, XB_TOL_EXACT);
    }
    xb_assert_ok(xb_xbar_forward(one, in, 2, y1));
    xb_assert_ok(xb_xbar_forward(tiled, in, 2, y2));
    xb_assert_ok(xb_xbar_backward(one, d, 2, z1));
    xb_assert_ok(xb_xbar_backward(tiled, d, 2, z2));
    for (int k = 0; k < 14; k++) {
        xb_assert_close(y2[k], y1[k], 1e-10, 1e-12);
    }
    for (int k = 0; k < 20; k++) {
        xb_assert_close(z2[k], z1[k], 1e-10, 1e-12);
    }
    xb_xbar_counters cnt, t0;
    xb_xbar_counters_get(tiled, &cnt);
    assert_int_equal(cnt.array_reads, 2 * 2 * 9);
    xb_assert_ok(xb_xbar_tile_counters_get(tiled, 0, &t0));
    assert_int_equal(t0.reads_forward, 2);
    xb_xbar_free(one);
    xb_xbar_free(tiled);
}

/* Quantises u in [-1, 1] to the bipolar grid of `bits` (docs/xbar.md). */
static double grid(double u, int bits)
{
    double l = ldexp(1.0, bits - 1) - 1.0;
    return nearbyint(u * l) / l;
}

static void test_xbar_periphery__dac_and_adc_quantise_as_documented(void **state)
{
    (void)state;
    const int n_in = 6, n_out = 4, dac = 3, adc = 4;
    xb_xbar_config c = lin_cfg(n_in, n_out);
    c.dac_bits = dac;
    c.adc_bits = adc;
    c.adc_cal = XB_ADC_CAL_FIXED;
    c.adc_range = 2.5;
    xb_xbar *x;
    xb_assert_ok(xb_xbar_create(&x, &c));
    double w[24], wr[24], in[6] = {0.3, -1.7, 0.9, 1.1, -0.2, 0.05}, y[4];
    fill(w, 24, -0.7, 0.7, 13);
    xb_assert_ok(xb_xbar_program(x, w));
    xb_assert_ok(xb_xbar_weights(x, wr));
    xb_assert_ok(xb_xbar_forward(x, in, 1, y));
    /* reference: DAC grid over max|x| = 1.7, product, ADC grid over 2.5 */
    double xq[6];
    for (int j = 0; j < n_in; j++) {
        xq[j] = grid(in[j] / 1.7, dac);
    }
    for (int i = 0; i < n_out; i++) {
        double s = 0.0;
        for (int j = 0; j < n_in; j++) {
            s += wr[i * n_in + j] * xq[j];
        }
        double q = fmax(-1.0, fmin(1.0, grid(s / 2.5, adc)));
        xb_assert_close(y[i], 1.7 * 2.5 * q, 1e-12, 1e-12);
    }
    xb_xbar_free(x);

    /* dynamic calibration: the largest output is exact, full scale */
    c.adc_cal = XB_ADC_CAL_DYNAMIC;
    c.dac_bits = 0;
    xb_assert_ok(xb_xbar_create(&x, &c));
    xb_assert_ok(xb_xbar_program(x, w));
    double yr[4];
    xb_assert_ok(xb_xbar_forward(x, in, 1, y));
    naive_forward(wr, n_in, n_out, in, 1, yr);
    double m = 0.0;
    int im = 0;
    for (int i = 0; i < n_out; i++) {
        if (fabs(yr[i]) > m) {
            m = fabs(yr[i]);
            im = i;
        }
    }
    xb_assert_close(y[im], yr[im], 1e-12, 1e-12);
    for (int i = 0; i < n_out; i++) {
        if (fabs(y[i] - yr[i]) > 0.5 * m / 7.0 * (1.0 + 1e-9)) {
            fail_msg("output %d: %g vs %g beyond half an ADC step", i, y[i], yr[i]);
        }
    }
    xb_xbar_free(x);
}

static void test_xbar_read__noise_statistics_match_cell_level_model(void **state)
{
    (void)state;
    /* N identical vectors: each output's sample variance must be sigma^2
     * sum_j (w-space g_ij x_j)^2 summed over both devices of the pair */
    const int n_in = 3, n_out = 2;
    const size_t nv = 20000;
    const double sigma = 0.05;
    xb_xbar_config c = lin_cfg(n_in, n_out);
    c.device.read_noise = sigma;
    xb_xbar *x;
    xb_assert_ok(xb_xbar_create(&x, &c));
    double w[6] = {0.5, -0.3, 0.1, -0.6, 0.2, 0.7};
    xb_assert_ok(xb_xbar_program(x, w));
    double in[3] = {0.9, -1.2, 0.4};
    double *batch = malloc(nv * 3 * sizeof *batch), *y = malloc(nv * 2 * sizeof *y);
    assert_non_null(batch);
    assert_non_null(y);
    for (size_t b = 0; b < nv; b++) {
        memcpy(batch + 3 * b, in, sizeof in);
    }
    xb_assert_ok(xb_xbar_forward(x, batch, nv, y));
    const double gmin = lin_defaults.gmin, gr = lin_defaults.gmax - lin_defaults.gmin;
    const double s = c.w_max / gr;
    for (int i = 0; i < n_out; i++) {
        double mean = 0.0, var = 0.0, expect_var = 0.0, expect_mean = 0.0;
        for (int j = 0; j < n_in; j++) {
            double wij = w[i * 3 + j];
            double gp = gmin + (wij > 0 ? wij / s : 0.0), gm = gmin + (wij < 0 ? -wij / s : 0.0);
            expect_var += s * s * (gp * gp + gm * gm) * in[j] * in[j];
            expect_mean += wij * in[j];
        }
        expect_var *= sigma * sigma;
        for (size_t b = 0; b < nv; b++) {
            mean += y[b * 2 + (size_t)i];
        }
        mean /= (double)nv;
        for (size_t b = 0; b < nv; b++) {
            double e = y[b * 2 + (size_t)i] - mean;
            var += e * e;
        }
        var /= (double)(nv - 1);
        /* 5 standard errors: of the mean sqrt(v/N), of the variance v sqrt(2/(N-1)) */
        double se_m = sqrt(expect_var / (double)nv), se_v = expect_var * sqrt(2.0 / (double)(nv - 1));
        if (fabs(mean - expect_mean) > 5 * se_m || fabs(var - expect_var) > 5 * se_v) {
            fail_msg("output %d: mean %g (expect %g), var %g (expect %g)", i, mean, expect_mean,
                     var, expect_var);
        }
    }
    free(batch);
    free(y);
    xb_xbar_free(x);
}

static void test_xbar_energy__read_and_write_follow_neurosim_formulas(void **state)
{
    (void)state;
    xb_xbar_config c = ideal_cfg(2, 1);
    c.v_read = 0.3;
    c.t_read = 7e-9;
    c.v_write = 2.2;
    c.pulse_width = 13e-9;
    c.c_wire = 1.5e-15;
    c.half_select = 0;
    xb_xbar *x;
    xb_assert_ok(xb_xbar_create(&x, &c));
    const double gmin = 100e-9, step = (5e-6 - 100e-9) / 63.0; /* §5.1 IdealDevice */
    const double lv = xb_xbar_dw_pulse(x);
    /* row 0: +5 pulses (G+ up), row 1: -2 pulses (G- up) */
    double dw[2] = {5 * lv, -2 * lv};
    xb_assert_ok(xb_xbar_update(x, dw));
    xb_xbar_counters cnt;
    xb_xbar_counters_get(x, &cnt);
    double v2 = 2.2 * 2.2;
    double e5 = v2 * (gmin + gmin + 5 * step) / 2 * 13e-9 * 5 + v2 * 1.5e-15 * 5;
    double e2 = v2 * (gmin + gmin + 2 * step) / 2 * 13e-9 * 2 + v2 * 1.5e-15 * 2;
    xb_assert_close(cnt.energy_write, e5 + e2, 1e-12, 0.0);
    /* read: V_j = v_read x_j / max|x|; E = t_read sum_j V_j^2 sum_c G_jc */
    double in[2] = {0.8, -0.4}, y;
    xb_assert_ok(xb_xbar_forward(x, in, 1, &y));
    xb_xbar_counters_get(x, &cnt);
    double g0 = gmin + 5 * step + gmin, g1 = gmin + gmin + 2 * step;
    double er = 7e-9 * (0.3 * 0.3 * g0 + 0.3 * 0.3 * 0.25 * g1);
    xb_assert_close(cnt.energy_read, er, 1e-12, 0.0);
    xb_xbar_free(x);

    /* half-select, V/2 scheme (§6): a 1x1 pair, +4 pulses on G+: G- shares
     * the row and sees V/2 during the 4 pulses */
    c = ideal_cfg(1, 1);
    c.half_select = 1;
    xb_assert_ok(xb_xbar_create(&x, &c));
    dw[0] = 4 * xb_xbar_dw_pulse(x);
    xb_assert_ok(xb_xbar_update(x, dw));
    xb_xbar_counters_get(x, &cnt);
    double vw = 2.0, pw = 10e-9; /* defaults: NeuroSim IdealDevice 2 V / 10 ns */
    double sel = vw * vw * (gmin + gmin + 4 * step) / 2 * pw * 4;
    double half = (vw / 2) * (vw / 2) * pw * gmin * 4;
    xb_assert_close(cnt.energy_write, sel + half, 1e-12, 0.0);
    xb_xbar_free(x);
}

static void test_xbar_program__write_verify_counts_pulses_and_rounds(void **state)
{
    (void)state;
    xb_xbar_config c = ideal_cfg(4, 3);
    c.verify_max_iter = 10;
    c.verify_tol = 0.25 / 63.0; /* a quarter level */
    xb_xbar *x;
    xb_assert_ok(xb_xbar_create(&x, &c));
    const double lv = xb_xbar_dw_pulse(x);
    double w[12], wr[12];
    int levels = 0;
    for (int k = 0; k < 12; k++) {
        int n = (k * 5) % 13 - 6;
        w[k] = n * lv;
        levels += abs(n);
    }
    xb_assert_ok(xb_xbar_program(x, w));
    xb_assert_ok(xb_xbar_weights(x, wr));
    for (int k = 0; k < 12; k++) {
        xb_assert_close(wr[k], w[k], 1e-9, XB_TOL_EXACT);
    }
    xb_xbar_counters cnt;
    xb_xbar_counters_get(x, &cnt);
    /* from W = 0 each weight needs |n| pulses on one device: one pulse round
     * and one verify round that finds every device within tolerance */
    assert_int_equal(cnt.pulses_program, (uint64_t)levels);
    assert_int_equal(cnt.pulses, 0);
    assert_int_equal(cnt.verify_rounds, 2);
    assert_true(cnt.energy_write > 0.0);
    xb_xbar_counters_reset(x);
    xb_xbar_counters_get(x, &cnt);
    assert_int_equal(cnt.pulses_program, 0);
    w[0] = NAN;
    xb_assert_error(xb_xbar_program(x, w), XB_EINVAL, "weight 0");
    xb_xbar_free(x);
}

static void test_xbar_read__same_seed_same_noise(void **state)
{
    (void)state;
    xb_xbar_config c = lin_cfg(5, 4);
    c.device.read_noise = 0.1;
    xb_xbar *a, *b;
    xb_assert_ok(xb_xbar_create(&a, &c));
    xb_assert_ok(xb_xbar_create(&b, &c));
    double w[20], in[5] = {0.1, 0.2, -0.3, 0.4, 0.5}, ya[4], yb[4], y2[4];
    fill(w, 20, -0.5, 0.5, 14);
    xb_assert_ok(xb_xbar_program(a, w));
    xb_assert_ok(xb_xbar_program(b, w));
    xb_assert_ok(xb_xbar_forward(a, in, 1, ya));
    xb_assert_ok(xb_xbar_forward(b, in, 1, yb));
    xb_assert_ok(xb_xbar_forward(a, in, 1, y2));
    for (int i = 0; i < 4; i++) {
        assert_true(ya[i] == yb[i]);
        assert_true(ya[i] != y2[i]); /* the next read draws new noise */
    }
    xb_xbar_free(a);
    xb_xbar_free(b);
}


/* The NeuroSim Ag:a-Si device without c2c (device-models.md §5.1, preset
 * "agsi"): §8 cross-check 1, from Gmin 97 LTP pulses reach exactly Gmax. */
static int agsi_cfg(xb_xbar_config *c, unsigned char *params)
{
    xb_device_config dc;
    int rc = xb_device_preset_config("agsi", &dc, params);
    if (rc < 0) {
        return rc;
    }
    dc.c2c = 0.0;
    *c = ideal_cfg(1, 1);
    c->device = dc;
    return XB_OK;
}

static void test_xbar_update__neurosim_97_pulses_reach_w_max(void **state)
{
    (void)state;
    unsigned char params[XB_DEVICE_PARAMS_MAX];
    xb_xbar_config c;
    xb_assert_ok(agsi_cfg(&c, params));
    c.update = XB_UPDATE_TRUNC;
    xb_xbar *x;
    xb_assert_ok(xb_xbar_create(&x, &c));
    double lv = xb_xbar_dw_pulse(x), w, half;
    xb_assert_close(lv, c.w_max / 97.0, XB_TOL_EXACT, 0.0);
    /* 48 pulses: the nonlinear LTP curve is above the line (NL 2.4 > 0) */
    double dw = 48 * lv;
    xb_assert_ok(xb_xbar_update(x, &dw));
    xb_assert_ok(xb_xbar_weights(x, &half));
    assert_true(half > 48 * lv);
    dw = 49 * lv;
    xb_assert_ok(xb_xbar_update(x, &dw));
    xb_assert_ok(xb_xbar_weights(x, &w));
    xb_assert_close(w, c.w_max, 1e-9, 0.0);
    xb_xbar_free(x);
}

static void test_xbar_program__write_verify_converges_on_nonlinear_device(void **state)
{
    (void)state;
    unsigned char params[XB_DEVICE_PARAMS_MAX];
    xb_xbar_config c;
    xb_assert_ok(agsi_cfg(&c, params));
    c.n_in = 5;
    c.n_out = 4;
    c.verify_max_iter = 40;
    c.verify_tol = 0.01;
    xb_xbar *x;
    xb_assert_ok(xb_xbar_create(&x, &c));
    double w[20], wr[20];
    fill(w, 20, -0.7, 0.7, 15);
    xb_assert_ok(xb_xbar_program(x, w));
    xb_assert_ok(xb_xbar_weights(x, wr));
    xb_xbar_counters cnt;
    xb_xbar_counters_get(x, &cnt);
    assert_true(cnt.verify_rounds < 40); /* converged before the limit */
    assert_true(cnt.pulses_program > 0);
    /* each device within verify_tol of its range: the weight within
     * verify_tol * w_max per device (one device of the pair moves) */
    for (int k = 0; k < 20; k++) {
        if (fabs(wr[k] - w[k]) > 2.0 * c.verify_tol * c.w_max) {
            fail_msg("weight %d: %g vs target %g", k, wr[k], w[k]);
        }
    }
    xb_xbar_free(x);
}

static void test_xbar_read__drift_scales_outputs_by_power_law(void **state)
{
    (void)state;
    /* G(t) = G0 (t/t0)^(-nu) (device-models.md §5.3/§6): one factor for all
     * cells, so every output scales by it, on both read paths */
    for (int path = 0; path < 2; path++) {
        xb_xbar_config c = lin_cfg(6, 3);
        c.device.drift_nu = 0.049;
        c.device.drift_t0 = 20.0;
        c.read = path == 0 ? NULL : &fake_solver;
        xb_xbar *x;
        xb_assert_ok(xb_xbar_create(&x, &c));
        double w[18], in[6], y0[3], y1[3], z0[6], z1[6];
        fill(w, 18, -0.6, 0.6, 16);
        fill(in, 6, -1.0, 1.0, 17);
        xb_assert_ok(xb_xbar_program(x, w));
        xb_assert_ok(xb_xbar_forward(x, in, 1, y0));
        xb_assert_ok(xb_xbar_backward(x, y0, 1, z0));
        xb_assert_ok(xb_xbar_set_read_time(x, 86420.0));
        xb_assert_ok(xb_xbar_forward(x, in, 1, y1));
        xb_assert_ok(xb_xbar_backward(x, y0, 1, z1));
        double f = pow(86420.0 / 20.0, -0.049); /* 0.663, §8 cross-check 7 */
        for (int i = 0; i < 3; i++) {
            xb_assert_close(y1[i], f * y0[i], 1e-12, 1e-15);
        }
        for (int j = 0; j < 6; j++) {
            xb_assert_close(z1[j], f * z0[j], 1e-12, 1e-15);
        }
        xb_assert_error(xb_xbar_set_read_time(x, -1.0), XB_EINVAL, "read time (-1 s)");
        xb_xbar_free(x);
    }
}

/* Signed base-64 digits as docs/xbar.md defines them (C remainder). */
static void digits64(long n, long *d0, long *d1)
{
    *d0 = n % 64;
    *d1 = (n - *d0) / 64;
}

static void test_xbar_slices__two_pairs_per_weight_resolve_65x_finer(void **state)
{
    (void)state;
    /* 64-level ideal device, 2 slices of base 64 (= levels): significance
     * 1/65 and 64/65, one LSB pulse is w_max / (63 * 65) */
    xb_xbar_config c = ideal_cfg(7, 3);
    c.slices = 2;
    xb_xbar *x;
    xb_assert_ok(xb_xbar_create(&x, &c));
    const double lsb = c.w_max / (63.0 * 65.0);
    xb_assert_close(xb_xbar_dw_pulse(x), lsb, XB_TOL_EXACT, 0.0);
    int in0, nin, out0, nout, rows, cols;
    xb_assert_ok(xb_xbar_tile_shape(x, 0, &in0, &nin, &out0, &nout, &rows, &cols));
    assert_int_equal(cols, 2 * 2 * 3);
    double w[21], wr[21];
    fill(w, 21, -0.7, 0.7, 18);
    xb_assert_ok(xb_xbar_program(x, w));
    xb_assert_ok(xb_xbar_weights(x, wr));
    for (int k = 0; k < 21; k++) {
        if (fabs(wr[k] - w[k]) > 0.5 * lsb * (1.0 + 1e-9)) {
            fail_msg("weight %d: %.17g vs %.17g (half LSB %g)", k, wr[k], w[k], 0.5 * lsb);
        }
    }
    /* an update of 130 LSB pulses = digits (2, 2): four device pulses */
    double dw[21] = {0};
    dw[4] = 130.5 * lsb; /* trunc: 130 whatever the last bit of the division */
    double before = wr[4];
    c.update = XB_UPDATE_TRUNC;
    xb_xbar_free(x);
    xb_assert_ok(xb_xbar_create(&x, &c));
    xb_assert_ok(xb_xbar_program(x, w));
    xb_assert_ok(xb_xbar_update(x, dw));
    xb_assert_ok(xb_xbar_weights(x, wr));
    xb_assert_close(wr[4] - before, 130 * lsb, 1e-9, 1e-15);
    xb_xbar_counters cnt;
    xb_xbar_counters_get(x, &cnt);
    assert_int_equal(cnt.pulses, 4);
    xb_xbar_free(x);
}

static void test_xbar_slices__adc_per_slice_and_backends_agree(void **state)
{
    (void)state;
    const int n_in = 5, n_out = 3, adc = 5;
    for (int m = 0; m < 2; m++) {
        xb_xbar_config c = ideal_cfg(n_in, n_out);
        c.slices = 2;
        c.mapping = m == 0 ? XB_MAP_DIFF_PAIR : XB_MAP_REF_COLUMN;
        xb_xbar *fast, *slow;
        xb_assert_ok(xb_xbar_create(&fast, &c));
        c.read = &fake_solver;
        xb_assert_ok(xb_xbar_create(&slow, &c));
        double w[15], in[5] = {0.3, -0.8, 0.5, 0.1, -0.2}, y1[3], y2[3], z1[5], z2[5];
        fill(w, 15, -0.6, 0.6, 19);
        xb_assert_ok(xb_xbar_program(fast, w));
        xb_assert_ok(xb_xbar_program(slow, w));
        xb_assert_ok(xb_xbar_forward(fast, in, 1, y1));
        xb_assert_ok(xb_xbar_forward(slow, in, 1, y2));
        xb_assert_ok(xb_xbar_backward(fast, y1, 1, z1));
        xb_assert_ok(xb_xbar_backward(slow, y1, 1, z2));
        for (int i = 0; i < 3; i++) {
            xb_assert_close(y2[i], y1[i], 1e-10, 1e-12);
        }
        for (int j = 0; j < 5; j++) {
            xb_assert_close(z2[j], z1[j], 1e-10, 1e-12);
        }
        xb_xbar_free(fast);
        xb_xbar_free(slow);
    }
    /* ADC with a fixed range on each slice's partial sum, then shift-add */
    xb_xbar_config c = ideal_cfg(n_in, n_out);
    c.slices = 2;
    c.adc_bits = adc;
    c.adc_cal = XB_ADC_CAL_FIXED;
    c.adc_range = 0.4;
    xb_xbar *x;
    xb_assert_ok(xb_xbar_create(&x, &c));
    double w[15], in[5] = {0.3, -0.8, 0.5, 0.1, -0.2}, y[3];
    fill(w, 15, -0.6, 0.6, 20);
    xb_assert_ok(xb_xbar_program(x, w));
    xb_assert_ok(xb_xbar_forward(x, in, 1, y));
    const double lsb = c.w_max / (63.0 * 65.0), xm = 0.8;
    for (int i = 0; i < n_out; i++) {
        double p0 = 0.0, p1 = 0.0;
        for (int j = 0; j < n_in; j++) {
            long d0, d1;
            digits64(lround(w[i * n_in + j] / lsb), &d0, &d1);
            p0 += (double)d0 * lsb * in[j] / xm;
            p1 += (double)d1 * 64.0 * lsb * in[j] / xm;
        }
        double q0 = fmax(-1.0, fmin(1.0, grid(p0 / 0.4, adc))) * 0.4;
        double q1 = fmax(-1.0, fmin(1.0, grid(p1 / 0.4, adc))) * 0.4;
        xb_assert_close(y[i], xm * (q0 + q1), 1e-9, 1e-12);
    }
    xb_xbar_free(x);
}

static void test_xbar_energy__v3_scheme_charges_every_cell(void **state)
{
    (void)state;
    /* 2 rows x 1 output pair, +4 pulses on G+ of row 0 from W = 0 (all at
     * Gmin). V/3 (device-models.md §6): the other cell of row 0, the other
     * cell of column 0 and the cell sharing neither see |V/3| for 4 steps;
     * V/2: only the first two, at V/2 */
    const double gmin = 100e-9, step = (5e-6 - 100e-9) / 63.0, vw = 2.0, pw = 10e-9;
    for (int scheme = 0; scheme < 2; scheme++) {
        xb_xbar_config c = ideal_cfg(2, 1);
        c.write_scheme = scheme == 0 ? XB_WRITE_V2 : XB_WRITE_V3;
        xb_xbar *x;
        xb_assert_ok(xb_xbar_create(&x, &c));
        double dw[2] = {4 * xb_xbar_dw_pulse(x), 0.0};
        xb_assert_ok(xb_xbar_update(x, dw));
        xb_xbar_counters cnt;
        xb_xbar_counters_get(x, &cnt);
        double sel = vw * vw * (gmin + gmin + 4 * step) / 2 * pw * 4;
        double half = scheme == 0 ? (vw / 2) * (vw / 2) * pw * 4 * 2 * gmin
                                  : (vw / 3) * (vw / 3) * pw * 4 * 3 * gmin;
        xb_assert_close(cnt.energy_write, sel + half, 1e-12, 0.0);
        xb_xbar_free(x);
    }
}

static void test_xbar_disturb__half_selected_cells_follow_the_device_model(void **state)
{
    (void)state;
    /* VTEAM demo defaults (device-models.md §2.3d): v_off = 20 mV, so the
     * V/2 = 0.25 V of an LTD write (v_down = 0.5 V) moves half-selected cells,
     * while V/2 = -0.125 V of an LTP write (v_up = -0.25 V) stays inside
     * v_on = -0.2 V and moves nothing. Reference column mapping, 2 x 1. */
    const xb_device_type *vt = xb_device_model_find("vteam");
    if (vt == NULL) {
        skip();
    }
    xb_xbar_config c = ideal_cfg(2, 1);
    c.mapping = XB_MAP_REF_COLUMN;
    c.update = XB_UPDATE_TRUNC;
    c.device.type = vt;
    c.disturb = 1;
    xb_xbar *b; /* one array: building the VTEAM pulse table takes seconds */
    double w0[2] = {0.0, 0.0}, wb[2], dw[2];
    xb_assert_ok(xb_xbar_create(&b, &c));
    xb_assert_ok(xb_xbar_program(b, w0));

    /* LTP on row 0: row 1 sees -0.125 V, inside the thresholds */
    dw[0] = 3.5 * xb_xbar_dw_pulse(b);
    dw[1] = 0.0;
    xb_assert_ok(xb_xbar_update(b, dw));
    xb_assert_ok(xb_xbar_weights(b, wb));
    assert_true(wb[0] > 0.0);
    xb_assert_close(wb[1], 0.0, 0.0, XB_TOL_EXACT);

    /* LTD on row 0: the cell of row 1 under the selected column takes 3
     * exposures of 0.25 V; the reference cell of row 1 sees 0 V */
    dw[0] = -3.5 * xb_xbar_dw_pulse(b);
    xb_assert_ok(xb_xbar_update(b, dw));
    xb_assert_ok(xb_xbar_weights(b, wb));

    unsigned char p[XB_DEVICE_PARAMS_MAX];
    xb_assert_ok(xb_device_params_default(vt, p));
    double gmin, gmax, g0, s0, g1, scale = 0.5 * 0.5, t_end;
    vt->bounds(p, &gmin, &gmax);
    g0 = 0.5 * (gmin + gmax);
    xb_assert_ok(vt->set_conductance(p, 0, 1, &g0, &s0));
    xb_assert_ok(vt->conductance(p, 0, 1, &s0, &g0));
    xb_device_waveform wave;
    xb_assert_ok(xb_device_write_pulse(vt, p, &wave, &t_end));
    const xb_device_ode_settings set = XB_DEVICE_ODE_SETTINGS_INIT;
    for (int k = 0; k < 3; k++) {
        xb_assert_ok(xb_device_integrate(vt, p, 0, 1, &s0, &scale, &wave, t_end, 0, NULL, &set,
                                         NULL));
    }
    xb_assert_ok(vt->conductance(p, 0, 1, &s0, &g1));
    double expect = 2.0 * c.w_max / (gmax - gmin) * (g1 - g0);
    assert_true(expect < 0.0); /* LTD voltage lowers G */
    xb_assert_close(wb[1], expect, XB_TOL_ODE, 0.0);
    xb_xbar_counters cnt;
    xb_xbar_counters_get(b, &cnt);
    assert_int_equal(cnt.disturb_writes, 2);
    xb_xbar_free(b);
}

static void test_xbar_periphery__worst_case_adc_range_never_clips(void **state)
{
    (void)state;
    /* FS = max_i sum_j |W_ij| (docs/xbar.md): the input sign(W_i*) of the row
     * with the largest L1 norm reaches FS exactly and is read without error */
    const int n_in = 6, n_out = 4;
    xb_xbar_config c = lin_cfg(n_in, n_out);
    c.adc_bits = 3;
    c.adc_cal = XB_ADC_CAL_WORST;
    xb_xbar *x;
    xb_assert_ok(xb_xbar_create(&x, &c));
    double w[24], wr[24], in[6], y[4], yr[4];
    fill(w, 24, -0.7, 0.7, 21);
    xb_assert_ok(xb_xbar_program(x, w));
    xb_assert_ok(xb_xbar_weights(x, wr));
    int best = 0;
    double fs = 0.0;
    for (int i = 0; i < n_out; i++) {
        double a = 0.0;
        for (int j = 0; j < n_in; j++) {
            a += fabs(wr[i * n_in + j]);
        }
        if (a > fs) {
            fs = a;
            best = i;
        }
    }
    for (int j = 0; j < n_in; j++) {
        in[j] = wr[best * n_in + j] > 0.0 ? 1.0 : -1.0;
    }
    xb_assert_ok(xb_xbar_forward(x, in, 1, y));
    naive_forward(wr, n_in, n_out, in, 1, yr);
    xb_assert_close(y[best], fs, 1e-12, 1e-15);
    for (int i = 0; i < n_out; i++) {
        double step = fs / 3.0; /* 3 bits: 3 levels per sign */
        if (fabs(y[i] - yr[i]) > 0.5 * step * (1.0 + 1e-9)) {
            fail_msg("output %d: %g vs %g beyond half an ADC step %g", i, y[i], yr[i], step);
        }
    }
    xb_xbar_free(x);
}

static void test_xbar_read__wire_resistance_lowers_every_output(void **state)
{
    (void)state;
    /* IR drop only loses voltage across the cells: with positive inputs and
     * positive weights (G- at Gmin, G+ well above it) every column current
     * falls, the large G+ ones most, so every output of a nodal read is
     * below the ideal one */
    const xb_solver_type *nodal = xb_solver_find("nodal");
    if (nodal == NULL) {
        skip();
    }
    xb_xbar_config c = lin_cfg(12, 4);
    xb_xbar *ideal, *wired;
    xb_assert_ok(xb_xbar_create(&ideal, &c));
    c.read = nodal;
    c.circuit.r_wire_row = 2.385e3; /* large against the 4.7 uS cells */
    c.circuit.r_wire_col = 2.385e3;
    xb_assert_ok(xb_xbar_create(&wired, &c));
    double w[48], in[12], y1[4], y2[4];
    fill(w, 48, 0.1, 0.7, 22);
    fill(in, 12, 0.2, 1.0, 23);
    xb_assert_ok(xb_xbar_program(ideal, w));
    xb_assert_ok(xb_xbar_program(wired, w));
    xb_assert_ok(xb_xbar_forward(ideal, in, 1, y1));
    xb_assert_ok(xb_xbar_forward(wired, in, 1, y2));
    for (int i = 0; i < 4; i++) {
        assert_true(y2[i] < y1[i]);
        assert_true(y2[i] > 0.0);
    }
    xb_xbar_free(ideal);
    xb_xbar_free(wired);
}

static void test_xbar_read__backends_agree_through_the_array(void **state)
{
    (void)state;
    /* DESIGN.md fidelity levels: nodal agrees with ngspice to 1e-6 relative
     * on the same netlist; the fast iterative solve with the exact one. Here
     * through xbar's mapping: forward and transposed reads of a 5 x 3 pair
     * array with 1.48 ohm wires (NeuroSim 32 nm, device-models.md §6) */
    const char *names[3] = {"nodal", "nodal_fast", "spice"};
    double y[3][2 * 3], z[3][2 * 5];
    int have[3] = {0, 0, 0};
    double w[15], in[2 * 5], d[2 * 3];
    fill(w, 15, -0.7, 0.7, 24);
    fill(in, 10, -1.0, 1.0, 25);
    fill(d, 6, -1.0, 1.0, 26);
    for (int b = 0; b < 3; b++) {
        const xb_solver_type *st = xb_solver_find(names[b]);
        if (st == NULL) {
            continue;
        }
        xb_xbar_config c = lin_cfg(5, 3);
        c.device.type = xb_device_ideal; /* 100 nS .. 5 uS */
        c.read = st;
        c.circuit.r_wire_row = 1.48;
        c.circuit.r_wire_col = 1.48;
        xb_xbar *x;
        xb_assert_ok(xb_xbar_create(&x, &c));
        xb_assert_ok(xb_xbar_program(x, w));
        xb_assert_ok(xb_xbar_forward(x, in, 2, y[b]));
        xb_assert_ok(xb_xbar_backward(x, d, 2, z[b]));
        xb_xbar_free(x);
        have[b] = 1;
    }
    if (!have[0]) {
        skip();
    }
    for (int b = 1; b < 3; b++) {
        if (!have[b]) {
            continue;
        }
        for (int k = 0; k < 6; k++) {
            xb_assert_close(y[b][k], y[0][k], XB_TOL_SOLVER, XB_TOL_SOLVER * 1e-3);
        }
        for (int k = 0; k < 10; k++) {
            xb_assert_close(z[b][k], z[0][k], XB_TOL_SOLVER, XB_TOL_SOLVER * 1e-3);
        }
    }
}

static void test_xbar_counters__csv_rows_match_the_counters(void **state)
{
    (void)state;
    xb_xbar_config c = ideal_cfg(5, 4);
    c.max_rows = 3; /* two arrays */
    xb_xbar *x;
    xb_assert_ok(xb_xbar_create(&x, &c));
    double dw[20], in[5] = {0.1, 0.2, 0.3, 0.4, 0.5}, y[4];
    for (int k = 0; k < 20; k++) {
        dw[k] = (k % 3) * xb_xbar_dw_pulse(x);
    }
    xb_assert_ok(xb_xbar_update(x, dw));
    xb_assert_ok(xb_xbar_forward(x, in, 1, y));
    FILE *fp = tmpfile();
    assert_non_null(fp);
    xb_assert_ok(xb_xbar_counters_fprint(fp, x, 1));
    rewind(fp);
    char line[512];
    int rows = 0;
    unsigned long long sum_pulses = 0, all_pulses = 0;
    while (fgets(line, sizeof line, fp) != NULL) {
        rows++;
        if (rows == 1) {
            assert_non_null(strstr(line, "array,in0,n_in"));
            continue;
        }
        /* the 11th field is pulses */
        char *p = line;
        for (int f = 0; f < 10; f++) {
            p = strchr(p, ',') + 1;
        }
        unsigned long long v = strtoull(p, NULL, 10);
        if (strncmp(line, "all,", 4) == 0) {
            all_pulses = v;
        } else {
            sum_pulses += v;
        }
    }
    fclose(fp);
    assert_int_equal(rows, 1 + 2 + 1);
    xb_xbar_counters cnt;
    xb_xbar_counters_get(x, &cnt);
    assert_true(cnt.pulses > 0);
    assert_int_equal(all_pulses, cnt.pulses);
    assert_int_equal(sum_pulses, cnt.pulses); /* every pulse belongs to one array */
    xb_xbar_free(x);
}

static void test_xbar_periphery__fixed_dac_range_clips_inputs(void **state)
{
    (void)state;
    /* dac_range 1: inputs beyond +-1 drive full scale, the rest their value
     * on the DAC grid (docs/xbar.md) */
    const int n_in = 4, n_out = 3, dac = 4;
    xb_xbar_config c = lin_cfg(n_in, n_out);
    c.dac_range = 1.0;
    c.dac_bits = dac;
    xb_xbar *x;
    xb_assert_ok(xb_xbar_create(&x, &c));
    double w[12], wr[12], in[4] = {2.5, -0.4, 0.731, -3.0}, y[3];
    fill(w, 12, -0.7, 0.7, 27);
    xb_assert_ok(xb_xbar_program(x, w));
    xb_assert_ok(xb_xbar_weights(x, wr));
    xb_assert_ok(xb_xbar_forward(x, in, 1, y));
    double xq[4] = {1.0, grid(-0.4, dac), grid(0.731, dac), -1.0};
    for (int i = 0; i < n_out; i++) {
        double s = 0.0;
        for (int j = 0; j < n_in; j++) {
            s += wr[i * n_in + j] * xq[j];
        }
        xb_assert_close(y[i], s, 1e-12, 1e-15);
    }
    xb_xbar_free(x);
    c.dac_range = -1.0;
    xb_assert_error(xb_xbar_create(&x, &c), XB_EINVAL, "dac_range (-1)");
    assert_null(x);
}

static void test_xbar_read__reference_column_noise_is_shared(void **state)
{
    (void)state;
    /* Reference column: y_i = s (I_i - I_ref); the cells' noise is
     * independent, so var(y_i) = sigma^2 s^2 sum_j (G_ij^2 + G_ref^2) x_j^2 and
     * cov(y_1, y_2) = sigma^2 s^2 sum_j G_ref^2 x_j^2 (the shared reference) */
    const int n_in = 3, n_out = 2;
    const size_t nv = 20000;
    const double sigma = 0.05;
    xb_xbar_config c = lin_cfg(n_in, n_out);
    c.mapping = XB_MAP_REF_COLUMN;
    c.device.read_noise = sigma;
    xb_xbar *x;
    xb_assert_ok(xb_xbar_create(&x, &c));
    double w[6] = {0.5, -0.3, 0.1, -0.6, 0.2, 0.7}, wr[6];
    xb_assert_ok(xb_xbar_program(x, w));
    xb_assert_ok(xb_xbar_weights(x, wr));
    double in[3] = {0.9, -1.2, 0.4};
    double *batch = malloc(nv * 3 * sizeof *batch), *y = malloc(nv * 2 * sizeof *y);
    assert_non_null(batch);
    assert_non_null(y);
    for (size_t b = 0; b < nv; b++) {
        memcpy(batch + 3 * b, in, sizeof in);
    }
    xb_assert_ok(xb_xbar_forward(x, batch, nv, y));
    const double gr = lin_defaults.gmax - lin_defaults.gmin;
    const double gref = 0.5 * (lin_defaults.gmin + lin_defaults.gmax), s = 2.0 * c.w_max / gr;
    double vref = 0.0, var_cell[2] = {0.0, 0.0};
    for (int j = 0; j < n_in; j++) {
        vref += gref * gref * in[j] * in[j];
        for (int i = 0; i < n_out; i++) {
            double g = gref + wr[i * 3 + j] / s;
            var_cell[i] += g * g * in[j] * in[j];
        }
    }
    double m[2] = {0.0, 0.0}, v[2] = {0.0, 0.0}, cv = 0.0;
    for (size_t b = 0; b < nv; b++) {
        m[0] += y[2 * b];
        m[1] += y[2 * b + 1];
    }
    m[0] /= (double)nv;
    m[1] /= (double)nv;
    for (size_t b = 0; b < nv; b++) {
        double e0 = y[2 * b] - m[0], e1 = y[2 * b + 1] - m[1];
        v[0] += e0 * e0;
        v[1] += e1 * e1;
        cv += e0 * e1;
    }
    const double k = sigma * sigma * s * s, dof = (double)(nv - 1);
    for (int i = 0; i < 2; i++) {
        double ev = k * (var_cell[i] + vref);
        /* 5 standard errors of a sample variance: ev sqrt(2 / (N - 1)) */
        if (fabs(v[i] / dof - ev) > 5.0 * ev * sqrt(2.0 / dof)) {
            fail_msg("output %d: var %g vs %g", i, v[i] / dof, ev);
        }
    }
    /* sample covariance: sd sqrt((var0 var1 + cov^2) / (N - 1)) */
    double ec = k * vref, v0 = k * (var_cell[0] + vref), v1 = k * (var_cell[1] + vref);
    if (fabs(cv / dof - ec) > 5.0 * sqrt((v0 * v1 + ec * ec) / dof)) {
        fail_msg("cov %g vs %g", cv / dof, ec);
    }
    free(batch);
    free(y);
    xb_xbar_free(x);
}

static void test_xbar_tiles__adc_quantises_each_array_partial_sum(void **state)
{
    (void)state;
    /* two arrays of 3 rows each: each array's partial sum goes through its
     * own ADC before the digital sum (docs/xbar.md, tiling) */
    const int n_in = 6, n_out = 2, adc = 3;
    xb_xbar_config c = lin_cfg(n_in, n_out);
    c.max_rows = 3;
    c.adc_bits = adc;
    c.adc_cal = XB_ADC_CAL_FIXED;
    c.adc_range = 0.9;
    xb_xbar *x;
    xb_assert_ok(xb_xbar_create(&x, &c));
    assert_int_equal(xb_xbar_tile_count(x), 2);
    double w[12], wr[12], in[6] = {0.2, -0.5, 0.9, 0.4, -0.1, 0.6}, y[2];
    fill(w, 12, -0.7, 0.7, 28);
    xb_assert_ok(xb_xbar_program(x, w));
    xb_assert_ok(xb_xbar_weights(x, wr));
    xb_assert_ok(xb_xbar_forward(x, in, 1, y));
    const double xm = 0.9;
    for (int i = 0; i < n_out; i++) {
        double expect = 0.0;
        for (int t = 0; t < 2; t++) {
            double p = 0.0;
            for (int j = 3 * t; j < 3 * t + 3; j++) {
                p += wr[i * n_in + j] * in[j] / xm;
            }
            expect += xm * 0.9 * fmax(-1.0, fmin(1.0, grid(p / 0.9, adc)));
        }
        xb_assert_close(y[i], expect, 1e-12, 1e-15);
    }
    xb_xbar_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xbar_create__rejects_bad_config),
        cmocka_unit_test(test_xbar_read__forward_and_transposed_match_naive_loops),
        cmocka_unit_test(test_xbar_program__round_trip_within_level_quantisation),
        cmocka_unit_test(test_xbar_update__ideal_device_moves_by_pulse_counts),
        cmocka_unit_test(test_xbar_update__stochastic_rounding_is_unbiased),
        cmocka_unit_test(test_xbar_update__stochastic_coincidence_matches_expectation),
        cmocka_unit_test(test_xbar_update__outer_equals_update_of_the_product),
        cmocka_unit_test(test_xbar_update__pair_policies_and_saturation),
        cmocka_unit_test(test_xbar_read__solver_path_equals_fast_path),
        cmocka_unit_test(test_xbar_read__nodal_without_wires_equals_ideal),
        cmocka_unit_test(test_xbar_tiles__partial_sums_equal_one_array),
        cmocka_unit_test(test_xbar_periphery__dac_and_adc_quantise_as_documented),
        cmocka_unit_test(test_xbar_read__noise_statistics_match_cell_level_model),
        cmocka_unit_test(test_xbar_energy__read_and_write_follow_neurosim_formulas),
        cmocka_unit_test(test_xbar_program__write_verify_counts_pulses_and_rounds),
        cmocka_unit_test(test_xbar_read__same_seed_same_noise),
        cmocka_unit_test(test_xbar_read__drift_scales_outputs_by_power_law),
        cmocka_unit_test(test_xbar_slices__two_pairs_per_weight_resolve_65x_finer),
        cmocka_unit_test(test_xbar_slices__adc_per_slice_and_backends_agree),
        cmocka_unit_test(test_xbar_energy__v3_scheme_charges_every_cell),
        cmocka_unit_test(test_xbar_periphery__worst_case_adc_range_never_clips),
        cmocka_unit_test(test_xbar_read__wire_resistance_lowers_every_output),
        cmocka_unit_test(test_xbar_read__backends_agree_through_the_array),
        cmocka_unit_test(test_xbar_counters__csv_rows_match_the_counters),
        cmocka_unit_test(test_xbar_periphery__fixed_dac_range_clips_inputs),
        cmocka_unit_test(test_xbar_read__reference_column_noise_is_shared),
        cmocka_unit_test(test_xbar_tiles__adc_quantises_each_array_partial_sum),
        cmocka_unit_test(test_xbar_disturb__half_selected_cells_follow_the_device_model),
        cmocka_unit_test(test_xbar_update__neurosim_97_pulses_reach_w_max),
        cmocka_unit_test(test_xbar_program__write_verify_converges_on_nonlinear_device),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
