/* circuits: exact nodal solve of the crossbar network with SuiteSparse.
 *
 * The matrix is the conductance Laplacian of the wires and cells plus the
 * line terminations: symmetric, diagonally dominant, SPD whenever every line
 * reaches a termination, which the config guarantees. The pattern depends only
 * on the config, so it is built and analysed once per direction; setup only
 * refills the values and refactorises. CHOLMOD gets the full (both triangles)
 * CSC with stype = 1 and reads the upper half; KLU reads the same arrays. */
#include "circuits/circuits_internal.h"

#include <cholmod.h>
#include <klu.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NODAL_MAGIC 0x6e6f6461u
#define NODAL_CHUNK 64 /* right-hand sides per sparse solve */

typedef struct {
    xb_nodal_lines m;
    int n;         /* free nodes */
    long nstamps;  /* cells, then row segments, then column segments */
    long *sp, *sq; /* stamp end nodes (-1: fixed) */
    int *Ap, *Ai;  /* full CSC pattern */
    double *Ax;
    int *diag_pos;    /* position of (j, j) */
    int *off_pos;     /* [2s]: (q, p) in column p; [2s+1]: (p, q) in column q; -1 if unused */
    cholmod_sparse A; /* header over Ap/Ai/Ax */
    cholmod_factor *L;
    klu_symbolic *sym;
    klu_numeric *num;
    int use_klu;
    unsigned version; /* ws->version this factor belongs to (0: none) */
    cholmod_dense *B, *X, *Y, *E;
    cholmod_dense *B1, *X1, *Y1, *E1; /* one right-hand side (Newton steps) */
    double *kb;                       /* KLU right-hand sides, n x NODAL_CHUNK column-major */
    double *nx, *nf, *ntry, *ndx;     /* Newton: iterate, residual, trial, step (n each) */
} nodal_sys;

typedef struct {
    unsigned magic;
    xb_circuit_config cfg;
    int force_klu;
    double *geff;
    unsigned version;    /* bumped by every setup; 0: never set up */
    double *g;           /* raw conductances (nonlinear cells) */
    unsigned char *open; /* write mode: floating rows, then columns (NULL: none) */
    nodal_sys *sys[XB_NODAL_NMODES];
    cholmod_common cc;
    klu_common kc;
    double *u; /* (rows + cols) end potentials of one vector */
} nodal_ws;

static void sys_free(nodal_ws *w, nodal_sys *s)
{
    if (s == NULL) {
        return;
    }
    free(s->sp);
    free(s->sq);
    free(s->Ap);
    free(s->Ai);
    free(s->Ax);
    free(s->diag_pos);
    free(s->off_pos);
    if (s->L != NULL) {
        cholmod_free_factor(&s->L, &w->cc);
    }
    if (s->num != NULL) {
        klu_free_numeric(&s->num, &w->kc);
    }
    if (s->sym != NULL) {
        klu_free_symbolic(&s->sym, &w->kc);
    }
    cholmod_free_dense(&s->B, &w->cc);
    cholmod_free_dense(&s->X, &w->cc);
    cholmod_free_dense(&s->Y, &w->cc);
    cholmod_free_dense(&s->E, &w->cc);
    cholmod_free_dense(&s->B1, &w->cc);
    cholmod_free_dense(&s->X1, &w->cc);
    cholmod_free_dense(&s->Y1, &w->cc);
    cholmod_free_dense(&s->E1, &w->cc);
    free(s->nx);
    free(s->nf);
    free(s->ntry);
    free(s->ndx);
    free(s->kb);
    free(s);
}

static void nodal_free(void *ws)
{
    nodal_ws *w = ws;
    if (w == NULL) {
        return;
    }
    for (int k = 0; k < XB_NODAL_NMODES; k++) {
        sys_free(w, w->sys[k]);
    }
    cholmod_finish(&w->cc);
    free(w->geff);
    free(w->g);
    free(w->open);
    free(w->u);
    free(w);
}

