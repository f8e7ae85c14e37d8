/* learning: the software network — gradients against central finite
 * differences, rbp with B = W^T against bp, name lookups, validation. */
#include "xb_test.h"

#include "learning/learning.h"

#include <stdlib.h>

#define NB 7

/* High-entropy inputs and labels drawn from a data stream. */
static void make_batch(int n0, int nL, double *x, int *labels, double *targets, uint64_t seed)
{
    xb_rng r;
    xb_rng_init(&r, seed, XB_RNG_DATA, 0);
    for (int i = 0; i < NB * n0; i++) {
        x[i] = xb_rng_normal(&r);
    }
    for (int s = 0; s < NB; s++) {
        labels[s] = (int)xb_rng_below(&r, (uint64_t)nL);
        for (int i = 0; i < nL; i++) {
            targets[s * nL + i] = xb_rng_normal(&r);
        }
    }
}

static double batch_loss(xb_net *net, const double *x, const int *labels, const double *targets)
{
    double loss = 0.0;
    xb_assert_ok(xb_net_forward(net, x, NB, NULL));
    xb_assert_ok(xb_net_backward(net, labels, targets, &loss));
    return loss;
}

/* dLoss/dW_l by central differences, relative error of the whole matrix. */
static void check_fd(xb_activation act, xb_loss loss)
{
    xb_net_config c = XB_NET_CONFIG_INIT;
    c.n_layers = 3;
    c.sizes[0] = 5;
    c.sizes[1] = 4;
    c.sizes[2] = 6;
    c.sizes[3] = 3;
    c.hidden = act;
    c.loss = loss;
    c.init = XB_INIT_UNIFORM;
    c.init_scale = 0.9;
    c.seed = 2385;
    c.batch_max = NB;
    xb_net *net = NULL;
    xb_assert_ok(xb_net_create(&net, &c));
    double x[NB * 5], targets[NB * 3];
    int labels[NB];
    make_batch(5, 3, x, labels, targets, 731);
    batch_loss(net, x, labels, targets);
    for (int l = 1; l <= 3; l++) {
        int n = c.sizes[l] * c.sizes[l - 1];
        double *g = malloc((size_t)n * sizeof *g), *w = malloc((size_t)n * sizeof *w);
        double *fd = malloc((size_t)n * sizeof *fd);
        xb_assert_ok(xb_net_forward(net, x, NB, NULL));
        xb_assert_ok(xb_net_backward(net, labels, targets, NULL));
        xb_assert_ok(xb_net_get_gradient(net, l, g));
        xb_assert_ok(xb_net_get_weights(net, l, w, NULL));
        const double h = 1e-5;
        for (int k = 0; k < n; k++) {
            double w0 = w[k];
            w[k] = w0 + h;
            xb_assert_ok(xb_net_set_weights(net, l, w, NULL));
            double lp = batch_loss(net, x, labels, targets);
            w[k] = w0 - h;
            xb_assert_ok(xb_net_set_weights(net, l, w, NULL));
            double lm = batch_loss(net, x, labels, targets);
            w[k] = w0;
            fd[k] = (lp - lm) / (2.0 * h);
        }
        xb_assert_ok(xb_net_set_weights(net, l, w, NULL));
        double num = 0.0, den = 0.0;
        for (int k = 0; k < n; k++) {
            num += (g[k] - fd[k]) * (g[k] - fd[k]);
            den += fd[k] * fd[k];
        }
        assert_true(den > 0.0);
        xb_assert_close(sqrt(num / den), 0.0, 0.0, XB_TOL_FD);
        free(g);
        free(w);
        free(fd);
    }
    xb_net_free(net);
}

static void test_learning_net_bp__gradient_matches_finite_differences_softmax(void **state)
{
    (void)state;
    check_fd(XB_ACT_TANH, XB_LOSS_SOFTMAX_CE);
    check_fd(XB_ACT_SIGMOID, XB_LOSS_SOFTMAX_CE);
}

static void test_learning_net_bp__gradient_matches_finite_differences_mse_sigmoid_ce(void **state)
{
    (void)state;
    check_fd(XB_ACT_SIGMOID, XB_LOSS_MSE);
    check_fd(XB_ACT_TANH, XB_LOSS_SIGMOID_CE);
    check_fd(XB_ACT_LINEAR, XB_LOSS_MSE);
}

static void base_config(xb_net_config *c, xb_rule rule)
{
    xb_net_config d = XB_NET_CONFIG_INIT;
    *c = d;
    c->n_layers = 3;
    c->sizes[0] = 6;
    c->sizes[1] = 5;
    c->sizes[2] = 4;
    c->sizes[3] = 3;
    c->hidden = XB_ACT_RELU;
    c->rule = rule;
    c->lr = 0.37;
    c->seed = 11;
    c->batch_max = NB;
}

