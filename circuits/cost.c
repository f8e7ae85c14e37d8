/* Cost model for sizing: area, read/write energy and latency of arrays and of
 * networks mapped onto them. Formulas and the source of every default are in
 * docs/cost-model.md; keep the two in step. */
#include "circuits/circuits.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define P(field) offsetof(xb_cost_params, field)

static const xb_cost_param_info param_table[] = {
    {"feature", "m", "technology feature size F",
     "NeuroSim MLP V3.0 Param.cpp processNode = 32 nm", P(feature)},
    {"cell_f2_0t1r", "F^2", "cross-point (0T1R) cell area",
     "NeuroSim MLP V3.0 Cell.cpp: 2F x 2F cross-point cell", P(cell_f2_0t1r)},
    {"cell_f2_1t1r", "F^2", "1T1R (pseudo-crossbar) cell area",
     "NeuroSim MLP V3.0 Cell.cpp: 4F x 4F pseudo-crossbar cell", P(cell_f2_1t1r)},
    {"wire_width", "m", "array wire width",
     "NeuroSim MLP V3.0 Param.cpp arrayWireWidth = 100 nm", P(wire_width)},
    {"wire_ar", "1", "wire aspect ratio at that width",
     "NeuroSim MLP V3.0 Array.h table: AR = 2.30 at 100 nm", P(wire_ar)},
    {"wire_rho", "ohm m", "wire resistivity at that width",
     "NeuroSim MLP V3.0 Array.h table: 2.73e-8 ohm m at 100 nm", P(wire_rho)},
    {"wire_cap", "F/m", "wire capacitance per length",
     "NeuroSim SubArray.cpp: 0.2 fF/um for row and column lines", P(wire_cap)},
    {"g_on", "S", "largest device conductance",
     "NeuroSim V3.0 Ag:a-Si RealDevice: 3.8462e-8 S (26 Mohm)", P(g_on)},
    {"g_off", "S", "smallest device conductance",
     "NeuroSim V3.0 Ag:a-Si RealDevice: 3.0769e-9 S (325 Mohm)", P(g_off)},
    {"r_access", "ohm", "1T1R access transistor on-resistance",
     "NeuroSim MLP V3.0 Cell.cpp resistanceAccess = 15 kohm", P(r_access)},
    {"v_read", "V", "read voltage", "NeuroSim V3.0 Cell.cpp readVoltage = 0.5 V", P(v_read)},
    {"t_read", "s", "read pulse width", "NeuroSim V3.0 Cell.cpp readPulseWidth = 5 ns",
     P(t_read)},
    {"v_write", "V", "write pulse amplitude",
     "NeuroSim V3.0 Ag:a-Si: 3.2 V LTP (2.8 V LTD)", P(v_write)},
    {"t_write", "s", "write pulse width", "NeuroSim V3.0 Ag:a-Si: 300 us", P(t_write)},
    {"input_activity", "1", "fraction of input bits that are 1",
     "assumption (0.5); set it from your data", P(input_activity)},
    {"dac_energy", "J", "1-bit input driver energy per conversion",
     "ISAAC (ISCA 2016) Table I: 1024 1-bit DACs, 4 mW, one read per 100 ns", P(dac_energy)},
    {"dac_area", "m^2", "1-bit input driver area",
     "ISAAC Table I: 1024 DACs in 0.00017 mm^2", P(dac_area)},
    {"sh_energy", "J", "sample-and-hold energy per output line per cycle",
     "ISAAC Table I: 1024 S+H, 10 uW, one read per 100 ns", P(sh_energy)},
    {"sh_area", "m^2", "sample-and-hold area per output line",
     "ISAAC Table I: 1024 S+H in 0.00004 mm^2", P(sh_area)},
    {"sar_fom", "J", "SAR ADC energy per conversion step (E = fom 2^bits)",
     "ISAAC Table I: 8-bit ADC, 2 mW at 1.28 GS/s = 1.5625 pJ = fom 2^8", P(sar_fom)},
    {"sar_area_8b", "m^2", "SAR ADC area at 8 bits (scales as 2^bits)",
     "ISAAC Table I: 8 ADCs in 0.0096 mm^2", P(sar_area_8b)},
    {"sar_t_bit", "s", "SAR time per bit (t_conv = bits t_bit)",
     "ISAAC Table I: 8 bits at 1.28 GS/s", P(sar_t_bit)},
    {"flash_cmp_energy", "J", "flash ADC energy per comparator per conversion",
     "derived: the SAR fom (one unit capacitor step per comparator); override", P(flash_cmp_energy)},
    {"flash_cmp_area", "m^2", "flash ADC area per comparator",
     "derived: SAR 8-bit area / 2^8; override", P(flash_cmp_area)},
    {"flash_t_conv", "s", "flash ADC conversion time",
     "derived: one SAR bit cycle (one comparator decision); override", P(flash_t_conv)},
    {"acc_energy", "J", "shift-and-add energy per accumulated value",
     "ISAAC Table I: 4 S+A units, 0.2 mW, serving 8 ADCs at 1.28 GS/s", P(acc_energy)},
    {"acc_area", "m^2", "shift-and-add area per ADC",
     "ISAAC Table I: 4 S+A units in 0.00024 mm^2 per 8 ADCs", P(acc_area)},
};

