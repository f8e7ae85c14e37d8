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

/* ---- tran subcircuits of TEAM and Yakopcic (device-models.md §2.1, §3.1) ----
 * Each is the right-hand side and current of devices/vteam.c (team) or
 * devices/yakopcic.c written as B-source expressions, term for term: the
 * state used by windows, gates and the I-V is clamped to [0, 1] as there,
 * and both ternary branches are always evaluated, so every pow base is
 * wrapped in max(., 0). */

void xb_spice__gates(char *up, char *down, size_t n)
{
    snprintf(up, n, "min(max((1-%s)/%.17g,0),1)", XB_SPICE__XCLAMP, XB_SPICE__GATE_WIDTH);
    snprintf(down, n, "min(max(%s/%.17g,0),1)", XB_SPICE__XCLAMP, XB_SPICE__GATE_WIDTH);
}

int xb_spice__params_get(const xb_device_type *type, const void *params,
                         const char *const *names, int n, double *v)
{
    for (int k = 0; k < n; k++) {
        XB_TRY(xb_device_param_get(type, params, names[k], &v[k]));
    }
    return XB_OK;
}


enum {
    TM_RON,
    TM_ROFF,
    TM_D,
    TM_KON,
    TM_KOFF,
    TM_AON,
    TM_AOFF,
    TM_ION,
    TM_IOFF,
    TM_WINDOW,
    TM_WAON,
    TM_WAOFF,
    TM_WC,
    TM_IV,
    TM_N
};
static const char *const team_names[TM_N] = {"ron",      "roff",      "d",    "k_on",  "k_off",
                                             "alpha_on", "alpha_off", "i_on", "i_off", "window",
                                             "a_on",     "a_off",     "w_c",  "iv"};

/* TEAM, w in [0, 1] (w = 0 is R_ON): the threshold variable is the cell
 * current u = v / R(w), as devices/vteam.c team_rhs computes it. */
static void team_subckt(xb_sb *sb, const void *params)
{
    const double *v = params;
    char r[160], u[200], foff[256], fon[256];
    if (v[TM_IV] == 1.0) {
        snprintf(r, sizeof r, "(%.17g*pow(%.17g,%s))", v[TM_RON], v[TM_ROFF] / v[TM_RON],
                 XB_SPICE__XCLAMP);
    } else {
        snprintf(r, sizeof r, "(%.17g+%.17g*%s)", v[TM_RON], v[TM_ROFF] - v[TM_RON], XB_SPICE__XCLAMP);
    }
    snprintf(u, sizeof u, "(v(te,be)/%s)", r);
    if (v[TM_WINDOW] == 1.0) {
        /* exp(-exp(z)) is 0 for z > 7 in devices/ (no denormal garbage) */
        snprintf(foff, sizeof foff, "((%s-%.17g)/%.17g>7 ? 0 : exp(-exp(min((%s-%.17g)/%.17g,7))))",
                 XB_SPICE__XCLAMP, v[TM_WAOFF], v[TM_WC], XB_SPICE__XCLAMP, v[TM_WAOFF], v[TM_WC]);
        snprintf(fon, sizeof fon, "((%.17g-%s)/%.17g>7 ? 0 : exp(-exp(min((%.17g-%s)/%.17g,7))))",
                 v[TM_WAON], XB_SPICE__XCLAMP, v[TM_WC], v[TM_WAON], XB_SPICE__XCLAMP, v[TM_WC]);
    } else {
        xb_spice__gates(foff, fon, sizeof foff);
    }
    xb_sb__printf(sb, ".subckt xbmemr te be xs params: x0=0.5\n");
    xb_sb__printf(sb, "Cx xs 0 1 IC={x0}\n");
    xb_sb__printf(sb,
                  "Bx 0 xs I={(%s>%.17g ? %.17g*pow(max(%s/%.17g-1,0),%.17g)*%s : 0)"
                  " + (%s<%.17g ? %.17g*pow(max(%s/%.17g-1,0),%.17g)*%s : 0)}\n",
                  u, v[TM_IOFF], v[TM_KOFF] / v[TM_D], u, v[TM_IOFF], v[TM_AOFF], foff, u,
                  v[TM_ION], v[TM_KON] / v[TM_D], u, v[TM_ION], v[TM_AON], fon);
    xb_sb__printf(sb, "Bm te be I={v(te,be)/%s}\n.ends\n", r);
}

