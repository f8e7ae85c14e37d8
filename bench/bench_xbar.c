/* bench_xbar: forward read, transposed read and update of a 784x500 array
 * (the first layer of a 784-500-10 MLP) against plain cblas_dgemm of the same
 * shapes, measured in the same run. Prints ratios (xbar time / BLAS time).
 * Updates use lr 0.01 with errors of 0.1 and inputs in [0, 1]: about one
 * weight in six gets a pulse per step (dense); one case uses lr 0.001.
 *
 * usage: bench_xbar [batch [case [reps]]]   (default 32, all cases, 5 repetitions)
 * `case` runs only the cases whose label contains it (for profiling one
 * case: e.g. bench_xbar 32 NeuroSim 50). */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xbar/xbar.h"

enum { N_IN = 784, N_OUT = 500 };

static double *rand_buf(size_t n, double lo, double hi, uint32_t tag)
{
    double *a = malloc(n * sizeof *a);
    if (a == NULL) {
        return NULL;
    }
    xb_rng r;
    xb_rng_init(&r, 5, XB_RNG_USER, tag);
    for (size_t k = 0; k < n; k++) {
        a[k] = lo + (hi - lo) * xb_rng_uniform(&r);
    }
    return a;
}

/* CPU time of this process: the 2 cores are shared with other jobs, and wall
 * time would measure their load as much as this code */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* best of `reps` mean times over `iters` calls, CPU seconds per call */
#define TIME_BEST(out, reps, iters, body)                                      \
    do {                                                                       \
        double best_ = 1e30;                                                   \
        for (int r_ = 0; r_ < (reps); r_++) {                                  \
            double t0_ = cpu_now();                                        \
            for (int i_ = 0; i_ < (iters); i_++) {                             \
                body;                                                          \
            }                                                                  \
            double t_ = (cpu_now() - t0_) / (iters);                       \
            best_ = t_ < best_ ? t_ : best_;                                   \
        }                                                                      \
        (out) = best_;                                                         \
    } while (0)

static double g_lr = -0.01;
static const char *g_only = NULL;
static int g_reps = 5;

static int run_case(const char *label, const xb_xbar_config *cfg, int batch, const double *w,
                    const double *in, const double *d, const double *h, double *y, double *z,
                    double t_fwd, double t_bwd, double t_upd)
{
    if (g_only != NULL && strstr(label, g_only) == NULL) {
        return 0;
    }
    xb_xbar *x;
    if (xb_xbar_create(&x, cfg) < 0) {
        fprintf(stderr, "%s: create: %s\n", label, xb_last_error());
        return 1;
    }
    if (xb_xbar_program(x, w) < 0) {
        fprintf(stderr, "%s: program: %s\n", label, xb_last_error());
        xb_xbar_free(x);
        return 1;
    }
    size_t nb = (size_t)batch;
    double lr = g_lr;
    double tf, tb, tu;
    int rc = 0;
    TIME_BEST(tf, g_reps, 10, rc |= xb_xbar_forward(x, in, nb, y));
    TIME_BEST(tb, g_reps, 10, rc |= xb_xbar_backward(x, d, nb, z));
    TIME_BEST(tu, g_reps, 5, rc |= xb_xbar_update_outer(x, lr, d, h, nb));
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", label, xb_last_error());
        xb_xbar_free(x);
        return 1;
    }
    printf("%-34s forward %8.3f ms (%5.2fx)  backward %8.3f ms (%5.2fx)  update %8.3f ms (%5.2fx)\n",
           label, tf * 1e3, tf / t_fwd, tb * 1e3, tb / t_bwd, tu * 1e3, tu / t_upd);
    xb_xbar_free(x);
    return 0;
}

