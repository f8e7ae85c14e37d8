/* devices: state-equation models on SUNDIALS against their closed forms
 * (device-models.md §1-§3, §7.2, §8), the I-V loop, and table vs ode modes. */
#include "xb_test.h"

#include <stdlib.h>

#include "devices/devices.h"

/* §7.2 ngspice numbers are printed to 3 significant digits. */
#define NGSPICE_PRINT_RTOL 5e-3

static void defaults(const xb_device_type *t, void *buf) { xb_assert_ok(xb_device_params_default(t, buf)); }

/* §1.1 without a window: (R_OFF x + (R_ON - R_OFF) x^2/2) grows by k v t, k = mu_v R_ON/D^2. */
static double hp_closed(double ron, double roff, double k, double x0, double v, double t)
{
    double a = 0.5 * (ron - roff), b = roff;
    double c = roff * x0 + a * x0 * x0 + k * v * t;
    return 2.0 * c / (b + sqrt(b * b + 4.0 * a * c));
}

static void test_devices_ode__linear_drift_closed_form(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    defaults(xb_device_linear_drift, buf);
    double ron, roff, d, mu;
    xb_device_param_get(xb_device_linear_drift, buf, "ron", &ron);
    xb_device_param_get(xb_device_linear_drift, buf, "roff", &roff);
    xb_device_param_get(xb_device_linear_drift, buf, "d", &d);
    xb_device_param_get(xb_device_linear_drift, buf, "mu_v", &mu);
    double k = mu * ron / (d * d);
    xb_assert_close(k, 1e4, XB_TOL_EXACT, 0.0); /* §8 check 5 */
    xb_assert_close(d * d / (mu * 1.0), 10e-3, XB_TOL_EXACT, 0.0);
    const xb_device_waveform dc = {XB_WAVE_DC, 1.0, 0, 0, 0, 0, 0};
    const double x0[4] = {0.1, 0.3, 0.05, 0.713};
    const double scale[4] = {1.0, 0.5, -0.3, -2.385};
    for (int m = 0; m < 2; m++) {
        xb_device_ode_settings s = XB_DEVICE_ODE_SETTINGS_INIT;
        if (m == 1) { /* CVODE needs a tighter rtol for the same accuracy (deps.md §2) */
            s.method = XB_ODE_CVODE;
            s.rtol = 1e-11;
            s.atol = 1e-13;
        }
        double x[4];
        memcpy(x, x0, sizeof x);
        const double T = 20e-3;
        xb_assert_ok(xb_device_integrate(xb_device_linear_drift, buf, 0, 4, x, scale, &dc, T, 0, NULL, &s, NULL));
        for (int i = 0; i < 4; i++) {
            xb_assert_close(x[i], hp_closed(ron, roff, k, x0[i], scale[i], T), XB_TOL_ODE, 0.0);
        }
    }
}

/* §1.1 "w(t) = mu_v (R_ON/D) q(t)": without a window x - x0 = k q(t) with q the
 * charge, here under a 1 V / 1 Hz sine, q by the trapezoid rule over 20000 samples
 * (error ~1e-9 of the swing). */
#define TRAPEZOID_RTOL 1e-6
static void test_devices_ode__linear_drift_charge(void **state)
{
    (void)state;
    enum { S = 20000 };
    const void *p = xb_device_linear_drift->default_params;
    const xb_device_waveform sine = {XB_WAVE_SINE, 1.0, 0, 0, 0, 0, 1.0};
    double *xs = malloc(S * sizeof *xs);
    assert_non_null(xs);
    double x = 0.3;
    xb_assert_ok(xb_device_integrate(xb_device_linear_drift, p, 0, 1, &x, NULL, &sine, 1.0, S, xs, NULL, NULL));
    double q = 0.0, i_prev = 0.0, swing = 0.0, worst = 0.0;
    for (int s = 0; s < S; s++) {
        double t = (s + 1.0) / S, v = xb_device_waveform_at(&sine, t), i;
        xb_device_linear_drift->current(p, 0, 1, &xs[s], &v, &i);
        q += 0.5 * (i + i_prev) / S;
        i_prev = i;
        swing = fmax(swing, fabs(xs[s] - 0.3));
        worst = fmax(worst, fabs((xs[s] - 0.3) - 1e4 * q));
    }
    assert_true(swing > 0.01);
    xb_assert_close(worst / swing, 0.0, 0.0, TRAPEZOID_RTOL);
    free(xs);
}

/* With no window, x depends on v only through its integral (§1.1, w = mu_v R_ON/D q),
 * so each +/- pair of identical pulses returns x exactly: drift measures the
 * integrator (deps.md §2 gotcha). 100 pairs through a block in ode mode. */
