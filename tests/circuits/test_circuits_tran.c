/* circuits: ngspice `tran` write pulses on TEAM (current thresholds),
 * Yakopcic, linear-drift cells with the Biolek or Prodromakis window and
 * Stanford-PKU cells against devices/' own integration (xb_device_integrate).
 * The subcircuits (circuits/netlist.c) are the devices/ equations term for
 * term, so the two transients differ only by the integrators' errors. */
#include "xb_test.h"

#include "circuits/circuits.h"
#include "devices/devices.h"

#include <stdlib.h>

/* Largest ngspice time step. ngspice's trapezoidal error is second order in
 * it: halving 1e-7 s to 5e-8 s cut the Yakopcic differences about 4x
 * (measured at +-0.8 V: 3.0e-6 -> 7.7e-7, 1.6e-6 -> 3.9e-7), so the
 * difference is ngspice's step error, not the ARKODE side's, whose
 * tolerances (XB_DEVICE_ODE_SETTINGS_INIT: rtol 1e-8, atol 1e-10) are two
 * orders below the differences seen. */
#define MAX_STEP 1e-7
/* At MAX_STEP the largest measured difference is 6.1e-6 (Yakopcic, -0.5 V);
 * 2e-5 is three times that, 2e-3 of the smallest asserted motion (0.01) and
 * 50x inside the bound 1e-3 (TOL_TRAN of test_circuits_write). */
#define TOL_STATE 2e-5
/* Below threshold the state source is exactly 0 A: the state node moves only
 * by Newton noise, far below the netlist's vntol (1e-9 V = 1e-9 in x). */
#define TOL_STILL 1e-9

/* One row without wires (XB_CIRCUIT_CONFIG_INIT): cell k sees exactly
 * 0 - u_col[k] = vcell[k], so xb_device_integrate is given that voltage
 * times the same trapezoid as the PULSE sources. */
static void run_both(const xb_device_type *type, const void *params, int n, const double *x0,
                     const double *vcell, const xb_spice_pulse *p, double *x_spice, double *x_dev)
{
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = 1;
    c.cols = n;
    double ur = 0.0, uc[8];
    assert_true(n <= 8);
    for (int k = 0; k < n; k++) {
        uc[k] = -vcell[k];
    }
    xb_assert_ok(xb_spice_tran_states_device(x_spice, &c, type, params, x0, &ur, uc, p));
    xb_device_waveform w = {XB_WAVE_PULSE, 1.0, p->width, p->rise, p->fall, p->delay, 0.0};
    xb_device_ode_settings set = XB_DEVICE_ODE_SETTINGS_INIT;
    memcpy(x_dev, x0, (size_t)n * sizeof *x_dev);
    xb_assert_ok(xb_device_integrate(type, params, 0, (size_t)n, x_dev, vcell, &w, p->t_stop, 0,
                                     NULL, &set, NULL));
}

/* TEAM with devices/ defaults (Technion Verilog-A demo set, device-models.md
 * §2.3c: k_off = -k_on = 8e-13 m/s, alpha = 3, i_off = 115 uA, i_on =
 * -8.9 uA, D = 3 nm; R_ON 50 ohm, R_OFF 1 kohm from §2.3b), 200 us pulse:
 *   cell 0 +3 V from w = 0.2: i > 3 mA > i_off, moves toward R_OFF;
 *   cell 1 -0.7 V from 0.7: i < -0.9 mA < i_on, moves toward R_ON;
 *   cells 2, 3 +-1 mV from 0.5 (R = 525 ohm linear, 224 ohm exponential):
 *   |i| <= 4.5 uA, below both thresholds (|i_on| = 8.9 uA), must not move;
 *   cell 4 (window 0 only) -1.5 V from 0.3 runs into w = 0 and is held by
 *   the state gate there, in both (with exponential I-V cell 1 does too).
 * Window none (the gate) with linear and exponential I-V, Kvatinsky window. */
