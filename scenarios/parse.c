/* Scenario files: libcsv in strict mode fed one byte at a time (libcsv reports
 * no positions, so counting bytes ourselves is what gives exact
 * file:line:column), validation of every cell, then sweep expansion.
 * Every error of the file is collected before anything runs. */
#include "scenarios/scenarios_internal.h"
#include "learning/learning.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ERRORS 200
#define MAX_SWEEP 10000   /* values one cell may expand to */
#define MAX_RUNS 100000   /* runs one file may expand to */

typedef struct {
    char *text;
    int line, col;  /* first byte of the field */
    size_t offset;  /* byte offset of that first byte in the data */
    const char *raw; /* NULL: the field is in the file at offset; else an override's text */
} field;

typedef struct {
    field *f;
    size_t n, cap;
    int end_line, end_col; /* the byte that ended the row (or EOF) */
} row;

struct xb_scenario_file {
    char path[1024];
    char hash[17];
    const char *data; /* valid during parsing only */
    xb_scenario_error *err;
    size_t n_err, n_err_total;
    row *rows;
    size_t n_rows, cap_rows;
    /* per data row, n_cols entries: the column of each column's cell in the
     * file (0: not in the file), for errors about a whole run */
    int **cell_cols;
    size_t n_cell_cols;
    xb_run *runs;
    size_t n_runs, cap_runs;
    int oom;
    const char *const *overrides; /* "column=value", during parsing only */
    size_t n_overrides;
    /* the schema followed by this file's device-parameter columns p_<name>,
     * bwd_p_<name> (names owned in dyn_names) */
    xb_scn_column *cols;
    size_t n_cols, n_schema;
    char *dyn_names[XB_SCN_MAX_PARAM_COLUMNS];
};

/* ------------------------------------------------------------ utilities */

uint64_t xb_scn__fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int err_cmp_fwd(const void *a, const void *b);
static int err_cmp(const void *a, const void *b);
static void add_error(xb_scenario_file *f, int line, int col, const char *column, const char *fmt,
                      ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static void add_error(xb_scenario_file *f, int line, int col, const char *column, const char *fmt,
                      ...)
{
    f->n_err_total++;
    if (f->n_err >= MAX_ERRORS) {
        return;
    }
    if (!f->err) {
        f->err = calloc(MAX_ERRORS, sizeof *f->err);
        if (!f->err) {
            f->oom = 1;
            return;
        }
    }
    xb_scenario_error *e = &f->err[f->n_err++];
    e->line = line;
    e->col = col;
    snprintf(e->column, sizeof e->column, "%s", column ? column : "");
    int k = line > 0 ? snprintf(e->message, sizeof e->message, "%s:%d:%d: ", f->path, line, col)
                     : snprintf(e->message, sizeof e->message, "--set: ");
    if (column && k > 0 && (size_t)k < sizeof e->message) {
        k += snprintf(e->message + k, sizeof e->message - (size_t)k, "column '%s': ", column);
    }
    if (k > 0 && (size_t)k < sizeof e->message) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->message + k, sizeof e->message - (size_t)k, fmt, ap);
        va_end(ap);
    }
}

void xb_scn__add_error(xb_scenario_file *f, int line, int col, const char *msg)
{
    add_error(f, line, col, NULL, "%s", msg);
    qsort(f->err, f->n_err, sizeof *f->err, err_cmp_fwd);
}

/* Errors are sorted by position so that a file reads top to bottom. */
static int err_cmp_fwd(const void *a, const void *b)
{
    return err_cmp(a, b);
}

static int err_cmp(const void *a, const void *b)
{
    const xb_scenario_error *x = a, *y = b;
    if (x->line != y->line) {
        return x->line < y->line ? -1 : 1;
    }
    return (x->col > y->col) - (x->col < y->col);
}

/* Printable excerpt of a value for a message: control bytes escaped, long
 * values cut, so one bad cell never floods the terminal. */
static void excerpt(char *out, size_t n, const char *s)
{
    size_t k = 0;
    for (; *s && k + 8 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f) {
            k += (size_t)snprintf(out + k, n - k, "\\x%02x", c);
        } else {
            out[k++] = (char)c;
        }
        if (k > 60) {
            k += (size_t)snprintf(out + k, n - k, "...");
            break;
        }
    }
    out[k < n ? k : n - 1] = '\0';
}

static char *dupstr(const char *s);

/* ------------------------------------------------------------ CSV layer */

typedef struct {
    xb_scenario_file *f;
    int line, col;      /* position of the byte being fed */
    size_t offset;
    int start_line, start_col;
    size_t start_offset;
    int fired_field, fired_row;
    row cur;
} csv_ctx;

static void cb_field(void *s, size_t len, void *d)
{
    csv_ctx *c = d;
    c->fired_field = 1;
    if (c->cur.n == c->cur.cap) {
        size_t nc = c->cur.cap ? 2 * c->cur.cap : 16;
        field *nf = realloc(c->cur.f, nc * sizeof *nf);
        if (!nf) {
            c->f->oom = 1;
            return;
        }
        c->cur.f = nf;
        c->cur.cap = nc;
    }
    char *t = malloc(len + 1);
    if (!t) {
        c->f->oom = 1;
        return;
    }
    if (len) {
        memcpy(t, s, len);
    }
    t[len] = '\0';
    c->cur.f[c->cur.n++] = (field){t, c->start_line, c->start_col, c->start_offset, NULL};
}

static void cb_row(int term, void *d)
{
    (void)term;
    csv_ctx *c = d;
    c->fired_row = 1;
    c->cur.end_line = c->line;
    c->cur.end_col = c->col;
    xb_scenario_file *f = c->f;
    if (f->n_rows == f->cap_rows) {
        size_t nc = f->cap_rows ? 2 * f->cap_rows : 16;
        row *nr = realloc(f->rows, nc * sizeof *nr);
        if (!nr) {
            f->oom = 1;
            return;
        }
        f->rows = nr;
        f->cap_rows = nc;
    }
    f->rows[f->n_rows++] = c->cur;
    memset(&c->cur, 0, sizeof c->cur);
}

/* Returns the byte offset where valid UTF-8 text stops (len if it never does). */
static size_t utf8_bad(const unsigned char *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        size_t need;
        if (c == 0) {
            return i;
        } else if (c < 0x80) {
            need = 0;
        } else if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
        } else {
            return i;
        }
        if (i + need >= len + (need ? 0 : 1)) {
            return i;
        }
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return i;
            }
        }
        i += need + 1;
    }
    return len;
}

