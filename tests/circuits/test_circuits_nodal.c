/* circuits: exact and fast nodal solvers against closed forms, the ideal
 * backend, reciprocity, and each other. */
#include "xb_test.h"

#include "circuits/circuits.h"

#include <stdlib.h>

/* Two different exact factorisations (CHOLMOD LL', KLU LU) or a factorisation
 * against a closed form evaluated in double: both are backward stable, and the
 * wire-dominated matrices here have condition numbers ~1e4-1e6. */
#define TOL_DIRECT 1e-10

static const xb_solver_type *const *exact_solvers(size_t *n)
{
    static const xb_solver_type *all[3];
    all[0] = xb_solver_nodal;
    all[1] = xb_solver_nodal_klu;
    all[2] = xb_solver_nodal_fast;
    *n = 3;
    return all;
}

static void fill(double *x, size_t n, double lo, double hi, uint32_t array)
{
    xb_rng r;
    xb_rng_init(&r, 20261125, XB_RNG_USER, array);
    for (size_t k = 0; k < n; k++) {
        x[k] = lo + (hi - lo) * xb_rng_uniform(&r);
    }
}

/* Runs solver on (c, g) and returns forward (t = 0) or transposed outputs. */
static void run(const xb_solver_type *s, const xb_circuit_config *c, const double *g, int t,
                const double *v, size_t nvec, double *out)
{
    void *ws = NULL;
    xb_assert_ok(s->create(&ws, c));
    xb_assert_ok(s->setup(ws, g));
    xb_assert_ok(s->solve(ws, t, v, nvec, out));
    s->free(ws);
}

static void test_circuits_nodal__zero_wire_equals_ideal(void **state)
{
    (void)state;
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = 13;
    c.cols = 9;
    size_t nvec = 3, n = 13 * 9;
    double g[13 * 9], v[3 * 13], ref[3 * 13], out[3 * 13];
    fill(g, n, 1e-6, 1e-4, 1);
    fill(v, nvec * 13, -0.4, 0.4, 2);
    size_t ns;
    const xb_solver_type *const *all = exact_solvers(&ns);
    for (int t = 0; t <= 1; t++) {
        run(xb_solver_ideal, &c, g, t, v, nvec, ref);
        for (size_t k = 0; k < ns; k++) {
            run(all[k], &c, g, t, v, nvec, out);
            for (size_t j = 0; j < nvec * (size_t)(t ? c.rows : c.cols); j++) {
                xb_assert_close(out[j], ref[j], XB_TOL_EXACT, 0.0);
            }
        }
    }
}

/* 1T1R with zero wires is the ideal read of g / (1 + g r_access). */
static void test_circuits_nodal__one_t_one_r_zero_wire(void **state)
{
    (void)state;
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = 6;
    c.cols = 5;
    c.cell = XB_CELL_1T1R;
    c.r_access = 2385.0;
    double g[30], geff[30], v[6], ref[5], out[5];
    fill(g, 30, 1e-6, 1e-4, 3);
    fill(v, 6, 0.0, 0.3, 4);
    for (int k = 0; k < 30; k++) {
        geff[k] = 1.0 / (1.0 / g[k] + c.r_access);
    }
    xb_circuit_config ci = c;
    ci.cell = XB_CELL_0T1R;
    run(xb_solver_ideal, &ci, geff, 0, v, 1, ref);
    run(xb_solver_nodal, &c, g, 0, v, 1, out);
    for (int j = 0; j < 5; j++) {
        xb_assert_close(out[j], ref[j], XB_TOL_EXACT, 0.0);
    }
}

/* One row of N identical cells, driven through r per segment (the first
 * segment joins the driver to cell 0), columns at virtual ground: a resistor
 * ladder with V_k = V cosh(theta (N + 1/2 - k)) / cosh(theta (N + 1/2)),
 * cosh(theta) = 1 + r g / 2, node k = 1..N (derivation in docs/circuits.md). */
