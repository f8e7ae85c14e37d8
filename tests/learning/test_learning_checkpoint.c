/* learning: a checkpoint of a network restored into a fresh twin (same
 * config) continues bit for bit as the original: weights, biases, backward
 * matrices, losses and the arrays' counters after further steps.
 *
 * Reference: the original network itself, given the same minibatches after
 * the save; the twin must differ before the restore (so the comparison can
 * fail) and equal it after every step. */
#include "xb_test.h"

#include <stdlib.h>
#include <string.h>

#include "learning/learning.h"

enum { N0 = 6, N1 = 5, N2 = 3, NB = 4 };

static void batch(xb_rng *r, double *x, int *y)
{
    for (int k = 0; k < NB * N0; k++) {
        x[k] = xb_rng_uniform(r);
    }
    for (int b = 0; b < NB; b++) {
        y[b] = (int)(xb_rng_uniform(r) * N2);
    }
}

static void assert_same(const xb_net *a, const xb_net *b)
{
    const xb_net_config *c = xb_net_config_get(a);
    for (int l = 1; l <= c->n_layers; l++) {
        double wa[N1 * N0], wb[N1 * N0], ba[N1], bb[N1];
        xb_assert_ok(xb_net_get_weights(a, l, wa, ba));
        xb_assert_ok(xb_net_get_weights(b, l, wb, bb));
        size_t n = (size_t)c->sizes[l] * (size_t)c->sizes[l - 1];
        assert_memory_equal(wa, wb, n * sizeof(double));
        assert_memory_equal(ba, bb, (size_t)c->sizes[l] * sizeof(double));
        if (l >= 2) {
            int rows, cols;
            xb_assert_ok(xb_net_backward_shape(a, l, &rows, &cols));
            double ka[N1 * N0], kb[N1 * N0];
            xb_assert_ok(xb_net_get_backward(a, l, ka));
            xb_assert_ok(xb_net_get_backward(b, l, kb));
            assert_memory_equal(ka, kb, (size_t)rows * (size_t)cols * sizeof(double));
        }
        const xb_xbar *xa = xb_net_forward_xbar(a, l), *xb = xb_net_forward_xbar(b, l);
        if (xa) {
            xb_xbar_counters ca, cb;
            xb_xbar_counters_get(xa, &ca);
            xb_xbar_counters_get(xb, &cb);
            assert_memory_equal(&ca, &cb, sizeof ca);
        }
    }
}

static void roundtrip(const xb_net_config *cfg)
{
    xb_net *a = NULL, *b = NULL;
    xb_assert_ok(xb_net_create(&a, cfg));
    xb_rng r;
    xb_rng_init(&r, 3, XB_RNG_USER, 7);
    double x[NB * N0];
    int y[NB];
    for (int s = 0; s < 4; s++) {
        batch(&r, x, y);
        xb_assert_ok(xb_net_train_step(a, x, y, NULL, NB, NULL));
    }
    xb_ckpt c = {0};
    xb_assert_ok(xb_net_checkpoint_save(a, &c));
    xb_assert_ok(xb_net_create(&b, cfg));
    double wa[N1 * N0], wb[N1 * N0];
    xb_assert_ok(xb_net_get_weights(a, 1, wa, NULL));
    xb_assert_ok(xb_net_get_weights(b, 1, wb, NULL));
    assert_true(memcmp(wa, wb, sizeof wa) != 0);
    xb_assert_ok(xb_net_checkpoint_restore(b, &c));
    assert_int_equal(c.pos, c.len);
    assert_same(a, b);
    for (int s = 0; s < 4; s++) {
        batch(&r, x, y);
        double la, lb;
        xb_assert_ok(xb_net_train_step(a, x, y, NULL, NB, &la));
        xb_assert_ok(xb_net_train_step(b, x, y, NULL, NB, &lb));
        assert_memory_equal(&la, &lb, sizeof la);
        assert_same(a, b);
    }
    xb_ckpt_free(&c);
    xb_net_free(a);
    xb_net_free(b);
}

static xb_net_config base(void *pf, void *pb)
{
    xb_net_config cfg = XB_NET_CONFIG_INIT;
    cfg.n_layers = 2;
    cfg.sizes[0] = N0;
    cfg.sizes[1] = N1;
    cfg.sizes[2] = N2;
    cfg.batch_max = NB;
    cfg.seed = 21;
    cfg.lr = 0.2;
    cfg.hardware = 1;
    assert_int_equal(xb_device_preset_config("agsi", &cfg.fwd.device, pf), XB_OK);
    assert_int_equal(xb_device_preset_config("reram_sb", &cfg.bwd.device, pb), XB_OK);
    cfg.fwd.device.c2c = cfg.bwd.device.c2c = 0.02;
    cfg.fwd.device.read_noise = cfg.bwd.device.read_noise = 0.02;
    return cfg;
}

static void test_learning_checkpoint__rbp_momentum_sal_arrays(void **state)
{
    (void)state;
    char pf[XB_DEVICE_PARAMS_MAX], pb[XB_DEVICE_PARAMS_MAX];
    xb_net_config cfg = base(pf, pb);
    cfg.rule = XB_RULE_RBP;
    cfg.momentum = 0.5;
    cfg.sal_steps = 3;
    cfg.sal_lr = 0.05;
    roundtrip(&cfg);
}

static void test_learning_checkpoint__bp_bidirectional_stochastic(void **state)
{
    (void)state;
    char pf[XB_DEVICE_PARAMS_MAX], pb[XB_DEVICE_PARAMS_MAX];
    xb_net_config cfg = base(pf, pb);
    cfg.rule = XB_RULE_BP;
    cfg.fwd.update = XB_UPDATE_STOCHASTIC;
    roundtrip(&cfg);
}

static void test_learning_checkpoint__sign_brsf_software(void **state)
{
    (void)state;
    char pf[XB_DEVICE_PARAMS_MAX], pb[XB_DEVICE_PARAMS_MAX];
    xb_net_config cfg = base(pf, pb);
    cfg.hardware = 0;
    cfg.rule = XB_RULE_SIGN;
    cfg.sign_magnitude = 2;
    cfg.momentum = 0.9;
    cfg.decay = 0.01;
    roundtrip(&cfg);
    cfg.rule = XB_RULE_ASRBP;
    cfg.sign_magnitude = 1;
    roundtrip(&cfg);
}

static void test_learning_checkpoint__mismatch(void **state)
{
    (void)state;
    char pf[XB_DEVICE_PARAMS_MAX], pb[XB_DEVICE_PARAMS_MAX];
    xb_net_config cfg = base(pf, pb);
    xb_net *a = NULL, *b = NULL;
    xb_assert_ok(xb_net_create(&a, &cfg));
    cfg.hardware = 0;
    xb_assert_ok(xb_net_create(&b, &cfg));
    xb_ckpt c = {0};
    xb_assert_ok(xb_net_checkpoint_save(a, &c));
    xb_assert_error(xb_net_checkpoint_restore(b, &c), XB_EIO,
                    "matrix on an array is 1, this object has 0");
    xb_ckpt_free(&c);
    xb_net_free(a);
    xb_net_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learning_checkpoint__rbp_momentum_sal_arrays),
        cmocka_unit_test(test_learning_checkpoint__bp_bidirectional_stochastic),
        cmocka_unit_test(test_learning_checkpoint__sign_brsf_software),
        cmocka_unit_test(test_learning_checkpoint__mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
