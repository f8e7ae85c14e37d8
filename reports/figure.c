/* Figures: the plotted data as CSV, a gnuplot script that reads it, and the
 * renderings, made by running gnuplot as a child process. */
#include "reports/reports_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXEC_FAILED "xbarsim: exec failed: "

int xb_gnuplot_run(const char *dir, const char *script, const char *terminal, const char *output)
{
    XB_ASSERT_ARG(dir != NULL && script != NULL && terminal != NULL && output != NULL);
    char setup[1024];
    if (strchr(output, '\'') || (size_t)snprintf(setup, sizeof setup, "set terminal %s; set output '%s'",
                                                  terminal, output) >= sizeof setup) {
        return xb__error_set(XB_EINVAL, "gnuplot output name '%s' is too long or has a quote",
                             output);
    }
    int fd[2];
    if (pipe(fd) != 0) {
        return xb__error_set(XB_EEXTERNAL, "pipe: %s", strerror(errno));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return xb__error_set(XB_EEXTERNAL, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        /* child: gnuplot's diagnostics go to the pipe, so the caller can
         * quote them in the error message */
        close(fd[0]);
        dup2(fd[1], STDERR_FILENO);
        dup2(fd[1], STDOUT_FILENO);
        if (chdir(dir) != 0) {
            dprintf(fd[1], "cannot enter %s: %s", dir, strerror(errno));
            _exit(126);
        }
        char *argv[] = {"gnuplot", "-e", setup, (char *)script, NULL};
        execvp("gnuplot", argv);
        dprintf(fd[1], EXEC_FAILED "%s", strerror(errno));
        _exit(127);
    }
    close(fd[1]);
    char msg[600];
    size_t len = 0;
    for (;;) {
        char chunk[256];
        ssize_t r = read(fd[0], chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        size_t take = (size_t)r < sizeof msg - 1 - len ? (size_t)r : sizeof msg - 1 - len;
        memcpy(msg + len, chunk, take);
        len += take;
    }
    msg[len] = '\0';
    close(fd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return xb__error_set(XB_EEXTERNAL, "waitpid: %s", strerror(errno));
        }
    }
    for (char *c = msg; *c; c++) {
        if (*c == '\n' || *c == '\r') {
            *c = ' ';
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && strstr(msg, EXEC_FAILED)) {
        return xb__error_set(XB_ENOTFOUND,
                             "gnuplot is not installed or not on PATH (%s); install the Debian "
                             "package gnuplot-nox, or skip figures with --no-figures",
                             msg + strlen(EXEC_FAILED));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return xb__error_set(XB_EEXTERNAL, "gnuplot %s in %s (terminal %s) failed: %s", script,
                             dir, terminal, msg);
    }
    return XB_OK;
}

/* ------------------------------------------------------------- figures */

typedef struct {
    char **labels;
    size_t n, cap;
} label_set;

static long label_index(label_set *s, const char *label)
{
    for (size_t i = 0; i < s->n; i++) {
        if (!strcmp(s->labels[i], label)) {
            return (long)i;
        }
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        char **l = realloc(s->labels, cap * sizeof *l);
        if (!l) {
            return -1;
        }
        s->labels = l;
        s->cap = cap;
    }
    size_t len = strlen(label) + 1;
    if (!(s->labels[s->n] = malloc(len))) {
        return -1;
    }
    memcpy(s->labels[s->n], label, len);
    return (long)s->n++;
}

static void label_set_free(label_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->labels[i]);
    }
    free(s->labels);
}

/* gnuplot splits CSV fields on every comma, quoted or not: labels get none */
static void curve_label(const xb_results *r, size_t row, const long *idx, size_t n, char *buf,
                        size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < n && used + 1 < len; k++) {
        int w = snprintf(buf + used, len - used, "%s%s", k ? " / " : "",
                         xb_results_cell(r, row, (size_t)idx[k]));
        used += w > 0 ? (size_t)w : 0;
    }
    for (char *c = buf; *c; c++) {
        if (*c == ',' || *c == '"' || *c == '\n' || *c == '\r') {
            *c = ';';
        }
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : (x > y);
}

