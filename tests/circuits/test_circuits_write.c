/* circuits: write biasing, cell voltages during a write, and ngspice `tran`
 * write pulses on behavioural memristors against the linear-drift closed form
 * and the devices/ ODE result (xb_device_integrate). */
#include "xb_test.h"

#include "circuits/circuits.h"
#include "circuits/circuits_internal.h"
#include "devices/devices.h"

#include <stdlib.h>

/* The bound for a `tran` write pulse against the device ODE result. */
#define TOL_TRAN 1e-3

static void fill(double *x, size_t n, double lo, double hi, uint32_t array)
{
    xb_rng r;
    xb_rng_init(&r, 20261125, XB_RNG_USER, array);
    for (size_t k = 0; k < n; k++) {
        x[k] = lo + (hi - lo) * xb_rng_uniform(&r);
    }
}

static void test_circuits_write__bias_schemes(void **state)
{
    (void)state;
    double ur[3], uc[4];
    xb_assert_ok(xb_write_bias(ur, uc, 3, 4, XB_WRITE_V2, 1, 2, 1.2));
    const double ur2[3] = {0.6, 1.2, 0.6}, uc2[4] = {0.6, 0.6, 0.0, 0.6};
    for (int k = 0; k < 3; k++) {
        xb_assert_close(ur[k], ur2[k], XB_TOL_EXACT, 0.0);
    }
    for (int k = 0; k < 4; k++) {
        xb_assert_close(uc[k], uc2[k], XB_TOL_EXACT, 0.0);
    }
    xb_assert_ok(xb_write_bias(ur, uc, 3, 4, XB_WRITE_V3, 0, -1, 1.2));
    xb_assert_close(ur[0], 1.2, XB_TOL_EXACT, 0.0);
    xb_assert_close(ur[2], 0.4, XB_TOL_EXACT, 0.0);
    for (int k = 0; k < 4; k++) {
        xb_assert_close(uc[k], 0.0, XB_TOL_EXACT, 0.0);
    }
    xb_assert_ok(xb_write_bias(ur, uc, 3, 4, XB_WRITE_V3, 0, 1, 1.2));
    xb_assert_close(uc[0], 0.8, XB_TOL_EXACT, 0.0);
    xb_assert_ok(xb_write_bias(ur, uc, 3, 4, XB_WRITE_FLOAT, 2, 1, 1.2));
    assert_true(isnan(ur[0]) && isnan(ur[1]) && isnan(uc[0]) && isnan(uc[3]));
    xb_assert_close(ur[2], 1.2, XB_TOL_EXACT, 0.0);
    xb_assert_close(uc[1], 0.0, XB_TOL_EXACT, 0.0);
    xb_assert_error(xb_write_bias(ur, uc, 3, 4, XB_WRITE_V2, 3, 0, 1.0), XB_EINVAL,
                    "selected row 3");
    xb_assert_error(xb_write_bias(ur, uc, 3, 4, XB_WRITE_V2, 0, 4, 1.0), XB_EINVAL,
                    "selected column 4");
    xb_assert_error(xb_write_bias(ur, uc, 3, 4, (xb_write_scheme)7, 0, 0, 1.0), XB_EINVAL,
                    "scheme 7");
}

static void test_circuits_write__zero_wire_is_bias_difference(void **state)
{
    (void)state;
    enum { R = 5, C = 6 };
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = R;
    c.cols = C;
    double g[R * C], ur[R], uc[C], v[R * C];
    fill(g, R * C, 1e-6, 1e-4, 1);
    xb_assert_ok(xb_write_bias(ur, uc, R, C, XB_WRITE_V3, 2, 3, 1.731));
    xb_assert_ok(xb_circuit_write_voltages(v, &c, g, ur, uc));
    for (int r = 0; r < R; r++) {
        for (int k = 0; k < C; k++) {
            xb_assert_close(v[r * C + k], ur[r] - uc[k], XB_TOL_EXACT, 0.0);
        }
    }
}

/* With wires, the nodal cell voltages equal ngspice's op of the same network
 * (every driven line end a source at its bias), node by node, with the
 * unselected lines biased (V/2) or floating. */
