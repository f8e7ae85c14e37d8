/* circuits: the ideal read backend, no wires: i = G^T v with one BLAS call for
 * all input vectors at once. Every parasitic resistance of the config is
 * ignored, by definition of "ideal". A nonlinear cell I-V is exact here too:
 * every cell sees its line's input voltage, so i = G^T f(v). */
#include "circuits/circuits_internal.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#define IDEAL_CHUNK 64

typedef struct {
    int rows, cols;
    double *g; /* rows * cols, row-major, copied at setup */
    int ready;
    xb_circuit_config cfg;
    double *fv; /* nonlinear cells: f(v) of IDEAL_CHUNK vectors */
} ideal_ws;

static void ideal_free(void *ws)
{
    ideal_ws *w = ws;
    if (w == NULL) {
        return;
    }
    free(w->g);
    free(w->fv);
    free(w);
}

static int ideal_create(void **ws_out, const xb_circuit_config *c)
{
    XB_ASSERT_ARG(ws_out != NULL);
    *ws_out = NULL;
    XB_TRY(xb_circuits__validate_config(c));
    ideal_ws *w = calloc(1, sizeof *w);
    if (w == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    w->rows = c->rows;
    w->cols = c->cols;
    w->cfg = *c;
    w->g = malloc((size_t)c->rows * (size_t)c->cols * sizeof *w->g);
    if (c->iv != XB_IV_LINEAR) {
        size_t m = (size_t)(c->rows > c->cols ? c->rows : c->cols);
        w->fv = malloc(m * IDEAL_CHUNK * sizeof *w->fv);
    }
    if (w->g == NULL || (c->iv != XB_IV_LINEAR && w->fv == NULL)) {
        ideal_free(w);
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    *ws_out = w;
    return XB_OK;
}

static int ideal_setup(void *ws, const double *g)
{
    ideal_ws *w = ws;
    XB_ASSERT_ARG(w != NULL);
    XB_TRY(xb_circuits__validate_g(g, w->rows, w->cols));
    memcpy(w->g, g, (size_t)w->rows * (size_t)w->cols * sizeof *w->g);
    w->ready = 1;
    return XB_OK;
}

static void ideal_gemm(const ideal_ws *w, int transpose, const double *v, int n, double *i_out);

static int ideal_solve(void *ws, int transpose, const double *v, size_t nvec, double *i_out)
{
    ideal_ws *w = ws;
    XB_ASSERT_ARG(w != NULL);
    XB_ASSERT_ARG(v != NULL);
    XB_ASSERT_ARG(i_out != NULL);
    if (!w->ready) {
        return xb__error_set(XB_EINVAL, "ideal solver: solve called before setup");
    }
    if (nvec == 0) {
        return XB_OK;
    }
    if (nvec > (size_t)0x7fffffff) {
        return xb__error_set(XB_EINVAL, "nvec (%zu) exceeds the BLAS int range", nvec);
    }
    if (w->fv != NULL) {
        size_t nin = (size_t)(transpose ? w->cols : w->rows);
        size_t nout = (size_t)(transpose ? w->rows : w->cols);
        for (size_t b0 = 0; b0 < nvec; b0 += IDEAL_CHUNK) {
            size_t k = nvec - b0 < IDEAL_CHUNK ? nvec - b0 : IDEAL_CHUNK;
            for (size_t j = 0; j < k * nin; j++) {
                w->fv[j] = xb_nodal__iv(&w->cfg, v[b0 * nin + j], NULL);
            }
            ideal_gemm(w, transpose, w->fv, (int)k, i_out + b0 * nout);
        }
        return XB_OK;
    }
    ideal_gemm(w, transpose, v, (int)nvec, i_out);
    return XB_OK;
}

static void ideal_gemm(const ideal_ws *w, int transpose, const double *v, int n, double *i_out)
{
    if (!transpose) {
        /* I (nvec x cols) = V (nvec x rows) * G (rows x cols) */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, w->cols, w->rows, 1.0, v, w->rows,
                    w->g, w->cols, 0.0, i_out, w->cols);
    } else {
        /* I (nvec x rows) = V (nvec x cols) * G^T */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, w->rows, w->cols, 1.0, v, w->cols,
                    w->g, w->cols, 0.0, i_out, w->rows);
    }
}

static const xb_solver_type ideal_type = {
    .name = "ideal",
    .create = ideal_create,
    .setup = ideal_setup,
    .solve = ideal_solve,
    .free = ideal_free,
};

const xb_solver_type *const xb_solver_ideal = &ideal_type;
