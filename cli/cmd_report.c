/* xbarsim report DIR: tables and figures from DIR/results.csv. */
#include "cli/cli.h"
#include "core/core.h"
#include "reports/reports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *fp)
{
    fputs("usage: xbarsim report DIR [options]\n"
          "\n"
          "Reads DIR/results.csv (one row per scenario x seed x epoch) and writes into DIR:\n"
          "  report.md        Markdown table (mean ± std over seeds, n, 95 % CI) and figures\n"
          "  table.tex        the same table in LaTeX (booktabs + siunitx)\n"
          "  table.csv        long form, full precision: n, mean, std, 95 % CI bounds\n"
          "  fig_*.{png,svg,pdf}  figures, each with the .csv it plots and the .gp script\n"
          "                   that made it (rerun with gnuplot to restyle)\n"
          "Figures: fig_test_acc (learning curves, ±1 std band; fig_test_nse instead for\n"
          "regression runs, which have no accuracy), fig_angle (angle_l<k> vs epoch per\n"
          "layer; series that are empty or 0 throughout, as under bp, are left out),\n"
          "fig_sweep (final value vs a swept setting). A figure not drawn has its files\n"
          "from an earlier report removed (not with --no-figures).\n"
          "\n"
          "options:\n"
          "  --rows COLS        columns that make the table rows (default run: one row per\n"
          "                     expanded scenario row, or scenario if there is no run);\n"
          "                     COLS is a comma-separated list of result columns\n"
          "  --cols COLS        columns that make the table columns (default none)\n"
          "  --value METRIC     metric to tabulate (default test_acc, or test_nse when\n"
          "                     test_acc is empty throughout, as in regression runs)\n"
          "  --at WHEN          final | best | epoch=N (default final); best is the maximum\n"
          "                     for accuracies, the minimum for every other metric\n"
          "  --group COLS       one figure curve per value of COLS (default: --rows)\n"
          "  --sweep COL        setting for the final-value-vs-sweep figure (default: the\n"
          "                     only numeric setting in which two runs that agree on\n"
          "                     every other setting differ; none if it only changes\n"
          "                     together with another, e.g. c2c with device)\n"
          "  --format FMT       also print the table to stdout: md | tex | csv\n"
          "  --no-figures       tables only (gnuplot not needed)\n"
          "  -h, --help         this text\n"
          "\n"
          "Settings that differ between rows are table columns; settings equal in every\n"
          "row are stated once in the caption; each scenario's description is listed once\n"
          "under the table. Energies are in J, times in s (in the headers). Digits follow\n"
          "the spread: the std is given to two significant digits and the mean to the\n"
          "same decimal place.\n",
          fp);
}

static int write_table(const char *dir, const char *name, const xb_table *t, xb_table_format f)
{
    char path[4096], *buf = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *mem = open_memstream(&buf, &len);
    if (!mem) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    int rc = xb_table_fprint(mem, t, f);
    fclose(mem);
    if (rc == XB_OK) {
        rc = xb_file_write_atomic(path, buf, len);
    }
    free(buf);
    return rc;
}

/* Every energy_* / latency_* metric: its final value per row, so a run's
 * energy (docs/cost-model.md) sits next to its accuracy. */
static int energy_tables(FILE *fp, const xb_results *r, const xb_table_spec *base)
{
    int first = 1;
    for (size_t j = 0; j < xb_results_ncols(r); j++) {
        const char *name = xb_results_colname(r, j);
        if (strncmp(name, "energy_", 7) && strncmp(name, "latency_", 8)) {
            continue;
        }
        if (first) {
            /* counters are cumulative (docs/results.md): the final row is
             * the whole run */
            fputs("\n## Energy and latency\n\nTotals of all arrays since the start of the "
                  "run, at the final epoch: energies in joules (J), latencies in seconds (s). "
                  "Runs without arrays (hardware = off) count 0.\n",
                  fp);
            first = 0;
        }
        xb_table_spec spec = *base;
        spec.value = name;
        spec.at = XB_AT_FINAL;
        xb_table *t = NULL;
        XB_TRY(xb_table_create(&t, r, &spec));
        fputs("\n", fp);
        xb_table_set_brief(t, 1);
        int rc = xb_table_fprint(fp, t, XB_TABLE_MARKDOWN);
        xb_table_free(t);
        XB_TRY(rc);
    }
    return XB_OK;
}

/* 1 when column name of r holds at least one non-empty cell. */
static int has_values(const xb_results *r, const char *name)
{
    long c = xb_results_find(r, name);
    for (size_t i = 0; c >= 0 && i < xb_results_nrows(r); i++) {
        const char *v = xb_results_cell(r, i, (size_t)c);
        if (v && v[0]) {
            return 1;
        }
    }
    return 0;
}