static int team_params(double *v, const xb_device_type *type, const void *params)
{
    XB_TRY(xb_spice__params_get(type, params, team_names, TM_N, v));
    if (!(v[TM_RON] > 0.0 && v[TM_ROFF] > v[TM_RON] && isfinite(v[TM_ROFF]))) {
        return xb__error_set(XB_EINVAL, "team: need 0 < ron (%g ohm) < roff (%g ohm)", v[TM_RON],
                             v[TM_ROFF]);
    }
    if (!(v[TM_ION] < 0.0 && v[TM_IOFF] > 0.0 && v[TM_D] > 0.0 && v[TM_WC] > 0.0)) {
        return xb__error_set(XB_EINVAL,
                             "team: need i_on (%g A) < 0 < i_off (%g A), d (%g m) > 0 and "
                             "w_c (%g) > 0",
                             v[TM_ION], v[TM_IOFF], v[TM_D], v[TM_WC]);
    }
    if ((v[TM_WINDOW] != 0.0 && v[TM_WINDOW] != 1.0) || (v[TM_IV] != 0.0 && v[TM_IV] != 1.0)) {
        return xb__error_set(XB_EINVAL, "team: window (%g) and iv (%g) must be 0 or 1",
                             v[TM_WINDOW], v[TM_IV]);
    }
    return XB_OK;
}

enum { YK_A1, YK_A2, YK_B, YK_VP, YK_VN, YK_AP, YK_AN, YK_XP, YK_XN, YK_ALP, YK_ALN, YK_ETA, YK_N };
static const char *const yk_names[YK_N] = {"a1", "a2", "b",  "vp",      "vn",      "ap",
                                           "an", "xp", "xn", "alpha_p", "alpha_n", "eta"};

/* Yakopcic (devices/yakopcic.c): g(V) gated by the thresholds, the window
 * f(x, V) chosen by the sign of eta V, I = a1|a2 x sinh(b V); x clamped. */
static void yakopcic_subckt(xb_sb *sb, const void *params)
{
    const double *v = params;
    const char *w = XB_SPICE__XCLAMP;
    xb_sb__printf(sb, ".subckt xbmemr te be xs params: x0=0.5\n");
    xb_sb__printf(sb, "Cx xs 0 1 IC={x0}\n");
    xb_sb__printf(
        sb,
        "Bx 0 xs I={%.17g*((v(te,be)>%.17g ? %.17g*(exp(v(te,be))-%.17g) : 0)"
        " + (v(te,be)<%.17g ? %.17g*(exp(-v(te,be))-%.17g) : 0))"
        "*(%.17g*v(te,be)>=0 ? (%s>=%.17g ? exp(%.17g*(%s-%.17g))*((%.17g-%s)/%.17g+1) : 1)"
        " : (%s<=%.17g ? exp(%.17g*(%s+%.17g-1))*(%s/%.17g) : 1))}\n",
        v[YK_ETA], v[YK_VP], v[YK_AP], exp(v[YK_VP]), -v[YK_VN], -v[YK_AN], exp(v[YK_VN]),
        v[YK_ETA], w, v[YK_XP], -v[YK_ALP], w, v[YK_XP], v[YK_XP], w, 1.0 - v[YK_XP], w,
        1.0 - v[YK_XN], v[YK_ALN], w, v[YK_XN], w, 1.0 - v[YK_XN]);
    xb_sb__printf(sb, "Bm te be I={(v(te,be)>=0 ? %.17g : %.17g)*%s*sinh(%.17g*v(te,be))}\n.ends\n",
                  v[YK_A1], v[YK_A2], w, v[YK_B]);
}

