/* circuits: libngspice driver. Every ngspice call in the project goes through
 * this file.
 *
 * Facts this relies on (deps.md §1): ngSpice_Circ and ngSpice_Command return
 * 0 even when parsing or the analysis failed, so errors are recognised from
 * the "stderr " lines ngspice sends through SendChar; a numparam error calls
 * ControlledExit and leaves the library unusable, so the library is loaded
 * with dlopen and reloaded after that; `quit` is never sent; ngGet_Vec_Info
 * returns one static struct, so each vector is copied out before the next
 * call; `destroy all` + `remcirc` after every run keep memory flat. One
 * ngspice instance is process-wide and not thread-safe: a mutex serialises
 * runs (parallelise across processes instead). */
#include "circuits/circuits_internal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <ngspice/sharedspice.h>

#define NGSPICE_SONAME "libngspice.so.0"

typedef int (*init_fn)(SendChar *, SendStat *, ControlledExit *, SendData *, SendInitData *,
                       BGThreadRunning *, void *);
typedef int (*circ_fn)(char **);
typedef int (*command_fn)(char *);
typedef pvector_info (*vecinfo_fn)(char *);

static struct {
    pthread_mutex_t mu;
    void *dl;
    init_fn init;
    circ_fn circ;
    command_fn command;
    vecinfo_fn vecinfo;
    int dead; /* ControlledExit was called: reload before the next run */
    int exit_status;
    int have_err;   /* lines of err so far (0: none) */
    char err[768];  /* first error line of this run and up to 3 lines after it */
    char last[768]; /* last stderr line of this run (context if no error line) */
    unsigned loads; /* how many times the library was (re)loaded */
} ng = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int is_error_line(const char *s)
{
    static const char *const keys[] = {"Error",      "error",          "Fatal",
                                       "fatal",      "singular",       "timestep too small",
                                       "not parsed", "cannot recover", "unknown"};
    if (strstr(s, "Warning") != NULL || strstr(s, "warning") != NULL) {
        return 0;
    }
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        if (strstr(s, keys[k]) != NULL) {
            return 1;
        }
    }
    return 0;
}

static void copy_line(char *dst, size_t n, const char *s)
{
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ')) {
        len--;
    }
    if (len >= n) {
        len = n - 1;
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
}

static int on_char(char *s, int id, void *user)
{
    (void)id;
    (void)user;
    if (s == NULL || strncmp(s, "stderr ", 7) != 0) {
        return 0; /* stdout chatter (banner, "Circuit: ...") is dropped */
    }
    const char *msg = s + 7;
    if (msg[0] == '\0') {
        return 0;
    }
    copy_line(ng.last, sizeof ng.last, msg);
    if (!ng.have_err && is_error_line(msg)) {
        copy_line(ng.err, sizeof ng.err, msg);
        ng.have_err = 1;
    } else if (ng.have_err > 0 && ng.have_err < 4) {
        /* ngspice explains an error on the lines that follow it */
        size_t len = strlen(ng.err);
        if (len + 4 < sizeof ng.err) {
            memcpy(ng.err + len, " | ", 4);
            copy_line(ng.err + len + 3, sizeof ng.err - len - 3, msg);
        }
        ng.have_err++;
    }
    return 0;
}

static int on_exit_cb(int status, NG_BOOL immediate, NG_BOOL quit, int id, void *user)
{
    (void)immediate;
    (void)quit;
    (void)id;
    (void)user;
    ng.dead = 1;
    ng.exit_status = status;
    return 0;
}

