/* devices: xb_devices_set_param_values (per-device values from a measured
 * per-cell map, docs/devices.md "Per-cell maps").
 *
 * References: the map's own values (a device's bounds and a clamped full-scale
 * write must be exactly them); a twin block without a map (every other device
 * and every other parameter bit-identical); NeuroSim's closed form G(P_max) =
 * Gmax (device-models.md §5.1), which holds only if the device's B was
 * re-derived from its new Gmax. */
#include "xb_test.h"

#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"

#define N 6

static void test_devices_cellmap__one_cell_seen_by_that_device(void **state)
{
    (void)state;
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.d2d_gbounds = 0.1; /* gmin keeps its d2d draw, gmax is replaced */
    xb_devices *a = NULL, *b = NULL;
    xb_assert_ok(xb_devices_create(&a, &cfg, N, 5, 2));
    xb_assert_ok(xb_devices_create(&b, &cfg, N, 5, 2));
    double v[N];
    for (size_t k = 0; k < N; k++) {
        double gmin, gmax;
        xb_assert_ok(xb_devices_device_bounds(a, k, &gmin, &gmax));
        v[k] = gmax;
    }
    double gmin3, gmax3;
    xb_assert_ok(xb_devices_device_bounds(a, 3, &gmin3, &gmax3));
    const double odd = 0.5 * (gmin3 + gmax3); /* a stuck-low cell: half its drawn range */
    v[3] = odd;
    xb_assert_ok(xb_devices_set_param_values(a, "gmax", v));
    double full[N];
    for (size_t k = 0; k < N; k++) {
        full[k] = 1.0; /* 1 S: clamped to each device's own Gmax */
    }
    xb_assert_ok(xb_devices_program(a, full));
    xb_assert_ok(xb_devices_program(b, full));
    const double *ga = xb_devices_conductances(a), *gb = xb_devices_conductances(b);
    for (size_t k = 0; k < N; k++) {
        double amin, amax, bmin, bmax;
        xb_assert_ok(xb_devices_device_bounds(a, k, &amin, &amax));
        xb_assert_ok(xb_devices_device_bounds(b, k, &bmin, &bmax));
        assert_true(amin == bmin); /* the d2d draw of gmin is kept */
        if (k == 3) {
            assert_true(ga[k] == odd);
            assert_true(ga[k] < gb[k]);
        } else {
            assert_true(ga[k] == gb[k]);
        }
    }
    xb_devices_free(a);
    xb_devices_free(b);
}

static void test_devices_cellmap__fresh_block_at_new_gmin(void **state)
{
    (void)state;
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    xb_devices *d = NULL;
    xb_assert_ok(xb_devices_create(&d, &cfg, N, 1, 0));
    double gmin0, gmax0;
    xb_devices_nominal_range(d, &gmin0, &gmax0);
    double v[N];
    for (size_t k = 0; k < N; k++) {
        v[k] = gmin0 + 0.1 * (double)k * (gmax0 - gmin0);
    }
    xb_assert_ok(xb_devices_set_param_values(d, "gmin", v));
    const double *g = xb_devices_conductances(d);
    for (size_t k = 0; k < N; k++) {
        assert_true(g[k] == v[k]);
    }
    /* the nominal range sets the weight scale and stays the model's */
    double gmin1, gmax1;
    xb_devices_nominal_range(d, &gmin1, &gmax1);
    assert_true(gmin1 == gmin0 && gmax1 == gmax0);
    xb_devices_free(d);
}

static void test_devices_cellmap__neurosim_rederived(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    xb_assert_ok(xb_device_preset_config("agsi", &cfg, buf));
    cfg.c2c = 0.0;
    xb_devices *d = NULL;
    xb_assert_ok(xb_devices_create(&d, &cfg, N, 1, 0));
    double gmin, gmax;
    xb_devices_nominal_range(d, &gmin, &gmax);
    double v[N];
    for (size_t k = 0; k < N; k++) {
        v[k] = gmax * (0.5 + 0.1 * (double)k);
    }
    xb_assert_ok(xb_devices_set_param_values(d, "gmax", v));
    /* P_max LTP pulses from Gmin land on the device's own Gmax (§5.1) */
    int32_t np[N];
    for (size_t k = 0; k < N; k++) {
        np[k] = (int32_t)xb_devices_pulses_full_range(d);
    }
    xb_assert_ok(xb_devices_pulse(d, np, 0));
    const double *g = xb_devices_conductances(d);
    for (size_t k = 0; k < N; k++) {
        xb_assert_close(g[k], v[k], XB_TOL_SOLVER, 0.0);
    }
    xb_devices_free(d);
}

