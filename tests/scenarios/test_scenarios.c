/* scenarios: schema, parsing and validation (a corpus of malformed files with
 * exact positions and messages), sweep expansion, results files, resume and
 * worker partitioning (with a deterministic fake trainer, STYLE §13 fakes). */
#include "xb_test.h"

#include "devices/devices.h"
#include "scenarios/scenarios.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define CORPUS "tests/data/scenarios/"

/* Each malformed file: how many errors, and the first one exactly. The
 * positions were worked out by hand from the bytes written in the file
 * (columns count UTF-8 characters; a byte-order mark is not a column). */
static const struct {
    const char *file;
    size_t n_errors;
    int line, col;
    const char *message; /* after "path:line:col: " */
} corpus[] = {
    {"after_closing_quote.csv", 1, 2, 7,
     "malformed CSV: 'c' after the closing quote of a quoted field (expected ',' or a line end)"},
    {"bad_bool.csv", 1, 2, 3,
     "column 'derivative': value 'maybe': expected on or off"},
    {"bad_choice.csv", 1, 2, 3,
     "column 'rule': value 'rpb': expected one of bp, rbp, srbp, arbp, asrbp, sign, sparse_rbp, drtp, wm (did you mean 'rbp'?)"},
    {"bad_device_name.csv", 1, 2, 3,
     "column 'device': value 'ag si': expected a device model or preset (`xbarsim device list`) (did you mean 'agsi'?)"},
    {"bad_int.csv", 1, 2, 3,
     "column 'epochs': value '2.5': expected an integer in [1, 10000]"},
    {"bad_layers.csv", 1, 2, 3,
     "column 'hidden': value '256x': expected hidden layer sizes like 256x128 (each 1 to 100000, at most 7 layers) or 0 for none"},
    {"bad_range_parts.csv", 1, 2, 3,
     "column 'lr': value '0:0.1': a range is start:step:stop with step > 0 and start <= stop"},
    {"bad_range_step.csv", 1, 2, 3,
     "column 'lr': value '0:0:1': a range is start:step:stop with step > 0 and start <= stop"},
    {"bad_real.csv", 1, 2, 3,
     "column 'lr': value 'abc': expected a number in [0, 100]"},
    {"bad_scenario_name.csv", 1, 2, 1,
     "column 'scenario': value 'my run': a scenario name is 1 to 63 letters, digits, '_', '-' or '.'"},
    {"bad_seeds_range.csv", 1, 2, 3,
     "column 'seeds': value '10-1': expected seeds as integers or ranges a-b (a <= b), each in [0, 4294967295], separated by ';'"},
    {"bad_seeds_text.csv", 1, 2, 5,
     "column 'seeds': value 'two': expected seeds as integers or ranges a-b (a <= b), each in [0, 4294967295], separated by ';'"},
    {"bad_utf8.csv", 1, 2, 6,
     "not a UTF-8 text file: byte 0xff cannot start or continue a character"},
    {"binary.csv", 1, 1, 1,
     "not a UTF-8 text file: byte 0x00 cannot start or continue a character"},
    {"blank_lines.csv", 1, 1, 1,
     "empty file: the first row must name the columns (at least 'scenario')"},
    {"bwd_negative.csv", 1, 2, 3,
     "column 'bwd_d2d': value '-0.1': expected a number in [0, 1]"},
    {"case_column.csv", 1, 1, 10,
     "column 'Epochs': unknown column (did you mean 'epochs'?)"},
    {"control_char.csv", 1, 2, 4,
     "column 'description': value 'a\\x09b': text may not contain control characters or line breaks"},
    {"crlf_bom_error.csv", 1, 2, 3,
     "column 'lr': value 'zz': expected a number in [0, 100]"},
    {"duplicate_column.csv", 1, 1, 13,
     "column 'lr': appears twice in the header (first at column 10)"},
    {"duplicate_scenario.csv", 1, 3, 1,
     "column 'scenario': value 'a': scenario names must be unique (also on line 2)"},
    {"empty.csv", 1, 1, 1,
     "empty file: the first row must name the columns (at least 'scenario')"},
    {"empty_header_name.csv", 1, 1, 10,
     "empty column name in the header"},
    {"header_only.csv", 1, 2, 1,
     "no scenarios: the file has a header row but no scenario rows"},
    {"int_below_min.csv", 1, 2, 3,
     "column 'epochs': value '0': expected an integer in [1, 10000]"},
    {"levels_one.csv", 1, 2, 3,
     "column 'levels': value '1': expected 0 (continuous) or an integer in [2, 1048576]"},
    {"list_bad_element.csv", 1, 2, 10,
     "column 'c2c': value 'x': expected a number in [0, 1]"},
    {"list_empty_element.csv", 1, 2, 7,
     "column 'lr': value '0.1;;0.2': empty element in a list (write values separated by ';')"},
    {"missing_scenario_name.csv", 1, 2, 1,
     "column 'scenario': value '': required (a scenario name of letters, digits, '_', '-' or '.')"},
    {"multiple_errors.csv", 4, 2, 3,
     "column 'lr': value 'abc': expected a number in [0, 100]"},
    {"no_scenario_column.csv", 1, 1, 1,
     "the header has no 'scenario' column (every row needs a name)"},
    {"nonfinite.csv", 1, 2, 3,
     "column 'lr': value 'inf': expected a number in [0, 100]"},
    {"not_a_sweep.csv", 1, 3, 1,
     "column 'scenario': value 'r;s': a scenario name is 1 to 63 letters, digits, '_', '-' or '.'"},
    {"quote_in_unquoted.csv", 1, 2, 5,
     "malformed CSV: quote inside an unquoted field (quote the whole field and double the quotes inside it)"},
    {"quoted_cell_error.csv", 1, 2, 9,
     "column 'lr': value 'x': expected a number in [0, 100]"},
    {"ragged_less.csv", 1, 2, 6,
     "row has 2 fields but the header has 3"},
    {"ragged_more.csv", 1, 2, 7,
     "row has 3 fields but the header has 2"},
    {"range_out_of_bounds.csv", 1, 2, 3,
     "column 'd2d': value '0:0.5:2': range value 1.5: expected a number in [0, 1]"},
    {"real_out_of_range.csv", 1, 2, 3,
     "column 'd2d': value '1.5': expected a number in [0, 1]"},
    {"sweep_too_big.csv", 1, 2, 3,
     "column 'lr': value '0:0.00001:1': a cell may expand to at most 10000 values"},
    {"typo_column.csv", 1, 1, 10,
     "column 'activaton': unknown column (did you mean 'activation'?)"},
    {"unknown_device.csv", 1, 3, 9,
     "column 'bwd_device': value 'agsii': expected a device model or preset (`xbarsim device list`) (did you mean 'agsi'?)"},
    {"missing_pulse_data.csv", 1, 2, 3,
     "column 'pulse_data': value 'nope.csv': no such file 'tests/data/scenarios/nope.csv' (paths are relative to the scenario file's folder)"},
    {"unknown_parameter.csv", 1, 1, 10,
     "column 'p_nl_lpt': no device model has a parameter 'nl_lpt' (did you mean 'nl_ltp'?)"},
    {"bad_parameter_value.csv", 1, 2, 5,
     "column 'p_nl_ltp': value 'x': expected a number (the model checks its range)"},
    {"missing_dataset_path.csv", 1, 2, 3,
     "column 'dataset_path': value 'no/such/folder': no such folder 'tests/data/scenarios/no/such/folder' (paths are relative to the scenario file's folder)"},
    {"too_many_runs.csv", 1, 2, 1,
     "this row expands to 202000 runs, the file to more than 100000 (split it, or sweep fewer values)"},
    {"unknown_column.csv", 1, 1, 10,
     "column 'lrate': unknown column (did you mean 'lr'?)"},
    {"unknown_column_far.csv", 1, 1, 10,
     "column 'banana': unknown column (the columns are listed in docs/scenarios.md and by `xbarsim run --schema`)"},
    {"unterminated_quote.csv", 1, 2, 3,
     "malformed CSV: quoted field opened here is never closed"},
    {"utf8_columns.csv", 1, 2, 12,
     "column 'lr': value 'oops': expected a number in [0, 100]"},
    /* columns of the modules added later: device write mode, xbar refresh and
     * DAC range, rule drtp, the cost model's array design */
    {"bad_write_mode.csv", 1, 2, 3,
     "column 'write_mode': value 'odee': expected one of table, ode (did you mean 'ode'?)"},
    {"bad_bwd_write_mode.csv", 1, 2, 3,
     "column 'bwd_write_mode': value 'spice': expected one of table, ode"},
    {"refresh_frac_above_one.csv", 1, 2, 3,
     "column 'refresh_frac': value '1.5': expected a number in [0, 1]"},
    {"bwd_dac_range_negative.csv", 1, 2, 7,
     "column 'bwd_dac_range': value '-1': expected a number in [0, 1000000000]"},
    {"rule_drtp_typo.csv", 1, 2, 3,
     "column 'rule': value 'dtrp': expected one of bp, rbp, srbp, arbp, asrbp, sign, sparse_rbp, drtp, wm (did you mean 'drtp'?)"},
    {"cost_adc_bits_zero.csv", 1, 2, 3,
     "column 'cost_adc_bits': value '0': expected an integer in [1, 16] (bit)"},
    {"bad_cost_cell.csv", 1, 2, 3,
     "column 'cost_cell': value '2t2r': expected one of 1t1r, 0t1r (did you mean '1t1r'?)"},
};

