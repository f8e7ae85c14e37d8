/* xbar: weight updates as device pulses.
 *
 * Every scheme first makes a signed pulse count per weight (x->ncount), then
 * one pass assigns it to a device of the pair (or the single device of the
 * reference-column mapping) and writes all devices with one xb_devices_pulse
 * call. Policies and schemes: docs/xbar.md. */
#include "xbar/xbar_internal.h"

#include <cblas.h>
#include <math.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Blocks of the update stream a dense row draws at once (bulk Philox). */
#define ROUND_BLOCKS 256

/* Update-stream blocks reserved per weight row: at most 2 n + 1 uniforms. */
static uint64_t row_blocks(int n) { return (uint64_t)(2 * n + 4) / 4 + 1; }

/* Uniform number q (32 bits) of the row's blocks from pos, cached per block. */
static double row_uniform(const xb_rng *r, uint64_t pos, int q, uint32_t *u, int *cached)
{
    if (*cached != q / 4) {
        xb_rng_u32x4_at(r, pos + (uint64_t)(q / 4), u);
        *cached = q / 4;
    }
    return ((double)u[q % 4] + 0.5) * (1.0 / 4294967296.0);
}

/* Stochastic rounding of one weight row (see counts_from_dw). Dense rows
 * (largest fraction fmax >= 1/4) draw one uniform per weight; sparse rows
 * visit candidates by geometric gaps of rate fmax and accept each with
 * probability fraction / fmax (thinning), so a row of small updates costs a
 * few draws instead of one per weight. Either way each weight gets its extra
 * pulse independently with probability equal to its fraction. */
static void round_row(xb_xbar *x, double alpha, const double *dw, int32_t *nc, uint64_t pos,
                      int *bad)
{
    const int n = x->cfg.n_in;
    const double inv = 1.0 / x->dw_pulse, lim = (double)x->max_pulses;
    double *fr = x->frac, fmax = 0.0;
    int nonfinite = 0; /* local: *bad could alias nc for the compiler */
    int jv = 0;
#if defined(__SSE2__)
    /* Two weights per step with SSE2 (every x86-64 has it): the same IEEE
     * operations as the scalar loop below, so the same bits. Non-finite
     * inputs are masked to 0 (v - v != 0), min/max clamp as the ternaries do
     * for non-NaN values, cvttpd2dq truncates toward zero like the int64 cast
     * (|r| <= lim < 2^31), and the maximum of |f| does not depend on order. */
    {
        const __m128d valpha = _mm_set1_pd(alpha);
        const __m128d vinv = _mm_set1_pd(inv), vlim = _mm_set1_pd(lim), vnlim = _mm_set1_pd(-lim);
        const __m128d absmask = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffLL));
        __m128d vmax = _mm_setzero_pd(), bad2 = _mm_setzero_pd();
        for (; jv + 2 <= n; jv += 2) {
            __m128d v = _mm_mul_pd(_mm_loadu_pd(dw + jv), valpha);
            __m128d fin = _mm_cmpeq_pd(_mm_sub_pd(v, v), _mm_setzero_pd());
            bad2 = _mm_or_pd(bad2, _mm_andnot_pd(fin, _mm_castsi128_pd(_mm_set1_epi32(-1))));
            __m128d r = _mm_and_pd(_mm_mul_pd(v, vinv), fin);
            r = _mm_max_pd(_mm_min_pd(r, vlim), vnlim);
            __m128i ti = _mm_cvttpd_epi32(r);
            __m128d f = _mm_sub_pd(r, _mm_cvtepi32_pd(ti));
            _mm_storel_epi64((__m128i *)(void *)(nc + jv), ti);
            _mm_storeu_pd(fr + jv, f);
            vmax = _mm_max_pd(_mm_and_pd(f, absmask), vmax);
        }
        double m2[2];
        _mm_storeu_pd(m2, vmax);
        fmax = m2[1] > m2[0] ? m2[1] : m2[0];
        nonfinite = _mm_movemask_pd(bad2) != 0;
    }