/* Stamp list: every two-terminal conductance between nodes (or a fixed line). */
static long count_stamps(const xb_nodal_lines *m)
{
    long n = (long)m->rows * m->cols;
    if (m->nr == m->cols && m->g_seg_row > 0.0) {
        n += (long)m->rows * (m->cols - 1);
    }
    if (m->nc == m->rows && m->g_seg_col > 0.0) {
        n += (long)(m->rows - 1) * m->cols;
    }
    return n;
}

static void list_stamps(const xb_nodal_lines *m, long *sp, long *sq)
{
    long s = 0;
    for (int r = 0; r < m->rows; r++) {
        for (int c = 0; c < m->cols; c++, s++) {
            sp[s] = xb_nodal__row_node(m, r, c);
            sq[s] = xb_nodal__col_node(m, r, c);
        }
    }
    if (m->nr == m->cols && m->g_seg_row > 0.0) {
        for (int r = 0; r < m->rows; r++) {
            for (int c = 0; c + 1 < m->cols; c++, s++) {
                sp[s] = xb_nodal__row_node(m, r, c);
                sq[s] = xb_nodal__row_node(m, r, c + 1);
            }
        }
    }
    if (m->nc == m->rows && m->g_seg_col > 0.0) {
        for (int r = 0; r + 1 < m->rows; r++) {
            for (int c = 0; c < m->cols; c++, s++) {
                sp[s] = xb_nodal__col_node(m, r, c);
                sq[s] = xb_nodal__col_node(m, r + 1, c);
            }
        }
    }
}

