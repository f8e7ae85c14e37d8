/* xbarsim spice: the netlist of an array, and a check of the nodal solvers
 * against ngspice on that same netlist. */
#include "circuits/circuits.h"
#include "cli/cli.h"
#include "scenarios/scenarios.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Random arrays of `spice` draw from their own stream purpose. */
#define SPICE_RNG_PURPOSE (XB_RNG_USER + 5)

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: xbarsim spice export [options] [-o FILE]\n"
            "       xbarsim spice check  [options] [--tol T]\n\n"
            "export writes the ngspice netlist of one read of a random array (stdout\n"
            "without -o), or with --write the `tran` netlist of one write pulse; check\n"
            "solves the same circuit with ngspice (op), the exact\n"
            "nodal solver and the fast one, prints every column current and the\n"
            "largest relative difference to ngspice, and exits 1 if the exact nodal\n"
            "solver differs by more than --tol (default 1e-6).\n\n"
            "options (defaults in brackets; explicit options override --scenario):\n"
            "  --scenario FILE        take r_wire, r_source, r_sense, cell, r_access and, when\n"
            "                         set, tile_rows x tile_cols from a scenario file's run\n"
            "  --run K                which expanded run of --scenario, from 0 [0]\n"
            "  --rows N, --cols N     array size [16 x 16]\n"
            "  --r-wire R             wire resistance per segment, rows and columns, ohm [2.5]\n"
            "  --r-wire-row R, --r-wire-col R   per line kind, ohm\n"
            "  --r-source R           driver resistance, ohm [0]\n"
            "  --r-sense R            sense resistance, ohm (0 = virtual ground) [0]\n"
            "  --cell 0t1r|1t1r       cell kind [0t1r]\n"
            "  --r-access R           1T1R access transistor on-resistance, ohm [1000]\n"
            "  --iv linear|sinh|cubic cell I-V, i = g f(v) [linear]; nonlinear cells are\n"
            "                         solved by Newton (nodal_fast is skipped for them)\n"
            "  --iv-beta B            sinh: f = sinh(B v)/B; cubic: f = v + B v^3 [2]\n"
            "  --g-min G, --g-max G   conductances uniform in [G_min, G_max], S [1e-6, 1e-4]\n"
            "  --v-max V              inputs uniform in [0, V], volts [0.3]\n"
            "  --transpose            drive the columns, sense the rows\n"
            "  --seed N               seed of the conductances and inputs [1]\n"
            "  --tol T                check: pass threshold on the exact solver [1e-6]\n"
            "  -o FILE                export: write the netlist to FILE\n"
            "  --write R,C            check a write instead of a read: the voltage across\n"
            "                         every cell while cell (R, C) is written (C = -1: all of\n"
            "                         row R), ngspice op vs the exact and the fast solver\n"
            "  --scheme v2|v3|float   unselected lines at V/2, V/3 and 2V/3, or floating [v2]\n"
            "  --v-write V            write voltage [1.2; export --write: the device's v_up]\n"
            "  --device NAME          export --write: every cell a behavioural memristor of\n"
            "                         this model or preset (linear_drift with any window,\n"
            "                         vteam, team, yakopcic, stanford_pku), states uniform\n"
            "                         in [0, 1] from --seed, the device's own write pulse\n"
            "                         (t_pulse, t_edge) [linear_drift]\n");
}

