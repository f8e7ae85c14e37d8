/* xbarsim size DESIGN.csv: area, energy and latency of crossbar designs, per
 * array and in total, for each learning-channel architecture. */
#include "circuits/circuits.h"
#include "cli/cli.h"
#include "core/core.h"

#include <csv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *fp)
{
    fputs("usage: xbarsim size DESIGN.csv [DESIGN.csv ...] [--format md|csv] [--arrays]\n"
          "                   [-o FILE]\n"
          "       xbarsim size --params\n"
          "\n"
          "Maps each design (one CSV row) onto crossbar arrays and reports, per matrix\n"
          "and in total, area, read energy and latency per sample, energy per write pulse\n"
          "and the latency of a full update, for the learning channel(s) asked for, and\n"
          "what the backward arrays of conjoined, twin and distinct channels add over\n"
          "bidirectional. Several files are reported one after another (CSV: one header).\n"
          "\n"
          "Design columns (only name and layers are required):\n"
          "  name              label of the design\n"
          "  layers            widths, input first, e.g. 400-100-10\n"
          "  channel           bidirectional | conjoined | twin | distinct | all (default all)\n"
          "  rule              bp | rbp | srbp (srbp: backward arrays n_L x n_l; distinct only)\n"
          "  array_rows, array_cols  physical array size (default 128; 0 = one array per matrix)\n"
          "  cell              0T1R | 1T1R (default 1T1R)\n"
          "  adc               sar | flash (default sar)\n"
          "  adc_bits          ADC resolution (default 8)\n"
          "  in_bits           input bits, applied bit-serially (default 1)\n"
          "  col_mux           output lines per ADC (default 8)\n"
          "  cells_per_weight  1, or 2 for a differential pair (default 2)\n"
          "  samples_per_epoch training samples per epoch, for per-epoch energy (default 0)\n"
          "  pulses_per_epoch  write pulses per epoch over all forward cells (default 0)\n"
          "  <parameter>       any cost-model coefficient (see --params), overriding its default\n"
          "\n"
          "options:\n"
          "  --format md|csv   Markdown (default) or CSV in SI units\n"
          "  -o FILE           write to FILE instead of stdout\n"
          "  --arrays          also list every physical array (tile) of every matrix\n"
          "  --params          list the cost-model coefficients, defaults and sources\n"
          "  -h, --help        this text\n"
          "\n"
          "The model and the source of every default: docs/cost-model.md.\n",
          fp);
}

/* ------------------------------------------------- strict CSV with positions */

typedef struct {
    char **cells; /* nrows * ncols, row 0 = header */
    int *line, *col;
    size_t nrows, ncols, cap;
    char **field;
    int *fcol;
    size_t nf, capf;
    int row_line, start_line, start_col, need_start;
    int status;
    const char *path;
} design_csv;

static void on_field(void *s, size_t len, void *data)
{
    design_csv *d = data;
    if (d->status) {
        return;
    }
    if (d->nf == 0) {
        d->row_line = d->start_line;
    }
    if (d->nf == d->capf) {
        size_t cap = d->capf ? 2 * d->capf : 16;
        char **f = realloc(d->field, cap * sizeof *f);
        if (f) {
            d->field = f;
        }
        int *c = f ? realloc(d->fcol, cap * sizeof *c) : NULL;
        if (!c) {
            d->status = xb__error_set(XB_ENOMEM, "out of memory");
            return;
        }
        d->fcol = c;
        d->capf = cap;
    }
    char *v = malloc(len + 1);
    if (!v) {
        d->status = xb__error_set(XB_ENOMEM, "out of memory");
        return;
    }
    memcpy(v, s ? s : "", s ? len : 0);
    v[s ? len : 0] = '\0';
    d->field[d->nf] = v;
    d->fcol[d->nf++] = d->start_col;
    d->need_start = 1;
}

