/* Counter-based random streams on Random123 Philox4x32-10.
 * key = master seed; counter = (position, purpose, array). */
#include "core/core.h"

#include <Random123/philox.h>
#include <math.h>

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
