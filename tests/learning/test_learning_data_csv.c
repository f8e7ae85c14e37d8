/* learning datasets: numeric CSV files through libcsv in strict mode. Every
 * fixture is written by the test, so positions in error messages are counted
 * by hand from the bytes below. */
#include "xb_test.h"

#include "learning/learning.h"

#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

static char tmpdir[256];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/xb_test_csv_XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown_dir(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to tmpdir/name (gzip when gz) and returns the path. */
static const char *put(const char *name, const char *text, int gz)
{
    static char buf[4][512];
    static int k = 0;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    size_t len = strlen(text);
    if (gz) {
        gzFile f = gzopen(buf[k], "wb");
        assert_non_null(f);
        assert_int_equal(gzwrite(f, text, (unsigned)len), (int)len);
        assert_int_equal(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(buf[k], "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
    }
    return buf[k];
}

/* BOM, header, CRLF line ends, a quoted number, no newline at the end. */
static const char basic[] = "\xEF\xBB\xBF"
                            "f1,f2,f3,label\r\n"
                            "1.5,2,-3,0\r\n"
                            "\"4\",5.25,6,2\r\n"
                            "7,8,9e-1,1";
static const double basic_x[3][3] = {{1.5, 2, -3}, {4, 5.25, 6}, {7, 8, 0.9}};
static const int basic_y[3] = {0, 2, 1};

static void assert_basic(const xb_dataset *ds)
{
    assert_int_equal(ds->n, 3);
    assert_int_equal(ds->dim, 3);
    assert_int_equal(ds->n_out, 3); /* 1 + the largest label */
    assert_int_equal(ds->classification, 1);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(ds->label[i], basic_y[i]);
        for (size_t j = 0; j < 3; j++) {
            /* strtod of the same text: exact */
            xb_assert_close(ds->x[i * 3 + j], basic_x[i][j], XB_TOL_EXACT, 0.0);
        }
    }
}

static void test_learning_data_csv__header_crlf_bom_quotes(void **state)
{
    (void)state;
    xb_dataset_csv_options o = XB_DATASET_CSV_OPTIONS_INIT;
    o.header = 1;
    xb_dataset ds;
    xb_assert_ok(xb_dataset_load_csv(&ds, put("basic.csv", basic, 0), -1, &o));
    assert_basic(&ds);
    assert_string_equal(ds.name, "basic.csv");
    xb_dataset_free(&ds);
    /* the same label column counted from the front */
    xb_assert_ok(xb_dataset_load_csv(&ds, put("basic.csv", basic, 0), 3, &o));
    assert_basic(&ds);
    xb_dataset_free(&ds);
    /* gzip-compressed */
    xb_assert_ok(xb_dataset_load_csv(&ds, put("basic.csv.gz", basic, 1), -1, &o));
    assert_basic(&ds);
    xb_dataset_free(&ds);
    /* first max_n rows */
    o.max_n = 2;
    xb_assert_ok(xb_dataset_load_csv(&ds, put("basic.csv", basic, 0), -1, &o));
    assert_int_equal(ds.n, 2);
    assert_int_equal(ds.label[1], 2);
    xb_dataset_free(&ds);
}

static void test_learning_data_csv__label_first_no_header(void **state)
{
    (void)state;
    xb_dataset ds;
    const char *p = put("first.csv", "1,0.25,0.5\n0,0.75,1.125\n\n4,-1,2\n", 0);
    xb_assert_ok(xb_dataset_load_csv(&ds, p, 0, NULL));
    assert_int_equal(ds.n, 3); /* the blank line is no row */
    assert_int_equal(ds.dim, 2);
    assert_int_equal(ds.n_out, 5);
    assert_int_equal(ds.label[2], 4);
    xb_assert_close(ds.x[1 * 2 + 1], 1.125, XB_TOL_EXACT, 0.0);
    xb_assert_close(ds.x[2 * 2 + 0], -1.0, XB_TOL_EXACT, 0.0);
    xb_dataset_free(&ds);
}

static void test_learning_data_csv__regression_targets(void **state)
{
    (void)state;
    xb_dataset_csv_options o = XB_DATASET_CSV_OPTIONS_INIT;
    o.n_targets = 2;
    xb_dataset ds;
    const char *p = put("reg.csv", "0.5,1,10,20\n1.5,2,30,40\n", 0);
    xb_assert_ok(xb_dataset_load_csv(&ds, p, 2, &o));
    assert_int_equal(ds.classification, 0);
    assert_null(ds.label);
    assert_int_equal(ds.dim, 2);
    assert_int_equal(ds.n_out, 2);
    assert_true(ds.x[2] == 1.5 && ds.x[3] == 2.0);
    assert_true(ds.target[0] == 10.0 && ds.target[1] == 20.0 && ds.target[3] == 40.0);
    xb_dataset_free(&ds);
    /* targets in the middle: features on both sides */
    xb_assert_ok(xb_dataset_load_csv(&ds, p, 1, &o));
    assert_true(ds.x[0] == 0.5 && ds.x[1] == 20.0);
    assert_true(ds.target[0] == 1.0 && ds.target[1] == 10.0);
    xb_dataset_free(&ds);
}

static void test_learning_data_csv__scaling(void **state)
{
    (void)state;
    xb_dataset_csv_options o = XB_DATASET_CSV_OPTIONS_INIT;
    o.scale = 0.0625; /* 1/16: the 0..16 range of the 8x8 digits */
    xb_dataset ds;
    const char *p = put("sc.csv", "2,16,7,0\n4,8,7,1\n6,0,7,1\n", 0);
    xb_assert_ok(xb_dataset_load_csv(&ds, p, -1, &o));
    xb_assert_close(ds.x[0], 2.0 / 16.0, XB_TOL_EXACT, 0.0);
    xb_assert_close(ds.x[1], 1.0, XB_TOL_EXACT, 0.0);
    xb_dataset_free(&ds);
    /* min-max after the scale: column 0 -> 0, 0.5, 1; the constant column -> 0 */
    o.minmax = 1;
    xb_assert_ok(xb_dataset_load_csv(&ds, p, -1, &o));
    xb_assert_close(ds.x[0 * 3 + 0], 0.0, 0.0, XB_TOL_EXACT);
    xb_assert_close(ds.x[1 * 3 + 0], 0.5, XB_TOL_EXACT, 0.0);
    xb_assert_close(ds.x[2 * 3 + 0], 1.0, XB_TOL_EXACT, 0.0);
    xb_assert_close(ds.x[0 * 3 + 1], 1.0, XB_TOL_EXACT, 0.0);
    xb_assert_close(ds.x[2 * 3 + 1], 0.0, 0.0, XB_TOL_EXACT);
    for (size_t i = 0; i < 3; i++) {
        assert_true(ds.x[i * 3 + 2] == 0.0);
    }
    xb_dataset_free(&ds);
    o.scale = -1.0;
    xb_assert_error(xb_dataset_load_csv(&ds, p, -1, &o), XB_EINVAL, "scale -1");
}

/* Each bad file and the exact message prefix it must produce. Columns are
 * 1-based byte positions of the field start (or of the offending byte). */
static void test_learning_data_csv__errors_give_line_column_value(void **state)
{
    (void)state;
    xb_dataset ds;
    char want[700];
    static const struct {
        const char *name, *text;
        int label_column;
        int code;
        const char *msg; /* after "<path>" */
    } cases[] = {
        {"nan.csv", "1,2,3\n4,abc,6\n", -1, XB_EIO, ":2:3: column 2: value 'abc' is not a number"},
        {"part.csv", "1,2,3\n4,5x,6\n", -1, XB_EIO, ":2:3: column 2: value '5x' is not a number"},
        {"inf.csv", "1,inf,3\n", -1, XB_EIO, ":1:3: column 2: value 'inf' is not a finite"},
        {"empty.csv", "1,,3\n", -1, XB_EIO, ":1:3: column 2: empty value"},
        {"trail.csv", "1,2,\n", -1, XB_EIO, ":1:5: column 3: empty value"},
        {"ragged.csv", "1,2,3\n4,5,6\n7,8\n", -1, XB_EIO,
         ":3: row has 2 fields, expected 3 (as on line 1)"},
        {"frac.csv", "1,2,3\n4,5,2.5\n", -1, XB_EIO,
         ":2:5: column 3: label '2.5' is not a class index"},
        {"neg.csv", "1,2,0\n4,5,-1\n", -1, XB_EIO, ":2:5: column 3: label '-1' is not"},
        {"quote.csv", "1,\"2\"x,3\n", -1, XB_EIO, ":1:6: malformed CSV at 'x'"},
        {"open.csv", "1,2,\"3\n", -1, XB_EIO, ":1:5: unterminated quoted field"},
        {"range.csv", "1,2,3\n", 5, XB_EINVAL, ": label column 5 is out of range: line 1 has 3"},
        {"range2.csv", "1,2,3\n", -4, XB_EINVAL, ": label column -4 is out of range"},
        {"narrow.csv", "1\n2\n", -1, XB_EIO, ":1: 1 column(s) leave no feature"},
        {"nodata.csv", "", -1, XB_EIO, ": no data rows"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *p = put(cases[k].name, cases[k].text, 0);
        snprintf(want, sizeof want, "%s%s", p, cases[k].msg);
        xb_assert_error(xb_dataset_load_csv(&ds, p, cases[k].label_column, NULL), cases[k].code,
                        want);
        assert_null(ds.x);
    }
    /* a header that disagrees with the data */
    xb_dataset_csv_options o = XB_DATASET_CSV_OPTIONS_INIT;
    o.header = 1;
    const char *p = put("hdr.csv", "a,b,c,label\n1,2,3\n", 0);
    snprintf(want, sizeof want, "%s:2: row has 3 fields, expected 4 (as on line 1)", p);
    xb_assert_error(xb_dataset_load_csv(&ds, p, -1, &o), XB_EIO, want);
    p = put("hdronly.csv", "a,b,label\n", 0);
    xb_assert_error(xb_dataset_load_csv(&ds, p, -1, &o), XB_EIO, "no data rows");
    /* an error after a gzip header is reported the same way */
    p = put("nan.csv.gz", "1,2,3\n4,abc,6\n", 1);
    xb_assert_error(xb_dataset_load_csv(&ds, p, -1, NULL), XB_EIO, "csv.gz:2:3: column 2");
    xb_assert_error(xb_dataset_load_csv(&ds, "/nonexistent-dir/x.csv", -1, NULL), XB_ENOTFOUND,
                    "/nonexistent-dir/x.csv: no such file");
}

/* A larger file: 2000 rows x 65 columns in the layout of the 8x8 digits
 * (deps.md "Data sets": 64 pixels 0..16, then the label), checked value by
 * value against the generator. */
static void test_learning_data_csv__digits_layout(void **state)
{
    (void)state;
    const size_t n = 2000, w = 65;
    char *text = malloc(n * w * 4 + 1);
    assert_non_null(text);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < w; j++) {
            unsigned v = j + 1 < w ? (unsigned)((i * 7 + j * 13) % 17) : (unsigned)(i % 10);
            o += (size_t)sprintf(text + o, j + 1 < w ? "%u," : "%u\n", v);
        }
    }
    text[o] = '\0';
    const char *p = put("digits.csv.gz", text, 1);
    free(text);
    xb_dataset_csv_options opt = XB_DATASET_CSV_OPTIONS_INIT;
    opt.scale = 1.0 / 16.0;
    xb_dataset ds;
    xb_assert_ok(xb_dataset_load_csv(&ds, p, -1, &opt));
    assert_int_equal(ds.n, n);
    assert_int_equal(ds.dim, 64);
    assert_int_equal(ds.n_out, 10);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ds.label[i], (int)(i % 10));
        for (size_t j = 0; j < 64; j++) {
            double v = (double)((i * 7 + j * 13) % 17) * (1.0 / 16.0);
            xb_assert_close(ds.x[i * 64 + j], v, XB_TOL_EXACT, 0.0);
        }
    }
    xb_dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learning_data_csv__header_crlf_bom_quotes),
        cmocka_unit_test(test_learning_data_csv__label_first_no_header),
        cmocka_unit_test(test_learning_data_csv__regression_targets),
        cmocka_unit_test(test_learning_data_csv__scaling),
        cmocka_unit_test(test_learning_data_csv__errors_give_line_column_value),
        cmocka_unit_test(test_learning_data_csv__digits_layout),
    };
    return cmocka_run_group_tests_name("learning_data_csv", tests, setup_dir, teardown_dir);
}
