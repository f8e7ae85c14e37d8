/* devices: the same checks over every built-in model (STYLE.md §13, after
 * SUNDIALS test_nvector): parameter tables, derived defaults, bounds,
 * program/read round trips, pulse monotonicity, and for state equations zero
 * drift at 0 V, current consistent with conductance at v_read, and states
 * that stay in [0, 1] and move the right way under the write voltages. */
#include "xb_test.h"

#include "devices/devices.h"

static void for_each_model(void (*check)(const xb_device_type *))
{
    assert_true(xb_device_model_count() >= 12);
    for (size_t i = 0; i < xb_device_model_count(); i++) {
        check(xb_device_model_at(i));
    }
}

static void check_table(const xb_device_type *t)
{
    assert_non_null(t->name);
    assert_ptr_equal(xb_device_model_find(t->name), t);
    assert_true(t->params_size <= XB_DEVICE_PARAMS_MAX);
    assert_true(t->n_params >= 2 && t->n_params <= XB_DEVICE_MAX_PARAMS);
    for (int i = 0; i < t->n_params; i++) {
        assert_true(t->params[i].offset + sizeof(double) <= t->params_size);
        assert_true(strlen(t->params[i].unit) > 0 && strlen(t->params[i].doc) > 0);
        for (int j = 0; j < i; j++) {
            if (strcmp(t->params[i].name, t->params[j].name) == 0) {
                fail_msg("model %s: parameter %s listed twice", t->name, t->params[i].name);
            }
        }
    }
}

/* The static defaults carry derived fields: derive() must reproduce them. */
static void check_defaults(const xb_device_type *t)
{
    char buf[XB_DEVICE_PARAMS_MAX];
    xb_assert_ok(xb_device_params_default(t, buf));
    const double *a = (const double *)buf, *b = t->default_params;
    for (size_t i = 0; i < t->params_size / sizeof(double); i++) {
        xb_assert_close(a[i], b[i], XB_TOL_EXACT, 0.0);
    }
    double gmin, gmax;
    t->bounds(buf, &gmin, &gmax);
    assert_true(gmin >= 0.0 && gmax > gmin);
}

static void check_roundtrip(const xb_device_type *t)
{
    enum { M = 33 };
    const void *p = t->default_params;
    double gmin, gmax, g[M], s[M * 4], back[M];
    t->bounds(p, &gmin, &gmax);
    for (int k = 0; k < M; k++) {
        g[k] = gmin + (gmax - gmin) * k / (M - 1.0);
    }
    xb_assert_ok(t->set_conductance(p, 0, M, g, s));
    xb_assert_ok(t->conductance(p, 0, M, s, back));
    double tol = XB_TOL_EXACT * 100;
    if (t == xb_device_ideal) { /* programming lands on the nearest level */
        const xb_device_ideal_params *ip = p;
        tol = 0.5 / (ip->levels - 1.0) * (1.0 + XB_TOL_EXACT);
    }
    for (int k = 0; k < M; k++) {
        assert_true(back[k] >= gmin * (1.0 - XB_TOL_EXACT) && back[k] <= gmax * (1.0 + XB_TOL_EXACT));
        xb_assert_close(back[k], g[k], 0.0, tol * (gmax - gmin));
    }
}

static void check_pulse(const xb_device_type *t)
{
    if (t->pulse == NULL) {
        return;
    }
    enum { M = 17 };
    const void *p = t->default_params;
    double gmin, gmax, g[M], s[M], after[M];
    t->bounds(p, &gmin, &gmax);
    for (int dir = -1; dir <= 1; dir += 2) {
        for (int k = 0; k < M; k++) {
            g[k] = gmin + (gmax - gmin) * k / (M - 1.0);
        }
        xb_assert_ok(t->set_conductance(p, 0, M, g, s));
        xb_assert_ok(t->conductance(p, 0, M, s, g));
        int32_t np[M];
        for (int k = 0; k < M; k++) {
            np[k] = dir * (1 + k % 5);
        }
        xb_assert_ok(t->pulse(p, 0, M, s, np));
        xb_assert_ok(t->conductance(p, 0, M, s, after));
        for (int k = 0; k < M; k++) {
            assert_true(dir > 0 ? after[k] >= g[k] : after[k] <= g[k]);
            assert_true(after[k] >= gmin && after[k] <= gmax);
        }
    }
}

