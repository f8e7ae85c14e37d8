/* core-private declarations for core's own tests and benchmarks; no other
 * module includes this header. */
#ifndef XB_CORE_INTERNAL_H
#define XB_CORE_INTERNAL_H

#include "core/core.h"

/* The implementations behind xb_rng_u32x4_fill. All give the same bits; they
 * differ only in speed and in the instructions they need. */
typedef enum {
    XB_RNG__FILL_AUTO = 0,   /* what xb_rng_u32x4_fill uses on this CPU */
    XB_RNG__FILL_SCALAR = 1, /* one block at a time, any CPU */
    XB_RNG__FILL_SSE2 = 2,   /* 4 blocks at a time, x86-64 only */
    XB_RNG__FILL_AVX2 = 3    /* 8 blocks at a time, x86-64 CPUs with AVX2 */
} xb_rng__fill_path;

/* 1 if path p can run in this build on this CPU (AUTO and SCALAR always can). */
int xb_rng__fill_path_available(xb_rng__fill_path p);
/* The path AUTO resolves to on this CPU (chosen once, then cached). */
xb_rng__fill_path xb_rng__fill_path_auto(void);
/* "auto", "scalar", "sse2", "avx2" ("?" for anything else). */
const char *xb_rng__fill_path_name(xb_rng__fill_path p);
/* xb_rng_u32x4_fill through path p: XB_EINVAL naming p if p is not
 * available, leaving out untouched. */
int xb_rng__u32x4_fill_path(xb_rng__fill_path p, const xb_rng *r, uint64_t pos0, size_t nblocks,
                            uint32_t *out);

#endif /* XB_CORE_INTERNAL_H */
