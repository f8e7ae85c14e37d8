/* core: status strings, last error, counter-based streams, atomic files. */
#include "xb_test.h"

#include <stdlib.h>
#include <unistd.h>

static void test_core_status__strings_come_from_one_list(void **state)
{
    (void)state;
    assert_string_equal(xb_strerror(XB_OK), "ok");
    assert_string_equal(xb_strerror(XB_EDIM), "dimension mismatch");
    assert_string_equal(xb_strerror(XB_EINTERNAL), "internal error (bug)");
    assert_string_equal(xb_strerror(-12345), "unknown status");
}

static int needs_positive(int rows)
{
    XB_ASSERT_ARG(rows > 0);
    return XB_OK;
}

static void test_core_error__message_names_the_argument(void **state)
{
    (void)state;
    xb_assert_error(needs_positive(-3), XB_EINVAL, "rows > 0");
    xb_assert_error(xb__error_set(XB_EDIM, "rows (%d) must match (%d)", 3, 4), XB_EDIM,
                    "rows (3) must match (4)");
    xb__error_prefix(XB_EDIM, "layer 2: ");
    assert_string_equal(xb_last_error(), "layer 2: rows (3) must match (4)");
    xb_error_clear();
    assert_string_equal(xb_last_error(), "");
}

static void test_core_rng__pure_function_of_key_and_position(void **state)
{
    (void)state;
    xb_rng a, b;
    xb_rng_init(&a, 42, XB_RNG_C2C, 3);
    xb_rng_init(&b, 42, XB_RNG_C2C, 3);
    /* drawing from b in a different order gives the same values by position */
    double a0 = xb_rng_uniform(&a), a1 = xb_rng_uniform(&a), a2 = xb_rng_uniform(&a);
    assert_true(xb_rng_uniform_at(&b, 2) == a2);
    assert_true(xb_rng_uniform_at(&b, 0) == a0);
    assert_true(xb_rng_uniform_at(&b, 1) == a1);
    /* another purpose, array or seed is another stream */
    xb_rng c;
    xb_rng_init(&c, 42, XB_RNG_READ, 3);
    assert_true(xb_rng_uniform_at(&c, 0) != a0);
    xb_rng_init(&c, 42, XB_RNG_C2C, 4);
    assert_true(xb_rng_uniform_at(&c, 0) != a0);
    xb_rng_init(&c, 43, XB_RNG_C2C, 3);
    assert_true(xb_rng_uniform_at(&c, 0) != a0);
}

static void test_core_rng__pinned_value(void **state)
{
    (void)state;
    /* Philox4x32-10 known-answer vector from the Random123 distribution
     * (kat_vectors: philox4x32 10 with counter and key all zero). */
    xb_rng r;
    xb_rng_init(&r, 0, 0, 0);
    uint64_t x = xb_rng_u64(&r);
    assert_true(x == (((uint64_t)0x6627e8d5u << 32) | 0xe169c58du));
}

static void test_core_rng__normal_moments(void **state)
{
    (void)state;
    xb_rng r;
    xb_rng_init(&r, 7, XB_RNG_READ, 0);
    const int n = 100000;
    double s = 0, s2 = 0, s4 = 0;
    for (int i = 0; i < n; i++) {
        double z = xb_rng_normal(&r);
        s += z;
        s2 += z * z;
        s4 += z * z * z * z;
    }
    double mean = s / n, var = s2 / n - mean * mean;
    /* N(0,1): mean 0, variance 1, fourth moment 3 */
    assert_true(fabs(mean) < XB_TOL_STAT);
    assert_true(fabs(var - 1.0) < XB_TOL_STAT);
    assert_true(fabs(s4 / n - 3.0) < 10 * XB_TOL_STAT);
}

static void test_core_rng__uniform_open_interval_and_below(void **state)
{
    (void)state;
    xb_rng r;
    xb_rng_init(&r, 9, XB_RNG_SHUFFLE, 0);
    int counts[5] = {0};
    for (int i = 0; i < 50000; i++) {
        double u = xb_rng_uniform(&r);
        assert_true(u > 0.0 && u < 1.0);
        counts[xb_rng_below(&r, 5)]++;
    }
    for (int k = 0; k < 5; k++) {
        assert_in_range(counts[k], 9500, 10500); /* 10000 ± 5 sigma (sigma ≈ 89) */
    }
    size_t idx[10];
    for (size_t i = 0; i < 10; i++) {
        idx[i] = i;
    }
    xb_rng_shuffle(&r, idx, 10);
    size_t sum = 0;
    for (size_t i = 0; i < 10; i++) {
        sum += idx[i];
    }
    assert_int_equal(sum, 45); /* a permutation keeps the set */
}

static void test_core_files__atomic_write_and_read_back(void **state)
{
    (void)state;
    char dir[] = "/tmp/xbtestXXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[256], path[300];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    xb_assert_ok(xb_mkdirs(sub));
    snprintf(path, sizeof path, "%s/f.txt", sub);
    xb_assert_ok(xb_file_write_atomic(path, "hello\n", 6));
    xb_assert_ok(xb_file_write_atomic(path, "world!\n", 7));
    char *data = NULL;
    size_t len = 0;
    xb_assert_ok(xb_file_read(path, &data, &len));
    assert_int_equal(len, 7);
    assert_string_equal(data, "world!\n");
    free(data);
    xb_assert_error(xb_file_read("/nonexistent/x.csv", &data, &len), XB_EIO, "/nonexistent/x.csv");
    unlink(path);
}

static void test_core_math__angle(void **state)
{
    (void)state;
    double a[2] = {1.0, 0.0}, b[2] = {0.0, 2.5}, c[2] = {-3.0, 0.0}, d[2] = {0.731, 0.731};
    xb_assert_close(xb_angle_deg(a, b, 2), 90.0, XB_TOL_EXACT, 0);
    xb_assert_close(xb_angle_deg(a, c, 2), 180.0, XB_TOL_EXACT, 0);
    xb_assert_close(xb_angle_deg(a, d, 2), 45.0, XB_TOL_EXACT, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_status__strings_come_from_one_list),
        cmocka_unit_test(test_core_error__message_names_the_argument),
        cmocka_unit_test(test_core_rng__pure_function_of_key_and_position),
        cmocka_unit_test(test_core_rng__pinned_value),
        cmocka_unit_test(test_core_rng__normal_moments),
        cmocka_unit_test(test_core_rng__uniform_open_interval_and_below),
        cmocka_unit_test(test_core_files__atomic_write_and_read_back),
        cmocka_unit_test(test_core_math__angle),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
