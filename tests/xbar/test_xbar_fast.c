/* xbar: the shortcuts of the performance work (docs/xbar.md "Performance").
 *
 * 1. xb_xbar_update_scaled(alpha, g) equals xb_xbar_update of the array
 *    alpha * g bit for bit (weights and every counter), for each dense update
 *    scheme on a nonlinear device with cycle-to-cycle noise. Reference: the
 *    same update through the documented dense interface.
 * 2. Read noise of a transposed read through the general path (tiles, DAC)
 *    has the variance of a forward fast-path read of the transposed matrix:
 *    both program the same conductance per weight (ideal device, direct
 *    programming), and sigma^2 sum_i (s g_ij)^2 x_i^2 does not depend on the
 *    direction (docs/xbar.md, read noise). The forward fast path is checked
 *    against the closed form in test_xbar.c; the variance GEMM runs in single
 *    precision on both, so this also checks its rescaling by the DAC scale. */
#include "xb_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xbar/xbar.h"

enum { N_IN = 23, N_OUT = 9 };

static void fill(double *a, size_t n, double lo, double hi, uint32_t tag)
{
    xb_rng r;
    xb_rng_init(&r, 7, XB_RNG_USER, tag);
    for (size_t k = 0; k < n; k++) {
        a[k] = lo + (hi - lo) * xb_rng_uniform(&r);
    }
}

static xb_xbar *make_agsi(xb_update_scheme scheme, unsigned char *params)
{
    xb_xbar_config c = XB_XBAR_CONFIG_INIT;
    c.n_in = N_IN;
    c.n_out = N_OUT;
    c.seed = 41;
    c.update = scheme;
    xb_assert_ok(xb_device_preset_config("agsi", &c.device, params));
    xb_xbar *x = NULL;
    xb_assert_ok(xb_xbar_create(&x, &c));
    double w0[N_IN * N_OUT];
    fill(w0, N_IN * N_OUT, -0.5, 0.5, 1);
    xb_assert_ok(xb_xbar_program(x, w0));
    return x;
}

static void test_xbar_fast__update_scaled_equals_update_of_product(void **state)
{
    (void)state;
    const xb_update_scheme schemes[3] = {XB_UPDATE_PULSES, XB_UPDATE_TRUNC, XB_UPDATE_SIGN};
    unsigned char pa[XB_DEVICE_PARAMS_MAX], pb[XB_DEVICE_PARAMS_MAX];
    for (int s = 0; s < 3; s++) {
        xb_xbar *a = make_agsi(schemes[s], pa), *b = make_agsi(schemes[s], pb);
        const double alpha = -0.37;
        double g[N_IN * N_OUT], dw[N_IN * N_OUT];
        for (int step = 0; step < 4; step++) {
            fill(g, N_IN * N_OUT, -0.2, 0.2, (uint32_t)(10 + step));
            g[3] = 0.0; /* signed zeros and an exact zero survive the product */
            g[4] = -0.0;
            for (int k = 0; k < N_IN * N_OUT; k++) {
                dw[k] = alpha * g[k];
            }
            xb_assert_ok(xb_xbar_update(a, dw));
            xb_assert_ok(xb_xbar_update_scaled(b, alpha, g));
        }
        double wa[N_IN * N_OUT], wb[N_IN * N_OUT];
        xb_assert_ok(xb_xbar_weights(a, wa));
        xb_assert_ok(xb_xbar_weights(b, wb));
        assert_memory_equal(wa, wb, sizeof wa);
        xb_xbar_counters ca, cb;
        xb_xbar_counters_get(a, &ca);
        xb_xbar_counters_get(b, &cb);
        assert_true(ca.pulses > 0);
        assert_int_equal(ca.pulses, cb.pulses);
        assert_true(ca.energy_write == cb.energy_write);
        xb_xbar_free(a);
        xb_xbar_free(b);
    }
}

