/* A small CSV table reader on libcsv (strict), fed one byte at a time so every
 * field and every error has an exact file:line:column (deps.md §3). */
#include "devices/devices_internal.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    xb_device__csv *t;
    size_t line, col;            /* position of the next byte */
    size_t field_line, field_col; /* where the current field started */
    int at_field_start;
    size_t row_fields;
    int failed;
} loader;

static int push(xb_device__csv *t, const char *s, size_t len, size_t line, size_t col)
{
    if (t->n_fields == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 256;
        char **f = realloc(t->fields, cap * sizeof *f);
        size_t *ln = realloc(t->lines, cap * sizeof *ln);
        size_t *cl = ln ? realloc(t->cols, cap * sizeof *cl) : NULL;
        if (f) {
            t->fields = f;
        }
        if (ln) {
            t->lines = ln;
        }
        if (cl) {
            t->cols = cl;
        }
        if (!f || !ln || !cl) {
            return -1;
        }
        t->cap = cap;
    }
    char *c = malloc(len + 1);
    if (c == NULL) {
        return -1;
    }
    memcpy(c, s, len);
    c[len] = '\0';
    t->fields[t->n_fields] = c;
    t->lines[t->n_fields] = line;
    t->cols[t->n_fields] = col;
    t->n_fields++;
    return 0;
}

static void on_field(void *s, size_t len, void *data)
{
    loader *L = data;
    if (L->failed) {
        return;
    }
    if (push(L->t, s ? s : "", s ? len : 0, L->field_line, L->field_col) < 0) {
        L->failed = 1;
    }
    L->row_fields++;
}

static void on_row(int term, void *data)
{
    (void)term;
    loader *L = data;
    if (L->failed) {
        return;
    }
    xb_device__csv *t = L->t;
    if (t->n_cols == 0) {
        t->n_cols = L->row_fields;
    } else if (L->row_fields != t->n_cols) {
        L->failed = 2;
        t->bad_line = L->field_line;
        t->bad_count = L->row_fields;
    }
    L->row_fields = 0;
}

void xb_device__csv_free(xb_device__csv *t)
{
    for (size_t i = 0; i < t->n_fields; i++) {
        free(t->fields[i]);
    }
    free(t->fields);
    free(t->lines);
    free(t->cols);
    memset(t, 0, sizeof *t);
}

int xb_device__csv_load(const char *path, xb_device__csv *t)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    char *buf = NULL;
    size_t len = 0;
    int rc = xb_file_read(path, &buf, &len);
    if (rc < 0) {
        return rc;
    }
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        free(buf);
        return xb__error_set(XB_ENOMEM, "%s: csv_init failed", path);
    }
    loader L = {.t = t, .line = 1, .col = 1, .field_line = 1, .field_col = 1, .at_field_start = 1};
    for (size_t i = 0; i < len && !L.failed; i++) {
        if (L.at_field_start) {
            L.field_line = L.line;
            L.field_col = L.col;
            L.at_field_start = 0;
        }
        if (csv_parse(&p, buf + i, 1, on_field, on_row, &L) != 1) {
            rc = xb__error_set(XB_EIO, "%s:%zu:%zu: %s", path, L.line, L.col,
                               csv_strerror(csv_error(&p)));
            goto out;
        }
        char c = buf[i];
        if (c == '\n') {
            L.line++;
            L.col = 1;
        } else {
            L.col++;
        }
        /* a new field starts after a delimiter or a line end (outside quotes,
         * which is all strict CSV lets through here in practice) */
        if (c == ',' || c == '\n') {
            L.at_field_start = 1;
        }
    }
    if (!L.failed && csv_fini(&p, on_field, on_row, &L) != 0) {
        rc = xb__error_set(XB_EIO, "%s:%zu:%zu: %s", path, L.line, L.col,
                           csv_strerror(csv_error(&p)));
        goto out;
    }
    if (L.failed == 1) {
        rc = xb__error_set(XB_ENOMEM, "%s: out of memory", path);
    } else if (L.failed == 2) {
        rc = xb__error_set(XB_EIO, "%s:%zu:1: row has %zu fields, the header has %zu", path,
                           t->bad_line, t->bad_count, t->n_cols);
    } else if (t->n_cols == 0 || t->n_fields <= t->n_cols) {
        rc = xb__error_set(XB_EIO, "%s:1:1: needs a header row and at least one data row", path);
    } else {
        t->n_rows = t->n_fields / t->n_cols - 1;
    }
out:
    csv_free(&p);
    free(buf);
    if (rc < 0) {
        xb_device__csv_free(t);
    }
    return rc;
}

int xb_device__csv_column(const xb_device__csv *t, const char *name, int required)
{
    for (size_t c = 0; c < t->n_cols; c++) {
        if (strcmp(t->fields[c], name) == 0) {
            return (int)c;
        }
    }
    if (required) {
        return xb__error_set(XB_EIO, "%s:1:1: no column '%s' in the header", t->path, name);
    }
    return -1;
}

const char *xb_device__csv_cell(const xb_device__csv *t, size_t row, int col)
{
    return t->fields[(row + 1) * t->n_cols + (size_t)col];
}

int xb_device__csv_double(const xb_device__csv *t, size_t row, int col, double *out)
{
    size_t i = (row + 1) * t->n_cols + (size_t)col;
    const char *s = t->fields[i];
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v)) {
        return xb__error_set(XB_EIO, "%s:%zu:%zu: column '%s': value '%s' is not a finite number",
                             t->path, t->lines[i], t->cols[i], t->fields[col], s);
    }
    *out = v;
    return 0;
}

int xb_device__csv_error_at(const xb_device__csv *t, size_t row, int col, const char *what)
{
    size_t i = (row + 1) * t->n_cols + (size_t)col;
    return xb__error_set(XB_EIO, "%s:%zu:%zu: column '%s': value '%s': %s", t->path, t->lines[i],
                         t->cols[i], t->fields[col], t->fields[i], what);
}
