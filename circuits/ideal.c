/* circuits: the ideal read backend, no wires: i = G^T v with one BLAS call for
 * all input vectors at once. Every parasitic resistance of the config is
 * ignored, by definition of "ideal". */
#include "circuits/circuits_internal.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int rows, cols;
    double *g; /* rows * cols, row-major, copied at setup */
    int ready;
} ideal_ws;

static void ideal_free(void *ws)
{
    ideal_ws *w = ws;
    if (w == NULL) {
        return;
    }
    free(w->g);
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
    w->g = malloc((size_t)c->rows * (size_t)c->cols * sizeof *w->g);
    if (w->g == NULL) {
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
    int n = (int)nvec;
    if (!transpose) {
        /* I (nvec x cols) = V (nvec x rows) * G (rows x cols) */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, w->cols, w->rows, 1.0, v,
                    w->rows, w->g, w->cols, 0.0, i_out, w->cols);
    } else {
        /* I (nvec x rows) = V (nvec x cols) * G^T */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, w->rows, w->cols, 1.0, v,
                    w->cols, w->g, w->cols, 0.0, i_out, w->rows);
    }
    return XB_OK;
}

static const xb_solver_type ideal_type = {
    .name = "ideal",
    .create = ideal_create,
    .setup = ideal_setup,
    .solve = ideal_solve,
    .free = ideal_free,
};

const xb_solver_type *const xb_solver_ideal = &ideal_type;
