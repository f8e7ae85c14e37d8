/* Measured per-cell maps of a device parameter (columns `cellmap` and
 * `bwd_cellmap`, docs/scenarios.md "Per-cell maps"): the file format, its
 * strict parsing with file:line:column errors, validation against a run's
 * device model, and the hand-over to xbar's cfg.cellmap.
 *
 * A map file is CSV: the first row names the parameter (e.g. `gmax`; further
 * header cells must be empty, as spreadsheets export them), every other row
 * holds the same number of values, in the parameter's unit. Rows whose cells
 * are all empty are skipped. */
#include "scenarios/scenarios_internal.h"
#include "xbar/xbar.h"

#include <csv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Distinct map files one process keeps parsed (a run needs two at most). */
#define CACHE 16

typedef struct {
    char path[1024];
    char param[64];
    int hdr_line, hdr_col;
    int rows, cols;
    double *v;       /* rows * cols */
    int *line, *col; /* position of each value */
    char (*text)[32]; /* each value as written (cut), for messages */
    size_t cap;
} cellmap;

static cellmap cache[CACHE];
static int cache_next;

static void map_free(cellmap *m)
{
    free(m->v);
    free(m->line);
    free(m->col);
    free(m->text);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------- parsing */

typedef struct {
    char text[128];
    int line, col;
} cell;

typedef struct {
    const char *path;
    cellmap *m;
    int header_done;
    int line, col;             /* of the byte being read */
    int start_line, start_col; /* of the field being read */
    int fired_field, fired_row;
    cell *row; /* fields of the current row */
    size_t n, cap;
    int rc; /* first error (reported once) */
} ctx;

static void trim(char *s)
{
    size_t n = strlen(s), a = 0;
    while (a < n && (s[a] == ' ' || s[a] == '\t')) {
        a++;
    }
    while (n > a && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
        n--;
    }
    memmove(s, s + a, n - a);
    s[n - a] = '\0';
}

static void cb_field(void *s, size_t len, void *data)
{
    ctx *c = data;
    c->fired_field = 1;
    if (c->rc < 0) {
        return;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        cell *r = realloc(c->row, cap * sizeof *r);
        if (!r) {
            c->rc = xb__error_set(XB_ENOMEM, "out of memory");
            return;
        }
        c->row = r;
        c->cap = cap;
    }
    cell *f = &c->row[c->n++];
    size_t k = len < sizeof f->text - 1 ? len : sizeof f->text - 1;
    memcpy(f->text, s, k);
    f->text[k] = '\0';
    trim(f->text);
    f->line = c->start_line;
    f->col = c->start_col;
}

/* Room for one more row of m->cols values. */
static int grow(cellmap *m)
{
    size_t need = (size_t)(m->rows + 1) * (size_t)m->cols;
    if (need <= m->cap) {
        return XB_OK;
    }
    size_t cap = m->cap ? 2 * m->cap : 256;
    while (cap < need) {
        cap *= 2;
    }
    double *nv = realloc(m->v, cap * sizeof *nv);
    if (nv) {
        m->v = nv;
    }
    int *nl = realloc(m->line, cap * sizeof *nl);
    if (nl) {
        m->line = nl;
    }
    int *nc = realloc(m->col, cap * sizeof *nc);
    if (nc) {
        m->col = nc;
    }
    char(*nt)[32] = realloc(m->text, cap * sizeof *nt);
    if (nt) {
        m->text = nt;
    }
    if (!nv || !nl || !nc || !nt) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    m->cap = cap;
    return XB_OK;
}

/* The header row, or one row of values. */
static int take_row(ctx *c)
{
    cellmap *m = c->m;
    int blank = 1;
    for (size_t i = 0; i < c->n; i++) {
        blank &= c->row[i].text[0] == '\0';
    }
    if (blank) {
        return XB_OK;
    }
    if (!c->header_done) {
        const cell *h = &c->row[0];
        if (h->text[0] == '\0' || strlen(h->text) >= sizeof m->param) {
            return xb__error_set(XB_EINVAL,
                                 "%s:%d:%d: value '%s': the first row names the device parameter "
                                 "of the map (e.g. gmax)",
                                 c->path, h->line, h->col, h->text);
        }
        for (size_t i = 1; i < c->n; i++) {
            if (c->row[i].text[0]) {
                return xb__error_set(XB_EINVAL,
                                     "%s:%d:%d: value '%s': the first row holds only the parameter "
                                     "name ('%s'); values start on the next row",
                                     c->path, c->row[i].line, c->row[i].col, c->row[i].text,
                                     h->text);
            }
        }
        memcpy(m->param, h->text, strlen(h->text) + 1); /* length checked above */
        m->hdr_line = h->line;
        m->hdr_col = h->col;
        c->header_done = 1;
        return XB_OK;
    }
    if (m->rows == 0) {
        m->cols = (int)c->n;
    } else if ((int)c->n > m->cols) {
        const cell *e = &c->row[m->cols];
        return xb__error_set(XB_EINVAL,
                             "%s:%d:%d: value '%s': ragged map: this row has %zu values, the first "
                             "row of values %d",
                             c->path, e->line, e->col, e->text, c->n, m->cols);
    } else if ((int)c->n < m->cols) {
        const cell *e = &c->row[c->n - 1];
        return xb__error_set(XB_EINVAL,
                             "%s:%d:%d: value '%s': ragged map: this row has %zu values, the first "
                             "row of values %d",
                             c->path, e->line, e->col, e->text, c->n, m->cols);
    }
    XB_TRY(grow(m));
    for (size_t i = 0; i < c->n; i++) {
        const cell *e = &c->row[i];
        char *end = NULL;
        double v = strtod(e->text, &end);
        if (e->text[0] == '\0' || *end != '\0' || !isfinite(v)) {
            return xb__error_set(XB_EINVAL, "%s:%d:%d: value '%s': expected a finite number (%s)",
                                 c->path, e->line, e->col, e->text, m->param);
        }
        size_t k = (size_t)m->rows * (size_t)m->cols + i;
        m->v[k] = v;
        m->line[k] = e->line;
        m->col[k] = e->col;
        size_t tl = strlen(e->text) < sizeof m->text[k] - 1 ? strlen(e->text) : sizeof m->text[k] - 1;
        memcpy(m->text[k], e->text, tl);
        m->text[k][tl] = '\0';
    }
    m->rows++;
    return XB_OK;
}

static void cb_row(int term, void *data)
{
    (void)term;
    ctx *c = data;
    c->fired_row = 1;
    if (c->rc == 0) {
        c->rc = take_row(c);
    }
    c->n = 0;
}

static int parse(const char *path, const char *data, size_t len, cellmap *m)
{
    size_t i = 0;
    if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) {
        i = 3; /* UTF-8 byte-order mark, as spreadsheets write it */
    }
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    ctx c = {.path = path, .m = m, .line = 1, .col = 1, .start_line = 1, .start_col = 1};
    enum { NONE, IMMEDIATE, AFTER_ROW } need = AFTER_ROW;
    for (; i < len && c.rc == 0; i++) {
        char b = data[i];
        if (need == IMMEDIATE || (need == AFTER_ROW && b != '\r' && b != '\n')) {
            c.start_line = c.line;
            c.start_col = c.col;
            need = NONE;
        }
        c.fired_field = c.fired_row = 0;
        if (csv_parse(&p, &b, 1, cb_field, cb_row, &c) != 1) {
            c.rc = xb__error_set(XB_EINVAL, "%s:%d:%d: malformed CSV: %s", path, c.line, c.col,
                                 csv_strerror(csv_error(&p)));
            break;
        }
        if (c.fired_row) {
            need = AFTER_ROW;
        } else if (c.fired_field) {
            need = IMMEDIATE;
        }
        if (b == '\n') {
            c.line++;
            c.col = 1;
        } else if (((unsigned char)b & 0xc0) != 0x80) {
            c.col++; /* columns count characters, not UTF-8 continuation bytes */
        }
    }
    if (c.rc == 0) {
        if (need == IMMEDIATE) {
            c.start_line = c.line;
            c.start_col = c.col;
        }
        if (csv_fini(&p, cb_field, cb_row, &c) != 0 && c.rc == 0) {
            c.rc = xb__error_set(XB_EINVAL,
                                 "%s:%d:%d: malformed CSV: quoted field opened here is never closed",
                                 path, c.start_line, c.start_col);
        }
    }
    csv_free(&p);
    free(c.row);
    if (c.rc == 0 && (!c.header_done || m->rows == 0)) {
        c.rc = xb__error_set(XB_EINVAL,
                             "%s:%d:%d: a map needs a first row naming the parameter (e.g. gmax) "
                             "and at least one row of values",
                             path, c.line, c.col);
    }
    return c.rc;
}