static void test_devices_ode__pulse_pairs_return(void **state)
{
    (void)state;
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.type = xb_device_linear_drift;
    xb_devices *d = NULL;
    xb_assert_ok(xb_devices_create(&d, &cfg, 3, 1, 0));
    xb_assert_ok(xb_devices_set_write_mode(d, XB_WRITE_ODE, NULL));
    double gmin, gmax;
    xb_devices_nominal_range(d, &gmin, &gmax);
    /* x = 0.3, 0.5, 0.7: away from the bounds, where no window holds x */
    double t[3] = {1.0 / (100.0 * 0.3 + 16e3 * 0.7), 1.0 / (100.0 * 0.5 + 16e3 * 0.5), 1.0 / (100.0 * 0.7 + 16e3 * 0.3)};
    xb_assert_ok(xb_devices_program(d, t));
    double g0[3];
    memcpy(g0, xb_devices_conductances(d), sizeof g0);
    int32_t up[3] = {1, 2, 1}, down[3] = {-1, -2, -1};
    for (int i = 0; i < 100; i++) {
        xb_assert_ok(xb_devices_pulse(d, up, (uint64_t)(2 * i)));
        xb_assert_ok(xb_devices_pulse(d, down, (uint64_t)(2 * i + 1)));
    }
    for (int k = 0; k < 3; k++) {
        xb_assert_close(xb_devices_conductances(d)[k], g0[k], XB_TOL_ODE, 0.0);
    }
    xb_device_ode_stats st;
    xb_devices_ode_stats(d, &st);
    assert_true(st.steps > 0 && st.restarts >= 4 * 200);
    xb_devices_free(d);
}

/* §2.2 with no window and constant v beyond a threshold: w moves linearly,
 * dw/dt = k/D (v/v_th - 1)^alpha. MemTorch/Technion demo values (§2.3d). */
static void test_devices_ode__vteam_closed_form(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    defaults(xb_device_vteam, buf);
    const xb_device_waveform dc = {XB_WAVE_DC, 1.0, 0, 0, 0, 0, 0};
    double w[3] = {0.2, 0.9, 0.5};
    const double v[3] = {0.5, -0.25, 0.01}; /* OFF, ON, sub-threshold */
    xb_assert_ok(xb_device_integrate(xb_device_vteam, buf, 0, 3, w, v, &dc, 1e-8, 0, NULL, NULL, NULL));
    double r_off = 5e-4 / 3e-9 * (0.5 / 0.02 - 1.0);
    double r_on = -10.0 / 3e-9 * pow(-0.25 / -0.2 - 1.0, 3.0);
    xb_assert_close(w[0], 0.2 + r_off * 1e-8, XB_TOL_ODE, 0.0);
    xb_assert_close(w[1], 0.9 + r_on * 1e-8, XB_TOL_ODE, 0.0);
    assert_true(w[2] == 0.5);
}

/* §2.1 TEAM with alpha_off = 1, linear I-V, constant v: separable,
 * t(w) = D/k_off [-(w - w0) - (c/b) ln((c - a - b w)/(c - a - b w0))],
 * a = i_off R_on, b = i_off (R_off - R_on), c = v. */
static void test_devices_ode__team_closed_form(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    defaults(xb_device_team, buf);
    xb_assert_ok(xb_device_param_set(xb_device_team, buf, "alpha_off", 1.0));
    xb_assert_ok(xb_device_param_set(xb_device_team, buf, "k_off", 1e-6));
    const xb_device_waveform dc = {XB_WAVE_DC, 0.1, 0, 0, 0, 0, 0};
    const double w0 = 0.03, T = 0.01; /* far from the asymptote i = i_off */
    double w = w0;
    xb_assert_ok(xb_device_integrate(xb_device_team, buf, 0, 1, &w, NULL, &dc, T, 0, NULL, NULL, NULL));
    double a = 115e-6 * 50.0, b = 115e-6 * (1e3 - 50.0), c = 0.1;
    double t = 3e-9 / 1e-6 * (-(w - w0) - (c / b) * log((c - a - b * w) / (c - a - b * w0)));
    assert_true(w > w0 + 0.05);
    xb_assert_close(t, T, XB_TOL_ODE, 0.0);
}

