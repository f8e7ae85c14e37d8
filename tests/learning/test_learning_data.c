/* learning datasets: IDX loader (plain and gzip), Fashion-MNIST from its Debian
 * package, and the in-memory helpers (subset, split, statistics, pooling,
 * minibatch gathering). Fixtures are written by the tests into a temporary
 * directory, so every expected value is known byte for byte. */
#include "xb_test.h"

#include "learning/learning.h"

#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

static char tmpdir[256];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/xb_test_data_XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown_dir(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *tpath(const char *name)
{
    static char buf[4][512];
    static int k = 0;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

/* Writes bytes to path, gzip-compressed when gz is set. */
static void write_bytes(const char *path, const unsigned char *b, size_t len, int gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(gzwrite(f, b, (unsigned)len), (int)len);
        assert_int_equal(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(b, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
    }
}

static size_t put_be32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
    return 4;
}

/* The fixture: 5 images of 3 rows x 2 columns and their labels. */
enum { FX_N = 5, FX_R = 3, FX_C = 2, FX_DIM = FX_R * FX_C };
static const unsigned char fx_pixels[FX_N * FX_DIM] = {
    0,   37,  255, 128, 1,   254, /* */
    17,  99,  200, 3,   77,  0,   /* */
    5,   6,   7,   8,   9,   10,  /* */
    250, 251, 252, 253, 254, 255, /* */
    42,  42,  0,   13,  190, 64,
};
static const int fx_labels[FX_N] = {3, 0, 2, 2, 1};

/* Images file: magic, n, rows, cols (big-endian) then pixels; the first
 * n_pix_bytes pixel bytes are written (fewer than FX_N*FX_DIM truncates). */
static size_t make_images(unsigned char *buf, uint32_t magic, uint32_t n, size_t n_pix_bytes)
{
    size_t o = 0;
    o += put_be32(buf + o, magic);
    o += put_be32(buf + o, n);
    o += put_be32(buf + o, FX_R);
    o += put_be32(buf + o, FX_C);
    memcpy(buf + o, fx_pixels, n_pix_bytes);
    return o + n_pix_bytes;
}

static size_t make_labels(unsigned char *buf, uint32_t magic, uint32_t n)
{
    size_t o = 0;
    o += put_be32(buf + o, magic);
    o += put_be32(buf + o, n);
    for (uint32_t i = 0; i < n; i++) {
        buf[o++] = (unsigned char)fx_labels[i % FX_N];
    }
    return o;
}

static void write_fixture(const char *img, const char *lab, int gz)
{
    unsigned char b[256];
    write_bytes(img, b, make_images(b, 0x00000803u, FX_N, sizeof fx_pixels), gz);
    write_bytes(lab, b, make_labels(b, 0x00000801u, FX_N), gz);
}

static void assert_fixture(const xb_dataset *ds, size_t n)
{
    assert_int_equal(ds->n, n);
    assert_int_equal(ds->dim, FX_DIM);
    assert_int_equal(ds->classification, 1);
    assert_null(ds->target);
    int max_label = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ds->label[i], fx_labels[i]);
        max_label = fx_labels[i] > max_label ? fx_labels[i] : max_label;
        for (size_t j = 0; j < FX_DIM; j++) {
            /* the loader's scaling is v / 255: same operation, same bits */
            xb_assert_close(ds->x[i * FX_DIM + j], fx_pixels[i * FX_DIM + j] / 255.0, XB_TOL_EXACT,
                            0.0);
        }
    }
    assert_int_equal(ds->n_out, (size_t)max_label + 1);
}

static void test_learning_data_idx__plain_file(void **state)
{
    (void)state;
    write_fixture(tpath("img.idx"), tpath("lab.idx"), 0);
    xb_dataset ds;
    xb_assert_ok(xb_dataset_load_idx(&ds, tpath("img.idx"), tpath("lab.idx"), 0));
    assert_fixture(&ds, FX_N);
    assert_string_equal(ds.name, "img.idx");
    xb_dataset_free(&ds);
    assert_null(ds.x);
    assert_int_equal(ds.n, 0);
    xb_dataset_free(&ds); /* twice is harmless */
    xb_dataset_free(NULL);
}

