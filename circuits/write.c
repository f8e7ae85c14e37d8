/* circuits: write biasing (V/2, V/3), the voltage across every cell during a
 * write with wire resistance (exact nodal solve), and `tran` netlists of
 * write pulses on arrays of behavioural linear-drift memristors. */
#include "circuits/circuits_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int xb_write_bias(double *u_row_out, double *u_col_out, int rows, int cols, xb_write_scheme scheme,
                  int sel_row, int sel_col, double v_write)
{
    XB_ASSERT_ARG(u_row_out != NULL && u_col_out != NULL);
    if (rows <= 0 || cols <= 0) {
        return xb__error_set(XB_EINVAL, "array size %d x %d: rows and cols must be > 0", rows,
                             cols);
    }
    if (sel_row < 0 || sel_row >= rows) {
        return xb__error_set(XB_EINVAL, "selected row %d is outside 0..%d", sel_row, rows - 1);
    }
    if (sel_col < -1 || sel_col >= cols) {
        return xb__error_set(XB_EINVAL, "selected column %d is outside -1..%d", sel_col, cols - 1);
    }
    if (!isfinite(v_write)) {
        return xb__error_set(XB_EINVAL, "write voltage %g is not finite", v_write);
    }
    double ur, uc;
    if (scheme == XB_WRITE_V2) {
        ur = uc = 0.5 * v_write;
    } else if (scheme == XB_WRITE_V3) {
        ur = v_write / 3.0;
        uc = 2.0 * v_write / 3.0;
    } else if (scheme == XB_WRITE_FLOAT) {
        ur = uc = NAN;
    } else {
        return xb__error_set(XB_EINVAL, "write scheme %d is not V/2 (0), V/3 (1) or floating (2)",
                             (int)scheme);
    }
    for (int r = 0; r < rows; r++) {
        u_row_out[r] = r == sel_row ? v_write : ur;
    }
    for (int c = 0; c < cols; c++) {
        u_col_out[c] = (sel_col < 0 || c == sel_col) ? 0.0 : uc;
    }
    return XB_OK;
}

int xb_circuits__validate_write_bias(const xb_circuit_config *c, const double *u_row,
                                     const double *u_col)
{
    int driven = 0;
    for (int r = 0; r < c->rows; r++) {
        if (isinf(u_row[r])) {
            return xb__error_set(XB_EINVAL, "row %d voltage %g is not finite", r, u_row[r]);
        }
        driven += !isnan(u_row[r]);
        if (isnan(u_row[r]) && !(c->r_wire_row + c->r_source > 0.0)) {
            return xb__error_set(XB_EINVAL,
                                 "row %d floats (NAN) but r_wire_row + r_source is 0: "
                                 "a floating line needs a resistance to its driver",
                                 r);
        }
    }
    for (int k = 0; k < c->cols; k++) {
        if (isinf(u_col[k])) {
            return xb__error_set(XB_EINVAL, "column %d voltage %g is not finite", k, u_col[k]);
        }
        driven += !isnan(u_col[k]);
        if (isnan(u_col[k]) && !(c->r_wire_col + c->r_source > 0.0)) {
            return xb__error_set(XB_EINVAL,
                                 "column %d floats (NAN) but r_wire_col + r_source is "
                                 "0: a floating line needs a resistance to its driver",
                                 k);
        }
    }
    if (driven == 0) {
        return xb__error_set(XB_EINVAL, "every line floats: at least one must be driven");
    }
    return XB_OK;
}

