/* Results files: strict libcsv parse with line and column of every cell. */
#include "reports/reports_internal.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

struct xb_results {
    char *path;
    size_t nrows, ncols;
    char **header;   /* ncols */
    int *header_col; /* character column of each header field */
    char **cells;    /* nrows * ncols */
    int *line;       /* source line of each data row */
    int *col;        /* nrows * ncols: character column where each cell starts */
};

typedef struct {
    xb_results *r;
    size_t cap_rows;
    char **field;    /* fields of the row being read */
    int *field_col;
    size_t nfield, cap_field;
    int row_line;    /* line where the current row started */
    int start_line, start_col; /* where the current field started */
    int need_start;
    int status;      /* first error */
    int cur_line, cur_col;
} parse_state;

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static void on_field(void *s, size_t len, void *data)
{
    parse_state *ps = data;
    if (ps->status) {
        return;
    }
    if (ps->nfield == 0) {
        ps->row_line = ps->start_line;
    }
    if (ps->nfield == ps->cap_field) {
        size_t cap = ps->cap_field ? ps->cap_field * 2 : 16;
        char **f = realloc(ps->field, cap * sizeof *f);
        int *c = f ? realloc(ps->field_col, cap * sizeof *c) : NULL;
        if (f) {
            ps->field = f;
        }
        if (!f || !c) {
            ps->status = xb__error_set(XB_ENOMEM, "out of memory");
            return;
        }
        ps->field_col = c;
        ps->cap_field = cap;
    }
    char *v = dup_n(s ? s : "", s ? len : 0);
    if (!v) {
        ps->status = xb__error_set(XB_ENOMEM, "out of memory");
        return;
    }
    ps->field[ps->nfield] = v;
    ps->field_col[ps->nfield] = ps->start_col;
    ps->nfield++;
    ps->need_start = 1;
}

static void on_row(int term, void *data)
{
    (void)term;
    parse_state *ps = data;
    ps->need_start = 1;
    if (ps->status) {
        return;
    }
    xb_results *r = ps->r;
    if (!r->header) {
        r->header = ps->field;
        r->header_col = ps->field_col;
        r->ncols = ps->nfield;
        ps->field = NULL;
        ps->field_col = NULL;
        ps->nfield = ps->cap_field = 0;
        return;
    }
    if (ps->nfield != r->ncols) {
        ps->status = xb__error_set(XB_EIO, "%s:%d:1: row has %zu fields, header has %zu",
                                   r->path, ps->row_line, ps->nfield, r->ncols);
        return;
    }
    if (r->nrows == ps->cap_rows) {
        size_t cap = ps->cap_rows ? ps->cap_rows * 2 : 64;
        char **c = realloc(r->cells, cap * r->ncols * sizeof *c);
        if (c) {
            r->cells = c;
        }
        int *l = c ? realloc(r->line, cap * sizeof *l) : NULL;
        if (l) {
            r->line = l;
        }
        int *cc = l ? realloc(r->col, cap * r->ncols * sizeof *cc) : NULL;
        if (!cc) {
            ps->status = xb__error_set(XB_ENOMEM, "out of memory");
            return;
        }
        r->col = cc;
        ps->cap_rows = cap;
    }
    memcpy(r->cells + r->nrows * r->ncols, ps->field, r->ncols * sizeof *ps->field);
    memcpy(r->col + r->nrows * r->ncols, ps->field_col, r->ncols * sizeof *ps->field_col);
    r->line[r->nrows] = ps->row_line;
    r->nrows++;
    ps->nfield = 0;
}

void xb_results_free(xb_results *r)
{
    if (!r) {
        return;
    }
    for (size_t j = 0; r->header && j < r->ncols; j++) {
        free(r->header[j]);
    }
    for (size_t k = 0; r->cells && k < r->nrows * r->ncols; k++) {
        free(r->cells[k]);
    }
    free(r->header);
    free(r->header_col);
    free(r->cells);
    free(r->line);
    free(r->col);
    free(r->path);
    free(r);
}

