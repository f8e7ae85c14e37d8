/* learning: the multilayer network and its step API (forward, backward
 * through the learning channel, update). Equations: learning-channel.md §1;
 * docs/learning.md. */
#include "learning/net_internal.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double *alloc_d(size_t n)
{
    return calloc(n > 0 ? n : 1, sizeof(double));
}

void xb_net_free(xb_net *net)
{
    if (net == NULL) {
        return;
    }
    for (int l = 0; l <= XB_NET_MAX_LAYERS; l++) {
        xb_net__mat_free(&net->K[l]); /* before W: a shared K only points at W */
        xb_net__mat_free(&net->W[l]);
        free(net->b[l]);
        free(net->vb[l]);
        free(net->rmag[l]);
        free(net->a[l]);
        free(net->h[l]);
        free(net->d[l]);
        free(net->g[l]);
        free(net->gb[l]);
        free(net->mW[l]);
        free(net->mK[l]);
        free(net->ma[l]);
        free(net->mh[l]);
        free(net->mdb[l]);
        free(net->mdr[l]);
    }
    free(net->dw);
    free(net->wbuf);
    free(net->lbuf);
    free(net->tbuf);
    free(net->ybuf);
    free(net->mgb);
    free(net->mgr);
    free(net->wm_x);
    free(net->wm_a);
    free(net->wm_y);
    free(net->wm_u);
    for (int i = 0; i < 4; i++) {
        free(net->sal[i]);
    }
    for (int i = 0; i < 6; i++) {
        free(net->sal_i[i]);
    }
    free(net);
}

static int alloc_workspaces(xb_net *net)
{
    size_t B = net->cfg.batch_max;
    size_t wmax = 0;
    for (int l = 0; l <= net->L; l++) {
        size_t nl = (size_t)net->n[l];
        net->h[l] = alloc_d(B * nl);
        net->mh[l] = alloc_d(B * nl);
        if (net->h[l] == NULL || net->mh[l] == NULL) {
            return XB_ENOMEM;
        }
        if (l == 0) {
            continue;
        }
        size_t nw = nl * (size_t)net->n[l - 1];
        wmax = nw > wmax ? nw : wmax;
        net->a[l] = alloc_d(B * nl);
        net->d[l] = alloc_d(B * nl);
        net->g[l] = alloc_d(nw);
        net->gb[l] = alloc_d(nl);
        net->ma[l] = alloc_d(B * nl);
        net->mdb[l] = alloc_d(B * nl);
        net->mdr[l] = alloc_d(B * nl);
        net->mW[l] = alloc_d(nw);
        if (!net->a[l] || !net->d[l] || !net->g[l] || !net->gb[l] || !net->ma[l] ||
            !net->mdb[l] || !net->mdr[l] || !net->mW[l]) {
            return XB_ENOMEM;
        }
        if (l >= 2) {
            size_t nk = (size_t)(xb_net__rule_direct(net->cfg.rule) ? net->n[net->L] : net->n[l]) *
                        (size_t)net->n[l - 1];
            wmax = nk > wmax ? nk : wmax;
            net->mK[l] = alloc_d(nk);
            if (net->mK[l] == NULL) {
                return XB_ENOMEM;
            }
        }
    }
    net->dw = alloc_d(wmax);
    net->wbuf = alloc_d(wmax);
    net->mgb = alloc_d(wmax);
    net->mgr = alloc_d(wmax);
    net->lbuf = calloc(B, sizeof(int));
    net->tbuf = alloc_d(B * (size_t)net->n[net->L]);
    net->ybuf = alloc_d(B * (size_t)net->n[net->L]);
    if (!net->dw || !net->wbuf || !net->mgb || !net->mgr || !net->lbuf || !net->tbuf ||
        !net->ybuf) {
        return XB_ENOMEM;
    }
    if (net->cfg.rule == XB_RULE_WM) {
        net->wm_nb = net->cfg.wm_batch > B ? net->cfg.wm_batch : B;
        size_t n = net->wm_nb * net->nmax;
        net->wm_x = alloc_d(n);
        net->wm_a = alloc_d(n);
        net->wm_y = alloc_d(n);
        net->wm_u = calloc(n + 4, sizeof(uint32_t)); /* whole Philox blocks */
        if (!net->wm_x || !net->wm_a || !net->wm_y || !net->wm_u) {
            return XB_ENOMEM;
        }
    }
    if (net->cfg.sal_steps > 0) {
        for (int i = 0; i < 6; i++) {
            if (i < 4 && (net->sal[i] = alloc_d(net->nmax)) == NULL) {
                return XB_ENOMEM;
            }
            if ((net->sal_i[i] = calloc(net->nmax, sizeof(int))) == NULL) {
                return XB_ENOMEM;
            }
        }
    }
    return XB_OK;
}

