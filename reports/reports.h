/* reports: results files -> tables (Markdown, LaTeX booktabs, CSV) and
 * figures (gnuplot). Uses only core/ and the files a run leaves behind.
 *
 * A results file (results.csv) is tidy: one row per scenario x seed x epoch,
 * key columns `scenario`, `run`, `seed`, `epoch`; metric columns from a fixed
 * vocabulary (xb_results_is_metric); every other column is a scenario
 * setting. A trajectory is the rows of one (scenario, run, seed); a replicate
 * is one trajectory's value of a metric at a chosen epoch. */
#ifndef XB_REPORTS_H
#define XB_REPORTS_H

#include "core/core.h"

#include <stddef.h>
#include <stdio.h>

/* ----------------------------------------------------------- statistics */

/* Summary of n replicate values: sample mean, sample standard deviation
 * (n - 1 in the denominator; 0 when n = 1) and the half-width of the 95 %
 * confidence interval of the mean, t_{0.975, n-1} * std / sqrt(n) (NaN when
 * n = 1: one seed gives no interval). */
typedef struct {
    size_t n;
    double mean, std, ci95;
} xb_summary;

int xb_summary_compute(xb_summary *out, const double *x, size_t n);

/* Quantile of Student's t distribution with df > 0 degrees of freedom, for
 * 0 < p < 1 (the CDF is inverted by bisection on the regularised incomplete
 * beta function, to ~1e-12). */
int xb_student_t_quantile(double *out, double p, double df);

/* Writes "mean ± std" with the digits the spread supports: std rounded to two
 * significant digits and mean to the same decimal place; with std = 0 or
 * NaN, the mean alone with four significant digits. Values outside
 * [1e-3, 1e5) share a power of ten: "(6.60 ± 0.30)e-4". latex != 0 writes the
 * siunitx form `\num{mean \pm std}` (`\num{6.60 \pm 0.30 e-4}`). Returns
 * the snprintf length. */
int xb_format_mean_std(char *buf, size_t len, double mean, double std, int latex);
/* Decimal places format_mean_std uses for a given spread (may be negative:
 * round to tens, hundreds...). */
int xb_format_decimals(double mean, double std);
/* Power of ten the pair is written with: 0 when |mean| (or std, if mean is
 * 0) is in [1e-3, 1e5), else floor(log10(|mean|)). */
int xb_format_exponent(double mean, double std);

/* --------------------------------------------------------------- results */

typedef struct xb_results xb_results;

/* Reads a results CSV with libcsv in strict mode. Errors name the file, line,
 * column and offending value: "r.csv:4:12: column 'epoch': value 'x': ...". */
int xb_results_read(xb_results **out, const char *path);
void xb_results_free(xb_results *r);

size_t xb_results_nrows(const xb_results *r);
size_t xb_results_ncols(const xb_results *r);
const char *xb_results_colname(const xb_results *r, size_t col);
/* Borrowed cell text; "" for an empty cell. */
const char *xb_results_cell(const xb_results *r, size_t row, size_t col);
/* Column index of name, or -1. */
long xb_results_find(const xb_results *r, const char *name);

/* 1 if name is a metric of the fixed vocabulary (train_loss, train_acc,
 * test_loss, test_acc, seconds, angle_*, delta_angle_*, grad_angle_*,
 * reads_*, pulses_*, energy_*, latency_*). */
int xb_results_is_metric(const char *name);
/* SI unit of a metric as a table header shows it: "J" (energy_*), "s"
 * (latency_*, seconds), "°" (angles); NULL for fractions, losses and counts
 * (docs/results.md, Metrics). */
const char *xb_metric_unit(const char *name);
/* 1 if name is a key column (scenario, run, seed, epoch). */
int xb_results_is_key(const char *name);

/* ----------------------------------------------------------------- tables */

typedef enum { XB_AT_FINAL = 0, XB_AT_BEST = 1, XB_AT_EPOCH = 2 } xb_at_kind;

typedef struct {
    const char *rows;  /* comma-separated columns that make the table rows; NULL: "run"
                        * (one row per expanded scenario row) if present, else "scenario" */
    const char *cols;  /* comma-separated columns that make the table columns, or NULL */
    const char *value; /* metric to summarise */
    xb_at_kind at;     /* which epoch of each trajectory */
    long epoch;        /* for XB_AT_EPOCH */
} xb_table_spec;

#define XB_TABLE_SPEC_INIT {NULL, NULL, "test_acc", XB_AT_FINAL, 0}

