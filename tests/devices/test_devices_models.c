/* devices: the ideal and NeuroSim models and the nonidealities of a device
 * block. Constants come from device-models.md (sections cited per test). */
#include "xb_test.h"

#include <stdlib.h>

#include "devices/devices.h"

/* device-models.md §5.1: the closed form reproduces NeuroSim's A_norm table "to
 * 4 significant digits". */
#define A_NORM_TABLE_RTOL 1e-4
/* Repeated inversion G -> P -> G(P + 1) over ~100 pulses (log/exp per step). */
#define PULSE_CHAIN_RTOL 1e-12
/* §8 check 7 prints the drift factor to 3 digits. */
#define DRIFT_PRINT_RTOL 1e-3

static xb_devices *make(const xb_device_config *cfg, size_t n, uint64_t seed)
{
    xb_devices *d = NULL;
    xb_assert_ok(xb_devices_create(&d, cfg, n, seed, 3));
    return d;
}

static void fill_i32(int32_t *v, size_t n, int32_t x)
{
    for (size_t k = 0; k < n; k++) {
        v[k] = x;
    }
}

/* ------------------------------------------------------------ neurosim */

static void test_devices_neurosim__a_norm_table(void **state)
{
    (void)state;
    /* device-models.md §5.1, sample entries of NeuroSim's getParamA table [R] */
    static const double nl[] = {0.01, 0.1, 0.5, 1.0, 1.46, 1.75, 2.0, 2.4, 3.0, 3.68, 4.88, 6.0, 6.76, 9.0};
    static const double a[] = {126.268958, 12.625807, 2.519877, 1.251653, 0.848677, 0.702081, 0.609035,
                               0.499181,   0.38683,   0.300644, 0.200303, 0.135619, 0.100251, 0.02281};
    for (size_t i = 0; i < sizeof nl / sizeof nl[0]; i++) {
        double got = 0.0;
        xb_assert_ok(xb_device_neurosim_a_norm(nl[i], &got));
        xb_assert_close(got, a[i], A_NORM_TABLE_RTOL, 0.0);
        xb_assert_ok(xb_device_neurosim_a_norm(-nl[i], &got));
        xb_assert_close(got, -a[i], A_NORM_TABLE_RTOL, 0.0);
    }
}

static void test_devices_neurosim__defaults_derived(void **state)
{
    (void)state;
    const xb_device_neurosim_params *def = xb_device_neurosim->default_params;
    xb_device_neurosim_params p = *def;
    p.a_ltp = p.b_ltp = p.a_ltd = p.b_ltd = 0.0;
    xb_assert_ok(xb_device_neurosim->derive(&p));
    xb_assert_close(p.a_ltp, def->a_ltp, XB_TOL_EXACT, 0.0);
    xb_assert_close(p.b_ltp, def->b_ltp, XB_TOL_EXACT, 0.0);
    xb_assert_close(p.a_ltd, def->a_ltd, XB_TOL_EXACT, 0.0);
    xb_assert_close(p.b_ltd, def->b_ltd, XB_TOL_EXACT, 0.0);
    /* §5.1 Ag:a-Si defaults [R Cell.cpp] */
    assert_true(def->gmax == 3.8462e-8 && def->gmin == 3.0769e-9);
    assert_true(def->p_ltp == 97.0 && def->p_ltd == 100.0);
    assert_true(def->nl_ltp == 2.4 && def->nl_ltd == -4.88);
    /* §8 check 1: A = 0.499181 x 97 = 48.42 pulses */
    xb_assert_close(def->a_ltp, 0.499181 * 97.0, A_NORM_TABLE_RTOL, 0.0);
}

