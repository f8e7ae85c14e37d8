/* Counter-based random streams on Random123 Philox4x32-10.
 * key = master seed; counter = (position, purpose, array). */
#include "core/core.h"

#include <Random123/philox.h>
#include <math.h>
#include <pthread.h>

static philox4x32_ctr_t block_at(const xb_rng *r, uint64_t pos)
{
    philox4x32_key_t k = {{(uint32_t)r->seed, (uint32_t)(r->seed >> 32)}};
    philox4x32_ctr_t c = {{(uint32_t)pos, (uint32_t)(pos >> 32), r->purpose, r->array}};
    return philox4x32(c, k);
}

/* 53 random bits -> (0,1): the +0.5 keeps both ends open. */
static double to_open01(uint32_t hi, uint32_t lo)
{
    uint64_t m = (((uint64_t)hi << 32) | lo) >> 11;
    return ((double)m + 0.5) * (1.0 / 9007199254740992.0);
}

void xb_rng_init(xb_rng *r, uint64_t seed, uint32_t purpose, uint32_t array)
{
    r->seed = seed;
    r->purpose = purpose;
    r->array = array;
    r->pos = 0;
}

void xb_rng_seek(xb_rng *r, uint64_t pos) { r->pos = pos; }

uint64_t xb_rng_u64(xb_rng *r)
{
    philox4x32_ctr_t b = block_at(r, r->pos++);
    return ((uint64_t)b.v[0] << 32) | b.v[1];
}

double xb_rng_uniform_at(const xb_rng *r, uint64_t pos)
{
    philox4x32_ctr_t b = block_at(r, pos);
    return to_open01(b.v[0], b.v[1]);
}

void xb_rng_u32x4_at(const xb_rng *r, uint64_t pos, uint32_t out[4])
{
    philox4x32_ctr_t b = block_at(r, pos);
    out[0] = b.v[0];
    out[1] = b.v[1];
    out[2] = b.v[2];
    out[3] = b.v[3];
}

double xb_rng_normal_at(const xb_rng *r, uint64_t pos)
{
    /* Box–Muller from one block; one normal per position keeps positions
     * meaningful (cell k at step t always gets the same draw). */
    philox4x32_ctr_t b = block_at(r, pos);
    double u1 = to_open01(b.v[0], b.v[1]);
    double u2 = to_open01(b.v[2], b.v[3]);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}

/* Ziggurat normals (Marsaglia & Tsang 2000, in Doornik's 2005 layout): 256
 * strips of equal area V under f(x) = exp(-x^2 / 2); strip 0 is the base
 * strip, which carries the tail beyond R. zx[i] is the right edge of strip i
 * (zx[0] = V / f(R) > R, zx[256] = 0), zr[i] = zx[i + 1] / zx[i]. A draw
 * takes one 32-bit word: 8 bits choose the strip, 24 the signed abscissa u;
 * |u| < zr[i] (about 99 % of words) returns u zx[i] at once. */
#define ZIG_R 3.6541528853610088
#define ZIG_V 0.00492867323399

static double zig_x[XB_RNG_ZIG_N + 1], zig_r[XB_RNG_ZIG_N];
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

void xb_rng_zig_tables(double *zx, double *zr)
{
    double f = exp(-0.5 * ZIG_R * ZIG_R);
    zx[0] = ZIG_V / f;
    zx[1] = ZIG_R;
    zx[XB_RNG_ZIG_N] = 0.0;
    for (int i = 2; i < XB_RNG_ZIG_N; i++) {
        zx[i] = sqrt(-2.0 * log(ZIG_V / zx[i - 1] + f));
        f = exp(-0.5 * zx[i] * zx[i]);
    }
    for (int i = 0; i < XB_RNG_ZIG_N; i++) {
        zr[i] = zx[i + 1] / zx[i];
    }
}

/* the tables of the position-keyed draw are filled once, thread-safely */
static void zig_init_once(void) { xb_rng_zig_tables(zig_x, zig_r); }

static double u32_open(uint32_t w) { return ((double)w + 0.5) * (1.0 / 4294967296.0); }

/* The signed abscissa in (-1, 1) of a ziggurat word. */
static double zig_u(uint32_t w) { return ((double)(w >> 8) + 0.5) * (1.0 / 8388608.0) - 1.0; }

/* Fresh words for restart a of a slow draw: either the block at fpos + a of
 * r itself (layout of xb_rng_zig_word), or, when derived, the block at fpos
 * of r with purpose bit 31 and a in bits 24..29 set (xb_rng_normal_zig_at:
 * purposes are small, so these streams are never anyone's own). */
static void zig_fresh(const xb_rng *r, uint64_t fpos, int a, int derived, uint32_t f[4])
{
    if (derived) {
        xb_rng d = *r;
        d.purpose ^= 0x80000000u | ((uint32_t)a << 24);
        xb_rng_u32x4_at(&d, fpos, f);
    } else {
        xb_rng_u32x4_at(r, fpos + (uint64_t)a, f);
    }
}