static void ladder(int transpose, const xb_solver_type *s)
{
    const int N = 37;
    const double r = 2.385, g = 1.0 / 11300.0, V = 0.731;
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = transpose ? N : 1;
    c.cols = transpose ? 1 : N;
    if (transpose) {
        c.r_wire_col = r; /* the column is driven at its row-(N-1) end */
    } else {
        c.r_wire_row = r;
    }
    double gg[37], out[37];
    for (int k = 0; k < N; k++) {
        gg[k] = g;
    }
    double theta = acosh(1.0 + 0.5 * r * g);
    run(s, &c, gg, transpose, &V, 1, out);
    for (int k = 1; k <= N; k++) {
        double vk = V * cosh(theta * (N + 0.5 - k)) / cosh(theta * (N + 0.5));
        int cell = transpose ? N - k : k - 1; /* node k counts from the driver */
        xb_assert_close(out[cell], g * vk, TOL_DIRECT, 0.0);
    }
}

static void test_circuits_nodal__ladder_closed_form(void **state)
{
    (void)state;
    size_t ns;
    const xb_solver_type *const *all = exact_solvers(&ns);
    for (size_t k = 0; k < ns; k++) {
        ladder(0, all[k]);
        ladder(1, all[k]);
    }
}

/* A column with a load resistor and no wire is one node:
 * V = sum g_r v_r / (sum g_r + 1/R_load), I = V / R_load. */
static void test_circuits_nodal__load_resistor(void **state)
{
    (void)state;
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = 7;
    c.cols = 1;
    c.r_sense = 1138.0;
    double g[7], v[7], out;
    fill(g, 7, 1e-6, 1e-4, 5);
    fill(v, 7, 0.0, 0.3, 6);
    double num = 0.0, den = 1.0 / c.r_sense;
    for (int k = 0; k < 7; k++) {
        num += g[k] * v[k];
        den += g[k];
    }
    size_t ns;
    const xb_solver_type *const *all = exact_solvers(&ns);
    for (size_t k = 0; k < ns; k++) {
        run(all[k], &c, g, 0, v, 1, &out);
        xb_assert_close(out, num / den / c.r_sense, TOL_DIRECT, 0.0);
    }
}

static xb_circuit_config wired(int rows, int cols)
{
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = rows;
    c.cols = cols;
    c.r_wire_row = 2.385;
    c.r_wire_col = 1.731;
    c.r_source = 23.0;
    c.r_sense = 23.0; /* = r_source: the network is the same for both directions */
    c.cell = XB_CELL_1T1R;
    c.r_access = 517.0;
    return c;
}

/* Reciprocity of a linear resistive network: the current into column c's
 * sense from 1 V on row r equals the current into row r's sense from 1 V on
 * column c, when drivers and senses have the same resistance. */
static void test_circuits_nodal__reciprocity(void **state)
{
    (void)state;
    enum { R = 11, C = 8 };
    xb_circuit_config c = wired(R, C);
    double g[R * C], vf[R * R] = {0}, vt[C * C] = {0}, If[R * C], It[C * R];
    fill(g, R * C, 1e-6, 1e-4, 7);
    for (int k = 0; k < R; k++) {
        vf[k * R + k] = 1.0;
    }
    for (int k = 0; k < C; k++) {
        vt[k * C + k] = 1.0;
    }
    run(xb_solver_nodal, &c, g, 0, vf, R, If); /* If[r * C + c] */
    run(xb_solver_nodal, &c, g, 1, vt, C, It); /* It[c * R + r] */
    for (int r = 0; r < R; r++) {
        for (int k = 0; k < C; k++) {
            xb_assert_close(If[r * C + k], It[k * R + r], TOL_DIRECT, 0.0);
        }
    }
}

/* KLU and the fast solver against CHOLMOD on a random wired 1T1R array,
 * both directions, several vectors. The fast solver's tolerance bounds each
 * node voltage error by tol * max|v|, so a column current may differ by at
 * most 2 tol max|v| sum_r g (row and column node of every cell). */
static void test_circuits_nodal__fast_and_klu_vs_cholmod(void **state)
{
    (void)state;
    enum { R = 24, C = 17, NV = 3 };
    xb_circuit_config c = wired(R, C);
    c.r_sense = 0.0;
    double g[R * C], v[NV * R], ref[NV * R], out[NV * R];
    fill(g, R * C, 1e-6, 1e-4, 8);
    fill(v, NV * R, -0.3, 0.3, 9);
    for (int t = 0; t <= 1; t++) {
        int nout = t ? R : C, nin = t ? C : R;
        run(xb_solver_nodal, &c, g, t, v, NV, ref);
        run(xb_solver_nodal_klu, &c, g, t, v, NV, out);
        for (int j = 0; j < NV * nout; j++) {
            xb_assert_close(out[j], ref[j], TOL_DIRECT, 0.0);
        }
        run(xb_solver_nodal_fast, &c, g, t, v, NV, out);
        for (int j = 0; j < NV; j++) {
            double vmax = 0.0;
            for (int k = 0; k < nin; k++) {
                vmax = fmax(vmax, fabs(v[j * nin + k]));
            }
            for (int o = 0; o < nout; o++) {
                double gsum = 0.0;
                for (int k = 0; k < nin; k++) {
                    gsum += t ? g[o * C + k] : g[k * C + o];
                }
                double bound = 2.0 * XB_NODAL_FAST_TOL * vmax * gsum;
                xb_assert_close(out[j * nout + o], ref[j * nout + o], 0.0, bound);
            }
        }
    }
}