static void advance(int *line, int *col, const char *data, size_t i, size_t len)
{
    unsigned char b = (unsigned char)data[i];
    if (b == '\n' || (b == '\r' && (i + 1 >= len || data[i + 1] != '\n'))) {
        (*line)++;
        *col = 1;
    } else if (b != '\r' && (b & 0xc0) != 0x80) {
        (*col)++;
    }
}

static void read_csv(xb_scenario_file *f, const char *data, size_t len)
{
    size_t i = 0;
    if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) {
        i = 3; /* UTF-8 byte-order mark, as spreadsheets write it */
    }
    int line = 1, col = 1;
    size_t bad = i + utf8_bad((const unsigned char *)data + i, len - i);
    if (bad < len) {
        for (size_t k = i; k < bad; k++) {
            advance(&line, &col, data, k, len);
        }
        add_error(f, line, col, NULL,
                  "not a UTF-8 text file: byte 0x%02x cannot start or continue a character",
                  (unsigned char)data[bad]);
        return;
    }
    size_t k = i;
    while (k < len && (data[k] == ' ' || data[k] == '\t' || data[k] == '\r' || data[k] == '\n')) {
        k++;
    }
    if (k == len) {
        add_error(f, 1, 1, NULL,
                  "empty file: the first row must name the columns (at least 'scenario')");
        return;
    }

    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        f->oom = 1;
        return;
    }
    csv_ctx c = {.f = f, .line = 1, .col = 1};
    enum { NONE, IMMEDIATE, AFTER_ROW } need = AFTER_ROW;
    for (; i < len && !f->oom; i++) {
        char b = data[i];
        c.offset = i;
        if (need == IMMEDIATE || (need == AFTER_ROW && b != '\r' && b != '\n')) {
            c.start_line = c.line;
            c.start_col = c.col;
            c.start_offset = i;
            need = NONE;
        }
        c.fired_field = c.fired_row = 0;
        if (csv_parse(&p, &b, 1, cb_field, cb_row, &c) != 1) {
            unsigned char prev = i > 0 ? (unsigned char)data[i - 1] : 0;
            if (b == '"') {
                add_error(f, c.line, c.col, NULL,
                          "malformed CSV: quote inside an unquoted field (quote the whole field "
                          "and double the quotes inside it)");
            } else if (prev == '"') {
                char ex[16];
                char s2[2] = {b, 0};
                excerpt(ex, sizeof ex, s2);
                add_error(f, c.line, c.col, NULL,
                          "malformed CSV: '%s' after the closing quote of a quoted field "
                          "(expected ',' or a line end)",
                          ex);
            } else {
                add_error(f, c.line, c.col, NULL, "malformed CSV: %s",
                          csv_strerror(csv_error(&p)));
            }
            break;
        }
        if (c.fired_row) {
            need = AFTER_ROW;
        } else if (c.fired_field) {
            need = IMMEDIATE;
        }
        advance(&c.line, &c.col, data, i, len);
    }
    if (f->n_err_total > 0 || f->oom) {
        for (size_t q = 0; q < c.cur.n; q++) {
            free(c.cur.f[q].text);
        }
        free(c.cur.f);
        csv_free(&p);
        return;
    }
    c.offset = len;
    if (need == IMMEDIATE) { /* "a,b," at EOF: the last, empty field starts here */
        c.start_line = c.line;
        c.start_col = c.col;
        c.start_offset = len;
    }
    if (csv_fini(&p, cb_field, cb_row, &c) != 0) {
        add_error(f, c.start_line, c.start_col, NULL,
                  "malformed CSV: quoted field opened here is never closed");
    }
    for (size_t q = 0; q < c.cur.n; q++) {
        free(c.cur.f[q].text);
    }
    free(c.cur.f);
    csv_free(&p);
}

/* ----------------------------------------------------------- cell values */

typedef struct {
    char **v;
    size_t n, cap;
} strlist;

static int sl_push(strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 4;
        char **nv = realloc(l->v, nc * sizeof *nv);
        if (!nv) {
            return -1;
        }
        l->v = nv;
        l->cap = nc;
    }
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (!d) {
        return -1;
    }
    memcpy(d, s, n + 1);
    l->v[l->n++] = d;
    return 0;
}

static void sl_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i]);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static void trim(char *s)
{
    size_t n = strlen(s), a = 0;
    while (a < n && isspace((unsigned char)s[a])) {
        a++;
    }
    while (n > a && isspace((unsigned char)s[n - 1])) {
        n--;
    }
    memmove(s, s + a, n - a);
    s[n - a] = '\0';
}

static int parse_real(const char *s, double *out)
{
    if (!*s) {
        return -1;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(v)) {
        return -1;
    }
    /* strtod also reads hex floats and "infinity": a scenario means decimals. */
    for (const char *p = s; *p; p++) {
        if (strchr("0123456789+-.eE", *p) == NULL) {
            return -1;
        }
    }
    *out = v;
    return 0;
}

static int parse_int(const char *s, long long *out)
{
    if (!*s) {
        return -1;
    }
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno == ERANGE) {
        return -1;
    }
    *out = v;
    return 0;
}

static const char *choice_list(const char *choices, char *buf, size_t n)
{
    size_t k = 0;
    for (const char *p = choices; *p && k + 3 < n; p++) {
        if (*p == '|') {
            buf[k++] = ',';
            buf[k++] = ' ';
        } else {
            buf[k++] = *p;
        }
    }
    buf[k] = '\0';
    return buf;
}

/* Checks one value (not a sweep) of column c; writes the canonical text, or a
 * description of what is allowed into why. */
