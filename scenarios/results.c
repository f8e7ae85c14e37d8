/* Results files. Each run owns one part file, parts/<run id>.csv, rewritten
 * atomically (temp + fsync + rename) after every epoch, so a crash or a kill
 * loses at most the epoch in progress. results.csv is assembled from the
 * parts, in run order, and written atomically too. Layout: docs/results.md. */
#include "scenarios/scenarios_internal.h"

#include <cblas.h>
#include <csv.h>
#include <mpi.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

void xb_metrics_clear(xb_metrics *m, int epoch)
{
    m->epoch = epoch;
    m->train_loss = m->train_acc = m->test_loss = m->test_acc = NAN;
    for (int k = 0; k < XB_RESULTS_MAX_LAYERS; k++) {
        m->angle[k] = m->delta_angle[k] = m->grad_angle[k] = NAN;
    }
    m->reads_fwd = m->reads_bwd = m->pulses_fwd = m->pulses_bwd = 0;
    m->energy_read = m->energy_write = 0;
    m->train_nse = m->test_nse = NAN;
    m->energy_fwd = m->energy_bwd = m->latency_fwd = m->latency_bwd = 0;
    m->seconds = 0;
}

static const char *const angle_names[XB_RESULTS_MAX_LAYERS] = {
    "angle_l1", "angle_l2", "angle_l3", "angle_l4", "angle_l5", "angle_l6", "angle_l7", "angle_l8"};
static const char *const dangle_names[XB_RESULTS_MAX_LAYERS] = {
    "delta_angle_l1", "delta_angle_l2", "delta_angle_l3", "delta_angle_l4",
    "delta_angle_l5", "delta_angle_l6", "delta_angle_l7", "delta_angle_l8"};
static const char *const gangle_names[XB_RESULTS_MAX_LAYERS] = {
    "grad_angle_l1", "grad_angle_l2", "grad_angle_l3", "grad_angle_l4",
    "grad_angle_l5", "grad_angle_l6", "grad_angle_l7", "grad_angle_l8"};

size_t xb_scn__metric_names(const char **names, size_t max)
{
    static const char *const head[] = {"train_loss", "train_acc", "test_loss", "test_acc"};
    static const char *const tail[] = {"train_nse",   "test_nse",     "reads_fwd",
                                       "reads_bwd",   "pulses_fwd",   "pulses_bwd",
                                       "energy_read", "energy_write", "energy_fwd",
                                       "energy_bwd",  "latency_fwd",  "latency_bwd",
                                       "seconds"};
    size_t n = 0;
    for (size_t i = 0; i < 4 && n < max; i++) {
        names[n++] = head[i];
    }
    for (size_t k = 0; k < XB_RESULTS_MAX_LAYERS && n < max; k++) {
        names[n++] = angle_names[k];
    }
    for (size_t k = 0; k < XB_RESULTS_MAX_LAYERS && n < max; k++) {
        names[n++] = dangle_names[k];
    }
    for (size_t k = 0; k < XB_RESULTS_MAX_LAYERS && n < max; k++) {
        names[n++] = gangle_names[k];
    }
    for (size_t i = 0; i < sizeof tail / sizeof tail[0] && n < max; i++) {
        names[n++] = tail[i];
    }
    return n;
}

double xb_scn__metric_value(const xb_metrics *m, size_t k)
{
    const double head[4] = {m->train_loss, m->train_acc, m->test_loss, m->test_acc};
    if (k < 4) {
        return head[k];
    }
    k -= 4;
    if (k < XB_RESULTS_MAX_LAYERS) {
        return m->angle[k];
    }
    k -= XB_RESULTS_MAX_LAYERS;
    if (k < XB_RESULTS_MAX_LAYERS) {
        return m->delta_angle[k];
    }
    k -= XB_RESULTS_MAX_LAYERS;
    if (k < XB_RESULTS_MAX_LAYERS) {
        return m->grad_angle[k];
    }
    k -= XB_RESULTS_MAX_LAYERS;
    const double tail[13] = {m->train_nse,   m->test_nse,     m->reads_fwd,   m->reads_bwd,
                             m->pulses_fwd,  m->pulses_bwd,   m->energy_read, m->energy_write,
                             m->energy_fwd,  m->energy_bwd,   m->latency_fwd, m->latency_bwd,
                             m->seconds};
    return k < 13 ? tail[k] : NAN;
}