/* The fast solver's bound holds where the cells couple the lines strongly
 * (N^2 r_wire g_max = 58: CG on the column Schur complement) and where a line
 * kind is merged (no column wire, load resistor: Gauss-Seidel). */
static void fast_vs_exact(const xb_circuit_config *c, double gmax, uint32_t seed)
{
    int R = c->rows, C = c->cols;
    double *g = malloc((size_t)R * C * sizeof *g), *v = malloc((size_t)R * sizeof *v);
    double *ref = malloc((size_t)C * sizeof *ref), *out = malloc((size_t)C * sizeof *out);
    assert_true(g && v && ref && out);
    fill(g, (size_t)R * C, 0.01 * gmax, gmax, seed);
    fill(v, (size_t)R, 0.0, 0.3, seed + 1);
    run(xb_solver_nodal, c, g, 0, v, 1, ref);
    run(xb_solver_nodal_fast, c, g, 0, v, 1, out);
    double vmax = 0.0;
    for (int k = 0; k < R; k++) {
        vmax = fmax(vmax, v[k]);
    }
    for (int o = 0; o < C; o++) {
        double gsum = 0.0;
        for (int k = 0; k < R; k++) {
            gsum += g[k * C + o];
        }
        xb_assert_close(out[o], ref[o], 0.0, 2.0 * XB_NODAL_FAST_TOL * vmax * gsum);
    }
    free(g);
    free(v);
    free(ref);
    free(out);
}

static void test_circuits_nodal__fast_strong_coupling_and_merged_lines(void **state)
{
    (void)state;
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = c.cols = 48;
    c.r_wire_row = c.r_wire_col = 25.0;
    fast_vs_exact(&c, 1e-3, 16);
    c.rows = 23;
    c.cols = 31;
    c.r_wire_col = 0.0;
    c.r_sense = 117.0;
    fast_vs_exact(&c, 1e-4, 18);
    c.r_wire_row = 0.0;
    c.r_wire_col = 3.7;
    c.r_source = 41.0;
    fast_vs_exact(&c, 1e-4, 20);
}

/* Wires change the answer: the exact solve must differ from the ideal read by
 * more than rounding, and every column current must be smaller (IR drop). */
static void test_circuits_nodal__ir_drop_reduces_current(void **state)
{
    (void)state;
    enum { R = 16, C = 16 };
    xb_circuit_config c = wired(R, C);
    double g[R * C], v[R], ideal[C], out[C];
    fill(g, R * C, 1e-5, 1e-4, 10);
    fill(v, R, 0.1, 0.3, 11);
    xb_circuit_config ci = XB_CIRCUIT_CONFIG_INIT;
    ci.rows = R;
    ci.cols = C;
    double geff[R * C];
    for (int k = 0; k < R * C; k++) {
        geff[k] = 1.0 / (1.0 / g[k] + c.r_access);
    }
    run(xb_solver_ideal, &ci, geff, 0, v, 1, ideal);
    run(xb_solver_nodal, &c, g, 0, v, 1, out);
    for (int k = 0; k < C; k++) {
        assert_true(out[k] < ideal[k] * (1.0 - 1e-6));
        assert_true(out[k] > 0.0);
    }
}