static void test_scenarios_corpus__exact_position_and_message(void **state)
{
    (void)state;
    size_t n = sizeof corpus / sizeof corpus[0];
    assert_true(n >= 30);
    for (size_t i = 0; i < n; i++) {
        char path[256], full[1024];
        snprintf(path, sizeof path, CORPUS "%s", corpus[i].file);
        snprintf(full, sizeof full, "%s:%d:%d: %s", path, corpus[i].line, corpus[i].col,
                 corpus[i].message);
        xb_scenario_file *f = NULL;
        int rc = xb_scenario_file_load(&f, path);
        if (rc != XB_EIO || f == NULL) {
            fail_msg("%s: expected XB_EIO, got %d: %s", path, rc, xb_last_error());
        }
        if (xb_scenario_file_n_errors(f) != corpus[i].n_errors) {
            fail_msg("%s: %zu errors, expected %zu; first: %s", path,
                     xb_scenario_file_n_errors(f), corpus[i].n_errors,
                     xb_scenario_file_error(f, 0)->message);
        }
        const xb_scenario_error *e = xb_scenario_file_error(f, 0);
        if (e->line != corpus[i].line || e->col != corpus[i].col || strcmp(e->message, full)) {
            fail_msg("%s:\n  got      %s\n  expected %s", path, e->message, full);
        }
        /* the status message leads with the same first error */
        assert_non_null(strstr(xb_last_error(), full));
        assert_int_equal(xb_scenario_file_n_runs(f), 0);
        xb_scenario_file_free(f);
    }
}