int xb_net_create(xb_net **out, const xb_net_config *cfg)
{
    XB_ASSERT_ARG(out != NULL);
    XB_ASSERT_ARG(cfg != NULL);
    *out = NULL;
    xb_net_config c = *cfg;
    XB_TRY(xb_net__validate(&c));
    xb_net *net = calloc(1, sizeof *net);
    if (net == NULL) {
        return xb__error_set(XB_ENOMEM, "network");
    }
    net->cfg = c;
    net->L = c.n_layers;
    for (int l = 0; l <= net->L; l++) {
        net->n[l] = c.sizes[l];
        net->nmax = (size_t)c.sizes[l] > net->nmax ? (size_t)c.sizes[l] : net->nmax;
    }
    int rc = alloc_workspaces(net);
    if (rc < 0) {
        xb_net_free(net);
        return xb__error_set(XB_ENOMEM, "network workspaces (batch_max %zu)", c.batch_max);
    }
    for (int l = 1; l <= net->L; l++) {
        int rows = net->n[l], cols = net->n[l - 1];
        xb_net__draw_forward(&c, l, rows, cols, net->dw);
        rc = xb_net__mat_create(&net->W[l], &c, rows, cols, 0, l, net->dw);
        if (rc >= 0 && c.norm_constraint) {
            /* the norm to hold: what the array actually holds (clipped, quantised) */
            rc = xb_net__mat_norm(&net->W[l], net->wbuf, &net->w_norm0[l]);
        }
        if (rc < 0) {
            xb_net_free(net);
            return rc;
        }
        if (c.bias) {
            net->b[l] = alloc_d((size_t)rows);
            if (net->b[l] == NULL) {
                xb_net_free(net);
                return xb__error_set(XB_ENOMEM, "biases of layer %d", l);
            }
        }
        if (c.momentum > 0.0) {
            net->W[l].vel = alloc_d((size_t)rows * (size_t)cols);
            net->vb[l] = c.bias ? alloc_d((size_t)rows) : NULL;
            if (net->W[l].vel == NULL || (c.bias && net->vb[l] == NULL)) {
                xb_net_free(net);
                return xb__error_set(XB_ENOMEM, "momentum buffers of layer %d", l);
            }
        }
        if (l < 2) {
            continue;
        }
        net->has_k = 1;
        if (c.channel == XB_NET_CHANNEL_BIDIRECTIONAL) {
            net->K[l] = net->W[l];
            net->K[l].shared = 1;
            continue;
        }
        int krows = xb_net__rule_direct(c.rule) ? net->n[net->L] : rows;
        size_t nk = (size_t)krows * (size_t)cols;
        if (c.rule == XB_RULE_BP) {
            /* a separate array holding a copy of W (weight transport) */
            memcpy(net->wbuf, net->dw, nk * sizeof(double));
        } else {
            if (c.rule == XB_RULE_SIGN) {
                net->rmag[l] = alloc_d(nk);
                if (net->rmag[l] == NULL) {
                    xb_net_free(net);
                    return xb__error_set(XB_ENOMEM, "sign magnitudes of layer %d", l);
                }
            }
            xb_net__draw_backward(&c, l, krows, cols, net->wbuf, net->rmag[l]);
            if (c.rule == XB_RULE_SIGN) {
                xb_net__sign_matrix(&c, net->dw, net->rmag[l], nk, net->wbuf);
            }
        }
        rc = xb_net__mat_create(&net->K[l], &c, krows, cols, 1, l, net->wbuf);
        if (rc < 0) {
            xb_net_free(net);
            return rc;
        }
        int adapted = c.rule == XB_RULE_BP || c.rule == XB_RULE_ARBP || c.rule == XB_RULE_ASRBP;
        if (c.momentum > 0.0 && adapted) {
            if ((net->K[l].vel = alloc_d(nk)) == NULL) {
                xb_net_free(net);
                return xb__error_set(XB_ENOMEM, "momentum buffer of backward matrix %d", l);
            }
        }
    }
    *out = net;
    return XB_OK;
}