/* The parsed map at path, from the cache or the file. */
static int map_get(const char *path, const cellmap **out)
{
    for (int i = 0; i < CACHE; i++) {
        if (cache[i].v != NULL && !strcmp(cache[i].path, path)) {
            *out = &cache[i];
            return XB_OK;
        }
    }
    if (strlen(path) >= sizeof cache[0].path) {
        return xb__error_set(XB_EINVAL, "cell map path '%.64s...' is too long", path);
    }
    char *data = NULL;
    size_t len = 0;
    XB_TRY(xb_file_read(path, &data, &len));
    cellmap *m = &cache[cache_next];
    cache_next = (cache_next + 1) % CACHE;
    map_free(m);
    int rc = parse(path, data, len, m);
    free(data);
    if (rc < 0) {
        map_free(m);
        return rc;
    }
    snprintf(m->path, sizeof m->path, "%s", path);
    *out = m;
    return XB_OK;
}

/* ------------------------------------------------------ the module's API */

int xb_scn__cellmap_value(const char *scenario_path, const char *column, const char *s,
                          char *canon, size_t cn, char *why, size_t wn)
{
    if (strcmp(column, "cellmap") && strcmp(column, "bwd_cellmap")) {
        return 1;
    }
    if (s[0] == '\0' || !strcmp(s, "none")) {
        snprintf(canon, cn, "%s", s);
        return 0;
    }
    return xb_scn__path_resolve(scenario_path, s, "file", canon, cn, why, wn);
}

