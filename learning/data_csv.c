/* Numeric CSV datasets (plain or gzip), parsed with libcsv in strict mode.
 *
 * libcsv reports no positions, so the file is fed one byte per csv_parse call
 * while this file counts lines and columns: a field callback then knows where
 * its field started, and a strict-mode stop is at the byte being fed
 * (deps.md §3: exact positions at ~30 MB/s, ample for datasets of this size). */
#include "learning/learning.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Labels are class indices; a larger value is almost surely a wrong column. */
#define MAX_LABEL 65535
#define SHOW 40 /* characters of an offending value quoted in a message */

typedef struct {
    const char *path;
    int label_column; /* as given; resolved to lc once the width is known */
    size_t n_targets;
    size_t max_n;
    int header_pending; /* the next row is the header */

    size_t line, col;   /* position of the byte being fed, 1-based */
    size_t fline, fcol; /* where the current field started */
    int need_start;
    int rc;   /* first error; parsing stops there */
    int done; /* max_n rows read */

    /* the row being assembled: values, start columns, raw text */
    double *row;
    size_t *row_col;
    size_t *row_txt; /* offset of each field's text in txt */
    size_t row_len, row_cap, row_line;
    char *txt;
    size_t txt_len, txt_cap;

    size_t n_cols, n_cols_line; /* width, fixed by the first row */
    size_t lc;                  /* resolved label (or first target) column */
    double *vals;               /* n_rows * n_cols */
    size_t n_rows, cap_vals;
} csv_ctx;

/* Grows an array to hold need elements (doubling); NULL when out of memory,
 * the old block then stays valid and owned by the caller. */
static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) {
        return p;
    }
    size_t c = *cap == 0 ? 64 : *cap;
    while (c < need) {
        c *= 2;
    }
    void *q = realloc(p, c * elem);
    if (q != NULL) {
        *cap = c;
    }
    return q;
}

static const char *field_text(const csv_ctx *c, size_t k)
{
    return c->txt + c->row_txt[k];
}

static void on_field(void *s, size_t len, void *data)
{
    csv_ctx *c = data;
    if (c->rc != XB_OK || c->done) {
        return;
    }
    size_t fline = c->line, fcol = c->col; /* an empty field ends where it starts */
    if (!c->need_start) {
        fline = c->fline;
        fcol = c->fcol;
    }
    c->need_start = 1;
    if (c->row_len == 0) {
        c->row_line = fline;
    }
    size_t k = c->row_len;
    if (k == c->row_cap) {
        size_t nc = c->row_cap == 0 ? 64 : 2 * c->row_cap;
        double *r = realloc(c->row, nc * sizeof *r);
        if (r != NULL) {
            c->row = r;
        }
        size_t *rc_ = r != NULL ? realloc(c->row_col, nc * sizeof *rc_) : NULL;
        if (rc_ != NULL) {
            c->row_col = rc_;
        }
        size_t *rt = rc_ != NULL ? realloc(c->row_txt, nc * sizeof *rt) : NULL;
        if (rt == NULL) {
            c->rc = xb__error_set(XB_ENOMEM, "out of memory");
            return;
        }
        c->row_txt = rt;
        c->row_cap = nc;
    }
    char *t2 = grow(c->txt, &c->txt_cap, c->txt_len + len + 1, 1);
    if (t2 == NULL) {
        c->rc = xb__error_set(XB_ENOMEM, "out of memory");
        return;
    }
    c->txt = t2;
    const char *f = s != NULL ? s : "";
    c->row_txt[k] = c->txt_len;
    memcpy(c->txt + c->txt_len, f, len);
    c->txt[c->txt_len + len] = '\0';
    c->txt_len += len + 1;
    c->row_col[k] = fcol;
    c->row_len++;
    if (c->header_pending) {
        return; /* column names: any text */
    }
    const char *t = field_text(c, k);
    if (len == 0) {
        c->rc = xb__error_set(XB_EIO, "%s:%zu:%zu: column %zu: empty value", c->path, fline, fcol,
                              k + 1);
        return;
    }
    char *end = NULL;
    errno = 0;
    double v = strtod(t, &end);
    if (end != t + len || end == t) {
        c->rc = xb__error_set(XB_EIO, "%s:%zu:%zu: column %zu: value '%.*s' is not a number",
                              c->path, fline, fcol, k + 1, SHOW, t);
        return;
    }
    if (!isfinite(v)) {
        c->rc = xb__error_set(XB_EIO, "%s:%zu:%zu: column %zu: value '%.*s' is not a finite number",
                              c->path, fline, fcol, k + 1, SHOW, t);
        return;
    }
    c->row[k] = v;
}

