/* xbar: a checkpoint of an array restored into a fresh twin (same config)
 * continues bit for bit as the original: weights, read outputs (read noise
 * and ADC), counters and update streams.
 *
 * Reference: the original array itself, given the same updates and reads
 * after the save; the twin must differ before the restore (so the comparison
 * can fail) and equal it after every step. */
#include "xb_test.h"

#include <stdlib.h>
#include <string.h>

#include "xbar/xbar.h"

enum { NI = 7, NO = 5, NB = 3 };

static void fill(xb_rng *r, double *v, size_t n, double s)
{
    for (size_t k = 0; k < n; k++) {
        v[k] = s * (2.0 * xb_rng_uniform(r) - 1.0);
    }
}

/* One training-like step: forward and backward reads, then an update from
 * the outer product of the read outputs' signs and the inputs. */
static void step(xb_xbar *x, xb_rng *r, double *fo, double *bo)
{
    double in[NB * NI], d[NB * NO];
    fill(r, in, NB * NI, 1.0);
    fill(r, d, NB * NO, 1.0);
    xb_assert_ok(xb_xbar_forward(x, in, NB, fo));
    xb_assert_ok(xb_xbar_backward(x, d, NB, bo));
    xb_assert_ok(xb_xbar_update_outer(x, 0.05, d, in, NB));
}

static void assert_same(const xb_xbar *a, const xb_xbar *b)
{
    double wa[NO * NI], wb[NO * NI];
    xb_assert_ok(xb_xbar_weights(a, wa));
    xb_assert_ok(xb_xbar_weights(b, wb));
    assert_memory_equal(wa, wb, sizeof wa);
    xb_xbar_counters ca, cb;
    xb_xbar_counters_get(a, &ca);
    xb_xbar_counters_get(b, &cb);
    assert_memory_equal(&ca, &cb, sizeof ca);
    for (int t = 0; t < xb_xbar_tile_count(a); t++) {
        xb_assert_ok(xb_xbar_tile_counters_get(a, t, &ca));
        xb_assert_ok(xb_xbar_tile_counters_get(b, t, &cb));
        assert_memory_equal(&ca, &cb, sizeof ca);
    }
}

static void roundtrip(const xb_xbar_config *cfg)
{
    xb_xbar *a = NULL, *b = NULL;
    xb_assert_ok(xb_xbar_create(&a, cfg));
    xb_assert_ok(xb_xbar_create(&b, cfg));
    xb_rng r;
    xb_rng_init(&r, 5, XB_RNG_USER, 2);
    double w0[NO * NI];
    fill(&r, w0, NO * NI, 0.5);
    xb_assert_ok(xb_xbar_program(a, w0));
    if (cfg->device.drift_nu > 0.0) {
        /* reads see drifted conductances: a factor the array keeps */
        xb_assert_ok(xb_xbar_set_read_time(a, 50.0));
    }
    double fa[NB * NO], fb[NB * NO], ba[NB * NI], bb[NB * NI];
    for (int s = 0; s < 3; s++) {
        step(a, &r, fa, ba);
    }
    xb_ckpt c = {0};
    xb_assert_ok(xb_xbar_checkpoint_save(a, &c));
    double wa[NO * NI], wb[NO * NI];
    xb_assert_ok(xb_xbar_weights(a, wa));
    xb_assert_ok(xb_xbar_weights(b, wb));
    assert_true(memcmp(wa, wb, sizeof wa) != 0);
    xb_assert_ok(xb_xbar_checkpoint_restore(b, &c));
    assert_int_equal(c.pos, c.len);
    assert_same(a, b);
    for (int s = 0; s < 3; s++) {
        xb_rng r2 = r;
        step(a, &r, fa, ba);
        step(b, &r2, fb, bb);
        assert_memory_equal(fa, fb, sizeof fa);
        assert_memory_equal(ba, bb, sizeof ba);
        assert_same(a, b);
    }
    xb_ckpt_free(&c);
    xb_xbar_free(a);
    xb_xbar_free(b);
}

static xb_xbar_config base(void *params)
{
    xb_xbar_config cfg = XB_XBAR_CONFIG_INIT;
    cfg.n_in = NI;
    cfg.n_out = NO;
    cfg.seed = 11;
    cfg.array_id = 4;
    assert_int_equal(xb_device_preset_config("agsi", &cfg.device, params), XB_OK);
    cfg.device.c2c = 0.02;
    cfg.device.read_noise = 0.02;
    cfg.device.d2d_gbounds = 0.05;
    cfg.max_rows = 4; /* two tile rows */
    cfg.max_cols = 6; /* three outputs (pairs) per tile */
    return cfg;
}

static void test_xbar_checkpoint__pulses_tiles_noise_adc(void **state)
{
    (void)state;
    char params[XB_DEVICE_PARAMS_MAX];
    xb_xbar_config cfg = base(params);
    cfg.dac_bits = 6;
    cfg.adc_bits = 6;
    cfg.adc_cal = XB_ADC_CAL_WORST;
    cfg.device.drift_nu = 0.05;
    roundtrip(&cfg);
}

static void test_xbar_checkpoint__stochastic(void **state)
{
    (void)state;
    char params[XB_DEVICE_PARAMS_MAX];
    xb_xbar_config cfg = base(params);
    cfg.update = XB_UPDATE_STOCHASTIC;
    roundtrip(&cfg);
}

static void test_xbar_checkpoint__ref_column_slices_refresh(void **state)
{
    (void)state;
    char params[XB_DEVICE_PARAMS_MAX];
    xb_xbar_config cfg = base(params);
    cfg.slices = 2;
    cfg.pair = XB_PAIR_POTENTIATE;
    cfg.refresh_frac = 0.5;
    roundtrip(&cfg);
    cfg = base(params);
    cfg.mapping = XB_MAP_REF_COLUMN;
    cfg.max_cols = 0;
    roundtrip(&cfg);
}

static void test_xbar_checkpoint__mismatch(void **state)
{
    (void)state;
    char params[XB_DEVICE_PARAMS_MAX];
    xb_xbar_config cfg = base(params);
    xb_xbar *a = NULL, *b = NULL;
    xb_assert_ok(xb_xbar_create(&a, &cfg));
    cfg.max_rows = 0;
    xb_assert_ok(xb_xbar_create(&b, &cfg));
    xb_ckpt c = {0};
    xb_assert_ok(xb_xbar_checkpoint_save(a, &c));
    xb_assert_error(xb_xbar_checkpoint_restore(b, &c), XB_EIO, "array tile count");
    c.pos = 0;
    c.len /= 2;
    xb_assert_error(xb_xbar_checkpoint_restore(a, &c), XB_EIO, "checkpoint truncated");
    xb_ckpt_free(&c);
    xb_xbar_free(a);
    xb_xbar_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xbar_checkpoint__pulses_tiles_noise_adc),
        cmocka_unit_test(test_xbar_checkpoint__stochastic),
        cmocka_unit_test(test_xbar_checkpoint__ref_column_slices_refresh),
        cmocka_unit_test(test_xbar_checkpoint__mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
