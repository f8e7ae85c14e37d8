/* learning datasets: synthetic tasks — the linear teacher (Lillicrap et al.
 * 2016, linear task; learning-channel.md §4.6) and the 1-1-1 linear chain
 * (Baldi et al. 2018; learning-channel.md §3.2 item 3). */
#include "xb_test.h"

#include "learning/learning.h"

#include <stdlib.h>

/* Sample mean and population variance of n values with stride s. */
static void moments(const double *v, size_t n, size_t s, double *mean, double *var)
{
    double m = 0.0, q = 0.0;
    for (size_t i = 0; i < n; i++) {
        m += v[i * s];
    }
    m /= (double)n;
    for (size_t i = 0; i < n; i++) {
        q += (v[i * s] - m) * (v[i * s] - m);
    }
    *mean = m;
    *var = q / (double)n;
}

static void test_learning_data_teacher__targets_are_teacher_times_input(void **state)
{
    (void)state;
    /* §4.6: 30 -> 10, T ~ U[-1, 1], x ~ N(0, I), no noise */
    xb_teacher_config cfg = XB_TEACHER_CONFIG_INIT;
    assert_int_equal(cfg.n_in, 30);
    assert_int_equal(cfg.n_out, 10);
    xb_assert_close(cfg.teacher_range, 1.0, 0.0, 0.0);
    xb_assert_close(cfg.noise_sd, 0.0, 0.0, 0.0);
    cfg.n_train = 10000;
    cfg.n_test = 300;
    xb_dataset tr, te;
    double t[10 * 30];
    xb_assert_ok(xb_dataset_linear_teacher(&tr, &te, t, &cfg, 20260101));
    assert_int_equal(tr.n, 10000);
    assert_int_equal(te.n, 300);
    assert_int_equal(tr.dim, 30);
    assert_int_equal(tr.n_out, 10);
    assert_int_equal(tr.classification, 0);
    assert_null(tr.label);
    assert_string_equal(tr.name, "teacher-30x10/train");
    for (size_t k = 0; k < 300; k++) {
        assert_true(t[k] > -1.0 && t[k] < 1.0);
    }
    /* naive reference: y = T x per sample */
    const xb_dataset *sets[2] = {&tr, &te};
    for (int h = 0; h < 2; h++) {
        const xb_dataset *d = sets[h];
        for (size_t i = 0; i < d->n; i++) {
            for (size_t k = 0; k < 10; k++) {
                double s = 0.0;
                for (size_t j = 0; j < 30; j++) {
                    s += t[k * 30 + j] * d->x[i * 30 + j];
                }
                xb_assert_close(d->target[i * 10 + k], s, XB_TOL_EXACT, XB_TOL_EXACT);
            }
        }
    }
    /* x ~ N(0, 1): 3e5 draws, moments within XB_TOL_STAT */
    double m, v;
    moments(tr.x, tr.n * tr.dim, 1, &m, &v);
    xb_assert_close(m, 0.0, 0.0, XB_TOL_STAT);
    xb_assert_close(v, 1.0, 0.0, XB_TOL_STAT);
    /* inputs of the train and test sets are independent streams */
    assert_memory_not_equal(tr.x, te.x, 300 * sizeof(double));
    xb_dataset_free(&tr);
    xb_dataset_free(&te);
}

static void test_learning_data_teacher__uniform_teacher_moments(void **state)
{
    (void)state;
    /* U[-r, r]: mean 0, variance r^2 / 3; 9e4 entries */
    xb_teacher_config cfg = XB_TEACHER_CONFIG_INIT;
    cfg.n_in = 300;
    cfg.n_out = 300;
    cfg.teacher_range = 0.5;
    double *t = malloc(300 * 300 * sizeof *t);
    assert_non_null(t);
    xb_assert_ok(xb_dataset_linear_teacher(NULL, NULL, t, &cfg, 7));
    double m, v;
    moments(t, 300 * 300, 1, &m, &v);
    xb_assert_close(m, 0.0, 0.0, XB_TOL_STAT);
    xb_assert_close(v, 0.25 / 3.0, XB_TOL_STAT, 0.0);
    free(t);
}

static void test_learning_data_teacher__draws_addressed_by_position(void **state)
{
    (void)state;
    xb_teacher_config a = XB_TEACHER_CONFIG_INIT, b = XB_TEACHER_CONFIG_INIT;
    a.n_train = 50;
    a.n_test = 20;
    b.n_train = 200;
    b.n_test = 40;
    xb_dataset tra, tea, trb, teb, trc;
    double ta[300], tb[300], tc[300];
    xb_assert_ok(xb_dataset_linear_teacher(&tra, &tea, ta, &a, 99));
    xb_assert_ok(xb_dataset_linear_teacher(&trb, &teb, tb, &b, 99));
    /* a larger set extends a smaller one, and the test set ignores n_train */
    assert_memory_equal(ta, tb, sizeof ta);
    assert_memory_equal(tra.x, trb.x, 50 * 30 * sizeof(double));
    assert_memory_equal(tra.target, trb.target, 50 * 10 * sizeof(double));
    assert_memory_equal(tea.x, teb.x, 20 * 30 * sizeof(double));
    /* another seed, another task */
    xb_assert_ok(xb_dataset_linear_teacher(&trc, NULL, tc, &a, 100));
    assert_memory_not_equal(ta, tc, sizeof ta);
    assert_memory_not_equal(tra.x, trc.x, 50 * 30 * sizeof(double));
    xb_dataset_free(&tra);
    xb_dataset_free(&tea);
    xb_dataset_free(&trb);
    xb_dataset_free(&teb);
    xb_dataset_free(&trc);
}