#undef P

void xb_cost_params_default(xb_cost_params *p)
{
    if (!p) {
        return;
    }
    p->feature = 32e-9;
    p->cell_f2_0t1r = 4.0;
    p->cell_f2_1t1r = 16.0;
    p->wire_width = 100e-9;
    p->wire_ar = 2.30;
    p->wire_rho = 2.73e-8;
    p->wire_cap = 0.2e-15 / 1e-6;
    p->g_on = 3.8462e-8;
    p->g_off = 3.0769e-9;
    p->r_access = 15e3;
    p->v_read = 0.5;
    p->t_read = 5e-9;
    p->v_write = 3.2;
    p->t_write = 300e-6;
    p->input_activity = 0.5;
    p->dac_energy = 4e-3 / (1024.0 * 1e7);
    p->dac_area = 0.00017e-6 / 1024.0;
    p->sh_energy = 10e-6 / (1024.0 * 1e7);
    p->sh_area = 0.00004e-6 / 1024.0;
    p->sar_fom = (2e-3 / 1.28e9) / 256.0;
    p->sar_area_8b = 0.0096e-6 / 8.0;
    p->sar_t_bit = 1.0 / (1.28e9 * 8.0);
    p->flash_cmp_energy = p->sar_fom;
    p->flash_cmp_area = p->sar_area_8b / 256.0;
    p->flash_t_conv = p->sar_t_bit;
    p->acc_energy = 0.2e-3 / (8.0 * 1.28e9);
    p->acc_area = 0.00024e-6 / 8.0;
}

size_t xb_cost_param_count(void) { return sizeof param_table / sizeof param_table[0]; }

const xb_cost_param_info *xb_cost_param_at(size_t i)
{
    return i < xb_cost_param_count() ? &param_table[i] : NULL;
}

static const xb_cost_param_info *param_find(const char *name)
{
    for (size_t i = 0; name && i < xb_cost_param_count(); i++) {
        if (!strcmp(param_table[i].name, name)) {
            return &param_table[i];
        }
    }
    return NULL;
}

int xb_cost_param_set(xb_cost_params *p, const char *name, double value)
{
    XB_ASSERT_ARG(p != NULL && name != NULL);
    const xb_cost_param_info *info = param_find(name);
    if (!info) {
        return xb__error_set(XB_ENOTFOUND, "unknown cost parameter '%s' (see docs/cost-model.md "
                                           "or 'xbarsim size --params')",
                             name);
    }
    int frac = !strcmp(name, "input_activity");
    if (!isfinite(value) || value < 0.0 || (frac && value > 1.0) ||
        (value == 0.0 && (!strcmp(name, "feature") || !strncmp(name, "wire_", 5) ||
                          !strncmp(name, "cell_", 5) || !strcmp(name, "g_on")))) {
        return xb__error_set(XB_EINVAL, "cost parameter '%s' = %g: %s", name, value,
                             frac ? "a fraction in [0, 1] is allowed"
                                  : "a finite value >= 0 is allowed (> 0 for sizes and g_on)");
    }
    memcpy((char *)p + info->offset, &value, sizeof value);
    return XB_OK;
}

