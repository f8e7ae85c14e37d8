/* core: status codes and the last-error message, counter-based random streams,
 * logging, a terminal progress bar, and small durable-file helpers.
 * Every other module uses this one; it uses none of them. */
#ifndef XB_CORE_H
#define XB_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define XB_VERSION "0.1.0"

/* ---------------------------------------------------------------- status */

/* One list makes both the enum and the strings (SUNDIALS SUN_ERR_CODE_LIST). */
#define XB_STATUS_LIST(X)                                                      \
    X(XB_EINVAL, -1, "invalid argument")                                       \
    X(XB_EDIM, -2, "dimension mismatch")                                       \
    X(XB_ENOMEM, -3, "out of memory")                                          \
    X(XB_ENOCONV, -4, "solver or integrator did not converge")                 \
    X(XB_EEXTERNAL, -5, "external library failed")                             \
    X(XB_EIO, -6, "file or parse error")                                       \
    X(XB_ENOTFOUND, -7, "not found")                                           \
    X(XB_EINTERRUPTED, -8, "interrupted")                                      \
    X(XB_EINTERNAL, -99, "internal error (bug)")

#define XB__AS_ENUM(name, value, text) name = (value),
typedef enum {
    XB_OK = 0,
    XB_CONTINUE = 1, /* "not done yet" from an iteration: not an error */
    XB_STATUS_LIST(XB__AS_ENUM)
} xb_status;
#undef XB__AS_ENUM

/* Text of a status code; never NULL. */
const char *xb_strerror(int status);

/* The message of the last error on this thread; never NULL, "" if none. */
const char *xb_last_error(void);
void xb_error_clear(void);

/* Sets this thread's message (printf format) and returns status, so callers can
 * write `return xb__error_set(XB_EINVAL, "rows (%d) must be > 0", rows);`. */