const xb_net_config *xb_net_config_get(const xb_net *net)
{
    return net ? &net->cfg : NULL;
}


/* a_l += b_l, then h_l = f(a_l): the hidden activation below the output layer,
 * the output nonlinearity of the loss at layer L. Shared by the forward pass
 * and the BP reference pass of the metrics. */
void xb_net__layer_output(const xb_net *net, int l, size_t nb, double *a, double *h)
{
    size_t nl = (size_t)net->n[l];
    if (net->b[l] != NULL) {
        for (size_t s = 0; s < nb; s++) {
            for (size_t i = 0; i < nl; i++) {
                a[s * nl + i] += net->b[l][i];
            }
        }
    }
    if (l < net->L) {
        for (size_t i = 0; i < nb * nl; i++) {
            h[i] = xb_net__act(net->cfg.hidden, a[i]);
        }
    } else if (net->cfg.loss == XB_LOSS_SOFTMAX_CE) {
        for (size_t s = 0; s < nb; s++) {
            const double *as = a + s * nl;
            double *hs = h + s * nl;
            double m = as[0], sum = 0.0;
            for (size_t i = 1; i < nl; i++) {
                m = as[i] > m ? as[i] : m;
            }
            for (size_t i = 0; i < nl; i++) {
                hs[i] = exp(as[i] - m);
                sum += hs[i];
            }
            for (size_t i = 0; i < nl; i++) {
                hs[i] /= sum;
            }
        }
    } else if (net->cfg.loss == XB_LOSS_SIGMOID_CE) {
        for (size_t i = 0; i < nb * nl; i++) {
            h[i] = xb_net__act(XB_ACT_SIGMOID, a[i]);
        }
    } else {
        memcpy(h, a, nb * nl * sizeof(double));
    }
}

int xb_net_forward(xb_net *net, const double *x, size_t nb, double *out)
{
    XB_ASSERT_ARG(net != NULL);
    XB_ASSERT_ARG(x != NULL);
    if (nb < 1 || nb > net->cfg.batch_max) {
        return xb__error_set(XB_EDIM, "batch size (%zu) must be in 1..batch_max (%zu)", nb,
                             net->cfg.batch_max);
    }
    net->have_forward = 0;
    net->have_backward = 0;
    net->nb = nb;
    memcpy(net->h[0], x, nb * (size_t)net->n[0] * sizeof(double));
    for (int l = 1; l <= net->L; l++) {
        double *a = net->a[l], *h = net->h[l];
        XB_TRY(xb_net__mat_forward(&net->W[l], net->h[l - 1], nb, a));
        xb_net__layer_output(net, l, nb, a, h);
    }
    if (out != NULL) {
        memcpy(out, net->h[net->L], nb * (size_t)net->n[net->L] * sizeof(double));
    }
    net->have_forward = 1;
    return XB_OK;
}

/* Loss of the stored output h (nb x nL) and, if e != NULL, the output error
 * e = h - y. The label range is checked here, once per sample. */
