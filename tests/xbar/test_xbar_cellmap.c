/* xbar: per-cell maps laid over the physical arrays (docs/xbar.md "Per-cell
 * maps").
 *
 * Reference: the closed form of the pair mapping, w = w_max (G+ - G-) /
 * (Gmax - Gmin) with the nominal range: a full-scale write puts G+ at its
 * own (mapped) Gmax, clamped, and G- at Gmin, so each weight must be
 * w_max (Gmax_cell - Gmin) / (Gmax_nom - Gmin) for the map cell under its G+
 * device, and -w_max (Gmax_cell - Gmin) / (...) under its G- device. */
#include "xb_test.h"

#include <stdlib.h>
#include <string.h>

#include "xbar/xbar.h"

/* ideal device defaults: gmin 100 nS, gmax 5 uS (devices/ideal.c) */
static void nominal(double *gmin, double *gmax)
{
    double p[XB_DEVICE_PARAMS_MAX / sizeof(double)];
    xb_assert_ok(xb_device_params_default(xb_device_ideal, p));
    xb_assert_ok(xb_device_param_get(xb_device_ideal, p, "gmin", gmin));
    xb_assert_ok(xb_device_param_get(xb_device_ideal, p, "gmax", gmax));
}

static xb_xbar *make(int n_in, int n_out, int max_rows, int max_cols, const xb_xbar_cellmap *m)
{
    xb_xbar_config cfg = XB_XBAR_CONFIG_INIT;
    cfg.n_in = n_in;
    cfg.n_out = n_out;
    cfg.max_rows = max_rows;
    cfg.max_cols = max_cols;
    cfg.device.levels = 0;
    if (m != NULL) {
        cfg.cellmap[0] = *m;
        cfg.n_cellmaps = 1;
    }
    xb_xbar *x = NULL;
    xb_assert_ok(xb_xbar_create(&x, &cfg));
    return x;
}

/* weights after programming every weight to sign * w_max */
static void full_scale(xb_xbar *x, int n_in, int n_out, double sign, double *w)
{
    size_t nw = (size_t)n_in * (size_t)n_out;
    double *t = malloc(nw * sizeof *t);
    assert_non_null(t);
    for (size_t i = 0; i < nw; i++) {
        t[i] = sign * 1.0;
    }
    xb_assert_ok(xb_xbar_program(x, t));
    xb_assert_ok(xb_xbar_weights(x, w));
    free(t);
}

static void test_xbar_cellmap__one_cell_one_device(void **state)
{
    (void)state;
    double gmin, gmax;
    nominal(&gmin, &gmax);
    enum { NI = 3, NO = 2 };
    /* one physical array: 3 rows x 4 columns (G+ of output u on column 2u) */
    double vals[NI * 2 * NO];
    for (int i = 0; i < NI * 2 * NO; i++) {
        vals[i] = gmax;
    }
    const double low = gmin + 0.25 * (gmax - gmin);
    vals[1 * 4 + 2] = low; /* row 1 (input 1), column 2: G+ of output 1 */
    xb_xbar_cellmap m = {"gmax", NI, 2 * NO, vals};
    xb_xbar *x = make(NI, NO, 0, 0, &m);
    double w[NI * NO];
    full_scale(x, NI, NO, 1.0, w);
    for (int i = 0; i < NO; i++) {
        for (int j = 0; j < NI; j++) {
            double want = i == 1 && j == 1 ? 0.25 : 1.0;
            xb_assert_close(w[i * NI + j], want, XB_TOL_EXACT, 0.0);
        }
    }
    /* a negative full-scale weight uses the G- device, which the map leaves alone */
    full_scale(x, NI, NO, -1.0, w);
    for (int k = 0; k < NI * NO; k++) {
        xb_assert_close(w[k], -1.0, XB_TOL_EXACT, 0.0);
    }
    xb_xbar_free(x);
}