static void test_learning_data_idx__gzip_file_and_max_n(void **state)
{
    (void)state;
    write_fixture(tpath("img.idx.gz"), tpath("lab.idx.gz"), 1);
    xb_dataset ds;
    xb_assert_ok(xb_dataset_load_idx(&ds, tpath("img.idx.gz"), tpath("lab.idx.gz"), 0));
    assert_fixture(&ds, FX_N);
    xb_dataset_free(&ds);
    /* the first 2 samples have labels 3, 0: n_out comes from what was loaded */
    xb_assert_ok(xb_dataset_load_idx(&ds, tpath("img.idx.gz"), tpath("lab.idx.gz"), 2));
    assert_fixture(&ds, 2);
    assert_int_equal(ds.n_out, 4);
    xb_dataset_free(&ds);
    /* max_n larger than the file loads what is there */
    xb_assert_ok(xb_dataset_load_idx(&ds, tpath("img.idx.gz"), tpath("lab.idx.gz"), 1000));
    assert_fixture(&ds, FX_N);
    xb_dataset_free(&ds);
}

static void test_learning_data_idx__two_dimensional_rows(void **state)
{
    (void)state;
    /* magic 0x00000802: n x dim rows, no image shape */
    unsigned char b[256];
    size_t o = 0;
    o += put_be32(b + o, 0x00000802u);
    o += put_be32(b + o, FX_N);
    o += put_be32(b + o, FX_DIM);
    memcpy(b + o, fx_pixels, sizeof fx_pixels);
    write_bytes(tpath("rows.idx"), b, o + sizeof fx_pixels, 0);
    write_bytes(tpath("rows-lab.idx"), b, make_labels(b, 0x00000801u, FX_N), 0);
    xb_dataset ds;
    xb_assert_ok(xb_dataset_load_idx(&ds, tpath("rows.idx"), tpath("rows-lab.idx"), 0));
    assert_fixture(&ds, FX_N);
    xb_dataset_free(&ds);
}

