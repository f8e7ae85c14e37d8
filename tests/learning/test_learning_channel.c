/* learning: channels on crossbars — twin against bidirectional on identical
 * ideal hardware, which array a backward pass reads, array placement. */
#include "xb_test.h"

#include "learning/learning.h"

#define NB 8

/* NeuroSim's IdealDevice range with fine levels, so that lr * gradient is
 * many pulses (device-models.md §5.1 for the range). */
static const xb_device_ideal_params fine = {100e-9, 5e-6, 4097.0};

static void hw_config(xb_net_config *c, xb_rule rule, xb_channel ch)
{
    xb_net_config d = XB_NET_CONFIG_INIT;
    *c = d;
    c->n_layers = 3;
    c->sizes[0] = 12;
    c->sizes[1] = 10;
    c->sizes[2] = 8;
    c->sizes[3] = 4;
    c->hidden = XB_ACT_SIGMOID;
    c->rule = rule;
    c->channel = ch;
    c->lr = 0.5;
    c->seed = 97;
    c->batch_max = NB;
    c->hardware = 1;
    /* ideal device, no variability, no noise, no converters; deterministic
     * pulse counts so that two arrays given the same change stay identical */
    c->fwd.update = XB_UPDATE_TRUNC;
    c->fwd.w_max = 1.0;
    c->fwd.device.params = &fine;
    c->bwd = c->fwd;
}

static void batch(double *x, int *labels, uint64_t step)
{
    xb_rng r;
    xb_rng_init(&r, 5, XB_RNG_DATA, (uint32_t)step);
    for (int i = 0; i < NB * 12; i++) {
        x[i] = xb_rng_uniform(&r);
    }
    for (int s = 0; s < NB; s++) {
        labels[s] = (int)xb_rng_below(&r, 4);
    }
}

/* docs/ARCHITECTURE.md: a backward matrix is held in the orientation of the
 * forward matrix and read with xb_xbar_backward, so bp on a twin array that
 * starts as a copy of W and receives the same changes is bidirectional bp,
 * bit for bit, when both arrays are identical ideal hardware. */
static void test_learning_channel_twin__equals_bidirectional_on_ideal_hardware(void **state)
{
    (void)state;
    xb_net_config cb, ct;
    hw_config(&cb, XB_RULE_BP, XB_NET_CHANNEL_BIDIRECTIONAL);
    hw_config(&ct, XB_RULE_BP, XB_NET_CHANNEL_TWIN);
    xb_net *bi = NULL, *tw = NULL;
    xb_assert_ok(xb_net_create(&bi, &cb));
    xb_assert_ok(xb_net_create(&tw, &ct));
    assert_null(xb_net_backward_xbar(bi, 2));
    assert_non_null(xb_net_backward_xbar(tw, 2));
    double x[NB * 12], wa[120], wb[120], l0 = 0.0, lb = 0.0, lt = 0.0;
    int labels[NB];
    batch(x, labels, 0); /* one batch again and again: its loss must fall */
    for (uint64_t step = 0; step < 12; step++) {
        xb_assert_ok(xb_net_train_step(bi, x, labels, NULL, NB, &lb));
        xb_assert_ok(xb_net_train_step(tw, x, labels, NULL, NB, &lt));
        assert_memory_equal(&lb, &lt, sizeof lb);
        l0 = step == 0 ? lb : l0;
    }
    for (int l = 1; l <= 3; l++) {
        size_t n = (size_t)(cb.sizes[l] * cb.sizes[l - 1]);
        xb_assert_ok(xb_net_get_weights(bi, l, wa, NULL));
        xb_assert_ok(xb_net_get_weights(tw, l, wb, NULL));
        assert_memory_equal(wa, wb, n * sizeof(double));
        if (l >= 2) {
            xb_assert_ok(xb_net_get_backward(tw, l, wb));
            assert_memory_equal(wa, wb, n * sizeof(double)); /* the twin still equals W */
        }
    }
    /* set_weights keeps the twin copy in step with W */
    for (int i = 0; i < 32; i++) {
        wa[i] = 0.0173 * (i % 7) - 0.05;
    }
    xb_assert_ok(xb_net_set_weights(tw, 3, wa, NULL));
    xb_assert_ok(xb_net_get_weights(tw, 3, wa, NULL));
    xb_assert_ok(xb_net_get_backward(tw, 3, wb));
    assert_memory_equal(wa, wb, 32 * sizeof(double));
    xb_xbar_counters k;
    xb_xbar_counters_get(xb_net_forward_xbar(bi, 3), &k);
    assert_true(k.pulses > 0); /* the devices were really written */
    assert_true(lb < l0);
    xb_net_free(bi);
    xb_net_free(tw);
}

