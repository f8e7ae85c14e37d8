/* xbar: the pulse counts of XB_UPDATE_PULSES for whole-pulse changes, where
 * stochastic rounding has nothing to round (fraction 0): n = dw / dw_pulse
 * exactly, clipped to ±max_pulses (docs/xbar.md "Updates"). Rows of odd
 * length exercise the two-at-a-time rounding loop and its scalar tail;
 * extreme, signed-zero and non-finite values its masks. Reference: the
 * counts written out by hand, checked through the pulse counter and the
 * weights of the ideal device (one pulse = one weight unit here). */
#include "xb_test.h"

#include <math.h>

#include "xbar/xbar.h"

enum { N_IN = 7, N_OUT = 3 };

/* Ideal device (64 levels, P_max = 63) with w_max = 63: dw_pulse = 1 exactly. */
static xb_xbar *make(void)
{
    xb_xbar_config c = XB_XBAR_CONFIG_INIT;
    c.n_in = N_IN;
    c.n_out = N_OUT;
    c.w_max = 63.0;
    c.seed = 3;
    xb_xbar *x = NULL;
    xb_assert_ok(xb_xbar_create(&x, &c));
    assert_true(xb_xbar_dw_pulse(x) == 1.0);
    double w0[N_IN * N_OUT] = {0};
    xb_assert_ok(xb_xbar_program(x, w0));
    return x;
}

static void test_xbar_round__whole_pulses_are_exact(void **state)
{
    (void)state;
    xb_xbar *x = make();
    /* max_pulses defaults to 4 P_max = 252: 1e12 and -1e300 clip to it */
    const double dw[N_IN * N_OUT] = {0.0,  1.0,  -1.0, 2.0,   -3.0,   -0.0, 5.0,
                                     17.0, -9.0, 1e12, 0.0,   -1e300, 4.0,  -4.0,
                                     6.0,  0.0,  -0.0, -62.0, 63.0,   1.0,  -2.0};
    const double expect_n[N_IN * N_OUT] = {0,  1,  -1, 2,   -3,  0, 5, 17, -9, 252, 0,
                                           -252, 4, -4, 6, 0, 0, -62, 63, 1, -2};
    xb_assert_ok(xb_xbar_update(x, dw));
    xb_xbar_counters cnt;
    xb_xbar_counters_get(x, &cnt);
    uint64_t total = 0;
    for (int k = 0; k < N_IN * N_OUT; k++) {
        total += (uint64_t)fabs(expect_n[k]);
    }
    assert_int_equal(cnt.pulses, total);
    double w[N_IN * N_OUT];
    xb_assert_ok(xb_xbar_weights(x, w));
    for (int k = 0; k < N_IN * N_OUT; k++) {
        /* from 0, a pair moves n levels; beyond the range it stops at ±w_max */
        double e = fmax(-63.0, fmin(63.0, expect_n[k]));
        xb_assert_close(w[k], e, XB_TOL_EXACT, XB_TOL_EXACT);
    }
    xb_xbar_free(x);
}

static void test_xbar_round__non_finite_change_names_its_place(void **state)
{
    (void)state;
    xb_xbar *x = make();
    double dw[N_IN * N_OUT] = {0};
    dw[9] = INFINITY; /* row 1, column 2: inside the two-at-a-time loop */
    xb_assert_error(xb_xbar_update(x, dw), XB_EINVAL, "dw 9 (row 1, column 2) is inf");
    dw[9] = 0.0;
    dw[13] = -INFINITY; /* row 1, column 6: the scalar tail of an odd row */
    xb_assert_error(xb_xbar_update(x, dw), XB_EINVAL, "dw 13 (row 1, column 6) is -inf");
    xb_xbar_counters cnt;
    xb_xbar_counters_get(x, &cnt);
    assert_int_equal(cnt.pulses, 0); /* nothing written */
    xb_xbar_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xbar_round__whole_pulses_are_exact),
        cmocka_unit_test(test_xbar_round__non_finite_change_names_its_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