static void test_learning_data_idx__errors_name_file_and_fault(void **state)
{
    (void)state;
    unsigned char b[256];
    xb_dataset ds;
    char want[600];
    write_fixture(tpath("ok-img.idx"), tpath("ok-lab.idx"), 0);

    /* a wrong magic number */
    write_bytes(tpath("bad-magic.idx"), b, make_images(b, 0x12345678u, FX_N, 30), 0);
    xb_assert_error(xb_dataset_load_idx(&ds, tpath("bad-magic.idx"), tpath("ok-lab.idx"), 0),
                    XB_EIO, "bad magic value 0x12345678");
    assert_non_null(strstr(xb_last_error(), "bad-magic.idx"));
    assert_null(ds.x);

    /* labels and images swapped: each has the other's magic */
    xb_assert_error(xb_dataset_load_idx(&ds, tpath("ok-img.idx"), tpath("ok-img.idx"), 0), XB_EIO,
                    "bad magic value 0x00000803 (expected 0x00000801");

    /* float elements (type 0x0D) are valid IDX but not MNIST-format */
    write_bytes(tpath("float.idx"), b, make_images(b, 0x00000D03u, FX_N, 30), 0);
    xb_assert_error(xb_dataset_load_idx(&ds, tpath("float.idx"), tpath("ok-lab.idx"), 0), XB_EIO,
                    "not unsigned byte");

    /* 16-byte header + 20 of the 30 pixel bytes: the read stops at byte 36 */
    write_bytes(tpath("short.idx"), b, make_images(b, 0x00000803u, FX_N, 20), 0);
    xb_assert_error(xb_dataset_load_idx(&ds, tpath("short.idx"), tpath("ok-lab.idx"), 0), XB_EIO,
                    "truncated at byte 36");
    snprintf(want, sizeof want, "%s: truncated", tpath("short.idx"));
    assert_non_null(strstr(xb_last_error(), want));
    /* the same content compressed: positions count uncompressed bytes */
    write_bytes(tpath("short.idx.gz"), b, make_images(b, 0x00000803u, FX_N, 20), 1);
    xb_assert_error(xb_dataset_load_idx(&ds, tpath("short.idx.gz"), tpath("ok-lab.idx"), 0), XB_EIO,
                    "truncated at byte 36");
    /* but asking only for the samples present succeeds: 20 bytes = 3 images */
    xb_assert_ok(xb_dataset_load_idx(&ds, tpath("short.idx.gz"), tpath("ok-lab.idx"), 3));
    assert_fixture(&ds, 3);
    xb_dataset_free(&ds);

    /* a gzip stream cut in the middle */
    {
        write_bytes(tpath("full.idx.gz"), b, make_images(b, 0x00000803u, FX_N, 30), 1);
        char *gz = NULL;
        size_t len = 0;
        xb_assert_ok(xb_file_read(tpath("full.idx.gz"), &gz, &len));
        write_bytes(tpath("cut.idx.gz"), (unsigned char *)gz, len / 2, 0);
        free(gz);
        xb_assert_error(xb_dataset_load_idx(&ds, tpath("cut.idx.gz"), tpath("ok-lab.idx"), 0),
                        XB_EIO, "cut.idx.gz");
        assert_non_null(strstr(xb_last_error(), "truncated at byte"));
    }

    /* a label file with 4 labels for 5 images */
    write_bytes(tpath("lab4.idx"), b, make_labels(b, 0x00000801u, 4), 0);
    xb_assert_error(xb_dataset_load_idx(&ds, tpath("ok-img.idx"), tpath("lab4.idx"), 0), XB_EDIM,
                    "label count 4");
    assert_non_null(strstr(xb_last_error(), "image count 5"));

    /* a zero size in the header */
    {
        size_t o = make_images(b, 0x00000803u, FX_N, 30);
        put_be32(b + 8, 0); /* rows */
        write_bytes(tpath("zero.idx"), b, o, 0);
        xb_assert_error(xb_dataset_load_idx(&ds, tpath("zero.idx"), tpath("ok-lab.idx"), 0), XB_EIO,
                        "header size 2 is 0");
    }

    /* headers claiming ~4e9 samples over 5 real ones: "truncated", found
     * before any allocation of that size */
    {
        size_t o = make_images(b, 0x00000803u, 0xFFFFFFF0u, 30);
        write_bytes(tpath("huge.idx"), b, o, 0);
        size_t ol = make_labels(b, 0x00000801u, FX_N);
        put_be32(b + 4, 0xFFFFFFF0u);
        write_bytes(tpath("huge-lab.idx"), b, ol, 0);
        xb_assert_error(xb_dataset_load_idx(&ds, tpath("huge.idx"), tpath("huge-lab.idx"), 0),
                        XB_EIO, "huge-lab.idx: truncated at byte 13 while reading labels");
        /* asking for the samples that are there works */
        xb_assert_ok(xb_dataset_load_idx(&ds, tpath("huge.idx"), tpath("huge-lab.idx"), 5));
        assert_fixture(&ds, 5);
        xb_dataset_free(&ds);
        /* 2^16 x 2^16 values per sample */
        o = make_images(b, 0x00000803u, FX_N, 30);
        put_be32(b + 8, 65536);
        put_be32(b + 12, 65536);
        write_bytes(tpath("wide.idx"), b, o, 0);
        xb_assert_error(xb_dataset_load_idx(&ds, tpath("wide.idx"), tpath("ok-lab.idx"), 0), XB_EIO,
                        "4294967296 values per sample is implausible");
    }

    /* an empty file */
    write_bytes(tpath("empty.idx"), b, 0, 0);
    xb_assert_error(xb_dataset_load_idx(&ds, tpath("empty.idx"), tpath("ok-lab.idx"), 0), XB_EIO,
                    "truncated at byte 0 while reading the magic number");

    /* a missing file */
    xb_assert_error(xb_dataset_load_idx(&ds, tpath("nope.idx"), tpath("ok-lab.idx"), 0),
                    XB_ENOTFOUND, "nope.idx: no such file");
    xb_assert_error(xb_dataset_load_idx(&ds, tpath("ok-img.idx"), tpath("nope-lab.idx"), 0),
                    XB_ENOTFOUND, "nope-lab.idx");
}

