/* circuits: the line structure shared by the exact and the fast nodal solver. */
#include "circuits/circuits_internal.h"

#include <math.h>

double xb_nodal__iv(const xb_circuit_config *c, double v, double *df_out)
{
    double b = c->iv_beta, f = v, df = 1.0;
    if (c->iv == XB_IV_SINH && b > 0.0) {
        f = sinh(b * v) / b;
        df = cosh(b * v);
    } else if (c->iv == XB_IV_CUBIC) {
        f = v + b * v * v * v;
        df = 1.0 + 3.0 * b * v * v;
    }
    if (df_out != NULL) {
        *df_out = df;
    }
    return f;
}

void xb_nodal__lines_init(xb_nodal_lines *m, const xb_circuit_config *c, xb_nodal_mode mode)
{
    double r_end_row = mode == XB_NODAL_TRANSPOSE ? c->r_sense : c->r_source;
    double r_end_col = mode == XB_NODAL_FORWARD ? c->r_sense : c->r_source;
    double t_row = c->r_wire_row + r_end_row;
    double t_col = c->r_wire_col + r_end_col;
    m->rows = c->rows;
    m->cols = c->cols;
    /* zero resistances merge nodes instead of stamping infinite conductances,
     * so the zero-wire case is exact rather than approximately exact */
    m->nr = c->r_wire_row > 0.0 ? c->cols : (t_row > 0.0 ? 1 : 0);
    m->nc = c->r_wire_col > 0.0 ? c->rows : (t_col > 0.0 ? 1 : 0);
    m->g_seg_row = c->r_wire_row > 0.0 ? 1.0 / c->r_wire_row : 0.0;
    m->g_seg_col = c->r_wire_col > 0.0 ? 1.0 / c->r_wire_col : 0.0;
    m->g_term_row = t_row > 0.0 ? 1.0 / t_row : 0.0;
    m->g_term_col = t_col > 0.0 ? 1.0 / t_col : 0.0;
    m->r_access = c->cell == XB_CELL_1T1R ? c->r_access : 0.0;
    m->open_row = m->open_col = NULL;
}

long xb_nodal__row_node(const xb_nodal_lines *m, int r, int c)
{
    if (m->nr == 0) {
        return -1;
    }
    return m->nr == 1 ? (long)r : (long)r * m->cols + c;
}

long xb_nodal__col_node(const xb_nodal_lines *m, int r, int c)
{
    if (m->nc == 0) {
        return -1;
    }
    long base = (long)m->rows * m->nr;
    return base + (m->nc == 1 ? (long)c : (long)r * m->cols + c);
}

long xb_nodal__nodes(const xb_nodal_lines *m)
{
    return (long)m->rows * m->nr + (long)m->cols * m->nc;
}

void xb_nodal__g_eff(const xb_nodal_lines *m, const double *g, double *geff_out)
{
    size_t n = (size_t)m->rows * (size_t)m->cols;
    if (m->r_access > 0.0) {
        for (size_t k = 0; k < n; k++) {
            geff_out[k] = g[k] / (1.0 + g[k] * m->r_access);
        }
    } else {
        for (size_t k = 0; k < n; k++) {
            geff_out[k] = g[k];
        }
    }
}
