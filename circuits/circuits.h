/* circuits: electrical reads and writes of a crossbar array.
 *
 * Physical convention: an array has `rows` input lines (word lines, driven by
 * voltages) and `cols` output lines (bit lines, sensed). Cell (r, c) joins row
 * r to column c; conductances are given row-major, g[r * cols + c], in siemens.
 * A forward read drives the rows and returns the column currents (A); a
 * transposed read drives the columns and returns the row currents.
 *
 * Every read backend implements one interface (SUNDIALS SUNLinearSolver
 * style): `setup` after the conductances change, `solve` per read. */
#ifndef XB_CIRCUITS_H
#define XB_CIRCUITS_H

#include "core/core.h"

typedef enum { XB_CELL_0T1R = 0, XB_CELL_1T1R = 1 } xb_cell_kind;

typedef struct {
    int rows, cols;
    double r_wire_row; /* ohm per row-wire segment between adjacent cells */
    double r_wire_col; /* ohm per column-wire segment */
    double r_source;   /* driver output resistance, ohm */
    double r_sense;    /* sense input resistance (0 = ideal virtual ground), ohm */
    xb_cell_kind cell;
    double r_access; /* on-resistance of the access transistor (1T1R), ohm */
} xb_circuit_config;

#define XB_CIRCUIT_CONFIG_INIT {0, 0, 0.0, 0.0, 0.0, 0.0, XB_CELL_0T1R, 0.0}

typedef struct xb_solver_type {
    const char *name; /* "ideal", "nodal", "nodal_fast", "spice" */
    int (*create)(void **ws_out, const xb_circuit_config *c);
    /* factorise / prepare for the conductances g[rows * cols] */
    int (*setup)(void *ws, const double *g);
    /* transpose = 0: v[nvec * rows] volts on rows -> i_out[nvec * cols] column currents;
     * transpose = 1: v[nvec * cols] volts on columns -> i_out[nvec * rows] row currents */
    int (*solve)(void *ws, int transpose, const double *v, size_t nvec, double *i_out);
    void (*free)(void *ws);
} xb_solver_type;

/* No wires, no driver or sense resistance: i = G^T v with one cblas_dgemm for
 * all nvec vectors. Column current is positive when it flows from the cell
 * into the sense node (the same sign every backend uses). */
extern const xb_solver_type *const xb_solver_ideal;

/* Finds a read backend by name; NULL if none. */
const xb_solver_type *xb_solver_find(const char *name);

/* ---- cost model (sizing) ---- */
/* This section belongs to the sizing engineer (circuits/cost.c). */

#endif /* XB_CIRCUITS_H */
