/* xbar: private layout shared by the module's files.
 *
 * Devices live in ONE xb_devices block. Tile t owns the contiguous range
 * [dev0, dev0 + nr * pcols), ordered by column unit u then row, so that a
 * weight row of the row-major W is a contiguous run of devices (updates and
 * refreshes stream). With K slices, output ii, slice k is unit u = ii K + k.
 *   pair mapping: device (u, rr, s) = dev0 + (u * nr + rr) * 2 + s, s = 0 for
 *                 G+ (physical column 2 u), 1 for G- (column 2 u + 1);
 *   ref mapping:  device (u, rr) = dev0 + u * nr + rr (column u), and the
 *                 reference column's devices follow at unit u = no K.
 * Read backends get the row-major physical array gathered into x->gphys. */
#ifndef XB_XBAR_INTERNAL_H
#define XB_XBAR_INTERNAL_H

#include "xbar/xbar.h"

#include <math.h>

/* strips of the read-noise ziggurat (read.c) */
#define XB__ZIG_N 256
/* largest dac_bits whose levels are tabulated (4095 doubles) */
#define XB__DAC_TAB_BITS 12

typedef struct {
    int r0, nr;     /* inputs (physical rows) */
    int o0, no;     /* outputs */
    int pcols;      /* physical columns: 2 K no (pair) or K no + 1 (ref) */
    size_t dev0;    /* first device of the tile in the block */
    double *rowsum; /* nr: sum of G over the row (borrowed from xbar->sums) */
    double *colsum; /* pcols: sum of G over the column */
    /* XB_ADC_CAL_WORST, per slice: [0] max_i sum_j |W_ij|, [1] max_j sum_i |W_ij| */
    double adc_worst[2][32];
    void *ws;       /* read-backend workspace (NULL on the ideal fast path) */
    int dirty;      /* conductances changed since the backend's setup */
    double inv_nr;  /* 1 / nr: device index -> row without an integer division */
    /* the write in progress (xb_xbar__write_*): its plist entries [w_m0, w_m1)
     * (w_m0 = SIZE_MAX: none yet), pulses and selected-cell energy so far */
    size_t w_m0, w_m1;
    uint64_t w_p;
    double w_e;
    xb_xbar_counters cnt;
} xb__tile;

struct xb_xbar {
    xb_xbar_config cfg;
    const xb_solver_type *solver;
    int solver_ideal; /* reads may use the weight matrix directly */
    xb_devices *dev;
    size_t ndev;
    double gmin, gmax, grange; /* nominal device range, S */
    double scale;              /* weight per siemens of (G+ - G-) or (G - G_ref) */
    double gref;               /* reference conductance target (ref mapping) */
    double pmax;               /* pulses over the full range */
    double dw_pulse;           /* weight change per pulse */
    double read_noise;         /* relative sd per cell current */
    int nslices;               /* K: devices (pairs) per weight */
    double base;               /* significance ratio of adjacent slices */
    double sig[32];            /* significance of slice k: base^k / sum_m base^m */
    double *wk;                /* K x n_out x n_in per-slice weights (K > 1) */
    double drift;              /* conductance drift factor at the read time (1 = none) */
    /* Per-device drift view (xb_xbar_set_read_time with drift_nu_d2d or
     * pcm_stat, t > 0): reads use the drifted conductances gd and the
     * weights / noise variances built from them instead of drift * (w, qf).
     * pd_stale: a write moved conductances since the view was built. */
    int pd, pd_stale, pd_noise;
    double t_read;
    double pd_alpha;  /* global drift compensation factor (1 = none) */
    double pd_efac;   /* sum gd / sum G: read-energy scale of the view */
    double *gd;       /* ndev: drifted conductances (times pd_alpha) */
    double *gvar;     /* ndev: per-read variance of each device's conductance, S^2 */
    double *wd, *wdk; /* n_out x n_in (and K x per slice) drifted weights */
    float *qdf, *qdkf; /* their read-noise variances per unit input^2 (sd 1 units) */
    int max_pulses;

    int ntiles;
    xb__tile *tiles;
    double *sums; /* storage of every tile's rowsum and colsum */

    double *w; /* n_out x n_in effective weights */
    /* read-noise variance per unit input^2, n_out x n_in (qf) and per slice
     * (qkf, K > 1); NULL if off. Single precision: a noise sd needs no more,
     * and the variance GEMM of a noisy read runs in float. */
    float *qf, *qkf;
    /* ziggurat tables of the read-noise normals (read.c) */
    double zig_x[XB__ZIG_N + 1], zig_r[XB__ZIG_N];
    /* DAC levels k / l for k = -l .. l when dac_bits <= XB__DAC_TAB_BITS, else NULL */
    double *dac_lv;

    int32_t *npulses; /* ndev: pulse counts of one write; all zero between writes */
    size_t *plist;    /* ndev: ascending indices of the devices a write pulses */
    size_t nplist;
    double *gprev;    /* ndev: their conductances before the write */
    double *gphys;    /* ndev: row-major physical arrays for read backends (or NULL) */
    double *hs;       /* 6 * max tile rows: half-select accumulators */
    double wfrac[3];  /* write bias fractions: sel row/unsel col, unsel row/sel col, both unsel */
    /* half-select disturbance workspaces (allocated on first use) */
    double *dist_state, *dist_sbuf, *dist_scale, *dist_g, *dist_colp;
    void *dist_ord, *dist_params;
    int32_t *ncount;  /* n_out x n_in: signed pulse counts per weight */
    double *dw;       /* n_out x n_in: dW of update_outer */
    double *target;   /* ndev: programming targets */
    uint64_t *mask;   /* n_in + n_out: stochastic pulse trains */
    double *frac;     /* n_in: fractions of one row's pulse counts */
    int32_t *nzrow;   /* n_in: tile rows of one weight row's nonzero counts */
    int32_t *hsign;   /* n_in: firing rows of one vector, +-(j + 1) by the sign of h_j */
    /* stochastic scheme only (else NULL): per pulse slot s < 64, the rows
     * (slot_rows + s n_in) and columns (slot_cols + s n_out) firing in it,
     * as +-(index + 1) by their pulse sign, and how many */
    int32_t *slot_rows, *slot_cols;
    int slot_nr[64], slot_nc[64];