static void test_circuits_nodal__errors(void **state)
{
    (void)state;
    xb_circuit_config c = wired(3, 4);
    void *ws = NULL;
    double v[4] = {0.1, 0.2, 0.3, 0.4}, out[4];
    size_t ns;
    const xb_solver_type *const *all = exact_solvers(&ns);
    for (size_t k = 0; k < ns; k++) {
        xb_assert_ok(all[k]->create(&ws, &c));
        xb_assert_error(all[k]->solve(ws, 0, v, 1, out), XB_EINVAL, "before setup");
        double g[12] = {1e-5, 2e-5, 3e-5, 4e-5, 5e-5, 6e-5, 7e-5, 8e-5, 9e-5, 0.0, 1e-5, 1e-5};
        xb_assert_error(all[k]->setup(ws, g), XB_EINVAL, "g[9]");
        all[k]->free(ws);
    }
    c.fast_tol = 1.5;
    xb_assert_error(xb_solver_nodal_fast->create(&ws, &c), XB_EINVAL, "fast_tol");
    c.fast_tol = 0.0;
    c.r_sense = -1.0;
    xb_assert_error(xb_solver_nodal->create(&ws, &c), XB_EINVAL, "r_sense");
    /* a sweep budget too small to converge is reported, not silently used */
    c = wired(32, 32);
    c.fast_max_iter = 2;
    double g[32 * 32], vv[32], o[32];
    fill(g, 32 * 32, 1e-4, 1e-3, 12);
    fill(vv, 32, 0.1, 0.3, 13);
    xb_assert_ok(xb_solver_nodal_fast->create(&ws, &c));
    xb_assert_ok(xb_solver_nodal_fast->setup(ws, g));
    xb_assert_error(xb_solver_nodal_fast->solve(ws, 0, vv, 1, o), XB_ENOCONV,
                    "no convergence in 2");
    xb_solver_nodal_fast->free(ws);
    assert_int_equal(xb_solver_nodal_fast_iterations(NULL), -1);
}

/* Without wires every cell sees its input: the nonlinear read is G^T f(v)
 * for ideal and nodal alike; nodal_fast refuses nonlinear cells. */
static void test_circuits_nodal__nonlinear_zero_wire(void **state)
{
    (void)state;
    enum { R = 7, C = 5 };
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = R;
    c.cols = C;
    c.iv = XB_IV_SINH;
    c.iv_beta = 3.7;
    double g[R * C], v[R], ref[C], out[C];
    fill(g, R * C, 1e-6, 1e-4, 14);
    fill(v, R, -0.4, 0.4, 15);
    run(xb_solver_ideal, &c, g, 0, v, 1, ref);
    run(xb_solver_nodal, &c, g, 0, v, 1, out);
    for (int k = 0; k < C; k++) {
        double naive = 0.0;
        for (int r = 0; r < R; r++) {
            naive += g[r * C + k] * sinh(c.iv_beta * v[r]) / c.iv_beta;
        }
        xb_assert_close(ref[k], naive, XB_TOL_EXACT, 0.0);
        xb_assert_close(out[k], naive, XB_TOL_EXACT, 0.0);
    }
    void *ws = NULL;
    xb_assert_error(xb_solver_nodal_fast->create(&ws, &c), XB_EINVAL, "linear cells only");
    c.cell = XB_CELL_1T1R;
    xb_assert_error(xb_solver_nodal->create(&ws, &c), XB_EINVAL, "needs 0T1R");
}

static void test_circuits_solver__find_nodal(void **state)
{
    (void)state;
    assert_ptr_equal(xb_solver_find("nodal"), xb_solver_nodal);
    assert_ptr_equal(xb_solver_find("nodal_klu"), xb_solver_nodal_klu);
    assert_ptr_equal(xb_solver_find("nodal_fast"), xb_solver_nodal_fast);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_circuits_nodal__zero_wire_equals_ideal),
        cmocka_unit_test(test_circuits_nodal__one_t_one_r_zero_wire),
        cmocka_unit_test(test_circuits_nodal__ladder_closed_form),
        cmocka_unit_test(test_circuits_nodal__load_resistor),
        cmocka_unit_test(test_circuits_nodal__reciprocity),
        cmocka_unit_test(test_circuits_nodal__fast_and_klu_vs_cholmod),
        cmocka_unit_test(test_circuits_nodal__fast_strong_coupling_and_merged_lines),
        cmocka_unit_test(test_circuits_nodal__ir_drop_reduces_current),
        cmocka_unit_test(test_circuits_nodal__errors),
        cmocka_unit_test(test_circuits_nodal__nonlinear_zero_wire),
        cmocka_unit_test(test_circuits_solver__find_nodal),
    };
    return cmocka_run_group_tests_name("circuits_nodal", tests, NULL, NULL);
}
