/* Measured per-cell maps laid over the physical arrays: the value of every
 * device is taken from the map by its physical (row, column) in its tile,
 * the map repeating over larger arrays (xbar.h, xb_xbar_cellmap). */
#include "xbar/xbar_internal.h"

#include <stdlib.h>

static int check_map(const xb_xbar_cellmap *m, int i)
{
    if (m->param == NULL || m->values == NULL) {
        return xb__error_set(XB_EINVAL, "cell map %d: parameter name and values are required", i);
    }
    if (m->rows < 1 || m->cols < 1) {
        return xb__error_set(XB_EINVAL, "cell map %d ('%s'): rows (%d) and cols (%d) must be >= 1",
                             i, m->param, m->rows, m->cols);
    }
    return XB_OK;
}

/* Value of the cell under physical (r, c). */
static double cell(const xb_xbar_cellmap *m, int r, int c)
{
    return m->values[(size_t)(r % m->rows) * (size_t)m->cols + (size_t)(c % m->cols)];
}

int xb_xbar__apply_cellmaps(xb_xbar *x)
{
    int nm = x->cfg.n_cellmaps;
    if (nm == 0) {
        return XB_OK;
    }
    if (nm < 0 || nm > XB_XBAR_MAX_CELLMAPS) {
        return xb__error_set(XB_EINVAL, "n_cellmaps (%d) must be in 0..%d", nm,
                             XB_XBAR_MAX_CELLMAPS);
    }
    for (int i = 0; i < nm; i++) {
        XB_TRY(check_map(&x->cfg.cellmap[i], i));
    }
    double *v = malloc(x->ndev * sizeof *v);
    if (v == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory for %zu devices", x->ndev);
    }
    int pair = x->cfg.mapping == XB_MAP_DIFF_PAIR, rc = XB_OK;
    for (int i = 0; i < nm && rc == XB_OK; i++) {
        const xb_xbar_cellmap *m = &x->cfg.cellmap[i];
        for (int ti = 0; ti < x->ntiles; ti++) {
            const xb__tile *t = &x->tiles[ti];
            for (int c = 0; c < t->pcols; c++) {
                for (int r = 0; r < t->nr; r++) {
                    size_t k = pair ? xb__dev_pair(t, c / 2, r, c % 2) : xb__dev_one(t, c, r);
                    v[k] = cell(m, r, c);
                }
            }
        }
        rc = xb_devices_set_param_values(x->dev, m->param, v);
        if (rc < 0) {
            rc = xb__error_prefix(rc, "cell map %d ('%s', %d x %d): ", i, m->param, m->rows,
                                  m->cols);
        }
    }
    free(v);
    return rc;
}
