/* Checkpoint of a network: every matrix (in memory or on its array), biases,
 * momentum velocities, the sign rule's magnitudes, SAL neuron state, the
 * periphery gains and held norms, and the step, phase and mirror counts that
 * position the update streams. The step buffers
 * (activations, deltas, gradients) are rewritten by the next step before
 * they are read, so they are not saved. */
#include "learning/net_internal.h"

#include <string.h>

/* section tag "NET " */
#define TAG_NET 0x2054454eu

static void put_arr(xb_ckpt *c, const double *p, size_t n)
{
    xb_ckpt_put_u64(c, p != NULL ? n : 0);
    if (p != NULL) {
        xb_ckpt_put(c, p, n * sizeof *p);
    }
}

static int get_arr(xb_ckpt *c, double *p, size_t n, const char *what)
{
    XB_TRY(xb_ckpt_expect(c, p != NULL ? n : 0, what));
    return p != NULL ? xb_ckpt_get(c, p, n * sizeof *p, what) : XB_OK;
}

static int mat_save(const xb_net__mat *m, xb_ckpt *c)
{
    size_t n = (size_t)m->rows * (size_t)m->cols;
    xb_ckpt_put_u64(c, m->xb != NULL);
    if (m->xb != NULL) {
        XB_TRY(xb_xbar_checkpoint_save(m->xb, c));
    } else {
        put_arr(c, m->w, n);
    }
    put_arr(c, m->vel, n);
    return XB_OK;
}

static int mat_restore(xb_net__mat *m, xb_ckpt *c)
{
    size_t n = (size_t)m->rows * (size_t)m->cols;
    XB_TRY(xb_ckpt_expect(c, m->xb != NULL, "matrix on an array"));
    if (m->xb != NULL) {
        XB_TRY(xb_xbar_checkpoint_restore(m->xb, c));
    } else {
        XB_TRY(get_arr(c, m->w, n, "weights in memory"));
    }
    return get_arr(c, m->vel, n, "momentum velocities");
}

/* The same walk for save (save = 1) and restore. */
static int walk(xb_net *net, xb_ckpt *c, int save)
{
    const int L = net->L;
    for (int l = 1; l <= L; l++) {
        XB_TRY(save ? mat_save(&net->W[l], c) : mat_restore(&net->W[l], c));
        size_t nl = (size_t)net->n[l];
        if (save) {
            put_arr(c, net->b[l], nl);
            put_arr(c, net->vb[l], nl);
        } else {
            XB_TRY(get_arr(c, net->b[l], nl, "biases"));
            XB_TRY(get_arr(c, net->vb[l], nl, "bias velocities"));
        }
        if (l >= 2 && net->has_k && !net->K[l].shared) {
            XB_TRY(save ? mat_save(&net->K[l], c) : mat_restore(&net->K[l], c));
        }
        size_t nk = (size_t)net->K[l].rows * (size_t)net->K[l].cols;
        if (save) {
            put_arr(c, net->rmag[l], nk);
        } else {
            XB_TRY(get_arr(c, net->rmag[l], nk, "sign magnitudes"));
        }
    }
    for (int i = 0; i < 4; i++) {
        if (save) {
            put_arr(c, net->sal[i], net->nmax);
        } else {
            XB_TRY(get_arr(c, net->sal[i], net->nmax, "SAL neuron state"));
        }
    }
    for (int i = 0; i < 6; i++) {
        size_t bytes = net->sal_i[i] != NULL ? net->nmax * sizeof(int) : 0;
        if (save) {
            xb_ckpt_put_u64(c, bytes);
            xb_ckpt_put(c, net->sal_i[i], bytes);
        } else {
            XB_TRY(xb_ckpt_expect(c, bytes, "SAL counters"));
            XB_TRY(xb_ckpt_get(c, net->sal_i[i], bytes, "SAL counters"));
        }
    }
    /* periphery gains and the norm each W_l is held to (norm constraint,
     * weight mirror) */
    for (int l = 1; l <= L; l++) {
        double v[3] = {net->W[l].gain, net->K[l].gain, net->w_norm0[l]};
        if (save) {
            xb_ckpt_put(c, v, sizeof v);
        } else {
            XB_TRY(xb_ckpt_get(c, v, sizeof v, "read gains and norms"));
            net->W[l].gain = v[0];
            if (l >= 2) {
                net->K[l].gain = v[1];
            }
            net->w_norm0[l] = v[2];
        }
    }
    if (save) {
        xb_ckpt_put_u64(c, net->steps);
        xb_ckpt_put_u64(c, net->sal_phases);
        xb_ckpt_put_u64(c, net->wm_draws);
        xb_ckpt_put_u64(c, net->wm_probes);
    } else {
        XB_TRY(xb_ckpt_get(c, &net->steps, sizeof net->steps, "step count"));
        XB_TRY(xb_ckpt_get(c, &net->sal_phases, sizeof net->sal_phases, "SAL phase count"));
        XB_TRY(xb_ckpt_get(c, &net->wm_draws, sizeof net->wm_draws, "mirror step count"));
        XB_TRY(xb_ckpt_get(c, &net->wm_probes, sizeof net->wm_probes, "norm control count"));
        net->have_forward = net->have_backward = 0;
    }
    return XB_OK;
}

int xb_net_checkpoint_save(const xb_net *net, xb_ckpt *c)
{
    XB_ASSERT_ARG(net != NULL && c != NULL);
    xb_ckpt_put_u64(c, TAG_NET);
    xb_ckpt_put_u64(c, (uint64_t)net->L);
    XB_TRY(walk((xb_net *)net, c, 1));
    return c->oom ? xb__error_set(XB_ENOMEM, "out of memory for a network checkpoint") : XB_OK;
}

int xb_net_checkpoint_restore(xb_net *net, xb_ckpt *c)
{
    XB_ASSERT_ARG(net != NULL && c != NULL);
    XB_TRY(xb_ckpt_expect(c, TAG_NET, "network section tag"));
    XB_TRY(xb_ckpt_expect(c, (uint64_t)net->L, "network layer count"));
    return walk(net, c, 0);
}