#endif
    for (int j = jv; j < n; j++) {
        double v = alpha * dw[j];
        nonfinite |= !isfinite(v);
        double r = isfinite(v) ? v * inv : 0.0;
        r = r > lim ? lim : (r < -lim ? -lim : r);
        double t = (double)(int64_t)r; /* toward zero, |r| <= lim <= 1e9 */
        double f = r - t;
        nc[j] = (int32_t)t;
        fr[j] = f; /* signed: the extra pulse has the sign of r */
        fmax = fabs(f) > fmax ? fabs(f) : fmax;
    }
    *bad |= nonfinite;
    if (fmax == 0.0) {
        return;
    }
    uint32_t u[4];
    int cached = -1;
    if (fmax >= 0.25) {
        /* branch-free: the outcomes are random, branches on them mispredict */
        uint32_t wb[4 * ROUND_BLOCKS];
        for (int j0 = 0; j0 < n; j0 += 4 * ROUND_BLOCKS) {
            const int m = n - j0 < 4 * ROUND_BLOCKS ? n - j0 : 4 * ROUND_BLOCKS;
            xb_rng_u32x4_fill(&x->rng_update, pos + (uint64_t)(j0 / 4), (size_t)(m + 3) / 4, wb);
            int q = 0;
#if defined(__SSE2__)
            /* two at a time, the scalar loop's values: the word as a double
             * (exact: (w - 2^31) + 2^31), the same product and compare, and
             * the masks hit & (f > 0) minus hit & (f < 0) as the +-1 */
            const __m128d vhalf = _mm_set1_pd(0.5), v2m32 = _mm_set1_pd(1.0 / 4294967296.0);
            const __m128d v2p31 = _mm_set1_pd(2147483648.0), zero = _mm_setzero_pd();
            const __m128d absmask = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffLL));
            const __m128i flip = _mm_set1_epi32((int)0x80000000u);
            for (; q + 2 <= m; q += 2) {
                const __m128i w = _mm_xor_si128(_mm_loadl_epi64((const __m128i *)(const void *)(wb + q)), flip);
                const __m128d uv = _mm_mul_pd(_mm_add_pd(_mm_add_pd(_mm_cvtepi32_pd(w), v2p31), vhalf),
                                             v2m32);
                const __m128d f = _mm_loadu_pd(fr + j0 + q);
                const __m128d hit = _mm_cmplt_pd(uv, _mm_and_pd(f, absmask));
                const __m128i up = _mm_castpd_si128(_mm_and_pd(hit, _mm_cmpgt_pd(f, zero)));
                const __m128i down = _mm_castpd_si128(_mm_and_pd(hit, _mm_cmplt_pd(f, zero)));
                /* each 64-bit mask is all ones or zero: its low 32 bits as int32 */
                const __m128i d = _mm_sub_epi32(_mm_shuffle_epi32(down, _MM_SHUFFLE(2, 0, 2, 0)),
                                                _mm_shuffle_epi32(up, _MM_SHUFFLE(2, 0, 2, 0)));
                int32_t *o = nc + j0 + q;
                _mm_storel_epi64((__m128i *)(void *)o,
                                 _mm_add_epi32(_mm_loadl_epi64((const __m128i *)(const void *)o), d));
            }
#endif
            for (; q < m; q++) {
                double f = fr[j0 + q];
                /* a mask, not a product: compilers turned hit * sign into a
                 * branch on hit */
                int32_t hit = -(int32_t)(((double)wb[q] + 0.5) * (1.0 / 4294967296.0) < fabs(f));
                nc[j0 + q] += hit & ((f > 0.0) - (f < 0.0));
            }
        }
        return;
    }
    const double inv_l = 1.0 / log1p(-fmax);
    int q = 0;
    for (int j = -1;;) {
        double gap = floor(log(row_uniform(&x->rng_update, pos, q++, u, &cached)) * inv_l);
        if (gap >= (double)(n - 1 - j)) {
            return;
        }
        j += 1 + (int)gap;
        double f = fr[j];
        int32_t hit = row_uniform(&x->rng_update, pos, q++, u, &cached) * fmax < fabs(f);
        nc[j] += hit * ((f > 0.0) - (f < 0.0));
    }
}

/* Pulse counts for a desired change alpha dw (each product rounded once,
 * as a caller's array of them would be; alpha = 1 is exact): n = dw / dw_pulse
 * rounded by the scheme. Stochastic rounding is toward zero plus one pulse more with the
 * probability of the remaining fraction: n = trunc(r) + sign(r) B(|r - trunc r|),
 * unbiased, and sparse when the updates are small against one pulse. */