static int loss_and_error(const xb_net_config *c, const double *h, size_t nb, int nL,
                          const int *labels, const double *targets, double *e,
                          double *loss_out)
{
    const double tiny = 1e-300; /* keeps log finite for a saturated output */
    double loss = 0.0;
    int need_labels = c->loss != XB_LOSS_MSE;
    if (need_labels && labels == NULL) {
        return xb__error_set(XB_EINVAL, "loss '%s' needs labels, got NULL", xb_loss_name(c->loss));
    }
    if (!need_labels && targets == NULL) {
        return xb__error_set(XB_EINVAL, "loss 'mse' needs targets, got NULL");
    }
    for (size_t s = 0; s < nb; s++) {
        const double *hs = h + s * (size_t)nL;
        if (need_labels && (labels[s] < 0 || labels[s] >= nL)) {
            return xb__error_set(XB_EINVAL, "label of sample %zu (%d) must be in 0..%d", s,
                                 labels[s], nL - 1);
        }
        for (int i = 0; i < nL; i++) {
            double y = need_labels ? (labels[s] == i ? 1.0 : 0.0) : targets[s * (size_t)nL + (size_t)i];
            double hi = hs[i];
            if (c->loss == XB_LOSS_MSE) {
                loss += 0.5 * (hi - y) * (hi - y);
            } else if (c->loss == XB_LOSS_SIGMOID_CE) {
                loss -= y * log(hi > tiny ? hi : tiny) +
                        (1.0 - y) * log(1.0 - hi > tiny ? 1.0 - hi : tiny);
            } else if (y > 0.0) {
                loss -= log(hi > tiny ? hi : tiny);
            }
            if (e != NULL) {
                e[s * (size_t)nL + (size_t)i] = hi - y;
            }
        }
    }
    if (loss_out != NULL) {
        *loss_out = loss / (double)nb;
    }
    return XB_OK;
}

int xb_net_backward(xb_net *net, const int *labels, const double *targets, double *loss_out)
{
    XB_ASSERT_ARG(net != NULL);
    if (!net->have_forward) {
        return xb__error_set(XB_EINVAL, "xb_net_backward needs a forward pass first");
    }
    const xb_net_config *c = &net->cfg;
    size_t nb = net->nb;
    int L = net->L;
    XB_TRY(loss_and_error(c, net->h[L], nb, net->n[L], labels, targets, net->d[L], loss_out));
    if (c->error_bits > 0) {
        for (size_t i = 0; i < nb * (size_t)net->n[L]; i++) {
            net->d[L][i] = xb_quantize_error(net->d[L][i], c->error_bits);
        }
    }
    if (c->rule == XB_RULE_DRTP) {
        xb_net__minus_target(c, nb, net->n[L], labels, targets, net->ybuf);
    }
    for (int l = L; l >= 2; l--) {
        const double *src = c->rule == XB_RULE_DRTP          ? net->ybuf
                            : xb_net__rule_direct(c->rule) ? net->d[L]
                                                             : net->d[l];
        double *z = net->d[l - 1];
        XB_TRY(xb_net__mat_backward(&net->K[l], src, nb, z));
        xb_net__backward_neurons(c, net->a[l - 1], net->h[l - 1], nb * (size_t)net->n[l - 1], z);
    }
    double inv = 1.0 / (double)nb;
    for (int l = 1; l <= L; l++) {
        int rows = net->n[l], cols = net->n[l - 1];
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, rows, cols, (int)nb, inv, net->d[l],
                    rows, net->h[l - 1], cols, 0.0, net->g[l], cols);
        for (int i = 0; i < rows; i++) {
            double s = 0.0;
            for (size_t k = 0; k < nb; k++) {
                s += net->d[l][k * (size_t)rows + (size_t)i];
            }
            net->gb[l][i] = s * inv;
        }
    }
    net->have_backward = 1;
    return XB_OK;
}

/* dw = -lr (g + decay w) or, Manhattan, -lr (sign(g) + decay w). */
static int desired_change(const xb_net *net, const xb_net__mat *m, const double *g, double *dw,
                          double *wbuf)
{
    const xb_net_config *c = &net->cfg;
    size_t n = (size_t)m->rows * (size_t)m->cols;
    if (c->decay > 0.0) {
        XB_TRY(xb_net__mat_get(m, wbuf));
    }
    for (size_t i = 0; i < n; i++) {
        double gi = c->manhattan ? (g[i] > 0.0 ? 1.0 : (g[i] < 0.0 ? -1.0 : 0.0)) : g[i];
        if (c->decay > 0.0) {
            gi += c->decay * wbuf[i];
        }
        if (m->vel != NULL) {
            m->vel[i] = c->momentum * m->vel[i] + gi;
            gi = m->vel[i];
        }
        dw[i] = -c->lr * gi;
    }
    return XB_OK;
}