int xb__error_set(int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prefixes the current message with context ("file.csv:3: " + old message). */
int xb__error_prefix(int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Argument checks: assert in debug builds, EINVAL with the expression in release. */
#ifdef XB_DEBUG_ASSERT
#include <assert.h>
#define XB_ASSERT_ARG(expr)                                                    \
    do {                                                                       \
        assert(expr);                                                          \
    } while (0)
#else
#define XB_ASSERT_ARG(expr)                                                    \
    do {                                                                       \
        if (!(expr)) {                                                         \
            return xb__error_set(XB_EINVAL, "invalid argument: '%s'", #expr);  \
        }                                                                      \
    } while (0)
#endif

/* Propagates a negative status unchanged. */
#define XB_TRY(expr)                                                           \
    do {                                                                       \
        int xb__rc = (expr);                                                   \
        if (xb__rc < 0) {                                                      \
            return xb__rc;                                                     \
        }                                                                      \
    } while (0)

/* ------------------------------------------------------------------ rng */

/* What a random stream is for. Each purpose is its own stream, so turning one
 * noise source on never shifts the numbers another one sees. Append only:
 * the values are part of every recorded result. */
typedef enum {
    XB_RNG_INIT = 1,     /* weight initialisation */
    XB_RNG_FEEDBACK = 2, /* fixed random feedback matrices (rbp, srbp, sign) */
    XB_RNG_SHUFFLE = 3,  /* minibatch order */
    XB_RNG_D2D = 4,      /* device-to-device variation, drawn once per device */
    XB_RNG_C2C = 5,      /* cycle-to-cycle write noise, per pulse event */
    XB_RNG_READ = 6,     /* read noise, per read */
    XB_RNG_STUCK = 7,    /* which cells are stuck */
    XB_RNG_UPDATE = 8,   /* stochastic rounding / stochastic pulse trains */
    XB_RNG_DATA = 9,     /* synthetic datasets */
    XB_RNG_DRIFT = 10,   /* drift exponents */
    XB_RNG_SPARSE = 11,  /* sparsity masks of feedback matrices */
    XB_RNG_SPIKE = 12,   /* spiking learning-channel dynamics */
    XB_RNG_PCM_PROG = 13, /* PCM statistical model: programming noise, per program call */
    XB_RNG_PCM_NU = 14,   /* PCM statistical model: drift exponents, per program call */
    XB_RNG_PCM_READ = 15, /* PCM statistical model: 1/f read noise, per read */
    XB_RNG_USER = 64     /* first value free for extensions */
} xb_rng_purpose;

/* A counter-based stream (Random123 Philox4x32-10). The value at position k is
 * a pure function of (seed, purpose, array, k): results do not depend on call
 * order across streams, thread count or MPI rank. Small value type: copy it. */
typedef struct {
    uint64_t seed;
    uint32_t purpose;
    uint32_t array; /* which physical array, layer or object the stream belongs to */
    uint64_t pos;   /* next block position; xb_rng_seek sets it */
} xb_rng;

void xb_rng_init(xb_rng *r, uint64_t seed, uint32_t purpose, uint32_t array);
void xb_rng_seek(xb_rng *r, uint64_t pos);

/* Sequential draws: each consumes one block position. */
uint64_t xb_rng_u64(xb_rng *r);
double xb_rng_uniform(xb_rng *r);  /* in (0, 1), never 0 or 1 */
double xb_rng_normal(xb_rng *r);   /* standard normal */
uint64_t xb_rng_below(xb_rng *r, uint64_t n); /* uniform integer in [0, n) */

/* Pure draws at an explicit position, ignoring and not moving r->pos. */
double xb_rng_uniform_at(const xb_rng *r, uint64_t pos);
double xb_rng_normal_at(const xb_rng *r, uint64_t pos);

/* The four 32-bit words of the block at an explicit position (hot loops that
 * need several cheap uniforms per draw, e.g. stochastic rounding). */
void xb_rng_u32x4_at(const xb_rng *r, uint64_t pos, uint32_t out[4]);
/* Blocks pos0 .. pos0 + nblocks - 1 of r, block b's words at out[4 b .. 4 b + 3]:
 * bit for bit what xb_rng_u32x4_at(r, pos0 + b, out + 4 b) gives. 8 blocks per
 * step with AVX2 (chosen at run time, else 4 with SSE2): ~5x the blocks per
 * second from 64 blocks a call on, break-even at 2 (bench_rng). Positions
 * wrap modulo 2^64 as xb_rng_u32x4_at's do; nblocks = 0 touches nothing. */
void xb_rng_u32x4_fill(const xb_rng *r, uint64_t pos0, size_t nblocks, uint32_t *out);

/* Ziggurat standard normals (cheaper than xb_rng_normal_at's Box–Muller: no
 * log/sqrt/cos on ~99 % of draws). xb_rng_normal_zig_at is a pure function of
 * (r's stream, pos), one block per position; its rare restarts draw from
 * streams derived from r (purpose bit 31 set), never from other positions. */
double xb_rng_normal_zig_at(const xb_rng *r, uint64_t pos);
/* The ziggurat tables (XB_RNG_ZIG_N strips): zx[XB_RNG_ZIG_N + 1], zr[XB_RNG_ZIG_N]. */
#define XB_RNG_ZIG_N 256
void xb_rng_zig_tables(double *zx, double *zr);
/* A ziggurat normal from the 32-bit word w (tables from xb_rng_zig_tables),
 * for loops that split one block into four draws; the rare restarts take
 * blocks fpos, fpos + 1, ... of r (at most 64). */
double xb_rng_zig_word(const xb_rng *r, const double *zx, const double *zr, uint32_t w,
                       uint64_t fpos);

/* Fills out[0..n) with N(mean, sd) from positions pos0..pos0+n-1. */
void xb_rng_fill_normal(const xb_rng *r, uint64_t pos0, size_t n, double mean, double sd,
                        double *out);
/* Fisher–Yates permutation of idx[0..n) drawn sequentially from r. */
void xb_rng_shuffle(xb_rng *r, size_t *idx, size_t n);

/* ------------------------------------------------------------------ log */

typedef enum { XB_LOG_ERROR = 0, XB_LOG_WARN = 1, XB_LOG_INFO = 2, XB_LOG_DEBUG = 3 } xb_log_level;

/* Library code logs through here. Nothing is printed until a sink is set
 * (the CLI sets stderr); the level filters. */
void xb_log_set_sink(FILE *fp);
void xb_log_set_level(xb_log_level level);
void xb_log(xb_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ------------------------------------------------------------- progress */

/* A one-line progress bar that draws only when fp is a terminal. */
typedef struct xb_progress xb_progress;
int xb_progress_create(xb_progress **out, FILE *fp, const char *label, uint64_t total);
/* done of total; note is a short free text (e.g. "acc 0.83"), may be NULL. */
void xb_progress_update(xb_progress *p, uint64_t done, const char *note);
void xb_progress_finish(xb_progress *p); /* ends the line */
void xb_progress_free(xb_progress *p);

/* ----------------------------------------------------------- files, csv */

/* mkdir -p. */
int xb_mkdirs(const char *path);
/* Writes len bytes to path durably: temp file in the same directory, fsync,
 * rename, fsync of the directory. Readers see the old or the new file, never
 * a torn one. */
int xb_file_write_atomic(const char *path, const void *data, size_t len);
/* Reads a whole file into a NUL-terminated heap buffer (caller frees). */
int xb_file_read(const char *path, char **data_out, size_t *len_out);
int xb_file_exists(const char *path);

/* Writes one CSV field, quoted only if needed (RFC 4180). */
void xb_csv_field(FILE *fp, const char *s);
/* Writes a double with 17 significant digits (round-trips exactly), or "nan". */
void xb_csv_double(FILE *fp, double v);

/* ----------------------------------------------------------- checkpoints */

/* A growable byte stream that every module's checkpoint save appends to and
 * restore reads from (pos); restores check counts and tags and fail with
 * XB_EIO naming what does not match or is truncated (core/ckpt.c). */
typedef struct {
    unsigned char *data;
    size_t len, cap, pos;
    int oom; /* a put ran out of memory: the stream is unusable */
} xb_ckpt;

void xb_ckpt_put(xb_ckpt *c, const void *p, size_t n);
void xb_ckpt_put_u64(xb_ckpt *c, uint64_t v);
int xb_ckpt_get(xb_ckpt *c, void *p, size_t n, const char *what);
/* Reads a u64 and fails unless it equals want. */
int xb_ckpt_expect(xb_ckpt *c, uint64_t want, const char *what);
void xb_ckpt_free(xb_ckpt *c);

/* ----------------------------------------------------------------- time */

double xb_time_now(void); /* monotonic seconds */

/* ----------------------------------------------------------------- math */

/* Angle in degrees between two vectors of n doubles (0 if either is zero). */
double xb_angle_deg(const double *a, const double *b, size_t n);

#endif /* XB_CORE_H */