static void wired_vs_spice(xb_write_scheme scheme)
{
    enum { R = 6, C = 7 };
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = R;
    c.cols = C;
    c.r_wire_row = 23.85; /* strong wires, so the drop is far above the tolerance */
    c.r_wire_col = 17.31;
    c.r_source = 50.0;
    double g[R * C], ur[R], uc[C], v[R * C];
    fill(g, R * C, 1e-5, 1e-3, 2);
    const double vw = 1.2;
    xb_assert_ok(xb_write_bias(ur, uc, R, C, scheme, 4, 5, vw));
    xb_assert_ok(xb_circuit_write_voltages(v, &c, g, ur, uc));

    xb_sb sb = {0};
    xb_sb__printf(&sb, "* write op\n.options reltol=1e-6 abstol=1e-15 vntol=1e-9 gmin=1e-12 "
                       "noinit\n");
    xb_assert_ok(xb_spice__network(&sb, &c, XB_NODAL_WRITE, g, ur, uc));
    xb_sb__printf(&sb, ".op\n.end\n");
    assert_false(sb.failed);
    const char *names[2 * R * C];
    char buf[2 * R * C][32];
    for (int k = 0; k < R * C; k++) {
        snprintf(buf[2 * k], 32, "v(a%d_%d)", k / C, k % C);
        snprintf(buf[2 * k + 1], 32, "v(b%d_%d)", k / C, k % C);
        names[2 * k] = buf[2 * k];
        names[2 * k + 1] = buf[2 * k + 1];
    }
    double *out[2 * R * C];
    size_t len[2 * R * C];
    xb_assert_ok(xb_spice_run(sb.buf, names, 2 * R * C, out, len));
    free(sb.buf);
    double vs[R * C];
    xb_assert_ok(xb_spice_write_voltages(vs, &c, g, ur, uc));
    for (int k = 0; k < R * C; k++) {
        xb_assert_close(v[k], out[2 * k][0] - out[2 * k + 1][0], 0.0, XB_TOL_SOLVER * vw);
        xb_assert_close(vs[k], out[2 * k][0] - out[2 * k + 1][0], XB_TOL_EXACT, 0.0);
        free(out[2 * k]);
        free(out[2 * k + 1]);
    }
    /* the wires eat part of the write voltage */
    assert_true(v[4 * C + 5] < vw * (1.0 - 1e-3));
    assert_true(v[4 * C + 5] > 0.5 * vw);
    if (scheme == XB_WRITE_FLOAT) {
        /* sneak paths: an unselected cell sees a voltage without any bias */
        assert_true(fabs(v[0]) > 1e-3 * vw);
    }
}

static void test_circuits_write__wired_matches_spice(void **state)
{
    (void)state;
    wired_vs_spice(XB_WRITE_V2);
    wired_vs_spice(XB_WRITE_FLOAT);
}

/* The fast writer against the exact solve on a wired 1T1R array: each node
 * within fast_tol * max|u|, so each cell voltage within twice that. */
static void test_circuits_write__fast_writer_vs_exact(void **state)
{
    (void)state;
    enum { R = 40, C = 33 };
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = R;
    c.cols = C;
    c.r_wire_row = 2.385;
    c.r_wire_col = 1.731;
    c.r_source = 50.0;
    c.cell = XB_CELL_1T1R;
    c.r_access = 517.0;
    double g[R * C], ur[R], uc[C], ve[R * C], vf[R * C];
    fill(g, R * C, 1e-5, 1e-3, 4);
    xb_circuit_writer *w = NULL;
    xb_assert_ok(xb_circuit_writer_create(&w, &c));
    xb_assert_error(xb_circuit_writer_voltages(w, ur, uc, vf), XB_EINVAL, "before setup");
    xb_assert_ok(xb_circuit_writer_setup(w, g));
    const double vw = 1.2;
    for (int sel = 0; sel < 5; sel++) {
        xb_write_scheme sc = sel == 1 ? XB_WRITE_V3 : (sel >= 3 ? XB_WRITE_FLOAT : XB_WRITE_V2);
        xb_assert_ok(xb_write_bias(ur, uc, R, C, sc, 7 * sel + 3, sel == 2 ? -1 : 5 * sel, vw));
        if (sel == 4) {
            ur[0] = 0.0; /* one unselected row grounded, the rest floating */
        }
        xb_assert_ok(xb_circuit_write_voltages(ve, &c, g, ur, uc));
        xb_assert_ok(xb_circuit_writer_voltages(w, ur, uc, vf));
        assert_true(xb_circuit_writer_iterations(w) > 1);
        for (int k = 0; k < R * C; k++) {
            xb_assert_close(vf[k], ve[k], 0.0, 2.0 * XB_NODAL_FAST_TOL * vw);
        }
        if (sel == 0) {
            /* 1T1R: the memristor's own voltage, also from ngspice (row node
             * minus the node between memristor and transistor) */
            double vs[R * C];
            xb_assert_ok(xb_spice_write_voltages(vs, &c, g, ur, uc));
            for (int k = 0; k < R * C; k++) {
                xb_assert_close(ve[k], vs[k], 0.0, XB_TOL_SOLVER * vw);
            }
        }
    }
    xb_circuit_writer_free(w);
    xb_circuit_writer_free(NULL);
}