/* learning-channel.md §1: the rules differ only in the matrix of the
 * backward read, so rbp handed B_l = W_l^T each step is bp, bit for bit. */
static void test_learning_net_rbp__with_b_equal_wt_is_bp_bit_for_bit(void **state)
{
    (void)state;
    xb_net_config cb, cr;
    base_config(&cb, XB_RULE_BP);
    base_config(&cr, XB_RULE_RBP);
    xb_net *bp = NULL, *rbp = NULL;
    xb_assert_ok(xb_net_create(&bp, &cb));
    xb_assert_ok(xb_net_create(&rbp, &cr));
    double x[NB * 6], targets[NB * 3], w[6 * 5], w2[6 * 5];
    int labels[NB];
    for (int step = 0; step < 5; step++) {
        make_batch(6, 3, x, labels, targets, 100 + (uint64_t)step);
        for (int l = 2; l <= 3; l++) {
            xb_assert_ok(xb_net_get_weights(bp, l, w, NULL));
            xb_assert_ok(xb_net_set_backward(rbp, l, w));
        }
        double lb = 0.0, lr = 0.0;
        xb_assert_ok(xb_net_train_step(bp, x, labels, NULL, NB, &lb));
        xb_assert_ok(xb_net_train_step(rbp, x, labels, NULL, NB, &lr));
        assert_memory_equal(&lb, &lr, sizeof lb);
        for (int l = 1; l <= 3; l++) {
            double b1[6], b2[6];
            xb_assert_ok(xb_net_get_weights(bp, l, w, b1));
            xb_assert_ok(xb_net_get_weights(rbp, l, w2, b2));
            assert_memory_equal(w, w2, (size_t)(cb.sizes[l] * cb.sizes[l - 1]) * sizeof(double));
            assert_memory_equal(b1, b2, (size_t)cb.sizes[l] * sizeof(double));
        }
    }
    /* and without re-synchronising, the random B makes them differ */
    make_batch(6, 3, x, labels, targets, 999);
    xb_assert_ok(xb_net_train_step(bp, x, labels, NULL, NB, NULL));
    xb_assert_ok(xb_net_train_step(rbp, x, labels, NULL, NB, NULL));
    xb_assert_ok(xb_net_get_weights(bp, 3, w, NULL));
    xb_assert_ok(xb_net_get_weights(rbp, 3, w2, NULL));
    assert_memory_equal(w, w2, sizeof(double) * 12); /* the output layer uses no B */
    xb_assert_ok(xb_net_get_weights(bp, 1, w, NULL));
    xb_assert_ok(xb_net_get_weights(rbp, 1, w2, NULL));
    assert_memory_not_equal(w, w2, sizeof(double) * 30); /* B_2, B_3 are last step's W */
    xb_net_free(bp);
    xb_net_free(rbp);
}

static void test_learning_net_lookup__names_round_trip_and_errors_list_valid(void **state)
{
    (void)state;
    const char *rules[] = {"bp", "rbp", "srbp", "arbp", "asrbp", "sign", "sparse_rbp", "drtp"};
    for (int i = 0; i < 8; i++) {
        xb_rule r;
        xb_assert_ok(xb_rule_find(rules[i], &r));
        assert_string_equal(xb_rule_name(r), rules[i]);
    }
    xb_channel ch;
    xb_assert_ok(xb_channel_find("twin", &ch));
    assert_int_equal(ch, XB_NET_CHANNEL_TWIN);
    xb_activation a;
    xb_assert_ok(xb_activation_find("tanh", &a));
    assert_int_equal(a, XB_ACT_TANH);
    xb_rule r;
    xb_assert_error(xb_rule_find("fa", &r), XB_ENOTFOUND, "rule 'fa' is unknown; valid: bp, rbp");
    xb_assert_error(xb_channel_find("mirror", &ch), XB_ENOTFOUND,
                    "conjoined, twin, distinct");
    xb_assert_error(xb_activation_find("gelu", &a), XB_ENOTFOUND, "sigmoid, tanh, relu, linear");
    xb_loss lo;
    xb_assert_error(xb_loss_find("hinge", &lo), XB_ENOTFOUND, "softmax_ce, mse, sigmoid_ce");
}

