/* reports: figures are produced by gnuplot, are valid PNG/SVG/PDF, and come
 * with the data they plot (checked against the fixture's hand values) and the
 * script that made them. */
#include "xb_test.h"

#include "reports/reports.h"

#include <stdlib.h>
#include <unistd.h>

#define FIXTURE "tests/data/reports/results_small.csv"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/xb_fig_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *buf = NULL;
    xb_assert_ok(xb_file_read(path, &buf, len));
    return buf;
}

static void test_reports_figure__valid_png_svg_pdf_with_data(void **state)
{
    (void)state;
    xb_results *r = NULL;
    xb_assert_ok(xb_results_read(&r, FIXTURE));
    xb_figure_spec spec = XB_FIGURE_SPEC_INIT;
    char names[128];
    xb_assert_ok(xb_figures_write(r, dir, &spec, names, sizeof names));
    /* bwd_sigma is the only numeric setting that varies: it is the sweep */
    assert_string_equal(names, "fig_test_acc,fig_angle,fig_sweep");
    size_t len;
    /* PNG signature (PNG spec section 5.2) */
    char *png = slurp("fig_test_acc.png", &len);
    assert_true(len > 1000);
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    free(png);
    /* SVG: XML declaration then an <svg> root in the SVG namespace, closed */
    char *svg = slurp("fig_angle.svg", &len);
    assert_true(strncmp(svg, "<?xml", 5) == 0);
    assert_non_null(strstr(svg, "<svg"));
    assert_non_null(strstr(svg, "xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(svg, "</svg>"));
    free(svg);
    char *pdf = slurp("fig_sweep.pdf", &len);
    assert_memory_equal(pdf, "%PDF-", 5);
    free(pdf);
    /* the plotted data: epoch 3 of bp-ideal is mean 0.83, std 0.02 (see
     * test_reports_table.c); epoch 1 of rbp-twin-hi is {0.45, 0.47} */
    char *csv = slurp("fig_test_acc.csv", &len);
    assert_true(strncmp(csv, "epoch,bp-ideal,bp-ideal std,rbp-twin-lo,", 40) == 0);
    double e, m, s, m2, s2, m3, s3;
    char *row1 = strchr(csv, '\n') + 1;
    assert_int_equal(sscanf(row1, "%lf,%lf,%lf,%lf,%lf,%lf,%lf", &e, &m, &s, &m2, &s2, &m3, &s3), 7);
    xb_assert_close(e, 1.0, XB_TOL_EXACT, 0.0);
    xb_assert_close(m3, 0.46, XB_TOL_EXACT, 0.0);
    xb_assert_close(s3, 0.02 / sqrt(2.0), XB_TOL_EXACT, 0.0);
    char *row3 = strchr(strchr(row1, '\n') + 1, '\n') + 1;
    assert_int_equal(sscanf(row3, "%lf,%lf,%lf", &e, &m, &s), 3);
    xb_assert_close(m, 0.83, XB_TOL_EXACT, 0.0);
    xb_assert_close(s, 0.02, XB_TOL_EXACT, 0.0);
    free(csv);
    /* the script reads that CSV and sets no terminal, so it can be restyled */
    char *gp = slurp("fig_test_acc.gp", &len);
    assert_non_null(strstr(gp, "'fig_test_acc.csv'"));
    assert_null(strstr(gp, "\nset terminal"));
    free(gp);
    xb_results_free(r);
}

static void test_reports_figure__missing_gnuplot_is_a_clear_error(void **state)
{
    (void)state;
    const char *old = getenv("PATH");
    char *saved = old ? strdup(old) : NULL;
    setenv("PATH", dir, 1); /* a directory without gnuplot */
    int rc = xb_gnuplot_run(dir, "x.gp", "svg", "x.svg");
    const char *msg = xb_last_error();
    int has = strstr(msg, "gnuplot is not installed") != NULL && strstr(msg, "gnuplot-nox");
    if (saved) {
        setenv("PATH", saved, 1);
        free(saved);
    }
    assert_int_equal(rc, XB_ENOTFOUND);
    assert_true(has);
}

static void test_reports_figure__gnuplot_error_is_reported(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/bad.gp", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("plot 'no_such_file.csv' using 1:2\n", fp);
    fclose(fp);
    xb_assert_error(xb_gnuplot_run(dir, "bad.gp", "svg", "bad.svg"), XB_EEXTERNAL,
                    "no_such_file.csv");
}

/* A sweep of d2d that the backward array copies (bwd_d2d) is still one
 * swept variable, and one curve: means by hand (0.5, 0.7) -> 0.6, etc. */
static void test_reports_figure__sweep_with_a_copied_column(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/sweep.csv", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("scenario,run,seed,epoch,test_acc,d2d,bwd_d2d\n"
          "s,s/d2d=0,1,1,0.5,0,0\ns,s/d2d=0,2,1,0.7,0,0\n"
          "s,s/d2d=0.2,1,1,0.4,0.2,0.2\ns,s/d2d=0.2,2,1,0.2,0.2,0.2\n",
          fp);
    fclose(fp);
    xb_results *r = NULL;
    xb_assert_ok(xb_results_read(&r, path));
    xb_figure_spec spec = XB_FIGURE_SPEC_INIT;
    spec.png = spec.pdf = 0;
    char names[128];
    xb_assert_ok(xb_figures_write(r, dir, &spec, names, sizeof names));
    assert_string_equal(names, "fig_test_acc,fig_sweep");
    size_t len;
    char *csv = slurp("fig_sweep.csv", &len);
    double x0, m0, s0, x1, m1, s1;
    assert_int_equal(sscanf(csv, "d2d,test_acc,test_acc std\n%lf,%lf,%lf\n%lf,%lf,%lf", &x0, &m0,
                            &s0, &x1, &m1, &s1),
                     6);
    xb_assert_close(m0, 0.6, XB_TOL_EXACT, 0.0);
    xb_assert_close(s0, 0.2 / sqrt(2.0), XB_TOL_EXACT, 0.0);
    xb_assert_close(x1, 0.2, XB_TOL_EXACT, 0.0);
    xb_assert_close(m1, 0.3, XB_TOL_EXACT, 0.0);
    free(csv);
    xb_results_free(r);
}

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static int exists(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* Angle series without information are left out (docs/results.md: angle_l<k>
 * is 0 for bp and empty for layer 1 of a one-hidden-layer net): of the 12
 * (run, layer) series of the quickstart-like fixture, the 3 rbp angle_l2
 * remain. Hand values at epoch 1: {60, 62}, {50, 52}, {40, 44}. */
static void test_reports_figure__angle_skips_empty_and_zero_series(void **state)
{
    (void)state;
    xb_results *r = NULL;
    xb_assert_ok(xb_results_read(&r, "tests/data/reports/results_quickstart_like.csv"));
    xb_figure_spec spec = XB_FIGURE_SPEC_INIT;
    spec.png = spec.pdf = 0;
    write_file("fig_sweep.svg", "stale, from an earlier report\n");
    char names[128];
    xb_assert_ok(xb_figures_write(r, dir, &spec, names, sizeof names));
    /* c2c varies only together with device: no sweep figure, and none left over */
    assert_string_equal(names, "fig_test_acc,fig_angle");
    assert_false(exists("fig_sweep.svg"));
    size_t len;
    char *csv = slurp("fig_angle.csv", &len);
    const char *head = "epoch,software/rule=rbp,software/rule=rbp std,"
                       "crossbar/rule=rbp/device=ideal,crossbar/rule=rbp/device=ideal std,"
                       "crossbar/rule=rbp/device=agsi,crossbar/rule=rbp/device=agsi std\n";
    assert_true(strncmp(csv, head, strlen(head)) == 0);
    double e, m[3], sd[3];
    const char *row1 = strchr(strchr(csv, '\n') + 1, '\n') + 1;
    assert_int_equal(sscanf(row1, "%lf,%lf,%lf,%lf,%lf,%lf,%lf", &e, &m[0], &sd[0], &m[1], &sd[1],
                            &m[2], &sd[2]),
                     7);
    xb_assert_close(e, 1.0, XB_TOL_EXACT, 0.0);
    xb_assert_close(m[0], 61.0, XB_TOL_EXACT, 0.0);
    xb_assert_close(sd[0], sqrt(2.0), XB_TOL_EXACT, 0.0);
    xb_assert_close(m[1], 51.0, XB_TOL_EXACT, 0.0);
    xb_assert_close(m[2], 42.0, XB_TOL_EXACT, 0.0);
    xb_assert_close(sd[2], sqrt(8.0), XB_TOL_EXACT, 0.0);
    free(csv);
    /* one layer left: the y label says which; the legend sits below the plot */
    char *gp = slurp("fig_angle.gp", &len);
    assert_non_null(strstr(gp, "set ylabel \"angle_l2 (degrees)\""));
    assert_non_null(strstr(gp, "set key outside below"));
    free(gp);
    xb_results_free(r);
    /* bp only: every angle is 0, so there is no angle figure at all */
    write_file("bp.csv", "scenario,run,seed,epoch,test_acc,angle_l1,angle_l2,rule\n"
                         "a,a,1,0,0.1,,0,bp\na,a,1,1,0.5,,0,bp\n");
    snprintf(names, sizeof names, "%s/bp.csv", dir);
    xb_assert_ok(xb_results_read(&r, names));
    xb_assert_ok(xb_figures_write(r, dir, &spec, names, sizeof names));
    assert_string_equal(names, "fig_test_acc");
    assert_false(exists("fig_angle.svg"));
    xb_results_free(r);
}

/* The sweep figure needs runs that agree on every other setting and differ
 * in the numeric one. Three devices with three c2c values: c2c takes 3
 * values but is a property of the device, not swept. */
static void test_reports_figure__no_sweep_for_a_setting_tied_to_another(void **state)
{
    (void)state;
    write_file("dev.csv", "scenario,run,seed,epoch,test_acc,description,device,c2c,bwd_c2c\n"
                          "d,d/device=ideal,1,1,0.8,\"Three devices, each its own noise\",ideal,0,0\n"
                          "d,d/device=agsi,1,1,0.7,\"Three devices, each its own noise\",agsi,0.035,0.035\n"
                          "d,d/device=pcmo,1,1,0.6,\"Three devices, each its own noise\",pcmo,0.05,0.05\n");
    char path[128];
    snprintf(path, sizeof path, "%s/dev.csv", dir);
    xb_results *r = NULL;
    xb_assert_ok(xb_results_read(&r, path));
    xb_figure_spec spec = XB_FIGURE_SPEC_INIT;
    spec.png = spec.pdf = 0;
    char names[128];
    xb_assert_ok(xb_figures_write(r, dir, &spec, names, sizeof names));
    assert_string_equal(names, "fig_test_acc");
    /* named on the command line, it is drawn all the same */
    spec.sweep = "c2c";
    xb_assert_ok(xb_figures_write(r, dir, &spec, names, sizeof names));
    assert_string_equal(names, "fig_test_acc,fig_sweep");
    xb_results_free(r);
}

/* Shaped like scenarios/examples/d2d_backward_sweep.csv: bwd_d2d swept within
 * each scenario, scenarios differing in rule and description. One curve per
 * scenario, named by the scenario, never by the description. Hand values:
 * fa at 0.25 {0.70, 0.74} -> 0.72; afa at 0.5 {0.60, 0.66} -> 0.63. */
static void test_reports_figure__sweep_curves_named_by_scenario(void **state)
{
    (void)state;
    write_file("d2d.csv",
               "scenario,run,seed,epoch,test_acc,description,rule,device,bwd_device,bwd_d2d\n"
               "fa,fa/bwd_d2d=0,1,1,0.8,\"FA, B on its own array\",rbp,agsi,agsi,0\n"
               "fa,fa/bwd_d2d=0,2,1,0.8,\"FA, B on its own array\",rbp,agsi,agsi,0\n"
               "fa,fa/bwd_d2d=0.25,1,1,0.7,\"FA, B on its own array\",rbp,agsi,agsi,0.25\n"
               "fa,fa/bwd_d2d=0.25,2,1,0.74,\"FA, B on its own array\",rbp,agsi,agsi,0.25\n"
               "fa,fa/bwd_d2d=0.5,1,1,0.6,\"FA, B on its own array\",rbp,agsi,agsi,0.5\n"
               "fa,fa/bwd_d2d=0.5,2,1,0.6,\"FA, B on its own array\",rbp,agsi,agsi,0.5\n"
               "afa,afa/bwd_d2d=0,1,1,0.8,\"Adaptive FA, B written every step\",arbp,agsi,agsi,0\n"
               "afa,afa/bwd_d2d=0,2,1,0.8,\"Adaptive FA, B written every step\",arbp,agsi,agsi,0\n"
               "afa,afa/bwd_d2d=0.25,1,1,0.7,\"Adaptive FA, B written every step\",arbp,agsi,agsi,0.25\n"
               "afa,afa/bwd_d2d=0.25,2,1,0.7,\"Adaptive FA, B written every step\",arbp,agsi,agsi,0.25\n"
               "afa,afa/bwd_d2d=0.5,1,1,0.6,\"Adaptive FA, B written every step\",arbp,agsi,agsi,0.5\n"
               "afa,afa/bwd_d2d=0.5,2,1,0.66,\"Adaptive FA, B written every step\",arbp,agsi,agsi,0.5\n");
    char path[128];
    snprintf(path, sizeof path, "%s/d2d.csv", dir);
    xb_results *r = NULL;
    xb_assert_ok(xb_results_read(&r, path));
    xb_figure_spec spec = XB_FIGURE_SPEC_INIT;
    spec.png = spec.pdf = 0;
    char names[128];
    xb_assert_ok(xb_figures_write(r, dir, &spec, names, sizeof names));
    assert_string_equal(names, "fig_test_acc,fig_sweep");
    size_t len;
    char *csv = slurp("fig_sweep.csv", &len);
    double x[3], fa[3], fs[3], afa[3], as[3];
    int got = sscanf(csv, "bwd_d2d,fa,fa std,afa,afa std\n%lf,%lf,%lf,%lf,%lf\n%lf,%lf,%lf,%lf,%lf\n"
                          "%lf,%lf,%lf,%lf,%lf",
                     &x[0], &fa[0], &fs[0], &afa[0], &as[0], &x[1], &fa[1], &fs[1], &afa[1], &as[1],
                     &x[2], &fa[2], &fs[2], &afa[2], &as[2]);
    assert_int_equal(got, 15);
    xb_assert_close(x[1], 0.25, XB_TOL_EXACT, 0.0);
    xb_assert_close(fa[1], 0.72, XB_TOL_EXACT, 0.0);
    xb_assert_close(afa[2], 0.63, XB_TOL_EXACT, 0.0);
    xb_assert_close(as[0], 0.0, XB_TOL_EXACT, 0.0);
    free(csv);
    xb_results_free(r);
    /* curves that are not one scenario each are named by the settings that
     * tell them apart: the fixture's rbp-twin-lo and -hi form one curve */
    xb_assert_ok(xb_results_read(&r, FIXTURE));
    xb_assert_ok(xb_figures_write(r, dir, &spec, names, sizeof names));
    csv = slurp("fig_sweep.csv", &len);
    const char *head = "bwd_sigma,rule=bp channel=bidirectional,rule=bp channel=bidirectional std,"
                       "rule=rbp channel=twin,rule=rbp channel=twin std\n";
    assert_true(strncmp(csv, head, strlen(head)) == 0);
    free(csv);
    xb_results_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reports_figure__valid_png_svg_pdf_with_data),
        cmocka_unit_test(test_reports_figure__missing_gnuplot_is_a_clear_error),
        cmocka_unit_test(test_reports_figure__gnuplot_error_is_reported),
        cmocka_unit_test(test_reports_figure__sweep_with_a_copied_column),
        cmocka_unit_test(test_reports_figure__angle_skips_empty_and_zero_series),
        cmocka_unit_test(test_reports_figure__no_sweep_for_a_setting_tied_to_another),
        cmocka_unit_test(test_reports_figure__sweep_curves_named_by_scenario),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