/* The rest of a ziggurat draw whose word w missed its strip's inner
 * rectangle: the wedge test or the tail, with restarts from fresh blocks (at
 * most 64: the chance of needing more is below 1e-60; then the last
 * candidate is returned). */
static double zig_slow(const double *zx, const double *zr, const xb_rng *r, uint32_t w,
                       uint64_t fpos, int derived)
{
    for (int a = 0; a < 64; a++) {
        const int i = (int)(w & 0xffu);
        const double u = zig_u(w);
        uint32_t f[4];
        if (fabs(u) < zr[i]) {
            return u * zx[i];
        }
        zig_fresh(r, fpos, a, derived, f);
        if (i == 0) {
            /* tail beyond R (Marsaglia 1964): exact, by its own rejection */
            double t = -log(u32_open(f[0])) / ZIG_R, y = -log(u32_open(f[1]));
            if (y + y >= t * t) {
                return u < 0.0 ? -(ZIG_R + t) : ZIG_R + t;
            }
            for (int b = a + 1; b < 64; b++) {
                zig_fresh(r, fpos, b, derived, f);
                t = -log(u32_open(f[0])) / ZIG_R;
                y = -log(u32_open(f[1]));
                if (y + y >= t * t) {
                    return u < 0.0 ? -(ZIG_R + t) : ZIG_R + t;
                }
            }
            return u < 0.0 ? -(ZIG_R + t) : ZIG_R + t;
        }
        /* wedge of strip i: accept under the curve */
        const double v = u * zx[i];
        const double f0 = exp(-0.5 * (zx[i] * zx[i] - v * v));
        const double f1 = exp(-0.5 * (zx[i + 1] * zx[i + 1] - v * v));
        if (f1 + u32_open(f[1]) * (f0 - f1) < 1.0) {
            return v;
        }
        w = f[0]; /* restart with a fresh first word */
    }
    return zig_u(w);
}

double xb_rng_zig_word(const xb_rng *r, const double *zx, const double *zr, uint32_t w,
                       uint64_t fpos)
{
    const int i = (int)(w & 0xffu);
    const double u = zig_u(w);
    if (fabs(u) < zr[i]) {
        return u * zx[i];
    }
    return zig_slow(zx, zr, r, w, fpos, 0);
}

double xb_rng_normal_zig_at(const xb_rng *r, uint64_t pos)
{
    (void)pthread_once(&zig_once, zig_init_once);
    philox4x32_ctr_t b = block_at(r, pos);
    const uint32_t w = b.v[0];
    const int i = (int)(w & 0xffu);
    const double u = zig_u(w);
    if (fabs(u) < zig_r[i]) {
        return u * zig_x[i];
    }
    /* first slow attempt uses the rest of this block (words 1, 2): only
     * restarts need blocks of the derived streams */
    if (i != 0) {
        const double v = u * zig_x[i];
        const double f0 = exp(-0.5 * (zig_x[i] * zig_x[i] - v * v));
        const double f1 = exp(-0.5 * (zig_x[i + 1] * zig_x[i + 1] - v * v));
        if (f1 + u32_open(b.v[2]) * (f0 - f1) < 1.0) {
            return v;
        }
    } else {
        const double t = -log(u32_open(b.v[1])) / ZIG_R, y = -log(u32_open(b.v[2]));
        if (y + y >= t * t) {
            return u < 0.0 ? -(ZIG_R + t) : ZIG_R + t;
        }
        /* the tail keeps its strip: restart its own rejection only */
        for (int a = 0; a < 64; a++) {
            uint32_t f[4];
            zig_fresh(r, pos, a, 1, f);
            const double t2 = -log(u32_open(f[0])) / ZIG_R, y2 = -log(u32_open(f[1]));
            if (y2 + y2 >= t2 * t2 || a == 63) {
                return u < 0.0 ? -(ZIG_R + t2) : ZIG_R + t2;
            }
        }
    }
    return zig_slow(zig_x, zig_r, r, b.v[3], pos, 1);
}

double xb_rng_uniform(xb_rng *r) { return xb_rng_uniform_at(r, r->pos++); }

double xb_rng_normal(xb_rng *r) { return xb_rng_normal_at(r, r->pos++); }

uint64_t xb_rng_below(xb_rng *r, uint64_t n)
{
    if (n <= 1) {
        r->pos++;
        return 0;
    }
    /* rejection keeps it unbiased; a rejection is rare (< n / 2^64) */
    uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
    for (;;) {
        uint64_t x = xb_rng_u64(r);
        if (x < limit) {
            return x % n;
        }
    }
}

void xb_rng_fill_normal(const xb_rng *r, uint64_t pos0, size_t n, double mean, double sd,
                        double *out)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = mean + sd * xb_rng_normal_at(r, pos0 + i);
    }
}

void xb_rng_shuffle(xb_rng *r, size_t *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)xb_rng_below(r, i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}