static int check_value(const xb_scn_column *c, const char *s, char *canon, size_t cn, char *why,
                       size_t wn)
{
    char buf[512];
    switch (c->type) {
    case XB_SCN_TEXT:
        for (const char *p = s; *p; p++) {
            if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                snprintf(why, wn, "text may not contain control characters or line breaks");
                return -1;
            }
        }
        if (!strcmp(c->name, "scenario")) {
            int ok = s[0] != '\0' && strlen(s) < 64;
            for (const char *p = s; *p; p++) {
                if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.') {
                    ok = 0;
                }
            }
            if (!ok) {
                snprintf(why, wn, "a scenario name is 1 to 63 letters, digits, '_', '-' or '.'");
                return -1;
            }
        }
        /* a device file (.csv) is checked by check_value_in, against the
         * scenario file's folder */
        if ((!strcmp(c->name, "device") || !strcmp(c->name, "bwd_device")) &&
            !(strlen(s) > 4 && !strcmp(s + strlen(s) - 4, ".csv"))) {
            if (xb_scn__device_lookup(s, NULL, NULL) != 0) {
                const char *names[128];
                size_t n = 0;
                for (size_t i = 0; i < xb_device_model_count() && n < 128; i++) {
                    names[n++] = xb_device_model_at(i)->name;
                }
                for (size_t i = 0; i < xb_device_preset_count() && n < 128; i++) {
                    names[n++] = xb_device_preset_at(i)->name;
                }
                const char *sug = xb_scn__suggest(s, names, n);
                snprintf(why, wn,
                         "expected a device model or preset (`xbarsim device list`)%s%s%s",
                         sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
                return -1;
            }
        }
        snprintf(canon, cn, "%s", s);
        return 0;
    case XB_SCN_INT: {
        long long v;
        int levels = !strcmp(c->name, "levels") || !strcmp(c->name, "bwd_levels");
        if (parse_int(s, &v) != 0 || (double)v < c->min || (double)v > c->max ||
            (levels && v == 1)) {
            if (levels) {
                snprintf(why, wn, "expected 0 (continuous) or an integer in [2, %.15g]", c->max);
            } else {
                snprintf(why, wn, "expected an integer in [%.15g, %.15g]%s%s%s", c->min, c->max,
                         c->unit[0] ? " (" : "", c->unit, c->unit[0] ? ")" : "");
            }
            return -1;
        }
        snprintf(canon, cn, "%lld", v);
        return 0;
    }
    case XB_SCN_REAL: {
        double v;
        if (parse_real(s, &v) != 0 && c->min <= -1e300) {
            snprintf(why, wn, "expected a number (the model checks its range)");
            return -1;
        }
        if (parse_real(s, &v) != 0 || v < c->min || v > c->max) {
            snprintf(why, wn, "expected a number in [%.15g, %.15g]%s%s%s", c->min, c->max,
                     c->unit[0] ? " (" : "", c->unit, c->unit[0] ? ")" : "");
            return -1;
        }
        snprintf(canon, cn, "%.15g", v == 0 ? 0.0 : v); /* no "-0" */
        return 0;
    }
    case XB_SCN_CHOICE: {
        const char *names[32];
        char copy[256];
        size_t n = 0;
        snprintf(copy, sizeof copy, "%s", c->choices);
        for (char *tok = strtok(copy, "|"); tok && n < 32; tok = strtok(NULL, "|")) {
            names[n++] = tok;
        }
        for (size_t i = 0; i < n; i++) {
            if (!strcmp(names[i], s)) {
                snprintf(canon, cn, "%s", s);
                return 0;
            }
        }
        const char *sug = xb_scn__suggest(s, names, n);
        if (sug) {
            snprintf(why, wn, "expected one of %s (did you mean '%s'?)",
                     choice_list(c->choices, buf, sizeof buf), sug);
        } else {
            snprintf(why, wn, "expected one of %s", choice_list(c->choices, buf, sizeof buf));
        }
        return -1;
    }
    case XB_SCN_BOOL: {
        static const char *const yes[] = {"on", "true", "yes", "1"};
        static const char *const no[] = {"off", "false", "no", "0"};
        for (size_t i = 0; i < 4; i++) {
            if (!strcmp(s, yes[i])) {
                snprintf(canon, cn, "on");
                return 0;
            }
            if (!strcmp(s, no[i])) {
                snprintf(canon, cn, "off");
                return 0;
            }
        }
        snprintf(why, wn, "expected on or off");
        return -1;
    }
    case XB_SCN_LAYERS: {
        if (!strcmp(s, "0")) {
            snprintf(canon, cn, "0");
            return 0;
        }
        size_t k = 0, count = 0;
        const char *p = s;
        canon[0] = '\0';
        while (*p) {
            char *end;
            if (!isdigit((unsigned char)*p)) {
                break;
            }
            errno = 0;
            long v = strtol(p, &end, 10);
            if (errno || v < 1 || (double)v > c->max || count >= XB_NET_MAX_LAYERS - 1) {
                break;
            }
            k += (size_t)snprintf(canon + k, cn > k ? cn - k : 0, "%s%ld", count ? "x" : "", v);
            count++;
            p = end;
            if (*p == 'x' && p[1] != '\0') {
                p++;
            } else if (*p) {
                break;
            }
        }
        if (*p || count == 0) {
            snprintf(why, wn,
                     "expected hidden layer sizes like 256x128 (each 1 to %.15g, at most %d "
                     "layers) or 0 for none",
                     c->max, XB_NET_MAX_LAYERS - 1);
            return -1;
        }
        return 0;
    }
    case XB_SCN_SEEDS:
        break; /* expanded by expand_cell */
    }
    snprintf(why, wn, "internal: unexpected column type");
    return -1;
}

/* check_value, with every path-valued column (cellmap, device file,
 * pulse_data, dataset_path) resolved against the scenario file's folder. */
static int check_value_in(const xb_scenario_file *f, const xb_scn_column *c, const char *s,
                          char *canon, size_t cn, char *why, size_t wn)
{
    int rc = xb_scn__cellmap_value(f->path, c->name, s, canon, cn, why, wn);
    if (rc <= 0) {
        return rc;
    }
    /* paths: resolved like cellmap, after the text checks (control characters) */
    const char *n = c->name;
    size_t len = strlen(s);
    int folder = !strcmp(n, "dataset_path");
    int file = !strcmp(n, "pulse_data") || !strcmp(n, "bwd_pulse_data") ||
               ((!strcmp(n, "device") || !strcmp(n, "bwd_device")) && len > 4 &&
                !strcmp(s + len - 4, ".csv"));
    rc = check_value(c, s, canon, cn, why, wn);
    if (rc != 0 || s[0] == '\0' || !(folder || file)) {
        return rc;
    }
    return xb_scn__path_resolve(f->path, s, folder ? "folder" : "file", canon, cn, why, wn);
}

/* Expands one cell into values. On error reports at the offending element's
 * position. Returns 0 or -1. */