/* Fixes the width from the first row (header or data) at line, and resolves
 * a negative label column against it. */
static int set_width(csv_ctx *c, size_t n_cols, size_t line)
{
    c->n_cols = n_cols;
    c->n_cols_line = line;
    size_t need = c->n_targets > 0 ? c->n_targets : 1;
    long long lc = c->label_column >= 0 ? c->label_column : (long long)n_cols + c->label_column;
    if (n_cols <= need) {
        return xb__error_set(XB_EIO,
                             "%s:%zu: %zu column(s) leave no feature beside %zu label/target "
                             "column(s)",
                             c->path, line, n_cols, need);
    }
    if (lc < 0 || (size_t)lc + need > n_cols) {
        return xb__error_set(XB_EINVAL,
                             "%s: label column %d is out of range: line %zu has %zu columns",
                             c->path, c->label_column, line, n_cols);
    }
    c->lc = (size_t)lc;
    return XB_OK;
}

/* Checks the width and labels of a complete row, then appends it. */
static int take_row(csv_ctx *c)
{
    if (c->n_cols == 0) {
        XB_TRY(set_width(c, c->row_len, c->row_line));
    }
    if (c->row_len != c->n_cols) {
        return xb__error_set(XB_EIO, "%s:%zu: row has %zu fields, expected %zu (as on line %zu)",
                             c->path, c->row_line, c->row_len, c->n_cols, c->n_cols_line);
    }
    if (c->n_targets == 0) {
        double v = c->row[c->lc];
        if (v < 0.0 || v > MAX_LABEL || v != floor(v)) {
            return xb__error_set(XB_EIO,
                                 "%s:%zu:%zu: column %zu: label '%.*s' is not a class index "
                                 "(an integer in 0..%d)",
                                 c->path, c->row_line, c->row_col[c->lc], c->lc + 1, SHOW,
                                 field_text(c, c->lc), MAX_LABEL);
        }
    }
    double *v2 = grow(c->vals, &c->cap_vals, (c->n_rows + 1) * c->n_cols, sizeof *c->vals);
    if (v2 == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    c->vals = v2;
    memcpy(c->vals + c->n_rows * c->n_cols, c->row, c->n_cols * sizeof *c->row);
    c->n_rows++;
    if (c->max_n > 0 && c->n_rows == c->max_n) {
        c->done = 1;
    }
    return XB_OK;
}

static void on_row(int term, void *data)
{
    (void)term;
    csv_ctx *c = data;
    if (c->rc != XB_OK || c->done) {
        return;
    }
    if (c->header_pending) {
        /* column names: they fix the width the data rows must have */
        c->header_pending = 0;
        c->rc = set_width(c, c->row_len, c->row_line);
    } else {
        c->rc = take_row(c);
    }
    c->row_len = 0;
    c->txt_len = 0;
}

/* Feeds the file byte by byte through libcsv, tracking positions. */
static int parse_file(csv_ctx *c)
{
    errno = 0;
    gzFile f = gzopen(c->path, "rb");
    if (f == NULL) {
        if (errno == ENOENT) {
            return xb__error_set(XB_ENOTFOUND, "%s: no such file", c->path);
        }
        return xb__error_set(XB_EIO, "%s: cannot open: %s", c->path,
                             errno != 0 ? strerror(errno) : "zlib could not allocate its state");
    }
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        gzclose(f);
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    unsigned char buf[1 << 16];
    int rc = XB_OK;
    int first = 1;
    c->line = 1;
    c->col = 1;
    c->need_start = 1;
    for (;;) {
        int k = gzread(f, buf, sizeof buf);
        if (k < 0) {
            int zerr = 0;
            rc = xb__error_set(XB_EIO, "%s:%zu:%zu: gzip data is corrupt: %s", c->path, c->line,
                               c->col, gzerror(f, &zerr));
            break;
        }
        if (k == 0) {
            int zerr = 0;
            const char *msg = gzerror(f, &zerr);
            if (zerr != Z_OK) {
                rc = xb__error_set(XB_EIO, "%s:%zu:%zu: truncated: %s", c->path, c->line, c->col,
                                   msg);
            }
            break;
        }
        size_t i = 0;
        if (first) {
            first = 0;
            /* a UTF-8 byte-order mark (spreadsheet exports) is not data */
            if (k >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF) {
                i = 3;
            }
        }
        for (; i < (size_t)k && c->rc == XB_OK && !c->done; i++) {
            unsigned char ch = buf[i];
            if (c->need_start && ch != '\r' && ch != '\n') {
                c->fline = c->line;
                c->fcol = c->col;
                c->need_start = 0;
            }
            if (csv_parse(&p, &ch, 1, on_field, on_row, c) != 1) {
                char show[8];
                snprintf(show, sizeof show, ch >= 0x20 && ch < 0x7f ? "%c" : "\\x%02x", ch);
                rc = xb__error_set(XB_EIO, "%s:%zu:%zu: malformed CSV at '%s' (%s)", c->path,
                                   c->line, c->col, show, csv_strerror(csv_error(&p)));
                break;
            }
            if (ch == '\n') {
                c->line++;
                c->col = 1;
            } else {
                c->col++;
            }
        }
        if (rc != XB_OK || c->rc != XB_OK || c->done) {
            break;
        }
    }
    if (rc == XB_OK && c->rc == XB_OK && !c->done) {
        if (csv_fini(&p, on_field, on_row, c) != 0) {
            rc = xb__error_set(XB_EIO, "%s:%zu:%zu: unterminated quoted field at end of file",
                               c->path, c->fline, c->fcol);
        }
    }
    csv_free(&p);
    gzclose(f);
    return rc != XB_OK ? rc : c->rc;
}

static void scale_features(xb_dataset *ds, const xb_dataset_csv_options *o)
{
    size_t nd = ds->n * ds->dim;
    if (o->scale > 0.0) {
        for (size_t i = 0; i < nd; i++) {
            ds->x[i] *= o->scale;
        }
    }
    if (o->minmax) {
        for (size_t j = 0; j < ds->dim; j++) {
            double lo = ds->x[j], hi = ds->x[j];
            for (size_t i = 1; i < ds->n; i++) {
                double v = ds->x[i * ds->dim + j];
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
            double span = hi - lo;
            for (size_t i = 0; i < ds->n; i++) {
                double *v = &ds->x[i * ds->dim + j];
                *v = span > 0.0 ? (*v - lo) / span : 0.0;
            }
        }
    }
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s != NULL ? s + 1 : path;
}

int xb_dataset_load_csv(xb_dataset *out, const char *path, int label_column,
                        const xb_dataset_csv_options *opts)
{
    XB_ASSERT_ARG(out != NULL);
    XB_ASSERT_ARG(path != NULL);
    memset(out, 0, sizeof *out);
    xb_dataset_csv_options o = XB_DATASET_CSV_OPTIONS_INIT;
    if (opts != NULL) {
        o = *opts;
    }
    if (o.scale < 0.0 || !isfinite(o.scale)) {
        return xb__error_set(XB_EINVAL, "feature scale %g must be > 0 (or 0 for none)", o.scale);
    }
    csv_ctx c;
    memset(&c, 0, sizeof c);
    c.path = path;
    c.label_column = label_column;
    c.n_targets = o.n_targets;
    c.max_n = o.max_n;
    c.header_pending = o.header ? 1 : 0;

    int rc = parse_file(&c);
    if (rc == XB_OK && c.n_rows == 0) {
        rc = xb__error_set(XB_EIO, "%s: no data rows", path);
    }
    if (rc == XB_OK) {
        int cls = o.n_targets == 0;
        size_t nt = cls ? 1 : o.n_targets;
        size_t dim = c.n_cols - nt;
        size_t n_out = nt;
        if (cls) {
            double mx = 0.0;
            for (size_t i = 0; i < c.n_rows; i++) {
                double v = c.vals[i * c.n_cols + c.lc];
                mx = v > mx ? v : mx;
            }
            n_out = (size_t)mx + 1;
        }
        rc = xb_dataset_alloc(out, base_name(path), c.n_rows, dim, n_out, cls);
        if (rc == XB_OK) {
            for (size_t i = 0; i < c.n_rows; i++) {
                const double *r = c.vals + i * c.n_cols;
                double *xi = out->x + i * dim;
                size_t jx = 0;
                for (size_t j = 0; j < c.n_cols; j++) {
                    if (j >= c.lc && j < c.lc + nt) {
                        if (cls) {
                            out->label[i] = (int)r[j];
                        } else {
                            out->target[i * nt + (j - c.lc)] = r[j];
                        }
                    } else {
                        xi[jx++] = r[j];
                    }
                }
            }
            scale_features(out, &o);
        }
    }
    free(c.row);
    free(c.row_col);
    free(c.row_txt);
    free(c.txt);
    free(c.vals);
    return rc;
}