static int counts_from_dw(xb_xbar *x, double alpha, const double *dw)
{
    const size_t nw = (size_t)x->cfg.n_out * (size_t)x->cfg.n_in;
    const double inv = 1.0 / x->dw_pulse, lim = (double)x->max_pulses;
    const uint64_t pos0 = x->update_pos;
    x->update_pos += (uint64_t)x->cfg.n_out * row_blocks(x->cfg.n_in);
    int32_t *nc = x->ncount;
    int bad = 0;
    /* branch-free loops per scheme: the outcomes are random, so branches on
     * them would mispredict half the time */
    if (x->cfg.update == XB_UPDATE_SIGN) {
        for (size_t k = 0; k < nw; k++) {
            double v = alpha * dw[k];
            bad |= !isfinite(v);
            nc[k] = (v > 0.0) - (v < 0.0);
        }
    } else if (x->cfg.update == XB_UPDATE_TRUNC) {
        for (size_t k = 0; k < nw; k++) {
            double v = alpha * dw[k];
            bad |= !isfinite(v);
            double n = trunc(v * inv);
            nc[k] = (int32_t)(n > lim ? lim : (n < -lim ? -lim : n));
        }
    } else {
        const int n_in = x->cfg.n_in, n_out = x->cfg.n_out;
        for (int i = 0; i < n_out; i++) {
            round_row(x, alpha, dw + (size_t)i * (size_t)n_in, nc + (size_t)i * (size_t)n_in,
                      pos0 + (uint64_t)i * row_blocks(n_in), &bad);
        }
    }
    if (bad) {
        for (size_t k = 0; k < nw; k++) {
            double v = alpha * dw[k];
            if (!isfinite(v)) {
                return xb__error_set(XB_EINVAL, "dw %zu (row %zu, column %zu) is %g", k,
                                     k / (size_t)x->cfg.n_in, k % (size_t)x->cfg.n_in, v);
            }
        }
    }
    return XB_OK;
}

/* Adds the pulses of signed count n on pair (kp, kp + 1) by the pair policy
 * (docs/xbar.md) to the write list. */
static size_t pair_pulses(xb_xbar *x, const double *G, size_t kp, int32_t n, size_t npn)
{
    const size_t km = kp + 1;
    int32_t ma, mb; /* a: the G+ move, b: the G- move */
    int32_t m = n > 0 ? n : -n;
    if (x->cfg.pair != XB_PAIR_HEADROOM) {
        /* LTP only: G+ up for n > 0, G- up for n < 0 */
        ma = n > 0 ? m : 0;
        mb = n > 0 ? 0 : m;
    } else {
        /* room of each candidate move in nominal pulses; the roomier device
         * takes what fits, the other one the rest up to its room */
        const double inv_step = x->pmax / x->grange;
        double gp = G[kp], gm = G[km], ra, rb;
        if (n > 0) {
            ra = (x->gmax - gp) * inv_step; /* G+ up */
            rb = (gm - x->gmin) * inv_step; /* G- down */
        } else {
            ra = (gp - x->gmin) * inv_step; /* G+ down */
            rb = (x->gmax - gm) * inv_step; /* G- up */
        }
        int first_a = ra >= rb;
        double r1 = first_a ? ra : rb, r2 = first_a ? rb : ra;
        int32_t m1 = r1 >= (double)m ? m : (int32_t)nearbyint(r1);
        int32_t m2 = m - m1;
        if ((double)m2 > r2) {
            /* both estimates exhausted (rooms are nominal pulses; nonlinear
             * devices differ): the rest to the roomier */
            m2 = (int32_t)nearbyint(r2 > 0.0 ? r2 : 0.0);
            m1 = m - m2;
        }
        ma = first_a ? m1 : m2;
        mb = first_a ? m2 : m1;
    }
    /* G+ moves with the sign of n, G- against it */
    if (ma != 0) {
        x->npulses[kp] = n > 0 ? ma : -ma;
        x->plist[npn++] = kp;
    }
    if (mb != 0) {
        x->npulses[km] = n > 0 ? -mb : mb;
        x->plist[npn++] = km;
    }
    return npn;
}

/* Refresh of potentiate-only pairs (Burr et al.'s occasional RESET): a pair
 * whose larger device passed the threshold is rewritten as (G+ - G-) on one
 * device, the other at Gmin, by a direct write. Its cost is counted as the
 * nominal pulses for each device's change (in pulses_program) with the
 * NeuroSim write energy of those pulses. */