static void test_learning_net_create__rejects_bad_configs_naming_the_field(void **state)
{
    (void)state;
    xb_net_config c;
    xb_net *net = NULL;
    base_config(&c, XB_RULE_RBP);
    c.channel = XB_NET_CHANNEL_BIDIRECTIONAL;
    xb_assert_error(xb_net_create(&net, &c), XB_EINVAL, "rule 'rbp' has nowhere");
    base_config(&c, XB_RULE_SRBP);
    c.channel = XB_NET_CHANNEL_TWIN;
    xb_assert_error(xb_net_create(&net, &c), XB_EINVAL, "use 'distinct'");
    base_config(&c, XB_RULE_BP);
    c.sizes[2] = 0;
    xb_assert_error(xb_net_create(&net, &c), XB_EINVAL, "sizes[2] (0)");
    base_config(&c, XB_RULE_RBP);
    c.sparsity = 0.5;
    xb_assert_error(xb_net_create(&net, &c), XB_EINVAL, "only to rule 'sparse_rbp'");
    base_config(&c, XB_RULE_BP);
    c.n_layers = 0;
    xb_assert_error(xb_net_create(&net, &c), XB_EINVAL, "n_layers (0)");
    assert_null(net);
    base_config(&c, XB_RULE_BP);
    xb_assert_ok(xb_net_create(&net, &c));
    double x[8 * 6];
    memset(x, 0, sizeof x);
    xb_assert_error(xb_net_forward(net, x, 8, NULL), XB_EDIM, "batch size (8)");
    xb_assert_error(xb_net_backward(net, NULL, NULL, NULL), XB_EINVAL, "forward pass first");
    int bad[NB] = {0, 1, 2, 3, 0, 1, 2};
    xb_assert_ok(xb_net_forward(net, x, NB, NULL));
    xb_assert_error(xb_net_backward(net, bad, NULL, NULL), XB_EINVAL, "label of sample 3 (3)");
    xb_assert_error(xb_net_set_backward(net, 2, x), XB_ENOTFOUND, "bidirectional");
    xb_assert_error(xb_net_get_weights(net, 4, x, NULL), XB_EINVAL, "layer (4) must be in 1..3");
    assert_int_equal(xb_net_config_get(net)->channel, XB_NET_CHANNEL_BIDIRECTIONAL);
    xb_net_free(net);
}

/* Evaluate: accuracy is the fraction of argmax hits (checked against a naive
 * loop over the outputs), loss the mean of the batch losses. */
static void test_learning_net_evaluate__matches_forward_on_every_sample(void **state)
{
    (void)state;
    xb_net_config c;
    base_config(&c, XB_RULE_BP);
    c.batch_max = 4; /* 10 samples: chunks of 4, 4, 2 */
    xb_net *net = NULL;
    xb_assert_ok(xb_net_create(&net, &c));
    double x[10 * 6];
    int labels[10];
    xb_rng r;
    xb_rng_init(&r, 5, XB_RNG_DATA, 0);
    for (int i = 0; i < 60; i++) {
        x[i] = xb_rng_normal(&r);
    }
    for (int i = 0; i < 10; i++) {
        labels[i] = i % 3;
    }
    xb_dataset d = {"inline", 10, 6, 3, 1, x, labels, NULL};
    double loss = 0.0, acc = 0.0;
    xb_assert_ok(xb_net_evaluate(net, &d, &loss, &acc));
    double sum = 0.0;
    int hits = 0;
    for (int s = 0; s < 10; s++) {
        double out[3];
        xb_assert_ok(xb_net_forward(net, x + 6 * s, 1, out));
        int best = 0;
        for (int i = 1; i < 3; i++) {
            best = out[i] > out[best] ? i : best;
        }
        hits += best == labels[s];
        sum -= log(out[labels[s]]);
    }
    xb_assert_close(acc, hits / 10.0, XB_TOL_EXACT, 0.0);
    xb_assert_close(loss, sum / 10.0, XB_TOL_EXACT, 0.0);
    xb_dataset wrong = {"wrong", 10, 5, 3, 1, x, labels, NULL};
    xb_assert_error(xb_net_evaluate(net, &wrong, &loss, &acc), XB_EDIM, "dataset 'wrong' has dim 5");
    xb_net_free(net);
}