/* Whether m's change is plain -lr g (no sign, decay or momentum): then it
 * goes to the matrix without a pass forming dw. */
static int change_is_plain(const xb_net *net, const xb_net__mat *m)
{
    const xb_net_config *c = &net->cfg;
    return !c->manhattan && !(c->decay > 0.0) && m->vel == NULL;
}

/* m += -lr g, bit for bit what desired_change + xb_net__mat_add give: the
 * crossbar rounds each product -lr g_i once, as the dw array held it. */
static int apply_plain_change(const xb_net *net, xb_net__mat *m, const double *g)
{
    const double a = -net->cfg.lr;
    if (m->xb != NULL) {
        return xb_xbar_update_scaled(m->xb, a / m->gain, g); /* the array holds w / gain */
    }
    size_t n = (size_t)m->rows * (size_t)m->cols;
    for (size_t i = 0; i < n; i++) {
        m->w[i] += a * g[i];
    }
    return XB_OK;
}

int xb_net_update(xb_net *net)
{
    XB_ASSERT_ARG(net != NULL);
    if (!net->have_backward) {
        return xb__error_set(XB_EINVAL, "xb_net_update needs a backward pass first");
    }
    const xb_net_config *c = &net->cfg;
    int L = net->L;
    int adapt_same = c->rule == XB_RULE_BP || c->rule == XB_RULE_ARBP;
    double scale = -c->lr / (double)net->nb;
    for (int l = 1; l <= L; l++) {
        xb_net__mat *W = &net->W[l];
        size_t nw = (size_t)W->rows * (size_t)W->cols;
        int have_dw = 0;
        if (W->stochastic) {
            XB_TRY(xb_net__mat_add_outer(W, scale, net->d[l], net->h[l - 1], net->nb));
        } else if (change_is_plain(net, W)) {
            XB_TRY(apply_plain_change(net, W, net->g[l]));
        } else {
            XB_TRY(desired_change(net, W, net->g[l], net->dw, net->wbuf));
            XB_TRY(xb_net__mat_add(W, net->dw));
            have_dw = 1;
        }
        if (net->b[l] != NULL) {
            for (int i = 0; i < W->rows; i++) {
                double gi = net->gb[l][i];
                if (net->vb[l] != NULL) {
                    net->vb[l][i] = c->momentum * net->vb[l][i] + gi;
                    gi = net->vb[l][i];
                }
                net->b[l][i] -= c->lr * gi;
            }
        }
        if (l < 2 || net->K[l].shared) {
            continue;
        }
        xb_net__mat *K = &net->K[l];
        if (adapt_same) {
            /* bp on its own array (weight copy) and arbp: dK = dW, recomputed
             * when decay makes it depend on K's own values */
            if (K->stochastic) {
                XB_TRY(xb_net__mat_add_outer(K, scale, net->d[l], net->h[l - 1], net->nb));
                continue;
            }
            if (change_is_plain(net, K)) {
                XB_TRY(apply_plain_change(net, K, net->g[l]));
                continue;
            }
            if (!have_dw || c->decay > 0.0) {
                XB_TRY(desired_change(net, K, net->g[l], net->dw, net->wbuf));
            }
            XB_TRY(xb_net__mat_add(K, net->dw));
        } else if (c->rule == XB_RULE_ASRBP) {
            /* dD = -lr mean(e h_{l-1}^T), the forward rule's local form */
            if (K->stochastic) {
                XB_TRY(xb_net__mat_add_outer(K, scale, net->d[L], net->h[l - 1], net->nb));
                continue;
            }
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K->rows, K->cols, (int)net->nb,
                        1.0 / (double)net->nb, net->d[L], K->rows, net->h[l - 1], K->cols, 0.0,
                        net->mgr, K->cols);
            XB_TRY(desired_change(net, K, net->mgr, net->dw, net->wbuf));
            XB_TRY(xb_net__mat_add(K, net->dw));
        } else if (c->sal_steps > 0 && net->steps % (uint64_t)(c->sal_every > 1 ? c->sal_every : 1) == 0) {
            XB_TRY(xb_net__sal_phase(net, l));
        } else if (c->rule == XB_RULE_SIGN) {
            /* K tracks sign(W): the desired change is target - current, so
             * only entries whose sign flipped (or, brSF, whose fresh
             * magnitude differs) are written */
            if (c->sign_magnitude == 2) {
                xb_net__redraw_magnitudes(c, l, K->rows, K->cols, net->steps, net->rmag[l]);
            }
            XB_TRY(xb_net__mat_get(W, net->wbuf));
            xb_net__sign_matrix(c, net->wbuf, net->rmag[l], nw, net->dw);
            XB_TRY(xb_net__mat_get(K, net->wbuf));
            for (size_t i = 0; i < nw; i++) {
                net->dw[i] -= net->wbuf[i];
            }
            XB_TRY(xb_net__mat_add(K, net->dw));
        }
    }
    if (c->norm_constraint) {
        for (int l = 1; l <= L; l++) {
            XB_TRY(xb_net__constrain_norm(net, l));
        }
    }
    if (c->rule == XB_RULE_WM) {
        /* Akrout: the mirror runs after the forward update, on the new W */
        XB_TRY(xb_net__mirror(net, net->nb, c->wm_steps > 1 ? c->wm_steps : 1));
    }
    net->steps++;
    net->have_backward = 0;
    return XB_OK;
}

