/* devices: parameters by name, presets, aihwkit pulse-level forms and the
 * piecewise model from measured data (device-models.md §5.1, §5.2, §8). */
#include "xb_test.h"

#include <stdlib.h>
#include <unistd.h>

#include "devices/devices.h"

/* Repeated x += step over ~1e3 pulses: rounding of the sum only. */
#define PULSE_SUM_ATOL 1e-12
/* Steps recovered as differences of %.17g-printed conductances (cancellation). */
#define DIFF_RTOL 1e-9

static xb_devices *make(const xb_device_type *type, const void *params, size_t n)
{
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.type = type;
    cfg.params = params;
    xb_devices *d = NULL;
    xb_assert_ok(xb_devices_create(&d, &cfg, n, 1, 0));
    return d;
}

static double x_of(const xb_devices *d, size_t k)
{
    double lo, hi;
    xb_devices_device_bounds(d, k, &lo, &hi);
    return (xb_devices_conductances(d)[k] - lo) / (hi - lo);
}

static void program_x(xb_devices *d, double x)
{
    double lo, hi;
    xb_devices_nominal_range(d, &lo, &hi);
    double t[1] = {lo + x * (hi - lo)};
    xb_assert_ok(xb_devices_program(d, t));
}

static void test_devices_params__by_name(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    xb_assert_ok(xb_device_params_default(xb_device_neurosim, buf));
    double v = 0.0;
    xb_assert_ok(xb_device_param_get(xb_device_neurosim, buf, "nl_ltd", &v));
    assert_true(v == -4.88); /* §5.1 */
    xb_assert_ok(xb_device_param_set(xb_device_neurosim, buf, "nl_ltp", 1.0));
    const xb_device_neurosim_params *p = (const void *)buf;
    /* derived again: A = A_norm(1.0) * 97, table value 1.251653 (§5.1) */
    xb_assert_close(p->a_ltp, 1.251653 * 97.0, 1e-4, 0.0);
    xb_assert_error(xb_device_param_set(xb_device_neurosim, buf, "nl_foo", 1.0), XB_ENOTFOUND,
                    "model 'neurosim' has no parameter 'nl_foo'");
    assert_non_null(strstr(xb_last_error(), "nl_ltp"));
    xb_assert_error(xb_device_param_set(xb_device_neurosim, buf, "nl_ltp", 20.0), XB_EINVAL,
                    "setting 'nl_ltp' to 20");
    xb_assert_ok(xb_device_param_get(xb_device_neurosim, buf, "nl_ltp", &v));
    assert_true(v == 1.0); /* unchanged after the failed set */
    const xb_device_param *par = NULL;
    assert_int_equal(xb_device_param_find(xb_device_neurosim, "gmax", &par), 1);
    assert_string_equal(par->unit, "S");
}

static void test_devices_presets__all_load(void **state)
{
    (void)state;
    assert_true(xb_device_preset_count() >= 13);
    for (size_t i = 0; i < xb_device_preset_count(); i++) {
        const xb_device_preset *pr = xb_device_preset_at(i);
        char buf[XB_DEVICE_PARAMS_MAX];
        const xb_device_type *type = NULL;
        xb_assert_ok(xb_device_preset_find(pr->name, &type, buf));
        assert_string_equal(type->name, pr->model);
        assert_true(strlen(pr->source) > 10);
        xb_device_config cfg;
        xb_assert_ok(xb_device_preset_config(pr->name, &cfg, buf));
        xb_devices *d = NULL;
        xb_assert_ok(xb_devices_create(&d, &cfg, 16, 3, 0));
        assert_true(xb_devices_pulses_full_range(d) > 1.0);
        xb_devices_free(d);
    }
    assert_null(xb_device_preset_at(xb_device_preset_count()));
    const xb_device_type *type = NULL;
    char buf[XB_DEVICE_PARAMS_MAX];
    xb_assert_error(xb_device_preset_find("unobtainium", &type, buf), XB_ENOTFOUND, "unobtainium");
}