static void test_learning_data_fashion__missing_package_named(void **state)
{
    (void)state;
    xb_dataset tr, te;
    xb_assert_error(xb_dataset_load_fashion_mnist_dir(&tr, &te, tpath("no-such-dir"), 10, 10),
                    XB_ENOTFOUND, "dataset-fashion-mnist");
    assert_non_null(strstr(xb_last_error(), "no-such-dir/train-images-idx3-ubyte.gz"));
}

static void test_learning_data_fashion__directory_with_plain_files(void **state)
{
    (void)state;
    /* the unpacked original download: same names without .gz; a 28x28
     * fixture built from the 6-pixel pattern */
    unsigned char b[16 + 3 * 784];
    size_t o = 0;
    o += put_be32(b + o, 0x00000803u);
    o += put_be32(b + o, 3);
    o += put_be32(b + o, 28);
    o += put_be32(b + o, 28);
    for (size_t i = 0; i < 3 * 784; i++) {
        b[o + i] = fx_pixels[i % sizeof fx_pixels];
    }
    char dir[512];
    snprintf(dir, sizeof dir, "%s", tpath("fmnist"));
    xb_assert_ok(xb_mkdirs(dir));
    char p[600];
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte", dir);
    write_bytes(p, b, o + 3 * 784, 0);
    snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte.gz", dir);
    write_bytes(p, b, o + 3 * 784, 1);
    unsigned char l[16];
    snprintf(p, sizeof p, "%s/train-labels-idx1-ubyte", dir);
    write_bytes(p, l, make_labels(l, 0x00000801u, 3), 0);
    snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte.gz", dir);
    write_bytes(p, l, make_labels(l, 0x00000801u, 3), 1);

    xb_dataset tr, te;
    xb_assert_ok(xb_dataset_load_fashion_mnist_dir(&tr, &te, dir, 0, 2));
    assert_int_equal(tr.n, 3);
    assert_int_equal(te.n, 2);
    assert_int_equal(tr.dim, 784);
    assert_int_equal(tr.n_out, 10); /* the task's ten classes, not 1 + max label */
    assert_string_equal(tr.name, "fashion-mnist/train");
    assert_string_equal(te.name, "fashion-mnist/test");
    xb_assert_close(tr.x[2 * 784 + 5], fx_pixels[(2 * 784 + 5) % sizeof fx_pixels] / 255.0,
                    XB_TOL_EXACT, 0.0);
    xb_dataset_free(&tr);
    xb_dataset_free(&te);

    /* a dataset of other-shaped images is refused */
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte", dir);
    unsigned char s[256];
    write_bytes(p, s, make_images(s, 0x00000803u, 3, 18), 0);
    xb_assert_error(xb_dataset_load_fashion_mnist_dir(&tr, NULL, dir, 0, 0), XB_EIO,
                    "expected 28x28");
}

/* The real package files. Sizes: deps.md "Data sets" (60000 or 10000 images
 * of 28x28); classes: Xiao, Rasul, Vollgraf 2017 (arXiv 1708.07747),
 * abstract: "10 categories, with 7,000 images per category". */