static int check_header(xb_results *r)
{
    if (!r->header) {
        return xb__error_set(XB_EIO, "%s:1:1: empty file: a header row is required", r->path);
    }
    for (size_t j = 0; j < r->ncols; j++) {
        if (r->header[j][0] == '\0') {
            return xb__error_set(XB_EIO, "%s:1:%d: column %zu: empty name", r->path,
                                 r->header_col[j], j + 1);
        }
        for (size_t k = 0; k < j; k++) {
            if (!strcmp(r->header[j], r->header[k])) {
                return xb__error_set(XB_EIO, "%s:1:%d: column '%s': value '%s': duplicate name",
                                     r->path, r->header_col[j], r->header[j], r->header[j]);
            }
        }
    }
    static const char *const required[] = {"scenario", "seed", "epoch"};
    for (size_t k = 0; k < sizeof required / sizeof required[0]; k++) {
        if (xb_results_find(r, required[k]) < 0) {
            return xb__error_set(XB_EIO, "%s:1:1: missing key column '%s' (keys: scenario, run, "
                                         "seed, epoch)",
                                 r->path, required[k]);
        }
    }
    /* every metric and the epoch must be numbers (or empty / nan for "not measured") */
    for (size_t j = 0; j < r->ncols; j++) {
        int is_epoch = !strcmp(r->header[j], "epoch");
        if (!is_epoch && !xb_results_is_metric(r->header[j])) {
            continue;
        }
        for (size_t i = 0; i < r->nrows; i++) {
            const char *s = r->cells[i * r->ncols + j];
            double v;
            long e;
            int ok = is_epoch ? xb__parse_long(s, &e) == 0 && e >= 0
                              : (s[0] == '\0' || xb__parse_double(s, &v) == 0);
            if (!ok) {
                return xb__error_set(XB_EIO, "%s:%d:%d: column '%s': value '%s': %s", r->path,
                                     r->line[i], r->col[i * r->ncols + j], r->header[j], s,
                                     is_epoch ? "an integer >= 0 is allowed"
                                              : "a number, nan or an empty cell is allowed");
            }
        }
    }
    return XB_OK;
}

int xb_results_read(xb_results **out, const char *path)
{
    XB_ASSERT_ARG(out != NULL && path != NULL);
    *out = NULL;
    char *buf = NULL;
    size_t len = 0;
    XB_TRY(xb_file_read(path, &buf, &len));
    int rc = XB_OK;
    struct csv_parser p;
    parse_state ps = {0};
    xb_results *r = calloc(1, sizeof *r);
    if (!r || !(r->path = dup_n(path, strlen(path)))) {
        rc = xb__error_set(XB_ENOMEM, "out of memory");
        goto out_noparser;
    }
    ps.r = r;
    ps.need_start = 1;
    ps.cur_line = 1;
    ps.cur_col = 1;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        rc = xb__error_set(XB_EEXTERNAL, "csv_init failed");
        goto out_noparser;
    }
    /* one byte at a time: libcsv reports no positions, so we count them;
     * a UTF-8 byte-order mark (spreadsheet exports) is skipped */
    size_t k0 = len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0;
    for (size_t k = k0; k < len && !ps.status; k++) {
        char ch = buf[k];
        if (ps.need_start && ch != '\n' && ch != '\r') {
            ps.start_line = ps.cur_line;
            ps.start_col = ps.cur_col;
            ps.need_start = 0;
        }
        if (csv_parse(&p, buf + k, 1, on_field, on_row, &ps) != 1) {
            rc = xb__error_set(XB_EIO, "%s:%d:%d: malformed CSV near '%c': %s (quote fields "
                                       "that contain commas or quotes, double inner quotes)",
                               path, ps.cur_line, ps.cur_col, ch, csv_strerror(csv_error(&p)));
            goto out;
        }
        if (ch == '\n') {
            ps.cur_line++;
            ps.cur_col = 1;
        } else {
            ps.cur_col++;
        }
    }
    if (!ps.status && csv_fini(&p, on_field, on_row, &ps) != 0) {
        rc = xb__error_set(XB_EIO, "%s:%d:%d: unterminated quoted field at end of file", path,
                           ps.start_line, ps.start_col);
        goto out;
    }
    if (ps.status) {
        rc = ps.status;
        goto out;
    }
    rc = check_header(r);