static int expand_cell(xb_scenario_file *f, const xb_scn_column *c, const field *fl,
                       strlist *out)
{
    const char *raw = fl->text;
    /* column of the cell's first character: skip an opening quote and the
     * spaces libcsv trimmed, so element positions are exact */
    int col0 = fl->col;
    const char *d = fl->raw ? fl->raw : f->data + fl->offset;
    while (*d == ' ' || *d == '\t') {
        d++;
        col0++;
    }
    if (*d == '"') {
        col0++;
    }
    char why[512], canon[256], ex[80];
    if (!c->sweep || c->type == XB_SCN_TEXT) {
        /* text cells are taken whole except for lists of names */
        if (c->sweep && strchr(raw, ';')) {
            goto list;
        }
        char v[4096];
        snprintf(v, sizeof v, "%s", raw);
        trim(v);
        if (!c->sweep && c->type != XB_SCN_TEXT && (strchr(v, ';') || strchr(v, ':'))) {
            excerpt(ex, sizeof ex, v);
            add_error(f, fl->line, col0, c->name, "value '%s': this column takes one value, not a sweep",
                      ex);
            return -1;
        }
        if (check_value_in(f, c, v, canon, sizeof canon, why, sizeof why) != 0) {
            excerpt(ex, sizeof ex, v);
            add_error(f, fl->line, col0, c->name, "value '%s': %s", ex, why);
            return -1;
        }
        return sl_push(out, canon) ? (f->oom = 1, -1) : 0;
    }
list:;
    int bad = 0;
    const char *p = raw;
    for (;;) {
        const char *e = strchr(p, ';');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char el[512];
        if (n >= sizeof el) {
            n = sizeof el - 1;
        }
        memcpy(el, p, n);
        el[n] = '\0';
        /* position of the element (characters, not bytes) */
        int col = col0;
        for (const char *q = raw; q < p; q++) {
            if ((*q & 0xc0) != 0x80) {
                col++;
            }
        }
        const char *lead = el;
        while (isspace((unsigned char)*lead)) {
            lead++;
            col++;
        }
        trim(el);
        excerpt(ex, sizeof ex, el);
        if (el[0] == '\0') {
            add_error(f, fl->line, col, c->name,
                      "value '%s': empty element in a list (write values separated by ';')", raw);
            return -1;
        }
        if (c->type == XB_SCN_SEEDS) {
            char *dash = strchr(el + 1, '-');
            long long a, b;
            int ok;
            if (dash) {
                *dash = '\0';
                ok = parse_int(el, &a) == 0 && parse_int(dash + 1, &b) == 0 && a <= b;
                *dash = '-';
            } else {
                ok = parse_int(el, &a) == 0;
                b = a;
            }
            if (!ok || a < 0 || (double)b > c->max) {
                add_error(f, fl->line, col, c->name,
                          "value '%s': expected seeds as integers or ranges a-b (a <= b), each "
                          "in [0, 4294967295], separated by ';'",
                          ex);
                return -1;
            }
            if (b - a >= MAX_SWEEP || out->n + (size_t)(b - a) >= MAX_SWEEP) {
                add_error(f, fl->line, col, c->name,
                          "value '%s': a cell may expand to at most %d values", ex, MAX_SWEEP);
                return -1;
            }
            for (long long s = a; s <= b; s++) {
                snprintf(canon, sizeof canon, "%lld", s);
                if (sl_push(out, canon)) {
                    f->oom = 1;
                    return -1;
                }
            }
        } else if ((c->type == XB_SCN_REAL || c->type == XB_SCN_INT) && strchr(el, ':')) {
            char *c1 = strchr(el, ':');
            char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
            double a, st, b;
            int ok = c2 != NULL && strchr(c2 + 1, ':') == NULL;
            if (ok) {
                *c1 = *c2 = '\0';
                trim(el);
                trim(c1 + 1);
                trim(c2 + 1);
                ok = parse_real(el, &a) == 0 && parse_real(c1 + 1, &st) == 0 &&
                     parse_real(c2 + 1, &b) == 0 && st > 0 && a <= b;
            }
            if (!ok) {
                add_error(f, fl->line, col, c->name,
                          "value '%s': a range is start:step:stop with step > 0 and start <= stop",
                          ex);
                return -1;
            }
            /* the grid point nearest stop counts when within rounding of it */
            double cnt = floor((b - a) / st + 1e-9) + 1;
            if (cnt > MAX_SWEEP || out->n + (size_t)cnt > MAX_SWEEP) {
                add_error(f, fl->line, col, c->name,
                          "value '%s': a cell may expand to at most %d values", ex, MAX_SWEEP);
                return -1;
            }
            for (size_t k = 0; k < (size_t)cnt; k++) {
                char num[64];
                snprintf(num, sizeof num, "%.15g", a + (double)k * st);
                if (check_value(c, num, canon, sizeof canon, why, sizeof why) != 0) {
                    add_error(f, fl->line, col, c->name, "value '%s': range value %s: %s", ex, num,
                              why);
                    return -1;
                }
                if (sl_push(out, canon)) {
                    f->oom = 1;
                    return -1;
                }
            }
        } else {
            if (check_value_in(f, c, el, canon, sizeof canon, why, sizeof why) != 0) {
                add_error(f, fl->line, col, c->name, "value '%s': %s", ex, why);
                bad = 1;
            } else if (out->n >= MAX_SWEEP) {
                add_error(f, fl->line, col, c->name,
                          "value '%s': a cell may expand to at most %d values", ex, MAX_SWEEP);
                return -1;
            } else if (sl_push(out, canon)) {
                f->oom = 1;
                return -1;
            }
        }
        if (!e) {
            break;
        }
        p = e + 1;
    }
    return bad ? -1 : 0;
}

/* ------------------------------------------------------ parameter columns */

/* The parameter name in p_<param>, bwd_p_<param>, d2d_<param> or
 * bwd_d2d_<param> (NULL for other names). d2d_gmin is the spread of one
 * parameter, unlike the schema column d2d (Gmin and Gmax together). */
static const char *param_of(const char *name)
{
    static const char *const pre[] = {"p_", "bwd_p_", "d2d_", "bwd_d2d_"};
    for (size_t i = 0; i < 4; i++) {
        size_t n = strlen(pre[i]);
        if (!strncmp(name, pre[i], n) && name[n]) {
            return name + n;
        }
    }
    return NULL;
}

/* Is name p_<param> (or bwd_p_, d2d_, bwd_d2d_) for a parameter some model has? Returns
 * 1 if so, 0 if it has the form but no model has the parameter (suggestion
 * in sug), -1 if it is not of that form. */
static int param_column(const char *name, const char **sug)
{
    const char *p = param_of(name);
    *sug = NULL;
    if (!p) {
        return -1;
    }
    const char *names[512];
    size_t n = 0;
    for (size_t i = 0; i < xb_device_model_count(); i++) {
        const xb_device_type *t = xb_device_model_at(i);
        for (int k = 0; k < t->n_params; k++) {
            if (!strcmp(t->params[k].name, p)) {
                return 1;
            }
            if (n < 512) {
                names[n++] = t->params[k].name;
            }
        }
    }
    *sug = xb_scn__suggest(p, names, n);
    return 0;
}

/* Index of column name in f->cols, registering a parameter column on first
 * use; -1 if unknown. */