/* Layers of the deepest network in the file: how many angle columns exist. */
static int file_layers(const xb_scenario_file *f)
{
    int lmax = 1;
    for (size_t i = 0; i < xb_scenario_file_n_runs(f); i++) {
        int h[16];
        int l = xb_run_layers(xb_scenario_file_run(f, i), "hidden", h, 16) + 1;
        lmax = l > lmax ? l : lmax;
    }
    return lmax > XB_RESULTS_MAX_LAYERS ? XB_RESULTS_MAX_LAYERS : lmax;
}

/* Is metric k a column of a file whose deepest network has L layers? */
static int metric_used(size_t k, int L)
{
    if (k >= 4 && k < 4 + XB_RESULTS_MAX_LAYERS) {
        return (int)(k - 4) < L;
    }
    if (k >= 4 + XB_RESULTS_MAX_LAYERS && k < 4 + 3 * XB_RESULTS_MAX_LAYERS) {
        return (int)((k - 4) % XB_RESULTS_MAX_LAYERS) < L;
    }
    return 1;
}

/* -------------------------------------------------------- string buffer */

typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->oom) {
        return;
    }
    if (b->n + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc < b->n + n + 1) {
            nc *= 2;
        }
        char *ns = realloc(b->s, nc);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = nc;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

static void sb_field(sbuf *b, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        sb_puts(b, s);
        return;
    }
    sb_putn(b, "\"", 1);
    for (const char *c = s; *c; c++) {
        sb_putn(b, c, 1);
        if (*c == '"') {
            sb_putn(b, "\"", 1);
        }
    }
    sb_putn(b, "\"", 1);
}

static void sb_double(sbuf *b, double v)
{
    char t[64];
    if (isnan(v)) {
        snprintf(t, sizeof t, "nan");
    } else {
        /* the shortest form that reads back as the same double */
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(t, sizeof t, "%.*g", prec, v);
            if (strtod(t, NULL) == v) {
                break;
            }
        }
    }
    sb_puts(b, t);
}

/* ---------------------------------------------------------- row format */

static int is_setting(const xb_scn_column *c)
{
    return strcmp(c->name, "scenario") && strcmp(c->name, "seeds");
}

static void header(sbuf *b, int L, const xb_run *any)
{
    const char *mn[64];
    size_t nm = xb_scn__metric_names(mn, 64);
    sb_puts(b, "scenario,run,seed,epoch");
    for (size_t k = 0; k < nm; k++) {
        if (metric_used(k, L)) {
            sb_puts(b, ",");
            sb_puts(b, mn[k]);
        }
    }
    size_t nc;
    const xb_scn_column *sc = xb_scenario_schema(&nc);
    for (size_t j = 0; j < nc; j++) {
        if (is_setting(&sc[j])) {
            sb_puts(b, ",");
            sb_puts(b, sc[j].name);
        }
    }
    for (size_t k = 0; any && k < any->n_params; k++) {
        sb_puts(b, ",");
        sb_puts(b, any->param_names[k]);
    }
    sb_puts(b, "\n");
}

/* One results row. with_seconds = 0 leaves the seconds cell empty: that is
 * the form compared on resume, since wall time is the one value that is not
 * a function of the seed. */
static void format_row(sbuf *b, const xb_run *r, const xb_metrics *m, int L, int with_seconds)
{
    int h[16];
    int run_layers = xb_run_layers(r, "hidden", h, 16) + 1;
    /* accuracy is not defined on a regression task, nor NSE on a
     * classification task: empty cells, not nan */
    const char *ds = xb_run_text(r, "dataset");
    int regression = !strcmp(ds, "teacher") || !strcmp(ds, "chain");
    char t[64];
    sb_field(b, r->scenario);
    sb_puts(b, ",");
    sb_field(b, r->name);
    snprintf(t, sizeof t, ",%llu,%d", (unsigned long long)r->seed, m->epoch);
    sb_puts(b, t);
    const char *mn[64];
    size_t nm = xb_scn__metric_names(mn, 64);
    for (size_t k = 0; k < nm; k++) {
        if (!metric_used(k, L)) {
            continue;
        }
        sb_puts(b, ",");
        int layer_col = k >= 4 && k < 4 + 3 * XB_RESULTS_MAX_LAYERS;
        int layer = layer_col ? (int)((k - 4) % XB_RESULTS_MAX_LAYERS) : 0;
        double v = xb_scn__metric_value(m, k);
        if (layer_col && layer >= run_layers) {
            continue; /* this network has no such layer: empty cell */
        }
        if (!strcmp(mn[k], "seconds") && !with_seconds) {
            continue;
        }
        if (layer_col && isnan(v)) {
            continue; /* not defined for this layer and rule (e.g. layer 1): empty */
        }
        if ((regression && strstr(mn[k], "_acc")) || (!regression && strstr(mn[k], "_nse"))) {
            continue;
        }
        sb_double(b, v);
    }
    size_t nc;
    const xb_scn_column *sc = xb_scenario_schema(&nc);
    for (size_t j = 0; j < nc; j++) {
        if (is_setting(&sc[j])) {
            sb_puts(b, ",");
            sb_field(b, r->text[j]);
        }
    }
    for (size_t k = 0; k < r->n_params; k++) {
        sb_puts(b, ",");
        sb_field(b, r->text[nc + k]);
    }
    sb_puts(b, "\n");
}

