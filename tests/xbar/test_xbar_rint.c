/* xbar: the inline rounding of the DAC and ADC (xb__rint) equals libm's
 * nearbyint bit for bit (the reference), ties, signed zeros and the range
 * limits included. */
#include "xb_test.h"

#include <math.h>
#include <string.h>

#include "xbar/xbar_internal.h"

static void assert_same_bits(double v)
{
    double a = xb__rint(v), b = nearbyint(v);
    if (isnan(b)) {
        assert_true(isnan(a));
        return;
    }
    if (memcmp(&a, &b, sizeof a) != 0) {
        fail_msg("xb__rint(%a) = %a, nearbyint = %a", v, a, b);
    }
}

static void test_xbar_rint__equals_nearbyint(void **state)
{
    (void)state;
    const double special[] = {0.0, -0.0, 0.3, -0.3, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5,
                              0.49999999999999994, -0.49999999999999994, 127.5, -127.5,
                              2251799813685247.5, -2251799813685247.5, 2251799813685248.0,
                              2251799813685248.5, -2251799813685248.5, 4503599627370495.5,
                              4503599627370497.0, 1e300, -1e300, 5e-324, -5e-324,
                              INFINITY, -INFINITY, NAN};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) {
        assert_same_bits(special[i]);
    }
    for (int k = -300; k <= 300; k++) {
        assert_same_bits(k + 0.5); /* ties go to even */
        assert_same_bits(nextafter(k + 0.5, INFINITY));
        assert_same_bits(nextafter(k + 0.5, -INFINITY));
    }
    xb_rng r;
    xb_rng_init(&r, 4, XB_RNG_USER, 2);
    for (int i = 0; i < 200000; i++) {
        /* quantiser inputs: up to 2^(bits-1) levels, and far beyond */
        double u = 2.0 * xb_rng_uniform(&r) - 1.0;
        assert_same_bits(u * 127.0);
        assert_same_bits(u * ldexp(1.0, (int)(xb_rng_uniform(&r) * 60.0)));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xbar_rint__equals_nearbyint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
