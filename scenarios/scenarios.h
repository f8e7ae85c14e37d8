/* scenarios: the scenario CSV schema, parsing and validation with exact
 * file:line:column errors, sweep expansion into runs, the runner (worker
 * processes, MPI ranks), durable results files, resume and the manifest.
 *
 * A scenario file has a header row naming columns of the schema (the one
 * table returned by xb_scenario_schema; docs/scenarios.md is generated from
 * it) and one row per scenario. A cell may hold a sweep: a list `0;0.05;0.1`,
 * a range `start:step:stop`, or (column `seeds`) integer ranges `1-10`. The
 * cartesian product of a row's sweeps gives named runs; every run is done
 * once per seed. */
#ifndef XB_SCENARIOS_H
#define XB_SCENARIOS_H

#include "core/core.h"

#include <signal.h>

/* ---------------------------------------------------------------- schema */

typedef enum {
    XB_SCN_TEXT = 0,   /* free text */
    XB_SCN_INT = 1,    /* integer in [min, max] */
    XB_SCN_REAL = 2,   /* finite real in [min, max] */
    XB_SCN_CHOICE = 3, /* one of the names in `choices` ("a|b|c") */
    XB_SCN_BOOL = 4,   /* on|off (also true|false, yes|no, 1|0) */
    XB_SCN_SEEDS = 5,  /* master seeds: integers and ranges a-b, ';'-separated */
    XB_SCN_LAYERS = 6  /* hidden layer sizes "256x128", or "0" for none */
} xb_scn_type;

typedef struct {
    const char *name;    /* column header */
    xb_scn_type type;
    const char *unit;    /* "" if dimensionless */
    const char *def;     /* default as text; NULL: the column is required */
    double min, max;     /* INT and REAL: inclusive range */
    const char *choices; /* CHOICE: allowed names separated by '|' */
    const char *group;   /* section of docs/scenarios.md */
    const char *doc;     /* one sentence */
    int sweep;           /* 1 if a cell may hold a list or range */
    const char *inherit; /* "bwd_" columns: empty cell means the value of this column */
} xb_scn_column;

/* The schema: every setting a scenario can make. Never NULL. */
const xb_scn_column *xb_scenario_schema(size_t *n_out);
/* Index of a column by exact name, or -1. */
int xb_scenario_column_find(const char *name);
/* The schema column whose name is closest (edit distance) to `name`, or NULL
 * when none is close enough to be a plausible typo. */
const char *xb_scenario_column_suggest(const char *name);
/* docs/scenarios.md: the schema as Markdown. */
int xb_scenario_schema_markdown(FILE *fp);

/* ----------------------------------------------------- parsed scenarios */

/* One error of a scenario file. `message` is the full line
 * "file:line:column: column 'name': value 'x': what is allowed". */
typedef struct {
    int line, col;    /* 1-based; col counts UTF-8 characters */
    char column[64];  /* schema column concerned, "" for structural errors */
    char message[640];
} xb_scenario_error;

/* Device-parameter columns a file may add: p_<param> sets a parameter of the
 * forward arrays' device model by name (e.g. p_nl_ltp), bwd_p_<param> of the
 * backward arrays'. */
#define XB_SCN_MAX_PARAM_COLUMNS 32

/* One unit of work: an expanded row at one seed. */
typedef struct {
    char scenario[64];  /* the row's `scenario` cell */
    char name[256];     /* scenario plus "/col=value" for each swept column */
    char id[17];        /* 16 hex digits: hash of name and all settings and seed */
    uint64_t seed;
    int line;           /* line of the row in the file */
    const int *cols;    /* per column: where its cell starts on that line, 0 if not in the file */
    const char **text;  /* per schema column: canonical value (inherited ones resolved) */
    const double *num;  /* per schema column: numeric value (NAN for text and choices) */
    /* device-parameter columns of the file, after the schema columns:
     * name param_names[k], value text[n_schema + k] ("" = model/preset value) */
    size_t n_params;
    const char *const *param_names;
} xb_run;

typedef struct xb_scenario_file xb_scenario_file;

/* Parses and validates a whole file held in memory (`path` names it in
 * messages), then expands its sweeps. Returns XB_EIO if the file has errors:
 * *out is still set and holds every error (xb_scenario_file_error); the last
 * error message is the first of them plus a count. */
int xb_scenario_file_parse(xb_scenario_file **out, const char *path, const char *data,
                           size_t len);
/* Reads path, then xb_scenario_file_parse. */
int xb_scenario_file_load(xb_scenario_file **out, const char *path);
/* The same with overrides "column=value" (the CLI's --set) that replace the
 * column in every row, validated like cells (sweeps allowed); their errors
 * read "--set: column 'name': value 'x': ...". An empty value means the
 * default. */
int xb_scenario_file_parse_with(xb_scenario_file **out, const char *path, const char *data,
                                size_t len, const char *const *overrides, size_t n_overrides);
int xb_scenario_file_load_with(xb_scenario_file **out, const char *path,
                               const char *const *overrides, size_t n_overrides);
void xb_scenario_file_free(xb_scenario_file *f);

size_t xb_scenario_file_n_errors(const xb_scenario_file *f);
const xb_scenario_error *xb_scenario_file_error(const xb_scenario_file *f, size_t i);
size_t xb_scenario_file_n_runs(const xb_scenario_file *f);
const xb_run *xb_scenario_file_run(const xb_scenario_file *f, size_t i);
/* 16 hex digits: FNV-1a 64 of the file bytes. */
const char *xb_scenario_file_hash(const xb_scenario_file *f);