/* NeuroSim Table II (§5.1): Gmax = 1/R_ON, Gmin = Gmax/(ON/OFF). */
static void test_devices_presets__neurosim_table(void **state)
{
    (void)state;
    const xb_device_type *type = NULL;
    xb_device_neurosim_params p;
    xb_assert_ok(xb_device_preset_find("taox_hfox", &type, &p));
    assert_ptr_equal(type, xb_device_neurosim);
    xb_assert_close(p.gmax, 1.0 / 100e3, XB_TOL_EXACT, 0.0);
    xb_assert_close(p.gmax / p.gmin, 10.0, XB_TOL_EXACT, 0.0);
    assert_true(p.p_ltp == 128.0 && p.nl_ltp == 0.04 && p.nl_ltd == -0.63);
    xb_assert_ok(xb_device_preset_find("agsi", &type, &p));
    assert_memory_equal(&p, xb_device_neurosim->default_params, sizeof p);
}

/* §8 check 3: GokmenVlasov ConstantStep, noise off: 1250 up pulses from w_min reach w_max. */
static void test_devices_aihwkit__constant_step_gokmen_vlasov(void **state)
{
    (void)state;
    const xb_device_type *type = NULL;
    char buf[XB_DEVICE_PARAMS_MAX];
    xb_assert_ok(xb_device_preset_find("gokmen_vlasov", &type, buf));
    xb_devices *d = make(type, buf, 2);
    assert_true(xb_devices_pulses_full_range(d) == 1250.0);
    int32_t np[2] = {1249, 1250};
    xb_assert_ok(xb_devices_pulse(d, np, 0));
    xb_assert_close(x_of(d, 0), 1249.0 / 1250.0, 0.0, PULSE_SUM_ATOL);
    xb_assert_close(x_of(d, 1), 1.0, 0.0, PULSE_SUM_ATOL);
    xb_devices_free(d);
}

/* §8 check 4 and the SoftBounds rule of §5.2: the up step is Δ(1 - w/b_max), zero at
 * b_max, so (1 - u) shrinks by (1 - 2Δ) per pulse with u = 2x - 1. */
static void test_devices_aihwkit__soft_bounds(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    xb_assert_ok(xb_device_params_default(xb_device_soft_bounds, buf));
    xb_assert_ok(xb_device_param_set(xb_device_soft_bounds, buf, "step", 0.0137));
    xb_devices *d = make(xb_device_soft_bounds, buf, 1);
    program_x(d, 1.0);
    int32_t one = 1;
    xb_assert_ok(xb_devices_pulse(d, &one, 0));
    assert_true(x_of(d, 0) == 1.0);
    program_x(d, 0.23);
    double u0 = 2.0 * x_of(d, 0) - 1.0;
    int32_t n = 37;
    xb_assert_ok(xb_devices_pulse(d, &n, 1));
    double u = 2.0 * x_of(d, 0) - 1.0;
    xb_assert_close(1.0 - u, (1.0 - u0) * pow(1.0 - 2.0 * 0.0137, 37), XB_TOL_EXACT * 100, 0.0);
    int32_t m = -21; /* down: (1 + u) shrinks by (1 - 2Δ) */
    xb_assert_ok(xb_devices_pulse(d, &m, 2));
    xb_assert_close(1.0 + (2.0 * x_of(d, 0) - 1.0), (1.0 + u) * pow(1.0 - 2.0 * 0.0137, 21),
                    XB_TOL_EXACT * 100, 0.0);
    xb_devices_free(d);
}

