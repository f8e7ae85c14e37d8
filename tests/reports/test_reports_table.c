/* reports: results files and tables. Values come from the fixture
 * tests/data/reports/results_small.csv, whose final test accuracies are, per
 * scenario and seed: bp-ideal {0.81, 0.83, 0.85}, rbp-twin-lo {0.70, 0.74,
 * 0.75}, rbp-twin-hi {0.60, 0.64}; means, stds and CIs by hand in
 * test_reports_stats.c and below. Goldens are in tests/golden/reports/. */
#include "xb_test.h"

#include "reports/reports.h"

#include <stdlib.h>
#include <unistd.h>

#define FIXTURE "tests/data/reports/results_small.csv"
#define TOL_TABLE3 5e-4 /* t from a three-decimal table */

static char *print_table(const xb_table *t, xb_table_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    assert_non_null(fp);
    xb_assert_ok(xb_table_fprint(fp, t, fmt));
    fclose(fp);
    return buf;
}

static void assert_golden(const char *text, const char *golden)
{
    char *want = NULL;
    xb_assert_ok(xb_file_read(golden, &want, NULL));
    if (strcmp(text, want) != 0) {
        fail_msg("output differs from %s:\n--- got\n%s--- want\n%s", golden, text, want);
    }
    free(want);
}

static xb_table *make_table(const char *rows, const char *cols, const char *at)
{
    xb_results *r = NULL;
    xb_assert_ok(xb_results_read(&r, FIXTURE));
    xb_table_spec spec = XB_TABLE_SPEC_INIT;
    spec.rows = rows;
    spec.cols = cols;
    xb_assert_ok(xb_table_spec_parse_at(&spec, at));
    xb_table *t = NULL;
    xb_assert_ok(xb_table_create(&t, r, &spec));
    xb_results_free(r);
    return t;
}

static void test_reports_results__reads_fixture(void **state)
{
    (void)state;
    xb_results *r = NULL;
    xb_assert_ok(xb_results_read(&r, FIXTURE));
    assert_int_equal(xb_results_nrows(r), 24); /* 8 trajectories x 3 epochs */
    assert_int_equal(xb_results_ncols(r), 12);
    long j = xb_results_find(r, "bwd_sigma");
    assert_int_equal(j, 8);
    assert_string_equal(xb_results_cell(r, 23, (size_t)j), "0.2");
    assert_true(xb_results_is_metric("angle_l1"));
    assert_true(xb_results_is_metric("energy_fwd_read"));
    assert_false(xb_results_is_metric("bwd_sigma"));
    xb_results_free(r);
}

static void test_reports_table__final_by_scenario_by_hand(void **state)
{
    (void)state;
    xb_table *t = make_table("scenario", NULL, "final");
    assert_int_equal(xb_table_nrows(t), 3);
    assert_int_equal(xb_table_ncols(t), 1);
    const xb_summary *a = xb_table_cell(t, 0, 0), *b = xb_table_cell(t, 1, 0),
                     *c = xb_table_cell(t, 2, 0);
    xb_assert_close(a->mean, 0.83, XB_TOL_EXACT, 0.0);
    xb_assert_close(a->std, 0.02, XB_TOL_EXACT, 0.0);
    /* (0.70, 0.74, 0.75): mean 0.73, ss = 0.0009 + 0.0001 + 0.0004 -> std sqrt(0.0007) */
    xb_assert_close(b->mean, 0.73, XB_TOL_EXACT, 0.0);
    xb_assert_close(b->std, sqrt(0.0007), XB_TOL_EXACT, 0.0);
    /* two seeds (0.60, 0.64): std = 0.04 / sqrt(2), CI = 12.706 * std / sqrt(2) */
    assert_int_equal(c->n, 2);
    xb_assert_close(c->std, 0.04 / sqrt(2.0), XB_TOL_EXACT, 0.0);
    xb_assert_close(c->ci95, 12.706 * 0.02, 0.0, TOL_TABLE3 * 0.02);
    xb_table_free(t);
}

/* best = max over epochs: bp-ideal seed 1 peaks at 0.82 (epoch 2), so the
 * replicates are {0.82, 0.83, 0.85}; epoch=1 gives {0.70, 0.72, 0.71}. */
