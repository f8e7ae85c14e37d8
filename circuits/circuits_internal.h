/* circuits: helpers shared between the solver files of this module only. */
#ifndef XB_CIRCUITS_INTERNAL_H
#define XB_CIRCUITS_INTERNAL_H

#include "circuits/circuits.h"

/* Checks a circuit configuration once, at the API boundary (validate.c). */
int xb_circuits__validate_config(const xb_circuit_config *c);
/* Checks that every conductance is finite and > 0 (sneak paths need no zero
 * conductances; a cell that is "off" still has its HRS conductance). */
int xb_circuits__validate_g(const double *g, int rows, int cols);

/* ------------------------------------------------------- nodal model */

/* Which lines are driven and through what, for one electrical situation. */
typedef enum {
    XB_NODAL_FORWARD = 0,   /* rows driven (r_source), columns sensed (r_sense) */
    XB_NODAL_TRANSPOSE = 1, /* columns driven (r_source), rows sensed (r_sense) */
    XB_NODAL_WRITE = 2,     /* every line driven through r_source (write biasing) */
    XB_NODAL_NMODES = 3
} xb_nodal_mode;

/* The line structure of the nodal network. Every line is terminated at its
 * peripheral end (rows at column 0, columns at row rows-1) by a conductance to
 * an end potential u: u_row[r] for rows, u_col[c] for columns. A line has
 * `len` free nodes (one per cell), 1 (zero wire resistance: the line is one
 * node) or 0 (zero wire and zero termination: the line is held at u). */
typedef struct {
    int rows, cols;
    int nr, nc;                    /* free nodes per row line / per column line */
    double g_seg_row, g_seg_col;   /* 1 / r_wire (0 if no wire resistance) */
    double g_term_row, g_term_col; /* termination conductance (0 if line fixed) */
    double r_access;               /* 1T1R series resistance, 0 for 0T1R */
    /* writes only: lines left floating (no termination); NULL = none */
    const unsigned char *open_row, *open_col;
} xb_nodal_lines;

/* Termination conductance of row r / column c, 0 if the line floats. */
static inline double xb_nodal__gtr(const xb_nodal_lines *m, int r)
{
    return (m->open_row != NULL && m->open_row[r]) ? 0.0 : m->g_term_row;
}
static inline double xb_nodal__gtc(const xb_nodal_lines *m, int c)
{
    return (m->open_col != NULL && m->open_col[c]) ? 0.0 : m->g_term_col;
}
/* Current a line's termination injects at end potential u (0 if floating:
 * u is NAN there, and 0 * NAN would poison the sum). */
static inline double xb_nodal__drr(const xb_nodal_lines *m, int r, double u)
{
    return (m->open_row != NULL && m->open_row[r]) ? 0.0 : m->g_term_row * u;
}
static inline double xb_nodal__drc(const xb_nodal_lines *m, int c, double u)
{
    return (m->open_col != NULL && m->open_col[c]) ? 0.0 : m->g_term_col * u;
}

void xb_nodal__lines_init(xb_nodal_lines *m, const xb_circuit_config *c, xb_nodal_mode mode);
/* Node index of the row-line (column-line) node at cell (r, c), or -1 if fixed. */
long xb_nodal__row_node(const xb_nodal_lines *m, int r, int c);
long xb_nodal__col_node(const xb_nodal_lines *m, int r, int c);
long xb_nodal__nodes(const xb_nodal_lines *m);
/* Effective cell conductances (1T1R: in series with r_access). */
void xb_nodal__g_eff(const xb_nodal_lines *m, const double *g, double *geff_out);

/* Write end potentials: finite, or NAN for a floating line where that line
 * kind has a resistance to its driver; at least one line driven (write.c). */
int xb_circuits__validate_write_bias(const xb_circuit_config *c, const double *u_row,
                                     const double *u_col);

/* Cell I-V for unit conductance: returns f(v), *df_out = f'(v) (may be NULL). */
double xb_nodal__iv(const xb_circuit_config *c, double v, double *df_out);

/* Voltage across every cell (row node minus column node) of the write
 * situation, solved exactly (nodal_exact.c). */
int xb_nodal__write_voltages(const xb_circuit_config *c, const double *g, const double *u_row,
                             const double *u_col, double *vcell_out);

/* ------------------------------------------------------- netlists */

/* Growable string (netlist text). */
typedef struct {
    char *buf;
    size_t len, cap;
    int failed;
} xb_sb;
int xb_sb__printf(xb_sb *sb, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Element lines of the network for one mode: end sources VUR<r>/VUC<c> at
 * the line ends (u_row, u_col volts), terminations, wires and cells. */
int xb_spice__network(xb_sb *sb, const xb_circuit_config *c, xb_nodal_mode mode, const double *g,
                      const double *u_row, const double *u_col);

/* How many times libngspice was loaded (tests: a reload happened). */
unsigned xb_spice__loads(void);

/* `tran` subcircuit `xbmemr te be xs` (state node xs on 1 F, start value
 * parameter x0) of a devices/ model that netlist.c writes: linear_drift with
 * the Biolek or Prodromakis window, team (current thresholds), yakopcic and
 * stanford_pku (deterministic part). write(sb, p) prints it from the validated
 * parameters p; write is NULL for a model netlist.c does not write. */
/* Shared by every state-equation subcircuit (write.c, netlist.c): the state
 * the windows, gates and I-V see, clamped to [0, 1] as devices/ clamps it,
 * and devices/' state gate for motion without a window (devices_internal.h
 * XB_DEVICE_GATE_WIDTH: motion toward a bound fades over its last 1e-4). */
#define XB_SPICE__XCLAMP "max(min(v(xs),1),0)"
#define XB_SPICE__GATE_WIDTH 1e-4
/* The gate's two B-source factors, moving toward x = 1 (up) and toward
 * x = 0 (down), into buffers of n bytes. */
void xb_spice__gates(char *up, char *down, size_t n);
/* v[k] = the model's parameter names[k], k < n (errors name the parameter). */
int xb_spice__params_get(const xb_device_type *type, const void *params,
                         const char *const *names, int n, double *v);

#define XB_SPICE__SUB_NPAR 24
typedef struct {
    void (*write)(xb_sb *sb, const void *p);
    double p[XB_SPICE__SUB_NPAR];
    const char *what; /* model name for the netlist title */
} xb_spice__subckt;
int xb_spice__device_subckt(xb_spice__subckt *out, const xb_device_type *type, const void *params);

#endif /* XB_CIRCUITS_INTERNAL_H */
