/* learning: the weight mirror of Akrout et al. 2019 (rule wm) and the
 * weight-norm constraint of Moskovitz et al. 2018 (learning-channel.md §1,
 * "Sign-concordant feedback and its helpers" and "Weight mirror").
 *
 * Mirror mode. Noise x ~ wm_noise (U(0,1) - 0.5), i.i.d. per entry, enters
 * layer l (the output of layer l-1) and the layer answers y = f_l(W_l x +
 * b_l), W_l read on its own array when the network is on hardware. Since
 * E[x x^T] = (A^2 / 12) I, E[y x^T] = (A^2 / 12) f' W_l for a linear(ised) f:
 * the Hebbian product y x^T points along W_l, and B_l, held in W_l's
 * orientation (n_l x n_{l-1}, learning.h), grows along it:
 *   B_l += wm_lr * sum_s y_s x_s^T,
 * which is Akrout's back_w += eta x y^T in the transposed storage. The change
 * is handed to the backward matrix like arbp's (on an array: pulses,
 * stochastic coincidence included).
 *
 * Norm control. Akrout's FCNN_WM.py follows each mirror call with a probe
 * of B by U(0,1) vectors (not centred) and B <- 0.5 B / mean_s std_i(B^T u_s)
 * (std over the n_{l-1} outputs of one probe, population form, then the
 * mean over the probes). In the released numpy code that assignment rebinds
 * the loop variable and never reaches the stored matrices, so its logged
 * runs had no norm control; here it is applied, with the target as the
 * setting wm_damping (0 = off, which reproduces those runs' rule). On an
 * array the probe is a transposed read and the scale a digital gain of the
 * periphery (no pulses; a re-programming when the gain leaves its band, see
 * GAIN_BAND). */
#include "learning/net_internal.h"

#include <cblas.h>
#include <math.h>

/* 2^-32: a 32-bit word w maps to (w + 0.5) 2^-32 in (0, 1) */
#define U32_SCALE 2.3283064365386962890625e-10

/* n uniforms in (0, 1) into out from the stream's blocks at pos, pos + 1, ...
 * (four words per block). */
static void uniforms(const xb_rng *r, uint64_t pos, size_t n, uint32_t *words, double *out)
{
    size_t blocks = (n + 3) / 4;
    xb_rng_u32x4_fill(r, pos, blocks, words);
    for (size_t i = 0; i < n; i++) {
        out[i] = ((double)words[i] + 0.5) * U32_SCALE;
    }
}

/* Blocks reserved per mirror step (or probe) and layer: the largest draw. */
static uint64_t stride(const xb_net *net)
{
    return (uint64_t)((net->wm_nb * net->nmax + 3) / 4);
}

/* A periphery gain leaves [1/GAIN_BAND, GAIN_BAND] only after the array
 * weights have grown (or shrunk) by that factor against the matrix the
 * network computes with. Changes reach the array divided by the gain, so
 * under a held norm the array grows geometrically and would saturate at
 * w_max; past the band the array is reprogrammed towards the effective
 * weights (one program call, counted) and the gain restarts near 1. */
#define GAIN_BAND 1.25

static int gain_in_band(double g)
{
    return g <= GAIN_BAND && g >= 1.0 / GAIN_BAND;
}

/* The factor s by which re-programming scales m's array (weights in wbuf,
 * read by the caller): the gain itself, except that a gain above 1 moves
 * into the array only as far as its largest weight stays within w_max.
 * Programming clips |w| at w_max, which would change the matrix the network
 * computes with; the rest of the gain (gain / s) stays digital. */
static double program_scale(const xb_net__mat *m, const double *wbuf, double w_max)
{
    int n = m->rows * m->cols;
    double s = m->gain;
    if (s > 1.0 && n > 0) {
        double amax = fabs(wbuf[cblas_idamax(n, wbuf, 1)]);
        if (amax > 0.0 && s * amax > w_max) {
            s = w_max / amax;
        }
    }
    return s;
}

/* Programs m's array with s * (array weights, in wbuf) and leaves the gain
 * gain / s, so that gain * (array weights) is unchanged up to the devices'
 * quantisation; returns the array's norm after programming. */
static int reprogram(xb_net__mat *m, double s, double *wbuf, double *norm_out)
{
    int n = m->rows * m->cols;
    double rest = m->gain / s;
    cblas_dscal(n, s, wbuf, 1);
    XB_TRY(xb_net__mat_set(m, wbuf)); /* sets the gain to 1 */
    m->gain = rest;
    XB_TRY(xb_xbar_weights(m->xb, wbuf));
    *norm_out = cblas_dnrm2(n, wbuf, 1);
    return XB_OK;
}