static int file_column(xb_scenario_file *f, const char *name)
{
    for (size_t j = 0; j < f->n_cols; j++) {
        if (!strcmp(f->cols[j].name, name)) {
            return (int)j;
        }
    }
    const char *sug;
    if (param_column(name, &sug) != 1 || f->n_cols - f->n_schema >= XB_SCN_MAX_PARAM_COLUMNS) {
        return -1;
    }
    size_t k = f->n_cols - f->n_schema;
    f->dyn_names[k] = dupstr(name);
    if (!f->dyn_names[k]) {
        f->oom = 1;
        return -1;
    }
    int bwd = !strncmp(name, "bwd_", 4);
    int d2d = strstr(name, "d2d_") == name || strstr(name, "bwd_d2d_") == name;
    f->cols[f->n_cols] = (xb_scn_column){
        f->dyn_names[k], XB_SCN_REAL, "", "", d2d ? 0 : -1e300, d2d ? 1 : 1e300, NULL,
        "Device parameters",
        d2d ? "Device-to-device spread of one model parameter (relative standard deviation)."
        : bwd ? "Backward array: a parameter of the backward device model; empty means the "
                "forward value when both arrays use the same device, else the model's value."
              : "A parameter of the device model, over the preset's or model's value.",
        1, NULL};
    return (int)f->n_cols++;
}

/* ------------------------------------------------------------- expansion */

int xb_scn__device_lookup(const char *name, const xb_device_type **model_out,
                          const xb_device_preset **preset_out)
{
    const xb_device_type *m = NULL;
    const xb_device_preset *p = NULL;
    if (!strncmp(name, "preset:", 7)) {
        name += 7;
    } else if (!strncmp(name, "model:", 6)) {
        m = xb_device_model_find(name + 6);
        name = NULL;
    } else {
        m = xb_device_model_find(name); /* a model name wins over a preset of that name */
    }
    for (size_t i = 0; !m && name && i < xb_device_preset_count(); i++) {
        if (!strcmp(xb_device_preset_at(i)->name, name)) {
            p = xb_device_preset_at(i);
        }
    }
    if (model_out) {
        *model_out = m;
    }
    if (preset_out) {
        *preset_out = p;
    }
    return (m || p) ? 0 : -1;
}

/* Empty c2c / d2d: the variability the device's source reports (a preset's
 * values; 0 for a bare model), and for the backward array the forward value
 * when both arrays use the same device. */
static const char *device_default(const char *col, const char **text, char *buf, size_t n)
{
    int bwd = !strncmp(col, "bwd_", 4);
    const char *base = bwd ? col + 4 : col;
    if (strcmp(base, "c2c") && strcmp(base, "d2d")) {
        return NULL;
    }
    const char *dev = text[xb_scenario_column_find(bwd ? "bwd_device" : "device")];
    if (bwd && !strcmp(dev, text[xb_scenario_column_find("device")])) {
        return text[xb_scenario_column_find(base)];
    }
    const xb_device_preset *p = NULL;
    xb_scn__device_lookup(dev, NULL, &p);
    snprintf(buf, n, "%.15g", p ? (!strcmp(base, "c2c") ? p->c2c : p->d2d) : 0.0);
    return buf;
}

static int push_run(xb_scenario_file *f, const xb_run *r)
{
    if (f->n_runs == f->cap_runs) {
        size_t nc = f->cap_runs ? 2 * f->cap_runs : 16;
        xb_run *nr = realloc(f->runs, nc * sizeof *nr);
        if (!nr) {
            return -1;
        }
        f->runs = nr;
        f->cap_runs = nc;
    }
    f->runs[f->n_runs++] = *r;
    return 0;
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) {
        memcpy(d, s, n);
    }
    return d;
}

/* vals[j]: values of schema column j for this row (n == 0: not given). */
static int expand_row(xb_scenario_file *f, int line, const int *cols, strlist *vals)
{
    size_t nc = f->n_cols;
    const xb_scn_column *sc = f->cols;
    int seeds_col = xb_scenario_column_find("seeds");
    size_t *idx = calloc(nc, sizeof *idx);
    if (!idx) {
        return -1;
    }
    strlist *seeds = &vals[seeds_col];
    for (;;) {
        for (size_t s = 0; s < seeds->n; s++) {
            if (f->n_runs >= MAX_RUNS) {
                add_error(f, line, 1, NULL, "the file expands to more than %d runs", MAX_RUNS);
                free(idx);
                return -1;
            }
            xb_run r;
            memset(&r, 0, sizeof r);
            const char **text = calloc(nc, sizeof *text);
            double *num = calloc(nc, sizeof *num);
            if (!text || !num) {
                free(text);
                free(num);
                free(idx);
                return -1;
            }
            r.line = line;
            r.cols = cols;
            r.seed = strtoull(seeds->v[s], NULL, 10);
            uint64_t h = XB_SCN_FNV_INIT;
            size_t k = 0;
            char dbuf[64];
            for (size_t j = 0; j < nc; j++) {
                const char *v;
                if ((int)j == seeds_col) {
                    v = seeds->v[s];
                } else if (vals[j].n > 0) {
                    v = vals[j].v[idx[j]];
                } else if ((v = device_default(sc[j].name, text, dbuf, sizeof dbuf)) != NULL) {
                    /* resolved from the device */
                } else if (j >= f->n_schema && !strncmp(sc[j].name, "bwd_", 4)) {
                    /* bwd_p_X: the forward p_X when both arrays use one device */
                    int fj = -1;
                    for (size_t q = f->n_schema; q < nc; q++) {
                        if (!strcmp(sc[q].name, sc[j].name + 4)) {
                            fj = (int)q;
                        }
                    }
                    int same = !strcmp(text[xb_scenario_column_find("device")],
                                       text[xb_scenario_column_find("bwd_device")]);
                    v = (fj >= 0 && same) ? (vals[fj].n ? vals[fj].v[idx[fj]] : "") : "";
                } else if (sc[j].inherit) {
                    int fj = xb_scenario_column_find(sc[j].inherit);
                    v = text[fj]; /* forward columns come first in the schema */
                } else {
                    v = sc[j].def;
                }
                text[j] = dupstr(v ? v : "");
                num[j] = ((sc[j].type == XB_SCN_INT || sc[j].type == XB_SCN_REAL ||
                           sc[j].type == XB_SCN_SEEDS) &&
                          text[j] && text[j][0])
                             ? strtod(text[j], NULL)
                             : NAN;
                if (!text[j]) {
                    f->oom = 1;
                }
                h = xb_scn__fnv(h, sc[j].name, strlen(sc[j].name) + 1);
                h = xb_scn__fnv(h, text[j] ? text[j] : "", text[j] ? strlen(text[j]) + 1 : 1);
                h = xb_scn__cellmap_id(h, sc[j].name, text[j]); /* a map's bytes too */
                if (!strcmp(sc[j].name, "scenario")) {
                    snprintf(r.scenario, sizeof r.scenario, "%s", text[j]);
                    k = (size_t)snprintf(r.name, sizeof r.name, "%s", text[j]);
                }
            }
            for (size_t j = 0; j < nc; j++) {
                if ((int)j != seeds_col && vals[j].n > 1 && k < sizeof r.name) {
                    k += (size_t)snprintf(r.name + k, sizeof r.name - k, "/%s=%s", sc[j].name,
                                          text[j]);
                }
            }
            snprintf(r.id, sizeof r.id, "%016llx", (unsigned long long)h);
            r.text = text;
            r.num = num;
            r.n_params = nc - f->n_schema;
            r.param_names = (const char *const *)f->dyn_names;
            if (push_run(f, &r) != 0) {
                for (size_t j = 0; j < nc; j++) {
                    free((char *)text[j]);
                }
                free(text);
                free(num);
                free(idx);
                return -1;
            }
        }
        /* odometer over swept columns, last column fastest */
        int carry = 1;
        for (size_t j = nc; j-- > 0 && carry;) {
            if ((int)j == seeds_col || vals[j].n < 2) {
                continue;
            }
            if (++idx[j] < vals[j].n) {
                carry = 0;
            } else {
                idx[j] = 0;
            }
        }
        if (carry) {
            break;
        }
    }
    free(idx);
    return 0;
}