/* Under rbp the backward pass reads B_l's own array transposed and never the
 * forward array; under bidirectional bp it reads W_l transposed. One step
 * of NB vectors: forward arrays read NB vectors forward. */
static void test_learning_channel_rbp__backward_reads_the_backward_array(void **state)
{
    (void)state;
    double x[NB * 12];
    int labels[NB];
    batch(x, labels, 0);
    const xb_channel chans[] = {XB_NET_CHANNEL_TWIN, XB_NET_CHANNEL_CONJOINED};
    for (int c = 0; c < 2; c++) {
        xb_net_config cfg;
        hw_config(&cfg, XB_RULE_RBP, chans[c]);
        xb_net *net = NULL;
        xb_assert_ok(xb_net_create(&net, &cfg));
        xb_assert_ok(xb_net_train_step(net, x, labels, NULL, NB, NULL));
        for (int l = 1; l <= 3; l++) {
            xb_xbar_counters k;
            xb_xbar_counters_get(xb_net_forward_xbar(net, l), &k);
            assert_int_equal(k.reads_forward, NB);
            assert_int_equal(k.reads_backward, 0);
            assert_int_equal(k.updates, 1);
            if (l >= 2) {
                xb_xbar_counters_get(xb_net_backward_xbar(net, l), &k);
                assert_int_equal(k.reads_forward, 0);
                assert_int_equal(k.reads_backward, NB);
                assert_int_equal(k.updates, 0); /* B is fixed */
            }
        }
        assert_null(xb_net_backward_xbar(net, 1));
        xb_net_free(net);
    }
    xb_net_config cfg;
    hw_config(&cfg, XB_RULE_BP, XB_NET_CHANNEL_BIDIRECTIONAL);
    xb_net *net = NULL;
    xb_assert_ok(xb_net_create(&net, &cfg));
    xb_assert_ok(xb_net_train_step(net, x, labels, NULL, NB, NULL));
    for (int l = 1; l <= 3; l++) {
        xb_xbar_counters k;
        xb_xbar_counters_get(xb_net_forward_xbar(net, l), &k);
        assert_int_equal(k.reads_forward, NB);
        assert_int_equal(k.reads_backward, l >= 2 ? NB : 0);
    }
    xb_net_free(net);
}

/* srbp on distinct arrays: n_L x n_{l-1} arrays fed by the output error; arbp
 * writes its backward arrays with the forward change. */
static void test_learning_channel_distinct__srbp_arrays_have_direct_shapes(void **state)
{
    (void)state;
    xb_net_config cfg;
    hw_config(&cfg, XB_RULE_SRBP, XB_NET_CHANNEL_AUTO);
    xb_net *net = NULL;
    xb_assert_ok(xb_net_create(&net, &cfg));
    assert_int_equal(xb_net_config_get(net)->channel, XB_NET_CHANNEL_DISTINCT);
    double x[NB * 12];
    int labels[NB];
    batch(x, labels, 1);
    xb_assert_ok(xb_net_train_step(net, x, labels, NULL, NB, NULL));
    int rows = 0, cols = 0;
    xb_assert_ok(xb_net_backward_shape(net, 2, &rows, &cols));
    assert_int_equal(rows, 4);
    assert_int_equal(cols, 10);
    xb_xbar_counters k;
    xb_xbar_counters_get(xb_net_backward_xbar(net, 2), &k);
    assert_int_equal(k.reads_backward, NB);
    xb_net_free(net);

    hw_config(&cfg, XB_RULE_ARBP, XB_NET_CHANNEL_TWIN);
    xb_assert_ok(xb_net_create(&net, &cfg));
    xb_assert_ok(xb_net_train_step(net, x, labels, NULL, NB, NULL));
    xb_xbar_counters_get(xb_net_backward_xbar(net, 3), &k);
    assert_int_equal(k.updates, 1);
    assert_true(k.pulses > 0);
    xb_net_free(net);
}

