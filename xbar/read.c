/* xbar: forward and transposed reads.
 *
 * Fast path (ideal backend, no DAC, no ADC): one GEMM on the effective weight
 * matrix, kept current after every write. Read noise is applied exactly in
 * output space: independent multiplicative noise N(0, s) on each cell current
 * sums to a Gaussian of variance s^2 sum_j (g_ij v_j)^2, i.e. one more GEMM
 * with the matrix of squared conductances (x->qf, already in weight units).
 * That GEMM runs in single precision (inputs normalised by the vector's max
 * |x| so their squares stay in float range): it only sets a noise sd, and
 * float halves its cost.
 *
 * General path, per tile: inputs normalised by the vector's max |x| (the DAC
 * full scale, then quantised), partial output by GEMM or by the read backend,
 * noise, ADC quantisation of the tile's partial sum, digital accumulation. */
#include "xbar/xbar_internal.h"

#include <cblas.h>
#include <math.h>
#include <stddef.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static double quant_levels(int bits)
{
    double l = ldexp(1.0, bits - 1) - 1.0;
    return l < 1.0 ? 1.0 : l;
}

/* Reference-column conductance of tile row rr. */
static double gref_at(const xb_xbar *x, const xb__tile *tl, const double *G, int rr)
{
    return G[xb__dev_ref(tl, tl->no * x->nslices, rr)];
}

/* Read energy V^2 G t_read of every cell for normalised inputs xs (full
 * length n_a per vector), per tile. */
static void count_read(xb_xbar *x, int transpose, const double *xs, size_t nvec)
{
    const double k = x->cfg.t_read * x->cfg.v_read * x->cfg.v_read;
    const size_t na = (size_t)(transpose ? x->cfg.n_out : x->cfg.n_in);
    const int pair = x->cfg.mapping == XB_MAP_DIFF_PAIR;
    double etot = 0.0;
    for (int t = 0; t < x->ntiles; t++) {
        xb__tile *tl = &x->tiles[t];
        double e = 0.0;
        for (size_t b = 0; b < nvec; b++) {
            const double *v = xs + b * na;
            if (!transpose) {
                /* four chains: one accumulator waits an add latency per row */
                const double *u = v + tl->r0, *rs = tl->rowsum;
                double e0 = 0.0, e1 = 0.0, e2 = 0.0, e3 = 0.0;
                int rr = 0;
                for (; rr + 4 <= tl->nr; rr += 4) {
                    e0 += u[rr] * u[rr] * rs[rr];
                    e1 += u[rr + 1] * u[rr + 1] * rs[rr + 1];
                    e2 += u[rr + 2] * u[rr + 2] * rs[rr + 2];
                    e3 += u[rr + 3] * u[rr + 3] * rs[rr + 3];
                }
                for (; rr < tl->nr; rr++) {
                    e0 += u[rr] * u[rr] * rs[rr];
                }
                e += (e0 + e1) + (e2 + e3);
            } else {
                for (int ii = 0; ii < tl->no; ii++) {
                    double u = v[tl->o0 + ii], cs = 0.0;
                    for (int sl = 0; sl < x->nslices; sl++) {
                        int c = ii * x->nslices + sl;
                        cs += pair ? tl->colsum[2 * c] + tl->colsum[2 * c + 1] : tl->colsum[c];
                    }
                    e += u * u * cs;
                }
            }
        }
        e *= k * (x->pd ? x->pd_efac : x->drift);
        if (transpose) {
            tl->cnt.reads_backward += nvec;
        } else {
            tl->cnt.reads_forward += nvec;
        }
        tl->cnt.array_reads += nvec;
        tl->cnt.energy_read += e;
        etot += e;
    }
    if (transpose) {
        x->cnt.reads_backward += nvec;
    } else {
        x->cnt.reads_forward += nvec;
    }
    x->cnt.array_reads += nvec * (uint64_t)x->ntiles;
    x->cnt.energy_read += etot;
}

