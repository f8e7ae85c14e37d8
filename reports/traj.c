/* Trajectories (scenario, run, seed) of a results file and their values. */
#include "reports/reports_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *key; /* scenario \x1f run \x1f seed */
    long epoch;
    size_t row;
} sort_item;

static int cmp_item(const void *a, const void *b)
{
    const sort_item *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) {
        return c;
    }
    if (x->epoch != y->epoch) {
        return x->epoch < y->epoch ? -1 : 1;
    }
    return x->row < y->row ? -1 : (x->row > y->row);
}

typedef struct {
    size_t first_row, begin, end;
} traj_span;

static int cmp_span(const void *a, const void *b)
{
    const traj_span *x = a, *y = b;
    return x->first_row < y->first_row ? -1 : (x->first_row > y->first_row);
}

void xb__traj_free(xb__traj *t)
{
    if (t) {
        free(t->rows);
        free(t->start);
        t->rows = t->start = NULL;
        t->ntraj = 0;
    }
}

int xb__traj_build(xb__traj *out, const xb_results *r)
{
    XB_ASSERT_ARG(out != NULL && r != NULL);
    memset(out, 0, sizeof *out);
    size_t n = xb_results_nrows(r);
    long cs = xb_results_find(r, "scenario"), cr = xb_results_find(r, "run");
    long csd = xb_results_find(r, "seed"), ce = xb_results_find(r, "epoch");
    int rc = XB_OK;
    sort_item *items = calloc(n ? n : 1, sizeof *items);
    traj_span *spans = calloc(n ? n : 1, sizeof *spans);
    out->rows = malloc((n ? n : 1) * sizeof *out->rows);
    out->start = malloc((n + 1) * sizeof *out->start);
    if (!items || !spans || !out->rows || !out->start) {
        rc = xb__error_set(XB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = xb_results_cell(r, i, (size_t)cs);
        const char *ru = cr >= 0 ? xb_results_cell(r, i, (size_t)cr) : "";
        const char *sd = xb_results_cell(r, i, (size_t)csd);
        size_t len = strlen(s) + strlen(ru) + strlen(sd) + 3;
        items[i].key = malloc(len);
        if (!items[i].key) {
            rc = xb__error_set(XB_ENOMEM, "out of memory");
            goto out;
        }
        snprintf(items[i].key, len, "%s\x1f%s\x1f%s", s, ru, sd);
        xb__parse_long(xb_results_cell(r, i, (size_t)ce), &items[i].epoch); /* checked on read */
        items[i].row = i;
    }
    qsort(items, n, sizeof *items, cmp_item);
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && !strcmp(items[i].key, items[i - 1].key)) {
            if (items[i].epoch == items[i - 1].epoch) {
                size_t row = items[i].row;
                rc = xb__error_set(XB_EIO,
                                   "%s:%d:%d: column 'epoch': value '%ld': repeats line %d of "
                                   "the same scenario, run and seed (one row per epoch is allowed)",
                                   xb__results_path(r), xb__results_line(r, row),
                                   xb__results_col(r, row, (size_t)ce), items[i].epoch,
                                   xb__results_line(r, items[i - 1].row));
                goto out;
            }
            spans[ns - 1].end = i + 1;
            if (items[i].row < spans[ns - 1].first_row) {
                spans[ns - 1].first_row = items[i].row;
            }
        } else {
            spans[ns].first_row = items[i].row;
            spans[ns].begin = i;
            spans[ns].end = i + 1;
            ns++;
        }
    }
    qsort(spans, ns, sizeof *spans, cmp_span);
    size_t pos = 0;
    for (size_t k = 0; k < ns; k++) {
        out->start[k] = pos;
        for (size_t i = spans[k].begin; i < spans[k].end; i++) {
            out->rows[pos++] = items[i].row;
        }
    }
    out->start[ns] = pos;
    out->ntraj = ns;
out:
    for (size_t i = 0; items && i < n; i++) {
        free(items[i].key);
    }
    free(items);
    free(spans);
    if (rc < 0) {
        xb__traj_free(out);
    }
    return rc;
}

