/* Many consecutive Philox4x32-10 blocks of one stream at once: the same bits
 * as xb_rng_u32x4_at, with 4 (SSE2) or 8 (AVX2) blocks in the lanes of
 * vector registers. Only this file needs AVX2; it compiles that one path with
 * a target attribute and picks it at run time, so the library still runs on
 * any x86-64 (and builds elsewhere, scalar only). */
#include "core/core_internal.h"

#include <Random123/philox.h>
#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define XB_RNG_X86 1
#include <immintrin.h>
#else
#define XB_RNG_X86 0
#endif

/* ------------------------------------------------------------ scalar */

/* Up to this many blocks (a short request or the tail of a long one) cost
 * less one at a time than as a whole vector batch (bench_rng). */
#define SCALAR_TAIL 2

static void fill_scalar(const xb_rng *r, uint64_t pos0, size_t nblocks, uint32_t *out)
{
    const philox4x32_key_t k = {{(uint32_t)r->seed, (uint32_t)(r->seed >> 32)}};
    for (size_t b = 0; b < nblocks; b++) {
        const uint64_t pos = pos0 + (uint64_t)b;
        const philox4x32_ctr_t c = {{(uint32_t)pos, (uint32_t)(pos >> 32), r->purpose, r->array}};
        const philox4x32_ctr_t x = philox4x32(c, k);
        memcpy(out + 4 * b, x.v, sizeof x.v);
    }
}

#if XB_RNG_X86

/* Words 2 and 3 of every counter are the stream's purpose and array, the same
 * in all lanes, so round 0's product purpose * M1 is one scalar product. */
typedef struct {
    uint32_t k0[PHILOX4x32_DEFAULT_ROUNDS], k1[PHILOX4x32_DEFAULT_ROUNDS]; /* round keys */
    uint32_t r0_x0; /* round 0: new word 0 = counter hi ^ r0_x0 */
    uint32_t r0_x1; /* round 0: new word 1 */
    uint32_t r0_x2; /* round 0: new word 2 = hi(M0 * counter lo) ^ r0_x2 */
} sched;

static void sched_init(sched *s, const xb_rng *r)
{
    uint32_t k0 = (uint32_t)r->seed, k1 = (uint32_t)(r->seed >> 32);
    for (int i = 0; i < PHILOX4x32_DEFAULT_ROUNDS; i++) {
        s->k0[i] = k0;
        s->k1[i] = k1;
        k0 += PHILOX_W32_0;
        k1 += PHILOX_W32_1;
    }
    const uint64_t p = (uint64_t)PHILOX_M4x32_1 * r->purpose;
    s->r0_x0 = (uint32_t)(p >> 32) ^ s->k0[0];
    s->r0_x1 = (uint32_t)p;
    s->r0_x2 = r->array ^ s->k1[0];
}

/* The vector paths keep each 32-bit Philox word in the low half of a 64-bit
 * lane ("split" form): pmuludq multiplies exactly those halves into the full
 * 64-bit product, whose low half is the next round's lo word as it stands and
 * whose high half is one shift away. Upper halves carry junk that nothing
 * reads. Two registers of 2 (SSE2) or 4 (AVX2) lanes hold 4 or 8 blocks. */

/* Philox4x32-10 of the blocks whose 64-bit positions are in the lanes of
 * pos_a and pos_b, into a0..a3 and b0..b3 (two independent chains, so the
 * multiplier latency overlaps). UNROLL_PRAGMA: SSE2's two-operand code needs
 * the round loop unrolled, or register rotation costs copies (1.4x slower in bench_rng);
 * unrolled AVX2 hoists and spills the round keys, slowing short requests. */
#define XB_PHILOX_SPLIT(V, mul, srli, xor, set1, pos_a, pos_b, s, UNROLL_PRAGMA)                   \
    do {                                                                                           \
        const V m0_ = set1((int)PHILOX_M4x32_0), m1_ = set1((int)PHILOX_M4x32_1);                  \
        /* round 0: words 2 and 3 are the same in every block (sched) */                           \
        V pa_ = mul(pos_a, m0_), pb_ = mul(pos_b, m0_);                                            \
        a0 = xor(srli(pos_a, 32), set1((int)(s)->r0_x0));                                          \
        b0 = xor(srli(pos_b, 32), set1((int)(s)->r0_x0));                                          \
        a1 = b1 = set1((int)(s)->r0_x1);                                                           \
        a2 = xor(srli(pa_, 32), set1((int)(s)->r0_x2));                                            \
        b2 = xor(srli(pb_, 32), set1((int)(s)->r0_x2));                                            \
        a3 = pa_;                                                                                  \
        b3 = pb_;                                                                                  \
        UNROLL_PRAGMA                                                                              \
        for (int i_ = 1; i_ < PHILOX4x32_DEFAULT_ROUNDS; i_++) {                                   \
            const V k0_ = set1((int)(s)->k0[i_]), k1_ = set1((int)(s)->k1[i_]);                    \
            const V qa0_ = mul(a0, m0_), qa2_ = mul(a2, m1_);                                      \
            const V qb0_ = mul(b0, m0_), qb2_ = mul(b2, m1_);                                      \
            a0 = xor(xor(srli(qa2_, 32), a1), k0_);                                                \
            b0 = xor(xor(srli(qb2_, 32), b1), k0_);                                                \
            a1 = qa2_;                                                                             \
            b1 = qb2_;                                                                             \
            a2 = xor(xor(srli(qa0_, 32), a3), k1_);                                                \
            b2 = xor(xor(srli(qb0_, 32), b3), k1_);                                                \
            a3 = qa0_;                                                                             \
            b3 = qb0_;                                                                             \
        }                                                                                          \
    } while (0)

