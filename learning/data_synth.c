/* Synthetic regression tasks: the linear teacher of Lillicrap et al. (2016) and
 * the 1-1-1 linear chain of the RBP convergence proofs (Baldi et al. 2018).
 *
 * Every draw is addressed by position in its own (seed, XB_RNG_DATA, array)
 * stream, so sample i is the same whatever n_train or n_test is: growing a set
 * extends it, and the test set never shifts when the training set changes. */
#include "learning/learning.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Array ids of the XB_RNG_DATA streams. Part of every recorded result: append
 * only. */
enum {
    TEACHER_MATRIX = 0,
    TEACHER_TRAIN_X = 1,
    TEACHER_TEST_X = 2,
    TEACHER_TRAIN_NOISE = 3,
    TEACHER_TEST_NOISE = 4,
    CHAIN_TRAIN_X = 10,
    CHAIN_TEST_X = 11,
    CHAIN_TRAIN_NOISE = 12,
    CHAIN_TEST_NOISE = 13
};

static void draw_teacher(double *t, size_t n_out, size_t n_in, double r, uint64_t seed)
{
    xb_rng rng;
    xb_rng_init(&rng, seed, XB_RNG_DATA, TEACHER_MATRIX);
    for (size_t k = 0; k < n_out * n_in; k++) {
        t[k] = r * (2.0 * xb_rng_uniform_at(&rng, k) - 1.0);
    }
}

/* One half of the teacher task: x ~ N(0, I), target = T x + noise. */
static int teacher_half(xb_dataset *ds, const char *half, size_t n, const double *t,
                        const xb_teacher_config *cfg, uint64_t seed, uint32_t arr_x,
                        uint32_t arr_noise)
{
    char name[64];
    snprintf(name, sizeof name, "teacher-%zux%zu/%s", cfg->n_in, cfg->n_out, half);
    XB_TRY(xb_dataset_alloc(ds, name, n, cfg->n_in, cfg->n_out, 0));
    xb_rng rx, rn;
    xb_rng_init(&rx, seed, XB_RNG_DATA, arr_x);
    xb_rng_init(&rn, seed, XB_RNG_DATA, arr_noise);
    xb_rng_fill_normal(&rx, 0, n * cfg->n_in, 0.0, 1.0, ds->x);
    for (size_t i = 0; i < n; i++) {
        const double *x = ds->x + i * cfg->n_in;
        double *y = ds->target + i * cfg->n_out;
        for (size_t k = 0; k < cfg->n_out; k++) {
            double s = 0.0;
            for (size_t j = 0; j < cfg->n_in; j++) {
                s += t[k * cfg->n_in + j] * x[j];
            }
            y[k] = s;
        }
    }
    if (cfg->noise_sd > 0.0) {
        for (size_t m = 0; m < n * cfg->n_out; m++) {
            ds->target[m] += cfg->noise_sd * xb_rng_normal_at(&rn, m);
        }
    }
    return XB_OK;
}