static int sys_create(nodal_ws *w, xb_nodal_mode mode, nodal_sys **out)
{
    int rc = XB_ENOMEM;
    int *tag = NULL, *fill = NULL;
    nodal_sys *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    xb_nodal__lines_init(&s->m, &w->cfg, mode);
    if (mode == XB_NODAL_WRITE && w->open != NULL) {
        s->m.open_row = w->open;
        s->m.open_col = w->open + w->cfg.rows;
    }
    long n = xb_nodal__nodes(&s->m);
    s->n = (int)n;
    s->nstamps = count_stamps(&s->m);
    s->sp = malloc((size_t)s->nstamps * sizeof *s->sp);
    s->sq = malloc((size_t)s->nstamps * sizeof *s->sq);
    s->off_pos = malloc((size_t)s->nstamps * 2 * sizeof *s->off_pos);
    s->Ap = calloc((size_t)n + 1, sizeof *s->Ap);
    s->diag_pos = malloc(((size_t)n + 1) * sizeof *s->diag_pos);
    if (!s->sp || !s->sq || !s->off_pos || !s->Ap || !s->diag_pos) {
        goto out;
    }
    list_stamps(&s->m, s->sp, s->sq);

    /* column counts: the diagonal plus one entry per stamp joining two free nodes */
    for (long j = 0; j < n; j++) {
        s->Ap[j + 1] = 1;
    }
    for (long k = 0; k < s->nstamps; k++) {
        s->off_pos[2 * k] = s->off_pos[2 * k + 1] = -1;
        if (s->sp[k] >= 0 && s->sq[k] >= 0) {
            s->Ap[s->sp[k] + 1]++;
            s->Ap[s->sq[k] + 1]++;
        }
    }
    for (long j = 0; j < n; j++) {
        s->Ap[j + 1] += s->Ap[j];
    }
    long nnz = s->Ap[n];
    s->Ai = malloc((size_t)nnz * sizeof *s->Ai);
    s->Ax = calloc((size_t)nnz, sizeof *s->Ax);
    tag = malloc((size_t)nnz * sizeof *tag);
    fill = malloc((size_t)(n > 0 ? n : 1) * sizeof *fill);
    if (!s->Ai || !s->Ax || !tag || !fill) {
        goto out;
    }
    for (long j = 0; j < n; j++) {
        fill[j] = s->Ap[j] + 1;
        s->Ai[s->Ap[j]] = (int)j;
        tag[s->Ap[j]] = -1;
    }
    for (long k = 0; k < s->nstamps; k++) {
        long p = s->sp[k], q = s->sq[k];
        if (p >= 0 && q >= 0) {
            s->Ai[fill[p]] = (int)q;
            tag[fill[p]++] = (int)(2 * k);
            s->Ai[fill[q]] = (int)p;
            tag[fill[q]++] = (int)(2 * k + 1);
        }
    }
    /* sorted columns (insertion sort: at most 5 entries per column) */
    for (long j = 0; j < n; j++) {
        for (int a = s->Ap[j] + 1; a < s->Ap[j + 1]; a++) {
            int ri = s->Ai[a], tg = tag[a], b = a - 1;
            while (b >= s->Ap[j] && s->Ai[b] > ri) {
                s->Ai[b + 1] = s->Ai[b];
                tag[b + 1] = tag[b];
                b--;
            }
            s->Ai[b + 1] = ri;
            tag[b + 1] = tg;
        }
        for (int a = s->Ap[j]; a < s->Ap[j + 1]; a++) {
            if (tag[a] < 0) {
                s->diag_pos[j] = a;
            } else {
                s->off_pos[tag[a]] = a;
            }
        }
    }

    s->A.nrow = s->A.ncol = (size_t)n;
    s->A.nzmax = (size_t)nnz;
    s->A.p = s->Ap;
    s->A.i = s->Ai;
    s->A.x = s->Ax;
    s->A.stype = 1;
    s->A.itype = CHOLMOD_INT;
    s->A.xtype = CHOLMOD_REAL;
    s->A.dtype = CHOLMOD_DOUBLE;
    s->A.sorted = 1;
    s->A.packed = 1;
    s->use_klu = w->force_klu;
    if (n > 0) {
        if (s->use_klu) {
            s->sym = klu_analyze(s->n, s->Ap, s->Ai, &w->kc);
            if (s->sym == NULL) {
                rc = xb__error_set(XB_EEXTERNAL, "klu_analyze of %d nodes failed (status %d)", s->n,
                                   w->kc.status);
                goto out;
            }
        } else {
            s->L = cholmod_analyze(&s->A, &w->cc);
            if (s->L == NULL) {
                rc = xb__error_set(XB_EEXTERNAL, "cholmod_analyze of %d nodes failed (status %d)",
                                   s->n, w->cc.status);
                goto out;
            }
        }
        s->kb = malloc((size_t)n * NODAL_CHUNK * sizeof *s->kb);
        if (s->kb == NULL) {
            goto out;
        }
        if (w->cfg.iv != XB_IV_LINEAR) {
            s->nx = malloc((size_t)n * sizeof *s->nx);
            s->nf = malloc((size_t)n * sizeof *s->nf);
            s->ntry = malloc((size_t)n * sizeof *s->ntry);
            s->ndx = malloc((size_t)n * sizeof *s->ndx);
            s->B1 = cholmod_allocate_dense((size_t)n, 1, (size_t)n, CHOLMOD_REAL, &w->cc);
            if (!s->nx || !s->nf || !s->ntry || !s->ndx || !s->B1) {
                goto out;
            }
        }
    }
    free(tag);
    free(fill);
    *out = s;
    return XB_OK;
out:
    if (rc == XB_ENOMEM) {
        xb__error_set(XB_ENOMEM, "out of memory");
    }
    free(tag);
    free(fill);
    sys_free(w, s);
    return rc;
}