static int yakopcic_params(double *v, const xb_device_type *type, const void *params)
{
    XB_TRY(xb_spice__params_get(type, params, yk_names, YK_N, v));
    if (!(v[YK_A1] > 0.0 && v[YK_A2] > 0.0 && v[YK_B] > 0.0 && v[YK_VP] >= 0.0 && v[YK_VN] >= 0.0 &&
          v[YK_AP] >= 0.0 && v[YK_AN] >= 0.0)) {
        return xb__error_set(XB_EINVAL,
                             "yakopcic: need a1 (%g), a2 (%g), b (%g) > 0 and vp (%g), vn (%g), "
                             "ap (%g), an (%g) >= 0",
                             v[YK_A1], v[YK_A2], v[YK_B], v[YK_VP], v[YK_VN], v[YK_AP], v[YK_AN]);
    }
    if (!(v[YK_XP] >= 0.0 && v[YK_XP] < 1.0 && v[YK_XN] >= 0.0 && v[YK_XN] < 1.0) ||
        (v[YK_ETA] != 1.0 && v[YK_ETA] != -1.0)) {
        return xb__error_set(XB_EINVAL,
                             "yakopcic: need xp (%g), xn (%g) in [0, 1) and eta (%g) = +-1",
                             v[YK_XP], v[YK_XN], v[YK_ETA]);
    }
    return XB_OK;
}

/* ---- linear drift with the Biolek or Prodromakis window (§1.1, §1.2) ----
 * As devices/linear_drift.c ld_rhs: i = v/R(x) with R of the clamped state,
 * dx/dt = mu_v R_ON/D^2 i f(x, i) with f of the clamped state. */
enum { LD_RON, LD_ROFF, LD_D, LD_MUV, LD_WINDOW, LD_P, LD_J, LD_N };
static const char *const ld_names[LD_N] = {"ron", "roff", "d", "mu_v", "window", "p", "j"};
#define LD_BIOLEK 2.0
#define LD_PRODROMAKIS 3.0

static void ld_window_subckt(xb_sb *sb, const void *params)
{
    const double *v = params;
    const char *w = XB_SPICE__XCLAMP;
    char r[200], f[320];
    snprintf(r, sizeof r, "(%.17g*%s+%.17g*(1-%s))", v[LD_RON], w, v[LD_ROFF], w);
    if (v[LD_WINDOW] == LD_BIOLEK) {
        /* stp(-i) = 1 for i <= 0; R > 0, so the sign of i is the sign of v */
        snprintf(f, sizeof f,
                 "(v(te,be)>0 ? 1-pow(abs(%s),%.17g) : 1-pow(abs(%s-1),%.17g))", w,
                 2.0 * v[LD_P], w, 2.0 * v[LD_P]);
    } else {
        snprintf(f, sizeof f, "%.17g*(1-pow((%s-0.5)*(%s-0.5)+0.75,%.17g))", v[LD_J], w, w,
                 v[LD_P]);
    }
    xb_sb__printf(sb, ".subckt xbmemr te be xs params: x0=0.5\n");
    xb_sb__printf(sb, "Cx xs 0 1 IC={x0}\n");
    xb_sb__printf(sb, "Bx 0 xs I={%.17g*(v(te,be)/%s)*%s}\n",
                  v[LD_MUV] * v[LD_RON] / (v[LD_D] * v[LD_D]), r, f);
    xb_sb__printf(sb, "Bm te be I={v(te,be)/%s}\n.ends\n", r);
}

/* Reads a linear_drift block; *is_window is 1 for the windows written here
 * (Biolek, Prodromakis), 0 for none / Joglekar (write.c writes those). */