/* §8 check 1: from Gmin, 97 LTP pulses reach exactly Gmax without c2c. */
static void test_devices_neurosim__ltp_full_range_exact(void **state)
{
    (void)state;
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.type = xb_device_neurosim;
    xb_devices *d = make(&cfg, 4, 1);
    double gmin, gmax;
    xb_devices_nominal_range(d, &gmin, &gmax);
    assert_true(xb_devices_conductances(d)[0] == gmin);
    assert_true(xb_devices_pulses_full_range(d) == 97.0);
    int32_t np[4] = {97, 97, 96, 200};
    xb_assert_ok(xb_devices_pulse(d, np, 0));
    const double *g = xb_devices_conductances(d);
    assert_true(g[0] == gmax);
    assert_true(g[1] == gmax);
    assert_true(g[2] < gmax);
    assert_true(g[3] == gmax); /* saturates */
    /* and 100 LTD pulses bring it back to exactly Gmin */
    int32_t down[4] = {-100, -100, -100, -100};
    xb_assert_ok(xb_devices_pulse(d, down, 1));
    for (int k = 0; k < 4; k++) {
        assert_true(xb_devices_conductances(d)[k] == gmin);
    }
    xb_devices_free(d);
}

/* Each single LTP pulse follows G(P) = B(1 - e^(-P/A)) + Gmin (§5.1 eq. 1) and
 * each LTD pulse G_LTD(P) = -B(1 - e^((P - P_max)/A)) + Gmax (eq. 2) with
 * A = A_norm(|NL|) P_max: the manual's mirrored form, independent of the
 * implementation's signed-A form. */
static void test_devices_neurosim__steps_closed_form(void **state)
{
    (void)state;
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.type = xb_device_neurosim;
    xb_devices *d = make(&cfg, 1, 1);
    const xb_device_neurosim_params *p = xb_device_neurosim->default_params;
    double an = 0.0;
    xb_assert_ok(xb_device_neurosim_a_norm(p->nl_ltp, &an));
    double a = an * p->p_ltp;
    double b = (p->gmax - p->gmin) / (1.0 - exp(-p->p_ltp / a));
    int32_t one = 1;
    for (int k = 1; k <= 97; k++) {
        xb_assert_ok(xb_devices_pulse(d, &one, (uint64_t)k));
        double expect = b * (1.0 - exp(-k / a)) + p->gmin;
        xb_assert_close(xb_devices_conductances(d)[0], expect, PULSE_CHAIN_RTOL, 0.0);
    }
    xb_assert_ok(xb_device_neurosim_a_norm(fabs(p->nl_ltd), &an));
    a = an * p->p_ltd;
    b = (p->gmax - p->gmin) / (1.0 - exp(-p->p_ltd / a));
    int32_t minus = -1;
    for (int m = 1; m <= 100; m++) {
        xb_assert_ok(xb_devices_pulse(d, &minus, (uint64_t)(1000 + m)));
        double pos = p->p_ltd - m;
        double expect = -b * (1.0 - exp((pos - p->p_ltd) / a)) + p->gmax;
        xb_assert_close(xb_devices_conductances(d)[0], expect, PULSE_CHAIN_RTOL, 0.0);
    }
    xb_devices_free(d);
}

/* A linear label (NL = 0) gives equal steps (Gmax - Gmin)/P_max. */
static void test_devices_neurosim__linear_label(void **state)
{
    (void)state;
    xb_device_neurosim_params p = *(const xb_device_neurosim_params *)xb_device_neurosim->default_params;
    p.nl_ltp = 0.0;
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.type = xb_device_neurosim;
    cfg.params = &p;
    xb_devices *d = make(&cfg, 1, 1);
    int32_t n = 13;
    xb_assert_ok(xb_devices_pulse(d, &n, 0));
    xb_assert_close(xb_devices_conductances(d)[0], p.gmin + 13.0 * (p.gmax - p.gmin) / p.p_ltp,
                    XB_TOL_EXACT, 0.0);
    xb_devices_free(d);
}

/* ---------------------------------------------------------------- ideal */

