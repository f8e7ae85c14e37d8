/* circuits: cost model, checked line by line against hand arithmetic on a
 * small design with round coefficients (every formula is in
 * docs/cost-model.md), plus the published defaults it ships with. */
#include "xb_test.h"

#include "circuits/circuits.h"

/* Round coefficients so the hand arithmetic below is exact in decimal. */
static void round_params(xb_cost_params *p)
{
    xb_cost_params_default(p);
    static const struct {
        const char *name;
        double v;
    } set[] = {
        {"feature", 1e-7},      {"cell_f2_0t1r", 4.0},  {"cell_f2_1t1r", 16.0},
        {"wire_width", 1e-7},   {"wire_ar", 2.0},       {"wire_rho", 2e-8},
        {"wire_cap", 2e-10},    {"g_on", 1e-5},         {"g_off", 1e-6},
        {"r_access", 0.0},      {"v_read", 0.2},        {"t_read", 1e-8},
        {"v_write", 2.0},       {"t_write", 1e-7},      {"input_activity", 0.5},
        {"dac_energy", 1e-13},  {"dac_area", 1e-12},    {"sh_energy", 1e-15},
        {"sh_area", 1e-13},     {"sar_fom", 1e-14},     {"sar_area_8b", 2.56e-9},
        {"sar_t_bit", 1e-10},   {"acc_energy", 2e-14},  {"acc_area", 4e-11},
        {"flash_cmp_energy", 3e-15}, {"flash_cmp_area", 5e-12}, {"flash_t_conv", 2e-10},
    };
    for (size_t k = 0; k < sizeof set / sizeof set[0]; k++) {
        xb_assert_ok(xb_cost_param_set(p, set[k].name, set[k].v));
    }
}

/* 4 x 4 cross-point array, 3 x 4 used (3 inputs, 2 outputs x differential
 * pair), 4-bit SAR ADCs shared by 2 lines, 2-bit inputs. */
static xb_cost_arch small_arch(void)
{
    xb_cost_arch a = XB_COST_ARCH_INIT;
    a.array_rows = 4;
    a.array_cols = 4;
    a.cell = XB_CELL_0T1R;
    a.adc = XB_ADC_SAR;
    a.adc_bits = 4;
    a.in_bits = 2;
    a.col_mux = 2;
    a.cells_per_weight = 2;
    return a;
}

static void test_circuits_cost_array__small_design_by_hand(void **state)
{
    (void)state;
    xb_cost_params p;
    round_params(&p);
    xb_cost_arch a = small_arch();
    xb_cost_array_result r;
    xb_assert_ok(xb_cost_array(&r, &p, &a, 3, 4, XB_COST_READ_FWD));
    /* pitch = sqrt(4) * 100 nm = 200 nm; a line spans 4 cells = 0.8 um;
     * wire resistance rho / (w^2 AR) = 2e-8 / (1e-14 * 2) = 1e6 ohm/m */
    xb_assert_close(r.r_row_line, 0.8, XB_TOL_EXACT, 0.0);
    xb_assert_close(r.c_row_line, 1.6e-16, XB_TOL_EXACT, 0.0);
    xb_assert_close(r.r_col_line, 0.8, XB_TOL_EXACT, 0.0);
    /* cells: 16 cells of 4 F^2, F = 100 nm */
    xb_assert_close(r.area_cells, 6.4e-13, XB_TOL_EXACT, 0.0);
    /* ADC: 4-bit SAR: 1e-14 * 2^4 J, 4 * 0.1 ns, 2.56e-9 * 2^4 / 2^8 m^2 */
    xb_assert_close(r.e_adc_conv, 1.6e-13, XB_TOL_EXACT, 0.0);
    xb_assert_close(r.t_adc_conv, 4e-10, XB_TOL_EXACT, 0.0);
    xb_assert_close(r.a_adc, 1.6e-10, XB_TOL_EXACT, 0.0);
    /* one bit-cycle: half the 3 rows driven at 0.2 V, 12 cells of mean
     * conductance 5.5 uS for 10 ns: 0.5 * 12 * 0.04 * 5.5e-6 * 1e-8 */
    xb_assert_close(r.e_cycle_cells, 1.32e-14, XB_TOL_EXACT, 0.0);
    xb_assert_close(r.e_cycle_wires, 0.5 * 3 * 1.6e-16 * 0.04, XB_TOL_EXACT, 0.0);
    xb_assert_close(r.e_cycle_dac, 1.5e-13, XB_TOL_EXACT, 0.0);
    xb_assert_close(r.e_cycle_sh, 4e-15, XB_TOL_EXACT, 0.0);
    xb_assert_close(r.e_cycle_adc, 6.4e-13, XB_TOL_EXACT, 0.0);
    xb_assert_close(r.e_cycle_acc, 8e-14, XB_TOL_EXACT, 0.0);
    /* two input bits: two cycles */
    xb_assert_close(r.e_read, 2 * (1.32e-14 + 9.6e-18 + 1.5e-13 + 4e-15 + 6.4e-13 + 8e-14),
                    XB_TOL_EXACT, 0.0);
    /* cycle: Elmore 0.5 R C of the row line, the 10 ns pulse, 2 conversions
     * per ADC (4 lines on 2 ADCs) of 0.4 ns */
    xb_assert_close(r.t_read, 2 * (0.5 * 0.8 * 1.6e-16 + 1e-8 + 8e-10), XB_TOL_EXACT, 0.0);
    /* periphery: 4 drivers, 4 S+H, 2 ADCs each with its shift-and-add */
    xb_assert_close(r.area_periph, 4e-12 + 4e-13 + 2 * (1.6e-10 + 4e-11), XB_TOL_EXACT, 0.0);
    /* a pulse: 2^2 * 5.5e-6 * 1e-7 in the cell, 2^2 * 1.6e-16 on the column,
     * and 3 half-selected cells at (2/2)^2 */
    xb_assert_close(r.e_pulse, 2.2e-12 + 6.4e-16 + 3 * 1.0 * 5.5e-6 * 1e-7, XB_TOL_EXACT, 0.0);
    xb_assert_close(r.t_pulse_step, 1e-7, XB_TOL_EXACT, 0.0);
}