static int parse_double(const char *opt, const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = s ? strtod(s, &end) : 0.0;
    if (s == NULL || end == s || *end != '\0' || errno != 0 || !isfinite(v)) {
        fprintf(stderr, "xbarsim spice: %s: '%s' is not a number\n", opt, s ? s : "");
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_int(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (s == NULL || end == s || *end != '\0' || errno != 0 || v < lo || v > hi) {
        fprintf(stderr, "xbarsim spice: %s: '%s' is not an integer in [%ld, %ld]\n", opt,
                s ? s : "", lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

typedef struct {
    xb_circuit_config c;
    double g_min, g_max, v_max, tol;
    int transpose;
    long seed;
    const char *out_path;
    const char *scenario;
    long run;
    int write, w_row, w_col; /* --write R,C */
    xb_write_scheme scheme;
    double v_write;
    int v_write_set;
    const char *device; /* export --write */
} spice_opts;

/* The circuit settings of one run of a scenario file (scenarios/ schema). */
static int from_scenario(spice_opts *o)
{
    xb_scenario_file *f = NULL;
    int rc = xb_scenario_file_load(&f, o->scenario);
    if (rc != XB_OK) {
        xb_cli_fail("spice --scenario", rc);
        xb_scenario_file_free(f);
        return -1;
    }
    size_t nruns = xb_scenario_file_n_runs(f);
    if (o->run < 0 || (size_t)o->run >= nruns) {
        fprintf(stderr, "xbarsim spice: --run %ld: %s has %zu runs (0..%zu)\n", o->run, o->scenario,
                nruns, nruns ? nruns - 1 : 0);
        xb_scenario_file_free(f);
        return -1;
    }
    const xb_run *r = xb_scenario_file_run(f, (size_t)o->run);
    const char *num_cols[] = {"r_wire",   "r_source",  "r_sense",
                              "r_access", "tile_rows", "tile_cols"};
    double val[6];
    for (int k = 0; k < 6; k++) {
        int idx = xb_scenario_column_find(num_cols[k]);
        val[k] = idx >= 0 ? r->num[idx] : NAN;
        if (idx < 0 || isnan(val[k])) {
            fprintf(stderr, "xbarsim spice: %s: the schema has no numeric column '%s'\n",
                    o->scenario, num_cols[k]);
            xb_scenario_file_free(f);
            return -1;
        }
    }
    o->c.r_wire_row = o->c.r_wire_col = val[0];
    o->c.r_source = val[1];
    o->c.r_sense = val[2];
    o->c.r_access = val[3];
    if (val[4] > 0.0) {
        o->c.rows = (int)val[4];
    }
    if (val[5] > 0.0) {
        o->c.cols = (int)val[5];
    }
    int ic = xb_scenario_column_find("cell");
    o->c.cell = (ic >= 0 && r->text[ic] != NULL && !strcmp(r->text[ic], "1t1r")) ? XB_CELL_1T1R
                                                                                 : XB_CELL_0T1R;
    fprintf(stderr,
            "xbarsim spice: %s run %ld (%s): r_wire %g, r_source %g, r_sense %g ohm, %s%s\n",
            o->scenario, o->run, r->name, val[0], val[1], val[2],
            o->c.cell == XB_CELL_1T1R ? "1T1R" : "0T1R",
            val[4] > 0.0 || val[5] > 0.0 ? ", tile size from the scenario" : "");
    xb_scenario_file_free(f);
    return 0;
}

static int parse(int argc, char **argv, spice_opts *o)
{
    xb_circuit_config init = XB_CIRCUIT_CONFIG_INIT;
    o->c = init;
    o->c.rows = o->c.cols = 16;
    o->c.r_wire_row = o->c.r_wire_col = 2.5;
    o->c.r_access = 1000.0;
    o->c.iv_beta = 2.0;
    o->g_min = 1e-6;
    o->g_max = 1e-4;
    o->v_max = 0.3;
    o->tol = 1e-6;
    o->transpose = 0;
    o->seed = 1;
    o->out_path = NULL;
    o->scenario = NULL;
    o->run = 0;
    o->write = 0;
    o->w_row = o->w_col = 0;
    o->scheme = XB_WRITE_V2;
    o->v_write = 1.2;
    o->v_write_set = 0;
    o->device = NULL;
    /* first pass: the scenario's settings, which the other options override */
    for (int i = 2; i + 1 < argc; i++) {
        long n;
        if (!strcmp(argv[i], "--scenario")) {
            o->scenario = argv[++i];
        } else if (!strcmp(argv[i], "--run")) {
            if (parse_int("--run", argv[++i], 0, 0x7fffffffL, &n) != 0) {
                return -1;
            }
            o->run = n;
        } else if (!strcmp(argv[i], "--transpose")) {
            continue;
        } else if (argv[i][0] == '-') {
            i++; /* every other option takes a value */
        }
    }
    if (argc > 2 && (!strcmp(argv[argc - 1], "--scenario") || !strcmp(argv[argc - 1], "--run"))) {
        fprintf(stderr, "xbarsim spice: %s needs a value\n", argv[argc - 1]);
        return -1;
    }
    if (o->scenario != NULL && from_scenario(o) != 0) {
        return -1;
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        int rc = 0, takes = 1;
        if (!strcmp(a, "--rows") || !strcmp(a, "--cols")) {
            rc = parse_int(a, v, 1, 4096, &n);
            *(a[2] == 'r' ? &o->c.rows : &o->c.cols) = (int)n;
        } else if (!strcmp(a, "--r-wire")) {
            rc = parse_double(a, v, &o->c.r_wire_row);
            o->c.r_wire_col = o->c.r_wire_row;
        } else if (!strcmp(a, "--r-wire-row")) {
            rc = parse_double(a, v, &o->c.r_wire_row);
        } else if (!strcmp(a, "--r-wire-col")) {
            rc = parse_double(a, v, &o->c.r_wire_col);
        } else if (!strcmp(a, "--r-source")) {
            rc = parse_double(a, v, &o->c.r_source);
        } else if (!strcmp(a, "--r-sense")) {
            rc = parse_double(a, v, &o->c.r_sense);
        } else if (!strcmp(a, "--r-access")) {
            rc = parse_double(a, v, &o->c.r_access);
        } else if (!strcmp(a, "--g-min")) {
            rc = parse_double(a, v, &o->g_min);
        } else if (!strcmp(a, "--g-max")) {
            rc = parse_double(a, v, &o->g_max);
        } else if (!strcmp(a, "--v-max")) {
            rc = parse_double(a, v, &o->v_max);
        } else if (!strcmp(a, "--tol")) {
            rc = parse_double(a, v, &o->tol);
        } else if (!strcmp(a, "--seed")) {
            rc = parse_int(a, v, 0, 0x7fffffffL, &o->seed);
        } else if (!strcmp(a, "--cell")) {
            if (v != NULL && !strcmp(v, "0t1r")) {
                o->c.cell = XB_CELL_0T1R;
            } else if (v != NULL && !strcmp(v, "1t1r")) {
                o->c.cell = XB_CELL_1T1R;
            } else {
                fprintf(stderr, "xbarsim spice: --cell: '%s' is neither 0t1r nor 1t1r\n",
                        v ? v : "");
                rc = -1;
            }
        } else if (!strcmp(a, "--iv-beta")) {
            rc = parse_double(a, v, &o->c.iv_beta);
        } else if (!strcmp(a, "--iv")) {
            if (v != NULL && !strcmp(v, "linear")) {
                o->c.iv = XB_IV_LINEAR;
            } else if (v != NULL && !strcmp(v, "sinh")) {
                o->c.iv = XB_IV_SINH;
            } else if (v != NULL && !strcmp(v, "cubic")) {
                o->c.iv = XB_IV_CUBIC;
            } else {
                fprintf(stderr, "xbarsim spice: --iv: '%s' is not linear, sinh or cubic\n",
                        v ? v : "");
                rc = -1;
            }
        } else if (!strcmp(a, "-o")) {
            o->out_path = v;
            if (v == NULL) {
                fprintf(stderr, "xbarsim spice: -o needs a file name\n");
                rc = -1;
            }
        } else if (!strcmp(a, "--scenario") || !strcmp(a, "--run")) {
            /* read by the first pass */
        } else if (!strcmp(a, "--write")) {
            int rr, cc, used = 0;
            if (v == NULL || sscanf(v, "%d,%d%n", &rr, &cc, &used) != 2 || v[used] != '\0') {
                fprintf(stderr, "xbarsim spice: --write: '%s' is not ROW,COL\n", v ? v : "");
                rc = -1;
            } else {
                o->write = 1;
                o->w_row = rr;
                o->w_col = cc;
            }
        } else if (!strcmp(a, "--scheme")) {
            if (v != NULL && !strcmp(v, "v2")) {
                o->scheme = XB_WRITE_V2;
            } else if (v != NULL && !strcmp(v, "v3")) {
                o->scheme = XB_WRITE_V3;
            } else if (v != NULL && !strcmp(v, "float")) {
                o->scheme = XB_WRITE_FLOAT;
            } else {
                fprintf(stderr, "xbarsim spice: --scheme: '%s' is not v2, v3 or float\n",
                        v ? v : "");
                rc = -1;
            }
        } else if (!strcmp(a, "--v-write")) {
            rc = parse_double(a, v, &o->v_write);
            o->v_write_set = 1;
        } else if (!strcmp(a, "--device")) {
            o->device = v;
            if (v == NULL) {
                fprintf(stderr, "xbarsim spice: --device needs a model or preset name\n");
                rc = -1;
            }
        } else if (!strcmp(a, "--transpose")) {
            o->transpose = 1;
            takes = 0;
        } else {
            fprintf(stderr, "xbarsim spice: unknown option '%s'\n", a);
            usage(stderr);
            return -1;
        }
        if (rc != 0) {
            return -1;
        }
        i += takes;
    }
    if (o->device != NULL && !(o->write && !strcmp(argv[1], "export"))) {
        fprintf(stderr, "xbarsim spice: --device '%s' applies only to export --write\n", o->device);
        return -1;
    }
    if (!(o->g_min > 0.0) || !(o->g_max >= o->g_min)) {
        fprintf(stderr, "xbarsim spice: need 0 < --g-min (%g) <= --g-max (%g)\n", o->g_min,
                o->g_max);
        return -1;
    }
    return 0;
}

/* The array of the options: g and v drawn from the seed. */
static int make_array(const spice_opts *o, double **g_out, double **v_out)
{
    size_t ncell = (size_t)o->c.rows * (size_t)o->c.cols;
    size_t nin = (size_t)(o->transpose ? o->c.cols : o->c.rows);
    double *g = malloc(ncell * sizeof *g), *v = malloc(nin * sizeof *v);
    if (g == NULL || v == NULL) {
        free(g);
        free(v);
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    xb_rng rg, rv;
    xb_rng_init(&rg, (uint64_t)o->seed, SPICE_RNG_PURPOSE, 0);
    xb_rng_init(&rv, (uint64_t)o->seed, SPICE_RNG_PURPOSE, 1);
    for (size_t k = 0; k < ncell; k++) {
        g[k] = o->g_min + (o->g_max - o->g_min) * xb_rng_uniform(&rg);
    }
    for (size_t k = 0; k < nin; k++) {
        v[k] = o->v_max * xb_rng_uniform(&rv);
    }
    *g_out = g;
    *v_out = v;
    return XB_OK;
}

/* Writes a netlist to -o or stdout (takes net). */
static int put_netlist(const spice_opts *o, char *net)
{
    if (o->out_path != NULL) {
        int rc = xb_file_write_atomic(o->out_path, net, strlen(net));
        free(net);
        if (rc != XB_OK) {
            return xb_cli_fail("spice export", rc);
        }
        fprintf(stderr, "xbarsim spice: wrote %s\n", o->out_path);
        return 0;
    }
    fputs(net, stdout);
    free(net);
    return 0;
}

/* export --write: the `tran` netlist of one write pulse of --device on the
 * array (xb_spice_netlist_tran_device), the selected cell at the write
 * voltage and the others biased by --scheme. The ngspice step is at most a
 * tenth of the pulse edge, so the edges are resolved. */
static int do_export_write(const spice_opts *o)
{
    _Alignas(max_align_t) unsigned char params[XB_DEVICE_PARAMS_MAX];
    const xb_device_type *type = NULL;
    const char *name = o->device ? o->device : "linear_drift";
    size_t ncell = (size_t)o->c.rows * (size_t)o->c.cols;
    double *x0 = malloc(ncell * sizeof *x0);
    double *ur = malloc((size_t)o->c.rows * sizeof *ur);
    double *uc = malloc((size_t)o->c.cols * sizeof *uc);
    char *net = NULL;
    int rc = (x0 && ur && uc) ? XB_OK : xb__error_set(XB_ENOMEM, "out of memory");
    rc = rc ? rc : xb_device_preset_find(name, &type, params);
    double v = o->v_write, vup = 0.0, t_end = 0.0;
    xb_device_waveform w = {XB_WAVE_PULSE, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    if (rc == XB_OK && (xb_device_param_get(type, params, "v_up", &vup) != XB_OK ||
                        xb_device_write_pulse(type, params, &w, &t_end) != XB_OK)) {
        rc = xb__error_set(XB_EINVAL,
                           "device '%s' (model %s) has no write pulse (v_up, t_pulse, t_edge); "
                           "tran subcircuits exist for linear_drift, vteam, team, yakopcic and "
                           "stanford_pku",
                           name, type->name);
    }
    if (!o->v_write_set) {
        v = vup;
    }
    rc = rc ? rc : xb_write_bias(ur, uc, o->c.rows, o->c.cols, o->scheme, o->w_row, o->w_col, v);
    if (rc == XB_OK) {
        xb_rng r;
        xb_rng_init(&r, (uint64_t)o->seed, SPICE_RNG_PURPOSE, 2);
        for (size_t k = 0; k < ncell; k++) {
            x0[k] = xb_rng_uniform(&r);
        }
        xb_spice_pulse p = {w.delay, w.rise, w.width, w.fall, t_end, fmin(w.rise, w.fall) / 10.0};
        rc = xb_spice_netlist_tran_device(&net, &o->c, type, params, x0, ur, uc, &p);
    }
    free(x0);
    free(ur);
    free(uc);
    if (rc != XB_OK) {
        return xb_cli_fail("spice export --write", rc);
    }
    fprintf(stderr, "xbarsim spice: write pulse of %s at %g V, %g s\n", name, v, w.width);
    return put_netlist(o, net);
}

static int do_export(const spice_opts *o)
{
    if (o->write) {
        return do_export_write(o);
    }
    double *g = NULL, *v = NULL;
    char *net = NULL;
    int rc = make_array(o, &g, &v);
    if (rc == XB_OK) {
        rc = xb_spice_netlist_read(&net, &o->c, g, o->transpose, v);
    }
    free(g);
    free(v);
    if (rc != XB_OK) {
        return xb_cli_fail("spice export", rc);
    }
    return put_netlist(o, net);
}

static int solve_with(const xb_solver_type *s, const spice_opts *o, const double *g,
                      const double *v, double *out, double *seconds)
{
    void *ws = NULL;
    double t0 = xb_time_now();
    int rc = s->create(&ws, &o->c);
    if (rc == XB_OK) {
        rc = s->setup(ws, g);
    }
    if (rc == XB_OK) {
        rc = s->solve(ws, o->transpose, v, 1, out);
    }
    *seconds = xb_time_now() - t0;
    s->free(ws);
    return rc;
}

static double rel_diff(double a, double ref)
{
    double d = fabs(a - ref), m = fmax(fabs(a), fabs(ref));
    return m > 0.0 ? d / m : d;
}

static int do_check(const spice_opts *o)
{
    double *g = NULL, *v = NULL;
    int rc = make_array(o, &g, &v);
    if (rc != XB_OK) {
        return xb_cli_fail("spice check", rc);
    }
    size_t nout = (size_t)(o->transpose ? o->c.rows : o->c.cols);
    double *is = calloc(3 * nout, sizeof *is);
    if (is == NULL) {
        free(g);
        free(v);
        return xb_cli_fail("spice check", xb__error_set(XB_ENOMEM, "out of memory"));
    }
    const xb_solver_type *s[3] = {xb_solver_spice, xb_solver_nodal, xb_solver_nodal_fast};
    double secs[3] = {0.0, 0.0, 0.0};
    int nsolv = o->c.iv == XB_IV_LINEAR ? 3 : 2; /* nodal_fast: linear cells only */
    for (size_t j = 0; j < nout; j++) {
        is[2 * nout + j] = NAN;
    }
    for (int k = 0; k < nsolv && rc == XB_OK; k++) {
        rc = solve_with(s[k], o, g, v, is + (size_t)k * nout, &secs[k]);
        if (rc != XB_OK) {
            rc = xb_cli_fail(s[k]->name, rc);
        }
    }
    free(g);
    free(v);
    if (rc != XB_OK) {
        free(is);
        return 1;
    }
    const char *line = o->transpose ? "row" : "col";
    printf("%s,i_spice_A,i_nodal_A,i_nodal_fast_A,rel_diff_nodal,rel_diff_nodal_fast\n", line);
    double worst[2] = {0.0, 0.0};
    for (size_t j = 0; j < nout; j++) {
        double d1 = rel_diff(is[nout + j], is[j]), d2 = rel_diff(is[2 * nout + j], is[j]);
        worst[0] = fmax(worst[0], d1);
        worst[1] = nsolv == 3 ? fmax(worst[1], d2) : NAN;
        if (nsolv == 3) {
            printf("%zu,%.10e,%.10e,%.10e,%.3e,%.3e\n", j, is[j], is[nout + j], is[2 * nout + j],
                   d1, d2);
        } else {
            /* nodal_fast did not run (nonlinear cells): empty cells, not nan */
            printf("%zu,%.10e,%.10e,,%.3e,\n", j, is[j], is[nout + j], d1);
        }
    }
    free(is);
    static const char *const ivname[] = {"linear", "sinh", "cubic"};
    printf("# %d x %d %s %s cells, r_wire %g/%g ohm: largest relative difference to ngspice: "
           "nodal %.3e, nodal_fast ",
           o->c.rows, o->c.cols, o->c.cell == XB_CELL_1T1R ? "1T1R" : "0T1R", ivname[o->c.iv],
           o->c.r_wire_row, o->c.r_wire_col, worst[0]);
    if (nsolv == 3) {
        printf("%.3e\n", worst[1]);
    } else {
        printf("n/a\n");
    }
    printf("# time: ngspice %.4f s, nodal %.4f s (%.0fx)", secs[0], secs[1],
           secs[0] / fmax(secs[1], 1e-9));
    if (nsolv == 3) {
        printf(", nodal_fast %.4f s (%.0fx)\n", secs[2], secs[0] / fmax(secs[2], 1e-9));
    } else {
        printf(", nodal_fast n/a (linear cells only)\n");
    }
    if (worst[0] > o->tol) {
        fprintf(stderr, "xbarsim spice check: nodal differs from ngspice by %.3e > --tol %g\n",
                worst[0], o->tol);
        return 1;
    }
    return 0;
}

/* The voltage across every cell during one write: ngspice op of the write
 * network, the exact nodal solve and the fast writer. */
static int do_check_write(const spice_opts *o)
{
    const xb_circuit_config *c = &o->c;
    size_t R = (size_t)c->rows, C = (size_t)c->cols, n = R * C;
    double *g = NULL, *v = NULL;
    int rc = make_array(o, &g, &v);
    free(v);
    double *ur = malloc(R * sizeof *ur), *uc = malloc(C * sizeof *uc);
    double *ve = malloc(n * sizeof *ve), *vf = malloc(n * sizeof *vf), *vs = malloc(n * sizeof *vs);
    xb_circuit_writer *w = NULL;
    double t[3] = {0.0, 0.0, 0.0};
    if (rc == XB_OK && (!ur || !uc || !ve || !vf || !vs)) {
        rc = xb__error_set(XB_ENOMEM, "out of memory");
    }
    if (rc == XB_OK) {
        rc = xb_write_bias(ur, uc, c->rows, c->cols, o->scheme, o->w_row, o->w_col, o->v_write);
    }
    if (rc == XB_OK) {
        double t0 = xb_time_now();
        rc = xb_circuit_write_voltages(ve, c, g, ur, uc);
        t[1] = xb_time_now() - t0;
    }
    if (rc == XB_OK) {
        double t0 = xb_time_now();
        rc = xb_circuit_writer_create(&w, c);
        rc = rc ? rc : xb_circuit_writer_setup(w, g);
        rc = rc ? rc : xb_circuit_writer_voltages(w, ur, uc, vf);
        t[2] = xb_time_now() - t0;
    }
    if (rc == XB_OK) {
        double t0 = xb_time_now();
        rc = xb_spice_write_voltages(vs, c, g, ur, uc);
        t[0] = xb_time_now() - t0;
    }
    if (rc == XB_OK) {
        double de = 0.0, df = 0.0, half = 0.0, other = 0.0;
        for (size_t k = 0; k < n; k++) {
            de = fmax(de, fabs(ve[k] - vs[k]));
            df = fmax(df, fabs(vf[k] - vs[k]));
            int r = (int)(k / C), q = (int)(k % C);
            int sel_r = r == o->w_row, sel_c = o->w_col < 0 || q == o->w_col;
            if (sel_r != sel_c) {
                half = fmax(half, fabs(vs[k]));
            } else if (!sel_r) {
                other = fmax(other, fabs(vs[k]));
            }
        }
        size_t ks = (size_t)o->w_row * C + (size_t)(o->w_col < 0 ? 0 : o->w_col);
        printf("# write of %s (%d, %d) at %g V, %d x %d, r_wire %g/%g ohm, r_source %g ohm\n",
               o->w_col < 0 ? "row" : "cell", o->w_row, o->w_col, o->v_write, c->rows, c->cols,
               c->r_wire_row, c->r_wire_col, c->r_source);
        printf("selected cell: %.10f V; largest |v| half-selected %.10f V, unselected %.10f V\n",
               vs[ks], half, other);
        printf("largest |difference| to ngspice: nodal %.3e V, writer %.3e V\n", de, df);
        printf("# time: ngspice %.4f s, nodal %.4f s, writer %.4f s (%d iterations)\n", t[0], t[1],
               t[2], xb_circuit_writer_iterations(w));
        if (de > o->tol * fabs(o->v_write)) {
            fprintf(stderr,
                    "xbarsim spice check: nodal differs from ngspice by %.3e V > --tol %g "
                    "x v_write\n",
                    de, o->tol);
            rc = 1;
        }
    }
    xb_circuit_writer_free(w);
    free(g);
    free(ur);
    free(uc);
    free(ve);
    free(vf);
    free(vs);
    if (rc < 0) {
        return xb_cli_fail("spice check --write", rc);
    }
    return rc;
}

int xb_cli_spice(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
    }
    spice_opts o;
    if (strcmp(argv[1], "export") != 0 && strcmp(argv[1], "check") != 0) {
        fprintf(stderr, "xbarsim spice: unknown subcommand '%s' (export or check)\n", argv[1]);
        usage(stderr);
        return 2;
    }
    if (parse(argc, argv, &o) != 0) {
        return 2;
    }
    if (!strcmp(argv[1], "export")) {
        return do_export(&o);
    }
    return o.write ? do_check_write(&o) : do_check(&o);
}