/* One pulse of LinearStep, ExpStep and PowStep against the §5.2 update rules. */
static void test_devices_aihwkit__single_steps(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    const double x0 = 0.613, s = 0.00731;
    double u0;

    xb_assert_ok(xb_device_params_default(xb_device_linear_step, buf));
    xb_assert_ok(xb_device_param_set(xb_device_linear_step, buf, "step", s));
    xb_assert_ok(xb_device_param_set(xb_device_linear_step, buf, "gamma_up", 0.1153));
    xb_assert_ok(xb_device_param_set(xb_device_linear_step, buf, "gamma_down", 0.5085));
    xb_assert_ok(xb_device_param_set(xb_device_linear_step, buf, "up_down", 0.2));
    xb_devices *d = make(xb_device_linear_step, buf, 1);
    program_x(d, x0);
    u0 = 2.0 * x_of(d, 0) - 1.0;
    double xs = x_of(d, 0);
    int32_t up = 1, down = -1;
    xb_assert_ok(xb_devices_pulse(d, &up, 0));
    xb_assert_close(x_of(d, 0), xs + s * (1.0 - 0.1153 * u0), XB_TOL_EXACT, 0.0);
    program_x(d, x0);
    xb_assert_ok(xb_devices_pulse(d, &down, 1));
    /* up_down 0.2 > 0 shrinks the down step: Δ- = (1 - 0.2) step */
    xb_assert_close(x_of(d, 0), xs - 0.8 * s * (1.0 + 0.5085 * u0), XB_TOL_EXACT, 0.0);
    xb_devices_free(d);

    xb_assert_ok(xb_device_params_default(xb_device_exp_step, buf));
    xb_assert_ok(xb_device_param_set(xb_device_exp_step, buf, "step", s));
    d = make(xb_device_exp_step, buf, 1);
    program_x(d, x0);
    xs = x_of(d, 0);
    u0 = 2.0 * xs - 1.0;
    double z = 0.244 * u0 + 0.2425; /* aihwkit ExpStep defaults (§5.2) */
    xb_assert_ok(xb_devices_pulse(d, &up, 0));
    xb_assert_close(x_of(d, 0), xs + s * fmax(1.0 - 0.00081 * exp(12.44625 * z), 0.0), XB_TOL_EXACT, 0.0);
    program_x(d, x0);
    xb_assert_ok(xb_devices_pulse(d, &down, 1));
    xb_assert_close(x_of(d, 0), xs - s * fmax(1.0 - 0.36833 * exp(-12.78785 * z), 0.0), XB_TOL_EXACT, 0.0);
    xb_devices_free(d);

    xb_assert_ok(xb_device_params_default(xb_device_pow_step, buf));
    xb_assert_ok(xb_device_param_set(xb_device_pow_step, buf, "step", s));
    xb_assert_ok(xb_device_param_set(xb_device_pow_step, buf, "gamma", 1.7));
    xb_assert_ok(xb_device_param_set(xb_device_pow_step, buf, "gamma_up_down", 0.25));
    d = make(xb_device_pow_step, buf, 1);
    program_x(d, x0);
    xs = x_of(d, 0);
    xb_assert_ok(xb_devices_pulse(d, &up, 0));
    xb_assert_close(x_of(d, 0), xs + s * pow(1.0 - xs, 1.7 * 1.25), XB_TOL_EXACT, 0.0);
    program_x(d, x0);
    xb_assert_ok(xb_devices_pulse(d, &down, 1));
    xb_assert_close(x_of(d, 0), xs - s * pow(xs, 1.7 * 0.75), XB_TOL_EXACT, 0.0);
    xb_devices_free(d);
}

static char tmpdir[64];