static void test_circuits_tran__team_vs_device_ode(void **state)
{
    (void)state;
    _Alignas(max_align_t) unsigned char params[XB_DEVICE_PARAMS_MAX];
    const xb_spice_pulse p = {.delay = 1e-6,
                              .rise = 1e-6,
                              .width = 200e-6,
                              .fall = 1e-6,
                              .t_stop = 210e-6,
                              .max_step = MAX_STEP};
    const double x0[5] = {0.2, 0.7, 0.5, 0.5, 0.3}, v[5] = {3.0, -0.7, 1e-3, -1e-3, -1.5};
    const double windows[3] = {0, 0, 1}, ivs[3] = {0, 1, 0};
    for (int run = 0; run < 3; run++) {
        int n = windows[run] == 0.0 ? 5 : 4;
        double xs[5], xd[5];
        xb_assert_ok(xb_device_params_default(xb_device_team, params));
        xb_assert_ok(xb_device_param_set(xb_device_team, params, "window", windows[run]));
        xb_assert_ok(xb_device_param_set(xb_device_team, params, "iv", ivs[run]));
        run_both(xb_device_team, params, n, x0, v, &p, xs, xd);
        for (int k = 0; k < n; k++) {
            xb_assert_close(xs[k], xd[k], TOL_STATE, 0.0);
        }
        /* the movers moved well beyond the tolerance, each its own way */
        assert_true(xs[0] - x0[0] > 0.04 && x0[1] - xs[1] > 0.05);
        for (int k = 2; k < 4; k++) {
            xb_assert_close(xs[k], x0[k], TOL_STILL, 0.0);
            assert_true(xd[k] == x0[k]);
        }
        if (n == 5) {
            xb_assert_close(xs[4], 0.0, TOL_STATE, 0.0); /* held at the bound */
        }
    }
}

/* Yakopcic with devices/ defaults (Oblea Ag-chalcogenide set, device-models.md
 * §3.2: Vp 0.16 V, Vn 0.15 V, Ap = An = 4000/s, xp 0.3, xn 0.5, alpha_p 1,
 * alpha_n 5), 100 us pulse:
 *   cell 0 +0.5 V from 0.2: crosses xp, where the wp window starts;
 *   cell 1 -0.5 V from 0.7: crosses 1 - xn, where the wn window starts;
 *   cell 2 +0.8 V from 0.6: deep in the wp window toward x = 1;
 *   cell 3 +0.15 V (< Vp) and cell 4 -0.14 V (> -Vn): g = 0, must not move.
 * Then eta = -1 (motion reversed; the window chosen by the sign of eta V). */
static void test_circuits_tran__yakopcic_vs_device_ode(void **state)
{
    (void)state;
    _Alignas(max_align_t) unsigned char params[XB_DEVICE_PARAMS_MAX];
    const xb_spice_pulse p = {.delay = 1e-6,
                              .rise = 1e-6,
                              .width = 100e-6,
                              .fall = 1e-6,
                              .t_stop = 110e-6,
                              .max_step = MAX_STEP};
    const double x0[5] = {0.2, 0.7, 0.6, 0.5, 0.5}, v[5] = {0.5, -0.5, 0.8, 0.15, -0.14};
    for (int eta = 1; eta >= -1; eta -= 2) {
        double xs[5], xd[5];
        xb_assert_ok(xb_device_params_default(xb_device_yakopcic, params));
        xb_assert_ok(xb_device_param_set(xb_device_yakopcic, params, "eta", eta));
        run_both(xb_device_yakopcic, params, 5, x0, v, &p, xs, xd);
        for (int k = 0; k < 5; k++) {
            xb_assert_close(xs[k], xd[k], TOL_STATE, 0.0);
        }
        for (int k = 0; k < 3; k++) {
            /* each mover moved in the direction of eta V by more than 0.01, 500x
             * TOL_STATE (eta = -1 starts cells 0 and 1 inside their windows) */
            assert_true(eta * (v[k] > 0 ? 1 : -1) * (xs[k] - x0[k]) > 0.01);
        }
        for (int k = 3; k < 5; k++) {
            xb_assert_close(xs[k], x0[k], TOL_STILL, 0.0);
            assert_true(xd[k] == x0[k]);
        }
    }
}

/* linear_drift with the windows of device-models.md §1.2 on the knowm Biolek
 * demo set (§1.3: R_ON 100 ohm, R_OFF 1 kohm, D 16 nm, mu_v 40e-15, p 7;
 * k = mu_v R_ON/D^2 = 15625 /(A s)), a 2 ms pulse of +-2 V:
 *   cell 0 +2 V from 0.3 and cell 1 -2 V from 0.8: move toward R_ON / R_OFF;
 *   cell 2 +2 V from 0.97: Biolek f = 1 - x^14 slows it near x = 1;
 *   cell 3 +2 V and cell 4 -2 V from 0.02: Biolek's current-direction step
 *   lets cell 3 leave the bound at full speed (f = 1 - 0.02^14) while cell 4
 *   sees f = 1 - 0.98^14 = 0.25.
 * Then the Prodromakis window (j 1, p 7; and j 0.5), symmetric in x. */
/* 10 us is 1/200 of the pulse and the edge itself. Measured largest
 * difference to xb_device_integrate: 1.9e-6 (Biolek, -2 V from 0.8); at
 * 5 us it is 5.5e-7 (every cell's shrinks 3.5-10x), so it is ngspice's
 * step error. LD_TOL_STATE (absolute: x is normalised) is five times the
 * difference at 10 us. */