out:
    csv_free(&p);
out_noparser:
    for (size_t k = 0; k < ps.nfield; k++) {
        free(ps.field[k]);
    }
    free(ps.field);
    free(ps.field_col);
    free(buf);
    if (rc < 0) {
        xb_results_free(r);
        return rc;
    }
    *out = r;
    return XB_OK;
}

size_t xb_results_nrows(const xb_results *r) { return r ? r->nrows : 0; }
size_t xb_results_ncols(const xb_results *r) { return r ? r->ncols : 0; }

const char *xb_results_colname(const xb_results *r, size_t col)
{
    return r && col < r->ncols ? r->header[col] : "";
}

const char *xb_results_cell(const xb_results *r, size_t row, size_t col)
{
    return r && row < r->nrows && col < r->ncols ? r->cells[row * r->ncols + col] : "";
}

int xb__results_line(const xb_results *r, size_t row) { return row < r->nrows ? r->line[row] : 0; }

int xb__results_col(const xb_results *r, size_t row, size_t col)
{
    return row < r->nrows && col < r->ncols ? r->col[row * r->ncols + col] : 0;
}

const char *xb__results_path(const xb_results *r) { return r->path; }

long xb_results_find(const xb_results *r, const char *name)
{
    for (size_t j = 0; r && name && j < r->ncols; j++) {
        if (!strcmp(r->header[j], name)) {
            return (long)j;
        }
    }
    return -1;
}

int xb_results_is_key(const char *name)
{
    return name && (!strcmp(name, "scenario") || !strcmp(name, "run") ||
                    !strcmp(name, "seed") || !strcmp(name, "epoch"));
}

int xb_results_is_metric(const char *name)
{
    static const char *const exact[] = {"train_loss", "train_acc", "test_loss", "test_acc",
                                        "train_nse",  "test_nse",  "seconds"};
    static const char *const prefix[] = {"angle_",  "delta_angle_", "grad_angle_", "reads_",
                                         "pulses_", "energy_",      "latency_"};
    if (!name) {
        return 0;
    }
    for (size_t k = 0; k < sizeof exact / sizeof exact[0]; k++) {
        if (!strcmp(name, exact[k])) {
            return 1;
        }
    }
    for (size_t k = 0; k < sizeof prefix / sizeof prefix[0]; k++) {
        if (!strncmp(name, prefix[k], strlen(prefix[k]))) {
            return 1;
        }
    }
    return 0;
}

const char *xb_metric_unit(const char *name)
{
    if (!name) {
        return NULL;
    }
    if (!strncmp(name, "energy_", 7)) {
        return "J";
    }
    if (!strncmp(name, "latency_", 8) || !strcmp(name, "seconds")) {
        return "s";
    }
    if (!strncmp(name, "angle_", 6) || !strncmp(name, "delta_angle_", 12) ||
        !strncmp(name, "grad_angle_", 11)) {
        return "°";
    }
    return NULL;
}

int xb__parse_double(const char *s, double *out)
{
    if (!s || !*s) {
        return -1;
    }
    char *end;
    double v = strtod(s, &end);
    if (*end != '\0') {
        return -1;
    }
    *out = v;
    return 0;
}

int xb__parse_long(const char *s, long *out)
{
    if (!s || !*s) {
        return -1;
    }
    char *end;
    long v = strtol(s, &end, 10);
    if (*end != '\0') {
        return -1;
    }
    *out = v;
    return 0;
}