static void test_circuits_cost_array__1t1r_and_flash(void **state)
{
    (void)state;
    xb_cost_params p;
    round_params(&p);
    xb_assert_ok(xb_cost_param_set(&p, "r_access", 1e5));
    xb_cost_arch a = small_arch();
    a.cell = XB_CELL_1T1R;
    a.adc = XB_ADC_FLASH;
    xb_cost_array_result r;
    xb_assert_ok(xb_cost_array(&r, &p, &a, 3, 4, XB_COST_READ_FWD));
    /* 16 F^2 cells: pitch 400 nm, line 1.6 um */
    xb_assert_close(r.area_cells, 16 * 16 * 1e-14, XB_TOL_EXACT, 0.0);
    xb_assert_close(r.c_col_line, 3.2e-16, XB_TOL_EXACT, 0.0);
    /* flash: 15 comparators */
    xb_assert_close(r.e_adc_conv, 15 * 3e-15, XB_TOL_EXACT, 0.0);
    xb_assert_close(r.a_adc, 15 * 5e-12, XB_TOL_EXACT, 0.0);
    xb_assert_close(r.t_adc_conv, 2e-10, XB_TOL_EXACT, 0.0);
    /* series access transistor: g = 5.5e-6 / (1 + 5.5e-6 * 1e5) = 5.5e-6 / 1.55 */
    xb_assert_close(r.e_cycle_cells, 0.5 * 12 * 0.04 * (5.5e-6 / 1.55) * 1e-8, XB_TOL_EXACT, 0.0);
    /* no half-select through the access transistors */
    xb_assert_close(r.e_pulse, 2.2e-12 + 4 * 3.2e-16, XB_TOL_EXACT, 0.0);
}

/* Network 3-3-2: forward W_1 (3 -> 3) and W_2 (3 -> 2); one backward matrix
 * B_2 carries delta_2 to the hidden layer. */