static void test_xbar_fast__update_scaled__errors(void **state)
{
    (void)state;
    unsigned char p[XB_DEVICE_PARAMS_MAX];
    xb_xbar *x = make_agsi(XB_UPDATE_STOCHASTIC, p);
    double g[N_IN * N_OUT] = {0};
    xb_assert_error(xb_xbar_update_scaled(x, 1.0, g), XB_EINVAL, "xb_xbar_update_outer");
    xb_xbar_free(x);
    x = make_agsi(XB_UPDATE_PULSES, p);
    xb_assert_error(xb_xbar_update_scaled(x, NAN, g), XB_EINVAL, "alpha is nan");
    g[2 * N_IN + 5] = 1e308;
    xb_assert_error(xb_xbar_update_scaled(x, 10.0, g), XB_EINVAL, "row 2, column 5) is inf");
    xb_xbar_free(x);
}

/* Sample variance of each of n outputs over nv reads of one vector. */
static void sample_var(const double *y, size_t nv, size_t n, double *var)
{
    for (size_t i = 0; i < n; i++) {
        double m = 0.0, v = 0.0;
        for (size_t b = 0; b < nv; b++) {
            m += y[b * n + i];
        }
        m /= (double)nv;
        for (size_t b = 0; b < nv; b++) {
            double e = y[b * n + i] - m;
            v += e * e;
        }
        var[i] = v / (double)(nv - 1);
    }
}

static void test_xbar_fast__transposed_general_read_noise_variance(void **state)
{
    (void)state;
    enum { NI = 6, NO = 4 };
    const size_t nv = 20000;
    const double sigma = 0.05;
    double w[NO * NI], wt[NI * NO];
    fill(w, NO * NI, -0.9, 0.9, 2);
    for (int i = 0; i < NO; i++) {
        for (int j = 0; j < NI; j++) {
            wt[j * NO + i] = w[i * NI + j];
        }
    }
    /* general path: transposed read of W on 2-row tiles with a 16-bit DAC */
    xb_xbar_config cg = XB_XBAR_CONFIG_INIT;
    cg.n_in = NI;
    cg.n_out = NO;
    cg.seed = 5;
    cg.device.read_noise = sigma;
    cg.dac_bits = 16;
    cg.max_rows = 2;
    /* fast path: forward read of W^T */
    xb_xbar_config cf = cg;
    cf.n_in = NO;
    cf.n_out = NI;
    cf.dac_bits = 0;
    cf.max_rows = 0;
    cf.array_id = 1;
    xb_xbar *xg = NULL, *xf = NULL;
    xb_assert_ok(xb_xbar_create(&xg, &cg));
    xb_assert_ok(xb_xbar_create(&xf, &cf));
    assert_int_equal(xb_xbar_tile_count(xg), 3);
    xb_assert_ok(xb_xbar_program(xg, w));
    xb_assert_ok(xb_xbar_program(xf, wt));
    /* the 16-bit DAC moves x / max|x| by < 2e-5, far below the statistical
     * tolerance below */
    const double in[NO] = {2.0, -0.5, 1.25, -1.5};
    double *batch = malloc(nv * NO * sizeof *batch);
    double *yg = malloc(nv * NI * sizeof *yg), *yf = malloc(nv * NI * sizeof *yf);
    assert_non_null(batch);
    assert_non_null(yg);
    assert_non_null(yf);
    for (size_t b = 0; b < nv; b++) {
        memcpy(batch + b * NO, in, sizeof in);
    }
    xb_assert_ok(xb_xbar_backward(xg, batch, nv, yg));
    xb_assert_ok(xb_xbar_forward(xf, batch, nv, yf));
    double vg[NI], vf[NI];
    sample_var(yg, nv, NI, vg);
    sample_var(yf, nv, NI, vf);
    for (int j = 0; j < NI; j++) {
        /* difference of two independent sample variances of the same v:
         * sd v sqrt(2 / (N - 1)) sqrt(2); 5 of them */
        double v = 0.5 * (vg[j] + vf[j]);
        assert_true(v > 0.0);
        double se = v * sqrt(2.0 / (double)(nv - 1)) * sqrt(2.0);
        if (fabs(vg[j] - vf[j]) > 5.0 * se) {
            fail_msg("output %d: general-path var %g, fast-path var %g", j, vg[j], vf[j]);
        }
    }
    free(batch);
    free(yg);
    free(yf);
    xb_xbar_free(xg);
    xb_xbar_free(xf);
}

