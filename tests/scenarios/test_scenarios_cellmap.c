/* scenarios: per-cell map files (columns cellmap / bwd_cellmap,
 * docs/scenarios.md "Per-cell maps").
 *
 * References: the map files in tests/data/cellmap/ (values and the exact
 * line and column of each bad cell, counted by hand from the file), the
 * ideal device's range check (devices/ideal.c: gmax must be > gmin, 100 nS),
 * and FNV-1a 64 of the file bytes for the manifest. */
#include "xb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/scenarios_internal.h"

#define DIR "tests/data/cellmap/"

static void config_error(const char *file, int code, const char *message)
{
    xb_xbar_config x = XB_XBAR_CONFIG_INIT;
    xb_error_clear();
    assert_int_equal(xb_scn__cellmap_config(file, "cellmap", &x), code);
    if (strcmp(xb_last_error(), message) != 0) {
        fail_msg("message '%s'\n   expected '%s'", xb_last_error(), message);
    }
    assert_int_equal(x.n_cellmaps, 0);
}

static void test_scenarios_cellmap__good_file(void **state)
{
    (void)state;
    xb_xbar_config x = XB_XBAR_CONFIG_INIT;
    /* BOM, CRLF, empty header cells, a blank row and a quoted number */
    xb_assert_ok(xb_scn__cellmap_config(DIR "good_crlf.csv", "cellmap", &x));
    assert_int_equal(x.n_cellmaps, 1);
    assert_string_equal(x.cellmap[0].param, "gmax");
    assert_int_equal(x.cellmap[0].rows, 2);
    assert_int_equal(x.cellmap[0].cols, 3);
    const double want[6] = {1e-6, 2e-6, 3e-6, 4e-6, 5e-6, 1e-6};
    for (int k = 0; k < 6; k++) {
        assert_true(x.cellmap[0].values[k] == want[k]);
    }
    xb_assert_ok(xb_scn__cellmap_config("none", "cellmap", &x));
    xb_assert_ok(xb_scn__cellmap_config("", "cellmap", &x));
    assert_int_equal(x.n_cellmaps, 1);
}

static void test_scenarios_cellmap__bad_files(void **state)
{
    (void)state;
    config_error(DIR "out_of_range.csv", XB_EINVAL,
                 DIR "out_of_range.csv:3:6: value '5e-8': model 'ideal': setting 'gmax' to "
                     "5e-08: ideal: gmax (5e-08 S) must be > gmin (1e-07 S)");
    config_error(DIR "ragged_short.csv", XB_EINVAL,
                 DIR "ragged_short.csv:3:6: value '2e-6': ragged map: this row has 2 values, the "
                     "first row of values 3");
    config_error(DIR "ragged_long.csv", XB_EINVAL,
                 DIR "ragged_long.csv:3:11: value '3e-6': ragged map: this row has 3 values, the "
                     "first row of values 2");
    config_error(DIR "not_a_number.csv", XB_EINVAL,
                 DIR "not_a_number.csv:2:6: value 'abc': expected a finite number (gmax)");
    xb_xbar_config x = XB_XBAR_CONFIG_INIT;
    assert_int_equal(xb_scn__cellmap_config(DIR "unknown_param.csv", "cellmap", &x), XB_ENOTFOUND);
    const char *want = DIR "unknown_param.csv:1:1: value 'gmx': ";
    if (strncmp(xb_last_error(), want, strlen(want)) != 0 ||
        strstr(xb_last_error(), "'ideal'") == NULL) {
        fail_msg("message '%s'", xb_last_error());
    }
}