#define LD_MAX_STEP 1e-5
#define LD_TOL_STATE 1e-5
static void test_circuits_tran__linear_drift_windows_vs_device_ode(void **state)
{
    (void)state;
    _Alignas(max_align_t) unsigned char params[XB_DEVICE_PARAMS_MAX];
    const xb_spice_pulse p = {.delay = 1e-5,
                              .rise = 1e-5,
                              .width = 2e-3,
                              .fall = 1e-5,
                              .t_stop = 2.1e-3,
                              .max_step = LD_MAX_STEP};
    const double x0[5] = {0.3, 0.8, 0.97, 0.02, 0.02}, v[5] = {2.0, -2.0, 2.0, 2.0, -2.0};
    /* windows: none (cell 2 runs into x = 1 and ends there in both; the
     * returned states are clamped to [0, 1], so this checks the end state,
     * not how far past the bound an ungated state node would have run),
     * Joglekar, Biolek, Prodromakis twice */
    const double windows[5] = {0, 1, 2, 3, 3}, js[5] = {1, 1, 1, 1, 0.5};
    for (int run = 0; run < 5; run++) {
        double xs[5], xd[5];
        xb_assert_ok(xb_device_params_default(xb_device_linear_drift, params));
        xb_assert_ok(xb_device_param_set(xb_device_linear_drift, params, "ron", 100));
        xb_assert_ok(xb_device_param_set(xb_device_linear_drift, params, "roff", 1e3));
        xb_assert_ok(xb_device_param_set(xb_device_linear_drift, params, "d", 16e-9));
        xb_assert_ok(xb_device_param_set(xb_device_linear_drift, params, "mu_v", 40e-15));
        xb_assert_ok(xb_device_param_set(xb_device_linear_drift, params, "p", 7));
        xb_assert_ok(xb_device_param_set(xb_device_linear_drift, params, "window", windows[run]));
        xb_assert_ok(xb_device_param_set(xb_device_linear_drift, params, "j", js[run]));
        run_both(xb_device_linear_drift, params, 5, x0, v, &p, xs, xd);
        for (int k = 0; k < 5; k++) {
            xb_assert_close(xs[k], xd[k], 0.0, LD_TOL_STATE);
        }
        /* the movers moved 3000x LD_TOL_STATE beyond it, each its own way */
        assert_true(xs[0] - x0[0] > 0.03 && x0[1] - xs[1] > 0.07);
        if (windows[run] == 0.0) {
            assert_true(xs[2] > 1.0 - 1e-4 && xs[2] <= 1.0);
        }
        if (windows[run] == 2.0) {
            /* from the same state, the Biolek window lets cell 3 (i > 0, away
             * from x = 0) move over 5x as far as cell 4 (i < 0, toward it) */
            assert_true(xs[3] - x0[3] > 5.0 * (x0[4] - xs[4]) && x0[4] - xs[4] > 0.005);
        }
    }
}

/* Stanford-PKU, deterministic part, v1.0.0 code defaults (device-models.md
 * §4.2: gap 0.2-1.7 nm, gamma0 16, beta 0.8, alpha 3, F_min 1.4e9 V/m,
 * t_ox 12 nm, R_th 2.1e3 K/W), devices/' own 5 ns pulse with 1 ns edges;
 * state s = 1 is the smallest gap:
 *   cell 0 +1.45 V (v_up) from 0.2 and cell 1 -1.15 V (v_down) from 0.8:
 *   above the F_min threshold, a small SET / RESET step;
 *   cells 2, 3 +1.6 V from 0.5 and 0.7: Joule heating (T = T0 + |VI| R_th)
 *   runs away and both end held at s = 1 by the state gate;
 *   cells 4, 5 -1.5 V from 0.95 and -1.6 V from 0.4: large RESET steps;
 *   cell 6 +1.2 V from 0.1: gamma = 16 - 0.8 (1.55)^3 = 13.0 gives
 *   gamma V/t_ox = 1.30e9 < F_min, so gamma := 0 and it must not move.
 * SP_MAX_STEP is 1/200 of the edge. Measured largest difference to
 * xb_device_integrate: 1.05e-5 at 10 ps (cell 4), 3.0e-6 at 5 ps, 4.3e-7 at
 * 2.5 ps (the rest at or below 4e-7 there), so it is ngspice's step error
 * down to a floor near 4e-7. SP_TOL_STATE is five times the 5 ps value. */