/* max(0, max_j |v_j|), NaNs skipped, in four independent chains (a maximum
 * does not depend on the order, and one chain waits on every compare). */
static double max_abs(const double *v, size_t n)
{
    double m0 = 0.0, m1 = 0.0, m2 = 0.0, m3 = 0.0;
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        double a0 = fabs(v[j]), a1 = fabs(v[j + 1]), a2 = fabs(v[j + 2]), a3 = fabs(v[j + 3]);
        m0 = a0 > m0 ? a0 : m0;
        m1 = a1 > m1 ? a1 : m1;
        m2 = a2 > m2 ? a2 : m2;
        m3 = a3 > m3 ? a3 : m3;
    }
    for (; j < n; j++) {
        double a = fabs(v[j]);
        m0 = a > m0 ? a : m0;
    }
    m0 = m1 > m0 ? m1 : m0;
    m2 = m3 > m2 ? m3 : m2;
    return m2 > m0 ? m2 : m0;
}

/* The DAC level of normalised input u from the table lv of k / l (indexed
 * from -l): |u l| <= l after the clip, so the index is exact; NaN stays NaN. */
static inline double dac_level(double u, double l, const double *lv)
{
    u = u > 1.0 ? 1.0 : (u < -1.0 ? -1.0 : u);
    return u == u ? lv[(ptrdiff_t)xb__rint(u * l)] : u;
}

/* xs[b] = in[b] / s_b (DAC-quantised if on), scale[b] = s_b: the DAC full
 * scale, max|in[b]| per vector, or the fixed dac_range with inputs beyond it
 * clipped. */
static void normalise(const xb_xbar *x, const double *in, size_t nvec, size_t na, double *xs,
                      double *scale, int quantise)
{
    const double l = quant_levels(x->cfg.dac_bits);
    /* level k of the DAC is k / l: from the table when there is one (a
     * division per input otherwise), the same value either way */
    const double *lv = quantise && x->dac_lv != NULL ? x->dac_lv + (size_t)l : NULL;
    for (size_t b = 0; b < nvec; b++) {
        const double *v = in + b * na;
        double m = x->cfg.dac_range;
        if (!(m > 0.0)) {
            m = max_abs(v, na);
        }
        scale[b] = m;
        double *o = xs + b * na;
        if (m == 0.0) {
            memset(o, 0, na * sizeof *o);
            continue;
        }
        double inv = 1.0 / m;
        if (lv != NULL) {
            size_t j = 0;
#if defined(__SSE2__)
            /* two at a time: the scalar loop's operations (min/max keep a
             * NaN as their second operand; |u l| <= l < 2^51, where the
             * rounding by 1.5 * 2^52 is xb__rint), the table read per lane */
            const __m128d vinv = _mm_set1_pd(inv), one = _mm_set1_pd(1.0);
            const __m128d mone = _mm_set1_pd(-1.0), vl = _mm_set1_pd(l);
            const __m128d sign = _mm_set1_pd(-0.0), c = _mm_set1_pd(6755399441055744.0);
            for (; j + 2 <= na; j += 2) {
                __m128d u = _mm_mul_pd(_mm_loadu_pd(v + j), vinv);
                u = _mm_max_pd(mone, _mm_min_pd(one, u));
                if (_mm_movemask_pd(_mm_cmpunord_pd(u, u)) != 0) {
                    o[j] = dac_level(v[j] * inv, l, lv);
                    o[j + 1] = dac_level(v[j + 1] * inv, l, lv);
                    continue;
                }
                const __m128d t = _mm_mul_pd(u, vl);
                const __m128d a = _mm_andnot_pd(sign, t);
                const __m128d r = _mm_or_pd(_mm_sub_pd(_mm_add_pd(a, c), c), _mm_and_pd(sign, t));
                const __m128i k = _mm_cvttpd_epi32(r);
                o[j] = lv[_mm_cvtsi128_si32(k)];
                o[j + 1] = lv[_mm_cvtsi128_si32(_mm_srli_si128(k, 4))];
            }
#endif
            for (; j < na; j++) {
                o[j] = dac_level(v[j] * inv, l, lv);
            }
            continue;
        }
        for (size_t j = 0; j < na; j++) {
            double u = v[j] * inv;
            u = u > 1.0 ? 1.0 : (u < -1.0 ? -1.0 : u);
            o[j] = quantise ? xb__rint(u * l) / l : u;
        }
    }
}

