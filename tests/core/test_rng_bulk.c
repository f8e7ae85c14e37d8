/* core: xb_rng_u32x4_fill, the bulk Philox4x32-10 generator, against the
 * one-block xb_rng_u32x4_at and Random123's philox4x32 itself, on every
 * implementation this CPU can run. */
#include "xb_test.h"

#include "core/core_internal.h"

#include <Random123/philox.h>
#include <stdlib.h>

/* Random123 tests/kat_vectors, rows "philox4x32 10" (counter[4] key[2] ->
 * out[4]). In xb_rng terms counter = {pos lo, pos hi, purpose, array} and
 * key = {seed lo, seed hi} (core/rng.c block_at). */
static const struct {
    uint32_t ctr[4], key[2], out[4];
} kat[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
    {{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
     {0xffffffffu, 0xffffffffu},
     {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
    {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
     {0xa4093822u, 0x299f31d0u},
     {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
};

static const xb_rng__fill_path paths[] = {XB_RNG__FILL_AUTO, XB_RNG__FILL_SCALAR, XB_RNG__FILL_SSE2,
                                          XB_RNG__FILL_AVX2};
enum { NPATHS = sizeof paths / sizeof paths[0] };

/* Canary words either side of the output: a tail must not write past its
 * last block, nor before the first. */
enum { GUARD = 40 };
#define CANARY 0xa5a5a5a5u

/* Block pos of r straight from Random123, independent of core/. */
static void ref_block(const xb_rng *r, uint64_t pos, uint32_t out[4])
{
    philox4x32_key_t k = {{(uint32_t)r->seed, (uint32_t)(r->seed >> 32)}};
    philox4x32_ctr_t c = {{(uint32_t)pos, (uint32_t)(pos >> 32), r->purpose, r->array}};
    philox4x32_ctr_t x = philox4x32(c, k);
    memcpy(out, x.v, sizeof x.v);
}

/* Fills through path p into a buffer guarded by GUARD + 1 canaries before
 * and GUARD after (the output starts at an odd word, so vector stores are
 * mostly unaligned) and compares every block
 * with xb_rng_u32x4_at and with Random123. */
static void check_fill(xb_rng__fill_path p, const xb_rng *r, uint64_t pos0, size_t nblocks)
{
    uint32_t *buf = malloc((4 * nblocks + 2 * GUARD + 1) * sizeof *buf);
    assert_non_null(buf);
    for (size_t i = 0; i < 4 * nblocks + 2 * GUARD + 1; i++) {
        buf[i] = CANARY;
    }
    uint32_t *out = buf + GUARD + 1;
    xb_assert_ok(xb_rng__u32x4_fill_path(p, r, pos0, nblocks, out));
    for (size_t b = 0; b < nblocks; b++) {
        uint32_t at[4], ref[4];
        xb_rng_u32x4_at(r, pos0 + (uint64_t)b, at);
        ref_block(r, pos0 + (uint64_t)b, ref);
        for (int j = 0; j < 4; j++) {
            if (out[4 * b + (size_t)j] != at[j] || at[j] != ref[j]) {
                fail_msg("path %s seed %#llx purpose %#x array %#x pos0 %#llx nblocks %zu: "
                         "block %zu word %d: fill %#x, at %#x, Random123 %#x",
                         xb_rng__fill_path_name(p), (unsigned long long)r->seed, r->purpose,
                         r->array, (unsigned long long)pos0, nblocks, b, j, out[4 * b + (size_t)j],
                         at[j], ref[j]);
            }
        }
    }
    for (size_t i = 0; i < GUARD; i++) {
        assert_int_equal(buf[i], CANARY);
        assert_int_equal(out[4 * nblocks + i], CANARY);
    }
    assert_int_equal(out[-1], CANARY);
    free(buf);
}

static void test_core_rng_bulk__every_path_matches_at(void **state)
{
    (void)state;
    const uint64_t seeds[] = {0, 42, 0xdeadbeefcafebabeull, UINT64_MAX};
    const uint32_t purposes[] = {XB_RNG_READ, XB_RNG_UPDATE, 0x80000000u | (5u << 24)};
    const uint32_t arrays[] = {0, 3, 201, UINT32_MAX};
    /* 2^31 - 3: the low word's sign bit flips inside a batch (an unsigned
     * compare matters); 2^32 - 3: low counter word wraps; 2^63 + 11 and
     * 2^64 - 5: top bit set, and the 64-bit position itself wraps */
    const uint64_t pos0s[] = {0,
                              5,
                              ((uint64_t)1 << 31) - 3,
                              ((uint64_t)1 << 32) - 3,
                              ((uint64_t)7 << 32) - 1,
                              ((uint64_t)1 << 63) + 11,
                              UINT64_MAX - 4};
    const size_t ns[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1000};
    int ran = 0;
    for (int ip = 0; ip < NPATHS; ip++) {
        if (!xb_rng__fill_path_available(paths[ip])) {
            continue;
        }
        ran++;
        for (size_t is = 0; is < sizeof seeds / sizeof seeds[0]; is++) {
            for (size_t iu = 0; iu < sizeof purposes / sizeof purposes[0]; iu++) {
                for (size_t ia = 0; ia < sizeof arrays / sizeof arrays[0]; ia++) {
                    xb_rng r;
                    xb_rng_init(&r, seeds[is], purposes[iu], arrays[ia]);
                    for (size_t iq = 0; iq < sizeof pos0s / sizeof pos0s[0]; iq++) {
                        for (size_t in = 0; in < sizeof ns / sizeof ns[0]; in++) {
                            check_fill(paths[ip], &r, pos0s[iq], ns[in]);
                        }
                    }
                }
            }
        }
    }
    /* auto and scalar run everywhere */
    assert_true(ran >= 2);
}

/* The public entry point is the auto path. */
static void test_core_rng_bulk__public_fill_matches_at(void **state)
{
    (void)state;
    xb_rng r;
    xb_rng_init(&r, 0x5eed, XB_RNG_UPDATE, 7);
    const uint64_t pos0 = ((uint64_t)1 << 32) - 3;
    uint32_t out[4 * 37 + 4];
    out[4 * 37] = CANARY;
    xb_rng_u32x4_fill(&r, pos0, 37, out);
    for (size_t b = 0; b < 37; b++) {
        uint32_t at[4];
        xb_rng_u32x4_at(&r, pos0 + (uint64_t)b, at);
        assert_memory_equal(out + 4 * b, at, sizeof at);
    }
    assert_int_equal(out[4 * 37], CANARY);
    /* nothing to do: out is never touched */
    xb_rng_u32x4_fill(&r, pos0, 0, NULL);
}

/* The published vectors, placed at every lane of a batch (block j of a fill
 * starting j blocks before the vector's position). */
static void test_core_rng_bulk__random123_known_answers_in_every_lane(void **state)
{
    (void)state;
    for (int ip = 0; ip < NPATHS; ip++) {
        if (!xb_rng__fill_path_available(paths[ip])) {
            continue;
        }
        for (size_t v = 0; v < sizeof kat / sizeof kat[0]; v++) {
            xb_rng r;
            xb_rng_init(&r, ((uint64_t)kat[v].key[1] << 32) | kat[v].key[0], kat[v].ctr[2],
                        kat[v].ctr[3]);
            const uint64_t pos = ((uint64_t)kat[v].ctr[1] << 32) | kat[v].ctr[0];
            for (size_t j = 0; j < 8; j++) {
                uint32_t out[4 * 9];
                xb_assert_ok(xb_rng__u32x4_fill_path(paths[ip], &r, pos - j, 9, out));
                for (int w = 0; w < 4; w++) {
                    if (out[4 * j + (size_t)w] != kat[v].out[w]) {
                        fail_msg("path %s vector %zu lane %zu word %d: %#x, expected %#x",
                                 xb_rng__fill_path_name(paths[ip]), v, j, w, out[4 * j + (size_t)w],
                                 kat[v].out[w]);
                    }
                }
            }
        }
    }
}

/* The counter's low word wraps between blocks 2 and 3: block 3 is position
 * 2^32, i.e. counter {0, 1, purpose, array}, not {0, 0, ...}. */
static void test_core_rng_bulk__low_word_wrap_carries(void **state)
{
    (void)state;
    xb_rng r, r0;
    xb_rng_init(&r, 11, XB_RNG_READ, 2);
    const uint64_t pos0 = ((uint64_t)1 << 32) - 3;
    for (int ip = 0; ip < NPATHS; ip++) {
        if (!xb_rng__fill_path_available(paths[ip])) {
            continue;
        }
        uint32_t out[4 * 8], ref[4], wrong[4];
        xb_assert_ok(xb_rng__u32x4_fill_path(paths[ip], &r, pos0, 8, out));
        ref_block(&r, (uint64_t)1 << 32, ref);
        assert_memory_equal(out + 12, ref, sizeof ref);
        /* without the carry it would be position 0's block */
        r0 = r;
        ref_block(&r0, 0, wrong);
        assert_memory_not_equal(out + 12, wrong, sizeof wrong);
        check_fill(paths[ip], &r, pos0, 8);
    }
}

/* Every path this CPU runs gives the same words as every other, on a long
 * run crossing a low-word wrap. */
static void test_core_rng_bulk__paths_agree(void **state)
{
    (void)state;
    enum { N = 4099 };
    uint32_t *a = malloc(4 * N * sizeof *a), *b = malloc(4 * N * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    xb_rng r;
    xb_rng_init(&r, 0x9e3779b97f4a7c15ull, XB_RNG_UPDATE, 101);
    const uint64_t pos0 = ((uint64_t)3 << 32) - 2001;
    xb_assert_ok(xb_rng__u32x4_fill_path(XB_RNG__FILL_SCALAR, &r, pos0, N, a));
    for (int ip = 0; ip < NPATHS; ip++) {
        if (!xb_rng__fill_path_available(paths[ip])) {
            continue;
        }
        memset(b, 0, 4 * N * sizeof *b);
        xb_assert_ok(xb_rng__u32x4_fill_path(paths[ip], &r, pos0, N, b));
        assert_memory_equal(a, b, 4 * N * sizeof *a);
    }
    free(a);
    free(b);
}

static void test_core_rng_bulk__path_selection(void **state)
{
    (void)state;
    const xb_rng__fill_path p = xb_rng__fill_path_auto();
    assert_true(p != XB_RNG__FILL_AUTO);
    assert_true(xb_rng__fill_path_available(p));
    /* cached: the same answer every time */
    assert_int_equal(xb_rng__fill_path_auto(), p);
#if defined(__x86_64__)
    /* x86-64 always has SSE2; AVX2 is taken whenever the CPU has it */
    assert_true(xb_rng__fill_path_available(XB_RNG__FILL_SSE2));
    if (__builtin_cpu_supports("avx2")) {
        assert_int_equal(p, XB_RNG__FILL_AVX2);
    } else {
        assert_false(xb_rng__fill_path_available(XB_RNG__FILL_AVX2));
    }
#endif
    xb_rng r;
    uint32_t out[4] = {CANARY, CANARY, CANARY, CANARY};
    xb_rng_init(&r, 1, XB_RNG_READ, 0);
    xb_assert_error(xb_rng__u32x4_fill_path((xb_rng__fill_path)17, &r, 0, 1, out), XB_EINVAL,
                    "path 17");
    assert_int_equal(out[0], CANARY);
    assert_string_equal(xb_rng__fill_path_name(XB_RNG__FILL_AVX2), "avx2");
}

#if defined(__x86_64__)
#include <cpuid.h>

/* XINUSE bit 2 (XGETBV with ECX = 1): some ymm register has a nonzero upper
 * half, the state in which every legacy SSE instruction that follows pays a
 * penalty. -1 where the CPU does not report it. */
static int avx_upper_in_use(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid_count(0xd, 1, &a, &b, &c, &d) || !(a & 4u)) {
        return -1;
    }
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(1u));
    (void)hi;
    return (lo & 4u) != 0;
}
#endif

/* Every exit of the AVX2 path clears the upper halves (vzeroupper): GCC 12
 * left them dirty on its tail call to the scalar path (and on every path at
 * -O1 with sanitizers), and the training pass that called it ran 25 % slower
 * in its SSE code. Checked for block counts
 * ending on each tail length. */
static void test_core_rng_bulk__avx2_exits_clean(void **state)
{
    (void)state;
#if defined(__x86_64__)
    if (!xb_rng__fill_path_available(XB_RNG__FILL_AVX2) || avx_upper_in_use() < 0) {
        skip();
    }
    uint32_t out[4 * 40];
    xb_rng r;
    xb_rng_init(&r, 7, XB_RNG_READ, 3);
    for (size_t n = 0; n <= 40; n++) {
        int rc = xb_rng__u32x4_fill_path(XB_RNG__FILL_AVX2, &r, 5, n, out);
        int dirty = avx_upper_in_use();
        xb_assert_ok(rc);
        if (dirty) {
            fail_msg("upper ymm halves left in use after %zu blocks", n);
        }
    }
#else
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_rng_bulk__every_path_matches_at),
        cmocka_unit_test(test_core_rng_bulk__public_fill_matches_at),
        cmocka_unit_test(test_core_rng_bulk__random123_known_answers_in_every_lane),
        cmocka_unit_test(test_core_rng_bulk__low_word_wrap_carries),
        cmocka_unit_test(test_core_rng_bulk__paths_agree),
        cmocka_unit_test(test_core_rng_bulk__path_selection),
        cmocka_unit_test(test_core_rng_bulk__avx2_exits_clean),
    };
    return cmocka_run_group_tests_name("core_rng_bulk", tests, NULL, NULL);
}