    /* read workspaces, for up to `cap` vectors (grown on first larger batch) */
    size_t cap, width;
    double *xs, *part, *vbuf, *ibuf, *xscale;
    float *sqf, *varf; /* noisy reads: squared normalised inputs, output variances */

    /* the write in progress: event, plist entries written so far, tile of the
     * last one, whether a reference device moved */
    uint64_t w_event;
    size_t w_done;
    int w_tile, w_ref;

    xb_rng rng_update, rng_read;
    uint64_t update_pos, read_pos, event;
    xb_xbar_counters cnt;
};

/* A hint to fetch p into cache ahead of use (no-op without GCC/Clang):
 * updates touch the device arrays sparsely, which hardware prefetchers
 * follow poorly. */
#if defined(__GNUC__)
#define XB__PREFETCH(p) __builtin_prefetch(p)
#else
#define XB__PREFETCH(p) ((void)(p))
#endif

/* nearbyint(v) in the default rounding mode without the libm call (baseline
 * x86-64 has no rounding instruction, and DAC/ADC round every element):
 * below 2^51, adding and subtracting 1.5 * 2^52 rounds to an integer, ties to
 * even, exactly as nearbyint; copysign keeps the sign of a zero result. */
static inline double xb__rint(double v)
{
    const double c = 6755399441055744.0; /* 1.5 * 2^52 */
    double a = fabs(v);
    return a < 2251799813685248.0 /* 2^51 */ ? copysign((a + c) - c, v) : nearbyint(v);
}

/* device of unit u (= ii K + k), tile row rr, side s */
static inline size_t xb__dev_pair(const xb__tile *t, int u, int rr, int s)
{
    return t->dev0 + ((size_t)u * (size_t)t->nr + (size_t)rr) * 2 + (size_t)s;
}
static inline size_t xb__dev_one(const xb__tile *t, int u, int rr)
{
    return t->dev0 + (size_t)u * (size_t)t->nr + (size_t)rr;
}
/* reference-column device of tile row rr (ref mapping); ref_unit = no K */
static inline size_t xb__dev_ref(const xb__tile *t, int ref_unit, int rr)
{
    return xb__dev_one(t, ref_unit, rr);
}

/* Recomputes the weights, noise matrix, sums and ADC scales from the device
 * conductances after any write; marks every tile for a backend setup. */
void xb_xbar__refresh(xb_xbar *x);
/* Rebuilds the per-device drift view (gd, gvar, wd, qdf, ...) at x->t_read
 * from the current conductances. */
int xb_xbar__pd_rebuild(xb_xbar *x);
/* What reads use: the drift view's or the programmed weights, conductances,
 * scalar drift and noise sd factor. */
static inline const double *xb__rd_w(const xb_xbar *x) { return x->pd ? x->wd : x->w; }
static inline const double *xb__rd_wk(const xb_xbar *x) { return x->pd ? x->wdk : x->wk; }
static inline const float *xb__rd_qf(const xb_xbar *x) { return x->pd ? x->qdf : x->qf; }
static inline const float *xb__rd_qkf(const xb_xbar *x) { return x->pd ? x->qdkf : x->qkf; }
static inline double xb__rd_drift(const xb_xbar *x) { return x->pd ? 1.0 : x->drift; }
static inline double xb__rd_sigma(const xb_xbar *x) { return x->pd ? 1.0 : x->read_noise; }
/* Fills the ziggurat tables zx[XB__ZIG_N + 1], zr[XB__ZIG_N] (read.c). */
void xb_xbar__zig_init(double *zx, double *zr);
/* Writes the signed pulses of the devices in x->plist (x->npulses) through
 * the devices, updates weights, sums, write energy and counters, and zeroes
 * npulses again; `program` counts them as programming pulses. */
int xb_xbar__apply_pulses(xb_xbar *x, int program);
/* The same write in pieces, so that each piece of plist is written while its
 * devices are still in cache: begin, then write_upto(x, m) whenever plist
 * holds m complete ascending entries (each call writes the new ones with the
 * same event: devices are independent, so this equals one call), then end.
 * On an error from write_upto, call end with the error to clean up. */
void xb_xbar__write_begin(xb_xbar *x);
int xb_xbar__write_upto(xb_xbar *x, size_t m_end);
int xb_xbar__write_end(xb_xbar *x, int program, int rc);
/* Targets of every device for weights w[n_out * n_in] (x->target). */
void xb_xbar__targets(xb_xbar *x, const double *w);
/* Integrates the half-select exposure of the write in x->npulses through
 * the device model (state-equation models only), then reprograms. */
int xb_xbar__disturb(xb_xbar *x);
/* Signed base digits of n over the slices (d[0] least significant). */
void xb_xbar__digits(const xb_xbar *x, int64_t n, int32_t *d);
/* Grows the read workspaces to nvec vectors (only on a larger batch than ever). */
int xb_xbar__ensure_ws(xb_xbar *x, size_t nvec);
/* Lays cfg.cellmap[] over the tiles' devices (cellmap.c); called by create
 * right after the device block is made. */
int xb_xbar__apply_cellmaps(xb_xbar *x);

#endif /* XB_XBAR_INTERNAL_H */