/* Stochastic pulse coincidence (Gokmen-Vlasov) needs the factors d and h, not
 * a formed dW: the network hands them over, for W and for an adapted B. The
 * loss of a repeated batch must fall; decay cannot be expressed and is
 * rejected. */
static void test_learning_channel_stochastic__updates_through_the_outer_product(void **state)
{
    (void)state;
    xb_net_config cfg;
    hw_config(&cfg, XB_RULE_ARBP, XB_NET_CHANNEL_TWIN);
    cfg.fwd.update = XB_UPDATE_STOCHASTIC;
    cfg.bwd = cfg.fwd;
    xb_net *net = NULL;
    xb_assert_ok(xb_net_create(&net, &cfg));
    double x[NB * 12], l0 = 0.0, l = 0.0;
    int labels[NB];
    batch(x, labels, 3);
    for (int step = 0; step < 15; step++) {
        xb_assert_ok(xb_net_train_step(net, x, labels, NULL, NB, &l));
        l0 = step == 0 ? l : l0;
    }
    assert_true(l < l0);
    xb_xbar_counters k;
    xb_xbar_counters_get(xb_net_backward_xbar(net, 2), &k);
    assert_int_equal(k.updates, 15);
    assert_true(k.pulses > 0);
    xb_net_free(net);
    cfg.decay = 0.01;
    xb_assert_error(xb_net_create(&net, &cfg), XB_EINVAL, "decay (0.01)");
}

/* Layer-1 weights after three rbp steps: they depend on every backward read. */
static void rbp_run(xb_channel ch, int bwd_adc_bits, double bwd_levels, double *w1)
{
    static xb_device_ideal_params bwd_dev;
    bwd_dev = fine;
    bwd_dev.levels = bwd_levels;
    xb_net_config cfg;
    hw_config(&cfg, XB_RULE_RBP, ch);
    cfg.fwd.adc_bits = 6;
    cfg.bwd.adc_bits = bwd_adc_bits;
    cfg.bwd.device.params = &bwd_dev;
    xb_net *net = NULL;
    xb_assert_ok(xb_net_create(&net, &cfg));
    double x[NB * 12];
    int labels[NB];
    for (uint64_t step = 0; step < 3; step++) {
        batch(x, labels, step);
        xb_assert_ok(xb_net_train_step(net, x, labels, NULL, NB, NULL));
    }
    xb_assert_ok(xb_net_get_weights(net, 1, w1, NULL));
    xb_net_free(net);
}

/* learning-channel.md §2.2: a conjoined array sits between the forward neuron
 * circuits (its ADC is the forward one: bwd ADC settings do nothing) but is
 * its own device (bwd device settings matter); a twin has its own periphery
 * (bwd ADC settings matter). */
static void test_learning_channel_conjoined__forward_periphery_backward_device(void **state)
{
    (void)state;
    double a[120], b[120];
    rbp_run(XB_NET_CHANNEL_CONJOINED, 3, 4097.0, a);
    rbp_run(XB_NET_CHANNEL_CONJOINED, 0, 4097.0, b);
    assert_memory_equal(a, b, sizeof a);
    rbp_run(XB_NET_CHANNEL_CONJOINED, 0, 9.0, b);
    assert_memory_not_equal(a, b, sizeof a);
    rbp_run(XB_NET_CHANNEL_TWIN, 3, 4097.0, a);
    rbp_run(XB_NET_CHANNEL_TWIN, 0, 4097.0, b);
    assert_memory_not_equal(a, b, sizeof a);
}