int xb_cost_param_get(const xb_cost_params *p, const char *name, double *value_out)
{
    XB_ASSERT_ARG(p != NULL && name != NULL && value_out != NULL);
    const xb_cost_param_info *info = param_find(name);
    if (!info) {
        return xb__error_set(XB_ENOTFOUND, "unknown cost parameter '%s'", name);
    }
    memcpy(value_out, (const char *)p + info->offset, sizeof *value_out);
    return XB_OK;
}

/* ---------------------------------------------------------------- arrays */

static int validate_arch(const xb_cost_params *p, const xb_cost_arch *a)
{
    XB_ASSERT_ARG(p != NULL && a != NULL);
    if (a->array_rows < 0 || a->array_cols < 0) {
        return xb__error_set(XB_EINVAL, "array size %d x %d: sizes must be >= 0 (0 = fit each "
                                        "matrix)",
                             a->array_rows, a->array_cols);
    }
    if (a->adc_bits < 1 || a->adc_bits > 16) {
        return xb__error_set(XB_EINVAL, "adc_bits (%d) must be in 1..16", a->adc_bits);
    }
    if (a->in_bits < 1 || a->in_bits > 32) {
        return xb__error_set(XB_EINVAL, "in_bits (%d) must be in 1..32", a->in_bits);
    }
    if (a->col_mux < 1) {
        return xb__error_set(XB_EINVAL, "col_mux (%d) must be >= 1", a->col_mux);
    }
    if (a->cells_per_weight != 1 && a->cells_per_weight != 2) {
        return xb__error_set(XB_EINVAL, "cells_per_weight (%d): 1 or 2 is allowed",
                             a->cells_per_weight);
    }
    if (a->cell != XB_CELL_0T1R && a->cell != XB_CELL_1T1R) {
        return xb__error_set(XB_EINVAL, "cell kind %d: 0T1R or 1T1R is allowed", (int)a->cell);
    }
    if (a->adc != XB_ADC_SAR && a->adc != XB_ADC_FLASH) {
        return xb__error_set(XB_EINVAL, "adc kind %d: sar or flash is allowed", (int)a->adc);
    }
    return XB_OK;
}

static void adc_cost(const xb_cost_params *p, const xb_cost_arch *a, double *e, double *t,
                     double *area)
{
    double levels = ldexp(1.0, a->adc_bits);
    if (a->adc == XB_ADC_SAR) {
        *e = p->sar_fom * levels;
        *t = a->adc_bits * p->sar_t_bit;
        *area = p->sar_area_8b * levels / 256.0;
    } else {
        *e = (levels - 1.0) * p->flash_cmp_energy;
        *t = p->flash_t_conv;
        *area = (levels - 1.0) * p->flash_cmp_area;
    }
}

/* One read direction: `nd` driven lines of capacitance c_drive and resistance
 * r_drive, `ns` sensed lines, ns_phys of them with periphery. */
typedef struct {
    double e_cycle_wires, e_cycle_dac, e_cycle_sh, e_cycle_adc, e_cycle_acc, t_cycle;
} dir_cost;

static dir_cost read_dir(const xb_cost_params *p, const xb_cost_arch *a, int nd, int ns,
                         int ns_phys, double r_drive, double c_drive, double e_adc, double t_adc)
{
    dir_cost d;
    double act = p->input_activity, v2 = p->v_read * p->v_read;
    /* driven lines swing to v_read when their input bit is 1; sensed lines
     * sit at virtual ground and are not charged */
    d.e_cycle_wires = act * nd * c_drive * v2;
    d.e_cycle_dac = act * nd * p->dac_energy;
    d.e_cycle_sh = ns * p->sh_energy;
    d.e_cycle_adc = ns * e_adc;
    d.e_cycle_acc = ns * p->acc_energy;
    int n_adc = (ns_phys + a->col_mux - 1) / a->col_mux;
    int conv_per_adc = (ns + n_adc - 1) / n_adc;
    /* Elmore delay of a distributed RC line, 0.5 R C, then the pulse, then
     * the conversions of the lines that share each ADC */
    d.t_cycle = 0.5 * r_drive * c_drive + p->t_read + conv_per_adc * t_adc;
    return d;
}

