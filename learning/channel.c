/* learning: placement of one matrix in plain memory (cblas) or on a crossbar,
 * and the channel's choice of array template and array id
 * (docs/ARCHITECTURE.md: forward l, backward 100 + l, distinct 200 + l). */
#include "learning/net_internal.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int xb_net__mat_create(xb_net__mat *m, const xb_net_config *cfg, int rows, int cols,
                       int backward, int l, const double *w0)
{
    memset(m, 0, sizeof *m);
    m->gain = 1.0;
    m->rows = rows;
    m->cols = cols;
    size_t n = (size_t)rows * (size_t)cols;
    if (!cfg->hardware) {
        m->w = malloc(n * sizeof *m->w);
        if (m->w == NULL) {
            return xb__error_set(XB_ENOMEM, "matrix %d x %d", rows, cols);
        }
        memcpy(m->w, w0, n * sizeof *m->w);
        return XB_OK;
    }
    xb_xbar_config xc;
    uint32_t id = (uint32_t)l;
    if (!backward) {
        xc = cfg->fwd;
    } else if (cfg->channel == XB_NET_CHANNEL_CONJOINED) {
        /* same neuron circuits: the forward periphery, the backward devices */
        xc = cfg->fwd;
        xc.device = cfg->bwd.device;
        xc.w_max = cfg->bwd.w_max;
        id = 100u + (uint32_t)l;
    } else {
        xc = cfg->bwd;
        id = (cfg->channel == XB_NET_CHANNEL_DISTINCT ? 200u : 100u) + (uint32_t)l;
    }
    xc.n_in = cols;
    xc.n_out = rows;
    xc.seed = cfg->seed;
    xc.array_id = id;
    if (xc.max_batch < cfg->batch_max) {
        xc.max_batch = cfg->batch_max; /* read workspaces sized once, not in the loop */
    }
    if (cfg->rule == XB_RULE_WM && xc.max_batch < cfg->wm_batch) {
        xc.max_batch = cfg->wm_batch; /* mirror reads of W and probes of B */
    }
    m->stochastic = xc.update == XB_UPDATE_STOCHASTIC;
    int rc = xb_xbar_create(&m->xb, &xc);
    if (rc < 0) {
        return xb__error_prefix(rc, "%s array of layer %d: ", backward ? "backward" : "forward",
                                l);
    }
    rc = xb_xbar_program(m->xb, w0);
    if (rc < 0) {
        xb_xbar_free(m->xb);
        m->xb = NULL;
        return xb__error_prefix(rc, "programming the %s array of layer %d: ",
                                backward ? "backward" : "forward", l);
    }
    return XB_OK;
}

void xb_net__mat_free(xb_net__mat *m)
{
    if (m->shared) {
        memset(m, 0, sizeof *m);
        return;
    }
    free(m->w);
    free(m->vel);
    xb_xbar_free(m->xb);
    memset(m, 0, sizeof *m);
}

/* The periphery's digital gain on n read outputs. */
static void apply_gain(const xb_net__mat *m, double *out, size_t n)
{
    if (m->gain != 1.0) {
        cblas_dscal((int)n, m->gain, out, 1);
    }
}

/* out (nb x rows) = in (nb x cols) W^T */
int xb_net__mat_forward(xb_net__mat *m, const double *in, size_t nb, double *out)
{
    if (m->xb != NULL) {
        XB_TRY(xb_xbar_forward(m->xb, in, nb, out));
        apply_gain(m, out, nb * (size_t)m->rows);
        return XB_OK;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, m->rows, m->cols, 1.0, in,
                m->cols, m->w, m->cols, 0.0, out, m->rows);
    return XB_OK;
}

/* out (nb x cols) = in (nb x rows) W, the transposed read */
int xb_net__mat_backward(xb_net__mat *m, const double *in, size_t nb, double *out)
{
    if (m->xb != NULL) {
        XB_TRY(xb_xbar_backward(m->xb, in, nb, out));
        apply_gain(m, out, nb * (size_t)m->cols);
        return XB_OK;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, m->cols, m->rows, 1.0, in,
                m->rows, m->w, m->cols, 0.0, out, m->cols);
    return XB_OK;
}

int xb_net__mat_add(xb_net__mat *m, const double *dw)
{
    if (m->xb != NULL) {
        /* the array holds w / gain: the change it needs is dw / gain */
        return m->gain == 1.0 ? xb_xbar_update(m->xb, dw)
                              : xb_xbar_update_scaled(m->xb, 1.0 / m->gain, dw);
    }
    size_t n = (size_t)m->rows * (size_t)m->cols;
    for (size_t i = 0; i < n; i++) {
        m->w[i] += dw[i];
    }
    return XB_OK;
}

int xb_net__mat_add_outer(xb_net__mat *m, double scale, const double *d, const double *h,
                          size_t nb)
{
    if (m->xb != NULL) {
        return xb_xbar_update_outer(m->xb, scale / m->gain, d, h, nb);
    }
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m->rows, m->cols, (int)nb, scale, d,
                m->rows, h, m->cols, 1.0, m->w, m->cols);
    return XB_OK;
}

int xb_net__mat_get(const xb_net__mat *m, double *w_out)
{
    if (m->xb != NULL) {
        XB_TRY(xb_xbar_weights(m->xb, w_out));
        apply_gain(m, w_out, (size_t)m->rows * (size_t)m->cols);
        return XB_OK;
    }
    memcpy(w_out, m->w, (size_t)m->rows * (size_t)m->cols * sizeof *w_out);
    return XB_OK;
}

int xb_net__mat_norm(const xb_net__mat *m, double *wbuf, double *out)
{
    int n = m->rows * m->cols;
    if (m->xb == NULL) {
        *out = cblas_dnrm2(n, m->w, 1);
        return XB_OK;
    }
    XB_TRY(xb_xbar_weights(m->xb, wbuf));
    *out = fabs(m->gain) * cblas_dnrm2(n, wbuf, 1);
    return XB_OK;
}

int xb_net__mat_set(xb_net__mat *m, const double *w)
{
    if (m->xb != NULL) {
        m->gain = 1.0; /* programmed as given: no periphery scale */
        return xb_xbar_program(m->xb, w);
    }
    memcpy(m->w, w, (size_t)m->rows * (size_t)m->cols * sizeof *m->w);
    return XB_OK;
}