/* Refills the values for the current conductances and factorises. */
static int sys_factor(nodal_ws *w, nodal_sys *s)
{
    const xb_nodal_lines *m = &s->m;
    long ncell = (long)m->rows * m->cols;
    long nrowseg = (m->nr == m->cols && m->g_seg_row > 0.0) ? (long)m->rows * (m->cols - 1) : 0;
    memset(s->Ax, 0, (size_t)s->Ap[s->n] * sizeof *s->Ax);
    for (long k = 0; k < s->nstamps; k++) {
        double g = k < ncell ? w->geff[k] : (k < ncell + nrowseg ? m->g_seg_row : m->g_seg_col);
        long p = s->sp[k], q = s->sq[k];
        if (p >= 0) {
            s->Ax[s->diag_pos[p]] += g;
        }
        if (q >= 0) {
            s->Ax[s->diag_pos[q]] += g;
        }
        if (p >= 0 && q >= 0) {
            s->Ax[s->off_pos[2 * k]] -= g;
            s->Ax[s->off_pos[2 * k + 1]] -= g;
        }
    }
    for (int r = 0; r < m->rows && m->nr > 0; r++) {
        s->Ax[s->diag_pos[xb_nodal__row_node(m, r, 0)]] += xb_nodal__gtr(m, r);
    }
    for (int c = 0; c < m->cols && m->nc > 0; c++) {
        s->Ax[s->diag_pos[xb_nodal__col_node(m, m->rows - 1, c)]] += xb_nodal__gtc(m, c);
    }
    if (s->n == 0) {
        s->version = w->version;
        return XB_OK;
    }
    if (!s->use_klu) {
        cholmod_factorize(&s->A, s->L, &w->cc);
        if (w->cc.status == CHOLMOD_NOT_POSDEF) {
            /* not SPD: the LU path below handles any nonsingular matrix */
            s->use_klu = 1;
            s->sym = klu_analyze(s->n, s->Ap, s->Ai, &w->kc);
            if (s->sym == NULL) {
                return xb__error_set(XB_EEXTERNAL, "klu_analyze of %d nodes failed (status %d)",
                                     s->n, w->kc.status);
            }
        } else if (w->cc.status != CHOLMOD_OK) {
            return xb__error_set(XB_EEXTERNAL, "cholmod_factorize of %d nodes failed (status %d)",
                                 s->n, w->cc.status);
        }
    }
    if (s->use_klu) {
        if (s->num != NULL && !klu_refactor(s->Ap, s->Ai, s->Ax, s->sym, s->num, &w->kc)) {
            klu_free_numeric(&s->num, &w->kc);
        }
        if (s->num == NULL) {
            s->num = klu_factor(s->Ap, s->Ai, s->Ax, s->sym, &w->kc);
        }
        if (s->num == NULL || w->kc.status != KLU_OK) {
            return xb__error_set(XB_EEXTERNAL, "klu_factor of %d nodes failed (status %d%s)", s->n,
                                 w->kc.status,
                                 w->kc.status == KLU_SINGULAR ? ": singular matrix" : "");
        }
    }
    s->version = w->version;
    return XB_OK;
}

static int get_sys(nodal_ws *w, xb_nodal_mode mode, nodal_sys **out)
{
    if (w->sys[mode] == NULL) {
        XB_TRY(sys_create(w, mode, &w->sys[mode]));
    }
    if (w->sys[mode]->version != w->version) {
        XB_TRY(sys_factor(w, w->sys[mode]));
    }
    *out = w->sys[mode];
    return XB_OK;
}

/* rhs[n] of the end potentials u = [u_row; u_col]. */
static void build_rhs(const nodal_sys *s, const double *geff, const double *u, double *rhs)
{
    const xb_nodal_lines *m = &s->m;
    const double *ur = u, *uc = u + m->rows;
    memset(rhs, 0, (size_t)s->n * sizeof *rhs);
    if (m->nr > 0) {
        for (int r = 0; r < m->rows; r++) {
            rhs[xb_nodal__row_node(m, r, 0)] += xb_nodal__drr(m, r, ur[r]);
        }
    }
    if (m->nc > 0) {
        for (int c = 0; c < m->cols; c++) {
            rhs[xb_nodal__col_node(m, m->rows - 1, c)] += xb_nodal__drc(m, c, uc[c]);
        }
    }
    if (m->nr == 0 || m->nc == 0) {
        for (int r = 0; r < m->rows; r++) {
            for (int c = 0; c < m->cols; c++) {
                double g = geff[(size_t)r * (size_t)m->cols + (size_t)c];
                long p = xb_nodal__row_node(m, r, c), q = xb_nodal__col_node(m, r, c);
                if (p < 0 && q >= 0) {
                    rhs[q] += g * ur[r];
                } else if (q < 0 && p >= 0) {
                    rhs[p] += g * uc[c];
                }
            }
        }
    }
}