int xb_cost_array(xb_cost_array_result *out, const xb_cost_params *p, const xb_cost_arch *a,
                  int rows, int cols, int read_dirs)
{
    XB_ASSERT_ARG(out != NULL);
    XB_TRY(validate_arch(p, a));
    int R = a->array_rows ? a->array_rows : rows, C = a->array_cols ? a->array_cols : cols;
    if (rows < 1 || cols < 1 || rows > R || cols > C) {
        return xb__error_set(XB_EINVAL, "used %d x %d cells do not fit a %d x %d array", rows,
                             cols, R, C);
    }
    if ((read_dirs & (XB_COST_READ_FWD | XB_COST_READ_BWD)) == 0) {
        return xb__error_set(XB_EINVAL, "read_dirs (%d): XB_COST_READ_FWD and/or _BWD", read_dirs);
    }
    memset(out, 0, sizeof *out);
    double f2 = a->cell == XB_CELL_1T1R ? p->cell_f2_1t1r : p->cell_f2_0t1r;
    double pitch = sqrt(f2) * p->feature; /* square cells */
    double r_per_m = p->wire_rho / (p->wire_width * p->wire_width * p->wire_ar);
    out->r_row_line = C * pitch * r_per_m;
    out->c_row_line = C * pitch * p->wire_cap;
    out->r_col_line = R * pitch * r_per_m;
    out->c_col_line = R * pitch * p->wire_cap;
    out->area_cells = (double)R * C * f2 * p->feature * p->feature;
    adc_cost(p, a, &out->e_adc_conv, &out->t_adc_conv, &out->a_adc);

    /* mean cell conductance, in series with the access transistor for 1T1R */
    double g = 0.5 * (p->g_on + p->g_off);
    if (a->cell == XB_CELL_1T1R) {
        g = g / (1.0 + g * p->r_access);
    }
    double e_cells = p->input_activity * rows * cols * p->v_read * p->v_read * g * p->t_read;
    double a_adc_unit = out->a_adc + p->acc_area;
    if (read_dirs & XB_COST_READ_FWD) {
        dir_cost d = read_dir(p, a, rows, cols, C, out->r_row_line, out->c_row_line,
                              out->e_adc_conv, out->t_adc_conv);
        out->e_cycle_cells = e_cells;
        out->e_cycle_wires = d.e_cycle_wires;
        out->e_cycle_dac = d.e_cycle_dac;
        out->e_cycle_sh = d.e_cycle_sh;
        out->e_cycle_adc = d.e_cycle_adc;
        out->e_cycle_acc = d.e_cycle_acc;
        double e = e_cells + d.e_cycle_wires + d.e_cycle_dac + d.e_cycle_sh + d.e_cycle_adc +
                   d.e_cycle_acc;
        out->e_read = a->in_bits * e;
        out->t_read = a->in_bits * d.t_cycle;
        int n_adc = (C + a->col_mux - 1) / a->col_mux;
        out->area_periph += R * p->dac_area + C * p->sh_area + n_adc * a_adc_unit;
    }
    if (read_dirs & XB_COST_READ_BWD) {
        dir_cost d = read_dir(p, a, cols, rows, R, out->r_col_line, out->c_col_line,
                              out->e_adc_conv, out->t_adc_conv);
        double e = e_cells + d.e_cycle_wires + d.e_cycle_dac + d.e_cycle_sh + d.e_cycle_adc +
                   d.e_cycle_acc;
        out->e_read_t = a->in_bits * e;
        out->t_read_t = a->in_bits * d.t_cycle;
        int n_adc = (R + a->col_mux - 1) / a->col_mux;
        out->area_periph += C * p->dac_area + R * p->sh_area + n_adc * a_adc_unit;
    }
    /* one pulse: the selected cell conducts at v_write for t_write and its
     * column line is charged to v_write (NeuroSim's write-energy terms);
     * cross-point arrays also half-select the other R - 1 cells of that
     * column at v_write / 2 (V/2 scheme); a 1T1R access transistor blocks them */
    double vw2 = p->v_write * p->v_write;
    double g_w = 0.5 * (p->g_on + p->g_off);
    out->e_pulse = vw2 * g_w * p->t_write + vw2 * out->c_col_line;
    if (a->cell == XB_CELL_0T1R) {
        out->e_pulse += 0.25 * vw2 * g_w * p->t_write * (R - 1);
    }
    out->t_pulse_step = p->t_write;
    return XB_OK;
}