int xb_net_train_step(xb_net *net, const double *x, const int *labels, const double *targets,
                      size_t nb, double *loss_out)
{
    XB_TRY(xb_net_forward(net, x, nb, NULL));
    XB_TRY(xb_net_backward(net, labels, targets, loss_out));
    return xb_net_update(net);
}

static int check_dataset(const xb_net *net, const xb_dataset *d)
{
    XB_ASSERT_ARG(d != NULL);
    if (d->dim != (size_t)net->n[0] || d->n_out != (size_t)net->n[net->L]) {
        return xb__error_set(XB_EDIM,
                             "dataset '%s' has dim %zu and %zu outputs; the network has %d inputs "
                             "and %d outputs",
                             d->name, d->dim, d->n_out, net->n[0], net->n[net->L]);
    }
    int need_labels = net->cfg.loss != XB_LOSS_MSE;
    if (need_labels && (!d->classification || d->label == NULL)) {
        return xb__error_set(XB_EINVAL, "loss '%s' needs class labels; dataset '%s' has none",
                             xb_loss_name(net->cfg.loss), d->name);
    }
    if (!need_labels && d->target == NULL) {
        return xb__error_set(XB_EINVAL, "loss 'mse' needs targets; dataset '%s' has none",
                             d->name);
    }
    return XB_OK;
}

int xb_net_train_indices(xb_net *net, const xb_dataset *d, const size_t *idx, size_t nb,
                         double *loss_out)
{
    XB_ASSERT_ARG(net != NULL);
    XB_ASSERT_ARG(idx != NULL);
    XB_TRY(check_dataset(net, d));
    if (nb < 1 || nb > net->cfg.batch_max) {
        return xb__error_set(XB_EDIM, "batch size (%zu) must be in 1..batch_max (%zu)", nb,
                             net->cfg.batch_max);
    }
    size_t n0 = (size_t)net->n[0], nL = (size_t)net->n[net->L];
    double *x = net->mh[0]; /* metrics' input buffer doubles as the gather buffer */
    for (size_t s = 0; s < nb; s++) {
        if (idx[s] >= d->n) {
            return xb__error_set(XB_EINVAL, "index %zu (%zu) is past the dataset's %zu samples",
                                 s, idx[s], d->n);
        }
        memcpy(x + s * n0, d->x + idx[s] * n0, n0 * sizeof(double));
        if (d->label != NULL) {
            net->lbuf[s] = d->label[idx[s]];
        }
        if (d->target != NULL) {
            memcpy(net->tbuf + s * nL, d->target + idx[s] * nL, nL * sizeof(double));
        }
    }
    return xb_net_train_step(net, x, d->label ? net->lbuf : NULL, d->target ? net->tbuf : NULL,
                             nb, loss_out);
}