/* Outputs of one solution x: forward column currents, transposed row currents,
 * or the voltage across every memristor (write). */
static void outputs(const nodal_ws *w, const nodal_sys *s, const double *geff, const double *g,
                    xb_nodal_mode mode, const double *u, const double *x, double *out)
{
    int nonlin = w->cfg.iv != XB_IV_LINEAR;
    const xb_nodal_lines *m = &s->m;
    const double *ur = u, *uc = u + m->rows;
    if (mode == XB_NODAL_FORWARD) {
        memset(out, 0, (size_t)m->cols * sizeof *out);
    }
    for (int r = 0; r < m->rows; r++) {
        double acc = 0.0;
        for (int c = 0; c < m->cols; c++) {
            size_t k = (size_t)r * (size_t)m->cols + (size_t)c;
            long p = xb_nodal__row_node(m, r, c), q = xb_nodal__col_node(m, r, c);
            double va = p >= 0 ? x[p] : ur[r];
            double vb = q >= 0 ? x[q] : uc[c];
            double i =
                nonlin ? w->g[k] * xb_nodal__iv(&w->cfg, va - vb, NULL) : geff[k] * (va - vb);
            if (mode == XB_NODAL_FORWARD) {
                out[c] += i;
            } else if (mode == XB_NODAL_TRANSPOSE) {
                acc -= i;
            } else {
                /* across the memristor, not the access device */
                out[k] = nonlin ? va - vb : i / g[k];
            }
        }
        if (mode == XB_NODAL_TRANSPOSE) {
            out[r] = acc;
        }
    }
}

/* Solves J dx = rhs (in place, one vector) with the current factor. */
static int solve_one_rhs(nodal_ws *w, nodal_sys *s, double *rhs)
{
    if (s->use_klu) {
        if (!klu_solve(s->sym, s->num, s->n, 1, rhs, &w->kc)) {
            return xb__error_set(XB_EEXTERNAL, "klu_solve failed (status %d)", w->kc.status);
        }
        return XB_OK;
    }
    memcpy(s->B1->x, rhs, (size_t)s->n * sizeof *rhs);
    if (!cholmod_solve2(CHOLMOD_A, s->L, s->B1, NULL, &s->X1, NULL, &s->Y1, &s->E1, &w->cc)) {
        return xb__error_set(XB_EEXTERNAL, "cholmod_solve2 failed (status %d)", w->cc.status);
    }
    memcpy(rhs, s->X1->x, (size_t)s->n * sizeof *rhs);
    return XB_OK;
}

/* Currents leaving every free node at x (KCL residual F), its largest
 * magnitude, and (if gd != NULL) every cell's differential conductance. */
static double residual(const nodal_ws *w, const nodal_sys *s, const double *u, const double *x,
                       double *f, double *gd)
{
    const xb_nodal_lines *m = &s->m;
    const double *ur = u, *uc = u + m->rows;
    long ncell = (long)m->rows * m->cols;
    long nrowseg = (m->nr == m->cols && m->g_seg_row > 0.0) ? (long)m->rows * (m->cols - 1) : 0;
    memset(f, 0, (size_t)s->n * sizeof *f);
    for (int r = 0; r < m->rows && m->nr > 0; r++) {
        long p = xb_nodal__row_node(m, r, 0);
        f[p] += xb_nodal__gtr(m, r) * x[p] - xb_nodal__drr(m, r, ur[r]);
    }
    for (int c = 0; c < m->cols && m->nc > 0; c++) {
        long q = xb_nodal__col_node(m, m->rows - 1, c);
        f[q] += xb_nodal__gtc(m, c) * x[q] - xb_nodal__drc(m, c, uc[c]);
    }
    for (long k = 0; k < s->nstamps; k++) {
        long p = s->sp[k], q = s->sq[k];
        double i;
        if (k < ncell) {
            int r = (int)(k / m->cols), c = (int)(k % m->cols);
            double va = p >= 0 ? x[p] : ur[r], vb = q >= 0 ? x[q] : uc[c], df;
            i = w->g[k] * xb_nodal__iv(&w->cfg, va - vb, &df);
            if (gd != NULL) {
                gd[k] = w->g[k] * df;
            }
        } else {
            i = (k < ncell + nrowseg ? m->g_seg_row : m->g_seg_col) * (x[p] - x[q]);
        }
        if (p >= 0) {
            f[p] += i;
        }
        if (q >= 0) {
            f[q] -= i;
        }
    }
    double mx = 0.0;
    for (int j = 0; j < s->n; j++) {
        mx = fmax(mx, fabs(f[j]));
    }
    return mx;
}