static void test_scenarios_corpus__all_errors_at_once(void **state)
{
    (void)state;
    xb_scenario_file *f = NULL;
    xb_assert_error(xb_scenario_file_load(&f, CORPUS "multiple_errors.csv"), XB_EIO,
                    "(and 3 more errors)");
    assert_int_equal(xb_scenario_file_n_errors(f), 4);
    const int want[4][2] = {{2, 3}, {3, 7}, {3, 10}, {4, 12}};
    const char *cols[4] = {"lr", "rule", "epochs", ""};
    for (int i = 0; i < 4; i++) {
        const xb_scenario_error *e = xb_scenario_file_error(f, (size_t)i);
        assert_int_equal(e->line, want[i][0]);
        assert_int_equal(e->col, want[i][1]);
        assert_string_equal(e->column, cols[i]);
    }
    xb_scenario_file_free(f);
}

static xb_scenario_file *parse_ok(const char *text)
{
    xb_scenario_file *f = NULL;
    int rc = xb_scenario_file_parse(&f, "mem.csv", text, strlen(text));
    if (rc != XB_OK) {
        fail_msg("parse failed: %s", xb_last_error());
    }
    return f;
}

static void test_scenarios_expand__cartesian_product_and_seeds(void **state)
{
    (void)state;
    xb_scenario_file *f = parse_ok("scenario,lr,d2d,seeds\nq,0.1;0.2,0:0.05:0.1,1-2\nr,,,7\n");
    /* 2 lr x 3 d2d x 2 seeds, then one run of r */
    assert_int_equal(xb_scenario_file_n_runs(f), 2 * 3 * 2 + 1);
    const xb_run *r0 = xb_scenario_file_run(f, 0), *r3 = xb_scenario_file_run(f, 3);
    assert_string_equal(r0->name, "q/lr=0.1/d2d=0");
    assert_int_equal(r0->seed, 1);
    assert_int_equal(xb_scenario_file_run(f, 1)->seed, 2);
    assert_string_equal(r3->name, "q/lr=0.1/d2d=0.05");
    assert_string_equal(xb_scenario_file_run(f, 11)->name, "q/lr=0.2/d2d=0.1");
    xb_assert_close(xb_run_real(xb_scenario_file_run(f, 11), "d2d"), 0.1, XB_TOL_EXACT, 0);
    const xb_run *last = xb_scenario_file_run(f, 12);
    assert_string_equal(last->name, "r");
    assert_int_equal(last->seed, 7);
    assert_int_equal(last->line, 3);
    /* an empty cell is the schema default */
    assert_string_equal(xb_run_text(last, "lr"), "0.1");
    /* every run has its own id; the same settings and seed give the same id */
    for (size_t i = 0; i < xb_scenario_file_n_runs(f); i++) {
        for (size_t j = i + 1; j < xb_scenario_file_n_runs(f); j++) {
            assert_string_not_equal(xb_scenario_file_run(f, i)->id,
                                    xb_scenario_file_run(f, j)->id);
        }
    }
    xb_scenario_file *g = parse_ok("scenario,seeds,lr,d2d\nq,1-2,0.1;0.2,0:0.05:0.1\n");
    assert_string_equal(xb_scenario_file_run(g, 5)->id, xb_scenario_file_run(f, 5)->id);
    xb_scenario_file_free(g);
    xb_scenario_file_free(f);
}

