/* circuits: SPICE netlists of the same network the nodal solvers assemble.
 * Zero resistances merge nodes here exactly as in the nodal model (ngspice
 * would turn a 0-ohm resistor into 1 mohm), so both solve one circuit. */
#include "circuits/circuits_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int xb_sb__printf(xb_sb *sb, const char *fmt, ...)
{
    if (sb->failed) {
        return XB_ENOMEM;
    }
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int need = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
        va_end(ap);
        if (need < 0) {
            sb->failed = 1;
            return xb__error_set(XB_EINTERNAL, "vsnprintf failed on format '%s'", fmt);
        }
        if (sb->len + (size_t)need < sb->cap) {
            sb->len += (size_t)need;
            return XB_OK;
        }
        size_t cap = sb->cap ? sb->cap : 4096;
        while (cap <= sb->len + (size_t)need) {
            cap *= 2;
        }
        char *nb = realloc(sb->buf, cap);
        if (nb == NULL) {
            sb->failed = 1;
            return xb__error_set(XB_ENOMEM, "out of memory");
        }
        sb->buf = nb;
        sb->cap = cap;
    }
}

static void row_node(char *out, size_t n, const xb_nodal_lines *m, int r, int c)
{
    if (m->nr == 0) {
        snprintf(out, n, "ur%d", r);
    } else if (m->nr == 1) {
        snprintf(out, n, "a%d", r);
    } else {
        snprintf(out, n, "a%d_%d", r, c);
    }
}

static void col_node(char *out, size_t n, const xb_nodal_lines *m, int r, int c)
{
    if (m->nc == 0) {
        snprintf(out, n, "uc%d", c);
    } else if (m->nc == 1) {
        snprintf(out, n, "b%d", c);
    } else {
        snprintf(out, n, "b%d_%d", r, c);
    }
}

/* Options persist across circuits in one ngspice session (deps.md §1), so
 * every netlist sets all of them. */
#define SPICE_OPTIONS ".options reltol=1e-6 abstol=1e-15 vntol=1e-9 gmin=1e-12 noinit"

