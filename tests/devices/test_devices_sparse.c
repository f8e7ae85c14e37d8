/* devices: xb_devices_pulse_sparse is the same write as xb_devices_pulse.
 *
 * Reference: the dense call on a twin block (same config, seed and array id),
 * compared bit for bit over several events, for a pulse-level model with
 * d2d, c2c, levels and stuck cells, an aihwkit form, a state-equation model in
 * TABLE mode and one in ODE mode. */
#include "xb_test.h"

#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"

/* Two blocks of the same config: a (dense writes) and b (sparse writes). */
static void make_twins(const xb_device_config *cfg, size_t n, xb_write_mode mode, xb_devices **a,
                       xb_devices **b)
{
    xb_assert_ok(xb_devices_create(a, cfg, n, 77, 3));
    xb_assert_ok(xb_devices_create(b, cfg, n, 77, 3));
    if (mode == XB_WRITE_ODE) {
        xb_assert_ok(xb_devices_set_write_mode(*a, XB_WRITE_ODE, NULL));
        xb_assert_ok(xb_devices_set_write_mode(*b, XB_WRITE_ODE, NULL));
    }
    double gmin, gmax;
    xb_devices_nominal_range(*a, &gmin, &gmax);
    double *t = malloc(n * sizeof *t);
    assert_non_null(t);
    for (size_t k = 0; k < n; k++) {
        t[k] = gmin + (gmax - gmin) * (0.05 + 0.9 * (double)((k * 37) % n) / (double)n);
    }
    xb_assert_ok(xb_devices_program(*a, t));
    xb_assert_ok(xb_devices_program(*b, t));
    free(t);
}

/* `events` writes, each pulsing about one device in `every` by -3..3 pulses;
 * the sparse list is given in descending order (any order is allowed). */
static void check_equal(const xb_device_config *cfg, size_t n, xb_write_mode mode, int events,
                        int every)
{
    xb_devices *a = NULL, *b = NULL;
    make_twins(cfg, n, mode, &a, &b);
    int32_t *np = calloc(n, sizeof *np);
    size_t *idx = malloc(n * sizeof *idx);
    assert_non_null(np);
    assert_non_null(idx);
    xb_rng r;
    xb_rng_init(&r, 9, XB_RNG_USER, 1);
    size_t pulsed = 0;
    for (int e = 0; e < events; e++) {
        size_t m = 0;
        for (size_t k = n; k-- > 0;) {
            np[k] = 0;
            if (xb_rng_uniform(&r) * every < 1.0) {
                np[k] = (int32_t)(xb_rng_uniform(&r) * 7.0) - 3;
                /* a listed zero must stay a no-op */
                idx[m++] = k;
                pulsed += np[k] != 0;
            }
        }
        xb_assert_ok(xb_devices_pulse(a, np, (uint64_t)e));
        xb_assert_ok(xb_devices_pulse_sparse(b, idx, m, np, (uint64_t)e));
        assert_memory_equal(xb_devices_conductances(a), xb_devices_conductances(b),
                            n * sizeof(double));
    }
    assert_true(pulsed > 0); /* the comparison saw real writes */
    free(np);
    free(idx);
    xb_devices_free(a);
    xb_devices_free(b);
}

static void test_devices_sparse__neurosim_full_model(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    xb_assert_ok(xb_device_preset_config("agsi", &cfg, buf));
    cfg.c2c = 0.01;
    cfg.d2d_gbounds = 0.05;
    cfg.stuck_min_frac = 0.02;
    cfg.stuck_max_frac = 0.02;
    check_equal(&cfg, 2000, XB_WRITE_TABLE, 6, 5);
}

static void test_devices_sparse__ideal_levels(void **state)
{
    (void)state;
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.levels = 33;
    cfg.c2c = 0.02;
    check_equal(&cfg, 1500, XB_WRITE_TABLE, 6, 4);
}

static void test_devices_sparse__aihwkit_soft_bounds(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    xb_assert_ok(xb_device_preset_config("reram_sb", &cfg, buf));
    check_equal(&cfg, 1000, XB_WRITE_TABLE, 4, 3);
}

static void test_devices_sparse__state_equation_table(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    xb_assert_ok(xb_device_preset_config("hp_strukov", &cfg, buf));
    cfg.d2d_gbounds = 0.05;
    cfg.c2c = 0.01;
    check_equal(&cfg, 300, XB_WRITE_TABLE, 4, 3);
}

static void test_devices_sparse__state_equation_ode(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    xb_assert_ok(xb_device_preset_config("hp_strukov", &cfg, buf));
    check_equal(&cfg, 12, XB_WRITE_ODE, 2, 2);
}

static void test_devices_sparse__bad_index(void **state)
{
    (void)state;
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    xb_devices *d = NULL;
    xb_assert_ok(xb_devices_create(&d, &cfg, 4, 1, 0));
    int32_t np[4] = {1, 1, 1, 1};
    size_t idx[2] = {1, 4};
    xb_assert_error(xb_devices_pulse_sparse(d, idx, 2, np, 0), XB_EINVAL,
                    "idx[1] = 4 out of range (4 devices)");
    xb_assert_ok(xb_devices_pulse_sparse(d, NULL, 0, NULL, 0));
    xb_devices_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devices_sparse__neurosim_full_model),
        cmocka_unit_test(test_devices_sparse__ideal_levels),
        cmocka_unit_test(test_devices_sparse__aihwkit_soft_bounds),
        cmocka_unit_test(test_devices_sparse__state_equation_table),
        cmocka_unit_test(test_devices_sparse__state_equation_ode),
        cmocka_unit_test(test_devices_sparse__bad_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