int xb_scn__cellmap_config(const char *path, const char *column, xb_xbar_config *x)
{
    if (path[0] == '\0' || !strcmp(path, "none")) {
        return XB_OK;
    }
    const cellmap *m = NULL;
    int rc = map_get(path, &m); /* its errors name the map file */
    if (rc < 0) {
        return rc;
    }
    const xb_device_type *type = x->device.type != NULL ? x->device.type : xb_device_ideal;
    const void *nominal = x->device.params != NULL ? x->device.params : type->default_params;
    const xb_device_param *prm;
    rc = xb_device_param_find(type, m->param, &prm);
    if (rc < 0) {
        return xb__error_prefix(rc, "%s:%d:%d: value '%s': ", m->path, m->hdr_line, m->hdr_col,
                                m->param);
    }
    /* each value on the array's nominal device: the model's own range check */
    double buf[XB_DEVICE_PARAMS_MAX / sizeof(double)];
    for (size_t k = 0; k < (size_t)m->rows * (size_t)m->cols; k++) {
        memcpy(buf, nominal, type->params_size);
        rc = xb_device_param_set(type, buf, m->param, m->v[k]);
        if (rc < 0) {
            return xb__error_prefix(rc, "%s:%d:%d: value '%s': ", m->path, m->line[k], m->col[k],
                                    m->text[k]);
        }
    }
    if (x->n_cellmaps >= XB_XBAR_MAX_CELLMAPS) {
        return xb__error_set(XB_EINVAL, "column '%s': at most %d cell maps per array", column,
                             XB_XBAR_MAX_CELLMAPS);
    }
    xb_xbar_cellmap *c = &x->cellmap[x->n_cellmaps++];
    c->param = m->param;
    c->rows = m->rows;
    c->cols = m->cols;
    c->values = m->v;
    return XB_OK;
}

/* Appends t to the growing string *s, JSON-escaped if esc. */
static void put(char **s, size_t *n, size_t *cap, const char *t, int esc)
{
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        char e[8];
        size_t k;
        if (esc && (*p == '"' || *p == '\\')) {
            k = (size_t)snprintf(e, sizeof e, "\\%c", *p);
        } else if (esc && *p < 0x20) {
            k = (size_t)snprintf(e, sizeof e, "\\u%04x", *p);
        } else {
            e[0] = (char)*p;
            k = 1;
        }
        if (*n + k + 1 > *cap) {
            size_t cap2 = *cap ? 2 * *cap : 256;
            char *s2 = realloc(*s, cap2);
            if (!s2) {
                return;
            }
            *s = s2;
            *cap = cap2;
        }
        memcpy(*s + *n, e, k);
        *n += k;
        (*s)[*n] = '\0';
    }
}

char *xb_scn__cellmap_manifest_json(const xb_scenario_file *f)
{
    char *s = NULL;
    size_t n = 0, cap = 0;
    put(&s, &n, &cap, "{", 0);
    int any = 0;
    for (size_t i = 0; i < xb_scenario_file_n_runs(f); i++) {
        const xb_run *r = xb_scenario_file_run(f, i);
        for (int b = 0; b < 2; b++) {
            const char *p = xb_run_text(r, b ? "bwd_cellmap" : "cellmap");
            if (!p[0] || !strcmp(p, "none")) {
                continue;
            }
            /* once per path: look for it among the earlier entries */
            char key[1100];
            snprintf(key, sizeof key, "\"%s\": ", p);
            if (s != NULL && strstr(s, key) != NULL) {
                continue; /* (a path with quotes may be listed twice: harmless) */
            }
            char *data = NULL;
            size_t len = 0;
            char hex[32] = "unreadable";
            if (xb_file_read(p, &data, &len) == XB_OK) {
                snprintf(hex, sizeof hex, "%016llx",
                         (unsigned long long)xb_scn__fnv(XB_SCN_FNV_INIT, data, len));
            }
            free(data);
            put(&s, &n, &cap, any ? ", \"" : "\"", 0);
            put(&s, &n, &cap, p, 1);
            put(&s, &n, &cap, "\": \"", 0);
            put(&s, &n, &cap, hex, 0);
            put(&s, &n, &cap, "\"", 0);
            any = 1;
        }
    }
    put(&s, &n, &cap, "}", 0);
    if (!any || s == NULL) {
        free(s);
        return NULL;
    }
    return s;
}