static int write_markdown(const char *dir, const char *results, const xb_results *r,
                          const xb_table *t, const xb_table_spec *spec, const char *figs)
{
    char path[4096], *buf = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/report.md", dir);
    FILE *fp = open_memstream(&buf, &len);
    if (!fp) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    fprintf(fp, "# xbarsim report\n\nFrom `%s` (%zu rows). Made by `xbarsim report` %s.\n\n",
            results, xb_results_nrows(r), XB_VERSION);
    int rc = xb_table_fprint(fp, t, XB_TABLE_MARKDOWN);
    fputs("\nThe same table: [LaTeX](table.tex), [CSV with full precision](table.csv).\n", fp);
    if (rc == XB_OK) {
        rc = energy_tables(fp, r, spec);
    }
    if (figs && figs[0]) {
        fputs("\n## Figures\n", fp);
        const char *p = figs;
        while (*p) {
            const char *e = strchr(p, ',');
            int n = e ? (int)(e - p) : (int)strlen(p);
            fprintf(fp, "\n![%.*s](%.*s.svg)\n\nData: [%.*s.csv](%.*s.csv), script: "
                        "[%.*s.gp](%.*s.gp), also %.*s.png and %.*s.pdf.\n",
                    n, p, n, p, n, p, n, p, n, p, n, p, n, p, n, p);
            p += n;
            if (*p == ',') {
                p++;
            }
        }
    }
    fclose(fp);
    if (rc == XB_OK) {
        rc = xb_file_write_atomic(path, buf, len);
    }
    free(buf);
    return rc;
}

int xb_cli_report(int argc, char **argv)
{
    xb_table_spec spec = XB_TABLE_SPEC_INIT;
    xb_figure_spec fspec = XB_FIGURE_SPEC_INIT;
    int value_given = 0;
    const char *dir = NULL, *format = NULL, *group = NULL;
    int figures = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--no-figures")) {
            figures = 0;
        } else if (!strcmp(a, "--rows") || !strcmp(a, "--cols") || !strcmp(a, "--value") ||
                   !strcmp(a, "--at") || !strcmp(a, "--group") || !strcmp(a, "--sweep") ||
                   !strcmp(a, "--format")) {
            if (!has_val) {
                fprintf(stderr, "xbarsim report: %s needs a value\n", a);
                return 2;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--rows")) {
                spec.rows = v;
            } else if (!strcmp(a, "--cols")) {
                spec.cols = v;
            } else if (!strcmp(a, "--value")) {
                spec.value = v;
                fspec.value = v;
                value_given = 1;
            } else if (!strcmp(a, "--group")) {
                group = v;
            } else if (!strcmp(a, "--sweep")) {
                fspec.sweep = v;
            } else if (!strcmp(a, "--format")) {
                format = v;
            } else if (xb_table_spec_parse_at(&spec, v) < 0) {
                fprintf(stderr, "xbarsim report: %s\n", xb_last_error());
                return 2;
            }
        } else if (a[0] == '-') {
            fprintf(stderr, "xbarsim report: unknown option '%s' (see --help)\n", a);
            return 2;
        } else if (!dir) {
            dir = a;
        } else {
            fprintf(stderr, "xbarsim report: one DIR expected, got '%s' and '%s'\n", dir, a);
            return 2;
        }
    }
    if (!dir) {
        usage(stderr);
        return 2;
    }
    xb_table_format pfmt = XB_TABLE_MARKDOWN;
    if (format) {
        if (!strcmp(format, "md") || !strcmp(format, "markdown")) {
            pfmt = XB_TABLE_MARKDOWN;
        } else if (!strcmp(format, "tex") || !strcmp(format, "latex")) {
            pfmt = XB_TABLE_LATEX;
        } else if (!strcmp(format, "csv")) {
            pfmt = XB_TABLE_CSV;
        } else {
            fprintf(stderr, "xbarsim report: --format '%s': md, tex or csv is allowed\n", format);
            return 2;
        }
    }
    fspec.group = group ? group : spec.rows;
    char path[4096];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    xb_results *r = NULL;
    xb_table *t = NULL;
    char figs[256] = "";
    int rc = xb_results_read(&r, path);
    if (rc < 0) {
        return xb_cli_fail("report", rc);
    }
    /* regression runs (loss mse) leave test_acc empty (docs/results.md): an
     * all-empty default table says nothing, their test NSE does */
    if (!value_given && !has_values(r, "test_acc") && has_values(r, "test_nse")) {
        spec.value = "test_nse";
        fspec.value = "test_nse";
    }
    if ((rc = xb_table_create(&t, r, &spec)) < 0 ||
        (rc = write_table(dir, "table.tex", t, XB_TABLE_LATEX)) < 0 ||
        (rc = write_table(dir, "table.csv", t, XB_TABLE_CSV)) < 0) {
        goto out;
    }
    if (figures && (rc = xb_figures_write(r, dir, &fspec, figs, sizeof figs)) < 0) {
        goto out;
    }
    if ((rc = write_markdown(dir, "results.csv", r, t, &spec, figs)) < 0) {
        goto out;
    }
    if (format) {
        xb_table_fprint(stdout, t, pfmt);
    }
    fprintf(stderr, "xbarsim report: wrote %s/report.md, table.tex, table.csv", dir);
    /* figs is comma-joined for report.md; the message lists it like the tables */
    for (const char *p = figs; *p;) {
        size_t n = strcspn(p, ",");
        fprintf(stderr, ", %.*s", (int)n, p);
        p += n + (p[n] == ',');
    }
    fputc('\n', stderr);
out:
    xb_table_free(t);
    xb_results_free(r);
    return rc < 0 ? xb_cli_fail("report", rc) : 0;
}