static void test_learning_data_fashion__debian_package_files(void **state)
{
    (void)state;
    xb_dataset tr, te;
    xb_assert_ok(xb_dataset_load_fashion_mnist(&tr, &te, 0, 0));
    assert_int_equal(tr.n, 60000);
    assert_int_equal(te.n, 10000);
    assert_int_equal(tr.dim, 28 * 28);
    assert_int_equal(te.dim, 28 * 28);
    assert_int_equal(tr.n_out, 10);
    size_t ctr[10], cte[10];
    xb_assert_ok(xb_dataset_class_counts(&tr, ctr));
    xb_assert_ok(xb_dataset_class_counts(&te, cte));
    for (int k = 0; k < 10; k++) {
        assert_int_equal(ctr[k] + cte[k], 7000);
        /* the split is balanced as well: 60000 / 10 and 10000 / 10 */
        assert_int_equal(ctr[k], 6000);
        assert_int_equal(cte[k], 1000);
    }
    double lo = 1.0, hi = 0.0;
    for (size_t i = 0; i < te.n * te.dim; i++) {
        lo = te.x[i] < lo ? te.x[i] : lo;
        hi = te.x[i] > hi ? te.x[i] : hi;
    }
    /* both ends of the byte range occur, so scaling reaches exactly 0 and 1 */
    xb_assert_close(lo, 0.0, XB_TOL_EXACT, 0.0);
    xb_assert_close(hi, 1.0, XB_TOL_EXACT, 0.0);

    /* a prefix load gives the same first samples */
    xb_dataset small;
    xb_assert_ok(xb_dataset_load_fashion_mnist(&small, NULL, 100, 0));
    assert_int_equal(small.n, 100);
    assert_memory_equal(small.x, tr.x, 100 * 784 * sizeof(double));
    assert_memory_equal(small.label, tr.label, 100 * sizeof(int));
    xb_dataset_free(&small);
    xb_dataset_free(&tr);
    xb_dataset_free(&te);
}

/* The small real task: pooled prefixes of Fashion-MNIST, checked against a
 * naive block average of the full-resolution images. */
static void test_learning_data_fashion__pooled_small_task(void **state)
{
    (void)state;
    xb_dataset tr, te, full;
    xb_assert_ok(xb_dataset_load_fashion_mnist_pooled(&tr, &te, 300, 100, 4));
    xb_assert_ok(xb_dataset_load_fashion_mnist(&full, NULL, 300, 0));
    assert_int_equal(tr.n, 300);
    assert_int_equal(te.n, 100);
    assert_int_equal(tr.dim, 49);
    assert_int_equal(te.dim, 49);
    assert_int_equal(tr.n_out, 10);
    assert_string_equal(tr.name, "fashion-mnist-7x7/train");
    assert_string_equal(te.name, "fashion-mnist-7x7/test");
    for (size_t i = 0; i < 300; i++) {
        assert_int_equal(tr.label[i], full.label[i]);
        for (size_t r = 0; r < 7; r++) {
            for (size_t c = 0; c < 7; c++) {
                double s = 0.0;
                for (size_t k = 0; k < 16; k++) {
                    s += full.x[i * 784 + (4 * r + k / 4) * 28 + 4 * c + k % 4];
                }
                xb_assert_close(tr.x[i * 49 + r * 7 + c], s / 16.0, XB_TOL_EXACT, XB_TOL_EXACT);
            }
        }
    }
    xb_dataset_free(&tr);
    xb_dataset_free(&te);
    xb_dataset_free(&full);
    xb_assert_error(xb_dataset_load_fashion_mnist_pooled(&tr, &te, 10, 10, 3), XB_EINVAL,
                    "pooling factor 3");
}

/* ---------------------------------------------------------------- helpers */

/* 6 samples x 3 features, labels 0..2; feature 2 is constant. */
static void make_small(xb_dataset *ds)
{
    static const double x[6][3] = {{1.25, -0.5, 2.0}, {2.5, 0.75, 2.0},  {4.75, 3.125, 2.0},
                                   {-1.5, 0.25, 2.0}, {0.125, 1.5, 2.0}, {3.0, -2.25, 2.0}};
    static const int lab[6] = {2, 0, 1, 1, 0, 2};
    xb_assert_ok(xb_dataset_alloc(ds, "small", 6, 3, 3, 1));
    memcpy(ds->x, x, sizeof x);
    memcpy(ds->label, lab, sizeof lab);
}