/* Blocks of the read stream drawn at once (bulk Philox: 4 KB of words). */
#define NOISE_BLOCKS 256

/* The read-noise normals are core's ziggurat (xb_rng_zig_word), with the
 * tables copied into each array so the inlined fast path reads them nearby. */
void xb_xbar__zig_init(double *zx, double *zr) { xb_rng_zig_tables(zx, zr); }

/* Adds noise sd = sigma sc_b sqrt(var) to out (nvec x n, leading dim ld),
 * sc_b = vsc[b] (1 if vsc is NULL) rescaling variances of normalised inputs.
 * Position layout of the read stream: element e = b * n + k takes word e % 4
 * of the block at pos0 + e / 4 and turns it into a normal by the ziggurat
 * (8 bits choose the strip, 24 the signed abscissa): about 99 % of the draws
 * end there. The others continue with blocks at
 * 2^63 + 64 ((pos0 + e / 4) 4 + e % 4) + a, a = 0, 1, ... (the top half of
 * the position space, which ordinary positions never reach). */
static void add_noise(const xb_xbar *x, double *out, size_t ld, float *var, const double *vsc,
                      size_t nvec, size_t n, uint64_t pos0)
{
    const double sg = xb__rd_sigma(x);
    const size_t ne = nvec * n;
    /* sd = sqrt(max(var, 0)) in place, four at a time (NaN -> 0 by maxps) */
    size_t k0 = 0;
#if defined(__SSE2__)
    for (; k0 + 4 <= ne; k0 += 4) {
        __m128 v = _mm_max_ps(_mm_loadu_ps(var + k0), _mm_setzero_ps());
        _mm_storeu_ps(var + k0, _mm_sqrt_ps(v));
    }
#endif
    for (; k0 < ne; k0++) {
        var[k0] = var[k0] > 0.0f ? sqrtf(var[k0]) : 0.0f;
    }
    /* (b, k) of element e, advanced without a division per element */
    size_t b = 0, k = 0;
    double sgb = vsc != NULL ? sg * vsc[0] : sg;
    uint32_t wb[4 * NOISE_BLOCKS]; /* the words of elements e0 .. e0 + 4 NOISE_BLOCKS */
    for (size_t e0 = 0; e0 < ne; e0 += 4 * NOISE_BLOCKS) {
        const size_t m = ne - e0 < 4 * NOISE_BLOCKS ? ne - e0 : 4 * NOISE_BLOCKS;
        xb_rng_u32x4_fill(&x->rng_read, pos0 + e0 / 4, (m + 3) / 4, wb);
        for (size_t q = 0; q < m; q++) {
            const double sd = (double)var[e0 + q];
            if (sd > 0.0) {
                const uint32_t w = wb[q];
                const int i = (int)(w & 0xffu);
                const double u = ((double)(w >> 8) + 0.5) * (1.0 / 8388608.0) - 1.0;
                double z = u * x->zig_x[i];
                if (!(fabs(u) < x->zig_r[i])) {
                    /* (pos0 + e / 4) 4 + e % 4 = 4 pos0 + e */
                    z = xb_rng_zig_word(&x->rng_read, x->zig_x, x->zig_r, w,
                                        ((uint64_t)1 << 63) + ((pos0 * 4 + e0 + q) << 6));
                }
                out[b * ld + k] += sgb * sd * z;
            }
            if (++k == n) {
                k = 0;
                b++;
                if (vsc != NULL && b < nvec) {
                    sgb = sg * vsc[b];
                }
            }
        }
    }
}