int main(int argc, char **argv)
{
    int batch = argc > 1 ? atoi(argv[1]) : 32;
    g_only = argc > 2 ? argv[2] : NULL;
    g_reps = argc > 3 ? atoi(argv[3]) : 5;
    if (batch <= 0 || g_reps <= 0) {
        fprintf(stderr, "usage: bench_xbar [batch > 0 [case [reps > 0]]]\n");
        return 2;
    }
    /* one BLAS thread: the machine's cores are shared and thread spin-up
     * dominates small calls (deps.md §5); both sides use the same setting */
    openblas_set_num_threads(1);
    size_t nw = (size_t)N_IN * N_OUT, nb = (size_t)batch;
    double *w = rand_buf(nw, -0.5, 0.5, 1);
    double *in = rand_buf(nb * N_IN, 0.0, 1.0, 2);
    double *d = rand_buf(nb * N_OUT, -0.1, 0.1, 3);
    double *h = rand_buf(nb * N_IN, 0.0, 1.0, 4);
    double *y = malloc(nb * N_OUT * sizeof *y);
    double *z = malloc(nb * N_IN * sizeof *z);
    double *dw = malloc(nw * sizeof *dw);
    if (!w || !in || !d || !h || !y || !z || !dw) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }

    /* baselines: the three GEMMs a software layer does; best of two rounds a
     * second apart (the first calls of a process run slow on this VM) */
    double t_fwd = 1e30, t_bwd = 1e30, t_upd = 1e30;
    for (int round = 0; round < 2; round++) {
        double a, b, u;
        TIME_BEST(a, 5, 10,
                  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, N_OUT, N_IN, 1.0,
                              in, N_IN, w, N_IN, 0.0, y, N_OUT));
        TIME_BEST(b, 5, 10,
                  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, N_IN, N_OUT, 1.0,
                              d, N_OUT, w, N_IN, 0.0, z, N_IN));
        TIME_BEST(u, 5, 5, {
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N_OUT, N_IN, batch, -0.01, d,
                        N_OUT, h, N_IN, 0.0, dw, N_IN);
            for (size_t k = 0; k < nw; k++) {
                w[k] += dw[k];
            }
        });
        t_fwd = a < t_fwd ? a : t_fwd;
        t_bwd = b < t_bwd ? b : t_bwd;
        t_upd = u < t_upd ? u : t_upd;
    }
    printf("784x500 array, batch %d; ratios are xbar time / cblas_dgemm time of the same shape\n",
           batch);
    printf("%-34s forward %8.3f ms           backward %8.3f ms           update %8.3f ms\n",
           "baseline cblas_dgemm (+ w += dW)", t_fwd * 1e3, t_bwd * 1e3, t_upd * 1e3);

    xb_xbar_config c = XB_XBAR_CONFIG_INIT;
    c.n_in = N_IN;
    c.n_out = N_OUT;
    c.seed = 1;
    int rc = 0;
    rc |= run_case("ideal device, pulses", &c, batch, w, in, d, h, y, z, t_fwd, t_bwd, t_upd);
    c.device.read_noise = 0.02;
    rc |= run_case("ideal, read noise 2%", &c, batch, w, in, d, h, y, z, t_fwd, t_bwd, t_upd);
    c.device.read_noise = 0.0;
    c.dac_bits = 8;
    c.adc_bits = 8;
    rc |= run_case("ideal, DAC 8 b, ADC 8 b", &c, batch, w, in, d, h, y, z, t_fwd, t_bwd, t_upd);
    c.dac_bits = c.adc_bits = 0;
    c.update = XB_UPDATE_STOCHASTIC;
    rc |= run_case("ideal, stochastic BL 31", &c, batch, w, in, d, h, y, z, t_fwd, t_bwd, t_upd);
    c.update = XB_UPDATE_PULSES;
    /* small updates: lr 10x lower, about one weight in 60 pulses per step */
    g_lr = -0.001;
    rc |= run_case("ideal, pulses, lr 1e-3 (sparse)", &c, batch, w, in, d, h, y, z, t_fwd, t_bwd,
                   t_upd);
    g_lr = -0.01;

    unsigned char params[XB_DEVICE_PARAMS_MAX];
    xb_device_config dc;
    if (xb_device_preset_config("agsi", &dc, params) == 0) {
        c.device = dc;
        c.device.read_noise = 0.0289; /* NeuroSim MeasuredDevice (device-models.md §5.1) */
        c.adc_bits = 8;
        rc |= run_case("NeuroSim Ag:a-Si, c2c, noise, ADC", &c, batch, w, in, d, h, y, z, t_fwd,
                       t_bwd, t_upd);
    }
    free(w);
    free(in);
    free(d);
    free(h);
    free(y);
    free(z);
    free(dw);
    return rc;
}