/* -------------------------------------------------------------- top level */

static void validate(xb_scenario_file *f)
{
    if (f->n_rows == 0) {
        return;
    }
    size_t nc = f->n_schema + XB_SCN_MAX_PARAM_COLUMNS; /* room for parameter columns */
    const xb_scn_column *sc = f->cols;
    row *hdr = &f->rows[0];
    int *map = malloc((hdr->n + 1) * sizeof *map); /* header field -> file column */
    int *seen = malloc(nc * sizeof *seen);         /* file column -> header field */
    if (!map || !seen) {
        free(map);
        free(seen);
        f->oom = 1;
        return;
    }
    for (size_t j = 0; j < nc; j++) {
        seen[j] = -1;
    }
    int header_ok = 1;
    for (size_t i = 0; i < hdr->n; i++) {
        field *h = &hdr->f[i];
        char name[256], ex[80];
        snprintf(name, sizeof name, "%s", h->text);
        trim(name);
        excerpt(ex, sizeof ex, name);
        int j = file_column(f, name);
        map[i] = j;
        const char *psug = NULL;
        if (name[0] == '\0') {
            add_error(f, h->line, h->col, NULL, "empty column name in the header");
            header_ok = 0;
        } else if (j < 0 && param_column(name, &psug) == 0) {
            if (psug) {
                add_error(f, h->line, h->col, ex,
                          "no device model has a parameter '%s' (did you mean '%s'?)",
                          param_of(name), psug);
            } else {
                add_error(f, h->line, h->col, ex,
                          "no device model has a parameter '%s' (`xbarsim device show MODEL` "
                          "lists them)",
                          param_of(name));
            }
            header_ok = 0;
        } else if (j < 0) {
            const char *sug = xb_scenario_column_suggest(name);
            if (sug) {
                add_error(f, h->line, h->col, ex, "unknown column (did you mean '%s'?)", sug);
            } else {
                add_error(f, h->line, h->col, ex,
                          "unknown column (the columns are listed in docs/scenarios.md and by "
                          "`xbarsim run --schema`)");
            }
            header_ok = 0;
        } else if (seen[j] >= 0) {
            add_error(f, h->line, h->col, ex, "appears twice in the header (first at column %d)",
                      hdr->f[seen[j]].col);
            map[i] = -1;
            header_ok = 0;
        } else {
            seen[j] = (int)i;
        }
    }
    int scen = xb_scenario_column_find("scenario");
    if (seen[scen] < 0) {
        add_error(f, hdr->f[0].line, 1, NULL,
                  "the header has no 'scenario' column (every row needs a name)");
        header_ok = 0;
    }
    if (f->n_rows == 1) {
        add_error(f, hdr->end_line + 1, 1, NULL,
                  "no scenarios: the file has a header row but no scenario rows");
    }
    strlist *vals = calloc(nc, sizeof *vals);
    strlist *ov = calloc(nc, sizeof *ov); /* --set values, validated once */
    int *has_ov = calloc(nc, sizeof *has_ov);
    if (!vals || !ov || !has_ov) {
        f->oom = 1;
        free(vals);
        free(ov);
        free(has_ov);
        free(map);
        free(seen);
        return;
    }
    for (size_t k = 0; k < f->n_overrides; k++) {
        const char *o = f->overrides[k];
        const char *eq = strchr(o, '=');
        char name[128], ex[80];
        size_t nl = eq ? (size_t)(eq - o) : strlen(o);
        snprintf(name, sizeof name, "%.*s", (int)(nl < 127 ? nl : 127), o);
        excerpt(ex, sizeof ex, name);
        int j = eq ? file_column(f, name) : -1;
        if (!eq) {
            add_error(f, 0, 0, NULL, "'%s': expected column=value", ex);
        } else if (j < 0 || !strcmp(name, "scenario")) {
            const char *sug = xb_scenario_column_suggest(name);
            add_error(f, 0, 0, ex, "%s%s%s%s", j < 0 ? "unknown column" : "cannot be overridden",
                      sug && j < 0 ? " (did you mean '" : "", sug && j < 0 ? sug : "",
                      sug && j < 0 ? "'?)" : "");
        } else {
            sl_free(&ov[j]);
            field fl = {(char *)(eq + 1), 0, 0, 0, eq + 1};
            has_ov[j] = 1;
            if (eq[1] != '\0' && expand_cell(f, &sc[j], &fl, &ov[j]) != 0) {
                header_ok = 0;
            }
        }
    }
    /* names already used, for the uniqueness check (load factor <= 1/2) */
    size_t names_cap = 16;
    while (names_cap < 2 * f->n_rows) {
        names_cap *= 2;
    }
    struct {
        char *name;
        int line;
    } *names = calloc(names_cap, sizeof *names);
    if (!names) {
        f->oom = 1;
    }
    for (size_t r = 1; r < f->n_rows && !f->oom; r++) {
        row *rw = &f->rows[r];
        int row_ok = 1;
        if (rw->n != hdr->n) {
            if (rw->n > hdr->n) {
                add_error(f, rw->f[hdr->n].line, rw->f[hdr->n].col, NULL,
                          "row has %zu fields but the header has %zu", rw->n, hdr->n);
            } else {
                add_error(f, rw->end_line, rw->end_col, NULL,
                          "row has %zu fields but the header has %zu", rw->n, hdr->n);
            }
            row_ok = 0;
        }
        for (size_t i = 0; i < rw->n && i < hdr->n; i++) {
            if (map[i] < 0 || has_ov[map[i]]) {
                continue;
            }
            const xb_scn_column *c = &sc[map[i]];
            field *fl = &rw->f[i];
            int empty = 1;
            for (const char *p = fl->text; *p; p++) {
                if (!isspace((unsigned char)*p)) {
                    empty = 0;
                    break;
                }
            }
            if (empty) {
                if (c->def == NULL) {
                    add_error(f, fl->line, fl->col, c->name,
                              "value '': required (a scenario name of letters, digits, '_', "
                              "'-' or '.')");
                    row_ok = 0;
                }
                continue; /* default or inherited */
            }
            if (expand_cell(f, c, fl, &vals[map[i]]) != 0) {
                row_ok = 0;
            }
        }
        /* unique scenario names: a hash table of (name, line), so large
         * files stay linear */
        if (seen[scen] >= 0 && (size_t)seen[scen] < rw->n && vals[scen].n == 1) {
            const char *b = vals[scen].v[0];
            size_t mask = names_cap - 1;
            size_t h = (size_t)xb_scn__fnv(XB_SCN_FNV_INIT, b, strlen(b)) & mask;
            while (names[h].name && strcmp(names[h].name, b)) {
                h = (h + 1) & mask;
            }
            if (names[h].name) {
                field *fl = &rw->f[seen[scen]];
                add_error(f, fl->line, fl->col, "scenario",
                          "value '%s': scenario names must be unique (also on line %d)", b,
                          names[h].line);
                row_ok = 0;
            } else {
                names[h].name = dupstr(b);
                names[h].line = rw->f[0].line;
                if (!names[h].name) {
                    f->oom = 1;
                }
            }
        }
        for (size_t j = 0; j < nc; j++) {
            for (size_t q = 0; has_ov[j] && q < ov[j].n; q++) {
                if (sl_push(&vals[j], ov[j].v[q])) {
                    f->oom = 1;
                }
            }
        }
        if (row_ok && header_ok && f->n_err_total == 0) {
            int seeds_col = xb_scenario_column_find("seeds");
            if (vals[seeds_col].n == 0) {
                sl_push(&vals[seeds_col], sc[seeds_col].def);
            }
            /* count first: a typo like 0:0.00001:1 x 1-100 must not allocate */
            double runs = 1;
            for (size_t j = 0; j < f->n_cols; j++) {
                runs *= vals[j].n > 1 ? (double)vals[j].n : 1.0;
            }
            if ((double)f->n_runs + runs > MAX_RUNS) {
                add_error(f, rw->f[0].line, 1, NULL,
                          "this row expands to %.0f runs, the file to more than %d (split it, or "
                          "sweep fewer values)",
                          runs, MAX_RUNS);
            } else {
                /* where each column's cell is, for errors about the runs */
                int *cols = calloc(nc, sizeof *cols);
                int **grown = cols ? realloc(f->cell_cols, (f->n_cell_cols + 1) * sizeof *grown)
                                   : NULL;
                if (!grown) {
                    free(cols);
                    f->oom = 1;
                } else {
                    f->cell_cols = grown;
                    f->cell_cols[f->n_cell_cols++] = cols;
                    for (size_t i = 0; i < rw->n && i < hdr->n; i++) {
                        if (map[i] >= 0 && !has_ov[map[i]]) {
                            cols[map[i]] = rw->f[i].col;
                        }
                    }
                    if (expand_row(f, rw->f[0].line, cols, vals) != 0 && !f->n_err_total) {
                        f->oom = 1;
                    }
                }
            }
        }
        for (size_t j = 0; j < nc; j++) {
            sl_free(&vals[j]);
        }
    }
    for (size_t k = 0; names && k < names_cap; k++) {
        free(names[k].name);
    }
    free(names);
    for (size_t j = 0; j < nc; j++) {
        sl_free(&ov[j]);
    }
    free(ov);
    free(has_ov);
    free(vals);
    free(map);
    free(seen);
}

