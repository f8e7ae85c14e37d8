/* Tables of replicate statistics: grouping, settings analysis, and output as
 * Markdown, LaTeX (booktabs + siunitx) and long-form CSV. */
#include "reports/reports_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KEY_LEN 512

/* SET_COPY: a bwd_x that varies but equals x in every row (not a column) */
typedef enum { SET_COMMON, SET_SHOWN, SET_BY_COLUMN, SET_POOLED, SET_COPY } set_kind;

struct xb_table {
    char *value;
    xb_at_kind at;
    long epoch;
    size_t nrk;          /* row key columns */
    char **rk_names;     /* nrk */
    char **rk_vals;      /* nr * nrk */
    char *ck_name;       /* joined column key names, or NULL */
    size_t nr, nc;
    char **c_labels;     /* nc */
    xb_summary *cells;   /* nr * nc */
    size_t nset;
    char **set_names;    /* nset */
    set_kind *set_kind;  /* nset */
    char **set_common;   /* nset: value when SET_COMMON */
    char **set_vals;     /* nr * nset: value when SET_SHOWN */
    int brief;           /* caption without the settings */
    size_t ndesc;        /* distinct (scenario, description) pairs, in file order */
    char **desc_scn;     /* ndesc */
    char **desc_text;    /* ndesc */
};

static char *sdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) {
        memcpy(p, s, n);
    }
    return p;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i]);
    }
    free(v);
}

void xb_table_free(xb_table *t)
{
    if (!t) {
        return;
    }
    free(t->value);
    free_strs(t->rk_names, t->nrk);
    free_strs(t->rk_vals, t->nr * t->nrk);
    free(t->ck_name);
    free_strs(t->c_labels, t->nc);
    free(t->cells);
    free_strs(t->set_names, t->nset);
    free(t->set_kind);
    free_strs(t->set_common, t->nset);
    free_strs(t->set_vals, t->nr * t->nset);
    free_strs(t->desc_scn, t->ndesc);
    free_strs(t->desc_text, t->ndesc);
    free(t);
}

size_t xb_table_nrows(const xb_table *t) { return t ? t->nr : 0; }

void xb_table_set_brief(xb_table *t, int brief)
{
    if (t) {
        t->brief = brief;
    }
}
size_t xb_table_ncols(const xb_table *t) { return t ? t->nc : 0; }

const xb_summary *xb_table_cell(const xb_table *t, size_t i, size_t j)
{
    return t && i < t->nr && j < t->nc ? &t->cells[i * t->nc + j] : NULL;
}

int xb_table_spec_parse_at(xb_table_spec *spec, const char *text)
{
    XB_ASSERT_ARG(spec != NULL && text != NULL);
    if (!strcmp(text, "final")) {
        spec->at = XB_AT_FINAL;
        return XB_OK;
    }
    if (!strcmp(text, "best")) {
        spec->at = XB_AT_BEST;
        return XB_OK;
    }
    long e;
    if (!strncmp(text, "epoch=", 6) && xb__parse_long(text + 6, &e) == 0 && e >= 0) {
        spec->at = XB_AT_EPOCH;
        spec->epoch = e;
        return XB_OK;
    }
    return xb__error_set(XB_EINVAL, "--at value '%s': final, best or epoch=N (N >= 0) is allowed",
                         text);
}

/* Index of key in keys[0..n), appending it if new; -1 on OOM. */
static long intern(char ***keys, size_t *n, size_t *cap, const char *key)
{
    for (size_t i = 0; i < *n; i++) {
        if (!strcmp((*keys)[i], key)) {
            return (long)i;
        }
    }
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        char **k = realloc(*keys, c * sizeof *k);
        if (!k) {
            return -1;
        }
        *keys = k;
        *cap = c;
    }
    if (!((*keys)[*n] = sdup(key))) {
        return -1;
    }
    return (long)(*n)++;
}

static int in_list(const long *idx, size_t n, long j)
{
    for (size_t k = 0; k < n; k++) {
        if (idx[k] == j) {
            return 1;
        }
    }
    return 0;
}