/* Squares of the normalised inputs in float: columns i_off .. i_off + ni of
 * each vector of xs (leading dim na), packed with leading dim ni. */
static void square_inputs(const double *xs, size_t na, size_t i_off, size_t ni, size_t nvec,
                          float *sq)
{
    for (size_t b = 0; b < nvec; b++) {
        const double *v = xs + b * na + i_off;
        float *o = sq + b * ni;
        for (size_t k = 0; k < ni; k++) {
            o[k] = (float)(v[k] * v[k]);
        }
    }
}

/* Reference-column noise of one tile in a forward read (ref mapping): the
 * column's noise is one draw per vector, shared by every output of the tile,
 * scaled by the slice significance sk. `in` is the tile's input with leading
 * dim ld. A transposed read subtracts the reference digitally from the
 * known conductances, so it adds no reference noise. */
static void ref_noise(const xb_xbar *x, const xb__tile *tl, double sk, const double *in,
                      size_t ld, size_t nvec, double *out, size_t ldo, uint64_t pos0)
{
    const double *G = x->pd ? x->gvar : xb_devices_conductances(x->dev);
    const double dr = xb__rd_drift(x), sg = xb__rd_sigma(x);
    const double s2 = sk * sk * x->scale * x->scale * dr * dr;
    for (size_t b = 0; b < nvec; b++) {
        const double *v = in + b * ld;
        double vr = 0.0;
        for (int rr = 0; rr < tl->nr; rr++) {
            if (x->pd) { /* the drift view's variances of the reference cells */
                vr += gref_at(x, tl, G, rr) * v[rr] * v[rr];
            } else {
                double gv = gref_at(x, tl, G, rr) * v[rr];
                vr += gv * gv;
            }
        }
        double e = sg * sqrt(s2 * vr) * xb_rng_normal_at(&x->rng_read, pos0 + b);
        for (int ii = 0; ii < tl->no; ii++) {
            out[b * ldo + (size_t)ii] -= e;
        }
    }
}

/* ADC of one tile's partial outputs (slice sl), each vector's codes added
 * to its outputs with the vector's input scale: o[k] += sc_b (q_k step_b).
 * The quantiser is q = rint(p / step) clipped to +-l; the input is first
 * clipped to +-(l + 1), which gives the same q and keeps it in the range
 * where the rounding by 1.5 * 2^52 is exact, so the two-at-a-time SSE2 loop
 * and the scalar tail compute the same bits. NaN stays NaN. */
static void adc_add(const xb_xbar *x, const xb__tile *tl, int transpose, int sl,
                    const double *part, size_t nvec, size_t n, double *out, size_t ldo)
{
    const double l = quant_levels(x->cfg.adc_bits), l1 = l + 1.0;
    for (size_t b = 0; b < nvec; b++) {
        const double *p = part + b * n;
        double *o = out + b * ldo;
        const double sc = x->xscale[b];
        double fs;
        if (x->cfg.adc_cal == XB_ADC_CAL_FIXED) {
            fs = x->cfg.adc_range;
        } else if (x->cfg.adc_cal == XB_ADC_CAL_WORST) {
            fs = tl->adc_worst[transpose][sl];
        } else {
            fs = max_abs(p, n);
        }
        if (!(fs > 0.0)) {
            for (size_t k = 0; k < n; k++) {
                o[k] += sc * 0.0;
            }
            continue;
        }
        const double step = fs / l;
        size_t k = 0;
#if defined(__SSE2__)
        {
            const __m128d vstep = _mm_set1_pd(step), vsc = _mm_set1_pd(sc);
            const __m128d hi = _mm_set1_pd(l1), lo = _mm_set1_pd(-l1);
            const __m128d vl = _mm_set1_pd(l), vnl = _mm_set1_pd(-l);
            const __m128d sign = _mm_set1_pd(-0.0), c = _mm_set1_pd(6755399441055744.0);
            for (; k + 2 <= n; k += 2) {
                __m128d v = _mm_div_pd(_mm_loadu_pd(p + k), vstep);
                /* min/max return their second operand for a NaN: keep it */
                v = _mm_max_pd(lo, _mm_min_pd(hi, v));
                __m128d a = _mm_andnot_pd(sign, v);
                __m128d q = _mm_or_pd(_mm_sub_pd(_mm_add_pd(a, c), c), _mm_and_pd(sign, v));
                q = _mm_max_pd(vnl, _mm_min_pd(vl, q));
                __m128d r = _mm_mul_pd(vsc, _mm_mul_pd(q, vstep));
                _mm_storeu_pd(o + k, _mm_add_pd(_mm_loadu_pd(o + k), r));
            }
        }
#endif
        for (; k < n; k++) {
            double v = p[k] / step;
            v = v > l1 ? l1 : (v < -l1 ? -l1 : v);
            double q = xb__rint(v);
            q = q > l ? l : (q < -l ? -l : q);
            o[k] += sc * (q * step);
        }
    }
}