static int refresh_pairs(xb_xbar *x)
{
    const double thr = x->gmin + x->cfg.refresh_frac * x->grange;
    const double *G = xb_devices_conductances(x->dev);
    const double dg = x->grange / x->pmax;
    const double v2pw = x->cfg.v_write * x->cfg.v_write * x->cfg.pulse_width;
    uint64_t nref = 0, pulses = 0;
    double e = 0.0;
    for (size_t k = 0; k + 1 < x->ndev; k += 2) {
        double gp = G[k], gm = G[k + 1];
        x->target[k] = gp;
        x->target[k + 1] = gm;
        if ((gp > gm ? gp : gm) <= thr) {
            continue;
        }
        double d = gp - gm;
        x->target[k] = x->gmin + (d > 0.0 ? d : 0.0);
        x->target[k + 1] = x->gmin + (d < 0.0 ? -d : 0.0);
        for (int s = 0; s < 2; s++) {
            double a = nearbyint(fabs(x->target[k + (size_t)s] - G[k + (size_t)s]) / dg);
            pulses += (uint64_t)a;
            e += 0.5 * v2pw * (x->target[k + (size_t)s] + G[k + (size_t)s]) * a;
        }
        nref++;
    }
    if (nref == 0) {
        return XB_OK;
    }
    XB_TRY(xb_devices_program(x->dev, x->target));
    xb_xbar__refresh(x);
    x->cnt.refreshes += nref;
    x->cnt.pulses_program += pulses;
    x->cnt.energy_write += e;
    return XB_OK;
}

/* Nonzero counts ahead whose pair conductances are fetched. */
#define PAIR_AHEAD 4

/* The indices of the nonzero entries of nc[0 .. n) into rows, ascending;
 * returns how many. Four at a time where SSE2 is: a compare and a mask skip
 * a run of zeros, the common case. */
static int nonzero_rows(const int32_t *nc, int n, int32_t *rows)
{
    int m = 0, j = 0;
#if defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128();
    for (; j + 4 <= n; j += 4) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(nc + j));
        int mask = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(v, zero))) ^ 0xf;
        while (mask != 0) {
            int b = __builtin_ctz((unsigned)mask);
            rows[m++] = j + b;
            mask &= mask - 1;
        }
    }
#endif
    for (; j < n; j++) {
        if (nc[j] != 0) {
            rows[m++] = j;
        }
    }
    return m;
}

/* Entries of the write list after which the devices are written: the
 * pending part of the list and its devices then still sit in cache (the
 * devices' conductances are read for the pair policy just before). */
#define WRITE_CHUNK 2048

/* Assigns every weight's signed count (in pulses of the least significant
 * slice) to device pulses, digit by digit over the slices, and writes them,
 * a chunk of weight rows at a time (one write event: see write_upto). */
static int apply_counts(xb_xbar *x)
{
    const int n_in = x->cfg.n_in, K = x->nslices;
    const double *G = xb_devices_conductances(x->dev);
    const int pair = x->cfg.mapping == XB_MAP_DIFF_PAIR;
    const int headroom = pair && x->cfg.pair == XB_PAIR_HEADROOM;
    size_t npn = 0;
    int started = 0, rc = XB_OK;
    for (int t = 0; t < x->ntiles && rc == XB_OK; t++) {
        const xb__tile *tl = &x->tiles[t];
        for (int ii = 0; ii < tl->no && rc == XB_OK; ii++) {
            const int32_t *nc = x->ncount + (size_t)(tl->o0 + ii) * (size_t)n_in + (size_t)tl->r0;
            /* updates are sparse against one pulse (784-500-10 at lr 0.2:
             * 1.7 % of the counts of a step are nonzero): find them first */
            const int nz = nonzero_rows(nc, tl->nr, x->nzrow);
            for (int k = 0; k < K; k++) {
                const int u = ii * K + k;
                for (int q = 0; q < nz; q++) {
                    const int rr = x->nzrow[q];
                    if (headroom && q + PAIR_AHEAD < nz) {
                        /* the pair policy reads the conductances of the pair */
                        XB__PREFETCH(G + xb__dev_pair(tl, u, x->nzrow[q + PAIR_AHEAD], 0));
                    }
                    int32_t n = nc[rr];
                    if (K > 1) {
                        int32_t d[32];
                        xb_xbar__digits(x, n, d);
                        n = d[k];
                        if (n == 0) {
                            continue;
                        }
                    }
                    if (!pair) {
                        size_t kd = xb__dev_one(tl, u, rr);
                        x->npulses[kd] = n;
                        x->plist[npn++] = kd;
                    } else {
                        npn = pair_pulses(x, G, xb__dev_pair(tl, u, rr, 0), n, npn);
                    }
                }
            }
            if (npn - (started ? x->w_done : 0) >= WRITE_CHUNK) {
                if (!started) {
                    xb_xbar__write_begin(x);
                    started = 1;
                }
                x->nplist = npn;
                rc = xb_xbar__write_upto(x, npn);
            }
        }
    }
    x->nplist = npn;
    if (npn > 0) {
        if (!started) {
            xb_xbar__write_begin(x);
        }
        if (rc == XB_OK) {
            rc = xb_xbar__write_upto(x, npn);
        }
        XB_TRY(xb_xbar__write_end(x, 0, rc));
        if (pair && x->cfg.pair == XB_PAIR_POTENTIATE && x->cfg.refresh_frac > 0.0) {
            XB_TRY(refresh_pairs(x));
        }
    }
    x->cnt.updates++;
    return XB_OK;
}