int xb_cost_counters(double *energy_out, double *latency_out, const xb_cost_params *p,
                     const xb_cost_arch *a, int rows, int cols, int read_dirs, double fwd_reads,
                     double bwd_reads, double pulses)
{
    XB_ASSERT_ARG(energy_out != NULL && latency_out != NULL);
    if (!(fwd_reads >= 0.0 && bwd_reads >= 0.0 && pulses >= 0.0)) {
        return xb__error_set(XB_EINVAL, "counters (%g reads, %g transposed reads, %g pulses) "
                                        "must be >= 0",
                             fwd_reads, bwd_reads, pulses);
    }
    if (bwd_reads > 0.0) {
        read_dirs |= XB_COST_READ_BWD;
    }
    xb_cost_array_result r;
    XB_TRY(xb_cost_array(&r, p, a, rows, cols, read_dirs));
    *energy_out = fwd_reads * r.e_read + bwd_reads * r.e_read_t + pulses * r.e_pulse;
    *latency_out = fwd_reads * r.t_read + bwd_reads * r.t_read_t +
                   ceil(pulses / cols) * r.t_pulse_step;
    return XB_OK;
}

/* -------------------------------------------------------------- networks */

static const char *const channel_names[] = {"bidirectional", "conjoined", "twin", "distinct"};

int xb_cost_channel_parse(xb_cost_channel *out, const char *name)
{
    XB_ASSERT_ARG(out != NULL && name != NULL);
    for (int k = 0; k < 4; k++) {
        if (!strcmp(name, channel_names[k])) {
            *out = (xb_cost_channel)k;
            return XB_OK;
        }
    }
    return xb__error_set(XB_EINVAL, "channel '%s': bidirectional, conjoined, twin or distinct "
                                    "is allowed",
                         name);
}

const char *xb_cost_channel_name(xb_cost_channel c)
{
    return (int)c >= 0 && (int)c < 4 ? channel_names[c] : "?";
}

void xb_cost_network_free(xb_cost_network *n)
{
    if (n) {
        free(n->m);
        n->m = NULL;
        n->n = 0;
    }
}

/* Puts an n_in x n_out matrix on tiles: rows = n_in (driven in the forward
 * direction), cols = n_out * cells_per_weight. Tiles along the rows produce
 * partial sums that are added digitally (acc_energy each). */