static void test_scenarios_expand__range_end_point_on_grid(void **state)
{
    (void)state;
    /* 0:0.05:0.5 is 11 values although 0.5/0.05 is 9.999999999999998 in doubles */
    xb_scenario_file *f = parse_ok("scenario,bwd_d2d\nq,0:0.05:0.5\n");
    assert_int_equal(xb_scenario_file_n_runs(f), 11);
    assert_string_equal(xb_run_text(xb_scenario_file_run(f, 10), "bwd_d2d"), "0.5");
    assert_string_equal(xb_run_text(xb_scenario_file_run(f, 3), "bwd_d2d"), "0.15");
    xb_scenario_file_free(f);
}

static void test_scenarios_expand__bwd_inherits_forward(void **state)
{
    (void)state;
    xb_scenario_file *f = parse_ok("scenario,d2d,device,bwd_c2c\nq,0.1;0.2,neurosim,0.3\n");
    assert_int_equal(xb_scenario_file_n_runs(f), 2);
    for (size_t i = 0; i < 2; i++) {
        const xb_run *r = xb_scenario_file_run(f, i);
        assert_string_equal(xb_run_text(r, "bwd_d2d"), xb_run_text(r, "d2d"));
        assert_string_equal(xb_run_text(r, "bwd_device"), "neurosim");
        assert_string_equal(xb_run_text(r, "bwd_c2c"), "0.3");
        assert_string_equal(xb_run_text(r, "c2c"), "0");
    }
    /* inheritance is not a sweep dimension: the name lists d2d only */
    assert_string_equal(xb_scenario_file_run(f, 1)->name, "q/d2d=0.2");
    xb_scenario_file_free(f);
}

static void test_scenarios_expand__device_variability_defaults(void **state)
{
    (void)state;
    /* empty c2c/d2d take the preset's reported values (devices/presets.c:
     * agsi c2c 0.035), the backward array inherits them when it uses the
     * same device, and takes its own device's values otherwise */
    xb_scenario_file *f =
        parse_ok("scenario,device,bwd_device,c2c\na,agsi,,\nb,agsi,ideal,\nc,ideal,agsi,0.01\n");
    const xb_device_preset *agsi = NULL;
    for (size_t i = 0; i < xb_device_preset_count(); i++) {
        if (!strcmp(xb_device_preset_at(i)->name, "agsi")) {
            agsi = xb_device_preset_at(i);
        }
    }
    assert_non_null(agsi);
    char want[64];
    snprintf(want, sizeof want, "%.15g", agsi->c2c);
    const xb_run *a = xb_scenario_file_run(f, 0), *b = xb_scenario_file_run(f, 1),
                 *c = xb_scenario_file_run(f, 2);
    assert_string_equal(xb_run_text(a, "c2c"), want);
    assert_string_equal(xb_run_text(a, "bwd_c2c"), want);
    assert_string_equal(xb_run_text(b, "bwd_c2c"), "0");
    assert_string_equal(xb_run_text(c, "c2c"), "0.01");
    assert_string_equal(xb_run_text(c, "bwd_c2c"), want);
    xb_scenario_file_free(f);
}

static void test_scenarios_check__learning_rules_before_any_work(void **state)
{
    (void)state;
    /* learning/ refuses rbp on the bidirectional channel (nowhere to put B):
     * the whole file is checked and the run's row is named */
    xb_scenario_file *f = parse_ok("scenario,rule,channel,hidden\n"
                                   "ok,bp,auto,10\n"
                                   "bad,bp;rbp,bidirectional,10\n");
    xb_assert_error(xb_scenario_file_check_runs(f), XB_EIO, "mem.csv:3:12: run 'bad/rule=rbp': ");
    assert_int_equal(xb_scenario_file_n_errors(f), 1);
    assert_non_null(strstr(xb_scenario_file_error(f, 0)->message, "bidirectional"));
    xb_scenario_file_free(f);
    f = parse_ok("scenario,rule,channel,hidden\nok,rbp;srbp;sign,twin,16\n");
    xb_assert_ok(xb_scenario_file_check_runs(f));
    xb_scenario_file_free(f);
    f = parse_ok("scenario,dataset\nidx,mnist-idx\n");
    xb_assert_error(xb_scenario_file_check_runs(f), XB_EIO,
                    "mem.csv:2:5: run 'idx': dataset 'mnist-idx' needs dataset_path");
    xb_scenario_file_free(f);
}