static void test_learning_data_helpers__alloc_checks(void **state)
{
    (void)state;
    xb_dataset ds;
    xb_assert_error(xb_dataset_alloc(&ds, "z", 0, 3, 2, 1), XB_EINVAL, "n 0");
    xb_assert_error(xb_dataset_alloc(&ds, "z", SIZE_MAX / 4, SIZE_MAX / 4, 2, 1), XB_EINVAL,
                    "too large");
    xb_assert_ok(xb_dataset_alloc(&ds, "regression", 4, 2, 3, 0));
    assert_null(ds.label);
    assert_non_null(ds.target);
    assert_int_equal(ds.classification, 0);
    for (size_t i = 0; i < 4 * 3; i++) {
        assert_true(ds.target[i] == 0.0);
    }
    xb_dataset_free(&ds);
}

static void test_learning_data_helpers__subset_and_split(void **state)
{
    (void)state;
    xb_dataset ds, sub, a, b, a2, b2;
    make_small(&ds);
    xb_assert_ok(xb_dataset_subset(&sub, &ds, 2, 3));
    assert_int_equal(sub.n, 3);
    assert_memory_equal(sub.x, ds.x + 2 * 3, 3 * 3 * sizeof(double));
    assert_memory_equal(sub.label, ds.label + 2, 3 * sizeof(int));
    xb_dataset_free(&sub);
    xb_assert_ok(xb_dataset_subset(&sub, &ds, 4, 0)); /* 0: to the end */
    assert_int_equal(sub.n, 2);
    xb_dataset_free(&sub);
    xb_assert_error(xb_dataset_subset(&sub, &ds, 4, 3), XB_EINVAL, "[4, 7)");
    xb_assert_error(xb_dataset_subset(&sub, &ds, 6, 1), XB_EINVAL, "start 6");

    /* without rng: a is the head, b the tail */
    xb_assert_ok(xb_dataset_split(&a, &b, &ds, 4, NULL));
    assert_int_equal(a.n, 4);
    assert_int_equal(b.n, 2);
    assert_memory_equal(a.x, ds.x, 4 * 3 * sizeof(double));
    assert_memory_equal(b.x, ds.x + 4 * 3, 2 * 3 * sizeof(double));
    xb_dataset_free(&a);
    xb_dataset_free(&b);

    /* with rng: a permutation of the samples, identical for the same stream */
    xb_rng r;
    xb_rng_init(&r, 1234, XB_RNG_SHUFFLE, 0);
    xb_assert_ok(xb_dataset_split(&a, &b, &ds, 4, &r));
    assert_int_equal(r.pos, 0); /* the caller's stream did not move */
    xb_assert_ok(xb_dataset_split(&a2, &b2, &ds, 4, &r));
    assert_memory_equal(a.x, a2.x, 4 * 3 * sizeof(double));
    assert_memory_equal(b.label, b2.label, 2 * sizeof(int));
    int seen[6] = {0};
    for (size_t i = 0; i < 6; i++) {
        const xb_dataset *h = i < 4 ? &a : &b;
        size_t k = i < 4 ? i : i - 4;
        int found = 0;
        for (size_t s = 0; s < 6; s++) {
            if (memcmp(h->x + k * 3, ds.x + s * 3, 3 * sizeof(double)) == 0) {
                assert_int_equal(h->label[k], ds.label[s]);
                seen[s]++;
                found = 1;
            }
        }
        assert_true(found);
    }
    for (size_t s = 0; s < 6; s++) {
        assert_int_equal(seen[s], 1);
    }
    xb_dataset_free(&a);
    xb_dataset_free(&b);
    xb_dataset_free(&a2);
    xb_dataset_free(&b2);
    xb_assert_error(xb_dataset_split(&a, &b, &ds, 6, NULL), XB_EINVAL, "split size 6");
    xb_dataset_free(&ds);
}

