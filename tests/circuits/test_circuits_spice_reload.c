/* circuits: recovery of the ngspice driver after ngspice asks to exit.
 *
 * Its own executable because the recovery dlclose()s the dead instance: the
 * memory ngspice held in its globals becomes unreachable from an unloaded
 * module, which LeakSanitizer reports as leaks although nothing in xbarsim
 * owns it (the price of recovering at all, deps.md §1). Leak checking stays
 * on for every other suite that runs ngspice. */
#include "xb_test.h"

#include "circuits/circuits.h"
#include "circuits/circuits_internal.h"

#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "detect_leaks=0";
}
#endif

static const char good_net[] = "* divider\n"
                               ".options reltol=1e-6 abstol=1e-15 vntol=1e-9 gmin=1e-12 noinit\n"
                               "V1 in 0 DC 0.731\nR1 in out 2385\nR2 out 0 1138\n.op\n.end\n";

static void check_good_run(void)
{
    const char *names[] = {"v(out)"};
    double *out[1];
    size_t len[1];
    xb_assert_ok(xb_spice_run(good_net, names, 1, out, len));
    assert_int_equal(len[0], 1);
    xb_assert_close(out[0][0], 0.731 * 1138.0 / (2385.0 + 1138.0), XB_TOL_SOLVER, 0.0);
    free(out[0]);
}

/* deps.md §1: a numparam error calls ControlledExit and leaves the library
 * unusable; the driver reports it and reloads the library on the next run. */
static void test_circuits_spice__controlled_exit_reloads(void **state)
{
    (void)state;
    check_good_run();
    unsigned before = xb_spice__loads();
    const char *names[] = {"v(out)"};
    double *out[1];
    size_t len[1];
    const char bad[] = "* numparam\n.param x={1+}\nV1 in 0 DC 1\nR1 in 0 {x}\n.op\n.end\n";
    xb_assert_error(xb_spice_run(bad, names, 1, out, len), XB_EEXTERNAL, "ngspice");
    check_good_run();
    assert_true(xb_spice__loads() == before + 1);
    check_good_run();
}

static void test_circuits_spice__read_after_reload(void **state)
{
    (void)state;
    /* a full read through the backend after the reload still matches nodal */
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = 5;
    c.cols = 6;
    c.r_wire_row = c.r_wire_col = 2.385;
    double g[30], v[5], a[6], b[6];
    for (int k = 0; k < 30; k++) {
        g[k] = 1e-6 * (1.0 + 3.7 * k);
    }
    for (int k = 0; k < 5; k++) {
        v[k] = 0.05 * (k + 1);
    }
    const xb_solver_type *s[2] = {xb_solver_nodal, xb_solver_spice};
    double *o[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        void *ws = NULL;
        xb_assert_ok(s[k]->create(&ws, &c));
        xb_assert_ok(s[k]->setup(ws, g));
        xb_assert_ok(s[k]->solve(ws, 0, v, 1, o[k]));
        s[k]->free(ws);
    }
    for (int k = 0; k < 6; k++) {
        xb_assert_close(a[k], b[k], XB_TOL_SOLVER, 0.0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_circuits_spice__controlled_exit_reloads),
        cmocka_unit_test(test_circuits_spice__read_after_reload),
    };
    return cmocka_run_group_tests_name("circuits_spice_reload", tests, NULL, NULL);
}
