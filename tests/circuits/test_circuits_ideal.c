/* circuits: the ideal backend against a naive triple loop, and the lookup. */
#include "xb_test.h"

#include "circuits/circuits.h"

#include <stdlib.h>

/* Conductances between 1 uS and 100 uS, inputs in [-0.3, 0.3] V: high entropy. */
static void fill(double *x, size_t n, double lo, double hi, uint32_t array)
{
    xb_rng r;
    xb_rng_init(&r, 20261125, XB_RNG_USER, array);
    for (size_t k = 0; k < n; k++) {
        x[k] = lo + (hi - lo) * xb_rng_uniform(&r);
    }
}

static void check_shape(int rows, int cols, size_t nvec)
{
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = rows;
    c.cols = cols;
    double *g = malloc((size_t)rows * (size_t)cols * sizeof *g);
    size_t nmax = (size_t)(rows > cols ? rows : cols) * nvec;
    double *v = malloc(nmax * sizeof *v);
    double *i = malloc(nmax * sizeof *i);
    assert_non_null(g);
    assert_non_null(v);
    assert_non_null(i);
    fill(g, (size_t)rows * (size_t)cols, 1e-6, 1e-4, 1);
    fill(v, nmax, -0.3, 0.3, 2);

    void *ws = NULL;
    xb_assert_ok(xb_solver_ideal->create(&ws, &c));
    xb_assert_ok(xb_solver_ideal->setup(ws, g));
    for (int t = 0; t <= 1; t++) {
        int nin = t ? cols : rows, nout = t ? rows : cols;
        xb_assert_ok(xb_solver_ideal->solve(ws, t, v, nvec, i));
        for (size_t b = 0; b < nvec; b++) {
            for (int o = 0; o < nout; o++) {
                double ref = 0.0;
                for (int k = 0; k < nin; k++) {
                    double gk = t ? g[(size_t)o * (size_t)cols + (size_t)k]
                                  : g[(size_t)k * (size_t)cols + (size_t)o];
                    ref += gk * v[b * (size_t)nin + (size_t)k];
                }
                /* same sum, BLAS may reorder it: last bits only */
                xb_assert_close(i[b * (size_t)nout + (size_t)o], ref, XB_TOL_EXACT, 1e-20);
            }
        }
    }
    xb_solver_ideal->free(ws);
    free(g);
    free(v);
    free(i);
}

static void test_circuits_ideal__matches_naive_loop(void **state)
{
    (void)state;
    check_shape(1, 1, 1);
    check_shape(7, 3, 1);
    check_shape(3, 11, 5);
    check_shape(64, 48, 17);
}

static void test_circuits_ideal__errors(void **state)
{
    (void)state;
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    void *ws = NULL;
    c.rows = 0;
    c.cols = 4;
    xb_assert_error(xb_solver_ideal->create(&ws, &c), XB_EINVAL, "rows and cols");
    c.rows = 2;
    c.r_wire_row = -2.385;
    xb_assert_error(xb_solver_ideal->create(&ws, &c), XB_EINVAL, "r_wire_row");
    c.r_wire_row = 0.0;
    xb_assert_ok(xb_solver_ideal->create(&ws, &c));
    double v[2] = {0.731, 0.2}, i[4];
    xb_assert_error(xb_solver_ideal->solve(ws, 0, v, 1, i), XB_EINVAL, "before setup");
    double g[8] = {1e-5, 2e-5, 3e-5, 4e-5, 5e-5, -6e-5, 7e-5, 8e-5};
    xb_assert_error(xb_solver_ideal->setup(ws, g), XB_EINVAL, "g[5]");
    xb_solver_ideal->free(ws);
    xb_solver_ideal->free(NULL);
}

static void test_circuits_solver__find(void **state)
{
    (void)state;
    assert_ptr_equal(xb_solver_find("ideal"), xb_solver_ideal);
    assert_null(xb_solver_find("no-such-solver"));
    assert_null(xb_solver_find(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_circuits_ideal__matches_naive_loop),
        cmocka_unit_test(test_circuits_ideal__errors),
        cmocka_unit_test(test_circuits_solver__find),
    };
    return cmocka_run_group_tests_name("circuits_ideal", tests, NULL, NULL);
}