static int setup_tmp(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/xb_devtest_XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown_tmp(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Data from a constant-step device (25 up, 40 down pulses) give constant nodes,
 * so the piecewise model reproduces the device exactly. */
static void test_devices_piecewise__from_csv(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/linear.csv", tmpdir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    const double g0 = 1.13e-6, g1 = 7.31e-6;
    fprintf(fp, "direction,pulse,conductance\n");
    for (int p = 0; p <= 25; p++) {
        fprintf(fp, "ltp,%d,%.17g\n", p, g0 + (g1 - g0) * p / 25.0);
    }
    for (int p = 0; p <= 40; p++) {
        fprintf(fp, "ltd,%d,%.17g\n", p, g1 - (g1 - g0) * p / 40.0);
    }
    fclose(fp);
    xb_device_piecewise_params pw;
    xb_assert_ok(xb_device_piecewise_from_csv(path, &pw));
    /* the same data by name, as presets and scenarios see it */
    const xb_device_type *ty = NULL;
    xb_device_piecewise_params by_name;
    xb_assert_ok(xb_device_preset_find(path, &ty, &by_name));
    assert_ptr_equal(ty, xb_device_piecewise);
    assert_memory_equal(&by_name, &pw, sizeof pw);
    xb_assert_close(pw.gmin, g0, XB_TOL_EXACT, 0.0);
    xb_assert_close(pw.gmax, g1, XB_TOL_EXACT, 0.0);
    for (int i = 0; i < XB_DEVICE_PIECEWISE_NODES; i++) {
        xb_assert_close(pw.up[i], 1.0 / 25.0, DIFF_RTOL, 0.0);
        xb_assert_close(pw.down[i], 1.0 / 40.0, DIFF_RTOL, 0.0);
    }
    xb_assert_close(pw.p_full, 25.0, DIFF_RTOL, 0.0);
    xb_devices *d = make(xb_device_piecewise, &pw, 1);
    int32_t n = 10;
    xb_assert_ok(xb_devices_pulse(d, &n, 0));
    xb_assert_close(x_of(d, 0), 10.0 / 25.0, DIFF_RTOL, 0.0);
    xb_devices_free(d);
}

static void test_devices_piecewise__csv_errors(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/bad.csv", tmpdir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "pulse,conductance\n0,1e-6\n1,abc\n");
    fclose(fp);
    xb_device_piecewise_params pw;
    xb_assert_error(xb_device_piecewise_from_csv(path, &pw), XB_EIO, "bad.csv:3:3: column 'conductance': value 'abc'");
    fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "pulse,g\n0,1e-6\n");
    fclose(fp);
    xb_assert_error(xb_device_piecewise_from_csv(path, &pw), XB_EIO, "no column 'conductance'");
    const xb_device_type *ty = NULL;
    xb_assert_error(xb_device_preset_find(path, &ty, &pw), XB_EIO, "neither a device file");
    fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "direction,pulse,conductance\nltp,0,1e-6\nsideways,1,2e-6\n");
    fclose(fp);
    xb_assert_error(xb_device_piecewise_from_csv(path, &pw), XB_EIO, "bad.csv:3:1: column 'direction': value 'sideways'");
    fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "pulse,conductance\n0,1e-6\n1,\"2e-6\"x\n");
    fclose(fp);
    xb_assert_error(xb_device_piecewise_from_csv(path, &pw), XB_EIO, "bad.csv:3:");
}

/* Writes n_up LTP pulses from Gmin then n_down LTD pulses of a model as data. */
static void synth(const char *path, const xb_device_type *type, const void *params, int n_up, int n_down)
{
    xb_devices *d = make(type, params, 1);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "direction,pulse,conductance\n");
    int32_t one = 1, minus = -1;
    for (int p = 0; p <= n_up; p++) {
        fprintf(fp, "ltp,%d,%.17g\n", p, xb_devices_conductances(d)[0]);
        xb_assert_ok(xb_devices_pulse(d, &one, (uint64_t)p));
    }
    xb_assert_ok(xb_devices_pulse(d, &minus, 0)); /* undo the extra pulse */
    for (int p = 0; p <= n_down; p++) {
        fprintf(fp, "ltd,%d,%.17g\n", p, xb_devices_conductances(d)[0]);
        xb_assert_ok(xb_devices_pulse(d, &minus, (uint64_t)p));
    }
    fclose(fp);
    xb_devices_free(d);
}

/* Noise-free synthetic data: the fit recovers the parameters that made them.
 * Tolerance: Nelder-Mead stops at a relative objective spread of 1e-14, i.e.
 * parameters to ~1e-7 relative; 1e-4 leaves room for flat directions. */