static void test_devices_ideal__constant_step_and_levels(void **state)
{
    (void)state;
    xb_device_ideal_params p = {.gmin = 1.37e-7, .gmax = 4.91e-6, .levels = 9.0};
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.params = &p; /* type NULL = ideal */
    xb_devices *d = make(&cfg, 3, 1);
    assert_ptr_equal(xb_devices_type(d), xb_device_ideal);
    double step = (p.gmax - p.gmin) / 8.0;
    assert_true(xb_devices_pulses_full_range(d) == 8.0);
    int32_t np[3] = {3, 8, 20};
    xb_assert_ok(xb_devices_pulse(d, np, 0));
    const double *g = xb_devices_conductances(d);
    xb_assert_close(g[0], p.gmin + 3.0 * step, XB_TOL_EXACT, 0.0);
    xb_assert_close(g[1], p.gmax, XB_TOL_EXACT, 0.0);
    assert_true(g[2] == p.gmax);
    /* programming lands on the nearest level, clipped to the range */
    double target[3] = {p.gmin + 2.4 * step, p.gmin + 2.6 * step, -1.0};
    xb_assert_ok(xb_devices_program(d, target));
    xb_assert_close(g[0], p.gmin + 2.0 * step, XB_TOL_EXACT, 0.0);
    xb_assert_close(g[1], p.gmin + 3.0 * step, XB_TOL_EXACT, 0.0);
    assert_true(g[2] == p.gmin);
    xb_devices_free(d);
}

/* ---------------------------------------------------------- nonidealities */

/* cfg.levels quantises a continuous model onto `levels` levels of each device's range. */
static void test_devices_block__levels_quantise(void **state)
{
    (void)state;
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.type = xb_device_neurosim;
    cfg.levels = 8;
    cfg.c2c = 0.035;
    enum { N = 200 };
    xb_devices *d = make(&cfg, N, 5);
    double gmin, gmax, target[N];
    xb_devices_nominal_range(d, &gmin, &gmax);
    for (int k = 0; k < N; k++) {
        target[k] = gmin + (gmax - gmin) * (k + 0.37) / N;
    }
    xb_assert_ok(xb_devices_program(d, target));
    int32_t np[N];
    for (int round = 0; round < 3; round++) {
        const double *g = xb_devices_conductances(d);
        for (int k = 0; k < N; k++) {
            double lev = (g[k] - gmin) / (gmax - gmin) * 7.0;
            xb_assert_close(lev, nearbyint(lev), 0.0, XB_TOL_EXACT * 8.0);
            np[k] = (int32_t)(k % 7) - 3;
        }
        xb_assert_ok(xb_devices_pulse(d, np, (uint64_t)round));
    }
    xb_devices_free(d);
}

static void test_devices_block__stuck_never_move(void **state)
{
    (void)state;
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.type = xb_device_neurosim;
    cfg.stuck_min_frac = 0.1;
    cfg.stuck_max_frac = 0.05;
    cfg.c2c = 0.035;
    cfg.d2d_gbounds = 0.1;
    enum { N = 20000 };
    xb_devices *d = make(&cfg, N, 11);
    double *target = malloc(N * sizeof *target);
    int32_t *np = malloc(N * sizeof *np);
    assert_non_null(target);
    assert_non_null(np);
    size_t nmin = 0, nmax = 0;
    for (size_t k = 0; k < N; k++) {
        double lo, hi;
        xb_assert_ok(xb_devices_device_bounds(d, k, &lo, &hi));
        double g = xb_devices_conductances(d)[k];
        if (xb_devices_is_stuck(d, k)) {
            nmin += g == lo;
            nmax += g == hi;
            assert_true(g == lo || g == hi);
        }
        target[k] = 0.5 * (lo + hi);
    }
    /* fractions within ~5 binomial standard errors */
    xb_assert_close((double)nmin / N, 0.1, 0.0, XB_TOL_STAT);
    xb_assert_close((double)nmax / N, 0.05, 0.0, XB_TOL_STAT);
    double *before = malloc(N * sizeof *before);
    assert_non_null(before);
    memcpy(before, xb_devices_conductances(d), N * sizeof *before);
    xb_assert_ok(xb_devices_program(d, target));
    for (int ev = 0; ev < 5; ev++) {
        fill_i32(np, N, ev % 2 ? -40 : 60);
        xb_assert_ok(xb_devices_pulse(d, np, (uint64_t)ev));
        for (size_t k = 0; k < N; k++) {
            if (xb_devices_is_stuck(d, k)) {
                assert_true(xb_devices_conductances(d)[k] == before[k]);
            }
        }
    }
    free(before);
    free(target);
    free(np);
    xb_devices_free(d);
}

