/* devices: a checkpoint of a block restored into a fresh twin (same config,
 * seed and array id) continues bit for bit as the original.
 *
 * Reference: the original block itself, written on with the same pulses and
 * event numbers after the save; the twin must equal it after every write (and
 * must differ from it before the restore, so the comparison can fail). */
#include "xb_test.h"

#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"

enum { SEED = 77, ARRAY = 3 };

static void pulses_for(xb_rng *r, size_t n, int32_t *np)
{
    for (size_t k = 0; k < n; k++) {
        np[k] = xb_rng_uniform(r) < 0.5 ? (int32_t)(xb_rng_uniform(r) * 7.0) - 3 : 0;
    }
}

static void roundtrip(const xb_device_config *cfg, size_t n, xb_write_mode mode)
{
    xb_devices *a = NULL, *b = NULL;
    xb_assert_ok(xb_devices_create(&a, cfg, n, SEED, ARRAY));
    xb_assert_ok(xb_devices_create(&b, cfg, n, SEED, ARRAY));
    if (mode == XB_WRITE_ODE) {
        xb_assert_ok(xb_devices_set_write_mode(a, XB_WRITE_ODE, NULL));
        xb_assert_ok(xb_devices_set_write_mode(b, XB_WRITE_ODE, NULL));
    }
    double gmin, gmax;
    xb_devices_nominal_range(a, &gmin, &gmax);
    double *t = malloc(n * sizeof *t);
    int32_t *np = malloc(n * sizeof *np);
    assert_non_null(t);
    assert_non_null(np);
    for (size_t k = 0; k < n; k++) {
        t[k] = gmin + (gmax - gmin) * (0.05 + 0.9 * (double)((k * 37) % n) / (double)n);
    }
    xb_assert_ok(xb_devices_program(a, t));
    xb_rng r;
    xb_rng_init(&r, 9, XB_RNG_USER, 1);
    uint64_t ev = 0;
    for (int e = 0; e < 3; e++, ev++) {
        pulses_for(&r, n, np);
        xb_assert_ok(xb_devices_pulse(a, np, ev));
    }
    xb_ckpt c = {0};
    xb_assert_ok(xb_devices_checkpoint_save(a, &c));
    /* the twin was neither programmed nor written: it starts elsewhere */
    assert_true(memcmp(xb_devices_conductances(a), xb_devices_conductances(b),
                       n * sizeof(double)) != 0);
    xb_assert_ok(xb_devices_checkpoint_restore(b, &c));
    assert_int_equal(c.pos, c.len);
    assert_memory_equal(xb_devices_conductances(a), xb_devices_conductances(b),
                        n * sizeof(double));
    for (int e = 0; e < 3; e++, ev++) {
        pulses_for(&r, n, np);
        xb_assert_ok(xb_devices_pulse(a, np, ev));
        xb_assert_ok(xb_devices_pulse(b, np, ev));
        assert_memory_equal(xb_devices_conductances(a), xb_devices_conductances(b),
                            n * sizeof(double));
    }
    xb_device_ode_stats sa, sb;
    xb_devices_ode_stats(a, &sa);
    xb_devices_ode_stats(b, &sb);
    assert_memory_equal(&sa, &sb, sizeof sa);
    xb_ckpt_free(&c);
    free(t);
    free(np);
    xb_devices_free(a);
    xb_devices_free(b);
}

static void test_devices_checkpoint__neurosim_c2c_stuck(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    xb_assert_ok(xb_device_preset_config("agsi", &cfg, buf));
    cfg.c2c = 0.01;
    cfg.d2d_gbounds = 0.05;
    cfg.stuck_min_frac = 0.02;
    cfg.levels = 0;
    roundtrip(&cfg, 500, XB_WRITE_TABLE);
}

static void test_devices_checkpoint__soft_bounds_levels(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    xb_assert_ok(xb_device_preset_config("reram_sb", &cfg, buf));
    cfg.levels = 33;
    cfg.c2c = 0.02;
    roundtrip(&cfg, 300, XB_WRITE_TABLE);
}

static void test_devices_checkpoint__state_equation_table(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    xb_assert_ok(xb_device_preset_config("hp_strukov", &cfg, buf));
    cfg.c2c = 0.01;
    roundtrip(&cfg, 200, XB_WRITE_TABLE);
}

static void test_devices_checkpoint__state_equation_ode(void **state)
{
    (void)state;
    char buf[XB_DEVICE_PARAMS_MAX];
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    xb_assert_ok(xb_device_preset_config("hp_strukov", &cfg, buf));
    roundtrip(&cfg, 8, XB_WRITE_ODE);
}

static void test_devices_checkpoint__mismatch_and_truncation(void **state)
{
    (void)state;
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    xb_devices *a = NULL, *b = NULL;
    xb_assert_ok(xb_devices_create(&a, &cfg, 16, 1, 0));
    xb_assert_ok(xb_devices_create(&b, &cfg, 12, 1, 0));
    xb_ckpt c = {0};
    xb_assert_ok(xb_devices_checkpoint_save(a, &c));
    xb_assert_error(xb_devices_checkpoint_restore(b, &c), XB_EIO,
                    "device count is 16, this object has 12");
    c.pos = 0;
    c.len -= 1;
    xb_assert_error(xb_devices_checkpoint_restore(a, &c), XB_EIO, "checkpoint truncated");
    c.pos = 0;
    c.data[0] ^= 1; /* the section tag */
    xb_assert_error(xb_devices_checkpoint_restore(a, &c), XB_EIO, "device section tag");
    xb_ckpt_free(&c);
    xb_devices_free(a);
    xb_devices_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devices_checkpoint__neurosim_c2c_stuck),
        cmocka_unit_test(test_devices_checkpoint__soft_bounds_levels),
        cmocka_unit_test(test_devices_checkpoint__state_equation_table),
        cmocka_unit_test(test_devices_checkpoint__state_equation_ode),
        cmocka_unit_test(test_devices_checkpoint__mismatch_and_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