/* ------------------------------------------------------------ SSE2: 4 blocks */

/* The low halves of the 64-bit lanes of x and y, interleaved: {x0, y0, x1, y1}. */
static inline __m128i pack_lo2(__m128i x, __m128i y)
{
    return _mm_unpacklo_epi32(_mm_shuffle_epi32(x, _MM_SHUFFLE(2, 0, 2, 0)),
                              _mm_shuffle_epi32(y, _MM_SHUFFLE(2, 0, 2, 0)));
}

/* Blocks pos .. pos + 3 into out[0 .. 16): blocks 0, 1 in the lanes of the
 * a registers, 2, 3 in the b registers. 64-bit adds make the counters, so a
 * low word that wraps carries into the high word by itself. */
static inline void philox4_sse2(const sched *s, uint64_t pos, uint32_t *out)
{
    const __m128i p = _mm_set1_epi64x((long long)pos);
    const __m128i pa = _mm_add_epi64(p, _mm_set_epi64x(1, 0));
    const __m128i pb = _mm_add_epi64(p, _mm_set_epi64x(3, 2));
    __m128i a0, a1, a2, a3, b0, b1, b2, b3;
    XB_PHILOX_SPLIT(__m128i, _mm_mul_epu32, _mm_srli_epi64, _mm_xor_si128, _mm_set1_epi32, pa, pb,
                    s, _Pragma("GCC unroll 16"));
    const __m128i a01 = pack_lo2(a0, a1), a23 = pack_lo2(a2, a3);
    const __m128i b01 = pack_lo2(b0, b1), b23 = pack_lo2(b2, b3);
    _mm_storeu_si128((__m128i *)(void *)(out + 0), _mm_unpacklo_epi64(a01, a23));
    _mm_storeu_si128((__m128i *)(void *)(out + 4), _mm_unpackhi_epi64(a01, a23));
    _mm_storeu_si128((__m128i *)(void *)(out + 8), _mm_unpacklo_epi64(b01, b23));
    _mm_storeu_si128((__m128i *)(void *)(out + 12), _mm_unpackhi_epi64(b01, b23));
}

static void fill_sse2(const xb_rng *r, uint64_t pos0, size_t nblocks, uint32_t *out)
{
    sched s;
    sched_init(&s, r);
    size_t b = 0;
    for (; b + 4 <= nblocks; b += 4) {
        philox4_sse2(&s, pos0 + (uint64_t)b, out + 4 * b);
    }
    if (nblocks - b > SCALAR_TAIL) {
        uint32_t tail[16];
        philox4_sse2(&s, pos0 + (uint64_t)b, tail);
        memcpy(out + 4 * b, tail, (nblocks - b) * 4 * sizeof *tail);
    } else {
        fill_scalar(r, pos0 + (uint64_t)b, nblocks - b, out + 4 * b);
    }
}

/* ------------------------------------------------------------ AVX2: 8 blocks */

#define XB_AVX2 __attribute__((target("avx2")))

/* Blocks pos .. pos + 7 into out[0 .. 32). The a registers hold blocks
 * (0, 2, 1, 3) in their four lanes, the b registers (4, 6, 5, 7): the in-lane
 * 64-bit unpacks of the transpose then leave consecutive blocks side by side
 * and no cross-lane shuffle is needed. */
static inline XB_AVX2 void philox8_avx2(const sched *s, uint64_t pos, uint32_t *out)
{
    const __m256i p = _mm256_set1_epi64x((long long)pos);
    const __m256i pa = _mm256_add_epi64(p, _mm256_setr_epi64x(0, 2, 1, 3));
    const __m256i pb = _mm256_add_epi64(p, _mm256_setr_epi64x(4, 6, 5, 7));
    __m256i a0, a1, a2, a3, b0, b1, b2, b3;
    XB_PHILOX_SPLIT(__m256i, _mm256_mul_epu32, _mm256_srli_epi64, _mm256_xor_si256,
                    _mm256_set1_epi32, pa, pb, s, );
    /* words 0, 1 (and 2, 3) of each block side by side in its 64-bit lane */
    const __m256i a01 = _mm256_blend_epi32(a0, _mm256_slli_epi64(a1, 32), 0xaa);
    const __m256i a23 = _mm256_blend_epi32(a2, _mm256_slli_epi64(a3, 32), 0xaa);
    const __m256i b01 = _mm256_blend_epi32(b0, _mm256_slli_epi64(b1, 32), 0xaa);
    const __m256i b23 = _mm256_blend_epi32(b2, _mm256_slli_epi64(b3, 32), 0xaa);
    _mm256_storeu_si256((__m256i *)(void *)(out + 0), _mm256_unpacklo_epi64(a01, a23));
    _mm256_storeu_si256((__m256i *)(void *)(out + 8), _mm256_unpackhi_epi64(a01, a23));
    _mm256_storeu_si256((__m256i *)(void *)(out + 16), _mm256_unpacklo_epi64(b01, b23));
    _mm256_storeu_si256((__m256i *)(void *)(out + 24), _mm256_unpackhi_epi64(b01, b23));
}