/* One tile's partial outputs of slice sl for normalised inputs xs, by the
 * read backend. A forward read solves once (at sl = 0) and every slice takes
 * its columns from the same currents; a transposed read drives one slice's
 * columns at a time. */
static int tile_solve(xb_xbar *x, xb__tile *tl, int transpose, int sl, const double *xs,
                      size_t na, size_t nvec, double *part)
{
    const double *G = x->pd ? x->gd : xb_devices_conductances(x->dev);
    const double dr = xb__rd_drift(x);
    const int K = x->nslices;
    const double vr = x->cfg.v_read, kk = x->sig[sl] * x->scale / vr;
    const int pair = x->cfg.mapping == XB_MAP_DIFF_PAIR;
    const size_t pc = (size_t)tl->pcols, nr = (size_t)tl->nr, no = (size_t)tl->no;
    const size_t ru = no * (size_t)K;
    if (tl->dirty) {
        /* gather the tile's row-major physical array for the backend */
        double *gp = x->gphys + tl->dev0;
        for (size_t rr = 0; rr < nr; rr++) {
            for (size_t c = 0; c < pc; c++) {
                gp[rr * pc + c] =
                    dr * (pair ? G[xb__dev_pair(tl, (int)(c / 2), (int)rr, (int)(c % 2))]
                                     : G[xb__dev_one(tl, (int)c, (int)rr)]);
            }
        }
        XB_TRY(x->solver->setup(tl->ws, gp));
        tl->dirty = 0;
    }
    if (!transpose) {
        if (sl == 0) {
            for (size_t b = 0; b < nvec; b++) {
                for (size_t rr = 0; rr < nr; rr++) {
                    x->vbuf[b * nr + rr] = vr * xs[b * na + (size_t)tl->r0 + rr];
                }
            }
            XB_TRY(x->solver->solve(tl->ws, 0, x->vbuf, nvec, x->ibuf));
        }
        for (size_t b = 0; b < nvec; b++) {
            const double *i = x->ibuf + b * pc;
            for (size_t ii = 0; ii < no; ii++) {
                size_t u = ii * (size_t)K + (size_t)sl;
                part[b * no + ii] = pair ? kk * (i[2 * u] - i[2 * u + 1]) : kk * (i[u] - i[ru]);
            }
        }
    } else {
        for (size_t b = 0; b < nvec; b++) {
            double *v = x->vbuf + b * pc;
            const double *d = xs + b * na + (size_t)tl->o0;
            memset(v, 0, pc * sizeof *v);
            for (size_t ii = 0; ii < no; ii++) {
                size_t u = ii * (size_t)K + (size_t)sl;
                if (pair) {
                    v[2 * u] = vr * d[ii];
                    v[2 * u + 1] = -vr * d[ii];
                } else {
                    v[u] = vr * d[ii];
                }
            }
        }
        XB_TRY(x->solver->solve(tl->ws, 1, x->vbuf, nvec, x->ibuf));
        for (size_t b = 0; b < nvec; b++) {
            const double *i = x->ibuf + b * nr;
            double sum = 0.0;
            if (!pair) {
                /* the reference is subtracted digitally: G_ref,j sum_i d_i */
                const double *d = xs + b * na + (size_t)tl->o0;
                for (size_t ii = 0; ii < no; ii++) {
                    sum += d[ii];
                }
            }
            for (size_t rr = 0; rr < nr; rr++) {
                double r = kk * i[rr];
                if (!pair) {
                    r -= x->sig[sl] * x->scale * dr * gref_at(x, tl, G, (int)rr) * sum;
                }
                part[b * nr + rr] = r;
            }
        }
    }
    return XB_OK;
}