int xb_net_evaluate(xb_net *net, const xb_dataset *d, double *loss_out, double *acc_out)
{
    XB_ASSERT_ARG(net != NULL);
    XB_TRY(check_dataset(net, d));
    if (d->n == 0) {
        return xb__error_set(XB_EINVAL, "dataset '%s' is empty", d->name);
    }
    size_t nL = (size_t)net->n[net->L];
    int classify = net->cfg.loss != XB_LOSS_MSE;
    double loss_sum = 0.0;
    size_t correct = 0;
    for (size_t s0 = 0; s0 < d->n; s0 += net->cfg.batch_max) {
        size_t nb = d->n - s0 < net->cfg.batch_max ? d->n - s0 : net->cfg.batch_max;
        XB_TRY(xb_net_forward(net, d->x + s0 * (size_t)net->n[0], nb, NULL));
        double loss = 0.0;
        XB_TRY(loss_and_error(&net->cfg, net->h[net->L], nb, (int)nL,
                              classify ? d->label + s0 : NULL,
                              classify ? NULL : d->target + s0 * nL, NULL, &loss));
        loss_sum += loss * (double)nb;
        if (classify) {
            for (size_t s = 0; s < nb; s++) {
                const double *hs = net->h[net->L] + s * nL;
                size_t best = 0;
                for (size_t i = 1; i < nL; i++) {
                    best = hs[i] > hs[best] ? i : best;
                }
                correct += (int)best == d->label[s0 + s];
            }
        }
    }
    net->have_forward = 0; /* the stored batch is not the caller's any more */
    if (loss_out != NULL) {
        *loss_out = loss_sum / (double)d->n;
    }
    if (acc_out != NULL) {
        *acc_out = classify ? (double)correct / (double)d->n : NAN;
    }
    return XB_OK;
}

int xb_net_evaluate_nse(xb_net *net, const xb_dataset *d, double *nse_out)
{
    XB_ASSERT_ARG(net != NULL);
    XB_ASSERT_ARG(nse_out != NULL);
    if (net->cfg.loss != XB_LOSS_MSE) {
        return xb__error_set(XB_EINVAL, "the normalised squared error needs loss 'mse', not '%s'",
                             xb_loss_name(net->cfg.loss));
    }
    XB_TRY(check_dataset(net, d));
    size_t nL = (size_t)net->n[net->L];
    double num = 0.0, den = 0.0;
    for (size_t s0 = 0; s0 < d->n; s0 += net->cfg.batch_max) {
        size_t nb = d->n - s0 < net->cfg.batch_max ? d->n - s0 : net->cfg.batch_max;
        XB_TRY(xb_net_forward(net, d->x + s0 * (size_t)net->n[0], nb, NULL));
        const double *y = d->target + s0 * nL, *h = net->h[net->L];
        for (size_t i = 0; i < nb * nL; i++) {
            num += (h[i] - y[i]) * (h[i] - y[i]);
            den += y[i] * y[i];
        }
    }
    net->have_forward = 0;
    if (!(den > 0.0)) {
        return xb__error_set(XB_EINVAL, "dataset '%s' has all-zero targets: NSE is undefined",
                             d->name);
    }
    *nse_out = num / den;
    return XB_OK;
}

static int check_layer(const xb_net *net, int l, int lo)
{
    XB_ASSERT_ARG(net != NULL);
    if (l < lo || l > net->L) {
        return xb__error_set(XB_EINVAL, "layer (%d) must be in %d..%d", l, lo, net->L);
    }
    return XB_OK;
}

int xb_net_get_weights(const xb_net *net, int l, double *w, double *b)
{
    XB_TRY(check_layer(net, l, 1));
    if (w != NULL) {
        XB_TRY(xb_net__mat_get(&net->W[l], w));
    }
    if (b != NULL) {
        for (int i = 0; i < net->n[l]; i++) {
            b[i] = net->b[l] ? net->b[l][i] : 0.0;
        }
    }
    return XB_OK;
}