static void mean_sd(const double *x, size_t n, double *mean, double *sd)
{
    double s = 0.0, s2 = 0.0;
    for (size_t k = 0; k < n; k++) {
        s += x[k];
    }
    *mean = s / (double)n;
    for (size_t k = 0; k < n; k++) {
        s2 += (x[k] - *mean) * (x[k] - *mean);
    }
    *sd = sqrt(s2 / (double)(n - 1));
}

/* d2d: Gmin/Gmax normal with relative sd 0.1; nl_ltp lognormal with mean NL and
 * relative sd 0.2; 1e5 devices. */
static void test_devices_block__d2d_statistics(void **state)
{
    (void)state;
    enum { N = 100000 };
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.type = xb_device_neurosim;
    cfg.d2d_gbounds = 0.1;
    snprintf(cfg.d2d[0].param, sizeof cfg.d2d[0].param, "nl_ltp");
    cfg.d2d[0].sigma = 0.2;
    cfg.d2d[0].dist = XB_DIST_LOGNORMAL;
    cfg.n_d2d = 1;
    xb_devices *d = make(&cfg, N, 2024);
    const xb_device_neurosim_params *nom = xb_device_neurosim->default_params;
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *z = malloc(N * sizeof *z);
    assert_non_null(x);
    assert_non_null(y);
    assert_non_null(z);
    for (size_t k = 0; k < N; k++) {
        const xb_device_neurosim_params *p = xb_devices_params(d, k);
        x[k] = p->gmax / nom->gmax;
        y[k] = p->gmin / nom->gmin;
        z[k] = p->nl_ltp / nom->nl_ltp;
        assert_true(p->nl_ltp > 0.0);
        assert_true(xb_devices_conductances(d)[k] == p->gmin);
    }
    /* standardised: mean 0 and sd 1 within XB_TOL_STAT */
    double m, s;
    mean_sd(x, N, &m, &s);
    xb_assert_close((m - 1.0) / 0.1, 0.0, 0.0, XB_TOL_STAT);
    xb_assert_close(s / 0.1, 1.0, 0.0, XB_TOL_STAT);
    mean_sd(y, N, &m, &s);
    xb_assert_close((m - 1.0) / 0.1, 0.0, 0.0, XB_TOL_STAT);
    xb_assert_close(s / 0.1, 1.0, 0.0, XB_TOL_STAT);
    mean_sd(z, N, &m, &s);
    xb_assert_close((m - 1.0) / 0.2, 0.0, 0.0, XB_TOL_STAT);
    xb_assert_close(s / 0.2, 1.0, 0.0, XB_TOL_STAT);
    assert_null(xb_devices_params(d, N));
    free(x);
    free(y);
    free(z);
    xb_devices_free(d);
}

