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
 * as desired changes to its array). The dynamics use the noiseless weights.
 *
 * Membrane inputs are kept incrementally: a PSP adds its weight column (row)
 * when it starts and removes it when it ends, so a step costs O(spikes * n)
 * rather than O(n_l * n_{l-1}). */
#include "learning/net_internal.h"

#include <math.h>
#include <string.h>

/* Spike draws of one population; flags in spk, refractory counters in ref. */
static void draw_spikes(const xb_rng *r, uint64_t pos, int n, const double *u, double tref,
                        int *ref, int *spk)
{
    for (int j = 0; j < n; j++) {
        if (ref[j] > 0) {
            ref[j]--;
            spk[j] = 0;
            continue;
        }
        /* sigma(u - ln t_ref) = 1 / (1 + t_ref e^-u) */
        double p = 1.0 / (1.0 + tref * exp(-u[j]));
        spk[j] = xb_rng_uniform_at(r, pos + (uint64_t)j) < p;
    }
}

int xb_net__sal_phase(xb_net *net, int l)
{
    const xb_net_config *c = &net->cfg;
    xb_net__mat *K = &net->K[l];
    const size_t nk = (size_t)K->rows, ni = (size_t)K->cols;
    double *w = net->mW[l], *k = net->mK[l], *dk = net->dw;
    XB_TRY(xb_net__mat_get(&net->W[l], w));
    XB_TRY(xb_net__mat_get(K, k));
    const int tref = c->sal_tref > 0 ? c->sal_tref : 10;
    const double decay = exp(-1.0 / (double)tref);
    double *ui = net->sal[0], *uk = net->sal[1], *xi = net->sal[2], *xk = net->sal[3];
    int *pspi = net->sal_i[0], *pspk = net->sal_i[1], *refi = net->sal_i[2], *refk = net->sal_i[3];
    int *spi = net->sal_i[4], *spk = net->sal_i[5];
    memset(dk, 0, nk * ni * sizeof *dk);
    memset(ui, 0, ni * sizeof *ui);
    memset(uk, 0, nk * sizeof *uk);
    memset(xi, 0, ni * sizeof *xi);
    memset(xk, 0, nk * sizeof *xk);
    memset(pspi, 0, ni * sizeof *pspi);
    memset(refi, 0, ni * sizeof *refi);
    memset(pspk, 0, nk * sizeof *pspk);
    memset(refk, 0, nk * sizeof *refk);
    xb_rng r;
    xb_rng_init(&r, c->seed, XB_RNG_SPIKE, (uint32_t)l);
    const uint64_t per_step = (uint64_t)ni + (uint64_t)nk;
    const uint64_t base = net->sal_phases * (uint64_t)c->sal_steps * per_step;
    net->sal_phases++;
    for (int t = 0; t < c->sal_steps; t++) {
        const uint64_t pos = base + (uint64_t)t * per_step;
        draw_spikes(&r, pos, (int)ni, ui, (double)tref, refi, spi);
        draw_spikes(&r, pos + ni, (int)nk, uk, (double)tref, refk, spk);
        for (size_t i = 0; i < ni; i++) {
            xi[i] *= decay;
        }
        for (size_t q = 0; q < nk; q++) {
            xk[q] *= decay;
        }
        /* pairings with earlier spikes (traces hold exp(-dt/tau) of the
         * nearest one); same-step spikes do not pair */
        for (size_t i = 0; i < ni; i++) {
            if (spi[i]) {
                for (size_t q = 0; q < nk; q++) {
                    dk[q * ni + i] -= xk[q];
                }
            }
        }
        for (size_t q = 0; q < nk; q++) {
            if (spk[q]) {
                double *dq = dk + q * ni;
                for (size_t i = 0; i < ni; i++) {
                    dq[i] += xi[i];
                }
            }
        }
        /* PSP bookkeeping for the next step: ending PSPs leave, new ones
         * enter (refractory = PSP length, so they never overlap) */
        for (size_t i = 0; i < ni; i++) {
            if (pspi[i] > 0 && --pspi[i] == 0) {
                for (size_t q = 0; q < nk; q++) {
                    uk[q] -= w[q * ni + i];
                }
            }
            if (spi[i]) {
                for (size_t q = 0; q < nk; q++) {
                    uk[q] += w[q * ni + i];
                }
                pspi[i] = tref;
                refi[i] = tref;
                xi[i] = 1.0;
            }
        }
        for (size_t q = 0; q < nk; q++) {
            const double *kq = k + q * ni;
            if (pspk[q] > 0 && --pspk[q] == 0) {
                for (size_t i = 0; i < ni; i++) {
                    ui[i] -= kq[i];
                }
            }
            if (spk[q]) {
                for (size_t i = 0; i < ni; i++) {
                    ui[i] += kq[i];
                }
                pspk[q] = tref;
                refk[q] = tref;
                xk[q] = 1.0;
            }
        }
    }
    const double scale = c->sal_lr / (double)c->sal_steps;
    for (size_t q = 0; q < nk * ni; q++) {
        /* sparse_rbp: an absent synapse (exactly 0) does not grow */
        dk[q] = (c->rule == XB_RULE_SPARSE_RBP && k[q] == 0.0) ? 0.0 : dk[q] * scale;
    }
    return xb_net__mat_add(K, dk);
}
