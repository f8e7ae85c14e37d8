/* core: ziggurat normals (xb_rng_normal_zig_at, xb_rng_zig_word) against the
 * closed-form normal distribution. */
#include "xb_test.h"

/* N(0,1): mean 0, variance 1, fourth moment 3; the CDF 0.5 erfc(-x / sqrt 2)
 * at points inside the strips, in the wedges and beyond the tail start
 * R = 3.6541528853610088 (Marsaglia & Tsang 2000, 256 strips). */
static void test_core_rng__zig_matches_normal_cdf(void **state)
{
    (void)state;
    xb_rng r;
    xb_rng_init(&r, 11, XB_RNG_C2C, 3);
    const int n = 1000000;
    const double xs[] = {-3.0, -1.5, -0.4, 0.0, 0.7, 2.2};
    const int nx = (int)(sizeof xs / sizeof xs[0]);
    int below[6] = {0}, tail = 0;
    double s = 0, s2 = 0, s4 = 0;
    for (int i = 0; i < n; i++) {
        double z = xb_rng_normal_zig_at(&r, ((uint64_t)i << 32) + 17u);
        s += z;
        s2 += z * z;
        s4 += z * z * z * z;
        for (int j = 0; j < nx; j++) {
            below[j] += z < xs[j];
        }
        tail += fabs(z) > 3.6541528853610088;
    }
    double mean = s / n, var = s2 / n - mean * mean;
    assert_true(fabs(mean) < XB_TOL_STAT);
    assert_true(fabs(var - 1.0) < XB_TOL_STAT);
    assert_true(fabs(s4 / n - 3.0) < 10 * XB_TOL_STAT);
    for (int j = 0; j < nx; j++) {
        double p = 0.5 * erfc(-xs[j] / sqrt(2.0));
        /* 5 binomial standard errors */
        double se = sqrt(p * (1.0 - p) / n);
        assert_true(fabs((double)below[j] / n - p) < 5.0 * se + 1e-12);
    }
    /* both tails together: erfc(R / sqrt 2) = 2.58e-4, ~258 of 1e6 */
    double pt = erfc(3.6541528853610088 / sqrt(2.0));
    assert_true(fabs((double)tail - pt * n) < 5.0 * sqrt(pt * n));
}

/* A pure function of the position: the same value whatever the call order,
 * and a different stream (array) gives different draws. */
static void test_core_rng__zig_pure_in_position(void **state)
{
    (void)state;
    xb_rng r, o;
    xb_rng_init(&r, 5, XB_RNG_C2C, 0);
    xb_rng_init(&o, 5, XB_RNG_C2C, 1);
    double fwd[64];
    for (int i = 0; i < 64; i++) {
        fwd[i] = xb_rng_normal_zig_at(&r, (uint64_t)i);
    }
    int differ = 0;
    for (int i = 63; i >= 0; i--) {
        assert_true(xb_rng_normal_zig_at(&r, (uint64_t)i) == fwd[i]);
        differ += xb_rng_normal_zig_at(&o, (uint64_t)i) != fwd[i];
    }
    assert_true(differ == 64);
}

/* The word form (four draws per block, as the read noise uses it) follows the
 * same distribution. */
static void test_core_rng__zig_word_moments(void **state)
{
    (void)state;
    static double zx[XB_RNG_ZIG_N + 1], zr[XB_RNG_ZIG_N];
    xb_rng_zig_tables(zx, zr);
    /* closed-form ends of the table: zx[1] = R, zx[256] = 0 */
    assert_true(zx[1] == 3.6541528853610088 && zx[XB_RNG_ZIG_N] == 0.0);
    xb_rng r;
    xb_rng_init(&r, 13, XB_RNG_READ, 2);
    const int nb = 50000;
    double s = 0, s2 = 0;
    for (int b = 0; b < nb; b++) {
        uint32_t w[4];
        xb_rng_u32x4_at(&r, (uint64_t)b, w);
        for (int q = 0; q < 4; q++) {
            const uint64_t fpos = ((uint64_t)1 << 63) + (((uint64_t)b * 4 + (uint64_t)q) << 6);
            double z = xb_rng_zig_word(&r, zx, zr, w[q], fpos);
            s += z;
            s2 += z * z;
        }
    }
    double n = 4.0 * nb, mean = s / n;
    assert_true(fabs(mean) < XB_TOL_STAT);
    assert_true(fabs(s2 / n - mean * mean - 1.0) < XB_TOL_STAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_rng__zig_matches_normal_cdf),
        cmocka_unit_test(test_core_rng__zig_pure_in_position),
        cmocka_unit_test(test_core_rng__zig_word_moments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