static XB_AVX2 void fill_avx2(const xb_rng *r, uint64_t pos0, size_t nblocks, uint32_t *out)
{
    sched s;
    sched_init(&s, r);
    size_t b = 0;
    for (; b + 8 <= nblocks; b += 8) {
        philox8_avx2(&s, pos0 + (uint64_t)b, out + 4 * b);
    }
    /* Every exit clears the upper ymm halves itself: left dirty, they slow
     * every later SSE instruction of the program (a 784-500-10 crossbar
     * training pass ran 25 % slower), and GCC 12 omitted its own vzeroupper
     * on the tail call to fill_scalar at -O2 and everywhere at -O1 with
     * sanitizers. */
    if (nblocks - b > SCALAR_TAIL) {
        uint32_t tail[32];
        philox8_avx2(&s, pos0 + (uint64_t)b, tail);
        _mm256_zeroupper();
        memcpy(out + 4 * b, tail, (nblocks - b) * 4 * sizeof *tail);
        return;
    }
    _mm256_zeroupper();
    fill_scalar(r, pos0 + (uint64_t)b, nblocks - b, out + 4 * b);
}

static int cpu_has_avx2(void)
{
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}

#endif /* XB_RNG_X86 */

/* ------------------------------------------------------------ dispatch */

/* 0 until the first call resolves AUTO; racing first calls store the same value. */
static atomic_int auto_path;

int xb_rng__fill_path_available(xb_rng__fill_path p)
{
    switch (p) {
    case XB_RNG__FILL_AUTO:
    case XB_RNG__FILL_SCALAR:
        return 1;
#if XB_RNG_X86
    case XB_RNG__FILL_SSE2:
        return 1;
    case XB_RNG__FILL_AVX2:
        return cpu_has_avx2();
#endif
    default:
        return 0;
    }
}

xb_rng__fill_path xb_rng__fill_path_auto(void)
{
    int p = atomic_load_explicit(&auto_path, memory_order_relaxed);
    if (p == 0) {
        p = XB_RNG__FILL_SCALAR;
#if XB_RNG_X86
        p = cpu_has_avx2() ? XB_RNG__FILL_AVX2 : XB_RNG__FILL_SSE2;
#endif
        atomic_store_explicit(&auto_path, p, memory_order_relaxed);
    }
    return (xb_rng__fill_path)p;
}

const char *xb_rng__fill_path_name(xb_rng__fill_path p)
{
    switch (p) {
    case XB_RNG__FILL_AUTO:
        return "auto";
    case XB_RNG__FILL_SCALAR:
        return "scalar";
    case XB_RNG__FILL_SSE2:
        return "sse2";
    case XB_RNG__FILL_AVX2:
        return "avx2";
    default:
        return "?";
    }
}

/* p is available here */
static void fill_by(xb_rng__fill_path p, const xb_rng *r, uint64_t pos0, size_t nblocks,
                    uint32_t *out)
{
#if XB_RNG_X86
    if (p == XB_RNG__FILL_AVX2) {
        fill_avx2(r, pos0, nblocks, out);
        return;
    }
    if (p == XB_RNG__FILL_SSE2) {
        fill_sse2(r, pos0, nblocks, out);
        return;
    }
#endif
    (void)p;
    fill_scalar(r, pos0, nblocks, out);
}

int xb_rng__u32x4_fill_path(xb_rng__fill_path p, const xb_rng *r, uint64_t pos0, size_t nblocks,
                            uint32_t *out)
{
    if (!xb_rng__fill_path_available(p)) {
        return xb__error_set(XB_EINVAL, "rng fill path %d (%s) is not available on this CPU",
                             (int)p, xb_rng__fill_path_name(p));
    }
    fill_by(p == XB_RNG__FILL_AUTO ? xb_rng__fill_path_auto() : p, r, pos0, nblocks, out);
    return XB_OK;
}

void xb_rng_u32x4_fill(const xb_rng *r, uint64_t pos0, size_t nblocks, uint32_t *out)
{
    if (nblocks <= SCALAR_TAIL) {
        fill_scalar(r, pos0, nblocks, out);
        return;
    }
    fill_by(xb_rng__fill_path_auto(), r, pos0, nblocks, out);
}