int xb_spice__network(xb_sb *sb, const xb_circuit_config *c, xb_nodal_mode mode, const double *g,
                      const double *u_row, const double *u_col)
{
    xb_nodal_lines m;
    xb_nodal__lines_init(&m, c, mode);
    char p[32], q[32];
    for (int r = 0; r < c->rows; r++) {
        if (isnan(u_row[r])) {
            continue; /* a floating line: no source, no termination */
        }
        xb_sb__printf(sb, "VUR%d ur%d 0 DC %.17g\n", r, r, u_row[r]);
        if (m.nr > 0) {
            row_node(p, sizeof p, &m, r, 0);
            xb_sb__printf(sb, "RTR%d ur%d %s %.17g\n", r, r, p, 1.0 / m.g_term_row);
        }
    }
    for (int k = 0; k < c->cols; k++) {
        if (isnan(u_col[k])) {
            continue;
        }
        xb_sb__printf(sb, "VUC%d uc%d 0 DC %.17g\n", k, k, u_col[k]);
        if (m.nc > 0) {
            col_node(q, sizeof q, &m, c->rows - 1, k);
            xb_sb__printf(sb, "RTC%d %s uc%d %.17g\n", k, q, k, 1.0 / m.g_term_col);
        }
    }
    if (m.nr == c->cols && c->r_wire_row > 0.0) {
        for (int r = 0; r < c->rows; r++) {
            for (int k = 0; k + 1 < c->cols; k++) {
                row_node(p, sizeof p, &m, r, k);
                row_node(q, sizeof q, &m, r, k + 1);
                xb_sb__printf(sb, "RWR%d_%d %s %s %.17g\n", r, k, p, q, c->r_wire_row);
            }
        }
    }
    if (m.nc == c->rows && c->r_wire_col > 0.0) {
        for (int r = 0; r + 1 < c->rows; r++) {
            for (int k = 0; k < c->cols; k++) {
                col_node(p, sizeof p, &m, r, k);
                col_node(q, sizeof q, &m, r + 1, k);
                xb_sb__printf(sb, "RWC%d_%d %s %s %.17g\n", r, k, p, q, c->r_wire_col);
            }
        }
    }
    for (int r = 0; r < c->rows; r++) {
        for (int k = 0; k < c->cols; k++) {
            double gk = g[(size_t)r * (size_t)c->cols + (size_t)k];
            row_node(p, sizeof p, &m, r, k);
            col_node(q, sizeof q, &m, r, k);
            if (c->iv == XB_IV_SINH && c->iv_beta > 0.0) {
                /* nonlinear cell as a behavioural current source, i = g f(v) */
                xb_sb__printf(sb, "BX%d_%d %s %s I={%.17g*sinh(%.17g*v(%s,%s))/%.17g}\n", r, k, p,
                              q, gk, c->iv_beta, p, q, c->iv_beta);
            } else if (c->iv == XB_IV_CUBIC) {
                xb_sb__printf(sb,
                              "BX%d_%d %s %s I={%.17g*(v(%s,%s)+%.17g*v(%s,%s)*v(%s,%s)*v(%s,"
                              "%s))}\n",
                              r, k, p, q, gk, p, q, c->iv_beta, p, q, p, q, p, q);
            } else if (m.r_access > 0.0) {
                /* the access transistor, on, as its channel resistance */
                xb_sb__printf(sb, "RX%d_%d %s m%d_%d %.17g\nRA%d_%d m%d_%d %s %.17g\n", r, k, p, r,
                              k, 1.0 / gk, r, k, r, k, q, m.r_access);
            } else {
                xb_sb__printf(sb, "RX%d_%d %s %s %.17g\n", r, k, p, q, 1.0 / gk);
            }
        }
    }
    return sb->failed ? XB_ENOMEM : XB_OK;
}

int xb_spice_netlist_read(char **text_out, const xb_circuit_config *c, const double *g,
                          int transpose, const double *v)
{
    XB_ASSERT_ARG(text_out != NULL);
    XB_ASSERT_ARG(v != NULL);
    *text_out = NULL;
    XB_TRY(xb_circuits__validate_config(c));
    XB_TRY(xb_circuits__validate_g(g, c->rows, c->cols));
    double *zr = calloc((size_t)c->rows + (size_t)c->cols, sizeof *zr);
    if (zr == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    double *zc = zr + c->rows;
    xb_sb sb = {0};
    xb_sb__printf(&sb,
                  "* xbarsim %s read of a %d x %d crossbar (%s): r_wire_row %.17g, r_wire_col "
                  "%.17g, r_source %.17g, r_sense %.17g, r_access %.17g ohm\n",
                  transpose ? "transposed" : "forward", c->rows, c->cols,
                  c->cell == XB_CELL_1T1R ? "1T1R" : "0T1R", c->r_wire_row, c->r_wire_col,
                  c->r_source, c->r_sense, c->cell == XB_CELL_1T1R ? c->r_access : 0.0);
    xb_sb__printf(&sb, "%s\n", SPICE_OPTIONS);
    xb_sb__printf(&sb, "* sense currents: i(VUC<c>) (forward) or i(VUR<r>) (transposed), "
                       "positive into the sense\n");
    int rc = xb_spice__network(&sb, c, transpose ? XB_NODAL_TRANSPOSE : XB_NODAL_FORWARD, g,
                               transpose ? zr : v, transpose ? v : zc);
    xb_sb__printf(&sb, ".op\n.end\n");
    free(zr);
    if (rc != XB_OK || sb.failed) {
        free(sb.buf);
        return rc != XB_OK ? rc : XB_ENOMEM;
    }
    *text_out = sb.buf;
    return XB_OK;
}