int xb_xbar_update(xb_xbar *x, const double *dw)
{
    XB_ASSERT_ARG(x != NULL);
    XB_ASSERT_ARG(dw != NULL);
    if (x->cfg.update == XB_UPDATE_STOCHASTIC) {
        return xb__error_set(XB_EINVAL, "update scheme 'stochastic' pulses rows and columns from "
                                        "the factors d and h: call xb_xbar_update_outer");
    }
    XB_TRY(counts_from_dw(x, 1.0, dw));
    return apply_counts(x);
}

int xb_xbar_update_scaled(xb_xbar *x, double alpha, const double *g)
{
    XB_ASSERT_ARG(x != NULL);
    XB_ASSERT_ARG(g != NULL);
    if (x->cfg.update == XB_UPDATE_STOCHASTIC) {
        return xb__error_set(XB_EINVAL, "update scheme 'stochastic' pulses rows and columns from "
                                        "the factors d and h: call xb_xbar_update_outer");
    }
    if (!isfinite(alpha)) {
        return xb__error_set(XB_EINVAL, "update scale alpha is %g", alpha);
    }
    XB_TRY(counts_from_dw(x, alpha, g));
    return apply_counts(x);
}

/* Stream blocks reserved per pulse train: up to 65 uniforms of 32 bits. */
#define TRAIN_BLOCKS 17

/* A pulse train of bl slots, each firing independently with probability p
 * (bit s = slot s), from the update-stream blocks at pos, pos + 1, ...
 * Sparse trains (p < 1/4) jump from fire to fire by geometric gaps
 * floor(ln u / ln(1 - p)), one uniform per fire; dense ones compare one
 * uniform per slot. Both give i.i.d. Bernoulli(p) slots. */
static uint64_t train(const xb_rng *r, uint64_t pos, int bl, double p)
{
    if (p <= 0.0) {
        return 0;
    }
    uint64_t all = bl == 64 ? ~(uint64_t)0 : (((uint64_t)1 << bl) - 1);
    if (p >= 1.0) {
        return all;
    }
    uint64_t m = 0;
    uint32_t u[4];
    if (p < 0.25) {
        const double inv_l = 1.0 / log1p(-p);
        int s = -1;
        for (int q = 0;; q++) {
            if (q % 4 == 0) {
                xb_rng_u32x4_at(r, pos + (uint64_t)(q / 4), u);
            }
            double gap = floor(log(((double)u[q % 4] + 0.5) * (1.0 / 4294967296.0)) * inv_l);
            if (gap >= (double)(bl - 1 - s)) {
                return m;
            }
            s += 1 + (int)gap;
            m |= (uint64_t)1 << s;
        }
    }
    uint64_t thr = (uint64_t)(p * 4294967296.0);
    for (int s = 0; s < bl; s += 4) {
        xb_rng_u32x4_at(r, pos + (uint64_t)(s / 4), u);
        for (int q = 0; q < 4 && s + q < bl; q++) {
            m |= (uint64_t)((uint64_t)u[q] < thr) << (s + q);
        }
    }
    return m;
}