static int read_dir(xb_xbar *x, int transpose, const double *in, size_t nvec, double *out)
{
    if (nvec == 0) {
        return XB_OK;
    }
    if (nvec > (size_t)0x7fffffff / x->width) {
        return xb__error_set(XB_EINVAL, "nvec (%zu) too large for one read", nvec);
    }
    XB_TRY(xb_xbar__ensure_ws(x, nvec));
    const int n_in = x->cfg.n_in, n_out = x->cfg.n_out;
    const size_t na = (size_t)(transpose ? n_out : n_in), nb = (size_t)(transpose ? n_in : n_out);
    const int nv = (int)nvec;
    if (x->pd && x->pd_stale) {
        XB_TRY(xb_xbar__pd_rebuild(x));
    }
    const int noise = x->pd ? x->pd_noise : x->read_noise > 0.0;
    const double drift = xb__rd_drift(x);
    const double *W = xb__rd_w(x), *WK = xb__rd_wk(x);
    const float *QF = xb__rd_qf(x), *QKF = xb__rd_qkf(x);
    const int fast = x->solver_ideal && x->cfg.dac_bits == 0 && x->cfg.adc_bits == 0 &&
                     !(x->cfg.dac_range > 0.0);
    const double d2 = drift * drift;
    const uint64_t pos0 = x->read_pos;
    x->read_pos += (uint64_t)(x->ntiles * x->nslices + 2) * nvec * (nb + 1);

    normalise(x, in, nvec, na, x->xs, x->xscale, !fast && x->cfg.dac_bits > 0);
    count_read(x, transpose, x->xs, nvec);

    if (fast) {
        if (!transpose) {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nv, n_out, n_in, drift, in,
                        n_in, W, n_in, 0.0, out, n_out);
        } else {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nv, n_in, n_out, drift, in,
                        n_out, W, n_in, 0.0, out, n_in);
        }
        if (!noise) {
            return XB_OK;
        }
        /* variances of the normalised inputs x->xs, rescaled per vector by
         * x->xscale in add_noise */
        const float d2f = (float)d2;
        square_inputs(x->xs, na, 0, na, nvec, x->sqf);
        if (!transpose) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nv, n_out, n_in, d2f, x->sqf,
                        n_in, QF, n_in, 0.0f, x->varf, n_out);
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nv, n_in, n_out, d2f, x->sqf,
                        n_out, QF, n_in, 0.0f, x->varf, n_in);
        }
        if (x->cfg.mapping == XB_MAP_REF_COLUMN && !transpose) {
            for (int t = 0; t < x->ntiles; t++) {
                const xb__tile *tl = &x->tiles[t];
                /* one reference current, subtracted by every slice with its
                 * significance: sum_k sig_k = 1 */
                ref_noise(x, tl, 1.0, in + tl->r0, na, nvec, out + tl->o0, nb,
                          pos0 + nvec * nb + (uint64_t)t * nvec);
            }
        }
        add_noise(x, out, nb, x->varf, x->xscale, nvec, nb, pos0);
        return XB_OK;
    }

    memset(out, 0, nvec * nb * sizeof *out);
    const int K = x->nslices;
    const size_t nw = (size_t)n_out * (size_t)n_in;
    for (int t = 0; t < x->ntiles; t++) {
        xb__tile *tl = &x->tiles[t];
        const size_t np = (size_t)(transpose ? tl->nr : tl->no);
        const size_t o_off = (size_t)(transpose ? tl->r0 : tl->o0);
        const size_t i_off = (size_t)(transpose ? tl->o0 : tl->r0);
        const size_t sub = (size_t)tl->o0 * (size_t)n_in + (size_t)tl->r0;
        /* the reference column is one current for every slice: one draw */
        const uint64_t refpos = pos0 + (uint64_t)t * (uint64_t)K * nvec * (nb + 1) + nvec * nb;
        for (int sl = 0; sl < K; sl++) {
            /* each slice has its own columns and ADC; partial sums are added
             * digitally with the slice's significance (in wk and sig) */
            const double *wsub = (K > 1 ? WK + (size_t)sl * nw : W) + sub;
            if (x->solver_ideal) {
                if (!transpose) {
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nv, tl->no, tl->nr,
                                drift, x->xs + i_off, (int)na, wsub, n_in, 0.0, x->part,
                                (int)np);
                } else {
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nv, tl->nr, tl->no,
                                drift, x->xs + i_off, (int)na, wsub, n_in, 0.0, x->part,
                                (int)np);
                }
            } else {
                XB_TRY(tile_solve(x, tl, transpose, sl, x->xs, na, nvec, x->part));
            }
            if (noise) {
                const size_t ni = (size_t)(transpose ? tl->no : tl->nr);
                const float d2f = (float)d2;
                square_inputs(x->xs, na, i_off, ni, nvec, x->sqf);
                const float *qsub = (K > 1 ? QKF + (size_t)sl * nw : QF) + sub;
                if (!transpose) {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nv, tl->no, tl->nr, d2f,
                                x->sqf, (int)ni, qsub, n_in, 0.0f, x->varf, (int)np);
                } else {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nv, tl->nr, tl->no,
                                d2f, x->sqf, (int)ni, qsub, n_in, 0.0f, x->varf, (int)np);
                }
                uint64_t tpos = pos0 + (uint64_t)(t * K + sl) * nvec * (nb + 1);
                if (x->cfg.mapping == XB_MAP_REF_COLUMN && !transpose) {
                    ref_noise(x, tl, x->sig[sl], x->xs + i_off, na, nvec, x->part, np, refpos);
                }
                add_noise(x, x->part, np, x->varf, NULL, nvec, np, tpos);
            }
            if (x->cfg.adc_bits > 0) {
                adc_add(x, tl, transpose, sl, x->part, nvec, np, out + o_off, nb);
                continue;
            }
            for (size_t b = 0; b < nvec; b++) {
                double sc = x->xscale[b];
                double *o = out + b * nb + o_off;
                const double *p = x->part + b * np;
                for (size_t k = 0; k < np; k++) {
                    o[k] += sc * p[k];
                }
            }
        }
    }
    return XB_OK;
}

int xb_xbar_forward(xb_xbar *x, const double *in, size_t nvec, double *out)
{
    XB_ASSERT_ARG(x != NULL);
    XB_ASSERT_ARG(in != NULL || nvec == 0);
    XB_ASSERT_ARG(out != NULL || nvec == 0);
    return read_dir(x, 0, in, nvec, out);
}

int xb_xbar_backward(xb_xbar *x, const double *in, size_t nvec, double *out)
{
    XB_ASSERT_ARG(x != NULL);
    XB_ASSERT_ARG(in != NULL || nvec == 0);
    XB_ASSERT_ARG(out != NULL || nvec == 0);
    return read_dir(x, 1, in, nvec, out);
}