static void test_devices_cellmap__value_out_of_range(void **state)
{
    (void)state;
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    xb_devices *d = NULL;
    xb_assert_ok(xb_devices_create(&d, &cfg, N, 1, 0));
    double gmin, gmax;
    xb_devices_nominal_range(d, &gmin, &gmax);
    double v[N];
    for (size_t k = 0; k < N; k++) {
        v[k] = gmax * 0.9;
    }
    v[2] = 0.5 * gmin; /* gmax below gmin */
    xb_assert_error(xb_devices_set_param_values(d, "gmax", v), XB_EINVAL,
                    "device 2: parameter 'gmax' = ");
    xb_assert_error(xb_devices_set_param_values(d, "gmax", v), XB_EINVAL, "must be > gmin");
    /* nothing changed: device 0 keeps the nominal gmax */
    double g0, g1;
    xb_assert_ok(xb_devices_device_bounds(d, 0, &g0, &g1));
    assert_true(g1 == gmax);
    xb_assert_error(xb_devices_set_param_values(d, "gmaxx", v), XB_ENOTFOUND, "'gmaxx'");
    xb_devices_free(d);
}

/* ODE write mode set before the map: the per-device copies and the cached
 * write amplitudes must follow. Reference: a block whose nominal v_up is the
 * mapped value, written with the same pulses. */
static void test_devices_cellmap__ode_mode_follows(void **state)
{
    (void)state;
    enum { M = 4 };
    char buf[XB_DEVICE_PARAMS_MAX], buf2[XB_DEVICE_PARAMS_MAX];
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    xb_assert_ok(xb_device_preset_config("hp_strukov", &cfg, buf));
    double v_up;
    xb_assert_ok(xb_device_param_get(cfg.type, buf, "v_up", &v_up));
    memcpy(buf2, buf, sizeof buf);
    xb_assert_ok(xb_device_param_set(cfg.type, buf2, "v_up", 0.1 * v_up));
    xb_device_config cfg2 = cfg;
    cfg2.params = buf2;
    xb_devices *a = NULL, *b = NULL;
    xb_assert_ok(xb_devices_create(&a, &cfg, M, 1, 0));
    xb_assert_ok(xb_devices_create(&b, &cfg2, M, 1, 0));
    xb_assert_ok(xb_devices_set_write_mode(a, XB_WRITE_ODE, NULL));
    xb_assert_ok(xb_devices_set_write_mode(b, XB_WRITE_ODE, NULL));
    double v[M];
    for (size_t k = 0; k < M; k++) {
        v[k] = 0.1 * v_up;
    }
    xb_assert_ok(xb_devices_set_param_values(a, "v_up", v));
    double gmin, gmax, t[M];
    xb_devices_nominal_range(a, &gmin, &gmax);
    for (size_t k = 0; k < M; k++) {
        t[k] = gmin + (gmax - gmin) * (0.2 + 0.2 * (double)k);
    }
    xb_assert_ok(xb_devices_program(a, t));
    xb_assert_ok(xb_devices_program(b, t));
    /* at a tenth of the preset's amplitude two pulses move the low devices
     * part way (measured: 2.05 -> 2.40 mS for device 0), so a stale v_up
     * (full amplitude: straight to Gmax) fails */
    int32_t np[M] = {2, 1, 2, 1};
    xb_assert_ok(xb_devices_pulse(a, np, 0));
    xb_assert_ok(xb_devices_pulse(b, np, 0));
    const double *ga = xb_devices_conductances(a), *gb = xb_devices_conductances(b);
    for (size_t k = 0; k < M; k++) {
        assert_true(ga[k] != t[k]); /* the pulses moved it */
        xb_assert_close(ga[k], gb[k], XB_TOL_ODE, 0.0);
    }
    xb_devices_free(a);
    xb_devices_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devices_cellmap__one_cell_seen_by_that_device),
        cmocka_unit_test(test_devices_cellmap__fresh_block_at_new_gmin),
        cmocka_unit_test(test_devices_cellmap__neurosim_rederived),
        cmocka_unit_test(test_devices_cellmap__value_out_of_range),
        cmocka_unit_test(test_devices_cellmap__ode_mode_follows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