static int load_library(void)
{
    if (ng.dl != NULL && !ng.dead) {
        return XB_OK;
    }
    if (ng.dl != NULL) {
        /* "cannot recover and awaits to be detached": detach and start over */
        dlclose(ng.dl);
        ng.dl = NULL;
    }
    ng.dead = 0;
    void *dl = dlopen(NGSPICE_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL) {
        const char *e = dlerror();
        return xb__error_set(XB_EEXTERNAL, "cannot load %s (install libngspice0): %s",
                             NGSPICE_SONAME, e ? e : "unknown dlopen error");
    }
    /* POSIX: dlsym's object pointer converts to a function pointer */
    init_fn init;
    circ_fn circ;
    command_fn command;
    vecinfo_fn vecinfo;
    *(void **)&init = dlsym(dl, "ngSpice_Init");
    *(void **)&circ = dlsym(dl, "ngSpice_Circ");
    *(void **)&command = dlsym(dl, "ngSpice_Command");
    *(void **)&vecinfo = dlsym(dl, "ngGet_Vec_Info");
    if (!init || !circ || !command || !vecinfo) {
        dlclose(dl);
        return xb__error_set(XB_EEXTERNAL, "%s lacks the shared-library API (ngSpice_Init)",
                             NGSPICE_SONAME);
    }
    ng.dl = dl;
    ng.init = init;
    ng.circ = circ;
    ng.command = command;
    ng.vecinfo = vecinfo;
    ng.init(on_char, NULL, on_exit_cb, NULL, NULL, NULL, NULL);
    ng.loads++;
    if (ng.dead) {
        return xb__error_set(XB_EEXTERNAL, "ngspice exited during initialisation: %s", ng.last);
    }
    return XB_OK;
}

static void command(const char *cmd)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", cmd);
    ng.command(buf); /* returns 0 whatever happened: see the file comment */
}

static int run_error(const char *stage)
{
    if (ng.dead) {
        return xb__error_set(XB_EEXTERNAL,
                             "ngspice %s: library exited (status %d), will reload: "
                             "%s",
                             stage, ng.exit_status, ng.have_err ? ng.err : ng.last);
    }
    return xb__error_set(XB_EEXTERNAL, "ngspice %s: %s", stage, ng.err);
}