static void test_reports_table__best_and_epoch(void **state)
{
    (void)state;
    xb_table *t = make_table("scenario", NULL, "best");
    xb_assert_close(xb_table_cell(t, 0, 0)->mean, 2.5 / 3.0, XB_TOL_EXACT, 0.0);
    xb_table_free(t);
    t = make_table("scenario", NULL, "epoch=1");
    xb_assert_close(xb_table_cell(t, 0, 0)->mean, 0.71, XB_TOL_EXACT, 0.0);
    xb_assert_close(xb_table_cell(t, 0, 0)->std, 0.01, XB_TOL_EXACT, 0.0);
    xb_table_free(t);
}

static void test_reports_table__golden_markdown_latex(void **state)
{
    (void)state;
    xb_table *t = make_table("scenario", NULL, "final");
    char *md = print_table(t, XB_TABLE_MARKDOWN), *tex = print_table(t, XB_TABLE_LATEX);
    assert_golden(md, "tests/golden/reports/small_by_scenario.md");
    assert_golden(tex, "tests/golden/reports/small_by_scenario.tex");
    free(md);
    free(tex);
    xb_table_free(t);
    /* rule x channel pools rbp-twin-lo and -hi: {0.70, 0.74, 0.75, 0.60, 0.64} */
    t = make_table("rule", "channel", "final");
    assert_int_equal(xb_table_nrows(t), 2);
    assert_int_equal(xb_table_ncols(t), 2);
    assert_int_equal(xb_table_cell(t, 0, 1)->n, 0); /* bp never ran on twin */
    xb_assert_close(xb_table_cell(t, 1, 1)->mean, 0.686, XB_TOL_EXACT, 0.0);
    md = print_table(t, XB_TABLE_MARKDOWN);
    tex = print_table(t, XB_TABLE_LATEX);
    assert_golden(md, "tests/golden/reports/small_rule_by_channel.md");
    assert_golden(tex, "tests/golden/reports/small_rule_by_channel.tex");
    free(md);
    free(tex);
    xb_table_free(t);
}

static void test_reports_table__csv_has_full_precision(void **state)
{
    (void)state;
    xb_table *t = make_table("scenario", NULL, "final");
    char *csv = print_table(t, XB_TABLE_CSV);
    const char *line = strstr(csv, "rbp-twin-lo,test_acc,final,3,");
    assert_non_null(line);
    double mean, std, lo, hi;
    assert_int_equal(sscanf(line + strlen("rbp-twin-lo,test_acc,final,3,"), "%lf,%lf,%lf,%lf",
                            &mean, &std, &lo, &hi),
                     4);
    xb_assert_close(mean, 0.73, XB_TOL_EXACT, 0.0);
    xb_assert_close(std, sqrt(0.0007), XB_TOL_EXACT, 0.0);
    xb_assert_close(hi - mean, 4.303 * sqrt(0.0007) / sqrt(3.0), 0.0, TOL_TABLE3);
    xb_assert_close(mean - lo, hi - mean, XB_TOL_EXACT, 0.0);
    free(csv);
    xb_table_free(t);
}

static char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/xb_reports_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void read_error(const char *text, int code, const char *needle)
{
    char *path = write_tmp(text);
    xb_results *r = NULL;
    xb_assert_error(xb_results_read(&r, path), code, needle);
    assert_null(r);
    unlink(path);
}

static void test_reports_results__errors_name_line_column_value(void **state)
{
    (void)state;
    read_error("scenario,run,seed,epoch,test_acc\na,0,1,1,0.5\na,0,1,2,abc\n", XB_EIO,
               ":3:9: column 'test_acc': value 'abc': a number");
    read_error("scenario,run,seed,epoch,test_acc\na,0,1,x1,0.5\n", XB_EIO,
               ":2:7: column 'epoch': value 'x1': an integer");
    read_error("scenario,run,seed,epoch,test_acc\na,0,1,1,\"0.5\"x\n", XB_EIO, ":2:14: malformed");
    read_error("scenario,run,seed,epoch,test_acc\na,0,1,1\n", XB_EIO, ":2:1: row has 4 fields");
    read_error("scenario,run,epoch,test_acc\na,0,1,0.5\n", XB_EIO, "missing key column 'seed'");
    read_error("scenario,run,seed,epoch,test_acc\na,0,1,1,\"0.5\n", XB_EIO, "unterminated");
    read_error("scenario,run,seed,epoch,lr,lr\n", XB_EIO, "column 'lr': value 'lr': duplicate");
}