/* Sorted distinct values of xs[0..n) into uniq (same capacity); returns count. */
static size_t distinct(double *xs, size_t n, double *uniq)
{
    qsort(xs, n, sizeof *xs, cmp_double);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isnan(xs[i]) && (m == 0 || xs[i] != uniq[m - 1])) {
            uniq[m++] = xs[i];
        }
    }
    return m;
}

typedef struct {
    const char *name;   /* fig_test_acc */
    const char *title;
    const char *xlabel, *ylabel;
    size_t ncurves;
    int band;           /* 1: mean ± std band; 0: error bars */
    int drop_zero;      /* 1: a curve that is 0 for every seed and epoch is left out */
    const char *ylabel_one; /* format of the y label given the column's name, when
                             * one metric column is plotted; NULL: ylabel */
} fig_meta;

static int write_script(const char *dir, const fig_meta *m)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.gp", dir, m->name);
    FILE *fp = fopen(path, "w");
    if (!fp) {
        return xb__error_set(XB_EIO, "%s: cannot write: %s", path, strerror(errno));
    }
    fprintf(fp,
            "# %s: %s\n"
            "# Made by xbarsim report from %s.csv (column 1: x; then, per curve, the mean\n"
            "# over seeds and its standard deviation). This script sets no terminal, so\n"
            "# it can be restyled and rerun, e.g.\n"
            "#   gnuplot -e \"set terminal pdfcairo size 5in,3.2in; set output 'x.pdf'\" %s.gp\n"
            "set datafile separator comma\n"
            "set key autotitle columnheader\n"
            "set termoption noenhanced\n"
            "set title \"%s\"\n"
            "set xlabel \"%s\"\n"
            "set ylabel \"%s\"\n"
            "set key outside below center horizontal Left reverse samplen 2\n"
            "set grid\n"
            "n = %zu\n",
            m->name, m->title, m->name, m->name, m->title, m->xlabel, m->ylabel, m->ncurves);
    if (m->ncurves > 16) {
        fputs("set key off  # too many curves for a legend: the CSV header names them\n", fp);
    }
    if (m->band) {
        fprintf(fp,
                "plot for [i=1:n] '%s.csv' using 1:(column(2*i)-column(2*i+1)):"
                "(column(2*i)+column(2*i+1)) \\\n"
                "       with filledcurves fillstyle transparent solid 0.2 noborder linecolor i "
                "notitle, \\\n"
                "     for [i=1:n] '%s.csv' using 1:(column(2*i)) with lines linewidth 2 "
                "linecolor i title columnheader(2*i)\n",
                m->name, m->name);
    } else {
        fputs("set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n", fp);
        fprintf(fp,
                "plot for [i=1:n] '%s.csv' using 1:(column(2*i)):(column(2*i+1)) "
                "with yerrorlines linecolor i title columnheader(2*i)\n",
                m->name);
    }
    int bad = ferror(fp);
    if (fclose(fp) != 0 || bad) {
        return xb__error_set(XB_EIO, "%s: write error", path);
    }
    return XB_OK;
}

static int render(const char *dir, const char *name, const xb_figure_spec *spec)
{
    char script[512], out[512];
    snprintf(script, sizeof script, "%s.gp", name);
    if (spec->png) {
        snprintf(out, sizeof out, "%s.png", name);
        XB_TRY(xb_gnuplot_run(dir, script, "pngcairo size 900,540 font 'Sans,11'", out));
    }
    if (spec->svg) {
        snprintf(out, sizeof out, "%s.svg", name);
        XB_TRY(xb_gnuplot_run(dir, script, "svg size 900,540 font 'Sans,13'", out));
    }
    if (spec->pdf) {
        snprintf(out, sizeof out, "%s.pdf", name);
        XB_TRY(xb_gnuplot_run(dir, script, "pdfcairo size 6in,4in font 'Sans,9'", out));
    }
    return XB_OK;
}

/* A curve set: mean and std of `values` per (curve, x). */
typedef struct {
    double *xs;         /* distinct x values, nx */
    size_t nx;
    label_set curves;
    double *mean, *std; /* ncurves * nx */
} curve_data;

static void curve_data_free(curve_data *c)
{
    free(c->xs);
    label_set_free(&c->curves);
    free(c->mean);
    free(c->std);
}