int xb_spice_run(const char *netlist, const char *const *names, size_t n, double **out,
                 size_t *len_out)
{
    XB_ASSERT_ARG(netlist != NULL);
    XB_ASSERT_ARG(n == 0 || (names != NULL && out != NULL && len_out != NULL));
    for (size_t k = 0; k < n; k++) {
        out[k] = NULL;
        len_out[k] = 0;
    }
    size_t nl = strlen(netlist);
    char *text = malloc(nl + 1);
    size_t nlines = 2;
    for (size_t k = 0; k < nl; k++) {
        nlines += netlist[k] == '\n';
    }
    char **lines = malloc(nlines * sizeof *lines);
    if (text == NULL || lines == NULL) {
        free(text);
        free(lines);
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    memcpy(text, netlist, nl + 1);
    size_t li = 0;
    for (char *p = text; *p != '\0' && li + 1 < nlines;) {
        lines[li++] = p;
        char *e = strchr(p, '\n');
        if (e == NULL) {
            break;
        }
        *e = '\0';
        p = e + 1;
    }
    lines[li] = NULL;

    pthread_mutex_lock(&ng.mu);
    int rc = load_library();
    if (rc == XB_OK) {
        ng.have_err = 0;
        ng.err[0] = ng.last[0] = '\0';
        ng.circ(lines);
        if (ng.dead || ng.have_err) {
            rc = run_error("netlist");
        }
    }
    if (rc == XB_OK) {
        command("run");
        if (ng.dead || ng.have_err) {
            rc = run_error("run");
        }
    }
    for (size_t k = 0; rc == XB_OK && k < n; k++) {
        char name[128];
        snprintf(name, sizeof name, "%s", names[k]);
        pvector_info vi = ng.vecinfo(name);
        if (vi == NULL || vi->v_realdata == NULL || vi->v_length <= 0) {
            rc = xb__error_set(XB_EEXTERNAL, "ngspice run produced no real vector '%s'%s%s",
                               names[k], ng.last[0] ? ": " : "", ng.last);
            break;
        }
        /* the struct is static inside ngspice: copy before the next call */
        size_t len = (size_t)vi->v_length;
        out[k] = malloc(len * sizeof *out[k]);
        if (out[k] == NULL) {
            rc = xb__error_set(XB_ENOMEM, "out of memory");
            break;
        }
        memcpy(out[k], vi->v_realdata, len * sizeof *out[k]);
        len_out[k] = len;
    }
    if (ng.dl != NULL && !ng.dead) {
        command("destroy all");
        command("remcirc");
    }
    pthread_mutex_unlock(&ng.mu);
    free(lines);
    free(text);
    if (rc != XB_OK) {
        for (size_t k = 0; k < n; k++) {
            free(out[k]);
            out[k] = NULL;
            len_out[k] = 0;
        }
    }
    return rc;
}

unsigned xb_spice__loads(void)
{
    pthread_mutex_lock(&ng.mu);
    unsigned n = ng.loads;
    pthread_mutex_unlock(&ng.mu);
    return n;
}

/* ------------------------------------------------ the "spice" read backend */

#define SPICE_MAGIC 0x73706963u

typedef struct {
    unsigned magic;
    xb_circuit_config cfg;
    double *g;
    int ready;
    char **names[2]; /* sense source branch names, forward and transposed */
    double **vals;
    size_t *lens;
} spice_ws;

static void spice_free(void *ws)
{
    spice_ws *w = ws;
    if (w == NULL) {
        return;
    }
    for (int t = 0; t < 2; t++) {
        int n = t ? w->cfg.rows : w->cfg.cols;
        for (int k = 0; w->names[t] != NULL && k < n; k++) {
            free(w->names[t][k]);
        }
        free(w->names[t]);
    }
    free(w->vals);
    free(w->lens);
    free(w->g);
    free(w);
}

static int spice_create(void **ws_out, const xb_circuit_config *c)
{
    XB_ASSERT_ARG(ws_out != NULL);
    *ws_out = NULL;
    XB_TRY(xb_circuits__validate_config(c));
    spice_ws *w = calloc(1, sizeof *w);
    if (w == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    w->magic = SPICE_MAGIC;
    w->cfg = *c;
    int nmax = c->rows > c->cols ? c->rows : c->cols;
    int ok = (w->g = malloc((size_t)c->rows * (size_t)c->cols * sizeof *w->g)) != NULL;
    ok = ok && (w->vals = calloc((size_t)nmax, sizeof *w->vals)) != NULL;
    ok = ok && (w->lens = calloc((size_t)nmax, sizeof *w->lens)) != NULL;
    for (int t = 0; t < 2 && ok; t++) {
        int n = t ? c->rows : c->cols;
        ok = (w->names[t] = calloc((size_t)n, sizeof *w->names[t])) != NULL;
        for (int k = 0; ok && k < n; k++) {
            char buf[32];
            snprintf(buf, sizeof buf, "%s%d#branch", t ? "vur" : "vuc", k);
            ok = (w->names[t][k] = malloc(strlen(buf) + 1)) != NULL;
            if (ok) {
                memcpy(w->names[t][k], buf, strlen(buf) + 1);
            }
        }
    }
    if (!ok) {
        spice_free(w);
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    *ws_out = w;
    return XB_OK;
}

static int spice_setup(void *ws, const double *g)
{
    spice_ws *w = ws;
    XB_ASSERT_ARG(w != NULL && w->magic == SPICE_MAGIC);
    XB_TRY(xb_circuits__validate_g(g, w->cfg.rows, w->cfg.cols));
    memcpy(w->g, g, (size_t)w->cfg.rows * (size_t)w->cfg.cols * sizeof *w->g);
    w->ready = 1;
    return XB_OK;
}

/* One ngspice `op` per input vector: this backend is the reference, not fast. */
static int spice_solve(void *ws, int transpose, const double *v, size_t nvec, double *i_out)
{
    spice_ws *w = ws;
    XB_ASSERT_ARG(w != NULL && w->magic == SPICE_MAGIC);
    XB_ASSERT_ARG(v != NULL);
    XB_ASSERT_ARG(i_out != NULL);
    if (!w->ready) {
        return xb__error_set(XB_EINVAL, "spice solver: solve called before setup");
    }
    int t = transpose ? 1 : 0;
    size_t nin = (size_t)(t ? w->cfg.cols : w->cfg.rows);
    size_t nout = (size_t)(t ? w->cfg.rows : w->cfg.cols);
    for (size_t j = 0; j < nvec; j++) {
        char *net = NULL;
        XB_TRY(xb_spice_netlist_read(&net, &w->cfg, w->g, t, v + j * nin));
        int rc = xb_spice_run(net, (const char *const *)w->names[t], nout, w->vals, w->lens);
        free(net);
        XB_TRY(rc);
        for (size_t k = 0; k < nout; k++) {
            i_out[j * nout + k] = w->vals[k][0];
            free(w->vals[k]);
            w->vals[k] = NULL;
        }
    }
    return XB_OK;
}

static const xb_solver_type spice_type = {
    .name = "spice",
    .create = spice_create,
    .setup = spice_setup,
    .solve = spice_solve,
    .free = spice_free,
};

const xb_solver_type *const xb_solver_spice = &spice_type;
