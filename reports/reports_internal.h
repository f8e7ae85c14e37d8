/* reports: helpers shared by the files of this module. */
#ifndef XB_REPORTS_INTERNAL_H
#define XB_REPORTS_INTERNAL_H

#include "reports/reports.h"

int xb__parse_double(const char *s, double *out); /* 0 ok, -1 not a whole number */
int xb__parse_long(const char *s, long *out);
int xb__results_line(const xb_results *r, size_t row);
int xb__results_col(const xb_results *r, size_t row, size_t col);
const char *xb__results_path(const xb_results *r);

/* The trajectories of a results file: rows[start[k] .. start[k+1]) are the
 * rows of trajectory k (one scenario, run, seed) in epoch order; trajectories
 * are in order of first appearance in the file. */
typedef struct {
    size_t *rows;
    size_t *start;
    size_t ntraj;
} xb__traj;

int xb__traj_build(xb__traj *out, const xb_results *r);
void xb__traj_free(xb__traj *t);

/* Resolves a comma-separated list of column names; *idx_out is malloc'd. */
int xb__columns_resolve(const xb_results *r, const char *list, long **idx_out, size_t *n_out);
/* Joins the values of columns idx[0..n) of row with ", " into buf. */
void xb__key_join(const xb_results *r, size_t row, const long *idx, size_t n, char *buf,
                  size_t len);
/* Value of metric column vcol of trajectory k at the chosen epoch; NaN when
 * not measured. Error if epoch=N is missing. */
int xb__traj_value(const xb_results *r, const xb__traj *t, size_t k, long vcol, xb_at_kind at,
                   long epoch, double *out);
/* Numeric value of a cell, NaN if empty or not a number. */
double xb__cell_number(const xb_results *r, size_t row, long col);
/* Larger is better for accuracies; smaller for everything else. */
int xb__metric_higher_better(const char *name);

/* Rows of a table when none are asked for: "run" (one per expanded scenario
 * row, so sweep points stay apart) if the file has it, else "scenario". */
const char *xb__default_rows(const xb_results *r);

#endif