int xb_scn__cellmap_markdown(FILE *fp)
{
    fputs("## Per-cell maps\n\n"
          "`cellmap` (forward arrays) and `bwd_cellmap` (backward arrays) name a CSV file of "
          "measured per-cell values of one device parameter, in place of a distribution:\n\n"
          "```\n"
          "gmax\n"
          "3.8e-08,3.9e-08,1.0e-08,3.8e-08\n"
          "3.7e-08,3.8e-08,3.8e-08,3.6e-08\n"
          "```\n\n"
          "- The first row names the parameter as `xbarsim device show MODEL` lists it for the "
          "array's device model (`gmax`, `gmin`, `nl_ltp`, `ron`, ...); further cells of that row "
          "must be empty. Then R rows of C numbers each, absolute values in the parameter's "
          "unit. A UTF-8 byte-order mark, CRLF line ends, quoted fields and rows whose cells are "
          "all empty are accepted.\n"
          "- The map is ONE physical array of the measured chip: every array (tile) of a layer "
          "gives its device at physical row r (an input) and column c the value of cell "
          "(r mod R, c mod C). With `mapping = diff_pair` output u's G+ is on column 2u and its "
          "G- on 2u + 1; with `ref_column` output u is on column u and the reference column is "
          "the last (docs/xbar.md, \"Per-cell maps\"). `tile_rows` and `tile_cols` set the "
          "physical array size.\n"
          "- A map value replaces that parameter's d2d draw (`d2d` and `d2d_<name>` still spread "
          "the other parameters); stuck cells and `levels` act on top. The weight scale stays "
          "the nominal device's, so a cell with a low Gmax holds smaller weights.\n"
          "- Paths (also in `--set`) are relative to the scenario file's folder. `none` means no "
          "map: an empty `bwd_cellmap` inherits the forward map, `bwd_cellmap = none` does not. "
          "A cell may list maps (`a.csv;b.csv`) to sweep them.\n"
          "- Maps are checked before any work, against each run's device model: malformed CSV, "
          "ragged rows, non-numbers, an unknown parameter and values the model refuses are "
          "reported as `map.csv:line:column: value 'x': ...` within the run's error.\n"
          "- `manifest.json` records the FNV-1a 64 hash of each map file's bytes under "
          "`cellmap_hash_fnv1a64`, and a run's id (its part file) covers them: `--resume` "
          "redoes a run whose map was edited.\n\n",
          fp);
    return ferror(fp) ? xb__error_set(XB_EIO, "cannot write the schema") : XB_OK;
}

uint64_t xb_scn__cellmap_id(uint64_t h, const char *column, const char *value)
{
    /* the last file hashed (the rows of a file usually share their maps),
     * known by path, inode, size and modification time */
    static char last_path[1024];
    static struct stat last_st;
    static uint64_t last_hash;
    if (value == NULL || !value[0] || !strcmp(value, "none") ||
        (strcmp(column, "cellmap") && strcmp(column, "bwd_cellmap"))) {
        return h;
    }
    struct stat st;
    if (stat(value, &st) != 0) {
        return h; /* checked to exist at parse time; the run reports it */
    }
    /* the inode too: a file replaced by rename may keep size and (coarse) mtime */
    if (strcmp(last_path, value) != 0 || st.st_size != last_st.st_size ||
        st.st_ino != last_st.st_ino || st.st_dev != last_st.st_dev ||
        st.st_mtim.tv_sec != last_st.st_mtim.tv_sec ||
        st.st_mtim.tv_nsec != last_st.st_mtim.tv_nsec) {
        char *data = NULL;
        size_t len = 0;
        if (xb_file_read(value, &data, &len) != XB_OK) {
            return h; /* checked to exist at parse time; the run reports it */
        }
        last_hash = xb_scn__fnv(XB_SCN_FNV_INIT, data, len);
        free(data);
        snprintf(last_path, sizeof last_path, "%s", value);
        last_st = st;
    }
    return xb_scn__fnv(h, &last_hash, sizeof last_hash);
}