static void test_scenarios_params__device_parameter_columns(void **state)
{
    (void)state;
    /* p_<name> columns are the device model's own parameters (devices.h
     * xb_device_neurosim_params: nl_ltp), swept like any column */
    xb_scenario_file *f = parse_ok("scenario,device,p_nl_ltp,bwd_device,bwd_p_gmax\n"
                                   "q,agsi,1;2.5,ideal,2e-6\n");
    assert_int_equal(xb_scenario_file_n_runs(f), 2);
    const xb_run *r = xb_scenario_file_run(f, 1);
    assert_string_equal(r->name, "q/p_nl_ltp=2.5");
    assert_string_equal(xb_run_text(r, "p_nl_ltp"), "2.5");
    xb_assert_close(xb_run_real(r, "bwd_p_gmax"), 2e-6, XB_TOL_EXACT, 0);
    xb_assert_ok(xb_scenario_file_check_runs(f));
    xb_scenario_file_free(f);

    /* the backward array inherits p_ when it uses the same device */
    f = parse_ok("scenario,device,p_nl_ltp\nq,agsi,3\n");
    /* not a column of this file: empty */
    assert_string_equal(xb_run_text(xb_scenario_file_run(f, 0), "bwd_p_nl_ltp"), "");
    xb_scenario_file_free(f);
    f = parse_ok("scenario,device,p_nl_ltp,bwd_p_nl_ltp\nq,agsi,3,\n");
    assert_string_equal(xb_run_text(xb_scenario_file_run(f, 0), "bwd_p_nl_ltp"), "3");
    xb_scenario_file_free(f);

    /* a parameter no model has: header error with the nearest name */
    f = NULL;
    const char *bad = "scenario,p_nl_lpt\nq,1\n";
    xb_assert_error(xb_scenario_file_parse(&f, "mem.csv", bad, strlen(bad)), XB_EIO,
                    "mem.csv:1:10: column 'p_nl_lpt': no device model has a parameter 'nl_lpt' "
                    "(did you mean 'nl_ltp'?)");
    xb_scenario_file_free(f);

    /* spread of one parameter: a relative sd in [0, 1], checked against the model */
    f = parse_ok("scenario,device,d2d_nl_ltp\nq,agsi,0;0.2\n");
    assert_int_equal(xb_scenario_file_n_runs(f), 2);
    xb_assert_ok(xb_scenario_file_check_runs(f));
    xb_scenario_file_free(f);
    f = parse_ok("scenario,device,d2d_levels\nq,agsi,0.1\n");
    xb_assert_error(xb_scenario_file_check_runs(f), XB_EIO, "run 'q': column 'd2d_levels': ");
    xb_scenario_file_free(f);
    f = NULL;
    bad = "scenario,d2d_gmax\nq,1.5\n";
    xb_assert_error(xb_scenario_file_parse(&f, "mem.csv", bad, strlen(bad)), XB_EIO,
                    "mem.csv:2:3: column 'd2d_gmax': value '1.5': expected a number in [0, 1]");
    xb_scenario_file_free(f);

    /* a parameter the chosen model lacks: caught by the run check */
    f = parse_ok("scenario,device,p_levels\nq,agsi,8\n");
    xb_assert_error(xb_scenario_file_check_runs(f), XB_EIO, "mem.csv:2:8: run 'q': column 'p_levels': ");
    xb_scenario_file_free(f);
}

static void test_scenarios_parse__set_overrides(void **state)
{
    (void)state;
    const char *text = "scenario,lr,epochs\na,0.1,5\nb,0.2,7\n";
    const char *const good[] = {"epochs=1", "seeds=1-2", "p_nl_ltp=2", "lr="};
    xb_scenario_file *f = NULL;
    xb_assert_ok(xb_scenario_file_parse_with(&f, "mem.csv", text, strlen(text), good, 4));
    /* 2 rows x 2 seeds; epochs replaced in every row; "lr=" restores the default */
    assert_int_equal(xb_scenario_file_n_runs(f), 4);
    for (size_t i = 0; i < 4; i++) {
        const xb_run *r = xb_scenario_file_run(f, i);
        assert_int_equal(xb_run_int(r, "epochs"), 1);
        assert_string_equal(xb_run_text(r, "lr"), "0.1");
        assert_string_equal(xb_run_text(r, "p_nl_ltp"), "2");
    }
    xb_scenario_file_free(f);
    const char *const bad[] = {"epoch=3", "lr=abc", "nonsense"};
    xb_assert_error(xb_scenario_file_parse_with(&f, "mem.csv", text, strlen(text), bad, 3), XB_EIO,
                    "(and 2 more errors)");
    assert_int_equal(xb_scenario_file_n_errors(f), 3);
    const char *want[] = {"--set: column 'epoch': unknown column (did you mean 'epochs'?)",
                          "--set: column 'lr': value 'abc': expected a number in [0, 100]",
                          "--set: 'nonsense': expected column=value"};
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(xb_scenario_file_error(f, i)->message, want[i]);
    }
    xb_scenario_file_free(f);
}