static void test_circuits_cost_network__channels_by_hand(void **state)
{
    (void)state;
    xb_cost_params p;
    round_params(&p);
    xb_cost_arch a = small_arch();
    const int w[] = {3, 3, 2}; /* W_1: 3 -> 3 (6 cols), W_2: 3 -> 2 (4 cols) */
    xb_cost_network bi, co, tw, di;
    xb_assert_ok(xb_cost_network_create(&bi, &p, &a, w, 3, XB_CHANNEL_BIDIRECTIONAL, 0));
    xb_assert_ok(xb_cost_network_create(&co, &p, &a, w, 3, XB_CHANNEL_CONJOINED, 0));
    xb_assert_ok(xb_cost_network_create(&tw, &p, &a, w, 3, XB_CHANNEL_TWIN, 0));
    xb_assert_ok(xb_cost_network_create(&di, &p, &a, w, 3, XB_CHANNEL_DISTINCT, 0));
    assert_int_equal(bi.n, 3); /* fwd 1, fwd 2, bwd 2 */
    /* W_1 needs 6 columns on 4-column arrays: 1 x 2 tiles (4 + 2 columns) */
    assert_int_equal(bi.m[0].tiles_r, 1);
    assert_int_equal(bi.m[0].tiles_c, 2);
    xb_cost_array_result t1, t2, w2, w2t;
    xb_assert_ok(xb_cost_array(&t1, &p, &a, 3, 4, XB_COST_READ_FWD));
    xb_assert_ok(xb_cost_array(&t2, &p, &a, 3, 2, XB_COST_READ_FWD));
    xb_assert_ok(xb_cost_array(&w2, &p, &a, 3, 4, XB_COST_READ_FWD));
    xb_assert_ok(xb_cost_array(&w2t, &p, &a, 3, 4, XB_COST_READ_BWD));
    xb_assert_close(bi.m[0].e_read, t1.e_read + t2.e_read, XB_TOL_EXACT, 0.0);
    xb_assert_close(bi.e_fwd, t1.e_read + t2.e_read + w2.e_read, XB_TOL_EXACT, 0.0);
    xb_assert_close(bi.t_fwd, (t1.t_read > t2.t_read ? t1.t_read : t2.t_read) + w2.t_read,
                    XB_TOL_EXACT, 0.0);
    /* transposed read of W_2 by hand: 4 columns driven, 3 rows sensed:
     * cells 1.32e-14, wires 0.5*4*1.6e-16*0.04, drivers 0.5*4*1e-13,
     * S+H 3e-15, ADC 3*1.6e-13, shift-add 3*2e-14; two input bits */
    double e_t = 2 * (1.32e-14 + 1.28e-17 + 2e-13 + 3e-15 + 4.8e-13 + 6e-14);
    xb_assert_close(w2t.e_read_t, e_t, XB_TOL_EXACT, 0.0);
    xb_assert_close(bi.e_bwd, e_t, XB_TOL_EXACT, 0.0);
    /* what the backward channel adds (area), over the forward arrays:
     * bidirectional: drivers for the 2 x 2 output lines only (4e-12);
     * conjoined: + the mirror cells (6.4e-13);
     * twin: cells + own transposed periphery: 4 drivers, 4 S+H, 2 ADCs */
    double fwd_area = 2 * (t1.area_cells + t1.area_periph) + w2.area_cells + w2.area_periph;
    xb_assert_close(bi.area - fwd_area, 4e-12, XB_TOL_EXACT, 0.0);
    xb_assert_close(co.area - fwd_area, 4e-12 + 6.4e-13, XB_TOL_EXACT, 0.0);
    xb_assert_close(tw.area - fwd_area, 6.4e-13 + 4e-12 + 4e-13 + 2 * (1.6e-10 + 4e-11),
                    XB_TOL_EXACT, 0.0);
    /* distinct stores W_2^T (2 -> 3: 2 rows, 6 columns: 1 x 2 tiles) */
    assert_string_equal(di.m[2].role, "bwd");
    assert_int_equal(di.m[2].n_in, 2);
    assert_int_equal(di.m[2].tiles_c, 2);
    xb_assert_close(tw.e_bwd, bi.e_bwd, XB_TOL_EXACT, 0.0); /* same read, other cells */
    /* full update, row by row, LTP and LTD phases: 2 * 3 rows * 100 ns */
    xb_assert_close(bi.m[1].t_update, 6e-7, XB_TOL_EXACT, 0.0);
    xb_assert_close(bi.t_update, 6e-7, XB_TOL_EXACT, 0.0);
    xb_cost_network_free(&bi);
    xb_cost_network_free(&co);
    xb_cost_network_free(&tw);
    xb_cost_network_free(&di);
}

static void test_circuits_cost_network__row_tiles_add_partial_sums(void **state)
{
    (void)state;
    xb_cost_params p;
    round_params(&p);
    xb_cost_arch a = small_arch();
    const int w[] = {5, 2}; /* 5 rows on 4-row arrays: 2 x 1 tiles */
    xb_cost_network n;
    xb_assert_ok(xb_cost_network_create(&n, &p, &a, w, 2, XB_CHANNEL_TWIN, 0));
    assert_int_equal(n.n, 1); /* one layer: no backward matrix is needed */
    assert_int_equal(n.m[0].tiles_r, 2);
    xb_cost_array_result full, part;
    xb_assert_ok(xb_cost_array(&full, &p, &a, 4, 4, XB_COST_READ_FWD));
    xb_assert_ok(xb_cost_array(&part, &p, &a, 1, 4, XB_COST_READ_FWD));
    /* one extra digital add per output per input bit: 1 * 2 * 2 * 2e-14 */
    xb_assert_close(n.e_fwd, full.e_read + part.e_read + 1 * 2 * 2 * 2e-14, XB_TOL_EXACT, 0.0);
    xb_assert_close(n.area, 2 * (full.area_cells + full.area_periph), XB_TOL_EXACT, 0.0);
    xb_cost_network_free(&n);
}