int xb_net_set_weights(xb_net *net, int l, const double *w, const double *b)
{
    XB_TRY(check_layer(net, l, 1));
    if (w != NULL) {
        XB_TRY(xb_net__mat_set(&net->W[l], w));
        if (net->cfg.norm_constraint) {
            XB_TRY(xb_net__mat_norm(&net->W[l], net->wbuf, &net->w_norm0[l]));
        }
        xb_net__mat *K = &net->K[l];
        if (K->shared) {
            K->gain = net->W[l].gain;
        }
        if (l >= 2 && !K->shared && net->cfg.rule == XB_RULE_BP) {
            XB_TRY(xb_net__mat_set(K, w)); /* bp's own array is a copy of W */
        } else if (l >= 2 && net->cfg.rule == XB_RULE_SIGN) {
            xb_net__sign_matrix(&net->cfg, w, net->rmag[l], (size_t)K->rows * (size_t)K->cols,
                                net->dw);
            XB_TRY(xb_net__mat_set(K, net->dw));
        }
    }
    if (b != NULL && net->b[l] != NULL) {
        memcpy(net->b[l], b, (size_t)net->n[l] * sizeof(double));
    }
    net->have_forward = net->have_backward = 0;
    return XB_OK;
}

int xb_net_backward_shape(const xb_net *net, int l, int *rows_out, int *cols_out)
{
    XB_TRY(check_layer(net, l, 2));
    if (rows_out) {
        *rows_out = net->K[l].rows;
    }
    if (cols_out) {
        *cols_out = net->K[l].cols;
    }
    return XB_OK;
}

int xb_net_get_backward(const xb_net *net, int l, double *k)
{
    XB_TRY(check_layer(net, l, 2));
    XB_ASSERT_ARG(k != NULL);
    return xb_net__mat_get(&net->K[l], k);
}

int xb_net_set_backward(xb_net *net, int l, const double *k)
{
    XB_TRY(check_layer(net, l, 2));
    XB_ASSERT_ARG(k != NULL);
    if (net->K[l].shared) {
        return xb__error_set(XB_ENOTFOUND,
                             "layer %d has no backward matrix of its own: channel 'bidirectional' "
                             "reads W_%d transposed",
                             l, l);
    }
    return xb_net__mat_set(&net->K[l], k);
}

int xb_net_get_gradient(const xb_net *net, int l, double *g)
{
    XB_TRY(check_layer(net, l, 1));
    XB_ASSERT_ARG(g != NULL);
    memcpy(g, net->g[l], (size_t)net->n[l] * (size_t)net->n[l - 1] * sizeof(double));
    return XB_OK;
}

const xb_xbar *xb_net_forward_xbar(const xb_net *net, int l)
{
    return (net && l >= 1 && l <= net->L) ? net->W[l].xb : NULL;
}

int xb_net_set_read_time(xb_net *net, double t)
{
    XB_ASSERT_ARG(net != NULL);
    for (int l = 1; l <= net->L; l++) {
        if (net->W[l].xb != NULL) {
            XB_TRY(xb_xbar_set_read_time(net->W[l].xb, t));
        }
    }
    return XB_OK;
}

const xb_xbar *xb_net_backward_xbar(const xb_net *net, int l)
{
    return (net && l >= 2 && l <= net->L && !net->K[l].shared) ? net->K[l].xb : NULL;
}

int xb_net_mirror(xb_net *net, int steps)
{
    XB_ASSERT_ARG(net != NULL);
    if (net->cfg.rule != XB_RULE_WM) {
        return xb__error_set(XB_EINVAL, "xb_net_mirror needs rule 'wm', the network's is '%s'",
                             xb_rule_name(net->cfg.rule));
    }
    if (steps < 0) {
        return xb__error_set(XB_EINVAL, "mirror steps (%d) must be >= 0", steps);
    }
    if (steps == 0) {
        return XB_OK;
    }
    size_t nb = net->cfg.wm_batch > 0 ? net->cfg.wm_batch : net->cfg.batch_max;
    return xb_net__mirror(net, nb, steps);
}

double xb_net_read_gain(const xb_net *net, int l, int backward)
{
    if (net == NULL || l < (backward ? 2 : 1) || l > net->L) {
        return NAN;
    }
    const xb_net__mat *m = backward ? &net->K[l] : &net->W[l];
    return m->xb != NULL ? m->gain : 1.0;
}