static void test_learning_data_teacher__noise_and_errors(void **state)
{
    (void)state;
    xb_teacher_config cfg = XB_TEACHER_CONFIG_INIT;
    cfg.n_train = 10000;
    cfg.noise_sd = 0.5;
    xb_dataset tr, clean;
    double t[300];
    xb_assert_ok(xb_dataset_linear_teacher(&tr, NULL, t, &cfg, 5));
    cfg.noise_sd = 0.0;
    xb_assert_ok(xb_dataset_linear_teacher(&clean, NULL, NULL, &cfg, 5));
    /* same inputs; residuals are N(0, 0.25) over 1e5 draws */
    assert_memory_equal(tr.x, clean.x, tr.n * tr.dim * sizeof(double));
    size_t nn = tr.n * tr.n_out;
    double *res = malloc(nn * sizeof *res);
    assert_non_null(res);
    for (size_t m = 0; m < nn; m++) {
        res[m] = tr.target[m] - clean.target[m];
    }
    double m, v;
    moments(res, nn, 1, &m, &v);
    xb_assert_close(m, 0.0, 0.0, XB_TOL_STAT);
    xb_assert_close(v, 0.25, XB_TOL_STAT, 0.0);
    free(res);
    xb_dataset_free(&tr);
    xb_dataset_free(&clean);

    xb_teacher_config bad = XB_TEACHER_CONFIG_INIT;
    bad.n_in = 0;
    xb_assert_error(xb_dataset_linear_teacher(&tr, NULL, NULL, &bad, 1), XB_EINVAL, "n_in 0");
    bad = (xb_teacher_config)XB_TEACHER_CONFIG_INIT;
    bad.teacher_range = -2.0;
    xb_assert_error(xb_dataset_linear_teacher(&tr, NULL, NULL, &bad, 1), XB_EINVAL,
                    "teacher_range -2");
    bad = (xb_teacher_config)XB_TEACHER_CONFIG_INIT;
    bad.noise_sd = -0.1;
    xb_assert_error(xb_dataset_linear_teacher(&tr, NULL, NULL, &bad, 1), XB_EINVAL,
                    "noise_sd -0.1");
    bad = (xb_teacher_config)XB_TEACHER_CONFIG_INIT;
    bad.n_test = 0;
    xb_assert_error(xb_dataset_linear_teacher(&tr, &clean, NULL, &bad, 1), XB_EINVAL, "n_test 0");
}

/* §3.2 item 3: the averaged dynamics of the 1-1-1 chain have their fixed
 * point at a b = alpha / beta, alpha = E[T I], beta = E[I^2]. */
static void test_learning_data_chain__fixed_point_of_the_sample(void **state)
{
    (void)state;
    xb_chain_config cfg = XB_CHAIN_CONFIG_INIT;
    cfg.n_train = 100000;
    cfg.n_test = 1000;
    cfg.slope = 0.731;
    cfg.input_sd = 1.5;
    xb_dataset tr, te;
    xb_assert_ok(xb_dataset_linear_chain(&tr, &te, &cfg, 42));
    assert_int_equal(tr.dim, 1);
    assert_int_equal(tr.n_out, 1);
    assert_int_equal(tr.classification, 0);
    assert_string_equal(tr.name, "chain-1-1-1/train");
    double alpha = 0.0, beta = 0.0;
    for (size_t i = 0; i < tr.n; i++) {
        xb_assert_close(tr.target[i], 0.731 * tr.x[i], XB_TOL_EXACT, 0.0);
        alpha += tr.target[i] * tr.x[i];
        beta += tr.x[i] * tr.x[i];
    }
    alpha /= (double)tr.n;
    beta /= (double)tr.n;
    /* without noise the sample optimum is the slope itself */
    xb_assert_close(alpha / beta, 0.731, XB_TOL_EXACT, 0.0);
    /* beta = input_sd^2 = 2.25 up to sampling */
    xb_assert_close(beta, 2.25, XB_TOL_STAT, 0.0);
    assert_memory_not_equal(tr.x, te.x, 1000 * sizeof(double));
    xb_dataset_free(&tr);
    xb_dataset_free(&te);

    /* with noise the least-squares slope alpha/beta stays the slope: its
     * standard error is noise_sd / (input_sd sqrt(n)) = 1e-3 */
    cfg.noise_sd = 0.5;
    cfg.input_sd = 1.0;
    xb_assert_ok(xb_dataset_linear_chain(&tr, NULL, &cfg, 43));
    alpha = beta = 0.0;
    for (size_t i = 0; i < tr.n; i++) {
        alpha += tr.target[i] * tr.x[i];
        beta += tr.x[i] * tr.x[i];
    }
    xb_assert_close(alpha / beta, 0.731, 0.0, XB_TOL_STAT);
    xb_dataset_free(&tr);

    xb_chain_config bad = XB_CHAIN_CONFIG_INIT;
    bad.input_sd = 0.0;
    xb_assert_error(xb_dataset_linear_chain(&tr, NULL, &bad, 1), XB_EINVAL, "input_sd 0");
    bad = (xb_chain_config)XB_CHAIN_CONFIG_INIT;
    bad.slope = NAN;
    xb_assert_error(xb_dataset_linear_chain(&tr, NULL, &bad, 1), XB_EINVAL, "slope nan");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learning_data_teacher__targets_are_teacher_times_input),
        cmocka_unit_test(test_learning_data_teacher__uniform_teacher_moments),
        cmocka_unit_test(test_learning_data_teacher__draws_addressed_by_position),
        cmocka_unit_test(test_learning_data_teacher__noise_and_errors),
        cmocka_unit_test(test_learning_data_chain__fixed_point_of_the_sample),
    };
    return cmocka_run_group_tests_name("learning_data_synth", tests, NULL, NULL);
}