static void test_circuits_cost_counters__energy_of_a_run(void **state)
{
    (void)state;
    xb_cost_params p;
    round_params(&p);
    xb_cost_arch a = small_arch();
    xb_cost_array_result r;
    xb_assert_ok(xb_cost_array(&r, &p, &a, 3, 4, XB_COST_READ_FWD | XB_COST_READ_BWD));
    double e, t;
    xb_assert_ok(xb_cost_counters(&e, &t, &p, &a, 3, 4, XB_COST_READ_FWD, 10, 7, 9));
    xb_assert_close(e, 10 * r.e_read + 7 * r.e_read_t + 9 * r.e_pulse, XB_TOL_EXACT, 0.0);
    /* 9 pulses over 4 columns in parallel: 3 steps of 100 ns */
    xb_assert_close(t, 10 * r.t_read + 7 * r.t_read_t + 3 * 1e-7, XB_TOL_EXACT, 0.0);
    xb_assert_error(xb_cost_counters(&e, &t, &p, &a, 3, 4, XB_COST_READ_FWD, -1, 0, 0), XB_EINVAL,
                    "-1 reads");
}

/* Defaults: the published values they cite (docs/cost-model.md). */
static void test_circuits_cost_params__defaults_and_errors(void **state)
{
    (void)state;
    xb_cost_params p;
    xb_cost_params_default(&p);
    double v;
    /* ISAAC Table I: 8-bit ADC at 2 mW and 1.28 GS/s is 1.5625 pJ */
    xb_assert_close(p.sar_fom * 256.0, 1.5625e-12, XB_TOL_EXACT, 0.0);
    /* device-models.md section 6: 100 nm wire is 1.19 ohm/um */
    xb_assert_close(p.wire_rho / (p.wire_width * p.wire_width * p.wire_ar) * 1e-6, 1.19, 0.0,
                    0.005);
    /* NeuroSim: 0.2 fF/um */
    xb_assert_close(p.wire_cap * 1e-6, 0.2e-15, XB_TOL_EXACT, 0.0);
    xb_assert_ok(xb_cost_param_get(&p, "g_on", &v));
    xb_assert_close(v, 3.8462e-8, XB_TOL_EXACT, 0.0); /* device-models.md 5.1, Ag:a-Si */
    for (size_t i = 0; i < xb_cost_param_count(); i++) {
        const xb_cost_param_info *in = xb_cost_param_at(i);
        assert_true(strlen(in->source) > 0);
        xb_assert_ok(xb_cost_param_get(&p, in->name, &v));
    }
    xb_assert_error(xb_cost_param_set(&p, "adc_fom", 1.0), XB_ENOTFOUND, "'adc_fom'");
    xb_assert_error(xb_cost_param_set(&p, "input_activity", 1.5), XB_EINVAL, "[0, 1]");
    xb_assert_error(xb_cost_param_set(&p, "feature", 0.0), XB_EINVAL, "'feature' = 0");
    xb_cost_arch a = XB_COST_ARCH_INIT;
    a.adc_bits = 0;
    xb_cost_array_result r;
    xb_assert_error(xb_cost_array(&r, &p, &a, 4, 4, XB_COST_READ_FWD), XB_EINVAL, "adc_bits (0)");
    a = (xb_cost_arch)XB_COST_ARCH_INIT;
    xb_assert_error(xb_cost_array(&r, &p, &a, 129, 4, XB_COST_READ_FWD), XB_EINVAL,
                    "129 x 4 cells do not fit a 128 x 128");
    xb_cost_network n;
    const int w[] = {4, 3, 2};
    xb_assert_error(xb_cost_network_create(&n, &p, &a, w, 3, XB_CHANNEL_TWIN, 1), XB_EINVAL,
                    "use the distinct channel");
    xb_cost_channel ch;
    xb_assert_error(xb_cost_channel_parse(&ch, "mirror"), XB_EINVAL, "'mirror'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_circuits_cost_array__small_design_by_hand),
        cmocka_unit_test(test_circuits_cost_array__1t1r_and_flash),
        cmocka_unit_test(test_circuits_cost_network__channels_by_hand),
        cmocka_unit_test(test_circuits_cost_network__row_tiles_add_partial_sums),
        cmocka_unit_test(test_circuits_cost_counters__energy_of_a_run),
        cmocka_unit_test(test_circuits_cost_params__defaults_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
