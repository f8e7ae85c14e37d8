/* circuits: fast iterative nodal solve, block Gauss-Seidel over the lines.
 *
 * With the column-line voltages b fixed, every row line is an independent
 * tridiagonal system (wire segments + its cells + its termination); with the
 * row-line voltages a fixed, so is every column line. Alternating the two
 * exact line solves is block Gauss-Seidel on the 2x2 block (rows, columns)
 * splitting of the SPD nodal matrix, so it converges for every config; its
 * rate is the coupling of the cells relative to the wire stiffness. The
 * tridiagonal factors depend only on g, so setup computes them (Thomas
 * multipliers) and each sweep is two substitutions per node.
 *
 * Voltages are kept per cell for both line kinds, rows x cols row-major: a
 * line merged to one node (zero wire resistance) just repeats its value, so
 * the coupling terms are the same loop in every case. Column lines are swept
 * across all columns at once (row index outer) to keep memory access
 * contiguous. */
#include "circuits/circuits_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FAST_MAGIC 0x66617374u
/* CG steps before giving up (the Lanczos matrix is kept whole) */
#define XB_FAST_LANCZOS_MAX 5000

typedef struct {
    unsigned magic;
    xb_circuit_config cfg;
    xb_nodal_lines m[3]; /* forward, transposed, write (xb_nodal_mode) */
    double tol;
    int max_iter;
    int ready;
    int last_iters;
    double *geff;
    /* Thomas factors per direction: row lines (mr: 1/pivot, cr: c'), column
     * lines (mc, cc); for merged lines mr[r] / mc[c] hold 1 / (sum of conductances) */
    double *mr[3], *cr[3], *mc[3], *cc[3];
    int nmodes;                /* 2 for a read backend, 3 for a writer */
    double *g;                 /* writer only: raw conductances (1T1R memristor voltage) */
    unsigned char *open;       /* writer only: floating rows, then columns */
    double *a, *b, *d;         /* row-line, column-line voltages, scratch */
    double *pr, *pz, *pp, *pq; /* CG vectors (rows x cols) */
    double *ldiag, *loff;      /* Lanczos matrix, XB_FAST_LANCZOS_MAX each */
} fast_ws;

static void fast_free(void *ws)
{
    fast_ws *w = ws;
    if (w == NULL) {
        return;
    }
    free(w->g);
    free(w->open);
    for (int t = 0; t < 3; t++) {
        free(w->mr[t]);
        free(w->cr[t]);
        free(w->mc[t]);
        free(w->cc[t]);
    }
    free(w->geff);
    free(w->a);
    free(w->b);
    free(w->d);
    free(w->pr);
    free(w->pz);
    free(w->pp);
    free(w->pq);
    free(w->ldiag);
    free(w->loff);
    free(w);
}