static int map_matrix(xb_cost_matrix *m, const xb_cost_params *p, const xb_cost_arch *a,
                      const char *role, int layer, int n_in, int n_out, int read_dirs,
                      int periphery)
{
    memset(m, 0, sizeof *m);
    snprintf(m->role, sizeof m->role, "%s", role);
    m->layer = layer;
    m->n_in = n_in;
    m->n_out = n_out;
    m->shares_periphery = !periphery;
    int cols_needed = n_out * a->cells_per_weight;
    int R = a->array_rows ? a->array_rows : n_in, C = a->array_cols ? a->array_cols : cols_needed;
    m->tiles_r = (n_in + R - 1) / R;
    m->tiles_c = (cols_needed + C - 1) / C;
    m->n_cells = (double)n_in * cols_needed;
    double t_max = 0.0;
    for (int i = 0; i < m->tiles_r; i++) {
        int r = i + 1 < m->tiles_r ? R : n_in - i * R;
        for (int j = 0; j < m->tiles_c; j++) {
            int c = j + 1 < m->tiles_c ? C : cols_needed - j * C;
            xb_cost_array_result ar;
            XB_TRY(xb_cost_array(&ar, p, a, r, c, read_dirs));
            m->area_cells += ar.area_cells;
            if (periphery) {
                m->area_periph += ar.area_periph;
            }
            /* a "bwd"-only matrix is read in its own direction: its e_read */
            m->e_read += (read_dirs & XB_COST_READ_FWD) ? ar.e_read : ar.e_read_t;
            double t = (read_dirs & XB_COST_READ_FWD) ? ar.t_read : ar.t_read_t;
            t_max = t > t_max ? t : t_max;
            m->e_pulse = ar.e_pulse; /* per pulse; the same for every full tile */
            double tu = 2.0 * r * p->t_write;
            m->t_update = tu > m->t_update ? tu : m->t_update;
        }
    }
    /* partial sums of the row tiles: (tiles_r - 1) additions per output */
    m->e_read += (double)(m->tiles_r - 1) * n_out * a->in_bits * p->acc_energy;
    m->t_read = t_max;
    return XB_OK;
}

int xb_cost_network_create(xb_cost_network *out, const xb_cost_params *p, const xb_cost_arch *a,
                           const int *w, int nw, xb_cost_channel channel, int srbp)
{
    XB_ASSERT_ARG(out != NULL && w != NULL);
    memset(out, 0, sizeof *out);
    XB_TRY(validate_arch(p, a));
    if (nw < 2) {
        return xb__error_set(XB_EINVAL, "a network needs at least 2 layer widths, got %d", nw);
    }
    for (int k = 0; k < nw; k++) {
        if (w[k] < 1) {
            return xb__error_set(XB_EINVAL, "layer width %d (%d) must be >= 1", k, w[k]);
        }
    }
    if ((int)channel < 0 || (int)channel > 3) {
        return xb__error_set(XB_EINVAL, "channel %d: unknown", (int)channel);
    }
    if (srbp && channel != XB_CHANNEL_DISTINCT) {
        return xb__error_set(XB_EINVAL, "srbp needs backward arrays of shape n_L x n_l: use "
                                        "the distinct channel, not %s",
                             xb_cost_channel_name(channel));
    }
    int L = nw - 1;
    out->m = calloc((size_t)(2 * L), sizeof *out->m);
    if (!out->m) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    out->channel = channel;
    out->srbp = srbp;
    int rc = XB_OK;
    for (int l = 1; l <= L; l++) {
        if ((rc = map_matrix(&out->m[out->n++], p, a, "fwd", l, w[l - 1], w[l],
                             XB_COST_READ_FWD, 1)) < 0) {
            goto fail;
        }
    }
    /* backward matrices: B_l (l = 2..L) carries delta_l to layer l - 1; with
     * srbp, D_l (l = 1..L-1) carries the output error to layer l */
    int lo = srbp ? 1 : 2, hi = srbp ? L - 1 : L;
    for (int l = lo; l <= hi; l++) {
        xb_cost_matrix *m = &out->m[out->n++];
        int shared = channel == XB_CHANNEL_BIDIRECTIONAL || channel == XB_CHANNEL_CONJOINED;
        if (srbp) {
            rc = map_matrix(m, p, a, "bwd", l, w[L], w[l], XB_COST_READ_FWD, 1);
        } else if (channel == XB_CHANNEL_DISTINCT) { /* W_l^T as its own array, driven by n_l */
            rc = map_matrix(m, p, a, "bwd", l, w[l], w[l - 1], XB_COST_READ_FWD, 1);
        } else { /* the forward array (bidirectional) or a mirror of it, read transposed */
            rc = map_matrix(m, p, a, "bwd", l, w[l - 1], w[l], XB_COST_READ_BWD, !shared);
        }
        if (rc < 0) {
            goto fail;
        }
        if (channel == XB_CHANNEL_BIDIRECTIONAL) {
            m->area_cells = 0.0; /* the forward array's own cells */
            m->n_cells = 0.0;
        }
        if (shared && l == L) {
            /* shared neuron circuits: every hidden neuron already has a driver
             * (for the next layer) and an ADC (from the previous one); only
             * the output neurons need drivers to send the error back */
            m->area_periph = (double)w[L] * a->cells_per_weight * p->dac_area;
        }
    }
    for (size_t k = 0; k < out->n; k++) {
        xb_cost_matrix *m = &out->m[k];
        out->area += m->area_cells + m->area_periph;
        if (!strcmp(m->role, "fwd")) {
            out->e_fwd += m->e_read;
            out->t_fwd += m->t_read;
        } else {
            out->e_bwd += m->e_read;
            /* srbp reads every D_l from the same output error, in parallel */
            if (srbp) {
                out->t_bwd = m->t_read > out->t_bwd ? m->t_read : out->t_bwd;
            } else {
                out->t_bwd += m->t_read;
            }
        }
    }
    double cells = 0.0, e = 0.0;
    for (int l = 0; l < L; l++) {
        cells += out->m[l].n_cells;
        e += out->m[l].n_cells * out->m[l].e_pulse;
        if (out->m[l].t_update > out->t_update) {
            out->t_update = out->m[l].t_update;
        }
    }
    out->e_pulse = e / cells;
    return XB_OK;
fail:
    xb_cost_network_free(out);
    return rc;
}

