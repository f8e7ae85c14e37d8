/* learning: spike-based alignment learning (SAL, Gierlich et al. 2025;
 * learning-channel.md §1.1) of a fixed-shape backward matrix.
 *
 * Two populations meet at backward matrix l: the lower neurons i (n_{l-1})
 * and the upper neurons k (n_l). Upper k is driven bottom-up through W_l,
 * lower i top-down through K_l (K[k][i] is the synapse from k to i, in W's
 * orientation). Each neuron spikes per time step with probability
 * sigma(u - ln t_ref) unless refractory (t_ref steps); a spike holds a
 * rectangular PSP of t_ref steps. Only K is plastic, by nearest-spike pair
 * STDP with exponential windows (tau = t_ref):
 *   pre k before post i (causal):      -exp(-dt/tau)   (anti-Hebbian)
 *   post i before pre k (anti-causal): +exp(-dt/tau)   (Hebbian)
 * W_ki makes k fire just after i (potentiation proportional to W_ki); K_ki
 * makes i fire after k (depression proportional to K_ki): the fixed point is
 * K proportional to W, i.e. B aligned with W^T. After a phase of T steps,
 * dK = sal_lr * (summed pairings) / T is handed to the matrix (on hardware
 * as desired changes to its array). The dynamics use the noiseless weights. */
#include "learning/net_internal.h"

#include <math.h>
#include <string.h>

int xb_net__sal_phase(xb_net *net, int l)
{
    const xb_net_config *c = &net->cfg;
    xb_net__mat *K = &net->K[l];
    int nk = K->rows, ni = K->cols;
    double *w = net->mW[l], *k = net->mK[l], *dk = net->dw;
    XB_TRY(xb_net__mat_get(&net->W[l], w));
    XB_TRY(xb_net__mat_get(K, k));
    int tref = c->sal_tref > 0 ? c->sal_tref : 10;
    double decay = exp(-1.0 / (double)tref);
    double *ui = net->sal[0], *uk = net->sal[1], *xi = net->sal[2], *xk = net->sal[3];
    int *pspi = net->sal_i[0], *pspk = net->sal_i[1], *refi = net->sal_i[2],
        *refk = net->sal_i[3];
    memset(dk, 0, (size_t)nk * (size_t)ni * sizeof *dk);
    memset(xi, 0, (size_t)ni * sizeof *xi);
    memset(xk, 0, (size_t)nk * sizeof *xk);
    for (int j = 0; j < ni; j++) {
        pspi[j] = refi[j] = 0;
    }
    for (int j = 0; j < nk; j++) {
        pspk[j] = refk[j] = 0;
    }
    xb_rng r;
    xb_rng_init(&r, c->seed, XB_RNG_SPIKE, (uint32_t)l);
    uint64_t per_step = (uint64_t)ni + (uint64_t)nk;
    uint64_t base = net->steps * (uint64_t)c->sal_steps * per_step;
    for (int t = 0; t < c->sal_steps; t++) {
        /* membrane inputs from the PSPs held over from earlier steps */
        for (int i = 0; i < ni; i++) {
            ui[i] = 0.0;
        }
        for (int q = 0; q < nk; q++) {
            double s = 0.0;
            const double *wq = w + (size_t)q * (size_t)ni, *kq = k + (size_t)q * (size_t)ni;
            for (int i = 0; i < ni; i++) {
                s += pspi[i] > 0 ? wq[i] : 0.0;
            }
            uk[q] = s;
            if (pspk[q] > 0) {
                for (int i = 0; i < ni; i++) {
                    ui[i] += kq[i];
                }
            }
        }
        for (int i = 0; i < ni; i++) {
            xi[i] *= decay;
            pspi[i] -= pspi[i] > 0;
        }
        for (int q = 0; q < nk; q++) {
            xk[q] *= decay;
            pspk[q] -= pspk[q] > 0;
        }
        uint64_t pos = base + (uint64_t)t * per_step;
        /* lower spikes: causal pairings with every upper neuron's last spike */
        for (int i = 0; i < ni; i++) {
            if (refi[i] > 0) {
                refi[i]--;
                ui[i] = NAN; /* marks "no spike" below */
                continue;
            }
            double p = 1.0 / (1.0 + (double)tref * exp(-ui[i]));
            ui[i] = xb_rng_uniform_at(&r, pos + (uint64_t)i) < p ? 1.0 : NAN;
        }
        for (int q = 0; q < nk; q++) {
            if (refk[q] > 0) {
                refk[q]--;
                uk[q] = NAN;
                continue;
            }
            double p = 1.0 / (1.0 + (double)tref * exp(-uk[q]));
            uk[q] = xb_rng_uniform_at(&r, pos + (uint64_t)ni + (uint64_t)q) < p ? 1.0 : NAN;
        }
        for (int i = 0; i < ni; i++) {
            if (ui[i] == 1.0) {
                for (int q = 0; q < nk; q++) {
                    dk[(size_t)q * (size_t)ni + (size_t)i] -= xk[q];
                }
            }
        }
        for (int q = 0; q < nk; q++) {
            if (uk[q] == 1.0) {
                double *dq = dk + (size_t)q * (size_t)ni;
                for (int i = 0; i < ni; i++) {
                    dq[i] += xi[i];
                }
            }
        }
        for (int i = 0; i < ni; i++) {
            if (ui[i] == 1.0) {
                xi[i] = 1.0; /* nearest spike: the trace restarts */
                pspi[i] = tref;
                refi[i] = tref;
            }
        }
        for (int q = 0; q < nk; q++) {
            if (uk[q] == 1.0) {
                xk[q] = 1.0;
                pspk[q] = tref;
                refk[q] = tref;
            }
        }
    }
    double scale = c->sal_lr / (double)c->sal_steps;
    size_t n = (size_t)nk * (size_t)ni;
    for (size_t q = 0; q < n; q++) {
        /* sparse_rbp: an absent synapse (exactly 0) does not grow */
        dk[q] = (c->rule == XB_RULE_SPARSE_RBP && k[q] == 0.0) ? 0.0 : dk[q] * scale;
    }
    return xb_net__mat_add(K, dk);
}