static void test_scenarios_parse__bom_crlf_quotes(void **state)
{
    (void)state;
    const char text[] = "\xef\xbb\xbfscenario,description,rule\r\n"
                        "a,\"commas, \"\"quotes\"\" and UTF-8: \xc3\xa9\",bp;rbp\r\n"
                        "b,,sign";
    xb_scenario_file *f = parse_ok(text);
    assert_int_equal(xb_scenario_file_n_runs(f), 3);
    assert_string_equal(xb_run_text(xb_scenario_file_run(f, 0), "description"),
                        "commas, \"quotes\" and UTF-8: \xc3\xa9");
    assert_string_equal(xb_scenario_file_run(f, 1)->name, "a/rule=rbp");
    assert_string_equal(xb_run_text(xb_scenario_file_run(f, 2), "rule"), "sign");
    xb_scenario_file_free(f);
}

static void test_scenarios_schema__defaults_are_valid(void **state)
{
    (void)state;
    /* a file that sets every column to its own default parses, and equals
     * the file that sets nothing */
    size_t nc;
    const xb_scn_column *sc = xb_scenario_schema(&nc);
    char hdr[8192] = "", row[8192] = "";
    for (size_t j = 0; j < nc; j++) {
        if (!sc[j].def || sc[j].inherit) {
            continue;
        }
        strcat(hdr, ",");
        strcat(hdr, sc[j].name);
        strcat(row, ",");
        strcat(row, sc[j].def);
    }
    char text[2 * sizeof hdr + 16];
    snprintf(text, sizeof text, "scenario%s\nq%s\n", hdr, row);
    xb_scenario_file *a = parse_ok(text);
    xb_scenario_file *b = parse_ok("scenario\nq\n");
    assert_string_equal(xb_scenario_file_run(a, 0)->id, xb_scenario_file_run(b, 0)->id);
    xb_scenario_file_free(a);
    xb_scenario_file_free(b);
}

static void test_scenarios_schema__docs_match(void **state)
{
    (void)state;
    char *want = NULL;
    size_t wlen = 0;
    xb_assert_ok(xb_file_read("docs/scenarios.md", &want, &wlen));
    char *got = NULL;
    size_t glen = 0;
    FILE *fp = open_memstream(&got, &glen);
    assert_non_null(fp);
    xb_assert_ok(xb_scenario_schema_markdown(fp));
    fclose(fp);
    if (glen != wlen || memcmp(got, want, glen)) {
        fail_msg("docs/scenarios.md is stale: regenerate it with "
                 "`xbarsim run --schema > docs/scenarios.md`");
    }
    free(got);
    free(want);
}

static void test_scenarios_schema__suggestions(void **state)
{
    (void)state;
    assert_string_equal(xb_scenario_column_suggest("activaton"), "activation");
    assert_string_equal(xb_scenario_column_suggest("bwd_d2b"), "bwd_d2d");
    assert_string_equal(xb_scenario_column_suggest("Seeds"), "seeds");
    assert_null(xb_scenario_column_suggest("banana"));
    assert_int_equal(xb_scenario_column_find("lr") >= 0, 1);
    assert_int_equal(xb_scenario_column_find("nope"), -1);
}

/* ------------------------------------------------------------ runner */

/* Fake trainer: metrics are a pure function of (seed, lr, epoch) drawn from
 * a stream, like a real run; counts how often runs are created. */
static int fake_creates;
static int fake_stop_after = -1; /* stop after this many epochs overall */
static volatile sig_atomic_t fake_stop;
static int fake_epochs_seen;

typedef struct {
    uint64_t seed;
    double lr;
} fake_ws;

static int fake_create(void **ws, const xb_run *r, volatile const sig_atomic_t *stop)
{
    (void)stop;
    fake_ws *w = malloc(sizeof *w);
    if (!w) {
        return XB_ENOMEM;
    }
    w->seed = r->seed;
    w->lr = xb_run_real(r, "lr");
    fake_creates++;
    *ws = w;
    return XB_OK;
}

static int fake_epoch(void *ws, int epoch, xb_metrics *m)
{
    fake_ws *w = ws;
    xb_rng r;
    xb_rng_init(&r, w->seed, XB_RNG_USER, 0);
    m->train_loss = exp(-w->lr * epoch) + 0.01 * xb_rng_normal_at(&r, (uint64_t)epoch);
    m->test_acc = 1.0 - m->train_loss / 2;
    m->angle[1] = 45.0 * xb_rng_uniform_at(&r, 1000 + (uint64_t)epoch);
    m->pulses_fwd = 100.0 * epoch;
    return XB_OK;
}

static void fake_free(void *ws)
{
    free(ws);
}

static const xb_trainer_type fake = {"fake", fake_create, fake_epoch, fake_free};

static void count_epoch(void *payload, size_t run, const xb_metrics *m, int finished)
{
    (void)payload;
    (void)run;
    (void)finished;
    if (m && ++fake_epochs_seen == fake_stop_after) {
        fake_stop = 1;
    }
}

