/* learning: alignment metrics of learning-channel.md §3.1, computed in
 * software from the noiseless weights so that measuring never reads an array
 * (no counters, no read-noise draws) and never changes a trajectory. */
#include "learning/net_internal.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

static double norm2(const double *v, size_t n)
{
    return cblas_dnrm2((int)n, v, 1);
}

/* forward pass with the copies mW into ma/mh (the same equations as net.c) */
static void soft_forward(xb_net *net, size_t nb)
{
    for (int l = 1; l <= net->L; l++) {
        int rows = net->n[l], cols = net->n[l - 1];
        double *a = net->ma[l], *h = net->mh[l];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, rows, cols, 1.0,
                    net->mh[l - 1], cols, net->mW[l], cols, 0.0, a, rows);
        xb_net__layer_output(net, l, nb, a, h);
    }
}

int xb_net_metrics(xb_net *net, const double *x, const int *labels, const double *targets,
                   size_t nb, xb_net_layer_metrics *out)
{
    XB_ASSERT_ARG(net != NULL);
    XB_ASSERT_ARG(x != NULL);
    XB_ASSERT_ARG(out != NULL);
    const xb_net_config *c = &net->cfg;
    int L = net->L;
    if (nb < 1 || nb > c->batch_max) {
        return xb__error_set(XB_EDIM, "batch size (%zu) must be in 1..batch_max (%zu)", nb,
                             c->batch_max);
    }
    for (int l = 1; l <= L; l++) {
        XB_TRY(xb_net__mat_get(&net->W[l], net->mW[l]));
        if (l >= 2) {
            XB_TRY(xb_net__mat_get(&net->K[l], net->mK[l]));
        }
    }
    memcpy(net->mh[0], x, nb * (size_t)net->n[0] * sizeof(double));
    soft_forward(net, nb);

    size_t nL = (size_t)net->n[L];
    for (size_t s = 0; s < nb; s++) {
        if (c->loss != XB_LOSS_MSE && (labels == NULL || labels[s] < 0 || labels[s] >= (int)nL)) {
            return xb__error_set(XB_EINVAL, "metrics need a label in 0..%zu for sample %zu",
                                 nL - 1, s);
        }
        if (c->loss == XB_LOSS_MSE && targets == NULL) {
            return xb__error_set(XB_EINVAL, "metrics with loss 'mse' need targets, got NULL");
        }
        for (size_t i = 0; i < nL; i++) {
            double y = c->loss == XB_LOSS_MSE ? targets[s * nL + i]
                                              : (labels[s] == (int)i ? 1.0 : 0.0);
            double e = net->mh[L][s * nL + i] - y;
            net->mdb[L][s * nL + i] = e;
            net->mdr[L][s * nL + i] = c->error_bits > 0 ? xb_quantize_error(e, c->error_bits) : e;
        }
    }
    if (c->rule == XB_RULE_DRTP) {
        xb_net__minus_target(c, nb, (int)nL, labels, targets, net->ybuf);
    }
    /* BP: linear transposed path, every f' applied */
    for (int l = L; l >= 2; l--) {
        int rows = net->n[l], cols = net->n[l - 1];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, cols, rows, 1.0,
                    net->mdb[l], rows, net->mW[l], cols, 0.0, net->mdb[l - 1], cols);
        size_t n = nb * (size_t)cols;
        for (size_t i = 0; i < n; i++) {
            net->mdb[l - 1][i] *= xb_net__act_deriv(c->hidden, net->ma[l - 1][i], net->mh[l - 1][i]);
        }
    }
    /* the rule, through its backward matrices and switches */
    for (int l = L; l >= 2; l--) {
        int krows = net->K[l].rows, cols = net->n[l - 1];
        const double *src = c->rule == XB_RULE_DRTP          ? net->ybuf
                            : xb_net__rule_direct(c->rule) ? net->mdr[L]
                                                             : net->mdr[l];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, cols, krows, 1.0, src,
                    krows, net->mK[l], cols, 0.0, net->mdr[l - 1], cols);
        xb_net__backward_neurons(c, net->ma[l - 1], net->mh[l - 1], nb * (size_t)cols,
                                 net->mdr[l - 1]);
    }
    /* direct rules below the last layer: D (n_L x n_{l-1}) against the
     * linearised BP path P_l = W_L ... W_l, built top-down in mgb/mgr */
    int direct = xb_net__rule_direct(c->rule);
    if (direct && L > 2) {
        double *p = net->mgb, *q = net->mgr;
        memcpy(p, net->mW[L], nL * (size_t)net->n[L - 1] * sizeof(double));
        for (int l = L - 1; l >= 2; l--) {
            int rows = net->n[l], cols = net->n[l - 1];
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nL, cols, rows, 1.0, p,
                        rows, net->mW[l], cols, 0.0, q, cols);
            size_t nk = nL * (size_t)cols;
            out[l - 1].angle_deg = xb_angle_deg(net->mK[l], q, nk);
            double np = norm2(q, nk);
            out[l - 1].norm_ratio = np > 0.0 ? norm2(net->mK[l], nk) / np : NAN;
            double *t = p;
            p = q;
            q = t;
        }
    }
    for (int l = 1; l <= L; l++) {
        int rows = net->n[l], cols = net->n[l - 1];
        size_t nw = (size_t)rows * (size_t)cols;
        xb_net_layer_metrics *m = &out[l - 1];
        if (!(direct && l >= 2 && l < L)) {
            m->angle_deg = NAN;
            m->norm_ratio = NAN;
        }
        if (l >= 2 && net->K[l].rows == rows) {
            m->angle_deg = xb_angle_deg(net->mK[l], net->mW[l], nw);
            double nw2 = norm2(net->mW[l], nw);
            m->norm_ratio = nw2 > 0.0 ? norm2(net->mK[l], nw) / nw2 : NAN;
        }
        m->delta_angle_deg = xb_angle_deg(net->mdr[l], net->mdb[l], nb * (size_t)rows);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, rows, cols, (int)nb, 1.0, net->mdb[l],
                    rows, net->mh[l - 1], cols, 0.0, net->mgb, cols);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, rows, cols, (int)nb, 1.0, net->mdr[l],
                    rows, net->mh[l - 1], cols, 0.0, net->mgr, cols);
        m->dw_angle_deg = xb_angle_deg(net->mgr, net->mgb, nw);
    }
    return XB_OK;
}
