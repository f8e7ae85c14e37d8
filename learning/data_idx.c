/* MNIST-format IDX files (plain or gzip) and Fashion-MNIST from its Debian package.
 *
 * IDX: a 4-byte magic 0x00 0x00 <type> <ndim>, then ndim big-endian uint32
 * sizes, then the data. Only type 0x08 (unsigned byte) is used by MNIST-style
 * files, and it is the only one read here. zlib's gzread passes plain files
 * through unchanged, so one reader covers .idx and .idx.gz. */
#include "learning/learning.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define IDX_TYPE_UBYTE 0x08
#define IDX_MAX_DIMS 4
/* Samples are read and converted in chunks of this many bytes, so a header
 * that claims more data than the file holds fails at "truncated" instead of
 * at a huge allocation. */
#define CHUNK_BYTES (1u << 16)
/* Values per sample beyond which a header is taken as corrupt (a 4096 x 4096
 * image is 2^24). */
#define IDX_MAX_DIM (1u << 24)

typedef struct {
    gzFile f;
    const char *path;
    size_t offset; /* uncompressed bytes consumed so far */
} idx_file;

static int idx_open(idx_file *r, const char *path)
{
    r->path = path;
    r->offset = 0;
    errno = 0;
    r->f = gzopen(path, "rb");
    if (r->f == NULL) {
        int e = errno;
        if (e == ENOENT) {
            return xb__error_set(XB_ENOTFOUND, "%s: no such file", path);
        }
        return xb__error_set(XB_EIO, "%s: cannot open: %s", path,
                             e != 0 ? strerror(e) : "zlib could not allocate its state");
    }
    /* a larger buffer than zlib's 8 KiB default roughly halves the reads */
    gzbuffer(r->f, 1u << 17);
    return XB_OK;
}

static void idx_close(idx_file *r)
{
    if (r->f != NULL) {
        gzclose(r->f);
        r->f = NULL;
    }
}

/* zlib's message starts with the path again; drop it, the caller names it. */
static const char *gz_message(idx_file *r, int *zerr)
{
    const char *msg = gzerror(r->f, zerr);
    size_t np = strlen(r->path);
    if (strncmp(msg, r->path, np) == 0 && strncmp(msg + np, ": ", 2) == 0) {
        msg += np + 2;
    }
    return msg;
}

/* Reads exactly len bytes; what_for says what the bytes are, for the message. */
static int idx_read(idx_file *r, void *buf, size_t len, const char *what_for)
{
    size_t got = 0;
    while (got < len) {
        unsigned want = (unsigned)((len - got) > (size_t)INT_MAX ? (size_t)INT_MAX : len - got);
        int k = gzread(r->f, (unsigned char *)buf + got, want);
        if (k < 0) {
            int zerr = 0;
            const char *msg = gz_message(r, &zerr);
            return xb__error_set(XB_EIO, "%s: gzip data is corrupt at byte %zu (%s): %s", r->path,
                                 r->offset + got, what_for, msg);
        }
        if (k == 0) {
            int zerr = 0;
            const char *msg = gz_message(r, &zerr);
            return xb__error_set(XB_EIO, "%s: truncated at byte %zu while reading %s%s%s", r->path,
                                 r->offset + got, what_for, zerr != Z_OK ? ": " : "",
                                 zerr != Z_OK ? msg : "");
        }
        got += (size_t)k;
    }
    r->offset += got;
    return XB_OK;
}