/* results.csv without its seconds column (the one value not a function of
 * the seed). */
static char *results_without_seconds(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    char *text = NULL;
    if (xb_file_read(path, &text, NULL) != XB_OK) {
        fail_msg("%s: %s", path, xb_last_error());
    }
    /* index of the seconds column in the header */
    int sec = -1, k = 0;
    for (const char *p = text; *p && *p != '\n'; k++) {
        size_t n = strcspn(p, ",\n");
        if (n == 7 && !strncmp(p, "seconds", 7)) {
            sec = k;
        }
        p += n + (p[n] == ',');
        if (p[-1] != ',' ) {
            break;
        }
    }
    assert_true(sec >= 0);
    char *out = malloc(strlen(text) + 1);
    size_t o = 0;
    int field = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            field = 0;
            out[o++] = '\n';
        } else if (*p == ',') {
            field++;
            out[o++] = ',';
        } else if (field != sec) {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    free(text);
    return out;
}

static char tmp_root[64];

static int setup_tmp(void **state)
{
    (void)state;
    snprintf(tmp_root, sizeof tmp_root, "/tmp/xb_scn_test.XXXXXX");
    return mkdtemp(tmp_root) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp_root);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *runner_file = "scenario,lr,epochs,seeds,hidden\n"
                                 "a,0.1;0.3,4,1-3,10\n"
                                 "b,0.2,3,5,10x5\n";

static void run_all(const xb_scenario_file *f, const char *dir, int worker, int n_workers,
                    int resume)
{
    xb_runner_config cfg = XB_RUNNER_CONFIG_INIT;
    cfg.out_dir = dir;
    cfg.worker = worker;
    cfg.n_workers = n_workers;
    cfg.trainer = &fake;
    cfg.resume = resume;
    cfg.stop = &fake_stop;
    cfg.on_epoch = count_epoch;
    xb_assert_ok(xb_runner_run(f, &cfg));
}

/* hands out runs last to first */
static size_t reverse_left;

static size_t reverse_next(void *payload)
{
    (void)payload;
    return reverse_left > 0 ? --reverse_left : (size_t)-1;
}

static void test_scenarios_runner__workers_give_identical_results(void **state)
{
    (void)state;
    xb_scenario_file *f = parse_ok(runner_file);
    char one[128], two[128];
    snprintf(one, sizeof one, "%s/one", tmp_root);
    snprintf(two, sizeof two, "%s/two", tmp_root);
    fake_stop = 0;
    fake_stop_after = -1;
    run_all(f, one, 0, 1, 0);
    xb_assert_ok(xb_results_assemble(f, one));
    /* the second worker first: order of completion must not matter */
    run_all(f, two, 1, 2, 0);
    run_all(f, two, 0, 2, 0);
    xb_assert_ok(xb_results_assemble(f, two));
    char *a = results_without_seconds(one), *b = results_without_seconds(two);
    assert_string_equal(a, b);
    free(b);
    /* dynamic scheduling in reverse order: same results */
    char three[128];
    snprintf(three, sizeof three, "%s/three", tmp_root);
    xb_runner_config cfg = XB_RUNNER_CONFIG_INIT;
    cfg.out_dir = three;
    cfg.trainer = &fake;
    cfg.next_run = reverse_next;
    reverse_left = xb_scenario_file_n_runs(f);
    xb_assert_ok(xb_runner_run(f, &cfg));
    assert_int_equal(reverse_left, 0);
    xb_assert_ok(xb_results_assemble(f, three));
    b = results_without_seconds(three);
    assert_string_equal(a, b);
    /* 6 runs x 5 epochs (0..4) + 1 run x 4 epochs + header */
    size_t lines = 0;
    for (const char *p = a; *p; p++) {
        lines += *p == '\n';
    }
    assert_int_equal(lines, 1 + 6 * 5 + 4);
    assert_true(strncmp(a, "scenario,run,seed,epoch,train_loss,train_acc,test_loss,test_acc,"
                           "angle_l1,angle_l2,angle_l3,delta_angle_l1",
                        strlen("scenario,run,seed,epoch,train_loss,train_acc,test_loss,"
                               "test_acc,angle_l1,angle_l2,angle_l3,delta_angle_l1")) == 0);
    free(a);
    free(b);
    xb_scenario_file_free(f);
}