/* Bit count without the libgcc call that baseline x86-64 makes of
 * __builtin_popcountll (no POPCNT instruction assumed). */
static inline int32_t popcount64(uint64_t v)
{
    v = v - ((v >> 1) & 0x5555555555555555u);
    v = (v & 0x3333333333333333u) + ((v >> 2) & 0x3333333333333333u);
    v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0fu;
    return (int32_t)((v * 0x0101010101010101u) >> 56);
}

/* Index of the lowest set bit of v != 0. */
static inline int lowest_bit(uint64_t v)
{
#if defined(__GNUC__)
    return __builtin_ctzll(v);
#else
    int s = 0;
    while (!(v & 1)) {
        v >>= 1;
        s++;
    }
    return s;
#endif
}

/* The counts of one vector slot by slot: every row firing in slot s meets
 * every column firing in it, one pulse each, so the work is the number of
 * coincidences, against (firing rows) x (firing columns) mask tests of the
 * row-by-column loop. The integer sums are the same in any order, so both
 * give the same counts; this one is taken only when it is cheaper (sparse
 * trains, the usual case with update management). Rows are x->hsign[0..nact)
 * and the trains x->mask; returns 1 if it added the vector's counts. */
static int by_slot(xb_xbar *x, const double *db, int nact, int32_t lrs)
{
    const int n_in = x->cfg.n_in, n_out = x->cfg.n_out;
    const uint64_t *rm = x->mask, *cm = x->mask + n_in;
    int ncol = 0;
    memset(x->slot_nc, 0, sizeof x->slot_nc);
    for (int i = 0; i < n_out; i++) {
        uint64_t m = cm[i];
        ncol += m != 0;
        const int32_t ci = db[i] > 0.0 ? i + 1 : -(i + 1);
        while (m != 0) {
            int s = lowest_bit(m);
            m &= m - 1;
            x->slot_cols[(size_t)s * (size_t)n_out + (size_t)x->slot_nc[s]++] = ci;
        }
    }
    /* coincidences if taken slot by slot, rows counted per slot below */
    memset(x->slot_nr, 0, sizeof x->slot_nr);
    for (int q = 0; q < nact; q++) {
        const int32_t aq = x->hsign[q];
        uint64_t m = rm[aq > 0 ? aq - 1 : -aq - 1];
        while (m != 0) {
            int s = lowest_bit(m);
            m &= m - 1;
            x->slot_rows[(size_t)s * (size_t)n_in + (size_t)x->slot_nr[s]++] = aq;
        }
    }
    uint64_t work = 0;
    for (int s = 0; s < 64; s++) {
        work += (uint64_t)x->slot_nr[s] * (uint64_t)x->slot_nc[s];
    }
    if (work >= (uint64_t)nact * (uint64_t)ncol) {
        return 0;
    }
    for (int s = 0; s < 64; s++) {
        const int32_t *rows = x->slot_rows + (size_t)s * (size_t)n_in;
        const int32_t *cols = x->slot_cols + (size_t)s * (size_t)n_out;
        const int nr = x->slot_nr[s];
        for (int c = 0; c < x->slot_nc[s] && nr > 0; c++) {
            const int32_t ci = cols[c];
            const int32_t si = ci > 0 ? lrs : -lrs;
            int32_t *nc = x->ncount + (size_t)(ci > 0 ? ci - 1 : -ci - 1) * (size_t)n_in;
            for (int q = 0; q < nr; q++) {
                const int32_t aq = rows[q];
                const int32_t sg = aq > 0 ? 1 : -1;
                nc[aq * sg - 1] += si * sg;
            }
        }
    }
    return 1;
}

/* Gokmen–Vlasov stochastic update (device-models.md §5.2): BL slots; row j
 * fires with probability A|h_j|, column i with B|d_i|; every coincidence is
 * one pulse of sign(lr d_i h_j). A = B = sqrt(|lr| / (dw_pulse BL)), then
 * balanced (A *= sqrt(dmax/hmax), B *= sqrt(hmax/dmax)) so both lines use
 * the same probability at their maxima; probabilities are clipped to 1. */