/* c2c: (G_noisy - G_clean)/(c2c (Gmax - Gmin) sqrt|n|) ~ N(0, 1) (§5.1, NeuroSim). */
static void test_devices_block__c2c_statistics(void **state)
{
    (void)state;
    enum { N = 100000 };
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.type = xb_device_neurosim;
    xb_devices *clean = make(&cfg, N, 9);
    cfg.c2c = 0.01;
    xb_devices *noisy = make(&cfg, N, 9);
    double gmin, gmax;
    xb_devices_nominal_range(clean, &gmin, &gmax);
    double *t = malloc(N * sizeof *t), *z = malloc(N * sizeof *z);
    int32_t *np = malloc(N * sizeof *np);
    assert_non_null(t);
    assert_non_null(z);
    assert_non_null(np);
    for (size_t k = 0; k < N; k++) {
        t[k] = gmin + 0.45 * (gmax - gmin);
        np[k] = (k % 2) ? 4 : -4;
    }
    xb_assert_ok(xb_devices_program(clean, t));
    xb_assert_ok(xb_devices_program(noisy, t));
    xb_assert_ok(xb_devices_pulse(clean, np, 17));
    xb_assert_ok(xb_devices_pulse(noisy, np, 17));
    for (size_t k = 0; k < N; k++) {
        z[k] = (xb_devices_conductances(noisy)[k] - xb_devices_conductances(clean)[k]) /
               (cfg.c2c * (gmax - gmin) * 2.0);
    }
    double m, s;
    mean_sd(z, N, &m, &s);
    xb_assert_close(m, 0.0, 0.0, XB_TOL_STAT);
    xb_assert_close(s, 1.0, 0.0, XB_TOL_STAT);
    free(t);
    free(z);
    free(np);
    xb_devices_free(clean);
    xb_devices_free(noisy);
}

/* Turning read noise, c2c or stuck cells on leaves the d2d draws unchanged;
 * c2c of device k at event e does not depend on the block size or on earlier events. */
static void test_devices_block__streams_independent(void **state)
{
    (void)state;
    enum { N = 64 };
    xb_device_config base = XB_DEVICE_CONFIG_INIT;
    base.type = xb_device_neurosim;
    base.d2d_gbounds = 0.05;
    xb_devices *a = make(&base, N, 77);
    xb_device_config more = base;
    more.read_noise = 0.03;
    more.c2c = 0.02;
    more.stuck_max_frac = 0.2;
    more.levels = 16;
    xb_devices *b = make(&more, N, 77);
    for (size_t k = 0; k < N; k++) {
        double a0, a1, b0, b1;
        xb_assert_ok(xb_devices_device_bounds(a, k, &a0, &a1));
        xb_assert_ok(xb_devices_device_bounds(b, k, &b0, &b1));
        assert_true(a0 == b0 && a1 == b1);
    }
    assert_true(xb_devices_read_noise(b) == 0.03);
    xb_devices_free(a);
    xb_devices_free(b);

    xb_device_config c = XB_DEVICE_CONFIG_INIT;
    c.type = xb_device_neurosim;
    c.c2c = 0.02;
    xb_devices *small = make(&c, 8, 5), *big = make(&c, 1000, 5);
    double gmin, gmax, t[1000];
    int32_t np[1000];
    xb_devices_nominal_range(small, &gmin, &gmax);
    for (int k = 0; k < 1000; k++) {
        t[k] = gmin + 0.5 * (gmax - gmin);
        np[k] = 3;
    }
    xb_assert_ok(xb_devices_pulse(big, np, 2)); /* an earlier event on big only */
    xb_assert_ok(xb_devices_program(small, t));
    xb_assert_ok(xb_devices_program(big, t));
    xb_assert_ok(xb_devices_pulse(small, np, 9));
    xb_assert_ok(xb_devices_pulse(big, np, 9));
    for (int k = 0; k < 8; k++) {
        assert_true(xb_devices_conductances(small)[k] == xb_devices_conductances(big)[k]);
    }
    assert_true(xb_devices_conductances(small)[0] != xb_devices_conductances(small)[1]);
    xb_devices_free(small);
    xb_devices_free(big);
}

/* §8 check 7: nu = 0.049 at t = t0 + 1 day with t0 = 20 s gives (86420/20)^-0.049 = 0.663;
 * read noise: (G_read/G_drift - 1)/sd ~ N(0, 1), and turning c2c on leaves the reads unchanged. */