/* Newton with backtracking on nonlinear cells for one set of end potentials;
 * the solution is left in s->nx. The Jacobian is the nodal matrix with every
 * cell at its differential conductance (> 0: still SPD). */
static int newton(nodal_ws *w, nodal_sys *s, const double *u)
{
    size_t nu = (size_t)s->m.rows + (size_t)s->m.cols;
    double scale = 0.0;
    for (size_t k = 0; k < nu; k++) {
        scale = fmax(scale, fabs(u[k]));
    }
    memset(s->nx, 0, (size_t)s->n * sizeof *s->nx);
    if (scale == 0.0) {
        return XB_OK; /* f(0) = 0: everything at 0 V */
    }
    int rc = XB_OK, it;
    double fnorm = residual(w, s, u, s->nx, s->nf, w->geff);
    /* residuals at the rounding level of the first one count as no increase */
    double floor = 1e-12 * fnorm;
    for (it = 0; it < 100; it++) {
        rc = sys_factor(w, s); /* J at the current iterate (geff = differential g) */
        if (rc != XB_OK) {
            break;
        }
        for (int j = 0; j < s->n; j++) {
            s->ndx[j] = -s->nf[j];
        }
        rc = solve_one_rhs(w, s, s->ndx);
        if (rc != XB_OK) {
            break;
        }
        double step = 0.0;
        for (int j = 0; j < s->n; j++) {
            step = fmax(step, fabs(s->ndx[j]));
        }
        /* backtrack while the residual grows (sinh can overshoot from far away) */
        double lambda = 1.0, fnew = fnorm;
        for (int h = 0; h < 40; h++, lambda *= 0.5) {
            for (int j = 0; j < s->n; j++) {
                s->ntry[j] = s->nx[j] + lambda * s->ndx[j];
            }
            fnew = residual(w, s, u, s->ntry, s->nf, w->geff);
            if (fnew <= fnorm + floor) {
                break;
            }
        }
        /* nf and geff now belong to ntry, the accepted point */
        memcpy(s->nx, s->ntry, (size_t)s->n * sizeof *s->nx);
        fnorm = fnew;
        if (lambda * step <= XB_NODAL_NEWTON_TOL * scale) {
            break;
        }
    }
    /* the linear factor is gone: restore g and refactor on the next use */
    memcpy(w->geff, w->g, (size_t)w->cfg.rows * (size_t)w->cfg.cols * sizeof *w->geff);
    s->version = 0;
    if (rc == XB_OK && it == 100) {
        rc = xb__error_set(XB_ENOCONV,
                           "Newton on nonlinear cells: no convergence in 100 "
                           "iterations (residual %.3g A)",
                           fnorm);
    }
    return rc;
}