int xb_cost_network_fprint(FILE *fp, const xb_cost_network *n, const char *design, int csv,
                           int header)
{
    XB_ASSERT_ARG(fp != NULL && n != NULL && design != NULL);
    const char *ch = xb_cost_channel_name(n->channel);
    if (csv) {
        if (header) {
            fputs("design,channel,role,layer,n_in,n_out,tiles_r,tiles_c,cells,area_cells_m2,"
                  "area_periph_m2,e_read_J,t_read_s,e_pulse_J,t_update_s\n",
                  fp);
        }
        for (size_t k = 0; k < n->n; k++) {
            const xb_cost_matrix *m = &n->m[k];
            xb_csv_field(fp, design);
            fprintf(fp, ",%s,%s,%d,%d,%d,%d,%d,%.0f,%.6e,%.6e,%.6e,%.6e,%.6e,%.6e\n", ch,
                    m->role, m->layer, m->n_in, m->n_out, m->tiles_r, m->tiles_c, m->n_cells,
                    m->area_cells, m->area_periph, m->e_read, m->t_read, m->e_pulse, m->t_update);
        }
        double ac = 0.0, ap = 0.0, cells = 0.0;
        for (size_t k = 0; k < n->n; k++) {
            ac += n->m[k].area_cells;
            ap += n->m[k].area_periph;
            cells += n->m[k].n_cells;
        }
        xb_csv_field(fp, design);
        fprintf(fp, ",%s,total_fwd,,,,,,%.0f,%.6e,%.6e,%.6e,%.6e,%.6e,%.6e\n", ch, cells, ac, ap,
                n->e_fwd, n->t_fwd, n->e_pulse, n->t_update);
        xb_csv_field(fp, design);
        fprintf(fp, ",%s,total_bwd,,,,,,,,,%.6e,%.6e,,\n", ch, n->e_bwd, n->t_bwd);
        return ferror(fp) ? xb__error_set(XB_EIO, "write error") : XB_OK;
    }
    fprintf(fp, "| matrix | layer | n_in x n_out | tiles | cells | area cells (um^2) | "
                "area periphery (um^2) | read energy (pJ) | read latency (ns) | "
                "energy per pulse (pJ) | update latency (us) |\n"
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (size_t k = 0; k < n->n; k++) {
        const xb_cost_matrix *m = &n->m[k];
        fprintf(fp,
                "| %s%s | %d | %d x %d | %d x %d | %.0f | %.4g | %.4g | %.4g | %.4g | %.4g | %.4g |\n",
                m->role, n->srbp && !strcmp(m->role, "bwd") ? " (D)" : "", m->layer, m->n_in,
                m->n_out, m->tiles_r, m->tiles_c, m->n_cells, m->area_cells * 1e12,
                m->area_periph * 1e12, m->e_read * 1e12, m->t_read * 1e9, m->e_pulse * 1e12,
                m->t_update * 1e6);
    }
    fprintf(fp, "\nDesign %s, channel %s: total area %.4g um^2; per sample, forward pass %.4g pJ "
                "in %.4g ns, backward pass %.4g pJ in %.4g ns; mean energy per write pulse "
                "(forward arrays) %.4g pJ; one pulse to every forward cell (row by row, LTP and "
                "LTD phases, layers in parallel) %.4g us.\n",
            design, ch, n->area * 1e12, n->e_fwd * 1e12, n->t_fwd * 1e9, n->e_bwd * 1e12,
            n->t_bwd * 1e9, n->e_pulse * 1e12, n->t_update * 1e6);
    return ferror(fp) ? xb__error_set(XB_EIO, "write error") : XB_OK;
}

int xb_cost_network_fprint_arrays(FILE *fp, const xb_cost_network *n, const xb_cost_params *p,
                                  const xb_cost_arch *a, const char *design, int csv)
{
    XB_ASSERT_ARG(fp != NULL && n != NULL && design != NULL);
    XB_TRY(validate_arch(p, a));
    const char *ch = xb_cost_channel_name(n->channel);
    if (csv) {
        fputs("design,channel,role,layer,tile_r,tile_c,rows,cols,array_rows,array_cols,"
              "area_cells_m2,area_periph_m2,e_read_J,t_read_s,e_pulse_J\n",
              fp);
    } else {
        fprintf(fp, "| matrix | layer | tile | used rows x cols | array | area cells (um^2) | "
                    "area periphery (um^2) | read energy (pJ) | read latency (ns) | "
                    "energy per pulse (pJ) |\n"
                    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    }
    for (size_t k = 0; k < n->n; k++) {
        const xb_cost_matrix *m = &n->m[k];
        int fwd_dir = !strcmp(m->role, "fwd") || n->srbp || n->channel == XB_CHANNEL_DISTINCT;
        int cols_needed = m->n_out * a->cells_per_weight;
        int R = a->array_rows ? a->array_rows : m->n_in;
        int C = a->array_cols ? a->array_cols : cols_needed;
        for (int i = 0; i < m->tiles_r; i++) {
            int r = i + 1 < m->tiles_r ? R : m->n_in - i * R;
            for (int j = 0; j < m->tiles_c; j++) {
                int c = j + 1 < m->tiles_c ? C : cols_needed - j * C;
                xb_cost_array_result ar;
                int dirs = fwd_dir ? XB_COST_READ_FWD : XB_COST_READ_BWD;
                XB_TRY(xb_cost_array(&ar, p, a, r, c, dirs));
                /* the matrix's own accounting of shared cells and periphery */
                double ac = m->area_cells > 0.0 ? ar.area_cells : 0.0;
                double ap = m->shares_periphery ? 0.0 : ar.area_periph;
                double e = fwd_dir ? ar.e_read : ar.e_read_t;
                double t = fwd_dir ? ar.t_read : ar.t_read_t;
                if (csv) {
                    xb_csv_field(fp, design);
                    fprintf(fp, ",%s,%s,%d,%d,%d,%d,%d,%d,%d,%.6e,%.6e,%.6e,%.6e,%.6e\n", ch,
                            m->role, m->layer, i, j, r, c, R, C, ac, ap, e, t, ar.e_pulse);
                } else {
                    fprintf(fp, "| %s | %d | %d,%d | %d x %d | %d x %d | %.4g | %.4g | %.4g | "
                                "%.4g | %.4g |\n",
                            m->role, m->layer, i, j, r, c, R, C, ac * 1e12, ap * 1e12, e * 1e12,
                            t * 1e9, ar.e_pulse * 1e12);
                }
            }
        }
    }
    return ferror(fp) ? xb__error_set(XB_EIO, "write error") : XB_OK;
}