static void test_devices_block__drift_and_read_noise(void **state)
{
    (void)state;
    enum { N = 100000 };
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.type = xb_device_neurosim;
    cfg.drift_nu = 0.049;
    cfg.drift_t0 = 20.0;
    cfg.read_noise = 0.0289; /* NeuroSim MeasuredDevice sigma_read (§5.1) */
    xb_devices *d = make(&cfg, N, 4);
    xb_assert_close(xb_devices_drift_factor(d, 86420.0), 0.663, DRIFT_PRINT_RTOL, 0.0);
    assert_true(xb_devices_drift_factor(d, 5.0) == 1.0);
    double *g = malloc(N * sizeof *g), *z = malloc(N * sizeof *z), *g2 = malloc(N * sizeof *g2);
    assert_non_null(g);
    assert_non_null(z);
    assert_non_null(g2);
    xb_assert_ok(xb_devices_read(d, 86420.0, 7, g));
    double f = xb_devices_drift_factor(d, 86420.0);
    for (size_t k = 0; k < N; k++) {
        z[k] = (g[k] / (xb_devices_conductances(d)[k] * f) - 1.0) / cfg.read_noise;
    }
    double m, s;
    mean_sd(z, N, &m, &s);
    xb_assert_close(m, 0.0, 0.0, XB_TOL_STAT);
    xb_assert_close(s, 1.0, 0.0, XB_TOL_STAT);
    cfg.c2c = 0.05;
    xb_devices *e = make(&cfg, N, 4);
    xb_assert_ok(xb_devices_read(e, 86420.0, 7, g2));
    assert_memory_equal(g, g2, N * sizeof *g);
    xb_assert_error(xb_devices_read(e, -1.0, 0, g2), XB_EINVAL, "read time (-1");
    free(g);
    free(z);
    free(g2);
    xb_devices_free(d);
    xb_devices_free(e);
}

/* Per-device drift exponents: nu_k = |nu (1 + sd xi)|, mean nu and sd nu*sd
 * (no folding at sd 0.2: |.| acts 5 sigma out); each read uses its own nu_k. */
static void test_devices_block__drift_d2d(void **state)
{
    (void)state;
    enum { N = 100000 };
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.drift_nu = 0.049; /* §5.3 at g = g_max */
    cfg.drift_t0 = 20.0;
    cfg.drift_nu_d2d = 0.2;
    xb_devices *d = make(&cfg, N, 8);
    double *z = malloc(N * sizeof *z), *g = malloc(N * sizeof *g);
    assert_non_null(z);
    assert_non_null(g);
    for (size_t k = 0; k < N; k++) {
        z[k] = (xb_devices_drift_nu(d, k) / 0.049 - 1.0) / 0.2;
    }
    double m, s;
    mean_sd(z, N, &m, &s);
    xb_assert_close(m, 0.0, 0.0, XB_TOL_STAT);
    xb_assert_close(s, 1.0, 0.0, XB_TOL_STAT);
    xb_assert_ok(xb_devices_read(d, 86420.0, 0, g));
    for (size_t k = 0; k < N; k += 997) {
        xb_assert_close(g[k], xb_devices_conductances(d)[k] * pow(86420.0 / 20.0, -xb_devices_drift_nu(d, k)),
                        XB_TOL_EXACT, 0.0);
    }
    free(z);
    free(g);
    xb_devices_free(d);
}