/* Linear drift without window (device-models.md §1.1): with v across the
 * device, R dR/dt = -(R_OFF - R_ON) k v, so R(t)^2 = R0^2 - 2 k (R_OFF - R_ON)
 * Phi(t) with Phi the flux of the pulse and k = mu_v R_ON / D^2. */
static double drift_closed_form(const xb_spice_drift_params *p, double x0, double flux)
{
    double k = p->mu_v * p->r_on / (p->d * p->d);
    double dr = p->r_off - p->r_on;
    double r0 = p->r_off - dr * x0;
    double r = sqrt(r0 * r0 - 2.0 * k * dr * flux);
    return (p->r_off - r) / dr;
}

static const xb_spice_pulse pulse = {
    .delay = 1e-3, .rise = 1e-3, .width = 100e-3, .fall = 1e-3, .t_stop = 110e-3, .max_step = 2e-4};

static double pulse_flux(double amplitude)
{
    return amplitude * (pulse.width + 0.5 * (pulse.rise + pulse.fall));
}

/* The same pulse through devices/ (linear drift, HP set: the model's
 * defaults; window 0 or Joglekar p) integrated by SUNDIALS: scale[k] * pulse
 * on device k. */
static void device_reference_w(size_t n, const double *x0, const double *vcell, double window,
                               double p_exp, double *x_out)
{
    _Alignas(max_align_t) unsigned char params[XB_DEVICE_PARAMS_MAX];
    xb_assert_ok(xb_device_params_default(xb_device_linear_drift, params));
    const xb_spice_drift_params p = XB_SPICE_DRIFT_HP;
    xb_assert_ok(xb_device_param_set(xb_device_linear_drift, params, "ron", p.r_on));
    xb_assert_ok(xb_device_param_set(xb_device_linear_drift, params, "roff", p.r_off));
    xb_assert_ok(xb_device_param_set(xb_device_linear_drift, params, "mu_v", p.mu_v));
    xb_assert_ok(xb_device_param_set(xb_device_linear_drift, params, "d", p.d));
    xb_assert_ok(xb_device_param_set(xb_device_linear_drift, params, "window", window));
    xb_assert_ok(xb_device_param_set(xb_device_linear_drift, params, "p", p_exp));
    xb_device_waveform w = {XB_WAVE_PULSE, 1.0,         pulse.width, pulse.rise,
                            pulse.fall,    pulse.delay, 0.0};
    xb_device_ode_settings set = XB_DEVICE_ODE_SETTINGS_INIT;
    memcpy(x_out, x0, n * sizeof *x_out);
    xb_assert_ok(xb_device_integrate(xb_device_linear_drift, params, 0, n, x_out, vcell, &w,
                                     pulse.t_stop, 0, NULL, &set, NULL));
}

static void device_reference(size_t n, const double *x0, const double *vcell, double *x_out)
{
    device_reference_w(n, x0, vcell, 0.0, 1.0, x_out);
}

/* Joglekar window (p = 2) from the devices/ parameter block itself: the tran
 * subcircuit and the ODE share the equations through the conversion. */