/* §3.1 below xp the window is 1: dx/dt = eta Ap (e^V - e^Vp), constant. Oblea set (§3.2). */
static void test_devices_ode__yakopcic_closed_form(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    defaults(xb_device_yakopcic, buf);
    const xb_device_waveform dc = {XB_WAVE_DC, 0.3, 0, 0, 0, 0, 0};
    double x = 0.05;
    xb_assert_ok(xb_device_integrate(xb_device_yakopcic, buf, 0, 1, &x, NULL, &dc, 2e-4, 0, NULL, NULL, NULL));
    xb_assert_close(x, 0.05 + 4000.0 * (exp(0.3) - exp(0.16)) * 2e-4, XB_TOL_ODE, 0.0);
}

/* Loop area |∮ i dv| of one period and the peaks of x and |i|. */
static void iv_loop(const void *buf, double f, double *area, double *xpeak, double *ipeak, double *i_at_zero)
{
    enum { S = 4000 };
    const xb_device_waveform sine = {XB_WAVE_SINE, 1.0, 0, 0, 0, 0, f};
    double *xs = malloc(S * sizeof *xs);
    assert_non_null(xs);
    double x = 0.1;
    xb_assert_ok(xb_device_integrate(xb_device_linear_drift, buf, 0, 1, &x, NULL, &sine, 1.0 / f, S, xs, NULL, NULL));
    double v_prev = 0.0, i_prev = 0.0;
    *area = 0.0;
    *xpeak = 0.1;
    *ipeak = 0.0;
    *i_at_zero = HUGE_VAL;
    for (int s = 0; s < S; s++) {
        double t = (s + 1.0) / (S * f);
        double v = xb_device_waveform_at(&sine, t), i;
        xb_device_linear_drift->current(buf, 0, 1, &xs[s], &v, &i);
        *area += 0.5 * (i + i_prev) * (v - v_prev);
        *xpeak = fmax(*xpeak, xs[s]);
        *ipeak = fmax(*ipeak, fabs(i));
        if (s == S / 2 - 1) {
            *i_at_zero = i; /* t = T/2: v = 0 */
        }
        v_prev = v;
        i_prev = i;
    }
    *area = fabs(*area);
    free(xs);
}

/* §7.2 ngspice 39.3 run of the same Joglekar device: 1 V / 1 Hz sine from x0 = 0.1 gives
 * x peaking at 0.221 and |i| at 73.5 uA. The loop is pinched at the origin
 * and its lobes shrink as the frequency grows. */
static void test_devices_ode__iv_loop(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    defaults(xb_device_linear_drift, buf);
    xb_assert_ok(xb_device_param_set(xb_device_linear_drift, buf, "window", 1.0));
    double a1, a10, a100, xp, ip, i0, dummy;
    iv_loop(buf, 1.0, &a1, &xp, &ip, &i0);
    xb_assert_close(xp, 0.221, NGSPICE_PRINT_RTOL, 0.0);
    xb_assert_close(ip, 73.5e-6, NGSPICE_PRINT_RTOL, 0.0);
    xb_assert_close(i0, 0.0, 0.0, 1e-9 * ip);
    iv_loop(buf, 10.0, &a10, &dummy, &dummy, &dummy);
    iv_loop(buf, 100.0, &a100, &dummy, &dummy, &dummy);
    assert_true(a1 > 0.0);
    assert_true(a10 < a1);
    assert_true(a100 < a10);
}

/* The table is the ODE's own one-pulse response on 1024 nodes even in ln G
 * (or in the state where Gmin = 0): one pulse in table mode against the same
 * pulse integrated, for 100 devices spread over the range. Measured maxima of
 * |G_table - G_ode| / |G_ode - G_start| with the presets' write pulses:
 * 2.0e-3 (linear_drift, where one pulse can cross half the range), 4.8e-6
 * (vteam), 9.1e-5 (yakopcic). */