static void test_scenarios_runner__resume_after_stop_equals_uninterrupted(void **state)
{
    (void)state;
    xb_scenario_file *f = parse_ok(runner_file);
    char full[128], cut[128];
    snprintf(full, sizeof full, "%s/full", tmp_root);
    snprintf(cut, sizeof cut, "%s/cut", tmp_root);
    fake_stop = 0;
    fake_stop_after = -1;
    run_all(f, full, 0, 1, 0);
    xb_assert_ok(xb_results_assemble(f, full));

    /* stop after 12 durable epochs: runs 0 and 1 complete, run 2 at epoch 1 */
    fake_stop = 0;
    fake_epochs_seen = 0;
    fake_stop_after = 12;
    xb_runner_config cfg = XB_RUNNER_CONFIG_INIT;
    cfg.out_dir = cut;
    cfg.trainer = &fake;
    cfg.stop = &fake_stop;
    cfg.on_epoch = count_epoch;
    xb_assert_error(xb_runner_run(f, &cfg), XB_EINTERRUPTED, "stopped after run");
    assert_int_equal(xb_results_epochs_done(f, 0, cut), 5);
    assert_int_equal(xb_results_epochs_done(f, 2, cut), 2);
    assert_int_equal(xb_results_epochs_done(f, 3, cut), 0);

    fake_stop = 0;
    fake_stop_after = -1;
    fake_creates = 0;
    cfg.resume = 1;
    xb_assert_ok(xb_runner_run(f, &cfg));
    /* complete runs were not trained again */
    assert_int_equal(fake_creates, 7 - 2);
    xb_assert_ok(xb_results_assemble(f, cut));
    char *a = results_without_seconds(full), *b = results_without_seconds(cut);
    assert_string_equal(a, b);
    free(a);
    free(b);

    /* a durable row that no longer matches its recomputation is refused */
    char part[512];
    snprintf(part, sizeof part, "%s/parts/%s.csv", cut, xb_scenario_file_run(f, 6)->id);
    char *text = NULL;
    xb_assert_ok(xb_file_read(part, &text, NULL));
    char *row1 = strchr(strchr(text, '\n') + 1, '\n') + 1; /* epoch 1 */
    char *cell = strchr(strchr(strchr(strchr(row1, ',') + 1, ',') + 1, ',') + 1, ',') + 1;
    cell[0] = cell[0] == '9' ? '8' : '9'; /* train_loss of epoch 1 */
    /* keep only epochs 0-1 so the run is incomplete and gets recomputed */
    char *row2 = strchr(row1, '\n') + 1;
    *row2 = '\0';
    xb_assert_ok(xb_file_write_atomic(part, text, strlen(text)));
    free(text);
    xb_assert_error(xb_runner_run(f, &cfg), XB_EIO, "differs from the durable row");
    xb_scenario_file_free(f);
}

static void test_scenarios_results__manifest_lists_every_run(void **state)
{
    (void)state;
    xb_scenario_file *f = parse_ok(runner_file);
    char dir[128], path[256];
    snprintf(dir, sizeof dir, "%s/manifest", tmp_root);
    xb_assert_ok(xb_mkdirs(dir));
    xb_assert_ok(xb_results_manifest(f, dir, "runner.csv"));
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    char *text = NULL;
    xb_assert_ok(xb_file_read(path, &text, NULL));
    size_t ids = 0;
    for (const char *p = text; (p = strstr(p, "\"id\": ")) != NULL; p++) {
        ids++;
    }
    assert_int_equal(ids, xb_scenario_file_n_runs(f));
    assert_non_null(strstr(text, xb_scenario_file_hash(f)));
    assert_non_null(strstr(text, "\"libcsv\": \"3."));
    assert_non_null(strstr(text, "\"openblas\": \"OpenBLAS"));
    assert_non_null(strstr(text, "\"bwd_device\": \"ideal\""));
    free(text);
    xb_scenario_file_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenarios_corpus__exact_position_and_message),
        cmocka_unit_test(test_scenarios_corpus__all_errors_at_once),
        cmocka_unit_test(test_scenarios_expand__cartesian_product_and_seeds),
        cmocka_unit_test(test_scenarios_expand__range_end_point_on_grid),
        cmocka_unit_test(test_scenarios_expand__bwd_inherits_forward),
        cmocka_unit_test(test_scenarios_expand__device_variability_defaults),
        cmocka_unit_test(test_scenarios_check__learning_rules_before_any_work),
        cmocka_unit_test(test_scenarios_params__device_parameter_columns),
        cmocka_unit_test(test_scenarios_parse__set_overrides),
        cmocka_unit_test(test_scenarios_parse__bom_crlf_quotes),
        cmocka_unit_test(test_scenarios_schema__defaults_are_valid),
        cmocka_unit_test(test_scenarios_schema__docs_match),
        cmocka_unit_test(test_scenarios_schema__suggestions),
        cmocka_unit_test(test_scenarios_runner__workers_give_identical_results),
        cmocka_unit_test(test_scenarios_runner__resume_after_stop_equals_uninterrupted),
        cmocka_unit_test(test_scenarios_results__manifest_lists_every_run),
    };
    return cmocka_run_group_tests_name("scenarios", tests, setup_tmp, teardown_tmp);
}
