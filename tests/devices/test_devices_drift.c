/* devices: xb_devices_drifted (devices/drift.c), the noiseless part of
 * xb_devices_read for readers that add the noise in output space.
 * 1. Generic drift with per-device exponents (device-models.md §5.3/§6):
 *    equal, bit for bit, to xb_devices_read with read noise off, and not a
 *    single factor (the exponents differ).
 * 2. The relative read variance without the PCM model is read_noise^2
 *    ((1 + 0)(1 + s^2) - 1), and the drift is the same as without noise.
 * 3. PCM statistical model: the mean of many noisy reads equals the noiseless
 *    drifted value (the 1/f noise has mean zero; the clip at 0 is 4 sd away
 *    at these targets), and the relative variance matches the sample variance
 *    of the reads (XB_TOL_STAT-scale tolerances, 4000 reads).
 * 4. Which blocks drift uniformly; a negative time is refused. */
#include "xb_test.h"

#include <math.h>
#include <stdlib.h>

#include "devices/devices.h"

enum { N = 64 };

static void test_devices_drift__d2d_equals_read_without_noise(void **state)
{
    (void)state;
    xb_device_config c = XB_DEVICE_CONFIG_INIT;
    c.drift_nu = 0.05;
    c.drift_t0 = 2.0;
    c.drift_nu_d2d = 0.3;
    xb_devices *d = NULL;
    xb_assert_ok(xb_devices_create(&d, &c, N, 9, 1));
    double tg[N], g1[N], g2[N], rv[N];
    for (int k = 0; k < N; k++) {
        tg[k] = 0.1 + 0.8 * k / (double)N;
    }
    xb_assert_ok(xb_devices_program(d, tg));
    assert_int_equal(xb_devices_drift_uniform(d), 0);
    xb_assert_ok(xb_devices_read(d, 5e3, 7, g1));
    xb_assert_ok(xb_devices_drifted(d, 5e3, g2, rv));
    assert_memory_equal(g1, g2, sizeof g1);
    const double *g0 = xb_devices_conductances(d);
    double r0 = g2[0] / g0[0], spread = 0.0;
    for (int k = 0; k < N; k++) {
        assert_true(rv[k] == 0.0);
        spread = fmax(spread, fabs(g2[k] / g0[k] - r0));
    }
    assert_true(spread > 0.01);
    xb_devices_free(d);
}

static void test_devices_drift__read_noise_variance(void **state)
{
    (void)state;
    xb_device_config c = XB_DEVICE_CONFIG_INIT;
    c.drift_nu = 0.05;
    c.drift_t0 = 2.0;
    c.drift_nu_d2d = 0.3;
    c.read_noise = 0.03;
    xb_devices *d = NULL;
    xb_assert_ok(xb_devices_create(&d, &c, N, 9, 1));
    double g[N], rv[N];
    xb_assert_ok(xb_devices_drifted(d, 5e3, g, rv));
    const double *g0 = xb_devices_conductances(d);
    for (int k = 0; k < N; k++) {
        xb_assert_close(rv[k], 0.03 * 0.03, XB_TOL_EXACT, 0.0);
        xb_assert_close(g[k], g0[k] * exp(-xb_devices_drift_nu(d, k) * log(5e3 / 2.0)),
                        XB_TOL_EXACT, 0.0);
    }
    xb_devices_free(d);
}

static void test_devices_drift__pcm_mean_and_variance_of_reads(void **state)
{
    (void)state;
    enum { R = 4000 };
    unsigned char params[XB_DEVICE_PARAMS_MAX];
    xb_device_config c;
    xb_assert_ok(xb_device_preset_config("pcm_nandakumar", &c, params));
    xb_devices *d = NULL;
    xb_assert_ok(xb_devices_create(&d, &c, 4, 3, 2));
    assert_int_equal(xb_devices_drift_uniform(d), 0);
    assert_int_equal(xb_devices_pcm_mode(d), XB_PCM_ON);
    double tg[4] = {5e-6, 10e-6, 15e-6, 25e-6}, g[4], rv[4], s1[4] = {0}, s2[4] = {0};
    xb_assert_ok(xb_devices_program(d, tg));
    xb_assert_ok(xb_devices_drifted(d, 86400.0, g, rv));
    double r[4];
    for (uint64_t e = 0; e < R; e++) {
        xb_assert_ok(xb_devices_read(d, 86400.0, e, r));
        for (int k = 0; k < 4; k++) {
            s1[k] += r[k];
            s2[k] += r[k] * r[k];
        }
    }
    for (int k = 0; k < 4; k++) {
        double m = s1[k] / R, v = (s2[k] - s1[k] * s1[k] / R) / (R - 1);
        /* mean: sd of the mean sqrt(rv / R) g, under 0.3 % here */
        xb_assert_close(m, g[k], XB_TOL_STAT, 0.0);
        /* variance: relative sd sqrt(2 / R) = 2.2 %, 4 sd */
        xb_assert_close(v, rv[k] * g[k] * g[k], 0.09, 0.0);
        assert_true(g[k] < xb_devices_conductances(d)[k]); /* it drifted down */
    }
    xb_devices_free(d);
}

static void test_devices_drift__uniform_and_errors(void **state)
{
    (void)state;
    xb_device_config c = XB_DEVICE_CONFIG_INIT;
    c.drift_nu = 0.05;
    xb_devices *d = NULL;
    xb_assert_ok(xb_devices_create(&d, &c, N, 9, 1));
    assert_int_equal(xb_devices_drift_uniform(d), 1);
    assert_int_equal(xb_devices_pcm_mode(d), XB_PCM_OFF);
    double g[N];
    xb_assert_error(xb_devices_drifted(d, -1.0, g, NULL), XB_EINVAL, "read time (-1 s)");
    xb_devices_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devices_drift__d2d_equals_read_without_noise),
        cmocka_unit_test(test_devices_drift__read_noise_variance),
        cmocka_unit_test(test_devices_drift__pcm_mean_and_variance_of_reads),
        cmocka_unit_test(test_devices_drift__uniform_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