#define TABLE_STEP_RTOL 5e-3
static void test_devices_ode__table_matches_ode(void **state)
{
    (void)state;
    const xb_device_type *types[4] = {xb_device_linear_drift, xb_device_vteam, xb_device_yakopcic,
                                      xb_device_stanford_pku};
    enum { N = 100 };
    for (int m = 0; m < 4; m++) {
        xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
        cfg.type = types[m];
        xb_devices *tab = NULL, *ode = NULL;
        xb_assert_ok(xb_devices_create(&tab, &cfg, N, 1, 0));
        xb_assert_ok(xb_devices_create(&ode, &cfg, N, 1, 0));
        xb_assert_ok(xb_devices_set_write_mode(ode, XB_WRITE_ODE, NULL));
        assert_true(xb_devices_pulses_full_range(tab) > 1.0);
        double gmin, gmax, t[N], g0[N];
        int32_t np[N];
        xb_devices_nominal_range(tab, &gmin, &gmax);
        for (int k = 0; k < N; k++) {
            t[k] = gmin + (gmax - gmin) * (0.01 + 0.98 * (k / 2) / (N / 2 - 1.0));
            np[k] = k % 2 ? 1 : -1;
        }
        xb_assert_ok(xb_devices_program(tab, t));
        xb_assert_ok(xb_devices_program(ode, t));
        memcpy(g0, xb_devices_conductances(ode), sizeof g0);
        xb_assert_ok(xb_devices_pulse(tab, np, 0));
        xb_assert_ok(xb_devices_pulse(ode, np, 0));
        for (int k = 0; k < N; k++) {
            double step = xb_devices_conductances(ode)[k] - g0[k];
            double err = xb_devices_conductances(tab)[k] - xb_devices_conductances(ode)[k];
            if (step == 0.0 && err == 0.0) {
                continue; /* below a field threshold (Stanford F_min): neither moves */
            }
            if (!(step * np[k] > 0.0)) { /* every device moved the right way */
                fail_msg("%s device %d (%+d pulse from %g S): ode step %g S", types[m]->name, k, np[k],
                         g0[k], step);
            }
            xb_assert_close(err / step, 0.0, 0.0, TABLE_STEP_RTOL);
        }
        xb_devices_free(tab);
        xb_devices_free(ode);
    }
}

/* ODE mode with per-device parameters and mixed pulse counts: each device ends
 * where its own |n| write pulses, integrated one device at a time, take it. */
static void test_devices_ode__ode_mode_d2d(void **state)
{
    (void)state;
    enum { N = 6 };
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.type = xb_device_yakopcic;
    snprintf(cfg.d2d[0].param, sizeof cfg.d2d[0].param, "ap");
    cfg.d2d[0].sigma = 0.2;
    cfg.n_d2d = 1;
    xb_devices *d = NULL;
    xb_assert_ok(xb_devices_create(&d, &cfg, N, 17, 0));
    xb_assert_ok(xb_devices_set_write_mode(d, XB_WRITE_ODE, NULL));
    double gmin, gmax, t[N], x0[N];
    xb_devices_nominal_range(d, &gmin, &gmax);
    for (int k = 0; k < N; k++) {
        t[k] = gmin + (gmax - gmin) * (0.15 + 0.13 * k);
    }
    xb_assert_ok(xb_devices_program(d, t));
    int32_t np[N] = {0, 2, -1, 0, 3, -2};
    for (int k = 0; k < N; k++) {
        xb_assert_ok(xb_device_yakopcic->set_conductance(xb_devices_params(d, k), 0, 1, &xb_devices_conductances(d)[k], &x0[k]));
    }
    xb_assert_ok(xb_devices_pulse(d, np, 0));
    for (int k = 0; k < N; k++) {
        const void *pk = xb_devices_params(d, k);
        xb_device_waveform w;
        double t_end, v, x = x0[k], g;
        xb_assert_ok(xb_device_write_pulse(xb_device_yakopcic, pk, &w, &t_end));
        xb_assert_ok(xb_device_param_get(xb_device_yakopcic, pk, np[k] > 0 ? "v_up" : "v_down", &v));
        for (int r = 0; r < abs(np[k]); r++) {
            xb_assert_ok(xb_device_integrate(xb_device_yakopcic, pk, 0, 1, &x, &v, &w, t_end, 0, NULL, NULL, NULL));
        }
        xb_assert_ok(xb_device_yakopcic->conductance(pk, 0, 1, &x, &g));
        xb_assert_close(xb_devices_conductances(d)[k], g, XB_TOL_ODE, 0.0);
    }
    xb_devices_free(d);
}

/* The exported 48-node table (xb_device_table_build) used as a piecewise
 * device: at a node, one pulse equals the integrated pulse. */
static void test_devices_ode__exported_table(void **state)
{
    (void)state;
    const xb_device_type *t = xb_device_vteam;
    const void *p = t->default_params;
    xb_device_piecewise_params pw;
    xb_assert_ok(xb_device_table_build(t, p, NULL, &pw));
    assert_true(pw.table_coord == XB_TABLE_LOG_G);
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.type = xb_device_piecewise;
    cfg.params = &pw;
    xb_devices *d = NULL;
    xb_assert_ok(xb_devices_create(&d, &cfg, 1, 1, 0));
    double g = pw.gmin * pow(pw.gmax / pw.gmin, 20.0 / (XB_DEVICE_PIECEWISE_NODES - 1.0)), x, g1;
    xb_assert_ok(xb_devices_program(d, &g));
    int32_t one = 1;
    xb_assert_ok(xb_devices_pulse(d, &one, 0));
    xb_device_waveform w;
    double t_end, vu;
    xb_assert_ok(xb_device_write_pulse(t, p, &w, &t_end));
    xb_assert_ok(xb_device_param_get(t, p, "v_up", &vu));
    g = xb_devices_conductances(d)[0];
    double g0 = pw.gmin * pow(pw.gmax / pw.gmin, 20.0 / (XB_DEVICE_PIECEWISE_NODES - 1.0));
    xb_assert_ok(t->set_conductance(p, 0, 1, &g0, &x));
    xb_assert_ok(xb_device_integrate(t, p, 0, 1, &x, &vu, &w, t_end, 0, NULL, NULL, NULL));
    xb_assert_ok(t->conductance(p, 0, 1, &x, &g1));
    assert_true(g1 > g0);
    xb_assert_close(g, g1, XB_TOL_ODE, 0.0);
    xb_devices_free(d);
}