int xb_spice_write_voltages(double *vcell_out, const xb_circuit_config *c, const double *g,
                            const double *u_row, const double *u_col)
{
    XB_ASSERT_ARG(vcell_out != NULL);
    XB_ASSERT_ARG(u_row != NULL && u_col != NULL);
    XB_TRY(xb_circuits__validate_config(c));
    XB_TRY(xb_circuits__validate_g(g, c->rows, c->cols));
    XB_TRY(xb_circuits__validate_write_bias(c, u_row, u_col));
    size_t C = (size_t)c->cols, n = (size_t)c->rows * C;
    const char **names = calloc(2 * n, sizeof *names);
    char *nbuf = malloc(2 * n * 32);
    double **out = calloc(2 * n, sizeof *out);
    size_t *len = calloc(2 * n, sizeof *len);
    xb_sb sb = {0};
    int rc = XB_OK;
    if (names == NULL || nbuf == NULL || out == NULL || len == NULL) {
        rc = xb__error_set(XB_ENOMEM, "out of memory");
    }
    if (rc == XB_OK) {
        /* node names of the netlist writer (zero resistances merge nodes); a
         * 1T1R memristor sits between its row node and m<r>_<c> */
        xb_nodal_lines m;
        xb_nodal__lines_init(&m, c, XB_NODAL_WRITE);
        int one_t = m.r_access > 0.0;
        for (size_t k = 0; k < n; k++) {
            int r = (int)(k / C), q = (int)(k % C);
            char *a = nbuf + 2 * k * 32, *b = a + 32;
            if (m.nr == 0) {
                snprintf(a, 32, "v(ur%d)", r);
            } else if (m.nr == 1) {
                snprintf(a, 32, "v(a%d)", r);
            } else {
                snprintf(a, 32, "v(a%d_%d)", r, q);
            }
            if (one_t) {
                snprintf(b, 32, "v(m%d_%d)", r, q);
            } else if (m.nc == 0) {
                snprintf(b, 32, "v(uc%d)", q);
            } else if (m.nc == 1) {
                snprintf(b, 32, "v(b%d)", q);
            } else {
                snprintf(b, 32, "v(b%d_%d)", r, q);
            }
            names[2 * k] = a;
            names[2 * k + 1] = b;
        }
        xb_sb__printf(&sb,
                      "* xbarsim write of a %d x %d crossbar\n"
                      ".options reltol=1e-6 abstol=1e-15 vntol=1e-9 gmin=1e-12 noinit\n",
                      c->rows, c->cols);
        rc = xb_spice__network(&sb, c, XB_NODAL_WRITE, g, u_row, u_col);
        xb_sb__printf(&sb, ".op\n.end\n");
        if (rc == XB_OK && sb.failed) {
            rc = xb__error_set(XB_ENOMEM, "out of memory");
        }
    }
    if (rc == XB_OK) {
        rc = xb_spice_run(sb.buf, names, 2 * n, out, len);
    }
    for (size_t k = 0; rc == XB_OK && k < n; k++) {
        vcell_out[k] = out[2 * k][0] - out[2 * k + 1][0];
    }
    for (size_t k = 0; out != NULL && k < 2 * n; k++) {
        free(out[k]);
    }
    free(sb.buf);
    free(names);
    free(nbuf);
    free(out);
    free(len);
    return rc;
}

int xb_circuit_write_voltages(double *vcell_out, const xb_circuit_config *c, const double *g,
                              const double *u_row, const double *u_col)
{
    XB_ASSERT_ARG(vcell_out != NULL);
    XB_ASSERT_ARG(u_row != NULL && u_col != NULL);
    XB_TRY(xb_circuits__validate_config(c));
    XB_TRY(xb_circuits__validate_write_bias(c, u_row, u_col));
    return xb_nodal__write_voltages(c, g, u_row, u_col, vcell_out);
}

static int validate_drift(const xb_spice_drift_params *p)
{
    if (p == NULL) {
        return xb__error_set(XB_EINVAL, "invalid argument: drift params are NULL");
    }
    if (!(p->r_on > 0.0) || !(p->r_off > p->r_on) || !isfinite(p->r_off)) {
        return xb__error_set(XB_EINVAL, "r_on (%g) and r_off (%g) must satisfy 0 < r_on < r_off",
                             p->r_on, p->r_off);
    }
    if (!(p->mu_v > 0.0) || !(p->d > 0.0) || !isfinite(p->mu_v / (p->d * p->d))) {
        return xb__error_set(XB_EINVAL, "mu_v (%g) and d (%g) must be finite and > 0", p->mu_v,
                             p->d);
    }
    if (!(p->window_p >= 0.0) || !isfinite(p->window_p)) {
        return xb__error_set(XB_EINVAL, "window_p (%g) must be finite and >= 0 (0 = no window)",
                             p->window_p);
    }
    return XB_OK;
}