/* Spreadsheet exports: a byte-order mark and CRLF line ends read the same. */
static void test_reports_results__bom_and_crlf(void **state)
{
    (void)state;
    char *path = write_tmp("\xEF\xBB\xBFscenario,run,seed,epoch,test_acc\r\na,a,1,1,0.5\r\n"
                           "a,a,2,1,0.7\r\n");
    xb_results *r = NULL;
    xb_assert_ok(xb_results_read(&r, path));
    assert_int_equal(xb_results_find(r, "scenario"), 0);
    assert_int_equal(xb_results_nrows(r), 2);
    xb_table_spec spec = XB_TABLE_SPEC_INIT;
    xb_table *t = NULL;
    xb_assert_ok(xb_table_create(&t, r, &spec));
    xb_assert_close(xb_table_cell(t, 0, 0)->mean, 0.6, XB_TOL_EXACT, 0.0);
    xb_table_free(t);
    xb_results_free(r);
    unlink(path);
}

static void test_reports_table__errors(void **state)
{
    (void)state;
    xb_results *r = NULL;
    xb_table *t = NULL;
    xb_assert_ok(xb_results_read(&r, FIXTURE));
    xb_table_spec spec = XB_TABLE_SPEC_INIT;
    spec.rows = "rule,nosuch";
    xb_assert_error(xb_table_create(&t, r, &spec), XB_ENOTFOUND, "column 'nosuch' is not in");
    spec = (xb_table_spec)XB_TABLE_SPEC_INIT;
    spec.value = "lr";
    xb_assert_error(xb_table_create(&t, r, &spec), XB_ENOTFOUND, "value 'lr' is not a metric");
    /* the message lists the fixture's metric columns, in file order */
    xb_assert_error(xb_table_create(&t, r, &spec), XB_ENOTFOUND,
                    "(metrics: train_loss, test_acc, angle_l1)");
    spec = (xb_table_spec)XB_TABLE_SPEC_INIT;
    xb_assert_ok(xb_table_spec_parse_at(&spec, "epoch=7"));
    xb_assert_error(xb_table_create(&t, r, &spec), XB_ENOTFOUND, "seed '1' (line 2) has no epoch 7");
    xb_assert_error(xb_table_spec_parse_at(&spec, "last"), XB_EINVAL, "'last': final, best");
    assert_null(t);
    xb_results_free(r);
    char *path = write_tmp("scenario,run,seed,epoch,test_acc\na,0,1,1,0.5\na,0,1,1,0.6\n");
    xb_assert_ok(xb_results_read(&r, path));
    spec = (xb_table_spec)XB_TABLE_SPEC_INIT;
    xb_assert_error(xb_table_create(&t, r, &spec), XB_EIO, ":3:7: column 'epoch': value '1': repeats line 2");
    xb_results_free(r);
    unlink(path);
}

/* The caption states informative common settings with their values, the
 * zero/off/empty ones by name, and only counts bwd_x equal to x. */