#define FIT_RECOVER_RTOL 1e-4
static void test_devices_fit__recovers_synthetic(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/synth_ns.csv", tmpdir);
    xb_device_neurosim_params truth;
    xb_assert_ok(xb_device_params_default(xb_device_neurosim, &truth));
    xb_assert_ok(xb_device_param_set(xb_device_neurosim, &truth, "gmax", 7.31e-6));
    xb_assert_ok(xb_device_param_set(xb_device_neurosim, &truth, "gmin", 4.13e-7));
    xb_assert_ok(xb_device_param_set(xb_device_neurosim, &truth, "p_ltp", 60));
    xb_assert_ok(xb_device_param_set(xb_device_neurosim, &truth, "p_ltd", 80));
    xb_assert_ok(xb_device_param_set(xb_device_neurosim, &truth, "nl_ltp", 3.07));
    xb_assert_ok(xb_device_param_set(xb_device_neurosim, &truth, "nl_ltd", -1.93));
    synth(path, xb_device_neurosim, &truth, 60, 80);
    xb_device_neurosim_params fit;
    xb_assert_ok(xb_device_params_default(xb_device_neurosim, &fit));
    xb_device_fit_result res;
    xb_assert_ok(xb_device_fit(path, xb_device_neurosim, &fit, NULL, 0, &res));
    xb_assert_close(fit.nl_ltp, 3.07, FIT_RECOVER_RTOL, 0.0);
    xb_assert_close(fit.nl_ltd, -1.93, FIT_RECOVER_RTOL, 0.0);
    assert_true(fit.p_ltp == 60.0 && fit.p_ltd == 80.0);
    assert_true(res.rms_rel < FIT_RECOVER_RTOL && res.n_points == 140);

    snprintf(path, sizeof path, "%s/synth_sb.csv", tmpdir);
    char sb[XB_DEVICE_PARAMS_MAX], sbfit[XB_DEVICE_PARAMS_MAX];
    xb_assert_ok(xb_device_params_default(xb_device_soft_bounds, sb));
    xb_assert_ok(xb_device_param_set(xb_device_soft_bounds, sb, "gmax", 4.1e-6));
    xb_assert_ok(xb_device_param_set(xb_device_soft_bounds, sb, "gmin", 2.3e-7));
    xb_assert_ok(xb_device_param_set(xb_device_soft_bounds, sb, "step", 0.0131));
    xb_assert_ok(xb_device_param_set(xb_device_soft_bounds, sb, "up_down", 0.17));
    synth(path, xb_device_soft_bounds, sb, 150, 150);
    xb_assert_ok(xb_device_params_default(xb_device_soft_bounds, sbfit));
    xb_assert_ok(xb_device_fit(path, xb_device_soft_bounds, sbfit, NULL, 0, &res));
    const char *names[] = {"gmin", "gmax", "step", "up_down"};
    for (int i = 0; i < 4; i++) {
        double a, b;
        xb_device_param_get(xb_device_soft_bounds, sb, names[i], &a);
        xb_device_param_get(xb_device_soft_bounds, sbfit, names[i], &b);
        xb_assert_close(b, a, FIT_RECOVER_RTOL, 0.0);
    }

    /* the fit as a device file, read back as a preset */
    snprintf(path, sizeof path, "%s/fitted.csv", tmpdir);
    xb_assert_ok(xb_device_file_write(path, xb_device_soft_bounds, sbfit, NULL));
    const xb_device_type *type = NULL;
    char back[XB_DEVICE_PARAMS_MAX];
    xb_assert_ok(xb_device_preset_find(path, &type, back));
    assert_ptr_equal(type, xb_device_soft_bounds);
    assert_memory_equal(back, sbfit, xb_device_soft_bounds->params_size);

    xb_assert_error(xb_device_fit(path, xb_device_vteam, back, NULL, 0, &res), XB_EINVAL, "no pulse response");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devices_params__by_name),
        cmocka_unit_test(test_devices_presets__all_load),
        cmocka_unit_test(test_devices_presets__neurosim_table),
        cmocka_unit_test(test_devices_aihwkit__constant_step_gokmen_vlasov),
        cmocka_unit_test(test_devices_aihwkit__soft_bounds),
        cmocka_unit_test(test_devices_aihwkit__single_steps),
        cmocka_unit_test(test_devices_piecewise__from_csv),
        cmocka_unit_test(test_devices_piecewise__csv_errors),
        cmocka_unit_test(test_devices_fit__recovers_synthetic),
    };
    return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
