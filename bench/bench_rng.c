/* bench_rng: Philox4x32-10 blocks per second of xb_rng_u32x4_fill (and of
 * each implementation behind it) against a loop of xb_rng_u32x4_at over the
 * same positions, measured in the same run, as ratios. CPU time of the
 * process, best of a few alternating repetitions (the machine is shared). */
#include "core/core_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { NBUF = 4096, REPS = 3 };

/* A volatile sink keeps the optimiser from deleting either loop. */
static volatile uint32_t sink;

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* total blocks in calls of `chunk` blocks; path < 0: the xb_rng_u32x4_at loop */
static double blocks_per_s(int path, const xb_rng *r, size_t chunk, size_t total, uint32_t *buf)
{
    const size_t calls = total / chunk;
    uint64_t pos = ((uint64_t)1 << 32) - 1000; /* crosses a low-word wrap */
    uint32_t acc = 0;
    const double t0 = cpu_now();
    for (size_t c = 0; c < calls; c++) {
        if (path < 0) {
            for (size_t b = 0; b < chunk; b++) {
                xb_rng_u32x4_at(r, pos + b, buf + 4 * b);
            }
        } else if (path == XB_RNG__FILL_AUTO) {
            xb_rng_u32x4_fill(r, pos, chunk, buf);
        } else {
            (void)xb_rng__u32x4_fill_path((xb_rng__fill_path)path, r, pos, chunk, buf);
        }
        acc ^= buf[4 * (c % chunk)];
        pos += chunk;
    }
    const double dt = cpu_now() - t0;
    sink = acc;
    return (double)(calls * chunk) / dt;
}

int main(void)
{
    xb_rng r;
    xb_rng_init(&r, 0x5eedf00dull, XB_RNG_READ, 3);
    uint32_t *buf = malloc(4 * NBUF * sizeof *buf), *chk = malloc(4 * NBUF * sizeof *chk);
    if (buf == NULL || chk == NULL) {
        fprintf(stderr, "bench_rng: out of memory\n");
        return 1;
    }
    /* the bits must be the same before the speed means anything */
    xb_rng_u32x4_fill(&r, UINT64_MAX - 100, NBUF, buf);
    for (size_t b = 0; b < NBUF; b++) {
        xb_rng_u32x4_at(&r, UINT64_MAX - 100 + b, chk + 4 * b);
    }
    if (memcmp(buf, chk, 4 * NBUF * sizeof *buf) != 0) {
        fprintf(stderr, "bench_rng: xb_rng_u32x4_fill differs from xb_rng_u32x4_at\n");
        return 1;
    }

    const size_t total = (size_t)1 << 22; /* blocks per measurement */
    const size_t chunks[] = {1, 2, 4, 8, 16, 64, 256, NBUF};
    const int paths[] = {XB_RNG__FILL_AUTO, XB_RNG__FILL_SCALAR, XB_RNG__FILL_SSE2,
                         XB_RNG__FILL_AVX2};
    printf("bench_rng: Philox4x32-10 blocks, xb_rng_u32x4_fill vs a loop of xb_rng_u32x4_at\n");
    printf("auto path on this CPU: %s\n", xb_rng__fill_path_name(xb_rng__fill_path_auto()));
    printf("%-7s %6s %14s %14s %8s\n", "path", "chunk", "at_blocks/s", "fill_blocks/s", "ratio");
    for (size_t ip = 0; ip < sizeof paths / sizeof paths[0]; ip++) {
        if (!xb_rng__fill_path_available((xb_rng__fill_path)paths[ip])) {
            printf("%-7s (not available on this CPU)\n",
                   xb_rng__fill_path_name((xb_rng__fill_path)paths[ip]));
            continue;
        }
        for (size_t ic = 0; ic < sizeof chunks / sizeof chunks[0]; ic++) {
            /* only the public path gets the small-chunk sweep */
            if (paths[ip] != XB_RNG__FILL_AUTO && chunks[ic] != NBUF) {
                continue;
            }
            double best_at = 0.0, best_fill = 0.0;
            for (int k = 0; k < REPS; k++) {
                double a = blocks_per_s(-1, &r, chunks[ic], total, buf);
                double f = blocks_per_s(paths[ip], &r, chunks[ic], total, buf);
                best_at = a > best_at ? a : best_at;
                best_fill = f > best_fill ? f : best_fill;
            }
            printf("%-7s %6zu %14.4g %14.4g %7.2fx\n",
                   xb_rng__fill_path_name((xb_rng__fill_path)paths[ip]), chunks[ic], best_at,
                   best_fill, best_fill / best_at);
        }
    }
    free(buf);
    free(chk);
    return 0;
}