static void test_scenarios_cellmap__paths_and_runs(void **state)
{
    (void)state;
    xb_scenario_file *f = NULL;
    xb_assert_ok(xb_scenario_file_load(&f, DIR "scenario.csv"));
    assert_int_equal(xb_scenario_file_n_runs(f), 2);
    const xb_run *r = xb_scenario_file_run(f, 0);
    /* relative to the scenario file's folder */
    assert_string_equal(xb_run_text(r, "cellmap"), DIR "good_crlf.csv");
    assert_string_equal(xb_run_text(r, "bwd_cellmap"), "none");
    /* an empty bwd_cellmap inherits the forward map */
    assert_string_equal(xb_run_text(xb_scenario_file_run(f, 1), "bwd_cellmap"),
                        DIR "out_of_range.csv");
    /* the second row's map is out of the ideal device's range: found before any work */
    assert_int_equal(xb_scenario_file_check_runs(f), XB_EIO);
    assert_int_equal(xb_scenario_file_n_errors(f), 1);
    const char *msg = xb_scenario_file_error(f, 0)->message;
    if (strstr(msg, DIR "scenario.csv:3:5: run 'bad': ") != msg ||
        strstr(msg, DIR "out_of_range.csv:3:6: value '5e-8'") == NULL) {
        fail_msg("message '%s'", msg);
    }
    /* the manifest's hashes: FNV-1a 64 of each map file's bytes, once per path */
    char *json = xb_scn__cellmap_manifest_json(f);
    assert_non_null(json);
    const char *maps[2] = {DIR "good_crlf.csv", DIR "out_of_range.csv"};
    for (int i = 0; i < 2; i++) {
        char *data = NULL;
        size_t len = 0;
        xb_assert_ok(xb_file_read(maps[i], &data, &len));
        char entry[256];
        snprintf(entry, sizeof entry, "\"%s\": \"%016llx\"", maps[i],
                 (unsigned long long)xb_scn__fnv(XB_SCN_FNV_INIT, data, len));
        free(data);
        if (strstr(json, entry) == NULL) {
            fail_msg("'%s' lacks %s", json, entry);
        }
    }
    free(json);
    xb_scenario_file_free(f);

    assert_int_equal(xb_scenario_file_load(&f, DIR "missing.csv"), XB_EIO);
    assert_string_equal(xb_scenario_file_error(f, 0)->message,
                        DIR "missing.csv:2:3: column 'cellmap': value 'nope.csv': no such file '"
                        DIR "nope.csv' (paths are relative to the scenario file's folder)");
    xb_scenario_file_free(f);
}

/* A run's id (its part file, what --resume trusts) covers the map's bytes. */
static void test_scenarios_cellmap__id_covers_content(void **state)
{
    (void)state;
    char dir[] = "/tmp/xb_cellmap_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char scn[128], map[128];
    snprintf(scn, sizeof scn, "%s/s.csv", dir);
    snprintf(map, sizeof map, "%s/m.csv", dir);
    const char *s = "scenario,cellmap\na,m.csv\nb,\n";
    xb_assert_ok(xb_file_write_atomic(scn, s, strlen(s)));
    char id[2][2][17];
    for (int v = 0; v < 2; v++) {
        const char *m = v ? "gmax\n2e-6\n" : "gmax\n3e-6\n"; /* same size, new content */
        xb_assert_ok(xb_file_write_atomic(map, m, strlen(m)));
        xb_scenario_file *f = NULL;
        xb_assert_ok(xb_scenario_file_load(&f, scn));
        for (int r = 0; r < 2; r++) {
            snprintf(id[v][r], sizeof id[v][r], "%s", xb_scenario_file_run(f, (size_t)r)->id);
        }
        xb_scenario_file_free(f);
    }
    assert_string_not_equal(id[0][0], id[1][0]); /* the run with the map */
    assert_string_equal(id[0][1], id[1][1]);     /* the run without */
    remove(map);
    remove(scn);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenarios_cellmap__good_file),
        cmocka_unit_test(test_scenarios_cellmap__bad_files),
        cmocka_unit_test(test_scenarios_cellmap__paths_and_runs),
        cmocka_unit_test(test_scenarios_cellmap__id_covers_content),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