/* ----------------------------------------------------------- part files */

static void part_path(char *out, size_t n, const char *dir, const xb_run *r)
{
    snprintf(out, n, "%s/parts/%s.csv", dir, r->id);
}

/* Splits text into lines (results never hold raw newlines in a cell: text
 * settings with control characters are rejected by the parser). */
static size_t split_lines(char *text, char **lines, size_t max)
{
    size_t n = 0;
    char *p = text;
    while (*p && n < max) {
        char *e = strchr(p, '\n');
        if (!e) {
            break; /* a torn last line is not a row */
        }
        *e = '\0';
        lines[n++] = p;
        p = e + 1;
    }
    return n;
}

/* The durable rows of a run's part file, verified: header as expected, and
 * epochs 0, 1, ... in order. Returns how many, and the text of each in rows
 * (pointers into *text_out, which the caller frees). */
static int read_part(const xb_scenario_file *f, const xb_run *r, const char *dir, char **text_out,
                     char **rows, size_t max_rows, size_t *n_out)
{
    char path[4096];
    part_path(path, sizeof path, dir, r);
    *n_out = 0;
    *text_out = NULL;
    if (!xb_file_exists(path)) {
        return XB_OK;
    }
    char *text;
    XB_TRY(xb_file_read(path, &text, NULL));
    sbuf hb = {0};
    header(&hb, file_layers(f), r);
    if (hb.oom) {
        free(text);
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    char *lines[XB_SCN_MAX_ROWS + 1];
    size_t nl = split_lines(text, lines, sizeof lines / sizeof lines[0]);
    if (nl == 0 || strncmp(hb.s, lines[0], hb.n - 1) || strlen(lines[0]) != hb.n - 1) {
        free(hb.s);
        free(text);
        return xb__error_set(XB_EIO,
                             "%s: the part file's columns differ from this version's; remove "
                             "the results folder or run without --resume",
                             path);
    }
    free(hb.s);
    size_t n = 0;
    for (size_t i = 1; i < nl && n < max_rows; i++) {
        rows[n++] = lines[i];
    }
    *text_out = text;
    *n_out = n;
    return XB_OK;
}

int xb_results_epochs_done(const xb_scenario_file *f, size_t i, const char *out_dir)
{
    const xb_run *r = xb_scenario_file_run(f, i);
    if (!r) {
        return 0;
    }
    char *text;
    char *rows[XB_SCN_MAX_ROWS];
    size_t n;
    if (read_part(f, r, out_dir, &text, rows, XB_SCN_MAX_ROWS, &n) < 0) {
        return 0;
    }
    free(text);
    return (int)n;
}

/* --------------------------------------------------------- one run's file */

struct xb_scn_part {
    const xb_scenario_file *f;
    const xb_run *r;
    char path[4096];
    int L;
    sbuf buf;           /* the whole part file as it is on disk */
    char *old_text;     /* durable rows found on resume */
    char *old_rows[XB_SCN_MAX_ROWS];
    size_t n_old;
};


int xb_scn__part_open(xb_scn_part **out, const xb_scenario_file *f, size_t i, const char *dir,
                      int resume)
{
    xb_scn_part *p = calloc(1, sizeof *p);
    if (!p) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    p->f = f;
    p->r = xb_scenario_file_run(f, i);
    p->L = file_layers(f);
    part_path(p->path, sizeof p->path, dir, p->r);
    if (resume) {
        int rc = read_part(f, p->r, dir, &p->old_text, p->old_rows, XB_SCN_MAX_ROWS, &p->n_old);
        if (rc < 0) {
            free(p);
            return rc;
        }
    }
    header(&p->buf, p->L, p->r);
    for (size_t k = 0; k < p->n_old; k++) {
        sb_puts(&p->buf, p->old_rows[k]);
        sb_puts(&p->buf, "\n");
    }
    if (p->buf.oom) {
        xb_scn__part_free(p);
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    *out = p;
    return XB_OK;
}

size_t xb_scn__part_done(const xb_scn_part *p)
{
    return p->n_old;
}

/* Strips the seconds cell from a formatted row, for comparison. */
static void without_seconds(const char *row, int L, char *out, size_t n)
{
    /* the seconds column's index among the fields */
    const char *mn[64];
    size_t nm = xb_scn__metric_names(mn, 64);
    size_t idx = 4;
    for (size_t k = 0; k < nm; k++) {
        if (!metric_used(k, L)) {
            continue;
        }
        if (!strcmp(mn[k], "seconds")) {
            break;
        }
        idx++;
    }
    size_t field = 0, o = 0;
    int inq = 0;
    for (const char *c = row; *c && o + 1 < n; c++) {
        if (*c == '"') {
            inq = !inq;
        }
        if (*c == ',' && !inq) {
            field++;
            out[o++] = ',';
            continue;
        }
        if (field != idx) {
            out[o++] = *c;
        }
    }
    out[o] = '\0';
}

/* Appends epoch m->epoch, or on resume checks a recomputed durable epoch
 * against what is on disk (a mismatch means the result is not a function of
 * the settings and seed any more: code or library changed). */
int xb_scn__part_epoch(xb_scn_part *p, const xb_metrics *m)
{
    sbuf row = {0};
    if ((size_t)m->epoch < p->n_old) {
        format_row(&row, p->r, m, p->L, 0);
        if (row.oom) {
            return xb__error_set(XB_ENOMEM, "out of memory");
        }
        size_t n = row.n + 1;
        char *a = malloc(n), *b = malloc(strlen(p->old_rows[m->epoch]) + 1);
        if (!a || !b) {
            free(a);
            free(b);
            free(row.s);
            return xb__error_set(XB_ENOMEM, "out of memory");
        }
        row.s[row.n - 1] = '\0'; /* drop the newline */
        snprintf(a, n, "%s", row.s);
        without_seconds(p->old_rows[m->epoch], p->L, b, strlen(p->old_rows[m->epoch]) + 1);
        int same = !strcmp(a, b);
        free(a);
        free(b);
        free(row.s);
        if (!same) {
            return xb__error_set(XB_EIO,
                                 "%s: epoch %d of run '%s' seed %llu recomputed on resume differs "
                                 "from the durable row (code or libraries changed?)",
                                 p->path, m->epoch, p->r->name, (unsigned long long)p->r->seed);
        }
        return XB_OK;
    }
    format_row(&p->buf, p->r, m, p->L, 1);
    if (p->buf.oom) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    return xb_file_write_atomic(p->path, p->buf.s, p->buf.n);
}

void xb_scn__part_free(xb_scn_part *p)
{
    if (!p) {
        return;
    }
    free(p->buf.s);
    free(p->old_text);
    free(p);
}

/* ------------------------------------------------------------- assembly */

int xb_results_assemble(const xb_scenario_file *f, const char *out_dir)
{
    XB_ASSERT_ARG(f != NULL && out_dir != NULL);
    sbuf b = {0};
    header(&b, file_layers(f), xb_scenario_file_run(f, 0));
    char **rows = malloc(XB_SCN_MAX_ROWS * sizeof *rows);
    if (!rows) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    int rc = XB_OK;
    for (size_t i = 0; i < xb_scenario_file_n_runs(f) && rc == XB_OK; i++) {
        char *text;
        size_t n;
        rc = read_part(f, xb_scenario_file_run(f, i), out_dir, &text, rows, XB_SCN_MAX_ROWS, &n);
        if (rc < 0) {
            break;
        }
        for (size_t k = 0; k < n; k++) {
            sb_puts(&b, rows[k]);
            sb_puts(&b, "\n");
        }
        free(text);
    }
    free(rows);
    if (rc == XB_OK && b.oom) {
        rc = xb__error_set(XB_ENOMEM, "out of memory");
    }
    if (rc == XB_OK) {
        char path[4096];
        snprintf(path, sizeof path, "%s/results.csv", out_dir);
        rc = xb_file_write_atomic(path, b.s, b.n);
    }
    free(b.s);
    return rc;
}

/* ------------------------------------------------------------- manifest */

static void json_str(sbuf *b, const char *s)
{
    sb_puts(b, "\"");
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        char t[8];
        if (*c == '"' || *c == '\\') {
            snprintf(t, sizeof t, "\\%c", *c);
        } else if (*c < 0x20) {
            snprintf(t, sizeof t, "\\u%04x", *c);
        } else {
            t[0] = (char)*c;
            t[1] = '\0';
        }
        sb_puts(b, t);
    }
    sb_puts(b, "\"");
}

/* The commit the binary was built from (XB_GIT_COMMIT at build time), else
 * the commit of the working directory's repository at run time. */
static const char *git_commit(char *out, size_t n)
{
#ifdef XB_GIT_COMMIT
    snprintf(out, n, "%s", XB_GIT_COMMIT);
    if (out[0]) {
        return "build";
    }
#endif
    out[0] = '\0';
    FILE *p = popen("git rev-parse HEAD 2>/dev/null", "r");
    if (!p) {
        return "";
    }
    if (!fgets(out, (int)n, p)) {
        out[0] = '\0';
    }
    pclose(p);
    out[strcspn(out, "\r\n")] = '\0';
    return out[0] ? "working directory" : "";
}

int xb_results_manifest(const xb_scenario_file *f, const char *out_dir, const char *scenario_path)
{
    XB_ASSERT_ARG(f != NULL && out_dir != NULL && scenario_path != NULL);
    sbuf b = {0};
    char t[256], commit[128];
    const char *src = git_commit(commit, sizeof commit);
    sb_puts(&b, "{\n  \"xbarsim_version\": ");
    json_str(&b, XB_VERSION);
    sb_puts(&b, ",\n  \"git_commit\": ");
    json_str(&b, commit);
    sb_puts(&b, ",\n  \"git_commit_source\": ");
    json_str(&b, src);
    sb_puts(&b, ",\n  \"scenario_file\": ");
    json_str(&b, scenario_path);
    sb_puts(&b, ",\n  \"scenario_hash_fnv1a64\": ");
    json_str(&b, xb_scenario_file_hash(f));
    char *maps = xb_scn__cellmap_manifest_json(f); /* per-cell map files' content hashes */
    if (maps != NULL) {
        sb_puts(&b, ",\n  \"cellmap_hash_fnv1a64\": ");
        sb_puts(&b, maps);
        free(maps);
    }
    sb_puts(&b, ",\n  \"libraries\": {");
    snprintf(t, sizeof t, "%d.%d.%d", CSV_MAJOR, CSV_MINOR, CSV_RELEASE);
    sb_puts(&b, "\"libcsv\": ");
    json_str(&b, t);
    sb_puts(&b, ", \"zlib\": ");
    json_str(&b, zlibVersion());
    sb_puts(&b, ", \"openblas\": ");
    snprintf(t, sizeof t, "%s", openblas_get_config());
    json_str(&b, t);
    char mpiv[MPI_MAX_LIBRARY_VERSION_STRING];
    int mlen = 0;
    if (MPI_Get_library_version(mpiv, &mlen) == MPI_SUCCESS) {
        mpiv[strcspn(mpiv, ",\r\n")] = '\0'; /* the first clause names the version */
        sb_puts(&b, ", \"mpi\": ");
        json_str(&b, mpiv);
    }
#ifdef __VERSION__
    sb_puts(&b, ", \"compiler\": ");
    json_str(&b, __VERSION__);
#endif
    sb_puts(&b, "},\n  \"runs\": [");
    size_t nc;
    const xb_scn_column *sc = xb_scenario_schema(&nc);
    for (size_t i = 0; i < xb_scenario_file_n_runs(f); i++) {
        const xb_run *r = xb_scenario_file_run(f, i);
        sb_puts(&b, i ? ",\n    {" : "\n    {");
        sb_puts(&b, "\"id\": ");
        json_str(&b, r->id);
        sb_puts(&b, ", \"run\": ");
        json_str(&b, r->name);
        snprintf(t, sizeof t, ", \"seed\": %llu, \"line\": %d, \"settings\": {",
                 (unsigned long long)r->seed, r->line);
        sb_puts(&b, t);
        int first = 1;
        for (size_t j = 0; j < nc; j++) {
            if (!strcmp(sc[j].name, "seeds")) {
                continue;
            }
            sb_puts(&b, first ? "" : ", ");
            first = 0;
            json_str(&b, sc[j].name);
            sb_puts(&b, ": ");
            json_str(&b, r->text[j]);
        }
        for (size_t k = 0; k < r->n_params; k++) {
            sb_puts(&b, ", ");
            json_str(&b, r->param_names[k]);
            sb_puts(&b, ": ");
            json_str(&b, r->text[nc + k]);
        }
        sb_puts(&b, "}}");
    }
    sb_puts(&b, "\n  ]\n}\n");
    int rc;
    if (b.oom) {
        rc = xb__error_set(XB_ENOMEM, "out of memory");
    } else {
        char path[4096];
        snprintf(path, sizeof path, "%s/manifest.json", out_dir);
        rc = xb_file_write_atomic(path, b.s, b.n);
    }
    free(b.s);
    return rc;
}