static void test_circuits_write__tran_joglekar_from_device_params(void **state)
{
    (void)state;
    _Alignas(max_align_t) unsigned char params[XB_DEVICE_PARAMS_MAX];
    xb_assert_ok(xb_device_params_default(xb_device_linear_drift, params));
    xb_assert_ok(xb_device_param_set(xb_device_linear_drift, params, "window", 1.0));
    xb_assert_ok(xb_device_param_set(xb_device_linear_drift, params, "p", 2.0));
    xb_spice_drift_params p;
    xb_assert_ok(xb_spice_drift_from_device(&p, xb_device_linear_drift, params));
    xb_assert_close(p.window_p, 2.0, XB_TOL_EXACT, 0.0);
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = 1;
    c.cols = 2;
    double x0[2] = {0.1, 0.7}, ur = 1.0, uc[2] = {0.0, 1.5}, x[2], xd[2];
    double vcell[2] = {ur - uc[0], ur - uc[1]};
    xb_assert_ok(xb_spice_tran_states(x, &c, &p, x0, &ur, uc, &pulse));
    device_reference_w(2, x0, vcell, 1.0, 2.0, xd);
    for (int k = 0; k < 2; k++) {
        xb_assert_close(x[k], xd[k], TOL_TRAN, 0.0);
    }
    assert_true(x[0] - x0[0] > 0.01 && x0[1] - x[1] > 0.01); /* both moved, both ways */
    xb_assert_error(xb_spice_drift_from_device(&p, xb_device_ideal, params), XB_EINVAL,
                    "only linear_drift");
    xb_assert_ok(xb_device_param_set(xb_device_linear_drift, params, "window", 2.0));
    xb_assert_error(xb_spice_drift_from_device(&p, xb_device_linear_drift, params), XB_EINVAL,
                    "window 2");
}

static void test_circuits_write__tran_one_cell_vs_device_ode(void **state)
{
    (void)state;
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = c.cols = 1;
    const xb_spice_drift_params p = XB_SPICE_DRIFT_HP;
    double x0 = 0.1, ur = 1.0, uc = 0.0, x;
    xb_assert_ok(xb_spice_tran_states(&x, &c, &p, &x0, &ur, &uc, &pulse));
    double ref = drift_closed_form(&p, x0, pulse_flux(1.0));
    assert_true(ref - x0 > 0.05); /* the pulse really moves the state */
    xb_assert_close(x, ref, TOL_TRAN, 0.0);
    double xd, one = 1.0;
    device_reference(1, &x0, &one, &xd);
    xb_assert_close(x, xd, TOL_TRAN, 0.0);
}

/* V/3 write on a 3 x 4 array without wires: the selected cell sees V, the
 * half-selected V/3, the rest -V/3, and each state follows its closed form. */
static void test_circuits_write__tran_half_select_v3(void **state)
{
    (void)state;
    enum { R = 3, C = 4 };
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = R;
    c.cols = C;
    const xb_spice_drift_params p = XB_SPICE_DRIFT_HP;
    double x0[R * C], x[R * C], ur[R], uc[C];
    fill(x0, R * C, 0.1, 0.6, 3);
    const double vw = 1.2;
    xb_assert_ok(xb_write_bias(ur, uc, R, C, XB_WRITE_V3, 1, 2, vw));
    xb_assert_ok(xb_spice_tran_states(x, &c, &p, x0, ur, uc, &pulse));
    double vcell[R * C], xd[R * C];
    for (int r = 0; r < R; r++) {
        for (int k = 0; k < C; k++) {
            vcell[r * C + k] = ur[r] - uc[k];
        }
    }
    device_reference(R * C, x0, vcell, xd);
    for (int r = 0; r < R; r++) {
        for (int k = 0; k < C; k++) {
            double ref = drift_closed_form(&p, x0[r * C + k], pulse_flux(ur[r] - uc[k]));
            xb_assert_close(x[r * C + k], ref, TOL_TRAN, 0.0);
            xb_assert_close(x[r * C + k], xd[r * C + k], TOL_TRAN, 0.0);
        }
    }
    /* disturbance has the sign of the bias: half-selected cells (+V/3) drift
     * toward R_ON, unselected ones (-V/3) toward R_OFF */
    assert_true(x[1 * C + 0] > x0[1 * C + 0]);
    assert_true(x[0 * C + 2] > x0[0 * C + 2]);
    assert_true(x[0 * C + 0] < x0[0 * C + 0]);
}