static int sys_solve(nodal_ws *w, nodal_sys *s, xb_nodal_mode mode, const double *g,
                     const double *u_all, size_t nvec, double *out, size_t out_stride)
{
    size_t nu = (size_t)s->m.rows + (size_t)s->m.cols;
    if (w->cfg.iv != XB_IV_LINEAR) {
        for (size_t j = 0; j < nvec; j++) {
            if (s->n > 0) {
                XB_TRY(newton(w, s, u_all + j * nu));
            }
            outputs(w, s, w->geff, g, mode, u_all + j * nu, s->nx, out + j * out_stride);
        }
        return XB_OK;
    }
    for (size_t b0 = 0; b0 < nvec; b0 += NODAL_CHUNK) {
        size_t k = nvec - b0 < NODAL_CHUNK ? nvec - b0 : NODAL_CHUNK;
        double *xs = s->kb;
        if (s->n > 0) {
            double *bx = s->kb;
            if (!s->use_klu) {
                if (s->B == NULL || s->B->ncol != k) {
                    /* reallocates only when the batch size changes */
                    cholmod_free_dense(&s->B, &w->cc);
                    s->B =
                        cholmod_allocate_dense((size_t)s->n, k, (size_t)s->n, CHOLMOD_REAL, &w->cc);
                    if (s->B == NULL) {
                        return xb__error_set(XB_ENOMEM, "out of memory");
                    }
                }
                bx = s->B->x;
            }
            for (size_t j = 0; j < k; j++) {
                build_rhs(s, w->geff, u_all + (b0 + j) * nu, bx + j * (size_t)s->n);
            }
            if (s->use_klu) {
                if (!klu_solve(s->sym, s->num, s->n, (int)k, bx, &w->kc)) {
                    return xb__error_set(XB_EEXTERNAL, "klu_solve failed (status %d)",
                                         w->kc.status);
                }
            } else {
                if (!cholmod_solve2(CHOLMOD_A, s->L, s->B, NULL, &s->X, NULL, &s->Y, &s->E,
                                    &w->cc)) {
                    return xb__error_set(XB_EEXTERNAL, "cholmod_solve2 failed (status %d)",
                                         w->cc.status);
                }
                xs = s->X->x;
            }
        }
        for (size_t j = 0; j < k; j++) {
            outputs(w, s, w->geff, g, mode, u_all + (b0 + j) * nu, xs + j * (size_t)s->n,
                    out + (b0 + j) * out_stride);
        }
    }
    return XB_OK;
}