int xb__columns_resolve(const xb_results *r, const char *list, long **idx_out, size_t *n_out)
{
    *idx_out = NULL;
    *n_out = 0;
    if (!list || !*list) {
        return XB_OK;
    }
    size_t cap = 1;
    for (const char *c = list; *c; c++) {
        cap += *c == ',';
    }
    long *idx = malloc(cap * sizeof *idx);
    if (!idx) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    size_t n = 0;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char name[256];
        if (len == 0 || len >= sizeof name) {
            free(idx);
            return xb__error_set(XB_EINVAL, "column list '%s': empty or overlong name", list);
        }
        memcpy(name, p, len);
        name[len] = '\0';
        long j = xb_results_find(r, name);
        if (j < 0) {
            char avail[1024] = "";
            size_t used = 0;
            for (size_t k = 0; k < xb_results_ncols(r) && used + 2 < sizeof avail; k++) {
                const char *cn = xb_results_colname(r, k);
                if (xb_results_is_metric(cn) || !strcmp(cn, "epoch") || !strcmp(cn, "seed")) {
                    continue;
                }
                int w = snprintf(avail + used, sizeof avail - used, "%s%s", used ? ", " : "", cn);
                used += w > 0 ? (size_t)w : 0;
            }
            free(idx);
            return xb__error_set(XB_ENOTFOUND, "column '%s' is not in %s (settings there: %s)",
                                 name, xb__results_path(r), avail);
        }
        idx[n++] = j;
        p += len;
        if (*p == ',') {
            p++;
        }
    }
    *idx_out = idx;
    *n_out = n;
    return XB_OK;
}

void xb__key_join(const xb_results *r, size_t row, const long *idx, size_t n, char *buf,
                  size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < n && used < len; k++) {
        int w = snprintf(buf + used, len - used, "%s%s", k ? ", " : "",
                         xb_results_cell(r, row, (size_t)idx[k]));
        used += w > 0 ? (size_t)w : 0;
    }
}

double xb__cell_number(const xb_results *r, size_t row, long col)
{
    double v;
    if (col < 0 || xb__parse_double(xb_results_cell(r, row, (size_t)col), &v) != 0) {
        return NAN;
    }
    return v;
}

int xb__metric_higher_better(const char *name)
{
    size_t n = strlen(name);
    return n >= 4 && !strcmp(name + n - 4, "_acc");
}

int xb__traj_value(const xb_results *r, const xb__traj *t, size_t k, long vcol, xb_at_kind at,
                   long epoch, double *out)
{
    size_t b = t->start[k], e = t->start[k + 1];
    long ce = xb_results_find(r, "epoch");
    *out = NAN;
    if (at == XB_AT_FINAL) {
        *out = xb__cell_number(r, t->rows[e - 1], vcol);
        return XB_OK;
    }
    if (at == XB_AT_BEST) {
        int up = xb__metric_higher_better(xb_results_colname(r, (size_t)vcol));
        for (size_t i = b; i < e; i++) {
            double v = xb__cell_number(r, t->rows[i], vcol);
            if (isnan(v)) {
                continue;
            }
            if (isnan(*out) || (up ? v > *out : v < *out)) {
                *out = v;
            }
        }
        return XB_OK;
    }
    for (size_t i = b; i < e; i++) {
        long ep = (long)xb__cell_number(r, t->rows[i], ce);
        if (ep == epoch) {
            *out = xb__cell_number(r, t->rows[i], vcol);
            return XB_OK;
        }
    }
    size_t row0 = t->rows[b];
    long cs = xb_results_find(r, "scenario"), csd = xb_results_find(r, "seed");
    return xb__error_set(XB_ENOTFOUND, "%s: scenario '%s' seed '%s' (line %d) has no epoch %ld",
                         xb__results_path(r), xb_results_cell(r, row0, (size_t)cs),
                         xb_results_cell(r, row0, (size_t)csd), xb__results_line(r, row0), epoch);
}

const char *xb__default_rows(const xb_results *r)
{
    return xb_results_find(r, "run") >= 0 ? "run" : "scenario";
}