/* VTEAM (devices/ defaults, the MemTorch/Technion demo set): one cell pushed
 * toward R_OFF at +0.5 V, one toward R_ON at -0.22 V for 100 ns, window none
 * and Kvatinsky; ngspice's tran against xb_device_integrate. */
static void test_circuits_write__tran_vteam_vs_device_ode(void **state)
{
    (void)state;
    _Alignas(max_align_t) unsigned char params[XB_DEVICE_PARAMS_MAX];
    const xb_spice_pulse vp = {.delay = 1e-9,
                               .rise = 1e-9,
                               .width = 100e-9,
                               .fall = 1e-9,
                               .t_stop = 110e-9,
                               .max_step = 2e-11};
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = 1;
    c.cols = 2;
    double x0[2] = {0.3, 0.7}, ur = 0.5, uc[2] = {0.0, 0.72}, x[2], xd[2];
    double vcell[2] = {ur - uc[0], ur - uc[1]};
    for (int window = 0; window <= 1; window++) {
        xb_assert_ok(xb_device_params_default(xb_device_vteam, params));
        xb_assert_ok(xb_device_param_set(xb_device_vteam, params, "window", window));
        xb_assert_ok(xb_spice_tran_states_device(x, &c, xb_device_vteam, params, x0, &ur, uc, &vp));
        xb_device_waveform w = {XB_WAVE_PULSE, 1.0, vp.width, vp.rise, vp.fall, vp.delay, 0.0};
        xb_device_ode_settings set = XB_DEVICE_ODE_SETTINGS_INIT;
        memcpy(xd, x0, sizeof xd);
        xb_assert_ok(xb_device_integrate(xb_device_vteam, params, 0, 2, xd, vcell, &w, vp.t_stop, 0,
                                         NULL, &set, NULL));
        for (int k = 0; k < 2; k++) {
            xb_assert_close(x[k], xd[k], TOL_TRAN, 0.0);
        }
        /* the pulse moves both states well beyond the tolerance, both ways */
        assert_true(x[0] - x0[0] > 0.1 && x0[1] - x[1] > 0.1);
    }
    xb_assert_error(xb_spice_tran_states_device(x, &c, xb_device_ideal, params, x0, &ur, uc, &vp),
                    XB_EINVAL, "no tran subcircuit");
}

static void test_circuits_write__errors(void **state)
{
    (void)state;
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = c.cols = 1;
    xb_spice_drift_params p = XB_SPICE_DRIFT_HP;
    double x0 = 1.5, ur = 1.0, uc = 0.0, x;
    xb_assert_error(xb_spice_tran_states(&x, &c, &p, &x0, &ur, &uc, &pulse), XB_EINVAL,
                    "x0[0] = 1.5");
    x0 = 0.5;
    p.r_off = 50.0;
    xb_assert_error(xb_spice_tran_states(&x, &c, &p, &x0, &ur, &uc, &pulse), XB_EINVAL, "r_off");
    double g = 1e-4, nan_v = NAN, inf_v = INFINITY, v;
    xb_assert_error(xb_circuit_write_voltages(&v, &c, &g, &inf_v, &uc), XB_EINVAL,
                    "row 0 voltage inf");
    xb_assert_error(xb_circuit_write_voltages(&v, &c, &g, &nan_v, &uc), XB_EINVAL,
                    "row 0 floats (NAN)");
    c.r_source = 10.0;
    xb_assert_error(xb_circuit_write_voltages(&v, &c, &g, &nan_v, &nan_v), XB_EINVAL,
                    "every line floats");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_circuits_write__bias_schemes),
        cmocka_unit_test(test_circuits_write__zero_wire_is_bias_difference),
        cmocka_unit_test(test_circuits_write__wired_matches_spice),
        cmocka_unit_test(test_circuits_write__fast_writer_vs_exact),
        cmocka_unit_test(test_circuits_write__tran_one_cell_vs_device_ode),
        cmocka_unit_test(test_circuits_write__tran_half_select_v3),
        cmocka_unit_test(test_circuits_write__tran_joglekar_from_device_params),
        cmocka_unit_test(test_circuits_write__tran_vteam_vs_device_ode),
        cmocka_unit_test(test_circuits_write__errors),
    };
    return cmocka_run_group_tests_name("circuits_write", tests, NULL, NULL);
}
