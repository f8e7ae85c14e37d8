/* Datasets in memory: allocation, copies, splits, standardisation, pooling and
 * minibatch gathering. Loaders (idx, csv) and synthetic tasks build on these. */
#include "learning/learning.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void xb_dataset_free(xb_dataset *d)
{
    if (d == NULL) {
        return;
    }
    free(d->x);
    free(d->label);
    free(d->target);
    memset(d, 0, sizeof *d);
}

static void set_name(xb_dataset *d, const char *name)
{
    if (name == NULL) {
        d->name[0] = '\0';
        return;
    }
    /* a long name is cut: it only labels logs and results */
    snprintf(d->name, sizeof d->name, "%s", name);
}

int xb_dataset_alloc(xb_dataset *out, const char *name, size_t n, size_t dim, size_t n_out,
                     int classification)
{
    XB_ASSERT_ARG(out != NULL);
    memset(out, 0, sizeof *out);
    if (n == 0 || dim == 0 || n_out == 0) {
        return xb__error_set(XB_EINVAL, "dataset sizes must be > 0 (n %zu, dim %zu, n_out %zu)", n,
                             dim, n_out);
    }
    if (dim > SIZE_MAX / sizeof(double) / n || n_out > SIZE_MAX / sizeof(double) / n) {
        return xb__error_set(XB_EINVAL, "dataset of %zu x %zu values is too large", n, dim);
    }
    out->x = calloc(n * dim, sizeof *out->x);
    if (classification) {
        out->label = calloc(n, sizeof *out->label);
    } else {
        out->target = calloc(n * n_out, sizeof *out->target);
    }
    if (out->x == NULL || (classification ? (void *)out->label : (void *)out->target) == NULL) {
        xb_dataset_free(out);
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    set_name(out, name);
    out->n = n;
    out->dim = dim;
    out->n_out = n_out;
    out->classification = classification ? 1 : 0;
    return XB_OK;
}

static int check_dataset(const xb_dataset *ds)
{
    XB_ASSERT_ARG(ds != NULL);
    XB_ASSERT_ARG(ds->x != NULL);
    XB_ASSERT_ARG(ds->classification ? ds->label != NULL : ds->target != NULL);
    return XB_OK;
}

/* Copies sample src_i of ds into slot dst_i of out (same shape). */
static void copy_sample(xb_dataset *out, size_t dst_i, const xb_dataset *ds, size_t src_i)
{
    memcpy(out->x + dst_i * ds->dim, ds->x + src_i * ds->dim, ds->dim * sizeof *ds->x);
    if (ds->classification) {
        out->label[dst_i] = ds->label[src_i];
    } else {
        memcpy(out->target + dst_i * ds->n_out, ds->target + src_i * ds->n_out,
               ds->n_out * sizeof *ds->target);
    }
}

int xb_dataset_subset(xb_dataset *out, const xb_dataset *ds, size_t first, size_t n)
{
    XB_ASSERT_ARG(out != NULL);
    XB_TRY(check_dataset(ds));
    if (first >= ds->n) {
        return xb__error_set(XB_EINVAL, "subset start %zu is past the end of '%s' (%zu samples)",
                             first, ds->name, ds->n);
    }
    if (n == 0) {
        n = ds->n - first;
    }
    if (n > ds->n - first) {
        return xb__error_set(XB_EINVAL, "subset [%zu, %zu) is past the end of '%s' (%zu samples)",
                             first, first + n, ds->name, ds->n);
    }
    XB_TRY(xb_dataset_alloc(out, ds->name, n, ds->dim, ds->n_out, ds->classification));
    for (size_t i = 0; i < n; i++) {
        copy_sample(out, i, ds, first + i);
    }
    return XB_OK;
}

int xb_dataset_split(xb_dataset *a_out, xb_dataset *b_out, const xb_dataset *ds, size_t n_a,
                     const xb_rng *rng)
{
    XB_ASSERT_ARG(a_out != NULL && b_out != NULL && a_out != b_out);
    XB_TRY(check_dataset(ds));
    if (n_a == 0 || n_a >= ds->n) {
        return xb__error_set(XB_EINVAL,
                             "split size %zu must leave samples on both sides of '%s' (%zu "
                             "samples)",
                             n_a, ds->name, ds->n);
    }
    size_t *idx = malloc(ds->n * sizeof *idx);
    if (idx == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < ds->n; i++) {
        idx[i] = i;
    }
    if (rng != NULL) {
        xb_rng r = *rng;
        xb_rng_shuffle(&r, idx, ds->n);
    }
    int rc = xb_dataset_alloc(a_out, ds->name, n_a, ds->dim, ds->n_out, ds->classification);
    if (rc == XB_OK) {
        rc = xb_dataset_alloc(b_out, ds->name, ds->n - n_a, ds->dim, ds->n_out, ds->classification);
        if (rc != XB_OK) {
            xb_dataset_free(a_out);
        }
    }
    if (rc == XB_OK) {
        for (size_t i = 0; i < n_a; i++) {
            copy_sample(a_out, i, ds, idx[i]);
        }
        for (size_t i = n_a; i < ds->n; i++) {
            copy_sample(b_out, i - n_a, ds, idx[i]);
        }
    }
    free(idx);
    return rc;
}

int xb_dataset_feature_stats(const xb_dataset *ds, double *mean_out, double *sd_out)
{
    XB_TRY(check_dataset(ds));
    XB_ASSERT_ARG(ds->n > 0);
    /* two passes per feature (mean, then squared deviations): exact enough for
     * pixel data and free of the cancellation of the one-pass formula */
    for (size_t j = 0; j < ds->dim; j++) {
        double s = 0.0;
        for (size_t i = 0; i < ds->n; i++) {
            s += ds->x[i * ds->dim + j];
        }
        double m = s / (double)ds->n;
        double ss = 0.0;
        for (size_t i = 0; i < ds->n; i++) {
            double d = ds->x[i * ds->dim + j] - m;
            ss += d * d;
        }
        if (mean_out != NULL) {
            mean_out[j] = m;
        }
        if (sd_out != NULL) {
            sd_out[j] = sqrt(ss / (double)ds->n);
        }
    }
    return XB_OK;
}

int xb_dataset_standardize(xb_dataset *ds, const double *mean, const double *sd)
{
    XB_TRY(check_dataset(ds));
    XB_ASSERT_ARG(mean != NULL && sd != NULL);
    for (size_t j = 0; j < ds->dim; j++) {
        if (!(sd[j] >= 0.0) || !isfinite(sd[j]) || !isfinite(mean[j])) {
            return xb__error_set(XB_EINVAL, "feature %zu: mean %g / sd %g is not usable", j,
                                 mean[j], sd[j]);
        }
    }
    for (size_t i = 0; i < ds->n; i++) {
        double *xi = ds->x + i * ds->dim;
        for (size_t j = 0; j < ds->dim; j++) {
            /* a constant feature (an always-black border pixel) carries no
             * information; dividing by 0 would turn it into NaN */
            double s = sd[j] > 0.0 ? sd[j] : 1.0;
            xi[j] = (xi[j] - mean[j]) / s;
        }
    }
    return XB_OK;
}

int xb_dataset_pool(xb_dataset *out, const xb_dataset *ds, size_t width, size_t height, size_t f)
{
    XB_ASSERT_ARG(out != NULL);
    XB_TRY(check_dataset(ds));
    if (width == 0 || height == 0 || width * height != ds->dim) {
        return xb__error_set(XB_EDIM, "image size %zu x %zu does not match dim %zu of '%s'", width,
                             height, ds->dim, ds->name);
    }
    if (f == 0 || f > width || f > height) {
        return xb__error_set(XB_EINVAL, "pooling factor %zu must be in 1..%zu", f,
                             width < height ? width : height);
    }
    size_t w2 = width / f, h2 = height / f;
    XB_TRY(xb_dataset_alloc(out, ds->name, ds->n, w2 * h2, ds->n_out, ds->classification));
    double inv = 1.0 / (double)(f * f);
    for (size_t i = 0; i < ds->n; i++) {
        const double *src = ds->x + i * ds->dim;
        double *dst = out->x + i * out->dim;
        for (size_t r = 0; r < h2; r++) {
            for (size_t c = 0; c < w2; c++) {
                double s = 0.0;
                for (size_t dr = 0; dr < f; dr++) {
                    for (size_t dc = 0; dc < f; dc++) {
                        s += src[(r * f + dr) * width + c * f + dc];
                    }
                }
                dst[r * w2 + c] = s * inv;
            }
        }
        if (ds->classification) {
            out->label[i] = ds->label[i];
        } else {
            memcpy(out->target + i * ds->n_out, ds->target + i * ds->n_out,
                   ds->n_out * sizeof *ds->target);
        }
    }
    return XB_OK;
}

int xb_dataset_class_counts(const xb_dataset *ds, size_t *counts_out)
{
    XB_TRY(check_dataset(ds));
    XB_ASSERT_ARG(counts_out != NULL);
    if (!ds->classification) {
        return xb__error_set(XB_EINVAL, "'%s' is a regression dataset: it has no classes",
                             ds->name);
    }
    memset(counts_out, 0, ds->n_out * sizeof *counts_out);
    for (size_t i = 0; i < ds->n; i++) {
        int k = ds->label[i];
        if (k < 0 || (size_t)k >= ds->n_out) {
            return xb__error_set(XB_EINTERNAL, "sample %zu of '%s' has label %d outside 0..%zu", i,
                                 ds->name, k, ds->n_out - 1);
        }
        counts_out[k]++;
    }
    return XB_OK;
}

static int check_indices(const xb_dataset *ds, const size_t *idx, size_t nb)
{
    for (size_t b = 0; b < nb; b++) {
        if (idx[b] >= ds->n) {
            return xb__error_set(XB_EINVAL,
                                 "batch entry %zu: sample index %zu is past the end of '%s' "
                                 "(%zu samples)",
                                 b, idx[b], ds->name, ds->n);
        }
    }
    return XB_OK;
}

int xb_dataset_batch(const xb_dataset *ds, const size_t *idx, size_t nb, double *x_out,
                     int *labels_out)
{
    XB_ASSERT_ARG(ds != NULL && ds->x != NULL);
    XB_ASSERT_ARG(idx != NULL || nb == 0);
    XB_ASSERT_ARG(x_out != NULL);
    if (labels_out != NULL && !ds->classification) {
        return xb__error_set(XB_EINVAL,
                             "'%s' is a regression dataset: gather targets with "
                             "xb_dataset_batch_targets",
                             ds->name);
    }
    XB_TRY(check_indices(ds, idx, nb));
    for (size_t b = 0; b < nb; b++) {
        memcpy(x_out + b * ds->dim, ds->x + idx[b] * ds->dim, ds->dim * sizeof *x_out);
        if (labels_out != NULL) {
            labels_out[b] = ds->label[idx[b]];
        }
    }
    return XB_OK;
}

int xb_dataset_batch_targets(const xb_dataset *ds, const size_t *idx, size_t nb, double *x_out,
                             double *target_out)
{
    XB_ASSERT_ARG(ds != NULL && ds->x != NULL);
    XB_ASSERT_ARG(idx != NULL || nb == 0);
    XB_ASSERT_ARG(target_out != NULL);
    if (ds->classification || ds->target == NULL) {
        return xb__error_set(XB_EINVAL,
                             "'%s' is a classification dataset: gather labels with "
                             "xb_dataset_batch",
                             ds->name);
    }
    XB_TRY(check_indices(ds, idx, nb));
    for (size_t b = 0; b < nb; b++) {
        if (x_out != NULL) {
            memcpy(x_out + b * ds->dim, ds->x + idx[b] * ds->dim, ds->dim * sizeof *x_out);
        }
        memcpy(target_out + b * ds->n_out, ds->target + idx[b] * ds->n_out,
               ds->n_out * sizeof *target_out);
    }
    return XB_OK;
}

int xb_dataset_stratified(xb_dataset *out, const xb_dataset *ds, size_t per_class)
{
    XB_ASSERT_ARG(out != NULL);
    XB_TRY(check_dataset(ds));
    if (!ds->classification) {
        return xb__error_set(XB_EINVAL, "'%s' is a regression dataset: it has no classes",
                             ds->name);
    }
    if (per_class == 0) {
        return xb__error_set(XB_EINVAL, "per_class must be > 0");
    }
    size_t *seen = calloc(ds->n_out, sizeof *seen);
    if (seen == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    int rc = xb_dataset_class_counts(ds, seen);
    for (size_t k = 0; rc == XB_OK && k < ds->n_out; k++) {
        if (seen[k] < per_class) {
            rc = xb__error_set(XB_EINVAL, "class %zu of '%s' has %zu samples, fewer than %zu", k,
                               ds->name, seen[k], per_class);
        }
    }
    if (rc == XB_OK) {
        rc = xb_dataset_alloc(out, ds->name, per_class * ds->n_out, ds->dim, ds->n_out, 1);
    }
    if (rc == XB_OK) {
        memset(seen, 0, ds->n_out * sizeof *seen);
        size_t m = 0;
        for (size_t i = 0; i < ds->n && m < out->n; i++) {
            size_t k = (size_t)ds->label[i];
            if (seen[k] < per_class) {
                seen[k]++;
                copy_sample(out, m++, ds, i);
            }
        }
    }
    free(seen);
    return rc;
}
