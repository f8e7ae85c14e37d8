/* reports: replicate statistics and number formatting, against hand values
 * and a published table of Student's t. */
#include "xb_test.h"

#include "reports/reports.h"

/* Printed tables give t to three decimals: half a unit of the last digit. */
#define TOL_TABLE3 5e-4

/* t_{0.975, df} from the NIST/SEMATECH e-Handbook of Statistical Methods,
 * section 1.3.6.7.2 "Critical values of the Student's t distribution"
 * (upper-tail 0.025 column). */
static void test_reports_stats_t__matches_published_table(void **state)
{
    (void)state;
    static const struct {
        double df, t;
    } table[] = {{1, 12.706}, {2, 4.303}, {3, 3.182}, {4, 2.776}, {5, 2.571},
                 {9, 2.262},  {10, 2.228}, {20, 2.086}, {29, 2.045}, {100, 1.984}};
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++) {
        double t;
        xb_assert_ok(xb_student_t_quantile(&t, 0.975, table[k].df));
        xb_assert_close(t, table[k].t, 0.0, TOL_TABLE3);
    }
    /* the 0.95 column: t_{0.95, 1} = 6.314 (same table) */
    double t;
    xb_assert_ok(xb_student_t_quantile(&t, 0.95, 1.0));
    xb_assert_close(t, 6.314, 0.0, TOL_TABLE3);
    /* df = 1 is the Cauchy distribution: quantile tan(pi (p - 1/2)) in closed form */
    xb_assert_ok(xb_student_t_quantile(&t, 0.975, 1.0));
    xb_assert_close(t, tan(M_PI * 0.475), XB_TOL_SOLVER, 0.0);
    /* df = 2 has the closed form t = (2p - 1) sqrt(2 / (4 p (1 - p))) */
    xb_assert_ok(xb_student_t_quantile(&t, 0.9, 2.0));
    xb_assert_close(t, 0.8 * sqrt(2.0 / (4.0 * 0.9 * 0.1)), XB_TOL_SOLVER, 0.0);
    /* symmetry */
    double lo;
    xb_assert_ok(xb_student_t_quantile(&lo, 0.1, 2.0));
    xb_assert_close(lo, -t, XB_TOL_EXACT, 0.0);
}

static void test_reports_stats_t__rejects_bad_arguments(void **state)
{
    (void)state;
    double t;
    xb_assert_error(xb_student_t_quantile(&t, 1.0, 3.0), XB_EINVAL, "probability (1)");
    xb_assert_error(xb_student_t_quantile(&t, 0.5, 0.0), XB_EINVAL, "degrees of freedom (0)");
}

/* {0.81, 0.83, 0.85}: mean 0.83, deviations ±0.02 and 0, so
 * std = sqrt((0.0004 + 0 + 0.0004) / 2) = 0.02 and the 95 % CI half-width is
 * 4.303 * 0.02 / sqrt(3) = 0.049687 (t from the table above). */
static void test_reports_stats_summary__three_seeds_by_hand(void **state)
{
    (void)state;
    const double x[] = {0.81, 0.83, 0.85};
    xb_summary s;
    xb_assert_ok(xb_summary_compute(&s, x, 3));
    assert_int_equal(s.n, 3);
    xb_assert_close(s.mean, 0.83, XB_TOL_EXACT, 0.0);
    xb_assert_close(s.std, 0.02, XB_TOL_EXACT, 0.0);
    xb_assert_close(s.ci95, 4.303 * 0.02 / sqrt(3.0), 0.0, TOL_TABLE3 * 0.02 / sqrt(3.0));
}

/* {0.70, 0.74, 0.75, 0.60, 0.64}: sum 3.43, mean 0.686; squared deviations
 * 0.000196 + 0.002916 + 0.004096 + 0.007396 + 0.002116 = 0.01672, /4 ->
 * std = sqrt(0.00418) = 0.0646529. */
static void test_reports_stats_summary__five_values_by_hand(void **state)
{
    (void)state;
    const double x[] = {0.70, 0.74, 0.75, 0.60, 0.64};
    xb_summary s;
    xb_assert_ok(xb_summary_compute(&s, x, 5));
    xb_assert_close(s.mean, 0.686, XB_TOL_EXACT, 0.0);
    xb_assert_close(s.std, sqrt(0.00418), XB_TOL_EXACT, 0.0);
    xb_assert_close(s.ci95, 2.776 * sqrt(0.00418) / sqrt(5.0), 0.0,
                    TOL_TABLE3 * sqrt(0.00418) / sqrt(5.0));
}

static void test_reports_stats_summary__one_and_no_seed(void **state)
{
    (void)state;
    const double x[] = {0.731};
    xb_summary s;
    xb_assert_ok(xb_summary_compute(&s, x, 1));
    xb_assert_close(s.mean, 0.731, XB_TOL_EXACT, 0.0);
    assert_true(s.std == 0.0);
    assert_true(isnan(s.ci95)); /* one seed: no interval */
    xb_assert_ok(xb_summary_compute(&s, x, 0));
    assert_int_equal(s.n, 0);
    assert_true(isnan(s.mean));
}

static void check_fmt(double mean, double std, int latex, const char *want)
{
    char buf[128];
    xb_format_mean_std(buf, sizeof buf, mean, std, latex);
    assert_string_equal(buf, want);
}

/* std to two significant digits, mean to the same place. */
static void test_reports_stats_format__digits_follow_the_spread(void **state)
{
    (void)state;
    check_fmt(0.83, 0.02, 0, "0.830 ± 0.020");
    check_fmt(0.8534, 0.0123, 0, "0.853 ± 0.012");
    check_fmt(0.8534, 0.00123, 0, "0.8534 ± 0.0012");
    check_fmt(0.5, 0.0996, 0, "0.50 ± 0.10"); /* 0.0996 rounds up a decade */
    check_fmt(1234.5, 123.0, 0, "1230 ± 120");
    check_fmt(0.8, 0.0, 0, "0.8000"); /* no spread: four significant digits */
    check_fmt(0.83, 0.02, 1, "\\num{0.830 \\pm 0.020}");
    /* outside [1e-3, 1e5): one shared power of ten */
    check_fmt(6.6e-4, 3.0e-5, 0, "(6.60 ± 0.30)e-4");
    check_fmt(6.6e-4, 3.0e-5, 1, "\\num{6.60 \\pm 0.30 e-4}");
    check_fmt(4.5e-6, 0.0, 0, "4.500e-6");
    check_fmt(123456.0, 2345.0, 0, "(1.235 ± 0.023)e5");
    assert_int_equal(xb_format_exponent(0.83, 0.02), 0);
    assert_int_equal(xb_format_decimals(0.83, 0.02), 3);
    assert_int_equal(xb_format_decimals(1234.5, 123.0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reports_stats_t__matches_published_table),
        cmocka_unit_test(test_reports_stats_t__rejects_bad_arguments),
        cmocka_unit_test(test_reports_stats_summary__three_seeds_by_hand),
        cmocka_unit_test(test_reports_stats_summary__five_values_by_hand),
        cmocka_unit_test(test_reports_stats_summary__one_and_no_seed),
        cmocka_unit_test(test_reports_stats_format__digits_follow_the_spread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