static size_t find_x(const double *xs, size_t nx, double x)
{
    size_t lo = 0, hi = nx;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (xs[mid] <= x) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Samples: curve[k], x[k], y[k] for k < n; NaN y are skipped. Samples are
 * bucketed by (curve, x) first, so the cost is O(n log n), not O(curves x n). */
static int curve_data_build(curve_data *c, const long *curve, const double *x, const double *y,
                            size_t n, double *scratch)
{
    size_t nc = c->curves.n;
    c->xs = malloc((n ? n : 1) * sizeof *c->xs);
    if (!c->xs) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    memcpy(scratch, x, n * sizeof *x);
    c->nx = distinct(scratch, n, c->xs);
    size_t nb = nc * c->nx;
    c->mean = malloc((nb + 1) * sizeof *c->mean);
    c->std = malloc((nb + 1) * sizeof *c->std);
    size_t *start = calloc(nb + 2, sizeof *start);
    size_t *bin = malloc((n ? n : 1) * sizeof *bin);
    if (!c->mean || !c->std || !start || !bin) {
        free(start);
        free(bin);
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        bin[k] = (size_t)-1;
        if (!isnan(y[k]) && !isnan(x[k])) {
            bin[k] = (size_t)curve[k] * c->nx + find_x(c->xs, c->nx, x[k]);
            start[bin[k] + 2]++;
        }
    }
    for (size_t b = 0; b < nb; b++) { /* counts -> offsets (CSR) */
        start[b + 2] += start[b + 1];
    }
    for (size_t k = 0; k < n; k++) {
        if (bin[k] != (size_t)-1) {
            scratch[start[bin[k] + 1]++] = y[k];
        }
    }
    int rc = XB_OK;
    for (size_t b = 0; b < nb && rc == XB_OK; b++) {
        xb_summary s;
        rc = xb_summary_compute(&s, scratch + start[b], start[b + 1] - start[b]);
        c->mean[b] = s.mean;
        c->std[b] = s.std;
    }
    free(start);
    free(bin);
    return rc;
}

static int write_data(const char *dir, const char *name, const char *xname, const curve_data *c)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    FILE *fp = fopen(path, "w");
    if (!fp) {
        return xb__error_set(XB_EIO, "%s: cannot write: %s", path, strerror(errno));
    }
    xb_csv_field(fp, xname);
    for (size_t q = 0; q < c->curves.n; q++) {
        fputc(',', fp);
        xb_csv_field(fp, c->curves.labels[q]);
        fprintf(fp, ",%s std", c->curves.labels[q]);
    }
    fputc('\n', fp);
    for (size_t p = 0; p < c->nx; p++) {
        fprintf(fp, "%.10g", c->xs[p]);
        for (size_t q = 0; q < c->curves.n; q++) {
            fputc(',', fp);
            xb_csv_double(fp, c->mean[q * c->nx + p]);
            fputc(',', fp);
            xb_csv_double(fp, c->std[q * c->nx + p]);
        }
        fputc('\n', fp);
    }
    int bad = ferror(fp);
    if (fclose(fp) != 0 || bad) {
        return xb__error_set(XB_EIO, "%s: write error", path);
    }
    return XB_OK;
}

static void append_name(char *names, size_t len, const char *name)
{
    if (!names || len == 0) {
        return;
    }
    size_t used = strlen(names);
    snprintf(names + used, len - used, "%s%s", used ? "," : "", name);
}

/* 1 if metric column v has a value in some row and, with drop_zero, a
 * nonzero one: angle_l1 of a one-hidden-layer net is empty everywhere (no
 * backward matrix), and would otherwise take a legend entry per run. */
static int column_informative(const xb_results *r, long v, int drop_zero)
{
    for (size_t i = 0; i < xb_results_nrows(r); i++) {
        double y = xb__cell_number(r, i, v);
        if (!isnan(y) && (!drop_zero || y != 0.0)) {
            return 1;
        }
    }
    return 0;
}

/* Leaves out the curves without information: no value at all, or (with
 * drop_zero) 0 for every seed and epoch, as the angle under bp. Samples of
 * those curves are removed and the rest renumbered; returns the new count. */