static int cmp_double(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

/* Read noise draws are standard normals (ziggurat, docs/xbar.md): 400 000
 * noisy reads of one vector, each output standardised by its sample mean and
 * sd, pooled. Reference: the normal distribution, Phi(z) = erfc(-z/sqrt 2)/2:
 * Kolmogorov-Smirnov distance below 1.95/sqrt(N) (alpha = 0.001, conservative
 * with estimated mean and sd), fourth moment 3 within 5 sd (sqrt(96/N)), and
 * the fractions beyond 2 and beyond R = 3.6541 (the ziggurat's tail path)
 * within 5 binomial sd of 2(1 - Phi). */
static void test_xbar_fast__read_noise_draws_are_standard_normal(void **state)
{
    (void)state;
    enum { NO = 4 };
    const size_t nv = 100000, N = nv * NO;
    xb_xbar_config c = XB_XBAR_CONFIG_INIT;
    c.n_in = 1;
    c.n_out = NO;
    c.seed = 77;
    c.device.read_noise = 0.1;
    xb_xbar *x = NULL;
    xb_assert_ok(xb_xbar_create(&x, &c));
    const double w[NO] = {0.3, -0.7, 0.0, 0.9};
    xb_assert_ok(xb_xbar_program(x, w));
    double *in = malloc(nv * sizeof *in), *y = malloc(N * sizeof *y), *z = malloc(N * sizeof *z);
    assert_non_null(in);
    assert_non_null(y);
    assert_non_null(z);
    for (size_t b = 0; b < nv; b++) {
        in[b] = 0.8;
    }
    xb_assert_ok(xb_xbar_forward(x, in, nv, y));
    for (int i = 0; i < NO; i++) {
        double m = 0.0, v = 0.0;
        for (size_t b = 0; b < nv; b++) {
            m += y[b * NO + (size_t)i];
        }
        m /= (double)nv;
        for (size_t b = 0; b < nv; b++) {
            double e = y[b * NO + (size_t)i] - m;
            v += e * e;
        }
        double sd = sqrt(v / (double)(nv - 1));
        assert_true(sd > 0.0);
        for (size_t b = 0; b < nv; b++) {
            z[(size_t)i * nv + b] = (y[b * NO + (size_t)i] - m) / sd;
        }
    }
    double m4 = 0.0;
    size_t beyond2 = 0, beyond_r = 0;
    for (size_t k = 0; k < N; k++) {
        m4 += z[k] * z[k] * z[k] * z[k];
        beyond2 += fabs(z[k]) > 2.0;
        beyond_r += fabs(z[k]) > 3.6541528853610088;
    }
    m4 /= (double)N;
    if (fabs(m4 - 3.0) > 5.0 * sqrt(96.0 / (double)N)) {
        fail_msg("fourth moment %g, expect 3", m4);
    }
    const double lim[2] = {2.0, 3.6541528853610088};
    const size_t cnt[2] = {beyond2, beyond_r};
    for (int t = 0; t < 2; t++) {
        double p = erfc(lim[t] / sqrt(2.0)), mu = p * (double)N;
        double sdv = sqrt((double)N * p * (1.0 - p));
        if (fabs((double)cnt[t] - mu) > 5.0 * sdv) {
            fail_msg("beyond %g sd: %zu draws, expect %g +- %g", lim[t], cnt[t], mu, sdv);
        }
    }
    qsort(z, N, sizeof *z, cmp_double);
    double d = 0.0;
    for (size_t k = 0; k < N; k++) {
        double f = 0.5 * erfc(-z[k] / sqrt(2.0));
        double a = fabs(f - (double)k / (double)N), b = fabs((double)(k + 1) / (double)N - f);
        d = fmax(d, fmax(a, b));
    }
    if (d > 1.95 / sqrt((double)N)) {
        fail_msg("Kolmogorov-Smirnov distance %g > %g", d, 1.95 / sqrt((double)N));
    }
    free(in);
    free(y);
    free(z);
    xb_xbar_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xbar_fast__update_scaled_equals_update_of_product),
        cmocka_unit_test(test_xbar_fast__update_scaled__errors),
        cmocka_unit_test(test_xbar_fast__transposed_general_read_noise_variance),
        cmocka_unit_test(test_xbar_fast__read_noise_draws_are_standard_normal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