/* 1 if column j equals one of the row-key columns in every row (scenario
 * when the rows are runs without sweeps): it would repeat the label. */
static int copies_a_key(const xb_results *r, size_t j, const long *ri, size_t nri)
{
    for (size_t q = 0; q < nri; q++) {
        size_t i = 0, n = xb_results_nrows(r);
        while (i < n && !strcmp(xb_results_cell(r, i, j), xb_results_cell(r, i, (size_t)ri[q]))) {
            i++;
        }
        if (i == n) {
            return 1;
        }
    }
    return 0;
}

/* The description of each scenario, once: free text as long as a sentence
 * would make a column as wide as the page and repeat it in every row. Pairs
 * are kept in order of first appearance; a scenario whose rows disagree (not
 * written by xbarsim run) lists each text it has. */
static int collect_descriptions(xb_table *t, const xb_results *r, const xb__traj *tr)
{
    long dj = xb_results_find(r, "description"), sj = xb_results_find(r, "scenario");
    if (dj < 0) {
        return XB_OK;
    }
    t->desc_scn = calloc(tr->ntraj, sizeof *t->desc_scn);
    t->desc_text = calloc(tr->ntraj, sizeof *t->desc_text);
    if (!t->desc_scn || !t->desc_text) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < tr->ntraj; k++) {
        size_t row0 = tr->rows[tr->start[k]];
        const char *d = xb_results_cell(r, row0, (size_t)dj);
        const char *scn = sj >= 0 ? xb_results_cell(r, row0, (size_t)sj) : "";
        size_t q = 0;
        while (q < t->ndesc && (strcmp(t->desc_scn[q], scn) || strcmp(t->desc_text[q], d))) {
            q++;
        }
        if (!d[0] || q < t->ndesc) {
            continue;
        }
        q = t->ndesc++;
        t->desc_scn[q] = sdup(scn);
        t->desc_text[q] = sdup(d);
        if (!t->desc_scn[q] || !t->desc_text[q]) {
            return xb__error_set(XB_ENOMEM, "out of memory");
        }
    }
    return XB_OK;
}