static void check_state_equation(const xb_device_type *t)
{
    if (t->rhs == NULL) {
        return;
    }
    enum { M = 21 };
    const void *p = t->default_params;
    double s[M], v[M], ds[M], i[M], g[M], vr, vu, vd;
    xb_assert_ok(xb_device_param_get(t, p, "v_read", &vr));
    xb_assert_ok(xb_device_param_get(t, p, "v_up", &vu));
    xb_assert_ok(xb_device_param_get(t, p, "v_down", &vd));
    for (int k = 0; k < M; k++) {
        s[k] = k / (M - 1.0);
        v[k] = 0.0;
    }
    xb_assert_ok(t->rhs(p, 0, M, 0.0, s, v, ds));
    for (int k = 0; k < M; k++) {
        assert_true(ds[k] == 0.0); /* no drift at 0 V */
        v[k] = vr;
    }
    xb_assert_ok(t->current(p, 0, M, s, v, i));
    xb_assert_ok(t->conductance(p, 0, M, s, g));
    for (int k = 0; k < M; k++) {
        xb_assert_close(i[k] / vr, g[k], XB_TOL_EXACT, 0.0);
    }
    /* ten write pulses up then down from mid-range: G moves the right way, state stays in [0, 1] */
    xb_device_waveform w;
    double t_end, g0, g1, x = 0.5;
    xb_assert_ok(xb_device_write_pulse(t, p, &w, &t_end));
    xb_assert_ok(t->conductance(p, 0, 1, &x, &g0));
    for (int r = 0; r < 10; r++) {
        xb_assert_ok(xb_device_integrate(t, p, 0, 1, &x, &vu, &w, t_end, 0, NULL, NULL, NULL));
        assert_true(x >= 0.0 && x <= 1.0);
    }
    xb_assert_ok(t->conductance(p, 0, 1, &x, &g1));
    if (!(g1 > g0)) {
        fail_msg("model %s: v_up pulses did not raise G (%g -> %g S)", t->name, g0, g1);
    }
    for (int r = 0; r < 20; r++) {
        xb_assert_ok(xb_device_integrate(t, p, 0, 1, &x, &vd, &w, t_end, 0, NULL, NULL, NULL));
        assert_true(x >= 0.0 && x <= 1.0);
    }
    xb_assert_ok(t->conductance(p, 0, 1, &x, &g0));
    if (!(g0 < g1)) {
        fail_msg("model %s: v_down pulses did not lower G (%g -> %g S)", t->name, g1, g0);
    }
}

/* jacobian against central differences of rhs at interior states (away from
 * the Yakopcic window switches at xp = 0.3 and 1 - xn = 0.5, and the bounds) */
#define FD_STEP 1e-6
static void check_jacobian_at(const xb_device_type *t, const void *p)
{
    const double xs[4] = {0.137, 0.41, 0.62, 0.83};
    double vs[2];
    xb_assert_ok(xb_device_param_get(t, p, "v_up", &vs[0]));
    xb_assert_ok(xb_device_param_get(t, p, "v_down", &vs[1]));
    for (int a = 0; a < 4; a++) {
        for (int b = 0; b < 2; b++) {
            double x = xs[a], v = vs[b], j, f0, fp, fm, xp = x + FD_STEP, xm = x - FD_STEP;
            xb_assert_ok(t->jacobian(p, 0, 1, 0.0, &x, &v, &j));
            xb_assert_ok(t->rhs(p, 0, 1, 0.0, &x, &v, &f0));
            xb_assert_ok(t->rhs(p, 0, 1, 0.0, &xp, &v, &fp));
            xb_assert_ok(t->rhs(p, 0, 1, 0.0, &xm, &v, &fm));
            double fd = (fp - fm) / (2.0 * FD_STEP);
            if (!xb_close(j, fd, XB_TOL_FD, XB_TOL_FD * fabs(f0))) {
                fail_msg("model %s at x %g, v %g V: jacobian %.10g vs finite difference %.10g", t->name,
                         x, v, j, fd);
            }
        }
    }
}