static int drop_curves(curve_data *c, long *curve, double *x, double *y, size_t *m,
                       int drop_zero)
{
    size_t nc = c->curves.n;
    long *map = malloc((nc + 1) * sizeof *map);
    label_set kept = {0};
    if (!map) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    for (size_t q = 0; q < nc; q++) {
        map[q] = -1;
    }
    for (size_t i = 0; i < *m; i++) {
        if (!isnan(y[i]) && (!drop_zero || y[i] != 0.0)) {
            map[curve[i]] = 0;
        }
    }
    for (size_t q = 0; q < nc; q++) { /* first-appearance order is kept */
        if (map[q] == 0 && (map[q] = label_index(&kept, c->curves.labels[q])) < 0) {
            free(map);
            label_set_free(&kept);
            return xb__error_set(XB_ENOMEM, "out of memory");
        }
    }
    size_t w = 0;
    for (size_t i = 0; i < *m; i++) {
        if (map[curve[i]] >= 0) {
            curve[w] = map[curve[i]];
            x[w] = x[i];
            y[w] = y[i];
            w++;
        }
    }
    *m = w;
    free(map);
    label_set_free(&c->curves);
    c->curves = kept;
    return XB_OK;
}

/* One curve per (group[, layer]) of metric columns vcols over epochs; columns
 * and curves without information are left out. *written = 0 when nothing is
 * left to plot (no files are written then). */