int xb_spice_drift_from_device(xb_spice_drift_params *out, const xb_device_type *type,
                               const void *params)
{
    XB_ASSERT_ARG(out != NULL);
    XB_ASSERT_ARG(params != NULL);
    if (type != xb_device_linear_drift) {
        return xb__error_set(XB_EINVAL,
                             "device model '%s' has no tran subcircuit (only linear_drift)",
                             type ? type->name : "(null)");
    }
    double v[6];
    const char *names[6] = {"ron", "roff", "mu_v", "d", "window", "p"};
    for (int k = 0; k < 6; k++) {
        XB_TRY(xb_device_param_get(type, params, names[k], &v[k]));
    }
    if (v[4] != 0.0 && v[4] != 1.0) {
        return xb__error_set(XB_EINVAL,
                             "linear_drift window %g has no tran subcircuit (0 none or 1 Joglekar)",
                             v[4]);
    }
    out->r_on = v[0];
    out->r_off = v[1];
    out->mu_v = v[2];
    out->d = v[3];
    out->window_p = v[4] == 1.0 ? v[5] : 0.0;
    return validate_drift(out);
}

/* Subcircuit `xbmemr te be xs` of linear drift (device-models.md §1 and §7):
 * state x = w/D on a 1 F capacitor, dx/dt = k i f(x), k = mu_v R_ON / D^2,
 * f = 1 - (2x - 1)^(2p) (Joglekar) or, without a window, the state gate of
 * devices/ (1 except in the last 1e-4 before the bound the motion heads for);
 * window and resistance use x clamped to [0, 1] as devices/ does, so a step
 * past a bound cannot make the resistance negative. */
static void drift_subckt(xb_sb *sb, const void *params)
{
    const xb_spice_drift_params *p = params;
    double k = p->mu_v * p->r_on / (p->d * p->d);
    xb_sb__printf(sb, ".subckt xbmemr te be xs params: ron=%.17g roff=%.17g kd=%.17g x0=0.5\n",
                  p->r_on, p->r_off, k);
    xb_sb__printf(sb, "Cx xs 0 1 IC={x0}\n");
    /* as devices/linear_drift.c: the window sees the clamped state; without
     * a window the state gate stops a driven cell at the bound */
    if (p->window_p > 0.0) {
        /* (2x - 1)^(2p) as a power of a square: pow never sees a negative base */
        xb_sb__printf(sb,
                      "Bx 0 xs I={kd*i(Vsense)*(1-pow((2*" XB_SPICE__XCLAMP "-1)*(2*" XB_SPICE__XCLAMP
                      "-1),%.17g))}\n",
                      p->window_p);
    } else {
        char up[256], down[256];
        xb_spice__gates(up, down, sizeof up);
        xb_sb__printf(sb, "Bx 0 xs I={kd*i(Vsense)*(i(Vsense)>0 ? %s : %s)}\n", up, down);
    }
    xb_sb__printf(sb, "Vsense te mid DC 0\n");
    xb_sb__printf(sb, "Bm mid be I={v(mid,be)/(ron*" XB_SPICE__XCLAMP "+roff*(1-" XB_SPICE__XCLAMP
                      "))}\n.ends\n");
}

/* VTEAM parameters in the order of vteam_names. */
enum {
    VT_RON,
    VT_ROFF,
    VT_D,
    VT_KON,
    VT_KOFF,
    VT_AON,
    VT_AOFF,
    VT_VON,
    VT_VOFF,
    VT_WINDOW,
    VT_WAON,
    VT_WAOFF,
    VT_WC,
    VT_IV,
    VT_N
};
static const char *const vteam_names[VT_N] = {"ron",      "roff",      "d",    "k_on",  "k_off",
                                              "alpha_on", "alpha_off", "v_on", "v_off", "window",
                                              "a_on",     "a_off",     "w_c",  "iv"};