/* Feedback alignment on a nonideal crossbar: NeuroSim's Ag:a-Si device
 * (nonlinear asymmetric pulses, its c2c and d2d) on forward and twin backward
 * arrays; a repeated batch's loss must fall. */
static void test_learning_channel_rbp__learns_on_a_nonlinear_device(void **state)
{
    (void)state;
    unsigned char params[XB_DEVICE_PARAMS_MAX];
    xb_net_config cfg;
    hw_config(&cfg, XB_RULE_RBP, XB_NET_CHANNEL_TWIN);
    xb_assert_ok(xb_device_preset_config("agsi", &cfg.fwd.device, params));
    cfg.fwd.update = XB_UPDATE_PULSES;
    cfg.bwd = cfg.fwd;
    xb_net *net = NULL;
    xb_assert_ok(xb_net_create(&net, &cfg));
    double x[NB * 12], l0 = 0.0, l = 0.0;
    int labels[NB];
    batch(x, labels, 4);
    for (int step = 0; step < 30; step++) {
        xb_assert_ok(xb_net_train_step(net, x, labels, NULL, NB, &l));
        l0 = step == 0 ? l : l0;
    }
    assert_true(l < l0);
    xb_net_free(net);
}

/* The rules that write backward arrays, on arrays: asrbp writes its distinct
 * arrays every step; sign rewrites its twin arrays to sign(W) (.) |R| by
 * target - current (entries larger than a few pulses follow W's sign). */
static void test_learning_channel_adaptive_rules__write_their_arrays(void **state)
{
    (void)state;
    double x[NB * 12];
    int labels[NB];
    batch(x, labels, 6);
    xb_net_config cfg;
    hw_config(&cfg, XB_RULE_ASRBP, XB_NET_CHANNEL_AUTO);
    xb_net *net = NULL;
    xb_assert_ok(xb_net_create(&net, &cfg));
    for (int step = 0; step < 3; step++) {
        xb_assert_ok(xb_net_train_step(net, x, labels, NULL, NB, NULL));
    }
    for (int l = 2; l <= 3; l++) {
        xb_xbar_counters k;
        xb_xbar_counters_get(xb_net_backward_xbar(net, l), &k);
        assert_int_equal(k.updates, 3);
        assert_true(k.pulses > 0);
    }
    xb_net_free(net);

    hw_config(&cfg, XB_RULE_SIGN, XB_NET_CHANNEL_TWIN);
    cfg.lr = 2.0; /* large steps so that some weights change sign */
    xb_assert_ok(xb_net_create(&net, &cfg));
    double w0[80], w[80], k[80];
    xb_assert_ok(xb_net_get_weights(net, 2, w0, NULL));
    for (int step = 0; step < 10; step++) {
        batch(x, labels, 10 + (uint64_t)step);
        xb_assert_ok(xb_net_train_step(net, x, labels, NULL, NB, NULL));
    }
    xb_assert_ok(xb_net_get_weights(net, 2, w, NULL));
    xb_assert_ok(xb_net_get_backward(net, 2, k));
    double pulse = xb_xbar_dw_pulse(xb_net_backward_xbar(net, 2));
    int flips = 0, checked = 0;
    for (int i = 0; i < 80; i++) {
        flips += (w[i] > 0.0) != (w0[i] > 0.0);
        if (fabs(k[i]) > 4.0 * pulse) {
            checked++;
            assert_true((k[i] > 0.0) == (w[i] > 0.0));
        }
    }
    assert_true(flips > 0);
    assert_true(checked > 40);
    xb_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learning_channel_twin__equals_bidirectional_on_ideal_hardware),
        cmocka_unit_test(test_learning_channel_rbp__backward_reads_the_backward_array),
        cmocka_unit_test(test_learning_channel_distinct__srbp_arrays_have_direct_shapes),
        cmocka_unit_test(test_learning_channel_stochastic__updates_through_the_outer_product),
        cmocka_unit_test(test_learning_channel_conjoined__forward_periphery_backward_device),
        cmocka_unit_test(test_learning_channel_rbp__learns_on_a_nonlinear_device),
        cmocka_unit_test(test_learning_channel_adaptive_rules__write_their_arrays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
