/* scenarios: helpers shared by the module's files. */
#ifndef XB_SCENARIOS_INTERNAL_H
#define XB_SCENARIOS_INTERNAL_H

#include "devices/devices.h"
#include "scenarios/scenarios.h"
#include "xbar/xbar.h"

/* Case-insensitive optimal string alignment distance. */
size_t xb_scn__edit_distance(const char *a, const char *b);
/* Nearest of names[] to name, or NULL if none is a plausible typo. */
const char *xb_scn__suggest(const char *name, const char *const *names, size_t count);
/* FNV-1a 64 over len bytes, continuing from h (start with XB_SCN_FNV_INIT). */
#define XB_SCN_FNV_INIT 0xcbf29ce484222325ULL
uint64_t xb_scn__fnv(uint64_t h, const void *data, size_t len);

/* Metric column names of the results files, in order, for up to
 * XB_RESULTS_MAX_LAYERS layers: fills names (static strings), returns count. */
size_t xb_scn__metric_names(const char **names, size_t max);
/* Value of metric k (index into the xb_scn__metric_names order). */
double xb_scn__metric_value(const xb_metrics *m, size_t k);

/* A device column's value: a model (wins over a preset of the same name),
 * a preset, or "preset:name" / "model:name". 0 if found, -1 if not. */
int xb_scn__device_lookup(const char *name, const xb_device_type **model_out,
                          const xb_device_preset **preset_out);

/* Adds a structural error of a row ("file:line:col: msg"), keeping order. */
void xb_scn__add_error(xb_scenario_file *f, int line, int col, const char *msg);
size_t xb_scn__n_errors_total(const xb_scenario_file *f);
const char *xb_scn__path(const xb_scenario_file *f);
/* A path-valued cell (device file, pulse_data, dataset_path, cellmap): s
 * joined to the scenario file's folder unless absolute, into canon, which must
 * exist; what ("file" or "folder") names it in the message. 0, or -1 with
 * what is allowed in why. */
int xb_scn__path_resolve(const char *scenario_path, const char *s, const char *what, char *canon,
                         size_t cn, char *why, size_t wn);

/* Rows a part file may hold: epochs 0..max. */
#define XB_SCN_MAX_ROWS 10002

/* One run's part file (results.c). open reads the durable rows when resuming;
 * epoch appends a row and makes the file durable, or for an epoch already on
 * disk checks that the recomputed row is identical (seconds aside). */
typedef struct xb_scn_part xb_scn_part;
int xb_scn__part_open(xb_scn_part **out, const xb_scenario_file *f, size_t i, const char *dir,
                      int resume);
int xb_scn__part_epoch(xb_scn_part *p, const xb_metrics *m);
size_t xb_scn__part_done(const xb_scn_part *p);
void xb_scn__part_free(xb_scn_part *p);

/* Per-cell maps (cellmap.c, docs/scenarios.md "Per-cell maps"). For parse.c:
 * a value of column `cellmap` / `bwd_cellmap` becomes the path resolved
 * against the scenario file's folder (canon), which must exist; returns 1
 * (nothing done) for any other column, 0, or -1 with what is allowed in why. */
int xb_scn__cellmap_value(const char *scenario_path, const char *column, const char *s,
                          char *canon, size_t cn, char *why, size_t wn);
/* For train.c: appends the map file at path ("" or "none": nothing) to
 * x->cellmap, each value checked on x's nominal device by its model; errors
 * name the map's file:line:column and the value. The values stay valid while
 * the process holds fewer than 16 other maps. */
int xb_scn__cellmap_config(const char *path, const char *column, xb_xbar_config *x);
/* The "Per-cell maps" section of docs/scenarios.md (schema.c). */
int xb_scn__cellmap_markdown(FILE *fp);
/* For the manifest: {"path": "fnv1a64 of its bytes", ...} of every map file
 * f's runs use (heap string), or NULL if none. */
char *xb_scn__cellmap_manifest_json(const xb_scenario_file *f);
/* For parse.c: a run id covers the content of its map files, so --resume
 * never reuses results computed with an edited map: for a cellmap column
 * naming a file, h continued with the FNV-1a 64 of its bytes; else h. */
uint64_t xb_scn__cellmap_id(uint64_t h, const char *column, const char *value);

/* Per-run checkpoints (checkpoint.c): <out_dir>/parts/<id>.ckpt holds the
 * trainer's items (raw bytes, sizes checked on read) and the network after
 * a durable epoch, under a header with the run's settings hash. */
typedef struct {
    void *p;
    size_t bytes;
} xb_scn_ckpt_item;
typedef struct xb_net xb_net;
void xb_scn__ckpt_path(char *out, size_t n, const char *out_dir, const xb_run *r);
/* FNV-1a 64 of the run id, every column's text and the seed. */
uint64_t xb_scn__run_hash(const xb_run *r);
int xb_scn__ckpt_write(const char *path, const xb_run *r, int epoch, const xb_net *net,
                       const xb_scn_ckpt_item *items, size_t n_items);
/* Restores net and the items; on any error (XB_EIO naming the file and what
 * differs) they may be partly overwritten: the caller starts afresh. */
int xb_scn__ckpt_read(const char *path, const xb_run *r, int *epoch_out, xb_net *net,
                      const xb_scn_ckpt_item *items, size_t n_items);
int xb_scn__ckpt_remove(const char *path);
/* The "Results, crashes and resume" section of docs/scenarios.md. */
int xb_scn__resume_markdown(FILE *fp);
/* The learning trainer's checkpoints (train.c): save the state after
 * `epoch` to path; restore into a freshly created trainer and give its
 * epoch, or fail leaving the trainer unusable. */
int xb_scn__learning_save(void *ws, const char *path, int epoch);
int xb_scn__learning_restore(void *ws, const char *path, int *epoch_out);

#endif