static int create_common(void **ws_out, const xb_circuit_config *c, int force_klu)
{
    XB_ASSERT_ARG(ws_out != NULL);
    *ws_out = NULL;
    XB_TRY(xb_circuits__validate_config(c));
    nodal_ws *w = calloc(1, sizeof *w);
    if (w == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    w->magic = NODAL_MAGIC;
    w->cfg = *c;
    w->force_klu = force_klu;
    cholmod_start(&w->cc);
    w->cc.print = 0; /* library code never prints; failures come back as status */
    klu_defaults(&w->kc);
    size_t ncell = (size_t)c->rows * (size_t)c->cols;
    w->geff = malloc(ncell * sizeof *w->geff);
    w->g = malloc(ncell * sizeof *w->g);
    w->u = malloc(((size_t)c->rows + (size_t)c->cols) * NODAL_CHUNK * sizeof *w->u);
    if (w->geff == NULL || w->g == NULL || w->u == NULL) {
        nodal_free(w);
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    *ws_out = w;
    return XB_OK;
}

static int nodal_create(void **ws_out, const xb_circuit_config *c)
{
    return create_common(ws_out, c, 0);
}

static int nodal_klu_create(void **ws_out, const xb_circuit_config *c)
{
    return create_common(ws_out, c, 1);
}

static int nodal_setup(void *ws, const double *g)
{
    nodal_ws *w = ws;
    XB_ASSERT_ARG(w != NULL && w->magic == NODAL_MAGIC);
    XB_TRY(xb_circuits__validate_g(g, w->cfg.rows, w->cfg.cols));
    xb_nodal_lines m;
    xb_nodal__lines_init(&m, &w->cfg, XB_NODAL_FORWARD);
    xb_nodal__g_eff(&m, g, w->geff);
    memcpy(w->g, g, (size_t)w->cfg.rows * (size_t)w->cfg.cols * sizeof *w->g);
    w->version++;
    if (w->version == 0) {
        w->version = 1;
    }
    /* the forward read is the common one: factorise it now, so a failure
     * surfaces at setup; the other directions factorise on first use */
    nodal_sys *s;
    return get_sys(w, XB_NODAL_FORWARD, &s);
}

static int nodal_solve(void *ws, int transpose, const double *v, size_t nvec, double *i_out)
{
    nodal_ws *w = ws;
    XB_ASSERT_ARG(w != NULL && w->magic == NODAL_MAGIC);
    XB_ASSERT_ARG(v != NULL);
    XB_ASSERT_ARG(i_out != NULL);
    if (w->version == 0) {
        return xb__error_set(XB_EINVAL, "nodal solver: solve called before setup");
    }
    xb_nodal_mode mode = transpose ? XB_NODAL_TRANSPOSE : XB_NODAL_FORWARD;
    nodal_sys *s;
    XB_TRY(get_sys(w, mode, &s));
    size_t rows = (size_t)w->cfg.rows, cols = (size_t)w->cfg.cols, nu = rows + cols;
    size_t nin = transpose ? cols : rows, nout = transpose ? rows : cols;
    for (size_t b0 = 0; b0 < nvec; b0 += NODAL_CHUNK) {
        size_t k = nvec - b0 < NODAL_CHUNK ? nvec - b0 : NODAL_CHUNK;
        memset(w->u, 0, k * nu * sizeof *w->u);
        for (size_t j = 0; j < k; j++) {
            memcpy(w->u + j * nu + (transpose ? rows : 0), v + (b0 + j) * nin, nin * sizeof *v);
        }
        /* g is only needed for write outputs */
        XB_TRY(sys_solve(w, s, mode, NULL, w->u, k, i_out + b0 * nout, nout));
    }
    return XB_OK;
}

int xb_nodal__write_voltages(const xb_circuit_config *c, const double *g, const double *u_row,
                             const double *u_col, double *vcell_out)
{
    void *ws = NULL;
    XB_TRY(create_common(&ws, c, 0));
    nodal_ws *w = ws;
    int rc = xb_circuits__validate_g(g, c->rows, c->cols);
    if (rc == XB_OK) {
        xb_nodal_lines m;
        xb_nodal__lines_init(&m, c, XB_NODAL_WRITE);
        xb_nodal__g_eff(&m, g, w->geff);
        memcpy(w->g, g, (size_t)c->rows * (size_t)c->cols * sizeof *w->g);
        w->version = 1;
        w->open = calloc((size_t)c->rows + (size_t)c->cols, 1);
        if (w->open == NULL) {
            nodal_free(ws);
            return xb__error_set(XB_ENOMEM, "out of memory");
        }
        for (int r = 0; r < c->rows; r++) {
            w->open[r] = isnan(u_row[r]) ? 1 : 0;
        }
        for (int k = 0; k < c->cols; k++) {
            w->open[c->rows + k] = isnan(u_col[k]) ? 1 : 0;
        }
        memcpy(w->u, u_row, (size_t)c->rows * sizeof *w->u);
        memcpy(w->u + c->rows, u_col, (size_t)c->cols * sizeof *w->u);
        nodal_sys *s;
        rc = get_sys(w, XB_NODAL_WRITE, &s);
        if (rc == XB_OK) {
            rc = sys_solve(w, s, XB_NODAL_WRITE, g, w->u, 1, vcell_out, 0);
        }
    }
    nodal_free(ws);
    return rc;
}

static const xb_solver_type nodal_type = {
    .name = "nodal",
    .create = nodal_create,
    .setup = nodal_setup,
    .solve = nodal_solve,
    .free = nodal_free,
};

static const xb_solver_type nodal_klu_type = {
    .name = "nodal_klu",
    .create = nodal_klu_create,
    .setup = nodal_setup,
    .solve = nodal_solve,
    .free = nodal_free,
};

const xb_solver_type *const xb_solver_nodal = &nodal_type;
const xb_solver_type *const xb_solver_nodal_klu = &nodal_klu_type;