static uint32_t be32(const unsigned char *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

/* Reads and checks the header. ndim_ok_min..max is the range of ndim allowed;
 * dims_out receives the sizes. */
static int idx_header(idx_file *r, int ndim_min, int ndim_max, uint32_t expect_magic,
                      const char *kind, uint32_t *dims_out, int *ndim_out)
{
    unsigned char b[4];
    XB_TRY(idx_read(r, b, 4, "the magic number"));
    uint32_t magic = be32(b);
    int ndim = b[3];
    if (b[0] != 0 || b[1] != 0 || b[2] != IDX_TYPE_UBYTE || ndim < ndim_min || ndim > ndim_max) {
        if (b[0] == 0 && b[1] == 0 && b[2] != IDX_TYPE_UBYTE && ndim >= ndim_min &&
            ndim <= ndim_max) {
            return xb__error_set(XB_EIO,
                                 "%s: bad magic value 0x%08x: element type 0x%02x is not "
                                 "unsigned byte (0x08), the only type MNIST-format %s use",
                                 r->path, (unsigned)magic, b[2], kind);
        }
        return xb__error_set(XB_EIO,
                             "%s: bad magic value 0x%08x (expected 0x%08x for MNIST-format %s)%s",
                             r->path, (unsigned)magic, (unsigned)expect_magic, kind,
                             b[0] != 0 || b[1] != 0 ? ": not an IDX file" : "");
    }
    for (int d = 0; d < ndim; d++) {
        XB_TRY(idx_read(r, b, 4, "the header sizes"));
        dims_out[d] = be32(b);
        if (dims_out[d] == 0) {
            return xb__error_set(XB_EIO, "%s: header size %d is 0", r->path, d + 1);
        }
    }
    *ndim_out = ndim;
    return XB_OK;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s != NULL ? s + 1 : path;
}

/* Reads n labels into a growing array (as read_pixels, so a header that
 * claims billions of labels fails at "truncated", not at the allocation);
 * *lab_out is owned by the caller on success. */
static int read_labels(idx_file *r, size_t n, int **lab_out)
{
    unsigned char buf[4096];
    int *lab = NULL;
    size_t cap = 0, done = 0;
    while (done < n) {
        size_t k = n - done < sizeof buf ? n - done : sizeof buf;
        int rc = idx_read(r, buf, k, "labels");
        if (rc == XB_OK && done + k > cap) {
            size_t want = cap == 0 ? 16 * sizeof buf : cap * 2;
            want = want > n ? n : want;
            int *nl = realloc(lab, want * sizeof *lab);
            if (nl == NULL) {
                rc = xb__error_set(XB_ENOMEM, "out of memory");
            } else {
                lab = nl;
                cap = want;
            }
        }
        if (rc != XB_OK) {
            free(lab);
            return rc;
        }
        for (size_t i = 0; i < k; i++) {
            lab[done + i] = buf[i];
        }
        done += k;
    }
    *lab_out = lab;
    return XB_OK;
}

/* Reads n samples of dim bytes each into a growing array of doubles scaled to
 * [0, 1]; *x_out is owned by the caller on success. */
static int read_pixels(idx_file *r, size_t n, size_t dim, double **x_out)
{
    unsigned char *buf = NULL;
    double *x = NULL;
    size_t cap = 0;
    int rc = XB_OK;
    size_t per_chunk = CHUNK_BYTES / dim > 0 ? CHUNK_BYTES / dim : 1;
    buf = malloc(per_chunk * dim);
    if (buf == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    size_t done = 0;
    while (done < n) {
        size_t k = n - done < per_chunk ? n - done : per_chunk;
        rc = idx_read(r, buf, k * dim, "pixels");
        if (rc != XB_OK) {
            goto out;
        }
        if (done + k > cap) {
            size_t want = cap == 0 ? per_chunk * 16 : cap * 2;
            if (want > n) {
                want = n;
            }
            double *nx = realloc(x, want * dim * sizeof *x);
            if (nx == NULL) {
                rc = xb__error_set(XB_ENOMEM, "out of memory");
                goto out;
            }
            x = nx;
            cap = want;
        }
        double *dst = x + done * dim;
        for (size_t i = 0; i < k * dim; i++) {
            dst[i] = buf[i] / 255.0;
        }
        done += k;
    }
out:
    free(buf);
    if (rc != XB_OK) {
        free(x);
        return rc;
    }
    *x_out = x;
    return XB_OK;
}

int xb_dataset_load_idx(xb_dataset *out, const char *images_path, const char *labels_path,
                        size_t max_n)
{
    XB_ASSERT_ARG(out != NULL);
    XB_ASSERT_ARG(images_path != NULL && labels_path != NULL);
    memset(out, 0, sizeof *out);

    idx_file img = {0}, lab = {0};
    int *labels = NULL;
    double *x = NULL;
    int rc = idx_open(&img, images_path);
    if (rc != XB_OK) {
        return rc;
    }
    rc = idx_open(&lab, labels_path);
    if (rc != XB_OK) {
        goto out;
    }

    uint32_t idims[IDX_MAX_DIMS], ldims[IDX_MAX_DIMS];
    int indim = 0, lndim = 0;
    rc = idx_header(&img, 2, 3, 0x00000803u, "images", idims, &indim);
    if (rc != XB_OK) {
        goto out;
    }
    rc = idx_header(&lab, 1, 1, 0x00000801u, "labels", ldims, &lndim);
    if (rc != XB_OK) {
        goto out;
    }
    if (idims[0] != ldims[0]) {
        rc = xb__error_set(XB_EDIM, "label count %u in %s differs from image count %u in %s",
                           (unsigned)ldims[0], labels_path, (unsigned)idims[0], images_path);
        goto out;
    }
    size_t dim = idims[1];
    if (indim == 3) {
        dim *= idims[2]; /* two uint32 never overflow a 64-bit size_t */
    }
    if (dim > IDX_MAX_DIM) {
        rc = xb__error_set(XB_EIO, "%s: %zu values per sample is implausible (limit %u)",
                           images_path, dim, (unsigned)IDX_MAX_DIM);
        goto out;
    }
    size_t n = idims[0];
    if (max_n > 0 && max_n < n) {
        n = max_n;
    }

    /* labels first: the small file fails fast when it is the broken one */
    rc = read_labels(&lab, n, &labels);
    if (rc != XB_OK) {
        goto out;
    }
    rc = read_pixels(&img, n, dim, &x);
    if (rc != XB_OK) {
        goto out;
    }
    int max_label = 0;
    for (size_t i = 0; i < n; i++) {
        max_label = labels[i] > max_label ? labels[i] : max_label;
    }

    snprintf(out->name, sizeof out->name, "%s", base_name(images_path));
    out->n = n;
    out->dim = dim;
    out->n_out = (size_t)max_label + 1;
    out->classification = 1;
    out->x = x;
    out->label = labels;
    x = NULL;
    labels = NULL;
out:
    idx_close(&img);
    idx_close(&lab);
    free(x);
    free(labels);
    return rc;
}

/* dir/<prefix>-<kind>-idx<k>-ubyte.gz, or the same without .gz when only the
 * uncompressed file is there (as the original download unpacks). */
static void fashion_path(char *buf, size_t len, const char *dir, const char *prefix,
                         const char *kind)
{
    snprintf(buf, len, "%s/%s-%s-ubyte.gz", dir, prefix, kind);
    if (!xb_file_exists(buf)) {
        char plain[1024];
        snprintf(plain, sizeof plain, "%s/%s-%s-ubyte", dir, prefix, kind);
        if (xb_file_exists(plain)) {
            snprintf(buf, len, "%s", plain);
        }
    }
}

static int load_fashion_half(xb_dataset *ds, const char *dir, const char *prefix, const char *half,
                             size_t n)
{
    char ipath[1024], lpath[1024];
    fashion_path(ipath, sizeof ipath, dir, prefix, "images-idx3");
    fashion_path(lpath, sizeof lpath, dir, prefix, "labels-idx1");
    int rc = xb_dataset_load_idx(ds, ipath, lpath, n);
    if (rc == XB_ENOTFOUND) {
        return xb__error_prefix(XB_ENOTFOUND,
                                "Fashion-MNIST is not installed (install the Debian package "
                                "dataset-fashion-mnist: apt-get install dataset-fashion-mnist, "
                                "or `make deps`): ");
    }
    XB_TRY(rc);
    if (ds->dim != 28 * 28 || ds->n_out > 10) {
        rc = xb__error_set(XB_EIO,
                           "%s: expected 28x28 images with labels 0..9, found dim %zu and "
                           "label %zu",
                           ipath, ds->dim, ds->n_out - 1);
        xb_dataset_free(ds);
        return rc;
    }
    /* a small prefix may miss the last class; the task always has ten */
    ds->n_out = 10;
    snprintf(ds->name, sizeof ds->name, "fashion-mnist/%s", half);
    return XB_OK;
}

int xb_dataset_load_fashion_mnist_dir(xb_dataset *train, xb_dataset *test, const char *dir,
                                      size_t n_train, size_t n_test)
{
    XB_ASSERT_ARG(train != NULL || test != NULL);
    XB_ASSERT_ARG(dir != NULL);
    if (train != NULL) {
        XB_TRY(load_fashion_half(train, dir, "train", "train", n_train));
    }
    if (test != NULL) {
        int rc = load_fashion_half(test, dir, "t10k", "test", n_test);
        if (rc != XB_OK) {
            xb_dataset_free(train);
            return rc;
        }
    }
    return XB_OK;
}

int xb_dataset_load_fashion_mnist(xb_dataset *train, xb_dataset *test, size_t n_train,
                                  size_t n_test)
{
    return xb_dataset_load_fashion_mnist_dir(train, test, XB_FASHION_MNIST_DIR, n_train, n_test);
}

static int pool_half(xb_dataset *ds, size_t f)
{
    xb_dataset pooled;
    XB_TRY(xb_dataset_pool(&pooled, ds, 28, 28, f));
    size_t side = 28 / f;
    char name[64];
    const char *half = strchr(ds->name, '/');
    snprintf(name, sizeof name, "fashion-mnist-%zux%zu%s", side, side, half != NULL ? half : "");
    snprintf(pooled.name, sizeof pooled.name, "%s", name);
    xb_dataset_free(ds);
    *ds = pooled;
    return XB_OK;
}

int xb_dataset_load_fashion_mnist_pooled(xb_dataset *train, xb_dataset *test, size_t n_train,
                                         size_t n_test, size_t pool)
{
    XB_ASSERT_ARG(train != NULL || test != NULL);
    if (pool != 1 && pool != 2 && pool != 4 && pool != 7) {
        return xb__error_set(XB_EINVAL,
                             "pooling factor %zu must divide 28 (1, 2, 4 or 7; 14 keeps 4 "
                             "pixels)",
                             pool);
    }
    XB_TRY(xb_dataset_load_fashion_mnist(train, test, n_train, n_test));
    int rc = XB_OK;
    if (pool > 1 && train != NULL) {
        rc = pool_half(train, pool);
    }
    if (rc == XB_OK && pool > 1 && test != NULL) {
        rc = pool_half(test, pool);
    }
    if (rc != XB_OK) {
        xb_dataset_free(train);
        xb_dataset_free(test);
    }
    return rc;
}
