/* learning: private layout of xb_net shared by net.c, channel.c, rules.c and
 * metrics.c. Not a public header. */
#ifndef XB_NET_INTERNAL_H
#define XB_NET_INTERNAL_H

#include "learning/learning.h"

/* One weight matrix, rows x cols (n_out x n_in, row-major), either in plain
 * memory (w) or on a crossbar (xb). Exactly one of them is set. */
typedef struct {
    double *w;
    xb_xbar *xb;
    int rows, cols;
    int shared;     /* 1: this is the forward matrix itself (bidirectional) */
    int stochastic; /* 1: its array updates by pulse coincidence (needs the factors) */
    double *vel;    /* momentum velocity (rows x cols), or NULL */
    /* On an array: a digital gain applied by the periphery to every read
     * (forward and transposed), so the matrix the network computes with is
     * gain * (array weights); changes are divided by it before they become
     * pulses. Set by the norm constraint and the weight mirror's norm
     * control; exactly 1 otherwise (and for memory matrices, which are
     * rescaled in place). */
    double gain;
} xb_net__mat;

struct xb_net {
    xb_net_config cfg; /* validated, channel resolved */
    int L;
    int n[XB_NET_MAX_LAYERS + 1];
    size_t nmax; /* largest layer width */

    xb_net__mat W[XB_NET_MAX_LAYERS + 1]; /* 1..L */
    double *b[XB_NET_MAX_LAYERS + 1];     /* 1..L, NULL without biases */
    double *vb[XB_NET_MAX_LAYERS + 1];    /* bias velocities (momentum), or NULL */
    xb_net__mat K[XB_NET_MAX_LAYERS + 1]; /* 2..L backward matrices */
    int has_k;                            /* 0 for a single-layer network */
    double *rmag[XB_NET_MAX_LAYERS + 1];  /* sign rule: |R_l| */

    /* step state */
    size_t nb;
    int have_forward, have_backward;
    uint64_t steps;
    double *a[XB_NET_MAX_LAYERS + 1]; /* 1..L, batch_max x n_l */
    double *h[XB_NET_MAX_LAYERS + 1]; /* 0..L */
    double *d[XB_NET_MAX_LAYERS + 1]; /* 1..L deltas */
    double *g[XB_NET_MAX_LAYERS + 1]; /* 1..L gradient estimates n_l x n_{l-1} */
    double *gb[XB_NET_MAX_LAYERS + 1];
    double *dw;   /* largest n_l * n_{l-1}: desired change handed to a matrix */
    double *wbuf; /* the same size: weights read back from an array */
    int *lbuf;    /* batch_max labels */
    double *ybuf; /* batch_max x n_L: -y, the signal drtp sends down */
    double *tbuf; /* batch_max x n_L targets */

    /* metrics workspace (software copies, never touching the arrays' streams) */
    double *mW[XB_NET_MAX_LAYERS + 1], *mK[XB_NET_MAX_LAYERS + 1];
    double *ma[XB_NET_MAX_LAYERS + 1], *mh[XB_NET_MAX_LAYERS + 1];
    double *mdb[XB_NET_MAX_LAYERS + 1], *mdr[XB_NET_MAX_LAYERS + 1];
    double *mgb, *mgr;

    /* SAL neuron state (nmax each), allocated only when sal_steps > 0:
     * membrane/spike flags and STDP traces; PSP and refractory counters */
    double *sal[4];
    int *sal_i[6];
    uint64_t sal_phases; /* phases run so far: positions in the spike stream */

    /* norm constraint: ||W_l||_F to hold (1..L) */
    double w_norm0[XB_NET_MAX_LAYERS + 1];
    /* weight mirror (rule wm): noise / probe inputs and layer responses,
     * wm_nb x nmax each, and their random words */
    size_t wm_nb; /* largest mirror batch */
    double *wm_x, *wm_a, *wm_y;
    uint32_t *wm_u;
    uint64_t wm_draws; /* mirror steps so far: positions in the mirror streams */
    uint64_t wm_probes; /* norm controls so far: positions in the probe streams */
};

/* rules.c */
int xb_net__rule_uses_k(xb_rule r);     /* backward matrices exist (not bp-bidirectional) */
int xb_net__rule_direct(xb_rule r);     /* srbp family: K_l is n_L x n_{l-1} */
double xb_net__act(xb_activation a, double v);
/* a += b_l, h = layer l's nonlinearity of a (nb vectors of n_l). */
void xb_net__layer_output(const xb_net *net, int l, size_t nb, double *a, double *h);
double xb_net__act_deriv(xb_activation a, double pre, double post);
/* delta_{l-1} = f'(a_{l-1}) (.) g(z) in place: the backward neurons of layer
 * l-1 (f' only if bwd_fprime, g = f only if bwd_nonlinear). */
void xb_net__backward_neurons(const xb_net_config *c, const double *a, const double *h, size_t n,
                              double *z);
int xb_net__validate(xb_net_config *cfg); /* resolves the channel */
/* Draws the initial backward matrix l into k (rows x cols) from the feedback
 * and sparsity streams; for the sign rule also fills rmag. */
void xb_net__draw_backward(const xb_net_config *cfg, int l, int rows, int cols, double *k,
                           double *rmag);
void xb_net__draw_forward(const xb_net_config *cfg, int l, int rows, int cols, double *w);
/* drtp's signal -y (one-hot labels or targets), nb x nL; inputs checked. */
void xb_net__minus_target(const xb_net_config *c, size_t nb, int nL, const int *labels,
                          const double *targets, double *out);
/* brSF: fresh magnitudes |M| for update number `step`. */
void xb_net__redraw_magnitudes(const xb_net_config *cfg, int l, int rows, int cols,
                               uint64_t step, double *rmag);
/* The sign rule's K for weights w. */
void xb_net__sign_matrix(const xb_net_config *cfg, const double *w, const double *rmag,
                         size_t n, double *k_out);

/* sal.c: one SAL phase on backward matrix l (uses the metrics copies mW/mK
 * and dw as scratch). */
int xb_net__sal_phase(xb_net *net, int l);

/* mirror.c: the weight mirror's steps (and its norm control) after an
 * update of batch nb, and the norm constraint of layer l */
int xb_net__mirror(xb_net *net, size_t nb, int steps);
int xb_net__constrain_norm(xb_net *net, int l);
/* ||m||_F of the matrix the network computes with (gain included). */
int xb_net__mat_norm(const xb_net__mat *m, double *wbuf, double *out);

/* channel.c: one matrix in memory or on an array */
int xb_net__mat_create(xb_net__mat *m, const xb_net_config *cfg, int rows, int cols,
                       int backward, int l, const double *w0);
void xb_net__mat_free(xb_net__mat *m);
int xb_net__mat_forward(xb_net__mat *m, const double *in, size_t nb, double *out);
int xb_net__mat_backward(xb_net__mat *m, const double *in, size_t nb, double *out);
int xb_net__mat_add(xb_net__mat *m, const double *dw);
/* m += scale * sum_b d_b h_b^T: the outer-product form that stochastic pulse
 * coincidence needs (other schemes form the matrix first). */
int xb_net__mat_add_outer(xb_net__mat *m, double scale, const double *d, const double *h,
                          size_t nb);
int xb_net__mat_get(const xb_net__mat *m, double *w_out);
int xb_net__mat_set(xb_net__mat *m, const double *w);

#endif /* XB_NET_INTERNAL_H */