static void on_row(int term, void *data)
{
    (void)term;
    design_csv *d = data;
    d->need_start = 1;
    if (d->status) {
        return;
    }
    if (d->nrows == 0) {
        d->ncols = d->nf;
    } else if (d->nf != d->ncols) {
        d->status = xb__error_set(XB_EIO, "%s:%d:1: row has %zu fields, header has %zu", d->path,
                                  d->row_line, d->nf, d->ncols);
        return;
    }
    if (d->nrows == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 8;
        char **c = realloc(d->cells, cap * d->ncols * sizeof *c);
        if (c) {
            d->cells = c;
        }
        int *l = c ? realloc(d->line, cap * sizeof *l) : NULL;
        if (l) {
            d->line = l;
        }
        int *cc = l ? realloc(d->col, cap * d->ncols * sizeof *cc) : NULL;
        if (!cc) {
            d->status = xb__error_set(XB_ENOMEM, "out of memory");
            return;
        }
        d->col = cc;
        d->cap = cap;
    }
    memcpy(d->cells + d->nrows * d->ncols, d->field, d->ncols * sizeof *d->field);
    memcpy(d->col + d->nrows * d->ncols, d->fcol, d->ncols * sizeof *d->fcol);
    d->line[d->nrows++] = d->row_line;
    d->nf = 0;
}

static void design_free(design_csv *d)
{
    for (size_t k = 0; d->cells && k < d->nrows * d->ncols; k++) {
        free(d->cells[k]);
    }
    for (size_t k = 0; k < d->nf; k++) {
        free(d->field[k]);
    }
    free(d->cells);
    free(d->line);
    free(d->col);
    free(d->field);
    free(d->fcol);
}