static int stochastic_counts(xb_xbar *x, double lr, const double *d, const double *h,
                             size_t nvec)
{
    const int n_in = x->cfg.n_in, n_out = x->cfg.n_out, bl = x->cfg.stoch_bl;
    const size_t nw = (size_t)n_out * (size_t)n_in;
    const uint64_t words = TRAIN_BLOCKS;
    memset(x->ncount, 0, nw * sizeof *x->ncount);
    uint64_t *rm = x->mask, *cm = x->mask + n_in;
    const double base = sqrt(fabs(lr) / (x->dw_pulse * (double)bl));
    for (size_t b = 0; b < nvec; b++) {
        const double *db = d + b * (size_t)n_out, *hb = h + b * (size_t)n_in;
        double dmax = 0.0, hmax = 0.0;
        for (int i = 0; i < n_out; i++) {
            dmax = fmax(dmax, fabs(db[i]));
        }
        for (int j = 0; j < n_in; j++) {
            hmax = fmax(hmax, fabs(hb[j]));
        }
        const uint64_t pos0 = x->update_pos;
        x->update_pos += (uint64_t)(n_in + n_out) * words;
        if (dmax == 0.0 || hmax == 0.0 || lr == 0.0) {
            continue;
        }
        if (!isfinite(dmax) || !isfinite(hmax)) {
            return xb__error_set(XB_EINVAL, "d or h of vector %zu is not finite", b);
        }
        const double a = base * sqrt(dmax / hmax), bb = base * sqrt(hmax / dmax);
        for (int j = 0; j < n_in; j++) {
            rm[j] = train(&x->rng_update, pos0 + (uint64_t)j * words, bl, a * fabs(hb[j]));
        }
        for (int i = 0; i < n_out; i++) {
            cm[i] = train(&x->rng_update, pos0 + (uint64_t)(n_in + i) * words, bl,
                          bb * fabs(db[i]));
        }
        const int lrs = lr > 0.0 ? 1 : -1;
        /* rows that fire at all, with the sign of their h */
        int32_t *act = x->hsign;
        int nact = 0;
        for (int j = 0; j < n_in; j++) {
            if (rm[j] != 0) {
                act[nact++] = hb[j] > 0.0 ? j + 1 : -(j + 1);
            }
        }
        if (x->slot_rows != NULL && by_slot(x, db, nact, lrs)) {
            continue;
        }
        for (int i = 0; i < n_out; i++) {
            const uint64_t ci = cm[i];
            if (ci == 0) {
                continue;
            }
            const int32_t si = db[i] > 0.0 ? lrs : -lrs;
            int32_t *nc = x->ncount + (size_t)i * (size_t)n_in;
            for (int q = 0; q < nact; q++) {
                int32_t aq = act[q];
                int j = aq > 0 ? aq - 1 : -aq - 1;
                uint64_t c = rm[j] & ci;
                if (c != 0) {
                    int32_t k = popcount64(c);
                    nc[j] += aq > 0 ? si * k : -si * k;
                }
            }
        }
    }
    const int32_t lim = x->max_pulses;
    for (size_t k = 0; k < nw; k++) {
        x->ncount[k] = x->ncount[k] > lim ? lim : (x->ncount[k] < -lim ? -lim : x->ncount[k]);
    }
    return XB_OK;
}

int xb_xbar_update_outer(xb_xbar *x, double lr, const double *d, const double *h, size_t nvec)
{
    XB_ASSERT_ARG(x != NULL);
    XB_ASSERT_ARG(d != NULL || nvec == 0);
    XB_ASSERT_ARG(h != NULL || nvec == 0);
    if (!isfinite(lr)) {
        return xb__error_set(XB_EINVAL, "lr (%g) must be finite", lr);
    }
    if (nvec > (size_t)0x7fffffff) {
        return xb__error_set(XB_EINVAL, "nvec (%zu) exceeds the BLAS int range", nvec);
    }
    if (x->cfg.update == XB_UPDATE_STOCHASTIC) {
        XB_TRY(stochastic_counts(x, lr, d, h, nvec));
        return apply_counts(x);
    }
    const int n_in = x->cfg.n_in, n_out = x->cfg.n_out;
    if (nvec == 0) {
        memset(x->dw, 0, (size_t)n_in * (size_t)n_out * sizeof *x->dw);
    } else {
        /* dW (n_out x n_in) = lr D^T H */
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n_out, n_in, (int)nvec, lr, d, n_out,
                    h, n_in, 0.0, x->dw, n_in);
    }
    return xb_xbar_update(x, x->dw);
}