/* §8 check 6: the v1.0.0 gap range 0.2 / 1.7 nm is R(0.1 V) = 542 ohm / 218.6 kohm
 * (MemTorch's port, §4.2), 3-4 significant digits. */
#define STANFORD_R_RTOL 1e-3
static void test_devices_ode__stanford_bounds(void **state)
{
    (void)state;
    double gmin, gmax;
    xb_device_stanford_pku->bounds(xb_device_stanford_pku->default_params, &gmin, &gmax);
    xb_assert_close(1.0 / gmax, 542.0, STANFORD_R_RTOL, 0.0);
    xb_assert_close(1.0 / gmin, 218586.0, STANFORD_R_RTOL, 0.0);
    /* below the F_min field nothing moves: gamma0 |V| / t_ox = 16 * 1 V / 12 nm < 1.4e9 V/m */
    double s = 0.5, v = 1.0, ds = 1.0;
    xb_assert_ok(xb_device_stanford_pku->rhs(xb_device_stanford_pku->default_params, 0, 1, 0.0, &s, &v, &ds));
    assert_true(ds == 0.0);
}

static void test_devices_ode__errors(void **state)
{
    (void)state;
    const xb_device_waveform dc = {XB_WAVE_DC, 1.0, 0, 0, 0, 0, 0};
    double x = 0.5;
    xb_assert_error(xb_device_integrate(xb_device_neurosim, xb_device_neurosim->default_params, 0, 1, &x, NULL, &dc, 1.0, 0, NULL, NULL, NULL),
                    XB_EINVAL, "no state equation");
    xb_device_ode_settings s = XB_DEVICE_ODE_SETTINGS_INIT;
    s.rtol = 0.0;
    xb_assert_error(xb_device_integrate(xb_device_vteam, xb_device_vteam->default_params, 0, 1, &x, NULL, &dc, 1.0, 0, NULL, &s, NULL),
                    XB_EINVAL, "rtol (0)");
    /* too few steps for a stiff drive: the flag name reaches the message */
    s = (xb_device_ode_settings)XB_DEVICE_ODE_SETTINGS_INIT;
    s.max_steps = 2;
    const xb_device_waveform sine = {XB_WAVE_SINE, 1.0, 0, 0, 0, 0, 1.0};
    xb_assert_error(xb_device_integrate(xb_device_linear_drift, xb_device_linear_drift->default_params, 0, 1, &x, NULL, &sine, 1.0, 0, NULL, &s, NULL),
                    XB_ENOCONV, "TOO_MUCH_WORK");
    char buf[XB_DEVICE_PARAMS_MAX];
    defaults(xb_device_vteam, buf);
    xb_assert_error(xb_device_param_set(xb_device_vteam, buf, "v_on", 0.3), XB_EINVAL, "v_on < 0");
    xb_assert_error(xb_device_param_set(xb_device_team, buf, "v_on", -0.3), XB_ENOTFOUND, "'v_on'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devices_ode__linear_drift_closed_form),
        cmocka_unit_test(test_devices_ode__linear_drift_charge),
        cmocka_unit_test(test_devices_ode__pulse_pairs_return),
        cmocka_unit_test(test_devices_ode__vteam_closed_form),
        cmocka_unit_test(test_devices_ode__team_closed_form),
        cmocka_unit_test(test_devices_ode__yakopcic_closed_form),
        cmocka_unit_test(test_devices_ode__iv_loop),
        cmocka_unit_test(test_devices_ode__table_matches_ode),
        cmocka_unit_test(test_devices_ode__ode_mode_d2d),
        cmocka_unit_test(test_devices_ode__exported_table),
        cmocka_unit_test(test_devices_ode__stanford_bounds),
        cmocka_unit_test(test_devices_ode__errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