int xb_dataset_linear_teacher(xb_dataset *train, xb_dataset *test, double *teacher_out,
                              const xb_teacher_config *cfg, uint64_t seed)
{
    XB_ASSERT_ARG(cfg != NULL);
    XB_ASSERT_ARG(train != NULL || test != NULL || teacher_out != NULL);
    if (cfg->n_in == 0 || cfg->n_out == 0) {
        return xb__error_set(XB_EINVAL, "teacher sizes n_in %zu and n_out %zu must be > 0",
                             cfg->n_in, cfg->n_out);
    }
    if (!(cfg->teacher_range > 0.0) || !isfinite(cfg->teacher_range)) {
        return xb__error_set(XB_EINVAL, "teacher_range %g must be > 0", cfg->teacher_range);
    }
    if (!(cfg->noise_sd >= 0.0) || !isfinite(cfg->noise_sd)) {
        return xb__error_set(XB_EINVAL, "noise_sd %g must be >= 0", cfg->noise_sd);
    }
    if ((train != NULL && cfg->n_train == 0) || (test != NULL && cfg->n_test == 0)) {
        return xb__error_set(XB_EINVAL, "n_train %zu and n_test %zu must be > 0", cfg->n_train,
                             cfg->n_test);
    }
    if (cfg->n_in > SIZE_MAX / sizeof(double) / cfg->n_out) {
        return xb__error_set(XB_EINVAL, "teacher of %zu x %zu is too large", cfg->n_out, cfg->n_in);
    }
    double *t = malloc(cfg->n_out * cfg->n_in * sizeof *t);
    if (t == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    draw_teacher(t, cfg->n_out, cfg->n_in, cfg->teacher_range, seed);
    int rc = XB_OK;
    if (train != NULL) {
        rc = teacher_half(train, "train", cfg->n_train, t, cfg, seed, TEACHER_TRAIN_X,
                          TEACHER_TRAIN_NOISE);
    }
    if (rc == XB_OK && test != NULL) {
        rc = teacher_half(test, "test", cfg->n_test, t, cfg, seed, TEACHER_TEST_X,
                          TEACHER_TEST_NOISE);
        if (rc != XB_OK) {
            xb_dataset_free(train);
        }
    }
    if (rc == XB_OK && teacher_out != NULL) {
        memcpy(teacher_out, t, cfg->n_out * cfg->n_in * sizeof *t);
    }
    free(t);
    return rc;
}

static int chain_half(xb_dataset *ds, const char *half, size_t n, const xb_chain_config *cfg,
                      uint64_t seed, uint32_t arr_x, uint32_t arr_noise)
{
    char name[64];
    snprintf(name, sizeof name, "chain-1-1-1/%s", half);
    XB_TRY(xb_dataset_alloc(ds, name, n, 1, 1, 0));
    xb_rng rx, rn;
    xb_rng_init(&rx, seed, XB_RNG_DATA, arr_x);
    xb_rng_init(&rn, seed, XB_RNG_DATA, arr_noise);
    xb_rng_fill_normal(&rx, 0, n, 0.0, cfg->input_sd, ds->x);
    for (size_t i = 0; i < n; i++) {
        ds->target[i] = cfg->slope * ds->x[i];
        if (cfg->noise_sd > 0.0) {
            ds->target[i] += cfg->noise_sd * xb_rng_normal_at(&rn, i);
        }
    }
    return XB_OK;
}

int xb_dataset_linear_chain(xb_dataset *train, xb_dataset *test, const xb_chain_config *cfg,
                            uint64_t seed)
{
    XB_ASSERT_ARG(cfg != NULL);
    XB_ASSERT_ARG(train != NULL || test != NULL);
    if (!isfinite(cfg->slope)) {
        return xb__error_set(XB_EINVAL, "slope %g must be finite", cfg->slope);
    }
    if (!(cfg->input_sd > 0.0) || !isfinite(cfg->input_sd)) {
        return xb__error_set(XB_EINVAL, "input_sd %g must be > 0", cfg->input_sd);
    }
    if (!(cfg->noise_sd >= 0.0) || !isfinite(cfg->noise_sd)) {
        return xb__error_set(XB_EINVAL, "noise_sd %g must be >= 0", cfg->noise_sd);
    }
    if ((train != NULL && cfg->n_train == 0) || (test != NULL && cfg->n_test == 0)) {
        return xb__error_set(XB_EINVAL, "n_train %zu and n_test %zu must be > 0", cfg->n_train,
                             cfg->n_test);
    }
    if (train != NULL) {
        XB_TRY(
            chain_half(train, "train", cfg->n_train, cfg, seed, CHAIN_TRAIN_X, CHAIN_TRAIN_NOISE));
    }
    if (test != NULL) {
        int rc = chain_half(test, "test", cfg->n_test, cfg, seed, CHAIN_TEST_X, CHAIN_TEST_NOISE);
        if (rc != XB_OK) {
            xb_dataset_free(train);
            return rc;
        }
    }
    return XB_OK;
}