static void test_reports_table__caption_compacts_common_settings(void **state)
{
    (void)state;
    char *path = write_tmp("scenario,run,seed,epoch,test_acc,device,bwd_device,d2d,bwd_d2d,lr\n"
                           "a,a,1,1,0.5,vteam,vteam,0,0.1,0.2\n"
                           "b,b,1,1,0.6,vteam,vteam,0,0.1,0.3\n");
    xb_results *r = NULL;
    xb_assert_ok(xb_results_read(&r, path));
    xb_table_spec spec = XB_TABLE_SPEC_INIT;
    xb_table *t = NULL;
    xb_assert_ok(xb_table_create(&t, r, &spec));
    char *md = print_table(t, XB_TABLE_MARKDOWN);
    /* rows are runs; scenario repeats the run name, so it is not a column */
    assert_non_null(strstr(md, "| run | lr | n | test_acc | 95 % CI |\n"));
    assert_non_null(strstr(md, "Common settings: device = vteam, bwd_d2d = 0.1. "
                               "Zero, off or empty in every row: d2d. "
                               "1 bwd_ settings equal their forward counterparts."));
    free(md);
    xb_table_set_brief(t, 1);
    md = print_table(t, XB_TABLE_MARKDOWN);
    assert_null(strstr(md, "Common settings"));
    free(md);
    xb_table_free(t);
    xb_results_free(r);
    unlink(path);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

/* A scenario's description is free text (docs/scenarios.md) as long as a
 * sentence: it is listed once per scenario under the table, never a column
 * repeated in every row, in every format. */
static void test_reports_table__description_listed_once_not_a_column(void **state)
{
    (void)state;
    const char *sw = "Reference: plain memory, no arrays";
    const char *xb = "Weights on crossbar arrays: ideal vs Ag:a-Si devices, BP vs FA";
    xb_results *r = NULL;
    xb_assert_ok(xb_results_read(&r, "tests/data/reports/results_quickstart_like.csv"));
    xb_table_spec spec = XB_TABLE_SPEC_INIT;
    xb_table *t = NULL;
    xb_assert_ok(xb_table_create(&t, r, &spec));
    char *md = print_table(t, XB_TABLE_MARKDOWN), *tex = print_table(t, XB_TABLE_LATEX);
    char *csv = print_table(t, XB_TABLE_CSV);
    /* bwd_device and bwd_c2c copy device and c2c: counted, not shown */
    assert_non_null(strstr(md, "| run | scenario | hardware | rule | device | c2c | n | test_acc "
                               "| 95 % CI |\n"));
    assert_null(strstr(md, "description"));
    assert_int_equal(count(md, sw), 1);
    assert_int_equal(count(md, xb), 1);
    assert_non_null(strstr(md, "\nScenarios:\n\n- **software**: Reference: plain memory, no "
                               "arrays\n- **crossbar**: Weights on crossbar arrays"));
    assert_null(strstr(tex, "description"));
    assert_int_equal(count(tex, sw), 1);
    assert_int_equal(count(tex, xb), 1);
    assert_non_null(strstr(tex, "\\textit{crossbar}: Weights on crossbar arrays"));
    assert_true(strstr(tex, "\\textit{crossbar}") < strstr(tex, "\\end{table}"));
    assert_true(strncmp(csv, "run,value,at,n,mean,std,ci95_lo,ci95_hi\n", 40) == 0);
    assert_null(strstr(csv, "description"));
    assert_int_equal(count(csv, xb), 0);
    free(md);
    free(tex);
    free(csv);
    /* a second table over the same rows does not repeat them */
    xb_table_set_brief(t, 1);
    md = print_table(t, XB_TABLE_MARKDOWN);
    assert_int_equal(count(md, xb), 0);
    free(md);
    xb_table_free(t);
    xb_results_free(r);
}

/* Units of docs/results.md (Metrics): energies in J, times in s, angles in
 * degrees; fractions, losses and counts have none. */
static void test_reports_table__units_in_headers(void **state)
{
    (void)state;
    assert_string_equal(xb_metric_unit("energy_read"), "J");
    assert_string_equal(xb_metric_unit("energy_write"), "J");
    assert_string_equal(xb_metric_unit("latency_fwd"), "s");
    assert_string_equal(xb_metric_unit("seconds"), "s");
    assert_string_equal(xb_metric_unit("angle_l2"), "°");
    assert_string_equal(xb_metric_unit("delta_angle_l1"), "°");
    assert_null(xb_metric_unit("test_acc"));
    assert_null(xb_metric_unit("train_loss"));
    assert_null(xb_metric_unit("pulses_fwd"));
    xb_results *r = NULL;
    xb_assert_ok(xb_results_read(&r, "tests/data/reports/results_energy.csv"));
    xb_table_spec spec = XB_TABLE_SPEC_INIT;
    spec.rows = "scenario";
    spec.value = "energy_write";
    xb_table *t = NULL;
    xb_assert_ok(xb_table_create(&t, r, &spec));
    char *md = print_table(t, XB_TABLE_MARKDOWN), *tex = print_table(t, XB_TABLE_LATEX);
    assert_non_null(strstr(md, " | n | energy_write (J) | 95 % CI (J) |\n"));
    assert_non_null(strstr(md, "\nFinal energy_write (J), mean ± std over seeds"));
    assert_non_null(strstr(tex, " & $n$ & energy\\_write (\\si{\\joule}) & "
                                "95\\,\\% CI (\\si{\\joule}) \\\\"));
    free(md);
    free(tex);
    xb_table_free(t);
    xb_results_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reports_results__reads_fixture),
        cmocka_unit_test(test_reports_table__final_by_scenario_by_hand),
        cmocka_unit_test(test_reports_table__best_and_epoch),
        cmocka_unit_test(test_reports_table__golden_markdown_latex),
        cmocka_unit_test(test_reports_table__csv_has_full_precision),
        cmocka_unit_test(test_reports_results__errors_name_line_column_value),
        cmocka_unit_test(test_reports_table__errors),
        cmocka_unit_test(test_reports_results__bom_and_crlf),
        cmocka_unit_test(test_reports_table__caption_compacts_common_settings),
        cmocka_unit_test(test_reports_table__description_listed_once_not_a_column),
        cmocka_unit_test(test_reports_table__units_in_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