static int ld_window_params(double *v, int *is_window, const xb_device_type *type,
                            const void *params)
{
    XB_TRY(xb_spice__params_get(type, params, ld_names, LD_N, v));
    *is_window = v[LD_WINDOW] == LD_BIOLEK || v[LD_WINDOW] == LD_PRODROMAKIS;
    if (!*is_window) {
        return XB_OK;
    }
    if (!(v[LD_RON] > 0.0 && v[LD_ROFF] > v[LD_RON] && isfinite(v[LD_ROFF]))) {
        return xb__error_set(XB_EINVAL, "linear_drift: need 0 < ron (%g ohm) < roff (%g ohm)",
                             v[LD_RON], v[LD_ROFF]);
    }
    if (!(v[LD_D] > 0.0 && v[LD_MUV] > 0.0 && v[LD_P] > 0.0 && v[LD_J] > 0.0) ||
        !isfinite(v[LD_MUV] * v[LD_RON] / (v[LD_D] * v[LD_D]))) {
        return xb__error_set(XB_EINVAL,
                             "linear_drift: d (%g m), mu_v (%g), p (%g) and j (%g) must be "
                             "finite and > 0",
                             v[LD_D], v[LD_MUV], v[LD_P], v[LD_J]);
    }
    return XB_OK;
}

/* ---- Stanford-PKU, deterministic part (device-models.md §4.1) ----
 * As devices/stanford.c sp_rhs, each factor in its order there: gap g of
 * the clamped state s = (g_max - g)/(g_max - g_min), gamma by the sign of V
 * and zeroed below F_min, T = T0 + |V I| R_th, dg/dt = -v0 exp(-Ea/kT)
 * sinh(gamma a0/t_ox V/kT), ds/dt = -dg/(g_max - g_min) times the state gate
 * of the bound it heads for. Every sub-expression is inlined (gamma and dg
 * twice): no auxiliary node, so no Newton tolerance between the terms. */
enum {
    SP_G0,
    SP_V0,
    SP_I0,
    SP_VEL0,
    SP_BETA,
    SP_GAMMA0,
    SP_EA,
    SP_A0,
    SP_T0,
    SP_FMIN,
    SP_TOX,
    SP_RTH,
    SP_GMIN,
    SP_GMAX,
    SP_ALPHA,
    SP_GAMMA0_R,
    SP_BETA_R,
    SP_N
};
static const char *const sp_names[SP_N] = {
    "g0",  "v0_iv", "i0",    "vel0",  "beta",  "gamma0", "ea",           "a0",        "t0",
    "f_min", "t_ox", "r_th", "g_min", "g_max", "alpha",  "gamma0_reset", "beta_reset"};
/* devices/stanford.c KB_OVER_Q, Boltzmann's constant in eV/K */
#define SUB_KB_OVER_Q 8.617333262e-5