static void test_devices_block__errors(void **state)
{
    (void)state;
    xb_devices *d = NULL;
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.levels = 1;
    xb_assert_error(xb_devices_create(&d, &cfg, 4, 1, 0), XB_EINVAL, "levels (1)");
    cfg = (xb_device_config)XB_DEVICE_CONFIG_INIT;
    cfg.stuck_min_frac = 0.7;
    cfg.stuck_max_frac = 0.6;
    xb_assert_error(xb_devices_create(&d, &cfg, 4, 1, 0), XB_EINVAL, "stuck");
    cfg = (xb_device_config)XB_DEVICE_CONFIG_INIT;
    xb_assert_error(xb_devices_create(&d, &cfg, 0, 1, 0), XB_EINVAL, "device count (0)");
    cfg.c2c = -0.1;
    xb_assert_error(xb_devices_create(&d, &cfg, 4, 1, 0), XB_EINVAL, "c2c (-0.1)");
    cfg = (xb_device_config)XB_DEVICE_CONFIG_INIT;
    cfg.type = xb_device_neurosim;
    snprintf(cfg.d2d[0].param, sizeof cfg.d2d[0].param, "nl_foo");
    cfg.d2d[0].sigma = 0.1;
    cfg.n_d2d = 1;
    xb_assert_error(xb_devices_create(&d, &cfg, 4, 1, 0), XB_ENOTFOUND, "nl_foo");
    snprintf(cfg.d2d[0].param, sizeof cfg.d2d[0].param, "gmax");
    cfg.d2d_gbounds = 0.1;
    xb_assert_error(xb_devices_create(&d, &cfg, 4, 1, 0), XB_EINVAL, "'gmax' is given twice");
    xb_device_neurosim_params p = *(const xb_device_neurosim_params *)xb_device_neurosim->default_params;
    p.nl_ltd = -12.0;
    cfg = (xb_device_config)XB_DEVICE_CONFIG_INIT;
    cfg.type = xb_device_neurosim;
    cfg.params = &p;
    xb_assert_error(xb_devices_create(&d, &cfg, 4, 1, 0), XB_EINVAL, "nl_ltd (-12)");
    p.nl_ltd = -4.88;
    p.gmax = p.gmin * 0.5;
    xb_assert_error(xb_devices_create(&d, &cfg, 4, 1, 0), XB_EINVAL, "gmax");
    xb_device_ideal_params ip = {.gmin = 1e-7, .gmax = 1e-6, .levels = 2.5};
    cfg = (xb_device_config)XB_DEVICE_CONFIG_INIT;
    cfg.params = &ip;
    xb_assert_error(xb_devices_create(&d, &cfg, 4, 1, 0), XB_EINVAL, "levels (2.5)");
    assert_null(d);
    double a;
    xb_assert_error(xb_device_neurosim_a_norm(0.0, &a), XB_EINVAL, "NL (0)");

    cfg = (xb_device_config)XB_DEVICE_CONFIG_INIT;
    d = make(&cfg, 2, 1);
    double bad[2] = {1e-6, NAN};
    xb_assert_error(xb_devices_program(d, bad), XB_EINVAL, "device 1");
    double lo, hi;
    xb_assert_error(xb_devices_device_bounds(d, 2, &lo, &hi), XB_EINVAL, "index 2");
    xb_devices_free(d);

    assert_ptr_equal(xb_device_model_find("neurosim"), xb_device_neurosim);
    assert_ptr_equal(xb_device_model_find("ideal"), xb_device_ideal);
    assert_null(xb_device_model_find("nope"));
    assert_ptr_equal(xb_device_model_find("softbounds"), xb_device_soft_bounds);
    assert_ptr_equal(xb_device_model_find("expstep"), xb_device_exp_step);
    assert_null(xb_device_model_find(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devices_neurosim__a_norm_table),
        cmocka_unit_test(test_devices_neurosim__defaults_derived),
        cmocka_unit_test(test_devices_neurosim__ltp_full_range_exact),
        cmocka_unit_test(test_devices_neurosim__steps_closed_form),
        cmocka_unit_test(test_devices_neurosim__linear_label),
        cmocka_unit_test(test_devices_ideal__constant_step_and_levels),
        cmocka_unit_test(test_devices_block__levels_quantise),
        cmocka_unit_test(test_devices_block__stuck_never_move),
        cmocka_unit_test(test_devices_block__d2d_statistics),
        cmocka_unit_test(test_devices_block__c2c_statistics),
        cmocka_unit_test(test_devices_block__streams_independent),
        cmocka_unit_test(test_devices_block__drift_and_read_noise),
        cmocka_unit_test(test_devices_block__drift_d2d),
        cmocka_unit_test(test_devices_block__errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