#define SP_MAX_STEP 5e-12
#define SP_TOL_STATE 1.5e-5
static void test_circuits_tran__stanford_pku_vs_device_ode(void **state)
{
    (void)state;
    _Alignas(max_align_t) unsigned char params[XB_DEVICE_PARAMS_MAX];
    const xb_spice_pulse p = {.delay = 1e-9,
                              .rise = 1e-9,
                              .width = 5e-9,
                              .fall = 1e-9,
                              .t_stop = 8e-9,
                              .max_step = SP_MAX_STEP};
    const double x0[7] = {0.2, 0.8, 0.5, 0.7, 0.95, 0.4, 0.1};
    const double v[7] = {1.45, -1.15, 1.6, 1.6, -1.5, -1.6, 1.2};
    double xs[7], xd[7];
    xb_assert_ok(xb_device_params_default(xb_device_stanford_pku, params));
    run_both(xb_device_stanford_pku, params, 7, x0, v, &p, xs, xd);
    for (int k = 0; k < 7; k++) {
        xb_assert_close(xs[k], xd[k], 0.0, SP_TOL_STATE);
    }
    /* SET up, RESET down, each 300x SP_TOL_STATE or more */
    assert_true(xs[0] - x0[0] > 0.01 && x0[1] - xs[1] > 0.004);
    xb_assert_close(xs[2], 1.0, 0.0, SP_TOL_STATE);
    xb_assert_close(xs[3], 1.0, 0.0, SP_TOL_STATE);
    assert_true(x0[4] - xs[4] > 0.4 && x0[5] - xs[5] > 0.15);
    xb_assert_close(xs[6], x0[6], 0.0, TOL_STILL);
    assert_true(xd[6] == x0[6]);
}

/* The netlists carry each model's subcircuit; other models are refused by name. */
static void test_circuits_tran__netlists_and_errors(void **state)
{
    (void)state;
    _Alignas(max_align_t) unsigned char params[XB_DEVICE_PARAMS_MAX];
    const xb_spice_pulse p = {1e-6, 1e-6, 1e-5, 1e-6, 2e-5, MAX_STEP};
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = c.cols = 1;
    double x0 = 0.5, ur = 1.0, uc = 0.0, x;
    char *net = NULL;
    xb_assert_ok(xb_device_params_default(xb_device_team, params));
    xb_assert_ok(xb_spice_netlist_tran_device(&net, &c, xb_device_team, params, &x0, &ur, &uc, &p));
    assert_non_null(strstr(net, "crossbar of TEAM memristors"));
    assert_non_null(strstr(net, "XM0_0 "));
    free(net);
    xb_assert_ok(xb_device_params_default(xb_device_yakopcic, params));
    xb_assert_ok(
        xb_spice_netlist_tran_device(&net, &c, xb_device_yakopcic, params, &x0, &ur, &uc, &p));
    assert_non_null(strstr(net, "crossbar of Yakopcic memristors"));
    assert_non_null(strstr(net, "sinh(0.050000000000000003*v(te,be))"));
    free(net);
    xb_assert_ok(xb_device_params_default(xb_device_linear_drift, params));
    xb_assert_ok(xb_device_param_set(xb_device_linear_drift, params, "window", 3));
    xb_assert_ok(
        xb_spice_netlist_tran_device(&net, &c, xb_device_linear_drift, params, &x0, &ur, &uc, &p));
    assert_non_null(strstr(net, "crossbar of linear-drift (Prodromakis window) memristors"));
    free(net);
    xb_assert_ok(xb_device_params_default(xb_device_stanford_pku, params));
    xb_assert_ok(
        xb_spice_netlist_tran_device(&net, &c, xb_device_stanford_pku, params, &x0, &ur, &uc, &p));
    assert_non_null(strstr(net, "crossbar of Stanford-PKU memristors"));
    free(net);
    xb_assert_ok(xb_device_params_default(xb_device_ideal, params));
    xb_assert_error(xb_spice_tran_states_device(&x, &c, xb_device_ideal, params, &x0, &ur, &uc, &p),
                    XB_EINVAL,
                    "'ideal' has no tran subcircuit (linear_drift, vteam, team, yakopcic or "
                    "stanford_pku)");
    x0 = 1.5;
    xb_assert_ok(xb_device_params_default(xb_device_team, params));
    xb_assert_error(xb_spice_tran_states_device(&x, &c, xb_device_team, params, &x0, &ur, &uc, &p),
                    XB_EINVAL, "x0[0] = 1.5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_circuits_tran__team_vs_device_ode),
        cmocka_unit_test(test_circuits_tran__yakopcic_vs_device_ode),
        cmocka_unit_test(test_circuits_tran__linear_drift_windows_vs_device_ode),
        cmocka_unit_test(test_circuits_tran__stanford_pku_vs_device_ode),
        cmocka_unit_test(test_circuits_tran__netlists_and_errors),
    };
    return cmocka_run_group_tests_name("circuits_tran", tests, NULL, NULL);
}