static void test_learning_data_helpers__stats_and_standardize(void **state)
{
    (void)state;
    xb_dataset ds, te;
    make_small(&ds);
    double mean[3], sd[3];
    xb_assert_ok(xb_dataset_feature_stats(&ds, mean, sd));
    /* naive reference: textbook mean and population variance */
    for (size_t j = 0; j < 3; j++) {
        double s = 0.0, ss = 0.0;
        for (size_t i = 0; i < 6; i++) {
            s += ds.x[i * 3 + j];
        }
        for (size_t i = 0; i < 6; i++) {
            ss += (ds.x[i * 3 + j] - s / 6) * (ds.x[i * 3 + j] - s / 6);
        }
        xb_assert_close(mean[j], s / 6, XB_TOL_EXACT, XB_TOL_EXACT);
        xb_assert_close(sd[j], sqrt(ss / 6), XB_TOL_EXACT, XB_TOL_EXACT);
    }
    /* feature 0 by hand: sum 10.125, mean 1.6875 */
    xb_assert_close(mean[0], 10.125 / 6, XB_TOL_EXACT, 0.0);
    xb_assert_close(sd[2], 0.0, 0.0, 0.0);

    xb_assert_ok(xb_dataset_subset(&te, &ds, 0, 2));
    xb_assert_ok(xb_dataset_standardize(&ds, mean, sd));
    double m2[3], s2[3];
    xb_assert_ok(xb_dataset_feature_stats(&ds, m2, s2));
    for (size_t j = 0; j < 2; j++) {
        xb_assert_close(m2[j], 0.0, 0.0, XB_TOL_EXACT);
        xb_assert_close(s2[j], 1.0, XB_TOL_EXACT, 0.0);
    }
    /* the constant feature is centred, not divided by 0 */
    for (size_t i = 0; i < 6; i++) {
        assert_true(ds.x[i * 3 + 2] == 0.0);
    }
    /* the training statistics applied to another set */
    xb_assert_ok(xb_dataset_standardize(&te, mean, sd));
    assert_memory_equal(te.x, ds.x, 2 * 3 * sizeof(double));
    sd[1] = -1.0;
    xb_assert_error(xb_dataset_standardize(&te, mean, sd), XB_EINVAL, "feature 1");
    xb_dataset_free(&ds);
    xb_dataset_free(&te);
}

static void test_learning_data_helpers__pool(void **state)
{
    (void)state;
    xb_dataset ds, p;
    /* one 5x4 image (width 5, height 4): pixel (r, c) = 10 r + c */
    xb_assert_ok(xb_dataset_alloc(&ds, "img", 1, 20, 2, 1));
    for (size_t r = 0; r < 4; r++) {
        for (size_t c = 0; c < 5; c++) {
            ds.x[r * 5 + c] = 10.0 * (double)r + (double)c;
        }
    }
    ds.label[0] = 1;
    xb_assert_ok(xb_dataset_pool(&p, &ds, 5, 4, 2));
    assert_int_equal(p.dim, 4); /* 2 x 2, the fifth column dropped */
    /* block (R, C) averages 10 (2R + 0.5) + (2C + 0.5) */
    for (size_t r = 0; r < 2; r++) {
        for (size_t c = 0; c < 2; c++) {
            double want = 10.0 * (2.0 * (double)r + 0.5) + (2.0 * (double)c + 0.5);
            xb_assert_close(p.x[r * 2 + c], want, XB_TOL_EXACT, 0.0);
        }
    }
    assert_int_equal(p.label[0], 1);
    xb_dataset_free(&p);
    xb_assert_error(xb_dataset_pool(&p, &ds, 4, 4, 2), XB_EDIM, "4 x 4");
    xb_assert_error(xb_dataset_pool(&p, &ds, 5, 4, 0), XB_EINVAL, "factor 0");
    xb_dataset_free(&ds);
}