static int create_modes(void **ws_out, const xb_circuit_config *c, int nmodes)
{
    XB_ASSERT_ARG(ws_out != NULL);
    *ws_out = NULL;
    XB_TRY(xb_circuits__validate_config(c));
    if (c->iv != XB_IV_LINEAR) {
        return xb__error_set(XB_EINVAL,
                             "nodal_fast takes linear cells only (cell I-V %d): use "
                             "the nodal solver",
                             (int)c->iv);
    }
    fast_ws *w = calloc(1, sizeof *w);
    if (w == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    w->magic = FAST_MAGIC;
    w->cfg = *c;
    w->tol = c->fast_tol > 0.0 ? c->fast_tol : XB_NODAL_FAST_TOL;
    w->max_iter = c->fast_max_iter > 0 ? c->fast_max_iter : 10000;
    w->last_iters = 0;
    w->nmodes = nmodes;
    xb_nodal__lines_init(&w->m[0], c, XB_NODAL_FORWARD);
    xb_nodal__lines_init(&w->m[1], c, XB_NODAL_TRANSPOSE);
    xb_nodal__lines_init(&w->m[2], c, XB_NODAL_WRITE);
    size_t n = (size_t)c->rows * (size_t)c->cols;
    int ok = (w->geff = malloc(n * sizeof *w->geff)) != NULL;
    ok = ok && (w->a = malloc(n * sizeof *w->a)) != NULL;
    ok = ok && (w->b = malloc(n * sizeof *w->b)) != NULL;
    ok = ok && (w->d = malloc(n * sizeof *w->d)) != NULL;
    ok = ok && (w->pr = malloc(n * sizeof *w->pr)) != NULL;
    ok = ok && (w->pz = malloc(n * sizeof *w->pz)) != NULL;
    ok = ok && (w->pp = malloc(n * sizeof *w->pp)) != NULL;
    ok = ok && (w->pq = malloc(n * sizeof *w->pq)) != NULL;
    ok = ok && (w->ldiag = malloc(XB_FAST_LANCZOS_MAX * sizeof *w->ldiag)) != NULL;
    ok = ok && (w->loff = malloc(XB_FAST_LANCZOS_MAX * sizeof *w->loff)) != NULL;
    if (nmodes == 3) {
        ok = ok && (w->g = malloc(n * sizeof *w->g)) != NULL;
        ok = ok && (w->open = calloc((size_t)c->rows + (size_t)c->cols, 1)) != NULL;
        if (ok) {
            w->m[2].open_row = w->open;
            w->m[2].open_col = w->open + c->rows;
        }
    }
    for (int t = 0; t < nmodes && ok; t++) {
        ok = ok && (w->mr[t] = malloc(n * sizeof *w->mr[t])) != NULL;
        ok = ok && (w->cr[t] = malloc(n * sizeof *w->cr[t])) != NULL;
        ok = ok && (w->mc[t] = malloc(n * sizeof *w->mc[t])) != NULL;
        ok = ok && (w->cc[t] = malloc(n * sizeof *w->cc[t])) != NULL;
    }
    if (!ok) {
        fast_free(w);
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    *ws_out = w;
    return XB_OK;
}

static int fast_create(void **ws_out, const xb_circuit_config *c)
{
    return create_modes(ws_out, c, 2);
}

/* Thomas multipliers of every line for one direction. */
static void factor_lines(fast_ws *w, int t)
{
    const xb_nodal_lines *m = &w->m[t];
    int R = m->rows, C = m->cols;
    const double *g = w->geff;
    double *mr = w->mr[t], *cr = w->cr[t], *mc = w->mc[t], *cc = w->cc[t];
    if (m->nr == C) {
        double gs = m->g_seg_row;
        for (int r = 0; r < R; r++) {
            const double *gr = g + (size_t)r * (size_t)C;
            double *mrr = mr + (size_t)r * (size_t)C, *crr = cr + (size_t)r * (size_t)C;
            double cprev = 0.0;
            for (int k = 0; k < C; k++) {
                double diag = gr[k] + (k > 0 ? gs : xb_nodal__gtr(m, r)) + (k + 1 < C ? gs : 0.0);
                double piv = diag - (k > 0 ? gs * cprev : 0.0);
                mrr[k] = 1.0 / piv;
                crr[k] = (k + 1 < C ? -gs : 0.0) * mrr[k];
                cprev = -crr[k]; /* c'_k with the sign of -offdiag folded in */
            }
        }
    } else if (m->nr == 1) {
        for (int r = 0; r < R; r++) {
            double s = xb_nodal__gtr(m, r);
            for (int k = 0; k < C; k++) {
                s += g[(size_t)r * (size_t)C + (size_t)k];
            }
            mr[r] = 1.0 / s;
        }
    }
    if (m->nc == R) {
        double gs = m->g_seg_col;
        /* column lines run from row 0 (far end) to row R-1 (terminated end) */
        for (int r = 0; r < R; r++) {
            for (int c = 0; c < C; c++) {
                size_t k = (size_t)r * (size_t)C + (size_t)c;
                double diag = g[k] + (r > 0 ? gs : 0.0) + (r + 1 < R ? gs : xb_nodal__gtc(m, c));
                double cprev = r > 0 ? -cc[k - (size_t)C] : 0.0;
                double piv = diag - (r > 0 ? gs * cprev : 0.0);
                mc[k] = 1.0 / piv;
                cc[k] = (r + 1 < R ? -gs : 0.0) * mc[k];
            }
        }
    } else if (m->nc == 1) {
        for (int c = 0; c < C; c++) {
            double s = xb_nodal__gtc(m, c);
            for (int r = 0; r < R; r++) {
                s += g[(size_t)r * (size_t)C + (size_t)c];
            }
            mc[c] = 1.0 / s;
        }
    }
}

static int fast_setup(void *ws, const double *g)
{
    fast_ws *w = ws;
    XB_ASSERT_ARG(w != NULL && w->magic == FAST_MAGIC);
    XB_TRY(xb_circuits__validate_g(g, w->cfg.rows, w->cfg.cols));
    xb_nodal__g_eff(&w->m[0], g, w->geff);
    for (int t = 0; t < w->nmodes; t++) {
        factor_lines(w, t);
    }
    if (w->g != NULL) {
        memcpy(w->g, g, (size_t)w->cfg.rows * (size_t)w->cfg.cols * sizeof *w->g);
    }
    w->ready = 1;
    return XB_OK;
}

/* Row lines given b; returns the largest change of a. */
static double sweep_rows(fast_ws *w, int t, const double *ur)
{
    const xb_nodal_lines *m = &w->m[t];
    int R = m->rows, C = m->cols;
    const double *g = w->geff;
    double *a = w->a, *b = w->b, *d = w->d, delta = 0.0;
    if (m->nr == 0) {
        return 0.0; /* held at ur, set before the first sweep */
    }
    for (int r = 0; r < R; r++) {
        size_t o = (size_t)r * (size_t)C;
        const double *gr = g + o, *br = b + o;
        double *ar = a + o, *dr = d + o;
        if (m->nr == 1) {
            double s = xb_nodal__drr(m, r, ur[r]);
            for (int k = 0; k < C; k++) {
                s += gr[k] * br[k];
            }
            double x = s * w->mr[t][r];
            double ch = fabs(x - ar[0]);
            delta = ch > delta ? ch : delta;
            for (int k = 0; k < C; k++) {
                ar[k] = x;
            }
            continue;
        }
        const double *mrr = w->mr[t] + o, *crr = w->cr[t] + o;
        double gs = m->g_seg_row, prev = 0.0;
        for (int k = 0; k < C; k++) {
            double f = gr[k] * br[k] + (k == 0 ? xb_nodal__drr(m, r, ur[r]) : 0.0);
            prev = (f + gs * prev) * mrr[k];
            dr[k] = prev;
        }
        double next = 0.0;
        for (int k = C - 1; k >= 0; k--) {
            double x = dr[k] - crr[k] * next;
            double ch = fabs(x - ar[k]);
            delta = ch > delta ? ch : delta;
            ar[k] = x;
            next = x;
        }
    }
    return delta;
}

/* Column lines given a; returns the largest change of b. */
static double sweep_cols(fast_ws *w, int t, const double *uc)
{
    const xb_nodal_lines *m = &w->m[t];
    int R = m->rows, C = m->cols;
    const double *g = w->geff;
    double *a = w->a, *b = w->b, *d = w->d, delta = 0.0;
    if (m->nc == 0) {
        return 0.0;
    }
    if (m->nc == 1) {
        for (int c = 0; c < C; c++) {
            d[c] = xb_nodal__drc(m, c, uc[c]);
        }
        for (int r = 0; r < R; r++) {
            size_t o = (size_t)r * (size_t)C;
            for (int c = 0; c < C; c++) {
                d[c] += g[o + (size_t)c] * a[o + (size_t)c];
            }
        }
        for (int c = 0; c < C; c++) {
            double x = d[c] * w->mc[t][c];
            double ch = fabs(x - b[c]);
            delta = ch > delta ? ch : delta;
            d[c] = x;
        }
        for (int r = 0; r < R; r++) {
            memcpy(b + (size_t)r * (size_t)C, d, (size_t)C * sizeof *b);
        }
        return delta;
    }
    const double *mc = w->mc[t], *cc = w->cc[t];
    double gs = m->g_seg_col;
    for (int r = 0; r < R; r++) {
        size_t o = (size_t)r * (size_t)C;
        for (int c = 0; c < C; c++) {
            double f = g[o + (size_t)c] * a[o + (size_t)c];
            if (r + 1 == R) {
                f += xb_nodal__drc(m, c, uc[c]);
            }
            double prev = r > 0 ? d[o - (size_t)C + (size_t)c] : 0.0;
            d[o + (size_t)c] = (f + gs * prev) * mc[o + (size_t)c];
        }
    }
    for (int r = R - 1; r >= 0; r--) {
        size_t o = (size_t)r * (size_t)C;
        for (int c = 0; c < C; c++) {
            double next = r + 1 < R ? b[o + (size_t)C + (size_t)c] : 0.0;
            double x = d[o + (size_t)c] - cc[o + (size_t)c] * next;
            double ch = fabs(x - b[o + (size_t)c]);
            delta = ch > delta ? ch : delta;
            b[o + (size_t)c] = x;
        }
    }
    return delta;
}

/* ------------------------------------------------- PCG on the columns
 *
 * Eliminating the row-line voltages a leaves the column-line voltages b with
 * the Schur complement S = A22 - D A11^-1 D (D = diag of the cell
 * conductances), SPD. Block Gauss-Seidel is Richardson iteration on S b = h
 * preconditioned by A22 (the column line solves); conjugate gradients with
 * the same preconditioner needs about the square root as many steps when the
 * cells couple the lines strongly, for the same work per step (one row and
 * one column line solve each). The smallest eigenvalue lambda of A22^-1 S,
 * estimated from the CG coefficients (the Lanczos matrix), turns the
 * preconditioned residual z into the error estimate |z| / lambda, the same
 * quantity the Gauss-Seidel rule estimates. */

/* out = A11^-1 rhs, every row line (merged lines sum their cells). */
static void row_apply_inv(fast_ws *w, int t, const double *rhs, double *out)
{
    const xb_nodal_lines *m = &w->m[t];
    int R = m->rows, C = m->cols;
    for (int r = 0; r < R; r++) {
        size_t o = (size_t)r * (size_t)C;
        if (m->nr == 1) {
            double s = 0.0;
            for (int k = 0; k < C; k++) {
                s += rhs[o + (size_t)k];
            }
            double x = s * w->mr[t][r];
            for (int k = 0; k < C; k++) {
                out[o + (size_t)k] = x;
            }
            continue;
        }
        const double *mrr = w->mr[t] + o, *crr = w->cr[t] + o;
        double gs = m->g_seg_row, prev = 0.0;
        for (int k = 0; k < C; k++) {
            prev = (rhs[o + (size_t)k] + gs * prev) * mrr[k];
            out[o + (size_t)k] = prev;
        }
        double next = 0.0;
        for (int k = C - 1; k >= 0; k--) {
            next = out[o + (size_t)k] - crr[k] * next;
            out[o + (size_t)k] = next;
        }
    }
}

/* out = A22^-1 rhs, every column line at once (nc == rows). */
static void col_apply_inv(fast_ws *w, int t, const double *rhs, double *out)
{
    const xb_nodal_lines *m = &w->m[t];
    int R = m->rows, C = m->cols;
    const double *mc = w->mc[t], *cc = w->cc[t];
    double gs = m->g_seg_col;
    for (int r = 0; r < R; r++) {
        size_t o = (size_t)r * (size_t)C;
        for (int c = 0; c < C; c++) {
            double prev = r > 0 ? out[o - (size_t)C + (size_t)c] : 0.0;
            out[o + (size_t)c] = (rhs[o + (size_t)c] + gs * prev) * mc[o + (size_t)c];
        }
    }
    for (int r = R - 2; r >= 0; r--) {
        size_t o = (size_t)r * (size_t)C;
        for (int c = 0; c < C; c++) {
            out[o + (size_t)c] -= cc[o + (size_t)c] * out[o + (size_t)C + (size_t)c];
        }
    }
}

/* q = S p = A22 p - D A11^-1 (D p); uses w->d and w->a as scratch. */
static void schur_apply(fast_ws *w, int t, const double *p, double *q)
{
    const xb_nodal_lines *m = &w->m[t];
    int R = m->rows, C = m->cols;
    size_t n = (size_t)R * (size_t)C;
    const double *g = w->geff;
    double gs = m->g_seg_col;
    for (size_t k = 0; k < n; k++) {
        w->d[k] = g[k] * p[k];
    }
    row_apply_inv(w, t, w->d, w->a);
    for (int r = 0; r < R; r++) {
        size_t o = (size_t)r * (size_t)C;
        for (int c = 0; c < C; c++) {
            size_t k = o + (size_t)c;
            double diag = g[k] + (r > 0 ? gs : 0.0) + (r + 1 < R ? gs : xb_nodal__gtc(m, c));
            double v = diag * p[k];
            if (r > 0) {
                v -= gs * p[k - (size_t)C];
            }
            if (r + 1 < R) {
                v -= gs * p[k + (size_t)C];
            }
            q[k] = v - g[k] * w->a[k];
        }
    }
}

/* Smallest eigenvalue of the symmetric tridiagonal (diag, off), n >= 1, by
 * Sturm-sequence bisection. */
static double tridiag_min_eig(const double *diag, const double *off, int n)
{
    double lo = diag[0], hi = diag[0];
    for (int i = 0; i < n; i++) {
        double rad = (i > 0 ? fabs(off[i - 1]) : 0.0) + (i + 1 < n ? fabs(off[i]) : 0.0);
        lo = fmin(lo, diag[i] - rad);
        hi = fmax(hi, diag[i] + rad);
    }
    for (int it = 0; it < 100 && hi - lo > 1e-12 * fmax(fabs(hi), 1e-300); it++) {
        double x = 0.5 * (lo + hi), q = 1.0;
        int below = 0;
        for (int i = 0; i < n; i++) {
            q = diag[i] - x - (i > 0 ? off[i - 1] * off[i - 1] / q : 0.0);
            if (q == 0.0) {
                q = -1e-300;
            }
            below += q < 0.0;
        }
        if (below >= 1) {
            hi = x;
        } else {
            lo = x;
        }
    }
    return lo;
}

static int solve_pcg(fast_ws *w, int t, const double *ur, const double *uc, double scale,
                     int *iters_out)
{
    const xb_nodal_lines *m = &w->m[t];
    int R = m->rows, C = m->cols;
    size_t n = (size_t)R * (size_t)C;
    double *b = w->b, *r = w->pr, *z = w->pz, *p = w->pp, *q = w->pq;
    /* h = f2 + D A11^-1 f1: the drives of the column and the row terminations */
    memset(w->pz, 0, n * sizeof *w->pz);
    for (int i = 0; i < R; i++) {
        w->pz[(size_t)i * (size_t)C] = xb_nodal__drr(m, i, ur[i]);
    }
    row_apply_inv(w, t, w->pz, w->pq);
    for (size_t k = 0; k < n; k++) {
        w->pq[k] *= w->geff[k];
    }
    for (int c = 0; c < C; c++) {
        w->pq[(size_t)(R - 1) * (size_t)C + (size_t)c] += xb_nodal__drc(m, c, uc[c]);
    }
    /* r = h - S b (b holds the initial guess) */
    schur_apply(w, t, b, r);
    for (size_t k = 0; k < n; k++) {
        r[k] = w->pq[k] - r[k];
    }
    col_apply_inv(w, t, r, z);
    memcpy(p, z, n * sizeof *p);
    double rz = 0.0;
    for (size_t k = 0; k < n; k++) {
        rz += r[k] * z[k];
    }
    double alpha_prev = 1.0, beta_prev = 0.0, est = HUGE_VAL, lmin = 0.0;
    int maxit = w->max_iter < XB_FAST_LANCZOS_MAX ? w->max_iter : XB_FAST_LANCZOS_MAX;
    for (int it = 1; it <= maxit; it++) {
        *iters_out = it;
        if (rz <= 0.0) {
            return XB_OK; /* r = 0: b is exact */
        }
        schur_apply(w, t, p, q);
        double pq = 0.0;
        for (size_t k = 0; k < n; k++) {
            pq += p[k] * q[k];
        }
        if (!(pq > 0.0)) {
            return xb__error_set(XB_ENOCONV, "nodal_fast: CG breakdown at step %d (p.Sp = %g)", it,
                                 pq);
        }
        double alpha = rz / pq, zmax = 0.0;
        for (size_t k = 0; k < n; k++) {
            b[k] += alpha * p[k];
            r[k] -= alpha * q[k];
        }
        col_apply_inv(w, t, r, z);
        double rz_new = 0.0;
        for (size_t k = 0; k < n; k++) {
            rz_new += r[k] * z[k];
            zmax = fmax(zmax, fabs(z[k]));
        }
        double beta = rz_new / rz;
        /* Lanczos matrix of A22^-1 S from the CG coefficients */
        w->ldiag[it - 1] = 1.0 / alpha + (it > 1 ? beta_prev / alpha_prev : 0.0);
        w->loff[it - 1] = sqrt(fmax(beta, 0.0)) / alpha;
        lmin = tridiag_min_eig(w->ldiag, w->loff, it);
        est = lmin > 0.0 ? zmax / lmin : HUGE_VAL;
        if (est <= w->tol * scale || rz_new == 0.0) {
            return XB_OK;
        }
        for (size_t k = 0; k < n; k++) {
            p[k] = z[k] + beta * p[k];
        }
        rz = rz_new;
        alpha_prev = alpha;
        beta_prev = beta;
    }
    return xb__error_set(XB_ENOCONV,
                         "nodal_fast: no convergence in %d CG steps (error estimate %.3g V, "
                         "smallest eigenvalue estimate %.3g, tolerance %.3g V)",
                         maxit, est, lmin, w->tol * scale);
}

/* One vector: iterate until the estimated error is below tol * scale. */
static int solve_one(fast_ws *w, int t, const double *ur, const double *uc, int *iters_out)
{
    const xb_nodal_lines *m = &w->m[t];
    int R = m->rows, C = m->cols;
    double scale = 0.0;
    for (int r = 0; r < R; r++) {
        scale = fmax(scale, fabs(ur[r]));
    }
    for (int c = 0; c < C; c++) {
        scale = fmax(scale, fabs(uc[c]));
    }
    /* start from the lines at their end potentials (the zero-wire guess) */
    for (int r = 0; r < R; r++) {
        for (int c = 0; c < C; c++) {
            /* a floating line (NAN) starts at 0 V */
            w->a[(size_t)r * (size_t)C + (size_t)c] = isnan(ur[r]) ? 0.0 : ur[r];
            w->b[(size_t)r * (size_t)C + (size_t)c] = isnan(uc[c]) ? 0.0 : uc[c];
        }
    }
    *iters_out = 0;
    if (scale == 0.0) {
        return XB_OK;
    }
    if (m->nc == R && R > 1 && m->nr > 0) {
        /* b holds the initial guess; then the rows follow from b exactly */
        XB_TRY(solve_pcg(w, t, ur, uc, scale, iters_out));
        sweep_rows(w, t, ur);
        return XB_OK;
    }
    double prev = HUGE_VAL, est = HUGE_VAL, rho = 1.0;
    for (int it = 1; it <= w->max_iter; it++) {
        double da = sweep_rows(w, t, ur);
        double db = sweep_cols(w, t, uc);
        double delta = fmax(da, db);
        *iters_out = it;
        if (delta == 0.0 || (m->nr == 0 || m->nc == 0)) {
            return XB_OK; /* one side fixed: a single sweep is exact */
        }
        if (it > 1) {
            /* the error after a sweep is about delta * rho / (1 - rho) for a
             * linear iteration contracting by rho per sweep */
            rho = delta / prev;
            est = rho < 1.0 ? delta * rho / (1.0 - rho) : HUGE_VAL;
            if (est <= w->tol * scale) {
                return XB_OK;
            }
        }
        prev = delta;
    }
    return xb__error_set(XB_ENOCONV,
                         "nodal_fast: no convergence in %d sweeps (error estimate %.3g V, "
                         "contraction %.6f, tolerance %.3g V)",
                         w->max_iter, est, rho, w->tol * scale);
}

static int fast_solve(void *ws, int transpose, const double *v, size_t nvec, double *i_out)
{
    fast_ws *w = ws;
    XB_ASSERT_ARG(w != NULL && w->magic == FAST_MAGIC);
    XB_ASSERT_ARG(v != NULL);
    XB_ASSERT_ARG(i_out != NULL);
    if (!w->ready) {
        return xb__error_set(XB_EINVAL, "nodal_fast solver: solve called before setup");
    }
    int t = transpose ? 1 : 0;
    int R = w->cfg.rows, C = w->cfg.cols;
    size_t nin = (size_t)(t ? C : R), nout = (size_t)(t ? R : C);
    w->last_iters = 0;
    for (size_t j = 0; j < nvec; j++) {
        const double *vin = v + j * nin;
        double *out = i_out + j * nout;
        int iters = 0;
        /* end potentials: the driven side gets v, the sensed side 0 V; the
         * zeros are written into out (its length is the sensed side's) */
        memset(out, 0, nout * sizeof *out);
        XB_TRY(solve_one(w, t, t ? out : vin, t ? vin : out, &iters));
        w->last_iters = iters > w->last_iters ? iters : w->last_iters;
        /* currents entering the sensed lines through the cells */
        const double *g = w->geff, *a = w->a, *b = w->b;
        for (int r = 0; r < R; r++) {
            size_t o = (size_t)r * (size_t)C;
            double acc = 0.0;
            for (int c = 0; c < C; c++) {
                double i = g[o + (size_t)c] * (a[o + (size_t)c] - b[o + (size_t)c]);
                if (t) {
                    acc -= i;
                } else {
                    out[c] += i;
                }
            }
            if (t) {
                out[r] = acc;
            }
        }
    }
    return XB_OK;
}

int xb_solver_nodal_fast_iterations(const void *ws)
{
    const fast_ws *w = ws;
    if (w == NULL || w->magic != FAST_MAGIC) {
        return -1;
    }
    return w->last_iters;
}

/* ------------------------------------------------------------- writer */

struct xb_circuit_writer {
    void *ws; /* a fast_ws with the write mode */
};

int xb_circuit_writer_create(xb_circuit_writer **out, const xb_circuit_config *c)
{
    XB_ASSERT_ARG(out != NULL);
    *out = NULL;
    xb_circuit_writer *wr = calloc(1, sizeof *wr);
    if (wr == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    int rc = create_modes(&wr->ws, c, 3);
    if (rc != XB_OK) {
        free(wr);
        return rc;
    }
    *out = wr;
    return XB_OK;
}

int xb_circuit_writer_setup(xb_circuit_writer *wr, const double *g)
{
    XB_ASSERT_ARG(wr != NULL);
    return fast_setup(wr->ws, g);
}

int xb_circuit_writer_voltages(xb_circuit_writer *wr, const double *u_row, const double *u_col,
                               double *vcell_out)
{
    XB_ASSERT_ARG(wr != NULL);
    XB_ASSERT_ARG(u_row != NULL && u_col != NULL && vcell_out != NULL);
    fast_ws *w = wr->ws;
    if (!w->ready) {
        return xb__error_set(XB_EINVAL, "circuit writer: voltages called before setup");
    }
    int R = w->cfg.rows, C = w->cfg.cols;
    XB_TRY(xb_circuits__validate_write_bias(&w->cfg, u_row, u_col));
    /* floating lines change the line factors: refactor when the set changes */
    int changed = 0;
    for (int r = 0; r < R; r++) {
        unsigned char o = isnan(u_row[r]) ? 1 : 0;
        changed |= o != w->open[r];
        w->open[r] = o;
    }
    for (int k = 0; k < C; k++) {
        unsigned char o = isnan(u_col[k]) ? 1 : 0;
        changed |= o != w->open[R + k];
        w->open[R + k] = o;
    }
    if (changed) {
        factor_lines(w, XB_NODAL_WRITE);
    }
    int iters = 0;
    XB_TRY(solve_one(w, XB_NODAL_WRITE, u_row, u_col, &iters));
    w->last_iters = iters;
    size_t n = (size_t)R * (size_t)C;
    for (size_t k = 0; k < n; k++) {
        /* across the memristor: the cell current over its own conductance */
        vcell_out[k] = w->geff[k] * (w->a[k] - w->b[k]) / w->g[k];
    }
    return XB_OK;
}

int xb_circuit_writer_iterations(const xb_circuit_writer *wr)
{
    return wr == NULL ? -1 : xb_solver_nodal_fast_iterations(wr->ws);
}

void xb_circuit_writer_free(xb_circuit_writer *wr)
{
    if (wr == NULL) {
        return;
    }
    fast_free(wr->ws);
    free(wr);
}

static const xb_solver_type fast_type = {
    .name = "nodal_fast",
    .create = fast_create,
    .setup = fast_setup,
    .solve = fast_solve,
    .free = fast_free,
};

const xb_solver_type *const xb_solver_nodal_fast = &fast_type;