static int mirror_layer(xb_net *net, int l, size_t nb, uint64_t step)
{
    const xb_net_config *c = &net->cfg;
    size_t nin = (size_t)net->n[l - 1];
    double *x = net->wm_x, *a = net->wm_a, *y = net->wm_y;
    xb_rng r;
    xb_rng_init(&r, c->seed, XB_NET_RNG_MIRROR, (uint32_t)l);
    uniforms(&r, step * stride(net), nb * nin, net->wm_u, x);
    for (size_t i = 0; i < nb * nin; i++) {
        x[i] = c->wm_noise * (x[i] - 0.5);
    }
    XB_TRY(xb_net__mat_forward(&net->W[l], x, nb, a));
    xb_net__layer_output(net, l, nb, a, y);
    return xb_net__mat_add_outer(&net->K[l], c->wm_lr, y, x, nb);
}

static int norm_control(xb_net *net, int l, size_t nb, uint64_t probe)
{
    const xb_net_config *c = &net->cfg;
    xb_net__mat *K = &net->K[l];
    size_t nk = (size_t)K->rows, ni = (size_t)K->cols;
    double *u = net->wm_a, *z = net->wm_x;
    xb_rng r;
    xb_rng_init(&r, c->seed, XB_NET_RNG_MIRROR_PROBE, (uint32_t)l);
    uniforms(&r, probe * stride(net), nb * nk, net->wm_u, u);
    XB_TRY(xb_net__mat_backward(K, u, nb, z));
    double mean_sd = 0.0;
    for (size_t s = 0; s < nb; s++) {
        const double *zs = z + s * ni;
        double m = 0.0, v = 0.0;
        for (size_t i = 0; i < ni; i++) {
            m += zs[i];
        }
        m /= (double)ni;
        for (size_t i = 0; i < ni; i++) {
            v += (zs[i] - m) * (zs[i] - m);
        }
        mean_sd += sqrt(v / (double)ni);
    }
    mean_sd /= (double)nb;
    if (!(mean_sd > 0.0) || !isfinite(mean_sd)) {
        return XB_OK; /* B = 0 (or one output): nothing to normalise */
    }
    double f = c->wm_damping / mean_sd;
    if (K->xb != NULL) {
        K->gain *= f;
        if (!gain_in_band(K->gain)) {
            XB_TRY(xb_xbar_weights(K->xb, net->dw));
            double sc = program_scale(K, net->dw, c->bwd.w_max), unused = 0.0;
            if (!gain_in_band(sc)) {
                XB_TRY(reprogram(K, sc, net->dw, &unused));
            }
        }
    } else {
        cblas_dscal((int)(nk * ni), f, K->w, 1);
    }
    return XB_OK;
}

int xb_net__mirror(xb_net *net, size_t nb, int steps)
{
    if (!net->has_k) {
        return XB_OK; /* one layer: no backward matrix to mirror */
    }
    if (net->cfg.wm_batch > 0) {
        nb = net->cfg.wm_batch; /* else the update's batch, as Akrout's mirror */
    }
    if (nb > net->wm_nb) {
        nb = net->wm_nb;
    }
    for (int k = 0; k < steps; k++) {
        uint64_t step = net->wm_draws++;
        for (int l = 2; l <= net->L; l++) {
            XB_TRY(mirror_layer(net, l, nb, step));
        }
    }
    if (net->cfg.wm_damping > 0.0) {
        uint64_t probe = net->wm_probes++;
        for (int l = 2; l <= net->L; l++) {
            XB_TRY(norm_control(net, l, nb, probe));
        }
    }
    return XB_OK;
}

int xb_net__constrain_norm(xb_net *net, int l)
{
    xb_net__mat *W = &net->W[l], *K = &net->K[l];
    const int bp_copy = l >= 2 && !K->shared && net->cfg.rule == XB_RULE_BP;
    int n = W->rows * W->cols;
    if (W->xb != NULL) {
        /* a periphery gain: the array keeps its conductances */
        XB_TRY(xb_xbar_weights(W->xb, net->wbuf));
        double na = cblas_dnrm2(n, net->wbuf, 1);
        if (!(na > 0.0)) {
            return XB_OK;
        }
        W->gain = net->w_norm0[l] / na;
        double sc = gain_in_band(W->gain) ? 1.0 : program_scale(W, net->wbuf, net->cfg.fwd.w_max);
        if (!gain_in_band(sc)) {
            double g = W->gain;
            XB_TRY(reprogram(W, sc, net->wbuf, &na));
            if (bp_copy) {
                /* the copy gets the same scale (it holds the same weights) */
                K->gain = g;
                double unused = 0.0;
                XB_TRY(xb_xbar_weights(K->xb, net->wbuf));
                XB_TRY(reprogram(K, sc, net->wbuf, &unused));
            }
            W->gain = na > 0.0 ? net->w_norm0[l] / na : 1.0;
        }
        if (K->shared || bp_copy) {
            /* the transposed read of W, or bp's copy of W on its own array
             * (receiving the same changes), carries the same gain */
            K->gain = W->gain;
        }
        return XB_OK;
    }
    double nw = cblas_dnrm2(n, W->w, 1);
    if (!(nw > 0.0)) {
        return XB_OK; /* W = 0 has no direction to rescale */
    }
    double f = net->w_norm0[l] / nw;
    cblas_dscal(n, f, W->w, 1);
    if (bp_copy) {
        cblas_dscal(n, f, K->w, 1); /* K equals W entry for entry */
    }
    return XB_OK;
}