static void check_jacobian(const xb_device_type *t)
{
    if (t->jacobian == NULL) {
        return;
    }
    char buf[XB_DEVICE_PARAMS_MAX];
    xb_assert_ok(xb_device_params_default(t, buf));
    check_jacobian_at(t, buf);
    /* every window of the models that have several */
    if (xb_device_param_find(t, "window", NULL) >= 0) {
        for (int w = 1; w <= 3; w++) {
            if (xb_device_param_set(t, buf, "window", w) == 0) {
                if (t == xb_device_linear_drift) {
                    xb_assert_ok(xb_device_param_set(t, buf, "p", w == 3 ? 1.7 : 2.0));
                }
                check_jacobian_at(t, buf);
            }
        }
    }
    xb_error_clear();
}

static void test_devices_conformance__jacobian_vs_fd(void **state)
{
    (void)state;
    int with = 0;
    for (size_t i = 0; i < xb_device_model_count(); i++) {
        with += xb_device_model_at(i)->jacobian != NULL;
    }
    assert_true(with >= 4);
    for_each_model(check_jacobian);
}

static void test_devices_conformance__param_tables(void **state)
{
    (void)state;
    for_each_model(check_table);
}

static void test_devices_conformance__derived_defaults(void **state)
{
    (void)state;
    for_each_model(check_defaults);
}

static void test_devices_conformance__program_roundtrip(void **state)
{
    (void)state;
    for_each_model(check_roundtrip);
}

static void test_devices_conformance__pulse_monotone(void **state)
{
    (void)state;
    for_each_model(check_pulse);
}

static void test_devices_conformance__state_equations(void **state)
{
    (void)state;
    for_each_model(check_state_equation);
}

/* §1.2: the Joglekar window is 0 at both bounds (a device there never moves:
 * the stick effect); Biolek's is not 0 at the bound it moves away from. */
static void test_devices_conformance__windows_at_bounds(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    xb_assert_ok(xb_device_params_default(xb_device_linear_drift, buf));
    double x[2] = {0.0, 1.0}, v[2] = {1.0, -1.0}, dx[2];
    xb_assert_ok(xb_device_param_set(xb_device_linear_drift, buf, "window", 1.0));
    xb_assert_ok(xb_device_linear_drift->rhs(buf, 0, 2, 0.0, x, v, dx));
    assert_true(dx[0] == 0.0 && dx[1] == 0.0);
    xb_assert_ok(xb_device_param_set(xb_device_linear_drift, buf, "window", 2.0));
    xb_assert_ok(xb_device_linear_drift->rhs(buf, 0, 2, 0.0, x, v, dx));
    /* Biolek at x = 0 with i > 0: f = 1 - 0^(2p) = 1, so dx/dt = k i with i = 1 V / R_OFF */
    xb_assert_close(dx[0], 1e4 * 1.0 / 16e3, XB_TOL_EXACT, 0.0);
    /* at x = 1 with i < 0: f = 1 - (1 - 1)^(2p) = 1, i = -1 V / R_ON */
    xb_assert_close(dx[1], 1e4 * -1.0 / 100.0, XB_TOL_EXACT, 0.0);
    xb_assert_ok(xb_device_param_set(xb_device_linear_drift, buf, "window", 3.0));
    double mid = 0.5, vm = 1.0, dm;
    xb_assert_ok(xb_device_linear_drift->rhs(buf, 0, 1, 0.0, &mid, &vm, &dm));
    /* Prodromakis at x = 0.5: j (1 - 0.75^p), p = j = 1 -> 0.25; R = (100 + 16e3)/2 */
    xb_assert_close(dm, 1e4 * (1.0 / 8050.0) * 0.25, XB_TOL_EXACT, 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devices_conformance__param_tables),
        cmocka_unit_test(test_devices_conformance__derived_defaults),
        cmocka_unit_test(test_devices_conformance__program_roundtrip),
        cmocka_unit_test(test_devices_conformance__pulse_monotone),
        cmocka_unit_test(test_devices_conformance__state_equations),
        cmocka_unit_test(test_devices_conformance__windows_at_bounds),
        cmocka_unit_test(test_devices_conformance__jacobian_vs_fd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
