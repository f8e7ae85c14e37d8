/* learning: datasets, networks, learning rules and learning channels.
 *
 * Networks are trained with a step API (forward, backward, update; GSL's
 * INITIALIZE/ITERATE/TEST): scenarios/ owns the loop and the stopping rule.
 * Every forward matrix and every backward ("learning channel") matrix lives
 * on its own xb_xbar, or in plain memory for the software reference. */
#ifndef XB_LEARNING_H
#define XB_LEARNING_H

#include "xbar/xbar.h"

/* ------------------------------------------------------------- datasets */

/* A dataset in memory. Transparent: networks read x, label and target. */
typedef struct {
    char name[64];
    size_t n;           /* samples */
    size_t dim;         /* features per sample */
    size_t n_out;       /* classes (classification) or outputs (regression) */
    int classification; /* 1: label[] is set; 0: target[] is set */
    double *x;          /* n * dim, row-major; images scaled to [0, 1] */
    int *label;         /* n class indices in [0, n_out), or NULL */
    double *target;     /* n * n_out regression targets, or NULL */
} xb_dataset;

void xb_dataset_free(xb_dataset *d);

/* ---------------------------------------------------- networks and rules */

#endif /* XB_LEARNING_H */