static int design_read(design_csv *d, const char *path)
{
    memset(d, 0, sizeof *d);
    d->path = path;
    char *buf;
    size_t len;
    XB_TRY(xb_file_read(path, &buf, &len));
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        free(buf);
        return xb__error_set(XB_EEXTERNAL, "csv_init failed");
    }
    int line = 1, col = 1, rc = XB_OK;
    d->need_start = 1;
    /* byte by byte: libcsv reports no positions; a UTF-8 byte-order mark
     * (spreadsheet exports) is skipped */
    size_t k0 = len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0;
    for (size_t k = k0; k < len && !d->status; k++) {
        char ch = buf[k];
        if (d->need_start && ch != '\n' && ch != '\r') {
            d->start_line = line;
            d->start_col = col;
            d->need_start = 0;
        }
        if (csv_parse(&p, buf + k, 1, on_field, on_row, d) != 1) {
            rc = xb__error_set(XB_EIO, "%s:%d:%d: malformed CSV near '%c': %s", path, line, col,
                               ch, csv_strerror(csv_error(&p)));
            break;
        }
        if (ch == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    if (rc == XB_OK && !d->status && csv_fini(&p, on_field, on_row, d) != 0) {
        rc = xb__error_set(XB_EIO, "%s:%d:%d: unterminated quoted field at end of file", path,
                           d->start_line, d->start_col);
    }
    csv_free(&p);
    free(buf);
    if (rc == XB_OK && d->status) {
        rc = d->status;
    }
    if (rc == XB_OK && d->nrows < 2) {
        rc = xb__error_set(XB_EIO, "%s:1:1: a header row and at least one design are required",
                           path);
    }
    if (rc < 0) {
        design_free(d);
    }
    return rc;
}

/* ------------------------------------------------------------- one design */

typedef struct {
    char name[128];
    int widths[64], nw;
    int all_channels;
    xb_cost_channel channel;
    int srbp;
    double samples, pulses;
    xb_cost_arch arch;
    xb_cost_params params;
} design;

static const char *const settings[] = {"name", "layers", "channel", "rule", "array_rows",
                                       "array_cols", "cell", "adc", "adc_bits", "in_bits",
                                       "col_mux", "cells_per_weight", "samples_per_epoch",
                                       "pulses_per_epoch"};

static int bad(const design_csv *d, size_t row, size_t j, const char *what)
{
    return xb__error_set(XB_EIO, "%s:%d:%d: column '%s': value '%s': %s", d->path, d->line[row],
                         d->col[row * d->ncols + j], d->cells[j], d->cells[row * d->ncols + j],
                         what);
}

static int parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) {
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse_design(design *g, const design_csv *d, size_t row)
{
    memset(g, 0, sizeof *g);
    xb_cost_arch init = XB_COST_ARCH_INIT;
    g->arch = init;
    g->all_channels = 1;
    xb_cost_params_default(&g->params);
    int have_layers = 0;
    for (size_t j = 0; j < d->ncols; j++) {
        const char *k = d->cells[j], *v = d->cells[row * d->ncols + j];
        if (!v[0]) {
            continue; /* empty: default */
        }
        if (!strcmp(k, "name")) {
            snprintf(g->name, sizeof g->name, "%s", v);
        } else if (!strcmp(k, "layers")) {
            const char *p = v;
            g->nw = 0;
            while (*p) {
                char *end;
                long w = strtol(p, &end, 10);
                if (end == p || w < 1 || w > 1000000 || g->nw == 64 || (*end && *end != '-')) {
                    return bad(d, row, j, "layer widths >= 1 joined by '-' (e.g. 400-100-10) "
                                          "are allowed");
                }
                g->widths[g->nw++] = (int)w;
                p = *end ? end + 1 : end;
            }
            if (g->nw < 2) {
                return bad(d, row, j, "at least two widths (input and output) are required");
            }
            have_layers = 1;
        } else if (!strcmp(k, "channel")) {
            if (!strcmp(v, "all")) {
                g->all_channels = 1;
            } else if (xb_cost_channel_parse(&g->channel, v) < 0) {
                return bad(d, row, j, "bidirectional, conjoined, twin, distinct or all is allowed");
            } else {
                g->all_channels = 0;
            }
        } else if (!strcmp(k, "rule")) {
            if (strcmp(v, "bp") && strcmp(v, "rbp") && strcmp(v, "srbp")) {
                return bad(d, row, j, "bp, rbp or srbp is allowed");
            }
            g->srbp = !strcmp(v, "srbp");
        } else if (!strcmp(k, "cell")) {
            if (!strcmp(v, "0T1R") || !strcmp(v, "0t1r")) {
                g->arch.cell = XB_CELL_0T1R;
            } else if (!strcmp(v, "1T1R") || !strcmp(v, "1t1r")) {
                g->arch.cell = XB_CELL_1T1R;
            } else {
                return bad(d, row, j, "0T1R or 1T1R is allowed");
            }
        } else if (!strcmp(k, "adc")) {
            if (!strcmp(v, "sar")) {
                g->arch.adc = XB_ADC_SAR;
            } else if (!strcmp(v, "flash")) {
                g->arch.adc = XB_ADC_FLASH;
            } else {
                return bad(d, row, j, "sar or flash is allowed");
            }
        } else if (!strcmp(k, "array_rows") || !strcmp(k, "array_cols")) {
            if (parse_int(v, 0, 1 << 20, !strcmp(k, "array_rows") ? &g->arch.array_rows
                                                                  : &g->arch.array_cols) < 0) {
                return bad(d, row, j, "an integer in 0..1048576 is allowed (0 = fit each matrix)");
            }
        } else if (!strcmp(k, "adc_bits")) {
            if (parse_int(v, 1, 16, &g->arch.adc_bits) < 0) {
                return bad(d, row, j, "an integer in 1..16 is allowed");
            }
        } else if (!strcmp(k, "in_bits")) {
            if (parse_int(v, 1, 32, &g->arch.in_bits) < 0) {
                return bad(d, row, j, "an integer in 1..32 is allowed");
            }
        } else if (!strcmp(k, "col_mux")) {
            if (parse_int(v, 1, 1 << 20, &g->arch.col_mux) < 0) {
                return bad(d, row, j, "an integer >= 1 is allowed");
            }
        } else if (!strcmp(k, "cells_per_weight")) {
            if (parse_int(v, 1, 2, &g->arch.cells_per_weight) < 0) {
                return bad(d, row, j, "1 or 2 is allowed");
            }
        } else if (!strcmp(k, "samples_per_epoch") || !strcmp(k, "pulses_per_epoch")) {
            char *end;
            double x = strtod(v, &end);
            if (*end || !(x >= 0.0) || isinf(x)) {
                return bad(d, row, j, "a finite number >= 0 is allowed");
            }
            *(!strcmp(k, "samples_per_epoch") ? &g->samples : &g->pulses) = x;
        } else {
            char *end;
            double x = strtod(v, &end);
            if (*end) {
                return bad(d, row, j, "a number is allowed");
            }
            if (xb_cost_param_set(&g->params, k, x) < 0) {
                char msg[400];
                snprintf(msg, sizeof msg, "%s", xb_last_error());
                return bad(d, row, j, msg);
            }
        }
    }
    if (!have_layers) {
        return xb__error_set(XB_EIO, "%s:%d:1: design needs a 'layers' value (e.g. 400-100-10)",
                             d->path, d->line[row]);
    }
    if (!g->name[0]) {
        snprintf(g->name, sizeof g->name, "line%d", d->line[row]);
    }
    return XB_OK;
}

static int check_header(const design_csv *d)
{
    for (size_t j = 0; j < d->ncols; j++) {
        const char *k = d->cells[j];
        int known = 0;
        for (size_t s = 0; s < sizeof settings / sizeof settings[0]; s++) {
            known |= !strcmp(k, settings[s]);
        }
        double dummy;
        xb_cost_params p;
        xb_cost_params_default(&p);
        if (!known && xb_cost_param_get(&p, k, &dummy) < 0) {
            return xb__error_set(XB_EIO, "%s:1:%d: column '%s': value '%s': not a design setting "
                                         "or cost parameter (settings: name, layers, channel, "
                                         "rule, array_rows, array_cols, cell, adc, adc_bits, "
                                         "in_bits, col_mux, cells_per_weight, samples_per_epoch, "
                                         "pulses_per_epoch; parameters: xbarsim size --params)",
                                 d->path, d->col[j], k, k);
        }
    }
    return XB_OK;
}

/* ------------------------------------------------------------------ output */

static void print_params(FILE *fp)
{
    xb_cost_params p;
    xb_cost_params_default(&p);
    fputs("| parameter | default | unit | meaning | source |\n| --- | ---: | --- | --- | --- |\n",
          fp);
    for (size_t i = 0; i < xb_cost_param_count(); i++) {
        const xb_cost_param_info *in = xb_cost_param_at(i);
        double v;
        xb_cost_param_get(&p, in->name, &v);
        fprintf(fp, "| %s | %.5g | %s | %s | %s |\n", in->name, v, in->unit, in->what, in->source);
    }
}

static int size_design(FILE *fp, const design *g, int csv, int *header, int arrays)
{
    xb_cost_network nets[4];
    int chans[4], nch = 0;
    if (g->all_channels) {
        for (int c = 0; c < 4; c++) {
            if (!g->srbp || c == XB_CHANNEL_DISTINCT) {
                chans[nch++] = c;
            }
        }
    } else {
        chans[nch++] = (int)g->channel;
    }
    int rc = XB_OK, made = 0;
    for (int k = 0; k < nch; k++, made++) {
        rc = xb_cost_network_create(&nets[k], &g->params, &g->arch, g->widths, g->nw,
                                    (xb_cost_channel)chans[k], g->srbp);
        if (rc < 0) {
            xb__error_prefix(rc, "design '%s': ", g->name);
            goto out;
        }
    }
    if (!csv) {
        fprintf(fp, "## %s\n\nLayers", g->name);
        for (int k = 0; k < g->nw; k++) {
            fprintf(fp, "%s%d", k ? "-" : " ", g->widths[k]);
        }
        fprintf(fp, ", rule %s; arrays %d x %d (%s), %s cells, %d per weight; %s ADC %d bits, "
                    "%d lines per ADC; %d-bit inputs, bit-serial.\n",
                g->srbp ? "srbp" : "bp/rbp", g->arch.array_rows, g->arch.array_cols,
                g->arch.array_rows ? "tiled" : "one per matrix",
                g->arch.cell == XB_CELL_1T1R ? "1T1R" : "0T1R", g->arch.cells_per_weight,
                g->arch.adc == XB_ADC_SAR ? "SAR" : "flash", g->arch.adc_bits, g->arch.col_mux,
                g->arch.in_bits);
    }
    for (int k = 0; k < nch; k++) {
        if (!csv) {
            fprintf(fp, "\n### channel %s\n\n", xb_cost_channel_name(nets[k].channel));
        }
        if ((rc = xb_cost_network_fprint(fp, &nets[k], g->name, csv, *header)) < 0) {
            goto out;
        }
        *header = 0;
        if (arrays) {
            fputs(csv ? "" : "\nPhysical arrays:\n\n", fp);
            if ((rc = xb_cost_network_fprint_arrays(fp, &nets[k], &g->params, &g->arch, g->name,
                                                    csv)) < 0) {
                goto out;
            }
        }
    }
    if (!csv) {
        /* the comparison: what each backward channel adds over bidirectional */
        const xb_cost_network *base = NULL;
        for (int k = 0; k < nch; k++) {
            if (nets[k].channel == XB_CHANNEL_BIDIRECTIONAL) {
                base = &nets[k];
            }
        }
        fprintf(fp, "\n### channels compared\n\n| channel | area (um^2) | area added%s | "
                    "forward pass per sample (pJ) | forward latency (ns) | "
                    "backward pass per sample (pJ) | backward latency (ns) |",
                base ? " over bidirectional" : "");
        if (g->samples > 0) {
            fputs(" read energy per epoch (J) | read latency per epoch (s) |", fp);
        }
        if (g->pulses > 0) {
            fputs(" write energy per epoch (J) |", fp);
        }
        fputs("\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |", fp);
        if (g->samples > 0) {
            fputs(" ---: | ---: |", fp);
        }
        if (g->pulses > 0) {
            fputs(" ---: |", fp);
        }
        fputc('\n', fp);
        for (int k = 0; k < nch; k++) {
            const xb_cost_network *n = &nets[k];
            char added[64] = "–";
            if (base) {
                snprintf(added, sizeof added, "%.4g (%+.1f %%)", (n->area - base->area) * 1e12,
                         100.0 * (n->area - base->area) / base->area);
            }
            fprintf(fp, "| %s | %.4g | %s | %.4g | %.4g | %.4g | %.4g |",
                    xb_cost_channel_name(n->channel), n->area * 1e12, added, n->e_fwd * 1e12,
                    n->t_fwd * 1e9, n->e_bwd * 1e12, n->t_bwd * 1e9);
            if (g->samples > 0) {
                fprintf(fp, " %.4g | %.4g |", g->samples * (n->e_fwd + n->e_bwd),
                        g->samples * (n->t_fwd + n->t_bwd));
            }
            if (g->pulses > 0) {
                fprintf(fp, " %.4g |", g->pulses * n->e_pulse);
            }
            fputc('\n', fp);
        }
        fputc('\n', fp);
    }
out:
    for (int k = 0; k < made; k++) {
        xb_cost_network_free(&nets[k]);
    }
    return rc;
}

/* Appends the report of every design of one file to fp; *header is shared so
 * the CSV of several files has one header line. */
static int size_file(FILE *fp, const char *path, int csv, int arrays, int *header)
{
    design_csv d;
    int rc = design_read(&d, path);
    if (rc < 0) {
        return rc;
    }
    if ((rc = check_header(&d)) == XB_OK) {
        if (!csv) {
            fprintf(fp, "# xbarsim size: %s\n\nCost model and sources: docs/cost-model.md. "
                        "Energies per sample are one forward (or backward) pass of one input "
                        "through every layer.\n\n",
                    path);
        }
        for (size_t row = 1; row < d.nrows && rc == XB_OK; row++) {
            design g;
            if ((rc = parse_design(&g, &d, row)) == XB_OK) {
                rc = size_design(fp, &g, csv, header, arrays);
            }
        }
    }
    design_free(&d);
    return rc;
}

int xb_cli_size(int argc, char **argv)
{
    const char *outpath = NULL;
    int csv = 0, arrays = 0, npaths = 0;
    /* argv outlives this call: the design paths are pointers into it */
    const char **paths = calloc((size_t)argc, sizeof *paths);
    if (!paths) {
        return xb_cli_fail("size", xb__error_set(XB_ENOMEM, "out of memory"));
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            free(paths);
            return 0;
        } else if (!strcmp(a, "--arrays")) {
            arrays = 1;
        } else if (!strcmp(a, "--params")) {
            print_params(stdout);
            free(paths);
            return 0;
        } else if (!strcmp(a, "--format") || !strcmp(a, "-o")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "xbarsim size: %s needs a value\n", a);
                free(paths);
                return 2;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "-o")) {
                outpath = v;
            } else if (!strcmp(v, "csv")) {
                csv = 1;
            } else if (!strcmp(v, "md") || !strcmp(v, "markdown")) {
                csv = 0;
            } else {
                fprintf(stderr, "xbarsim size: --format '%s': md or csv is allowed\n", v);
                free(paths);
                return 2;
            }
        } else if (a[0] == '-') {
            fprintf(stderr, "xbarsim size: unknown option '%s' (see --help)\n", a);
            free(paths);
            return 2;
        } else {
            paths[npaths++] = a;
        }
    }
    if (!npaths) {
        free(paths);
        usage(stderr);
        return 2;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (!fp) {
        free(paths);
        return xb_cli_fail("size", xb__error_set(XB_ENOMEM, "out of memory"));
    }
    int rc = XB_OK, header = 1;
    for (int k = 0; k < npaths && rc == XB_OK; k++) {
        rc = size_file(fp, paths[k], csv, arrays, &header);
    }
    fclose(fp);
    free(paths);
    if (rc == XB_OK) {
        if (outpath) {
            rc = xb_file_write_atomic(outpath, buf, len);
        } else {
            fwrite(buf, 1, len, stdout);
        }
    }
    free(buf);
    return rc < 0 ? xb_cli_fail("size", rc) : 0;
}