/* Checks every run's combination of settings against learning/'s rules
 * (e.g. rule 'rbp' on channel 'bidirectional'), without loading data or
 * programming arrays. Errors are added to f as "file:line:1: run 'name':
 * ..."; returns XB_EIO if any. The CLI calls it before any work. */
int xb_scenario_file_check_runs(xb_scenario_file *f);

/* Typed getters by column name (a schema column or a parameter column of
 * the run's file; "" / NAN for a parameter column the file lacks). */
const char *xb_run_text(const xb_run *r, const char *column);
double xb_run_real(const xb_run *r, const char *column);
long xb_run_int(const xb_run *r, const char *column);
/* Hidden layer sizes of a LAYERS column: fills sizes[0..max), returns count. */
int xb_run_layers(const xb_run *r, const char *column, int *sizes, int max);

/* Rough cost of a run in seconds on one core, for --dry-run. */
double xb_run_estimate_seconds(const xb_run *r);

/* ------------------------------------------------------------- results */

/* Metrics of one epoch of one run: the fixed vocabulary of docs/results.md.
 * Unused entries are NAN. */
#define XB_RESULTS_MAX_LAYERS 8
typedef struct {
    int epoch; /* 0 = before training */
    double train_loss, train_acc, test_loss, test_acc;
    double train_nse, test_nse; /* regression: sum ||h_L - y||^2 / sum ||y||^2 */
    double angle[XB_RESULTS_MAX_LAYERS];       /* angle_l<k>, degrees, k = 1.. */
    double delta_angle[XB_RESULTS_MAX_LAYERS]; /* delta_angle_l<k>, degrees */
    double grad_angle[XB_RESULTS_MAX_LAYERS];  /* grad_angle_l<k>: dW rule vs dW BP, degrees */
    double reads_fwd, reads_bwd;       /* vectors read on forward / backward arrays */
    double pulses_fwd, pulses_bwd;     /* write pulses on forward / backward arrays */
    double energy_read, energy_write;  /* J, all arrays (xbar's NeuroSim energy model) */
    /* circuits/'s cost model (xb_cost_counters) over the counters: arrays
     * with their periphery (drivers, S+H, ADC, shift-and-add) */
    double energy_fwd, energy_bwd;     /* J, forward / backward arrays, reads and pulses */
    double latency_fwd, latency_bwd;   /* s, reads one after another, pulses row-parallel */
    double seconds;                    /* wall time of the run so far */
} xb_metrics;

/* Resets every metric to NAN and counters to 0. */
void xb_metrics_clear(xb_metrics *m, int epoch);

/* ---------------------------------------------------------------- runner */

/* How one run is trained: created for a run, asked for one epoch at a time
 * (epoch 0 only evaluates), then freed. The runner owns the loop, the files
 * and the stopping; a trainer owns the network. */
typedef struct {
    const char *name;
    /* stop (may be NULL) turns non-zero when the user interrupts: an epoch in
     * progress may then give up with XB_EINTERRUPTED (it is redone on resume) */
    int (*create)(void **ws_out, const xb_run *run, volatile const sig_atomic_t *stop);
    int (*epoch)(void *ws, int epoch, xb_metrics *out);
    void (*free)(void *ws);
} xb_trainer_type;

/* The trainer over learning/'s step API (scenarios/train.c). */
extern const xb_trainer_type *const xb_trainer_learning;

typedef struct {
    const char *out_dir;  /* results folder */
    int resume;           /* 1: keep durable epochs, skip complete runs */
    int worker, n_workers; /* without next_run: this process runs i with
                              i % n_workers == worker (a fixed share) */
    const xb_trainer_type *trainer; /* NULL = xb_trainer_learning */
    volatile const sig_atomic_t *stop; /* non-zero (e.g. set by SIGINT): stop at the next epoch */
    /* called after each durable epoch (m != NULL) and when a run is complete
     * (finished = 1; m is NULL for a run found complete on resume) */
    void (*on_epoch)(void *payload, size_t run, const xb_metrics *m, int finished);
    void *payload;
    /* optional dynamic scheduling (the CLI's worker processes share a
     * counter in shared memory, MPI ranks one in an RMA window): the next
     * run index to do, or (size_t)-1 when none is left; when set it replaces
     * the worker / n_workers partition */
    size_t (*next_run)(void *payload);
    /* 1: write no per-run checkpoints (resume then retrains unfinished runs
     * from epoch 0, checking the durable rows) */
    int no_checkpoint;
} xb_runner_config;

#define XB_RUNNER_CONFIG_INIT {"results", 0, 0, 1, NULL, NULL, NULL, NULL, NULL, 0}

/* Runs every run of f that this rank owns, each writing durable part files
 * under out_dir/parts/. Returns XB_EINTERRUPTED if stopped. */
int xb_runner_run(const xb_scenario_file *f, const xb_runner_config *cfg);
/* Assembles out_dir/results.csv from the part files of f's runs (atomically),
 * in run order; incomplete runs contribute their durable epochs. */
int xb_results_assemble(const xb_scenario_file *f, const char *out_dir);
/* Writes out_dir/manifest.json (atomically). */
int xb_results_manifest(const xb_scenario_file *f, const char *out_dir, const char *scenario_path);
/* Removes the part files of f's runs (a fresh start without --resume). */
int xb_results_clear(const xb_scenario_file *f, const char *out_dir);
/* Number of epochs of run i already durable in out_dir (0 if none). */
int xb_results_epochs_done(const xb_scenario_file *f, size_t i, const char *out_dir);

#endif /* XB_SCENARIOS_H */