static void test_xbar_cellmap__tiles_repeat_the_map(void **state)
{
    (void)state;
    double gmin, gmax;
    nominal(&gmin, &gmax);
    /* 4 x 4 weights on 2-row, 4-column tiles (2 outputs each): 4 tiles; the
     * map is 2 x 3, so it also repeats (and wraps) inside each tile */
    enum { NI = 4, NO = 4, R = 2, C = 3 };
    double frac[R * C] = {0.9, 0.8, 0.7, 0.6, 0.5, 0.4};
    double vals[R * C];
    for (int i = 0; i < R * C; i++) {
        vals[i] = gmin + frac[i] * (gmax - gmin);
    }
    xb_xbar_cellmap m = {"gmax", R, C, vals};
    xb_xbar *x = make(NI, NO, 2, 4, &m);
    assert_int_equal(xb_xbar_tile_count(x), 4);
    double wp[NI * NO], wn[NI * NO];
    full_scale(x, NI, NO, 1.0, wp);
    full_scale(x, NI, NO, -1.0, wn);
    for (int t = 0; t < 4; t++) {
        int in0, nin, out0, nout;
        xb_assert_ok(xb_xbar_tile_shape(x, t, &in0, &nin, &out0, &nout, NULL, NULL));
        for (int u = 0; u < nout; u++) {
            for (int r = 0; r < nin; r++) {
                size_t k = (size_t)(out0 + u) * NI + (size_t)(in0 + r);
                xb_assert_close(wp[k], frac[(r % R) * C + (2 * u) % C], XB_TOL_EXACT, 0.0);
                xb_assert_close(wn[k], -frac[(r % R) * C + (2 * u + 1) % C], XB_TOL_EXACT, 0.0);
            }
        }
    }
    xb_xbar_free(x);
}

/* Reference mapping: outputs on columns 0 and 1, the reference column last
 * (column 2). w = 2 w_max (G - G_ref) / (Gmax - Gmin); the reference device
 * aims at mid-range but its mapped Gmax (0.4 of the range) caps it, and a
 * +w_max write aims at G_ref + half the range, capped by each output's cell. */
static void test_xbar_cellmap__reference_column_is_last(void **state)
{
    (void)state;
    double gmin, gmax;
    nominal(&gmin, &gmax);
    const double range = gmax - gmin;
    double vals[3] = {gmax, gmin + 0.75 * range, gmin + 0.4 * range};
    xb_xbar_config cfg = XB_XBAR_CONFIG_INIT;
    cfg.n_in = 2;
    cfg.n_out = 2;
    cfg.mapping = XB_MAP_REF_COLUMN;
    cfg.device.levels = 0;
    /* the ideal model's own 64 levels would snap 0.9 of the range to a level */
    double p[XB_DEVICE_PARAMS_MAX / sizeof(double)];
    xb_assert_ok(xb_device_params_default(xb_device_ideal, p));
    xb_assert_ok(xb_device_param_set(xb_device_ideal, p, "levels", 1e9));
    cfg.device.type = xb_device_ideal;
    cfg.device.params = p;
    cfg.cellmap[0] = (xb_xbar_cellmap){"gmax", 1, 3, vals};
    cfg.n_cellmaps = 1;
    xb_xbar *x = NULL;
    xb_assert_ok(xb_xbar_create(&x, &cfg));
    double w[4];
    full_scale(x, 2, 2, 1.0, w);
    for (int j = 0; j < 2; j++) {
        xb_assert_close(w[0 * 2 + j], 2.0 * (0.9 - 0.4), XB_TOL_SOLVER, 0.0); /* G_ref + 0.5 range */
        xb_assert_close(w[1 * 2 + j], 2.0 * (0.75 - 0.4), XB_TOL_SOLVER, 0.0); /* its cell's Gmax */
    }
    full_scale(x, 2, 2, -1.0, w);
    for (int k = 0; k < 4; k++) {
        xb_assert_close(w[k], 2.0 * (0.0 - 0.4), XB_TOL_SOLVER, 0.0); /* down to Gmin */
    }
    xb_xbar_free(x);
}

static void test_xbar_cellmap__bad_maps(void **state)
{
    (void)state;
    double vals[2] = {1e-6, 2e-6};
    xb_xbar_config cfg = XB_XBAR_CONFIG_INIT;
    cfg.n_in = 2;
    cfg.n_out = 2;
    cfg.n_cellmaps = 1;
    xb_xbar *x = NULL;
    cfg.cellmap[0] = (xb_xbar_cellmap){"gmx", 1, 2, vals};
    xb_assert_error(xb_xbar_create(&x, &cfg), XB_ENOTFOUND, "'gmx'");
    cfg.cellmap[0] = (xb_xbar_cellmap){"gmax", 0, 2, vals};
    xb_assert_error(xb_xbar_create(&x, &cfg), XB_EINVAL, "rows (0)");
    vals[1] = 1e-9; /* below the ideal device's gmin of 100 nS */
    cfg.cellmap[0] = (xb_xbar_cellmap){"gmax", 1, 2, vals};
    xb_assert_error(xb_xbar_create(&x, &cfg), XB_EINVAL, "parameter 'gmax' = 1e-09");
    assert_null(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xbar_cellmap__one_cell_one_device),
        cmocka_unit_test(test_xbar_cellmap__tiles_repeat_the_map),
        cmocka_unit_test(test_xbar_cellmap__reference_column_is_last),
        cmocka_unit_test(test_xbar_cellmap__bad_maps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