/* Subcircuit of VTEAM (device-models.md §2.2, as devices/vteam.c): w in
 * [0, 1], w = 0 is R_ON, voltage thresholds v_on < 0 < v_off, window none
 * (gate at the bounds) or Kvatinsky, linear or exponential I-V. */
static void vteam_subckt(xb_sb *sb, const void *params)
{
    const double *v = params;
    xb_sb__printf(sb, ".subckt xbmemr te be xs params: x0=0.5\n");
    xb_sb__printf(sb, "Cx xs 0 1 IC={x0}\n");
    const char *wc = XB_SPICE__XCLAMP;
    char foff[256], fon[256];
    if (v[VT_WINDOW] == 1.0) {
        snprintf(foff, sizeof foff, "exp(-exp(min((%s-%.17g)/%.17g,7)))", wc, v[VT_WAOFF],
                 v[VT_WC]);
        snprintf(fon, sizeof fon, "exp(-exp(min((%.17g-%s)/%.17g,7)))", v[VT_WAON], wc, v[VT_WC]);
    } else {
        xb_spice__gates(foff, fon, sizeof foff); /* devices/' gate at the bounds */
    }
    /* pow of max(., 0): both ternary branches may be evaluated */
    xb_sb__printf(sb,
                  "Bx 0 xs I={(v(te,be)>%.17g ? %.17g*pow(max(v(te,be)/%.17g-1,0),%.17g)*%s : 0)"
                  " + (v(te,be)<%.17g ? %.17g*pow(max(v(te,be)/%.17g-1,0),%.17g)*%s : 0)}\n",
                  v[VT_VOFF], v[VT_KOFF] / v[VT_D], v[VT_VOFF], v[VT_AOFF], foff, v[VT_VON],
                  v[VT_KON] / v[VT_D], v[VT_VON], v[VT_AON], fon);
    if (v[VT_IV] == 1.0) {
        xb_sb__printf(sb, "Bm te be I={v(te,be)/(%.17g*pow(%.17g,%s))}\n.ends\n", v[VT_RON],
                      v[VT_ROFF] / v[VT_RON], wc);
    } else {
        xb_sb__printf(sb, "Bm te be I={v(te,be)/(%.17g+%.17g*%s)}\n.ends\n", v[VT_RON],
                      v[VT_ROFF] - v[VT_RON], wc);
    }
}