/* Parses "final", "best" or "epoch=N" into spec->at / spec->epoch. */
int xb_table_spec_parse_at(xb_table_spec *spec, const char *text);

typedef enum { XB_TABLE_MARKDOWN = 0, XB_TABLE_LATEX = 1, XB_TABLE_CSV = 2 } xb_table_format;

typedef struct xb_table xb_table;

/* Groups the replicates of spec->value by the row and column settings.
 * "best" is the maximum over epochs for accuracies and the minimum for every
 * other metric (losses, angles, counters). */
int xb_table_create(xb_table **out, const xb_results *r, const xb_table_spec *spec);
void xb_table_free(xb_table *t);

size_t xb_table_nrows(const xb_table *t);
size_t xb_table_ncols(const xb_table *t); /* 1 when spec->cols is NULL */
/* Summary of cell (i, j); n = 0 for an empty cell. */
const xb_summary *xb_table_cell(const xb_table *t, size_t i, size_t j);

/* Markdown and LaTeX show mean ± std (digits from the spread) and, without
 * column groups, n and the 95 % CI; a metric with a unit (xb_metric_unit)
 * has it in the value and CI headers and the caption: "energy_read (J)".
 * Settings that differ between rows are columns, settings equal everywhere
 * go once in the caption (with their values; those that are 0, off, none,
 * auto or empty by name only; bwd_x equal to x only counted). The
 * `description` column is never a column or in the caption: each scenario's
 * text is listed once under the table ("- **scenario**: text"; in LaTeX a
 * footnote-size list inside the table float), unless it is a row or column
 * key. CSV is long form with full precision: row keys, column key, n, mean,
 * std, ci95_lo, ci95_hi (no settings, no descriptions). */
int xb_table_fprint(FILE *fp, const xb_table *t, xb_table_format fmt);

/* brief != 0: the caption leaves the settings and the scenario descriptions
 * out (for a second table over the same rows, where they were stated). */
void xb_table_set_brief(xb_table *t, int brief);

/* ---------------------------------------------------------------- figures */

/* Runs gnuplot as a child process in directory dir:
 * `gnuplot -e "set terminal <terminal>; set output '<output>'" <script>`.
 * XB_ENOTFOUND with a clear message when gnuplot is not installed. */
int xb_gnuplot_run(const char *dir, const char *script, const char *terminal,
                   const char *output);

typedef struct {
    const char *group; /* comma-separated columns, one curve per value (NULL: as table rows) */
    const char *sweep; /* setting for "final accuracy vs swept variable"; NULL = auto */
    const char *value; /* metric of the sweep figure (default "test_acc") */
    int png, svg, pdf; /* which renderings to produce */
} xb_figure_spec;

#define XB_FIGURE_SPEC_INIT {NULL, NULL, "test_acc", 1, 1, 1}

/* Writes into dir, for each figure <name>: <name>.csv (the plotted data),
 * <name>.gp (the script; it sets no terminal, so it can be restyled and
 * rerun with `gnuplot -e "set terminal ..." <name>.gp`) and the renderings.
 * Legends go below the plot, so no label can push past the canvas edge.
 * Figures:
 * - fig_test_acc: mean ± 1 std band over seeds vs epoch per group.
 * - fig_test_nse: the same for test_nse, drawn instead of fig_test_acc when
 *   no row has an accuracy (regression runs, loss mse).
 * - fig_angle: angle_l<k> vs epoch per group and layer. Series without
 *   information are left out: no value at all (layer 1 of a one-hidden-layer
 *   net) or 0 for every seed and epoch (bp); with one layer left the legend
 *   gives the group and the y label the layer. Not drawn if nothing is left.
 * - fig_sweep: final value vs the swept setting, given in spec->sweep or
 *   found: the one numeric setting in which two runs that agree on every
 *   other setting differ (the description, keys, metrics and columns that
 *   copy it row for row aside). A setting that changes only together with
 *   another (c2c with device in the quickstart) is not swept; two or more
 *   truly swept settings (a factorial design) need spec->sweep. One curve
 *   per combination of the other settings, labelled by scenario name when
 *   curves and scenarios match one to one, else by name=value of the
 *   settings that tell the curves apart; never by the description.
 * A figure not drawn has its files from an earlier call removed from dir.
 * names_out (may be NULL) receives a comma-separated list of the figures
 * written. */
int xb_figures_write(const xb_results *r, const char *dir, const xb_figure_spec *spec,
                     char *names_out, size_t names_len);

#endif /* XB_REPORTS_H */
