/* circuits: argument validation in one place, so messages stay consistent. */
#include "circuits/circuits_internal.h"

#include <math.h>

static int bad_resistance(double r)
{
    return !isfinite(r) || r < 0.0;
}

int xb_circuits__validate_config(const xb_circuit_config *c)
{
    if (c == NULL) {
        return xb__error_set(XB_EINVAL, "invalid argument: circuit config is NULL");
    }
    if (c->rows <= 0 || c->cols <= 0) {
        return xb__error_set(XB_EINVAL, "array size %d x %d: rows and cols must be > 0", c->rows,
                             c->cols);
    }
    /* 2 * rows * cols unknowns must index an int CSC matrix with 5 entries per node */
    if ((double)c->rows * (double)c->cols > 1.0e8) {
        return xb__error_set(XB_EINVAL, "array size %d x %d is too large (max 1e8 cells)", c->rows,
                             c->cols);
    }
    if (bad_resistance(c->r_wire_row)) {
        return xb__error_set(XB_EINVAL, "r_wire_row (%g ohm) must be finite and >= 0",
                             c->r_wire_row);
    }
    if (bad_resistance(c->r_wire_col)) {
        return xb__error_set(XB_EINVAL, "r_wire_col (%g ohm) must be finite and >= 0",
                             c->r_wire_col);
    }
    if (bad_resistance(c->r_source)) {
        return xb__error_set(XB_EINVAL, "r_source (%g ohm) must be finite and >= 0", c->r_source);
    }
    if (bad_resistance(c->r_sense)) {
        return xb__error_set(XB_EINVAL, "r_sense (%g ohm) must be finite and >= 0", c->r_sense);
    }
    if (c->cell != XB_CELL_0T1R && c->cell != XB_CELL_1T1R) {
        return xb__error_set(XB_EINVAL, "cell kind %d is neither 0T1R (0) nor 1T1R (1)",
                             (int)c->cell);
    }
    if (bad_resistance(c->r_access)) {
        return xb__error_set(XB_EINVAL, "r_access (%g ohm) must be finite and >= 0", c->r_access);
    }
    if (!isfinite(c->fast_tol) || c->fast_tol < 0.0 || c->fast_tol >= 1.0) {
        return xb__error_set(XB_EINVAL, "fast_tol (%g) must be in [0, 1) (0 = default)",
                             c->fast_tol);
    }
    if (c->fast_max_iter < 0) {
        return xb__error_set(XB_EINVAL, "fast_max_iter (%d) must be >= 0 (0 = default)",
                             c->fast_max_iter);
    }
    if (c->iv != XB_IV_LINEAR && c->iv != XB_IV_SINH && c->iv != XB_IV_CUBIC) {
        return xb__error_set(XB_EINVAL, "cell I-V %d is not linear (0), sinh (1) or cubic (2)",
                             (int)c->iv);
    }
    if (!isfinite(c->iv_beta) || c->iv_beta < 0.0) {
        return xb__error_set(XB_EINVAL, "iv_beta (%g) must be finite and >= 0", c->iv_beta);
    }
    if (c->iv != XB_IV_LINEAR && c->cell != XB_CELL_0T1R) {
        return xb__error_set(XB_EINVAL, "a nonlinear cell I-V needs 0T1R cells (got 1T1R)");
    }
    return XB_OK;
}

int xb_circuits__validate_g(const double *g, int rows, int cols)
{
    if (g == NULL) {
        return xb__error_set(XB_EINVAL, "invalid argument: conductances are NULL");
    }
    size_t n = (size_t)rows * (size_t)cols;
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(g[k]) || g[k] <= 0.0) {
            return xb__error_set(XB_EINVAL,
                                 "conductance g[%zu] (row %zu, col %zu) = %g S must be "
                                 "finite and > 0",
                                 k, k / (size_t)cols, k % (size_t)cols, g[k]);
        }
    }
    return XB_OK;
}