static int tran_common(char **text_out, const xb_circuit_config *c,
                       void (*subckt)(xb_sb *, const void *), const void *sub_params,
                       const char *what, const double *x0, const double *u_row, const double *u_col,
                       const xb_spice_pulse *pulse)
{
    XB_ASSERT_ARG(text_out != NULL);
    XB_ASSERT_ARG(x0 != NULL && u_row != NULL && u_col != NULL && pulse != NULL);
    *text_out = NULL;
    XB_TRY(xb_circuits__validate_config(c));
    XB_TRY(xb_circuits__validate_write_bias(c, u_row, u_col));
    if (!(pulse->rise > 0.0) || !(pulse->fall > 0.0) || !(pulse->width >= 0.0) ||
        !(pulse->delay >= 0.0) || !(pulse->t_stop > 0.0) || !(pulse->max_step > 0.0)) {
        return xb__error_set(XB_EINVAL,
                             "pulse rise (%g s), fall (%g s), t_stop (%g s) and "
                             "max_step (%g s) must be > 0, width (%g s) and delay (%g s) >= 0",
                             pulse->rise, pulse->fall, pulse->t_stop, pulse->max_step, pulse->width,
                             pulse->delay);
    }
    size_t ncell = (size_t)c->rows * (size_t)c->cols;
    for (size_t k = 0; k < ncell; k++) {
        if (!(x0[k] >= 0.0 && x0[k] <= 1.0)) {
            return xb__error_set(XB_EINVAL, "state x0[%zu] = %g is outside [0, 1]", k, x0[k]);
        }
    }
    xb_nodal_lines m;
    xb_nodal__lines_init(&m, c, XB_NODAL_WRITE);
    xb_sb sb = {0};
    xb_sb__printf(&sb, "* xbarsim write pulse on a %d x %d crossbar of %s memristors\n", c->rows,
                  c->cols, what);
    xb_sb__printf(&sb, ".options reltol=1e-6 abstol=1e-15 vntol=1e-9 gmin=1e-12 noinit\n");
    subckt(&sb, sub_params);
    /* the network of the read netlist, every end source a PULSE to its bias */
    xb_sb sbn = {0};
    double *g = malloc(ncell * sizeof *g);
    if (g == NULL) {
        free(sb.buf);
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    for (size_t j = 0; j < ncell; j++) {
        g[j] = 1.0; /* placeholder: cell lines are rewritten below */
    }
    xb_circuit_config lin = *c;
    lin.iv = XB_IV_LINEAR; /* the cells become memristor subcircuits below */
    int rc = xb_spice__network(&sbn, &lin, XB_NODAL_WRITE, g, u_row, u_col);
    free(g);
    if (rc != XB_OK) {
        free(sb.buf);
        free(sbn.buf);
        return rc;
    }
    for (char *line = sbn.buf; line != NULL && *line != '\0';) {
        char *e = strchr(line, '\n');
        size_t len = e ? (size_t)(e - line) : strlen(line);
        int r, q;
        char a[32], b[32];
        double val;
        if (strncmp(line, "VU", 2) == 0) {
            char nm[32], nd[32];
            if (sscanf(line, "%31s %31s 0 DC %lf", nm, nd, &val) == 3) {
                xb_sb__printf(&sb, "%s %s 0 PULSE(0 %.17g %.17g %.17g %.17g %.17g %.17g)\n", nm, nd,
                              val, pulse->delay, pulse->rise, pulse->fall, pulse->width,
                              2.0 * pulse->t_stop);
            }
        } else if (strncmp(line, "RX", 2) == 0 &&
                   sscanf(line, "RX%d_%d %31s %31s %lf", &r, &q, a, b, &val) == 5) {
            double xs = x0[(size_t)r * (size_t)c->cols + (size_t)q];
            xb_sb__printf(&sb, "XM%d_%d %s %s x%d_%d xbmemr x0=%.17g\n", r, q, a, b, r, q, xs);
        } else {
            xb_sb__printf(&sb, "%.*s\n", (int)len, line);
        }
        line = e ? e + 1 : NULL;
    }
    free(sbn.buf);
    xb_sb__printf(&sb, ".tran %.17g %.17g 0 %.17g uic\n.end\n", pulse->max_step, pulse->t_stop,
                  pulse->max_step);
    if (sb.failed) {
        free(sb.buf);
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    *text_out = sb.buf;
    return XB_OK;
}

int xb_spice_netlist_tran(char **text_out, const xb_circuit_config *c,
                          const xb_spice_drift_params *p, const double *x0, const double *u_row,
                          const double *u_col, const xb_spice_pulse *pulse)
{
    XB_TRY(validate_drift(p));
    return tran_common(text_out, c, drift_subckt, p, "linear-drift", x0, u_row, u_col, pulse);
}

int xb_spice_netlist_tran_device(char **text_out, const xb_circuit_config *c,
                                 const xb_device_type *type, const void *params, const double *x0,
                                 const double *u_row, const double *u_col,
                                 const xb_spice_pulse *pulse)
{
    XB_ASSERT_ARG(params != NULL);
    xb_spice__subckt sub; /* written by netlist.c: see xb_spice__device_subckt */
    XB_TRY(xb_spice__device_subckt(&sub, type, params));
    if (sub.write != NULL) {
        return tran_common(text_out, c, sub.write, sub.p, sub.what, x0, u_row, u_col, pulse);
    }
    if (type == xb_device_linear_drift) {
        xb_spice_drift_params p;
        XB_TRY(xb_spice_drift_from_device(&p, type, params));
        return xb_spice_netlist_tran(text_out, c, &p, x0, u_row, u_col, pulse);
    }
    if (type == xb_device_vteam) {
        double v[VT_N];
        XB_TRY(xb_spice__params_get(type, params, vteam_names, VT_N, v));
        if (!(v[VT_VON] < 0.0 && v[VT_VOFF] > 0.0 && v[VT_D] > 0.0 && v[VT_WC] > 0.0)) {
            return xb__error_set(XB_EINVAL,
                                 "vteam: need v_on (%g V) < 0 < v_off (%g V), d (%g m) > 0 and "
                                 "w_c (%g) > 0",
                                 v[VT_VON], v[VT_VOFF], v[VT_D], v[VT_WC]);
        }
        return tran_common(text_out, c, vteam_subckt, v, "VTEAM", x0, u_row, u_col, pulse);
    }
    return xb__error_set(XB_EINVAL,
                         "device model '%s' has no tran subcircuit (linear_drift, vteam, team, "
                         "yakopcic or stanford_pku)",
                         type ? type->name : "(null)");
}

static int run_tran(double *x_out, const xb_circuit_config *c, char *net);

int xb_spice_tran_states(double *x_out, const xb_circuit_config *c, const xb_spice_drift_params *p,
                         const double *x0, const double *u_row, const double *u_col,
                         const xb_spice_pulse *pulse)
{
    XB_ASSERT_ARG(x_out != NULL);
    char *net = NULL;
    XB_TRY(xb_spice_netlist_tran(&net, c, p, x0, u_row, u_col, pulse));
    return run_tran(x_out, c, net);
}

int xb_spice_tran_states_device(double *x_out, const xb_circuit_config *c,
                                const xb_device_type *type, const void *params, const double *x0,
                                const double *u_row, const double *u_col,
                                const xb_spice_pulse *pulse)
{
    XB_ASSERT_ARG(x_out != NULL);
    char *net = NULL;
    XB_TRY(xb_spice_netlist_tran_device(&net, c, type, params, x0, u_row, u_col, pulse));
    return run_tran(x_out, c, net);
}

/* Runs a tran netlist (takes ownership of net) and reads every state node. */
static int run_tran(double *x_out, const xb_circuit_config *c, char *net)
{
    size_t ncell = (size_t)c->rows * (size_t)c->cols;
    char **names = calloc(ncell, sizeof *names);
    double **vals = calloc(ncell, sizeof *vals);
    size_t *lens = calloc(ncell, sizeof *lens);
    int rc = XB_OK;
    if (names == NULL || vals == NULL || lens == NULL) {
        rc = xb__error_set(XB_ENOMEM, "out of memory");
    }
    for (size_t k = 0; rc == XB_OK && k < ncell; k++) {
        names[k] = malloc(48);
        if (names[k] == NULL) {
            rc = xb__error_set(XB_ENOMEM, "out of memory");
            break;
        }
        snprintf(names[k], 48, "v(x%zu_%zu)", k / (size_t)c->cols, k % (size_t)c->cols);
    }
    if (rc == XB_OK) {
        rc = xb_spice_run(net, (const char *const *)names, ncell, vals, lens);
    }
    for (size_t k = 0; rc == XB_OK && k < ncell; k++) {
        /* the state node is the state: clamp as the device models do */
        x_out[k] = fmin(1.0, fmax(0.0, vals[k][lens[k] - 1]));
    }
    for (size_t k = 0; k < ncell; k++) {
        if (names) {
            free(names[k]);
        }
        if (vals) {
            free(vals[k]);
        }
    }
    free(names);
    free(vals);
    free(lens);
    free(net);
    return rc;
}