static int fig_vs_epoch(const xb_results *r, const xb__traj *tr, const long *gi, size_t ngi,
                        const long *vcols_in, size_t nv_in, const char *dir,
                        const fig_meta *meta_in, const xb_figure_spec *spec, int *written)
{
    *written = 0;
    size_t n = xb_results_nrows(r) * nv_in, nv = 0;
    long ce = xb_results_find(r, "epoch");
    long *vcols = malloc((nv_in + 1) * sizeof *vcols);
    long *curve = malloc((n ? n : 1) * sizeof *curve);
    double *x = malloc((n ? n : 1) * sizeof *x), *y = malloc((n ? n : 1) * sizeof *y);
    double *scratch = malloc((n ? n : 1) * sizeof *scratch);
    curve_data c = {0};
    int rc = XB_OK;
    if (!vcols || !curve || !x || !y || !scratch) {
        rc = xb__error_set(XB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t v = 0; v < nv_in; v++) {
        if (column_informative(r, vcols_in[v], meta_in->drop_zero)) {
            vcols[nv++] = vcols_in[v];
        }
    }
    size_t m = 0;
    for (size_t k = 0; k < tr->ntraj; k++) {
        char label[512];
        curve_label(r, tr->rows[tr->start[k]], gi, ngi, label, sizeof label);
        for (size_t v = 0; v < nv; v++) {
            char full[700];
            if (nv > 1) {
                snprintf(full, sizeof full, "%s %s", label, xb_results_colname(r, (size_t)vcols[v]));
            } else {
                snprintf(full, sizeof full, "%s", label);
            }
            long q = label_index(&c.curves, full);
            if (q < 0) {
                rc = xb__error_set(XB_ENOMEM, "out of memory");
                goto out;
            }
            for (size_t p = tr->start[k]; p < tr->start[k + 1]; p++) {
                curve[m] = q;
                x[m] = xb__cell_number(r, tr->rows[p], ce);
                y[m] = xb__cell_number(r, tr->rows[p], vcols[v]);
                m++;
            }
        }
    }
    if ((rc = drop_curves(&c, curve, x, y, &m, meta_in->drop_zero)) < 0 || c.curves.n == 0) {
        goto out;
    }
    if ((rc = curve_data_build(&c, curve, x, y, m, scratch)) < 0 ||
        (rc = write_data(dir, meta_in->name, "epoch", &c)) < 0) {
        goto out;
    }
    fig_meta meta = *meta_in;
    meta.ncurves = c.curves.n;
    char ylabel[200];
    if (nv == 1 && meta.ylabel_one) { /* the legend no longer says which column */
        snprintf(ylabel, sizeof ylabel, meta.ylabel_one, xb_results_colname(r, (size_t)vcols[0]));
        meta.ylabel = ylabel;
    }
    if ((rc = write_script(dir, &meta)) < 0) {
        goto out;
    }
    if ((rc = render(dir, meta.name, spec)) == XB_OK) {
        *written = 1;
    }
out:
    curve_data_free(&c);
    free(vcols);
    free(curve);
    free(x);
    free(y);
    free(scratch);
    return rc;
}

/* 1 if columns a and b hold the same text in every row (bwd_d2d swept
 * together with d2d). */
static int same_column(const xb_results *r, size_t a, size_t b)
{
    for (size_t i = 0; i < xb_results_nrows(r); i++) {
        if (strcmp(xb_results_cell(r, i, a), xb_results_cell(r, i, b))) {
            return 0;
        }
    }
    return 1;
}

/* 1 if column j is a setting to compare runs on when `sweep` is the swept
 * one: not a key or a metric, not the free-text description (it names the
 * scenario, it does not configure it), and not the swept setting or a column
 * that copies it row for row (bwd_d2d resolved to d2d). */
static int other_setting(const xb_results *r, size_t j, size_t sweep)
{
    const char *name = xb_results_colname(r, j);
    return j != sweep && !xb_results_is_key(name) && !xb_results_is_metric(name) &&
           strcmp(name, "description") != 0 && !same_column(r, j, sweep);
}

/* sig[k]: the values of trajectory k's other settings (mask), joined; runs
 * with equal signatures differ only in the swept setting and the seed. */
static int signatures(const xb_results *r, const xb__traj *tr, const char *mask, char **sig)
{
    size_t ncols = xb_results_ncols(r);
    for (size_t k = 0; k < tr->ntraj; k++) {
        size_t row0 = tr->rows[tr->start[k]], len = 1;
        for (size_t j = 0; j < ncols; j++) {
            len += mask[j] ? strlen(xb_results_cell(r, row0, j)) + 1 : 0;
        }
        if (!(sig[k] = malloc(len))) {
            return xb__error_set(XB_ENOMEM, "out of memory");
        }
        char *p = sig[k];
        for (size_t j = 0; j < ncols; j++) {
            if (mask[j]) { /* \x1f (unit separator) cannot come from a CSV cell users type */
                size_t n = strlen(xb_results_cell(r, row0, j));
                memcpy(p, xb_results_cell(r, row0, j), n);
                p[n] = '\x1f';
                p += n + 1;
            }
        }
        *p = '\0';
    }
    return XB_OK;
}

static void free_sigs(char **sig, size_t n)
{
    for (size_t k = 0; sig && k < n; k++) {
        free(sig[k]);
    }
    free(sig);
}

typedef struct {
    const char *sig;
    double v;
} sig_value;

static int cmp_sig_value(const void *a, const void *b)
{
    const sig_value *x = a, *y = b;
    int c = strcmp(x->sig, y->sig);
    return c ? c : cmp_double(&x->v, &y->v);
}

/* Column j is truly swept when two runs that agree on every other setting
 * (other_setting) take different numbers in it. A numeric setting that
 * changes only together with another one is not: in the quickstart, c2c is
 * 0 for ideal devices and 0.035 for agsi, a property of the device choice.
 * A count of distinct values (>= 3) would not tell these apart, as three
 * devices with three noise levels show. d2d_backward_sweep.csv sweeps
 * bwd_d2d over six values within each scenario: it passes. */
static int truly_swept(const xb_results *r, const xb__traj *tr, size_t j, int *swept)
{
    size_t ncols = xb_results_ncols(r);
    char *mask = malloc(ncols + 1);
    char **sig = calloc(tr->ntraj + 1, sizeof *sig);
    sig_value *sv = malloc((tr->ntraj + 1) * sizeof *sv);
    int rc = XB_OK;
    *swept = 0;
    if (!mask || !sig || !sv) {
        rc = xb__error_set(XB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t q = 0; q < ncols; q++) {
        mask[q] = (char)other_setting(r, q, j);
    }
    if ((rc = signatures(r, tr, mask, sig)) < 0) {
        goto out;
    }
    for (size_t k = 0; k < tr->ntraj; k++) {
        sv[k].sig = sig[k];
        sv[k].v = xb__cell_number(r, tr->rows[tr->start[k]], (long)j);
    }
    qsort(sv, tr->ntraj, sizeof *sv, cmp_sig_value);
    for (size_t k = 1; k < tr->ntraj && !*swept; k++) {
        *swept = !strcmp(sv[k].sig, sv[k - 1].sig) && sv[k].v != sv[k - 1].v;
    }
out:
    free(mask);
    free_sigs(sig, tr->ntraj);
    free(sv);
    return rc;
}

/* The setting to sweep: the given one, or the only numeric setting that is
 * truly swept (truly_swept; settings that copy it row for row do not count).
 * *out = -1 if none or ambiguous (the user names it with --sweep). */
static int find_sweep(const xb_results *r, const xb__traj *tr, const char *given, long *out)
{
    *out = -1;
    if (given) {
        *out = xb_results_find(r, given);
        return XB_OK;
    }
    long found = -1;
    for (size_t j = 0; j < xb_results_ncols(r); j++) {
        const char *name = xb_results_colname(r, j);
        if (xb_results_is_key(name) || xb_results_is_metric(name) ||
            (found >= 0 && same_column(r, (size_t)found, j))) {
            continue;
        }
        int numeric = 1, varies = 0;
        double v0 = NAN;
        for (size_t i = 0; i < xb_results_nrows(r) && numeric; i++) {
            double v;
            if (xb__parse_double(xb_results_cell(r, i, j), &v) != 0) {
                numeric = 0;
            } else if (i == 0) {
                v0 = v;
            } else if (v != v0) {
                varies = 1;
            }
        }
        int swept = 0;
        if (numeric && varies) {
            XB_TRY(truly_swept(r, tr, j, &swept));
        }
        if (swept) {
            if (found >= 0) {
                return XB_OK; /* ambiguous: the user must name it */
            }
            found = (long)j;
        }
    }
    *out = found;
    return XB_OK;
}

/* Curve labels of the sweep figure: short names, never the description.
 * When curves and scenarios match one to one, the scenario's name (chosen by
 * the user, e.g. fa_bwd_d2d); else name=value of the settings that differ
 * between curves (a bwd_x equal to x is left out); one curve: the metric. */
static int sweep_labels(const xb_results *r, const xb__traj *tr, const char *mask,
                        const long *curve, size_t ncurves, long vcol, char **labels)
{
    size_t ncols = xb_results_ncols(r);
    long sc = xb_results_find(r, "scenario");
    size_t *first = malloc((ncurves + 1) * sizeof *first);
    if (!first) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    for (size_t k = tr->ntraj; k-- > 0;) {
        first[curve[k]] = k;
    }
    int by_scenario = sc >= 0 && ncurves > 1;
    for (size_t k = 0; k < tr->ntraj && by_scenario; k++) {
        const char *s = xb_results_cell(r, tr->rows[tr->start[k]], (size_t)sc);
        for (size_t q = 0; q < ncurves && by_scenario; q++) {
            const char *s0 = xb_results_cell(r, tr->rows[tr->start[first[q]]], (size_t)sc);
            by_scenario = (q == (size_t)curve[k]) == !strcmp(s, s0);
        }
    }
    int rc = XB_OK;
    for (size_t q = 0; q < ncurves && rc == XB_OK; q++) {
        size_t row0 = tr->rows[tr->start[first[q]]];
        char buf[512] = "";
        size_t used = 0;
        if (ncurves == 1) {
            snprintf(buf, sizeof buf, "%s", xb_results_colname(r, (size_t)vcol));
        } else if (by_scenario) {
            snprintf(buf, sizeof buf, "%s", xb_results_cell(r, row0, (size_t)sc));
        }
        for (size_t j = 0; j < ncols && ncurves > 1 && !by_scenario; j++) {
            const char *name = xb_results_colname(r, j);
            long fj = strncmp(name, "bwd_", 4) ? -1 : xb_results_find(r, name + 4);
            int varies = 0;
            for (size_t p = 0; p < ncurves && mask[j] && !varies; p++) {
                varies = strcmp(xb_results_cell(r, tr->rows[tr->start[first[p]]], j),
                                xb_results_cell(r, row0, j)) != 0;
            }
            if (!varies || (fj >= 0 && same_column(r, j, (size_t)fj))) {
                continue;
            }
            int w = snprintf(buf + used, sizeof buf - used, "%s%s=%s", used ? " " : "", name,
                             xb_results_cell(r, row0, j));
            used += w > 0 && (size_t)w < sizeof buf - used ? (size_t)w : 0;
        }
        for (char *c = buf; *c; c++) { /* gnuplot splits CSV fields on every comma */
            if (*c == ',' || *c == '"' || *c == '\n' || *c == '\r') {
                *c = ';';
            }
        }
        size_t n = strlen(buf) + 1;
        if (!(labels[q] = malloc(n))) {
            rc = xb__error_set(XB_ENOMEM, "out of memory");
        } else {
            memcpy(labels[q], buf, n);
        }
    }
    free(first);
    return rc;
}

static int fig_sweep(const xb_results *r, const xb__traj *tr, long sweep, const char *dir,
                     const xb_figure_spec *spec)
{
    long vcol = xb_results_find(r, spec->value ? spec->value : "test_acc");
    if (vcol < 0) {
        return xb__error_set(XB_ENOTFOUND, "sweep figure: no column '%s' in %s",
                             spec->value ? spec->value : "test_acc", xb__results_path(r));
    }
    /* one curve per combination of the other settings: runs that agree on
     * all of them differ only in the swept value */
    size_t ncols = xb_results_ncols(r);
    char *mask = malloc(ncols + 1);
    char **sig = calloc(tr->ntraj + 1, sizeof *sig);
    label_set sigs = {0};
    long *curve = malloc((tr->ntraj + 1) * sizeof *curve);
    double *x = malloc((tr->ntraj + 1) * sizeof *x), *y = malloc((tr->ntraj + 1) * sizeof *y);
    double *scratch = malloc((tr->ntraj + 1) * sizeof *scratch);
    curve_data c = {0};
    int rc = XB_OK;
    if (!mask || !sig || !curve || !x || !y || !scratch) {
        rc = xb__error_set(XB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t j = 0; j < ncols; j++) {
        mask[j] = (char)other_setting(r, j, (size_t)sweep);
    }
    if ((rc = signatures(r, tr, mask, sig)) < 0) {
        goto out;
    }
    for (size_t k = 0; k < tr->ntraj; k++) {
        size_t row0 = tr->rows[tr->start[k]];
        curve[k] = label_index(&sigs, sig[k]);
        if (curve[k] < 0) {
            rc = xb__error_set(XB_ENOMEM, "out of memory");
            goto out;
        }
        x[k] = xb__cell_number(r, row0, sweep);
        if (isnan(x[k])) {
            rc = xb__error_set(XB_EIO, "%s:%d:%d: column '%s': value '%s': the swept setting "
                                       "must be a number",
                               xb__results_path(r), xb__results_line(r, row0),
                               xb__results_col(r, row0, (size_t)sweep),
                               xb_results_colname(r, (size_t)sweep),
                               xb_results_cell(r, row0, (size_t)sweep));
            goto out;
        }
        if ((rc = xb__traj_value(r, tr, k, vcol, XB_AT_FINAL, 0, &y[k])) < 0) {
            goto out;
        }
    }
    c.curves.labels = calloc(sigs.n + 1, sizeof *c.curves.labels);
    if (!c.curves.labels) {
        rc = xb__error_set(XB_ENOMEM, "out of memory");
        goto out;
    }
    c.curves.n = c.curves.cap = sigs.n;
    if ((rc = sweep_labels(r, tr, mask, curve, sigs.n, vcol, c.curves.labels)) < 0 ||
        (rc = curve_data_build(&c, curve, x, y, tr->ntraj, scratch)) < 0 ||
        (rc = write_data(dir, "fig_sweep", xb_results_colname(r, (size_t)sweep), &c)) < 0) {
        goto out;
    }
    char title[300], ylabel[200];
    snprintf(title, sizeof title, "final %s vs %s (mean ± std over seeds)",
             xb_results_colname(r, (size_t)vcol), xb_results_colname(r, (size_t)sweep));
    snprintf(ylabel, sizeof ylabel, "final %s", xb_results_colname(r, (size_t)vcol));
    fig_meta meta = {"fig_sweep", title, xb_results_colname(r, (size_t)sweep), ylabel,
                     c.curves.n, 0, 0, NULL};
    if ((rc = write_script(dir, &meta)) < 0) {
        goto out;
    }
    rc = render(dir, "fig_sweep", spec);
out:
    curve_data_free(&c);
    label_set_free(&sigs);
    free(mask);
    free_sigs(sig, tr->ntraj);
    free(curve);
    free(x);
    free(y);
    free(scratch);
    return rc;
}

/* A figure not drawn this time must not leave the files of an earlier report
 * in dir, where they would pass for this run's (a fig_sweep of c2c). */
static int remove_stale(const char *dir, const char *name)
{
    static const char *const ext[] = {"csv", "gp", "png", "svg", "pdf"};
    for (size_t k = 0; k < sizeof ext / sizeof ext[0]; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext[k]);
        if (unlink(path) != 0 && errno != ENOENT) {
            return xb__error_set(XB_EIO, "%s: cannot remove the stale figure: %s", path,
                                 strerror(errno));
        }
    }
    return XB_OK;
}

int xb_figures_write(const xb_results *r, const char *dir, const xb_figure_spec *spec,
                     char *names_out, size_t names_len)
{
    XB_ASSERT_ARG(r != NULL && dir != NULL && spec != NULL);
    if (names_out && names_len) {
        names_out[0] = '\0';
    }
    xb__traj tr = {0};
    long *gi = NULL, *acols = NULL;
    size_t ngi = 0, na = 0;
    int rc, drawn[4] = {0, 0, 0, 0}; /* fig_test_acc, fig_angle, fig_sweep, fig_test_nse */
    if ((rc = xb__columns_resolve(r, spec->group ? spec->group : xb__default_rows(r), &gi,
                                  &ngi)) < 0 ||
        (rc = xb__traj_build(&tr, r)) < 0) {
        goto out;
    }
    long tcol = xb_results_find(r, "test_acc");
    if (tcol >= 0) {
        fig_meta m = {"fig_test_acc", "test accuracy vs epoch (mean ± 1 std over seeds)",
                      "epoch", "test accuracy", 0, 1, 0, NULL};
        if ((rc = fig_vs_epoch(r, &tr, gi, ngi, &tcol, 1, dir, &m, spec, &drawn[0])) < 0) {
            goto out;
        }
        if (drawn[0]) {
            append_name(names_out, names_len, "fig_test_acc");
        }
    }
    /* regression runs (loss mse) have no accuracy, only a normalised error */
    long ncol = xb_results_find(r, "test_nse");
    if (!drawn[0] && ncol >= 0) {
        fig_meta m = {"fig_test_nse", "test NSE vs epoch (mean ± 1 std over seeds)",
                      "epoch", "test NSE (normalised squared error)", 0, 1, 0, NULL};
        if ((rc = fig_vs_epoch(r, &tr, gi, ngi, &ncol, 1, dir, &m, spec, &drawn[3])) < 0) {
            goto out;
        }
        if (drawn[3]) {
            append_name(names_out, names_len, "fig_test_nse");
        }
    }
    acols = malloc((xb_results_ncols(r) + 1) * sizeof *acols);
    if (!acols) {
        rc = xb__error_set(XB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t j = 0; j < xb_results_ncols(r); j++) {
        if (!strncmp(xb_results_colname(r, j), "angle_l", 7)) {
            acols[na++] = (long)j;
        }
    }
    if (na) {
        /* under bp the angle is 0 by definition: such curves say nothing */
        fig_meta m = {"fig_angle", "angle between backward matrix and Wᵀ per layer (mean ± 1 std)",
                      "epoch", "angle (degrees)", 0, 1, 1, "%s (degrees)"};
        if ((rc = fig_vs_epoch(r, &tr, gi, ngi, acols, na, dir, &m, spec, &drawn[1])) < 0) {
            goto out;
        }
        if (drawn[1]) {
            append_name(names_out, names_len, "fig_angle");
        }
    }
    long sweep;
    if ((rc = find_sweep(r, &tr, spec->sweep, &sweep)) < 0) {
        goto out;
    }
    if (spec->sweep && sweep < 0) {
        rc = xb__error_set(XB_ENOTFOUND, "--sweep column '%s' is not in %s", spec->sweep,
                           xb__results_path(r));
        goto out;
    }
    if (sweep >= 0) {
        if ((rc = fig_sweep(r, &tr, sweep, dir, spec)) < 0) {
            goto out;
        }
        append_name(names_out, names_len, "fig_sweep");
        drawn[2] = 1;
    }
    static const char *const all[] = {"fig_test_acc", "fig_angle", "fig_sweep", "fig_test_nse"};
    for (size_t k = 0; k < 4; k++) {
        if (!drawn[k] && (rc = remove_stale(dir, all[k])) < 0) {
            goto out;
        }
    }
    rc = XB_OK;
out:
    free(gi);
    free(acols);
    xb__traj_free(&tr);
    return rc;
}