/* NSE on a regression dataset against a per-sample loop. */
static void test_learning_net_evaluate__nse_matches_naive_loop(void **state)
{
    (void)state;
    xb_net_config c;
    base_config(&c, XB_RULE_BP);
    c.loss = XB_LOSS_MSE;
    c.batch_max = 4;
    xb_net *net = NULL;
    xb_assert_ok(xb_net_create(&net, &c));
    double x[9 * 6], y[9 * 3];
    xb_rng r;
    xb_rng_init(&r, 6, XB_RNG_DATA, 0);
    xb_rng_fill_normal(&r, 0, 54, 0.0, 1.0, x);
    xb_rng_fill_normal(&r, 100, 27, 0.0, 1.0, y);
    xb_dataset d = {"teacher", 9, 6, 3, 0, x, NULL, y};
    double nse = 0.0, num = 0.0, den = 0.0;
    xb_assert_ok(xb_net_evaluate_nse(net, &d, &nse));
    for (int s = 0; s < 9; s++) {
        double out[3];
        xb_assert_ok(xb_net_forward(net, x + 6 * s, 1, out));
        for (int i = 0; i < 3; i++) {
            num += (out[i] - y[3 * s + i]) * (out[i] - y[3 * s + i]);
            den += y[3 * s + i] * y[3 * s + i];
        }
    }
    xb_assert_close(nse, num / den, XB_TOL_EXACT, 0.0);
    xb_net_free(net);
    base_config(&c, XB_RULE_BP);
    xb_assert_ok(xb_net_create(&net, &c));
    xb_assert_error(xb_net_evaluate_nse(net, &d, &nse), XB_EINVAL, "needs loss 'mse'");
    xb_net_free(net);
}

/* Every caller error names the offending value. */
static void test_learning_net_errors__each_names_the_value(void **state)
{
    (void)state;
    xb_net_config c;
    base_config(&c, XB_RULE_RBP);
    xb_net *net = NULL;
    xb_assert_ok(xb_net_create(&net, &c));
    double x[NB * 6];
    memset(x, 0, sizeof x);
    int labels[NB] = {0, 1, 2, 0, 1, 2, 0};
    xb_dataset d = {"tiny", NB, 6, 3, 1, x, labels, NULL};
    size_t idx[2] = {1, 99};
    xb_assert_error(xb_net_train_indices(net, &d, idx, 2, NULL), XB_EINVAL,
                    "index 1 (99) is past the dataset's 7 samples");
    xb_assert_error(xb_net_update(net), XB_EINVAL, "backward pass first");
    xb_assert_error(xb_net_backward_shape(net, 1, NULL, NULL), XB_EINVAL, "layer (1) must be in 2..3");
    xb_net_layer_metrics m[3];
    xb_assert_error(xb_net_metrics(net, x, labels, NULL, NB + 1, m), XB_EDIM, "batch size (8)");
    int bad[NB] = {0, 1, 2, 0, 1, 2, 5};
    xb_assert_error(xb_net_metrics(net, x, bad, NULL, NB, m), XB_EINVAL, "sample 6");
    xb_dataset reg = {"reg", NB, 6, 3, 0, x, NULL, NULL};
    xb_assert_error(xb_net_evaluate(net, &reg, NULL, NULL), XB_EINVAL,
                    "needs class labels; dataset 'reg' has none");
    xb_net_free(net);
    base_config(&c, XB_RULE_BP);
    c.loss = XB_LOSS_MSE;
    xb_assert_ok(xb_net_create(&net, &c));
    xb_assert_ok(xb_net_forward(net, x, NB, NULL));
    xb_assert_error(xb_net_backward(net, labels, NULL, NULL), XB_EINVAL, "needs targets");
    xb_assert_error(xb_net_evaluate(net, &reg, NULL, NULL), XB_EINVAL, "dataset 'reg' has none");
    xb_net_free(net);
    base_config(&c, XB_RULE_BP);
    c.error_bits = 60;
    xb_assert_error(xb_net_create(&net, &c), XB_EINVAL, "error_bits (60)");
    base_config(&c, XB_RULE_BP);
    c.lr = -0.5;
    xb_assert_error(xb_net_create(&net, &c), XB_EINVAL, "lr (-0.5)");
    base_config(&c, XB_RULE_BP);
    c.loss = XB_LOSS_SOFTMAX_CE;
    c.sizes[3] = 1;
    xb_assert_error(xb_net_create(&net, &c), XB_EINVAL, "needs >= 2 outputs, sizes[3] is 1");
    base_config(&c, XB_RULE_BP);
    c.hardware = 1;
    c.fwd.w_max = 0.0;
    xb_assert_error(xb_net_create(&net, &c), XB_EINVAL, "fwd.w_max (0)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learning_net_bp__gradient_matches_finite_differences_softmax),
        cmocka_unit_test(test_learning_net_bp__gradient_matches_finite_differences_mse_sigmoid_ce),
        cmocka_unit_test(test_learning_net_rbp__with_b_equal_wt_is_bp_bit_for_bit),
        cmocka_unit_test(test_learning_net_lookup__names_round_trip_and_errors_list_valid),
        cmocka_unit_test(test_learning_net_create__rejects_bad_configs_naming_the_field),
        cmocka_unit_test(test_learning_net_evaluate__matches_forward_on_every_sample),
        cmocka_unit_test(test_learning_net_evaluate__nse_matches_naive_loop),
        cmocka_unit_test(test_learning_net_errors__each_names_the_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