static void free_rows(xb_scenario_file *f)
{
    for (size_t r = 0; r < f->n_rows; r++) {
        for (size_t i = 0; i < f->rows[r].n; i++) {
            free(f->rows[r].f[i].text);
        }
        free(f->rows[r].f);
    }
    free(f->rows);
    f->rows = NULL;
    f->n_rows = f->cap_rows = 0;
}

static void free_runs(xb_scenario_file *f)
{
    size_t nc = f->n_cols;
    for (size_t i = 0; i < f->n_runs; i++) {
        for (size_t j = 0; j < nc; j++) {
            free((char *)f->runs[i].text[j]);
        }
        free((void *)f->runs[i].text);
        free((void *)f->runs[i].num);
    }
    free(f->runs);
    f->runs = NULL;
    f->n_runs = f->cap_runs = 0;
    for (size_t r = 0; r < f->n_cell_cols; r++) {
        free(f->cell_cols[r]);
    }
    free(f->cell_cols);
    f->cell_cols = NULL;
    f->n_cell_cols = 0;
}

int xb_scenario_file_parse(xb_scenario_file **out, const char *path, const char *data, size_t len)
{
    return xb_scenario_file_parse_with(out, path, data, len, NULL, 0);
}

int xb_scenario_file_parse_with(xb_scenario_file **out, const char *path, const char *data,
                                size_t len, const char *const *overrides, size_t n_overrides)
{
    XB_ASSERT_ARG(out != NULL);
    XB_ASSERT_ARG(path != NULL);
    XB_ASSERT_ARG(data != NULL || len == 0);
    *out = NULL;
    xb_scenario_file *f = calloc(1, sizeof *f);
    if (!f) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    snprintf(f->path, sizeof f->path, "%s", path);
    snprintf(f->hash, sizeof f->hash, "%016llx",
             (unsigned long long)xb_scn__fnv(XB_SCN_FNV_INIT, data ? data : "", len));
    const xb_scn_column *schema = xb_scenario_schema(&f->n_schema);
    f->cols = calloc(f->n_schema + XB_SCN_MAX_PARAM_COLUMNS, sizeof *f->cols);
    if (!f->cols) {
        free(f);
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    memcpy(f->cols, schema, f->n_schema * sizeof *f->cols);
    f->n_cols = f->n_schema;
    f->data = data ? data : "";
    f->overrides = overrides;
    f->n_overrides = overrides ? n_overrides : 0;
    read_csv(f, f->data, len);
    if (!f->oom && f->n_err_total == 0) {
        validate(f);
    }
    free_rows(f);
    f->data = NULL;
    f->overrides = NULL;
    if (f->oom) {
        xb_scenario_file_free(f);
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    *out = f;
    if (f->n_err_total > 0) {
        /* rows before the first bad one were expanded: a file with errors has no runs */
        free_runs(f);
        qsort(f->err, f->n_err, sizeof *f->err, err_cmp);
        if (f->n_err_total == 1) {
            return xb__error_set(XB_EIO, "%s", f->err[0].message);
        }
        return xb__error_set(XB_EIO, "%s (and %zu more errors)", f->err[0].message,
                             f->n_err_total - 1);
    }
    return XB_OK;
}

int xb_scenario_file_load(xb_scenario_file **out, const char *path)
{
    return xb_scenario_file_load_with(out, path, NULL, 0);
}

int xb_scenario_file_load_with(xb_scenario_file **out, const char *path,
                               const char *const *overrides, size_t n_overrides)
{
    XB_ASSERT_ARG(out != NULL && path != NULL);
    *out = NULL;
    char *data = NULL;
    size_t len = 0;
    XB_TRY(xb_file_read(path, &data, &len));
    int rc = xb_scenario_file_parse_with(out, path, data, len, overrides, n_overrides);
    free(data);
    return rc;
}

void xb_scenario_file_free(xb_scenario_file *f)
{
    if (!f) {
        return;
    }
    free_runs(f);
    free_rows(f);
    free(f->err);
    for (size_t k = 0; k + f->n_schema < f->n_cols; k++) {
        free(f->dyn_names[k]);
    }
    free(f->cols);
    free(f);
}

size_t xb_scn__n_errors_total(const xb_scenario_file *f)
{
    return f->n_err_total;
}

const char *xb_scn__path(const xb_scenario_file *f)
{
    return f->path;
}

int xb_scn__path_resolve(const char *scenario_path, const char *s, const char *what, char *canon,
                         size_t cn, char *why, size_t wn)
{
    /* relative to the scenario file's folder, so a study folder moves whole
     * and runs from any working directory */
    const char *slash = strrchr(scenario_path, '/');
    int n;
    if (s[0] == '/' || slash == NULL) {
        n = snprintf(canon, cn, "%s", s);
    } else {
        n = snprintf(canon, cn, "%.*s/%s", (int)(slash - scenario_path), scenario_path, s);
    }
    if (n < 0 || (size_t)n >= cn) {
        snprintf(why, wn, "path too long (at most %zu bytes after joining the scenario's folder)",
                 cn - 1);
        return -1;
    }
    if (!xb_file_exists(canon)) {
        snprintf(why, wn, "no such %s '%s' (paths are relative to the scenario file's folder)",
                 what, canon);
        return -1;
    }
    return 0;
}

size_t xb_scenario_file_n_errors(const xb_scenario_file *f)
{
    return f ? f->n_err : 0;
}

const xb_scenario_error *xb_scenario_file_error(const xb_scenario_file *f, size_t i)
{
    return f && i < f->n_err ? &f->err[i] : NULL;
}

size_t xb_scenario_file_n_runs(const xb_scenario_file *f)
{
    return f ? f->n_runs : 0;
}

const xb_run *xb_scenario_file_run(const xb_scenario_file *f, size_t i)
{
    return f && i < f->n_runs ? &f->runs[i] : NULL;
}

const char *xb_scenario_file_hash(const xb_scenario_file *f)
{
    return f ? f->hash : "";
}

/* ---------------------------------------------------------------- getters */

/* Index into r->text of a schema or parameter column, or -1. */
static int run_column(const xb_run *r, const char *column)
{
    int j = xb_scenario_column_find(column);
    if (j >= 0 || !r) {
        return j;
    }
    size_t ns;
    xb_scenario_schema(&ns);
    for (size_t k = 0; k < r->n_params; k++) {
        if (!strcmp(r->param_names[k], column)) {
            return (int)(ns + k);
        }
    }
    return -1;
}

const char *xb_run_text(const xb_run *r, const char *column)
{
    int j = run_column(r, column);
    return (r && j >= 0) ? r->text[j] : "";
}

double xb_run_real(const xb_run *r, const char *column)
{
    int j = run_column(r, column);
    return (r && j >= 0) ? r->num[j] : NAN;
}

long xb_run_int(const xb_run *r, const char *column)
{
    int j = run_column(r, column);
    return (r && j >= 0) ? strtol(r->text[j], NULL, 10) : 0;
}

int xb_run_layers(const xb_run *r, const char *column, int *sizes, int max)
{
    const char *s = xb_run_text(r, column);
    int n = 0;
    if (!strcmp(s, "0") || !*s) {
        return 0;
    }
    while (*s && n < max) {
        char *end;
        sizes[n++] = (int)strtol(s, &end, 10);
        s = *end == 'x' ? end + 1 : end;
        if (!*end) {
            break;
        }
    }
    return n;
}

double xb_run_estimate_seconds(const xb_run *r)
{
    int h[16];
    int nh = xb_run_layers(r, "hidden", h, 16);
    /* Fashion-MNIST shapes: (28/pool)^2 inputs, 10 classes; the synthetic
     * tasks: the linear teacher 30 -> 10, the chain 1 -> 1 (sizes of
     * learning's XB_TEACHER_CONFIG_INIT and XB_CHAIN_CONFIG_INIT) */
    const char *ds = xb_run_text(r, "dataset");
    int teacher = !strcmp(ds, "teacher"), chain = !strcmp(ds, "chain");
    double side = floor(28.0 / (double)xb_run_int(r, "pool"));
    double macs = 0, prev = teacher ? 30 : chain ? 1 : side * side;
    for (int i = 0; i < nh; i++) {
        macs += prev * h[i];
        prev = h[i];
    }
    macs += prev * (chain ? 1 : 10);
    double ntr = xb_run_real(r, "train_n"), nte = xb_run_real(r, "test_n");
    if (ntr == 0) {
        ntr = teacher ? 2000 : chain ? 1000 : 60000;
    }
    if (nte == 0) {
        nte = teacher ? 500 : chain ? 200 : 10000;
    }
    double epochs = xb_run_real(r, "epochs");
    /* forward + backward + update per training sample (~3 passes), one pass
     * per evaluated sample (train and test each epoch). Calibrated on
     * Fashion-MNIST 784-100-10 with batch 32: ~0.16 ns per multiply-add on
     * one core with ideal reads; device writes add ~30 %; a nodal or spice
     * read solves a circuit per vector instead of one BLAS call. */
    double per_mac = 1.6e-10;
    if (!strcmp(xb_run_text(r, "hardware"), "off")) {
        per_mac *= 0.7;
    } else if (strcmp(xb_run_text(r, "device"), "ideal") ||
               strcmp(xb_run_text(r, "bwd_device"), "ideal")) {
        per_mac *= 1.3;
    }
    if (strcmp(xb_run_text(r, "read"), "ideal")) {
        per_mac *= 50;
    }
    return epochs * (3 * ntr + ntr + nte) * macs * per_mac;
}