static void stanford_subckt(xb_sb *sb, const void *params)
{
    const double *v = params;
    const char *w = XB_SPICE__XCLAMP;
    double span = v[SP_GMAX] - v[SP_GMIN];
    char g[128], cur[320], gam[640], gamf[1536], kt[640], dg[3072];
    snprintf(g, sizeof g, "(%.17g-%s*%.17g)", v[SP_GMAX], w, span);
    snprintf(cur, sizeof cur, "(%.17g*exp(-%s/%.17g)*sinh(v(te,be)/%.17g))", v[SP_I0], g,
             v[SP_G0], v[SP_V0]);
    snprintf(gam, sizeof gam,
             "(v(te,be)>=0 ? %.17g-(%.17g)*pow(%s/1e-9,%.17g) : %.17g-(%.17g)*pow(%s/1e-9,%.17g))",
             v[SP_GAMMA0], v[SP_BETA], g, v[SP_ALPHA], v[SP_GAMMA0_R], v[SP_BETA_R], g,
             v[SP_ALPHA]);
    snprintf(gamf, sizeof gamf, "(%s*abs(v(te,be))/%.17g<%.17g ? 0 : %s)", gam, v[SP_TOX],
             v[SP_FMIN], gam);
    snprintf(kt, sizeof kt, "(%.17g*(%.17g+abs(v(te,be)*%s)*%.17g))", SUB_KB_OVER_Q, v[SP_T0],
             cur, v[SP_RTH]);
    snprintf(dg, sizeof dg, "(-%.17g*exp(-%.17g/%s)*sinh(%s*%.17g/%.17g*v(te,be)/%s))",
             v[SP_VEL0], v[SP_EA], kt, gamf, v[SP_A0], v[SP_TOX], kt);
    xb_sb__printf(sb, ".subckt xbmemr te be xs params: x0=0.5\n");
    xb_sb__printf(sb, "Cx xs 0 1 IC={x0}\n");
    xb_sb__printf(sb,
                  "Bx 0 xs I={-%s/%.17g*(%s<0 ? min(max((1-%s)/%.17g,0),1) : "
                  "min(max(%s/%.17g,0),1))}\n",
                  dg, span, dg, w, XB_SPICE__GATE_WIDTH, w, XB_SPICE__GATE_WIDTH);
    xb_sb__printf(sb, "Bm te be I={%s}\n.ends\n", cur);
}

static int stanford_params(double *v, const xb_device_type *type, const void *params)
{
    XB_TRY(xb_spice__params_get(type, params, sp_names, SP_N, v));
    if (!(v[SP_GMIN] > 0.0 && v[SP_GMAX] > v[SP_GMIN] && isfinite(v[SP_GMAX]))) {
        return xb__error_set(XB_EINVAL, "stanford_pku: need 0 < g_min (%g m) < g_max (%g m)",
                             v[SP_GMIN], v[SP_GMAX]);
    }
    if (!(v[SP_G0] > 0.0 && v[SP_V0] > 0.0 && v[SP_I0] > 0.0 && v[SP_VEL0] > 0.0 &&
          v[SP_TOX] > 0.0 && v[SP_A0] > 0.0 && v[SP_T0] > 0.0 && v[SP_EA] >= 0.0 &&
          v[SP_RTH] >= 0.0 && v[SP_FMIN] >= 0.0)) {
        return xb__error_set(XB_EINVAL,
                             "stanford_pku: g0 (%g), v0_iv (%g), i0 (%g), vel0 (%g), t_ox (%g), "
                             "a0 (%g), t0 (%g) must be > 0 and ea (%g), r_th (%g), f_min (%g) "
                             ">= 0",
                             v[SP_G0], v[SP_V0], v[SP_I0], v[SP_VEL0], v[SP_TOX], v[SP_A0],
                             v[SP_T0], v[SP_EA], v[SP_RTH], v[SP_FMIN]);
    }
    return XB_OK;
}

int xb_spice__device_subckt(xb_spice__subckt *out, const xb_device_type *type, const void *params)
{
    XB_ASSERT_ARG(out != NULL && params != NULL);
    out->write = NULL;
    out->what = NULL;
    if (type == xb_device_linear_drift) {
        int is_window = 0;
        XB_TRY(ld_window_params(out->p, &is_window, type, params));
        if (is_window) {
            out->write = ld_window_subckt;
            out->what = out->p[LD_WINDOW] == LD_BIOLEK ? "linear-drift (Biolek window)"
                                                        : "linear-drift (Prodromakis window)";
        }
    } else if (type == xb_device_team) {
        XB_TRY(team_params(out->p, type, params));
        out->write = team_subckt;
        out->what = "TEAM";
    } else if (type == xb_device_stanford_pku) {
        XB_TRY(stanford_params(out->p, type, params));
        out->write = stanford_subckt;
        out->what = "Stanford-PKU";
    } else if (type == xb_device_yakopcic) {
        XB_TRY(yakopcic_params(out->p, type, params));
        out->write = yakopcic_subckt;
        out->what = "Yakopcic";
    }
    return XB_OK;
}