static void test_learning_data_helpers__batch_gathers_by_index(void **state)
{
    (void)state;
    xb_dataset ds;
    make_small(&ds);
    size_t idx[4] = {5, 0, 5, 3};
    double xb[4 * 3];
    int lb[4];
    xb_assert_ok(xb_dataset_batch(&ds, idx, 4, xb, lb));
    for (size_t b = 0; b < 4; b++) {
        assert_memory_equal(xb + b * 3, ds.x + idx[b] * 3, 3 * sizeof(double));
        assert_int_equal(lb[b], ds.label[idx[b]]);
    }
    xb_assert_ok(xb_dataset_batch(&ds, idx, 2, xb, NULL));
    idx[2] = 6;
    xb_assert_error(xb_dataset_batch(&ds, idx, 4, xb, lb), XB_EINVAL, "batch entry 2");
    double tb[4];
    xb_assert_error(xb_dataset_batch_targets(&ds, idx, 1, xb, tb), XB_EINVAL, "classification");
    size_t counts[3];
    xb_assert_ok(xb_dataset_class_counts(&ds, counts));
    assert_int_equal(counts[0], 2);
    assert_int_equal(counts[1], 2);
    assert_int_equal(counts[2], 2);
    xb_dataset_free(&ds);

    /* regression: targets by index */
    xb_assert_ok(xb_dataset_alloc(&ds, "reg", 3, 1, 2, 0));
    for (size_t i = 0; i < 3; i++) {
        ds.x[i] = 0.5 + (double)i;
        ds.target[2 * i] = -1.0 * (double)i;
        ds.target[2 * i + 1] = 2.0 * (double)i;
    }
    size_t ridx[2] = {2, 1};
    xb_assert_ok(xb_dataset_batch_targets(&ds, ridx, 2, NULL, tb));
    assert_true(tb[0] == -2.0 && tb[1] == 4.0 && tb[2] == -1.0 && tb[3] == 2.0);
    xb_assert_error(xb_dataset_batch(&ds, ridx, 2, xb, lb), XB_EINVAL, "regression");
    xb_assert_error(xb_dataset_class_counts(&ds, counts), XB_EINVAL, "no classes");
    xb_dataset_free(&ds);
}

static void test_learning_data_helpers__stratified(void **state)
{
    (void)state;
    xb_dataset ds, st;
    make_small(&ds); /* labels 2 0 1 1 0 2 */
    xb_assert_ok(xb_dataset_stratified(&st, &ds, 1));
    assert_int_equal(st.n, 3);
    /* first of each class, in file order: samples 0 (2), 1 (0), 2 (1) */
    assert_memory_equal(st.x, ds.x, 3 * 3 * sizeof(double));
    assert_int_equal(st.label[0], 2);
    assert_int_equal(st.label[1], 0);
    assert_int_equal(st.label[2], 1);
    xb_dataset_free(&st);
    xb_assert_ok(xb_dataset_stratified(&st, &ds, 2));
    assert_int_equal(st.n, 6);
    size_t counts[3];
    xb_assert_ok(xb_dataset_class_counts(&st, counts));
    assert_int_equal(counts[0] + counts[1] * 10 + counts[2] * 100, 222);
    xb_dataset_free(&st);
    xb_assert_error(xb_dataset_stratified(&st, &ds, 3), XB_EINVAL,
                    "class 0 of 'small' has 2 samples, fewer than 3");
    xb_dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learning_data_idx__plain_file),
        cmocka_unit_test(test_learning_data_idx__gzip_file_and_max_n),
        cmocka_unit_test(test_learning_data_idx__two_dimensional_rows),
        cmocka_unit_test(test_learning_data_idx__errors_name_file_and_fault),
        cmocka_unit_test(test_learning_data_fashion__missing_package_named),
        cmocka_unit_test(test_learning_data_fashion__directory_with_plain_files),
        cmocka_unit_test(test_learning_data_fashion__debian_package_files),
        cmocka_unit_test(test_learning_data_fashion__pooled_small_task),
        cmocka_unit_test(test_learning_data_helpers__alloc_checks),
        cmocka_unit_test(test_learning_data_helpers__subset_and_split),
        cmocka_unit_test(test_learning_data_helpers__stats_and_standardize),
        cmocka_unit_test(test_learning_data_helpers__pool),
        cmocka_unit_test(test_learning_data_helpers__stratified),
        cmocka_unit_test(test_learning_data_helpers__batch_gathers_by_index),
    };
    return cmocka_run_group_tests_name("learning_data", tests, setup_dir, teardown_dir);
}