int xb_table_create(xb_table **out, const xb_results *r, const xb_table_spec *spec)
{
    XB_ASSERT_ARG(out != NULL && r != NULL && spec != NULL && spec->value != NULL);
    *out = NULL;
    int rc = XB_OK;
    xb__traj tr = {0};
    long *ri = NULL, *ci = NULL;
    size_t nri = 0, nci = 0;
    long *t_row = NULL, *t_col = NULL;
    double *vals = NULL;
    size_t *first_in_row = NULL, *first_in_cell = NULL;
    char **rkeys = NULL, **ckeys = NULL;
    size_t nrkeys = 0, caprk = 0, nckeys = 0, capck = 0;
    xb_table *t = calloc(1, sizeof *t);
    if (!t) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    long vcol = xb_results_find(r, spec->value);
    if (vcol < 0 || !xb_results_is_metric(spec->value)) {
        /* name what can be asked for, as every bad-input message does */
        char avail[400] = "";
        size_t used = 0;
        for (size_t j = 0; j < xb_results_ncols(r) && used < sizeof avail - 1; j++) {
            const char *cn = xb_results_colname(r, j);
            if (xb_results_is_metric(cn)) {
                int k = snprintf(avail + used, sizeof avail - used, "%s%s", used ? ", " : "", cn);
                used = k < 0 ? used : used + (size_t)k;
            }
        }
        if (used >= sizeof avail - 1) {
            memcpy(avail + sizeof avail - 5, " ...", 5);
        }
        rc = xb__error_set(XB_ENOTFOUND, "value '%s' is not a metric column of %s (metrics: %s)",
                           spec->value, xb__results_path(r), used ? avail : "none");
        goto out;
    }
    if ((rc = xb__columns_resolve(r, spec->rows ? spec->rows : xb__default_rows(r), &ri, &nri)) < 0 ||
        (rc = xb__columns_resolve(r, spec->cols, &ci, &nci)) < 0 ||
        (rc = xb__traj_build(&tr, r)) < 0) {
        goto out;
    }
    if (tr.ntraj == 0) {
        rc = xb__error_set(XB_EIO, "%s: no data rows", xb__results_path(r));
        goto out;
    }
    t->value = sdup(spec->value);
    t->at = spec->at;
    t->epoch = spec->epoch;
    t->nrk = nri;
    t->rk_names = calloc(nri, sizeof *t->rk_names);
    t_row = malloc(tr.ntraj * sizeof *t_row);
    t_col = malloc(tr.ntraj * sizeof *t_col);
    vals = malloc(tr.ntraj * sizeof *vals);
    if (!t->value || !t->rk_names || !t_row || !t_col || !vals) {
        rc = xb__error_set(XB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < nri; k++) {
        t->rk_names[k] = sdup(xb_results_colname(r, (size_t)ri[k]));
    }
    if (nci) {
        char buf[KEY_LEN];
        size_t used = 0;
        for (size_t k = 0; k < nci; k++) {
            int w = snprintf(buf + used, sizeof buf - used, "%s%s", k ? ", " : "",
                             xb_results_colname(r, (size_t)ci[k]));
            used += w > 0 && (size_t)w < sizeof buf - used ? (size_t)w : 0;
        }
        t->ck_name = sdup(buf);
    }
    /* assign trajectories to (row, col) and take their values */
    for (size_t k = 0; k < tr.ntraj; k++) {
        size_t row0 = tr.rows[tr.start[k]];
        char key[KEY_LEN];
        xb__key_join(r, row0, ri, nri, key, sizeof key);
        t_row[k] = intern(&rkeys, &nrkeys, &caprk, key);
        xb__key_join(r, row0, ci, nci, key, sizeof key);
        t_col[k] = intern(&ckeys, &nckeys, &capck, key);
        if (t_row[k] < 0 || t_col[k] < 0) {
            rc = xb__error_set(XB_ENOMEM, "out of memory");
            goto out;
        }
        if ((rc = xb__traj_value(r, &tr, k, vcol, spec->at, spec->epoch, &vals[k])) < 0) {
            goto out;
        }
    }
    t->nr = nrkeys;
    t->nc = nckeys;
    t->c_labels = ckeys;
    ckeys = NULL;
    t->rk_vals = calloc(t->nr * (nri ? nri : 1), sizeof *t->rk_vals);
    t->cells = calloc(t->nr * t->nc, sizeof *t->cells);
    double *buf = malloc(tr.ntraj * sizeof *buf);
    if (!t->rk_vals || !t->cells || !buf) {
        free(buf);
        rc = xb__error_set(XB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < t->nr; i++) {
        for (size_t k = 0; k < tr.ntraj; k++) {
            if (t_row[k] == (long)i) { /* the first trajectory of the row names it */
                size_t row0 = tr.rows[tr.start[k]];
                for (size_t q = 0; q < nri; q++) {
                    t->rk_vals[i * nri + q] = sdup(xb_results_cell(r, row0, (size_t)ri[q]));
                }
                break;
            }
        }
        for (size_t j = 0; j < t->nc; j++) {
            size_t n = 0;
            for (size_t k = 0; k < tr.ntraj; k++) {
                if (t_row[k] == (long)i && t_col[k] == (long)j && !isnan(vals[k])) {
                    buf[n++] = vals[k];
                }
            }
            if ((rc = xb_summary_compute(&t->cells[i * t->nc + j], buf, n)) < 0) {
                free(buf);
                goto out;
            }
        }
    }
    free(buf);
    /* settings: every column that is not a key, a metric, or a row/column key */
    size_t ncols = xb_results_ncols(r);
    t->set_names = calloc(ncols, sizeof *t->set_names);
    t->set_kind = calloc(ncols, sizeof *t->set_kind);
    t->set_common = calloc(ncols, sizeof *t->set_common);
    t->set_vals = calloc(t->nr * ncols, sizeof *t->set_vals);
    if (!t->set_names || !t->set_kind || !t->set_common || !t->set_vals) {
        rc = xb__error_set(XB_ENOMEM, "out of memory");
        goto out;
    }
    first_in_row = malloc(t->nr * sizeof *first_in_row);
    first_in_cell = malloc(t->nr * t->nc * sizeof *first_in_cell);
    if (!first_in_row || !first_in_cell) {
        rc = xb__error_set(XB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t k = tr.ntraj; k-- > 0;) {
        first_in_row[t_row[k]] = k;
        first_in_cell[(size_t)t_row[k] * t->nc + (size_t)t_col[k]] = k;
    }
    for (size_t j = 0; j < ncols; j++) {
        const char *name = xb_results_colname(r, j);
        if (in_list(ri, nri, (long)j) || in_list(ci, nci, (long)j) ||
            xb_results_is_metric(name) || !strcmp(name, "run") || !strcmp(name, "seed") ||
            !strcmp(name, "epoch") || !strcmp(name, "description") ||
            copies_a_key(r, j, ri, nri)) {
            continue;
        }
        /* settings are constant along a trajectory: compare first rows only,
         * each against the first trajectory of its table row and of its cell */
        int common = 1, per_cell = 1, per_row = 1;
        const char *v0 = xb_results_cell(r, tr.rows[0], j);
        for (size_t k = 0; k < tr.ntraj; k++) {
            const char *v = xb_results_cell(r, tr.rows[tr.start[k]], j);
            const char *vr = xb_results_cell(r, tr.rows[tr.start[first_in_row[t_row[k]]]], j);
            size_t cell = (size_t)t_row[k] * t->nc + (size_t)t_col[k];
            const char *vc = xb_results_cell(r, tr.rows[tr.start[first_in_cell[cell]]], j);
            common &= !strcmp(v, v0);
            per_row &= !strcmp(v, vr);
            per_cell &= !strcmp(v, vc);
        }
        if (!common && !strncmp(name, "bwd_", 4)) {
            long fj = xb_results_find(r, name + 4);
            size_t i = 0, n = xb_results_nrows(r);
            while (fj >= 0 && i < n &&
                   !strcmp(xb_results_cell(r, i, j), xb_results_cell(r, i, (size_t)fj))) {
                i++;
            }
            if (fj >= 0 && i == n) {
                size_t s = t->nset++;
                t->set_names[s] = sdup(name);
                t->set_kind[s] = SET_COPY;
                continue;
            }
        }
        size_t s = t->nset++;
        t->set_names[s] = sdup(name);
        t->set_kind[s] = common ? SET_COMMON : per_row ? SET_SHOWN : per_cell ? SET_BY_COLUMN
                                                                               : SET_POOLED;
        if (common) {
            t->set_common[s] = sdup(v0);
        }
    }
    if (!in_list(ri, nri, xb_results_find(r, "description")) &&
        !in_list(ci, nci, xb_results_find(r, "description")) &&
        (rc = collect_descriptions(t, r, &tr)) < 0) {
        goto out;
    }
    /* shown settings: value of each row, indexed [i * ncols + s] */
    for (size_t s = 0; s < t->nset; s++) {
        if (t->set_kind[s] != SET_SHOWN) {
            continue;
        }
        long j = xb_results_find(r, t->set_names[s]);
        for (size_t k = 0; k < tr.ntraj; k++) {
            size_t i = (size_t)t_row[k];
            if (!t->set_vals[i * ncols + s]) {
                t->set_vals[i * ncols + s] = sdup(xb_results_cell(r, tr.rows[tr.start[k]], (size_t)j));
            }
        }
    }
    /* set_vals was allocated with ncols per row; compact it to nset per row */
    for (size_t i = 0; i < t->nr; i++) {
        for (size_t s = 0; s < ncols; s++) {
            char *v = t->set_vals[i * ncols + s];
            t->set_vals[i * ncols + s] = NULL;
            if (s < t->nset) {
                t->set_vals[i * t->nset + s] = v;
            } else {
                free(v);
            }
        }
    }
out:
    free_strs(rkeys, nrkeys);
    free_strs(ckeys, nckeys);
    free(ri);
    free(ci);
    free(t_row);
    free(t_col);
    free(vals);
    free(first_in_row);
    free(first_in_cell);
    xb__traj_free(&tr);
    if (rc < 0) {
        xb_table_free(t);
        return rc;
    }
    *out = t;
    return XB_OK;
}

/* ------------------------------------------------------------- printing */

static void latex_escape(FILE *fp, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': case '%': case '$': case '#': case '_': case '{': case '}':
            fputc('\\', fp);
            fputc(*s, fp);
            break;
        case '~':
            fputs("\\textasciitilde{}", fp);
            break;
        case '^':
            fputs("\\textasciicircum{}", fp);
            break;
        case '\\':
            fputs("\\textbackslash{}", fp);
            break;
        default:
            fputc(*s, fp);
        }
    }
}

/* Markdown cells must not contain '|' or line breaks. */
static void md_escape(FILE *fp, const char *s)
{
    for (; *s; s++) {
        if (*s == '|') {
            fputs("\\|", fp);
        } else if (*s == '\n' || *s == '\r') {
            fputc(' ', fp);
        } else {
            fputc(*s, fp);
        }
    }
}

static void text(FILE *fp, const char *s, xb_table_format fmt)
{
    if (fmt == XB_TABLE_LATEX) {
        latex_escape(fp, s);
    } else {
        md_escape(fp, s);
    }
}

/* " (J)" after a metric's name; siunitx in LaTeX, as the cells use it */
static void unit_suffix(FILE *fp, const char *metric, xb_table_format fmt)
{
    const char *u = xb_metric_unit(metric);
    if (!u) {
        return;
    }
    if (fmt != XB_TABLE_LATEX) {
        fprintf(fp, " (%s)", u);
    } else if (!strcmp(u, "J")) {
        fputs(" (\\si{\\joule})", fp);
    } else if (!strcmp(u, "s")) {
        fputs(" (\\si{\\second})", fp);
    } else { /* "°" */
        fputs(" (\\si{\\degree})", fp);
    }
}

/* Each scenario's description once, under the table, keyed by scenario. */
static void print_descriptions(FILE *fp, const xb_table *t, xb_table_format fmt)
{
    if (t->brief || t->ndesc == 0) {
        return;
    }
    if (fmt == XB_TABLE_LATEX) {
        fputs("  \\par\\smallskip\n  {\\footnotesize\\raggedright\n", fp);
        for (size_t q = 0; q < t->ndesc; q++) {
            fputs("  ", fp);
            if (t->desc_scn[q][0]) {
                fputs("\\textit{", fp);
                latex_escape(fp, t->desc_scn[q]);
                fputs("}: ", fp);
            }
            latex_escape(fp, t->desc_text[q]);
            fputs("\\par\n", fp);
        }
        fputs("  }\n", fp);
        return;
    }
    fputs("\nScenarios:\n\n", fp);
    for (size_t q = 0; q < t->ndesc; q++) {
        fputs("- ", fp);
        if (t->desc_scn[q][0]) {
            fputs("**", fp);
            md_escape(fp, t->desc_scn[q]);
            fputs("**: ", fp);
        }
        md_escape(fp, t->desc_text[q]);
        fputs("\n", fp);
    }
}

static void n_range(const xb_table *t, size_t *lo, size_t *hi)
{
    *lo = (size_t)-1;
    *hi = 0;
    for (size_t k = 0; k < t->nr * t->nc; k++) {
        size_t n = t->cells[k].n;
        if (n == 0) {
            continue;
        }
        *lo = n < *lo ? n : *lo;
        *hi = n > *hi ? n : *hi;
    }
    if (*hi == 0) {
        *lo = 0;
    }
}

static int trivial_value(const char *v)
{
    return !v[0] || !strcmp(v, "0") || !strcmp(v, "off") || !strcmp(v, "none") ||
           !strcmp(v, "auto");
}

/* bwd_x that is common and equal to a common x */
static int bwd_same_as_fwd(const xb_table *t, size_t s)
{
    const char *name = t->set_names[s];
    if (strncmp(name, "bwd_", 4) != 0) {
        return 0;
    }
    for (size_t q = 0; q < t->nset; q++) {
        if (t->set_kind[q] == SET_COMMON && !strcmp(t->set_names[q], name + 4)) {
            return !strcmp(t->set_common[q], t->set_common[s]);
        }
    }
    return 0;
}

static void print_caption(FILE *fp, const xb_table *t, xb_table_format fmt)
{
    const char *pm = fmt == XB_TABLE_LATEX ? "$\\pm$" : "±";
    const char *pct = fmt == XB_TABLE_LATEX ? "95\\,\\%" : "95 %";
    if (t->at == XB_AT_FINAL) {
        fputs("Final ", fp);
    } else if (t->at == XB_AT_BEST) {
        fputs("Best ", fp);
    }
    text(fp, t->value, fmt);
    unit_suffix(fp, t->value, fmt);
    if (t->at == XB_AT_EPOCH) {
        fprintf(fp, " at epoch %ld", t->epoch);
    }
    size_t lo, hi;
    n_range(t, &lo, &hi);
    fprintf(fp, ", mean %s std over seeds", pm);
    if (lo == hi) {
        fprintf(fp, " (n = %zu per cell)", lo);
    } else {
        fprintf(fp, " (n = %zu to %zu per cell)", lo, hi);
    }
    if (t->nc == 1 && !t->ck_name) {
        fprintf(fp, "; %s CI of the mean from Student's t", pct);
    }
    fputs(".", fp);
    if (t->ck_name) {
        fputs(" Columns: ", fp);
        text(fp, t->ck_name, fmt);
        fputs(".", fp);
    }
    if (t->brief) {
        return;
    }
    /* common settings: the informative ones with their values; zero / off /
     * empty ones by name only; bwd_x equal to a common x only counted */
    const char *heads[] = {"Common settings: ", "Zero, off or empty in every row: ",
                           "Settings that follow the column: ",
                           "Cells pool different values of: "};
    size_t same_as_fwd = 0;
    for (size_t q = 0; q < 4; q++) {
        int first = 1;
        for (size_t s = 0; s < t->nset; s++) {
            set_kind k = t->set_kind[s];
            int common = k == SET_COMMON;
            int fwd = common && bwd_same_as_fwd(t, s);
            int triv = common && !fwd && trivial_value(t->set_common[s]);
            int want = q == 0 ? common && !fwd && !triv
                     : q == 1 ? triv
                     : q == 2 ? k == SET_BY_COLUMN
                              : k == SET_POOLED;
            if (q == 0 && (fwd || k == SET_COPY)) {
                same_as_fwd++;
            }
            if (!want) {
                continue;
            }
            fputs(first ? " " : ", ", fp);
            if (first) {
                fputs(heads[q], fp);
            }
            first = 0;
            text(fp, t->set_names[s], fmt);
            if (q == 0) {
                fputs(" = ", fp);
                text(fp, t->set_common[s], fmt);
            }
        }
        if (!first) {
            fputs(".", fp);
        }
    }
    if (same_as_fwd) {
        fprintf(fp, " %zu bwd", same_as_fwd);
        fputs(fmt == XB_TABLE_LATEX ? "\\_" : "_", fp);
        fputs(" settings equal their forward counterparts.", fp);
    }
}

static void cell_text(char *buf, size_t len, const xb_summary *c, int latex)
{
    if (c->n == 0) {
        snprintf(buf, len, "%s", latex ? "--" : "–");
        return;
    }
    xb_format_mean_std(buf, len, c->mean, c->std, latex);
}

static void ci_text(char *buf, size_t len, const xb_summary *c, int latex)
{
    if (c->n < 2 || !isfinite(c->ci95)) {
        snprintf(buf, len, "%s", latex ? "--" : "–");
        return;
    }
    int k = xb_format_exponent(c->mean, c->std);
    double scale = pow(10.0, -k);
    int d = xb_format_decimals(c->mean * scale, c->std * scale);
    double lo = (c->mean - c->ci95) * scale, hi = (c->mean + c->ci95) * scale;
    if (d < 0) {
        double u = pow(10.0, -d);
        lo = round(lo / u) * u;
        hi = round(hi / u) * u;
        d = 0;
    }
    char e[16] = "";
    if (k) {
        snprintf(e, sizeof e, "e%d", k);
    }
    if (latex) {
        snprintf(buf, len, "[\\num{%.*f%s}, \\num{%.*f%s}]", d, lo, e, d, hi, e);
    } else {
        snprintf(buf, len, "[%.*f, %.*f]%s", d, lo, d, hi, e);
    }
}

static void print_csv(FILE *fp, const xb_table *t)
{
    for (size_t q = 0; q < t->nrk; q++) {
        xb_csv_field(fp, t->rk_names[q]);
        fputc(',', fp);
    }
    if (t->ck_name) {
        xb_csv_field(fp, t->ck_name);
        fputc(',', fp);
    }
    fprintf(fp, "value,at,n,mean,std,ci95_lo,ci95_hi\n");
    for (size_t i = 0; i < t->nr; i++) {
        for (size_t j = 0; j < t->nc; j++) {
            const xb_summary *c = &t->cells[i * t->nc + j];
            if (c->n == 0) {
                continue;
            }
            for (size_t q = 0; q < t->nrk; q++) {
                xb_csv_field(fp, t->rk_vals[i * t->nrk + q]);
                fputc(',', fp);
            }
            if (t->ck_name) {
                xb_csv_field(fp, t->c_labels[j]);
                fputc(',', fp);
            }
            xb_csv_field(fp, t->value);
            if (t->at == XB_AT_EPOCH) {
                fprintf(fp, ",epoch=%ld,", t->epoch);
            } else {
                fprintf(fp, ",%s,", t->at == XB_AT_FINAL ? "final" : "best");
            }
            fprintf(fp, "%zu,", c->n);
            xb_csv_double(fp, c->mean);
            fputc(',', fp);
            xb_csv_double(fp, c->std);
            fputc(',', fp);
            xb_csv_double(fp, c->mean - c->ci95);
            fputc(',', fp);
            xb_csv_double(fp, c->mean + c->ci95);
            fputc('\n', fp);
        }
    }
}

int xb_table_fprint(FILE *fp, const xb_table *t, xb_table_format fmt)
{
    XB_ASSERT_ARG(fp != NULL && t != NULL);
    if (fmt == XB_TABLE_CSV) {
        print_csv(fp, t);
        return ferror(fp) ? xb__error_set(XB_EIO, "write error") : XB_OK;
    }
    int latex = fmt == XB_TABLE_LATEX;
    if (fmt != XB_TABLE_MARKDOWN && !latex) {
        return xb__error_set(XB_EINVAL, "table format %d: markdown, latex or csv is allowed",
                             (int)fmt);
    }
    int simple = !t->ck_name; /* no column groups: show n and the CI */
    size_t nshown = 0;
    for (size_t s = 0; s < t->nset; s++) {
        nshown += t->set_kind[s] == SET_SHOWN;
    }
    const char *sep = latex ? " & " : " | ";
    if (latex) {
        fputs("% requires \\usepackage{booktabs} and \\usepackage{siunitx}\n"
              "\\begin{table}[htbp]\n  \\centering\n  \\caption{",
              fp);
        print_caption(fp, t, fmt);
        fputs("}\n  \\label{tab:", fp);
        for (const char *c = t->value; *c; c++) { /* labels take no escapes */
            fputc(isalnum((unsigned char)*c) || *c == '_' || *c == '-' ? *c : '-', fp);
        }
        fputs("}\n  \\begin{tabular}{", fp);
        for (size_t q = 0; q < t->nrk + nshown; q++) {
            fputc('l', fp);
        }
        fputs(simple ? "rcc" : "", fp);
        for (size_t j = 0; !simple && j < t->nc; j++) {
            fputc('c', fp);
        }
        fputs("}\n    \\toprule\n    ", fp);
    } else {
        fputs("| ", fp);
    }
    /* header */
    int first = 1;
    for (size_t q = 0; q < t->nrk; q++, first = 0) {
        fputs(first ? "" : sep, fp);
        text(fp, t->rk_names[q], fmt);
    }
    for (size_t s = 0; s < t->nset; s++) {
        if (t->set_kind[s] == SET_SHOWN) {
            fputs(sep, fp);
            text(fp, t->set_names[s], fmt);
        }
    }
    if (simple) {
        fputs(sep, fp);
        fputs(latex ? "$n$" : "n", fp);
        fputs(sep, fp);
        text(fp, t->value, fmt);
        unit_suffix(fp, t->value, fmt);
        fputs(sep, fp);
        fputs(latex ? "95\\,\\% CI" : "95 % CI", fp);
        unit_suffix(fp, t->value, fmt);
    } else {
        for (size_t j = 0; j < t->nc; j++) {
            fputs(sep, fp);
            text(fp, t->c_labels[j], fmt);
        }
    }
    if (latex) {
        fputs(" \\\\\n    \\midrule\n", fp);
    } else {
        fputs(" |\n|", fp);
        for (size_t q = 0; q < t->nrk + nshown; q++) {
            fputs(" --- |", fp);
        }
        if (simple) {
            fputs(" ---: | ---: | :---: |", fp);
        }
        for (size_t j = 0; !simple && j < t->nc; j++) {
            fputs(" ---: |", fp);
        }
        fputc('\n', fp);
    }
    /* body */
    size_t nlo, nhi;
    n_range(t, &nlo, &nhi);
    for (size_t i = 0; i < t->nr; i++) {
        fputs(latex ? "    " : "| ", fp);
        for (size_t q = 0; q < t->nrk; q++) {
            fputs(q ? sep : "", fp);
            text(fp, t->rk_vals[i * t->nrk + q], fmt);
        }
        for (size_t s = 0; s < t->nset; s++) {
            if (t->set_kind[s] == SET_SHOWN) {
                fputs(sep, fp);
                text(fp, t->set_vals[i * t->nset + s], fmt);
            }
        }
        char buf[128];
        if (simple) {
            const xb_summary *c = &t->cells[i];
            fprintf(fp, "%s%zu%s", sep, c->n, sep);
            cell_text(buf, sizeof buf, c, latex);
            fputs(buf, fp);
            fputs(sep, fp);
            ci_text(buf, sizeof buf, c, latex);
            fputs(buf, fp);
        } else {
            for (size_t j = 0; j < t->nc; j++) {
                const xb_summary *c = &t->cells[i * t->nc + j];
                fputs(sep, fp);
                cell_text(buf, sizeof buf, c, latex);
                fputs(buf, fp);
                if (c->n && nlo != nhi) {
                    fprintf(fp, latex ? " ($n=%zu$)" : " (n=%zu)", c->n);
                }
            }
        }
        fputs(latex ? " \\\\\n" : " |\n", fp);
    }
    if (latex) {
        fputs("    \\bottomrule\n  \\end{tabular}\n", fp);
        print_descriptions(fp, t, fmt);
        fputs("\\end{table}\n", fp);
    } else {
        fputs("\n", fp);
        print_caption(fp, t, fmt);
        fputs("\n", fp);
        print_descriptions(fp, t, fmt);
    }
    return ferror(fp) ? xb__error_set(XB_EIO, "write error") : XB_OK;
}
