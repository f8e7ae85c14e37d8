/* bench_circuits: read backends against each other, in one run.
 *
 *   A. ngspice `op` vs nodal exact (CHOLMOD) vs nodal fast at 32^2 and 64^2
 *      (128^2 only with XB_BENCH_SPICE_128=1: ngspice needs ~145 s there,
 *      deps.md §1), same circuit, error against ngspice per column.
 *   B. nodal exact vs nodal fast at 256^2, 512^2, 1024^2 (exact 1024^2 needs
 *      ~1.4 GB and ~20 s; XB_BENCH_NO_EXACT_1024=1 skips it), error of fast
 *      against exact, and a 64-vector batch at 256^2.
 * Arrays: Rmin = 10 kohm, Rmax = 1 Mohm (g uniform in [1e-6, 1e-4] S), wire
 * 0.1 ohm per segment on rows and columns (Rwire/Rmin = 1e-5), ideal driver
 * and virtual-ground sense, inputs uniform in [0, 0.3] V. Times are wall
 * seconds, best of 5 (A, nodal), 3 (B; exact 1024^2 once), 1 (ngspice);
 * "exact" includes its factorisation, as every new conductance state needs
 * one; "iters" are the fast solver's CG steps (or Gauss-Seidel sweeps). */
#include "circuits/circuits.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    double setup, solve; /* seconds */
    int iters;
} timing;

static void fill(double *x, size_t n, double lo, double hi, uint32_t array)
{
    xb_rng r;
    xb_rng_init(&r, 5, XB_RNG_USER, array);
    for (size_t k = 0; k < n; k++) {
        x[k] = lo + (hi - lo) * xb_rng_uniform(&r);
    }
}

static int run_once(const xb_solver_type *s, const xb_circuit_config *c, const double *g,
                    const double *v, size_t nvec, double *out, timing *t)
{
    void *ws = NULL;
    double t0 = xb_time_now();
    int rc = s->create(&ws, c);
    if (rc == XB_OK) {
        rc = s->setup(ws, g);
    }
    double t1 = xb_time_now();
    if (rc == XB_OK) {
        rc = s->solve(ws, 0, v, nvec, out);
    }
    double t2 = xb_time_now();
    t->setup = t1 - t0;
    t->solve = t2 - t1;
    t->iters = xb_solver_nodal_fast_iterations(ws);
    s->free(ws);
    if (rc != XB_OK) {
        fprintf(stderr, "bench_circuits: %s: %s: %s\n", s->name, xb_strerror(rc), xb_last_error());
    }
    return rc;
}

/* Best of `reps` runs (the machine is shared: the minimum is the least
 * disturbed measurement). */
static int run(const xb_solver_type *s, const xb_circuit_config *c, const double *g,
               const double *v, size_t nvec, double *out, timing *t, int reps)
{
    timing best = {HUGE_VAL, HUGE_VAL, 0};
    for (int k = 0; k < reps; k++) {
        timing tk;
        int rc = run_once(s, c, g, v, nvec, out, &tk);
        if (rc != XB_OK) {
            return rc;
        }
        if (tk.setup + tk.solve < best.setup + best.solve) {
            best = tk;
        }
    }
    *t = best;
    return XB_OK;
}

static double max_rel(const double *a, const double *ref, size_t n)
{
    double e = 0.0;
    for (size_t k = 0; k < n; k++) {
        e = fmax(e, fabs(a[k] - ref[k]) / fmax(fabs(ref[k]), 1e-300));
    }
    return e;
}

static xb_circuit_config config(int n)
{
    xb_circuit_config c = XB_CIRCUIT_CONFIG_INIT;
    c.rows = c.cols = n;
    c.r_wire_row = c.r_wire_col = 0.1;
    return c;
}

int main(void)
{
    const char *ct = getenv("OPENBLAS_CORETYPE");
    printf("bench_circuits: OPENBLAS_CORETYPE=%s (deps.md §5: SkylakeX speeds CHOLMOD ~2x on "
           "this CPU)\n\n",
           ct ? ct : "unset");
    int rc = 0;

    printf("A. ngspice op vs nodal exact vs nodal fast (one read, Rwire/Rmin = 1e-5)\n");
    printf("%6s %10s %10s %10s %9s %9s %10s %10s %6s\n", "array", "spice_s", "exact_s", "fast_s",
           "spice/ex", "spice/fa", "err_exact", "err_fast", "iters");
    int sizes_a[3] = {32, 64, 128};
    int na = getenv("XB_BENCH_SPICE_128") ? 3 : 2;
    for (int k = 0; k < na && rc == 0; k++) {
        int n = sizes_a[k];
        xb_circuit_config c = config(n);
        size_t nn = (size_t)n;
        double *g = malloc(nn * nn * sizeof *g), *v = malloc(nn * sizeof *v);
        double *is = malloc(nn * sizeof *is), *ie = malloc(nn * sizeof *ie);
        double *ifa = malloc(nn * sizeof *ifa);
        if (!g || !v || !is || !ie || !ifa) {
            return 1;
        }
        fill(g, nn * nn, 1e-6, 1e-4, (uint32_t)n);
        fill(v, nn, 0.0, 0.3, (uint32_t)n + 1);
        timing ts, te, tf;
        rc = run(xb_solver_spice, &c, g, v, 1, is, &ts, 1);
        rc = rc ? rc : run(xb_solver_nodal, &c, g, v, 1, ie, &te, 5);
        rc = rc ? rc : run(xb_solver_nodal_fast, &c, g, v, 1, ifa, &tf, 5);
        if (rc == 0) {
            double s = ts.setup + ts.solve, e = te.setup + te.solve, f = tf.setup + tf.solve;
            printf("%4dx%-3d %10.4f %10.5f %10.6f %9.0f %9.0f %10.2e %10.2e %6d\n", n, n, s, e, f,
                   s / e, s / f, max_rel(ie, is, nn), max_rel(ifa, is, nn), tf.iters);
        }
        free(g);
        free(v);
        free(is);
        free(ie);
        free(ifa);
    }
    if (na == 2) {
        printf("128x128: skipped (ngspice op ~145 s, deps.md §1); set XB_BENCH_SPICE_128=1\n");
    }

    printf("\nB. nodal exact vs nodal fast (one read, Rwire/Rmin = 1e-5)\n");
    printf("%9s %10s %10s %10s %10s %9s %10s %6s\n", "array", "factor_s", "ex_solve_s",
           "fast_set_s", "fast_sol_s", "ex/fast", "err_fast", "iters");
    int sizes_b[3] = {256, 512, 1024};
    for (int k = 0; k < 3 && rc == 0; k++) {
        int n = sizes_b[k];
        xb_circuit_config c = config(n);
        size_t nn = (size_t)n;
        double *g = malloc(nn * nn * sizeof *g), *v = malloc(nn * sizeof *v);
        double *ie = malloc(nn * sizeof *ie), *ifa = malloc(nn * sizeof *ifa);
        if (!g || !v || !ie || !ifa) {
            return 1;
        }
        fill(g, nn * nn, 1e-6, 1e-4, (uint32_t)n);
        fill(v, nn, 0.0, 0.3, (uint32_t)n + 1);
        timing te = {0, 0, 0}, tf;
        int exact = !(n == 1024 && getenv("XB_BENCH_NO_EXACT_1024"));
        rc = run(xb_solver_nodal_fast, &c, g, v, 1, ifa, &tf, 3);
        if (rc == 0 && exact) {
            rc = run(xb_solver_nodal, &c, g, v, 1, ie, &te, n < 1024 ? 3 : 1);
        }
        if (rc == 0 && exact) {
            printf("%4dx%-4d %10.3f %10.4f %10.4f %10.4f %9.1f %10.2e %6d\n", n, n, te.setup,
                   te.solve, tf.setup, tf.solve, (te.setup + te.solve) / (tf.setup + tf.solve),
                   max_rel(ifa, ie, nn), tf.iters);
        } else if (rc == 0) {
            printf("%4dx%-4d %10s %10s %10.4f %10.4f %9s %10s %6d\n", n, n, "skipped", "-",
                   tf.setup, tf.solve, "-", "-", tf.iters);
        }
        free(g);
        free(v);
        free(ie);
        free(ifa);
    }

    if (rc == 0) {
        /* a batch: the factorisation is shared, so exact solves amortise it */
        enum { N = 256, NV = 64 };
        xb_circuit_config c = config(N);
        double *g = malloc((size_t)N * N * sizeof *g), *v = malloc((size_t)N * NV * sizeof *v);
        double *ie = malloc((size_t)N * NV * sizeof *ie);
        double *ifa = malloc((size_t)N * NV * sizeof *ifa);
        if (!g || !v || !ie || !ifa) {
            return 1;
        }
        fill(g, (size_t)N * N, 1e-6, 1e-4, 7);
        fill(v, (size_t)N * NV, 0.0, 0.3, 8);
        timing te, tf;
        rc = run(xb_solver_nodal, &c, g, v, NV, ie, &te, 3);
        rc = rc ? rc : run(xb_solver_nodal_fast, &c, g, v, NV, ifa, &tf, 3);
        if (rc == 0) {
            printf("\n256x256, batch of %d vectors: exact %.3f s factor + %.2f ms/vector, fast "
                   "%.2f ms/vector; exact/fast %.1fx; err_fast %.2e\n",
                   NV, te.setup, 1e3 * te.solve / NV, 1e3 * (tf.setup + tf.solve) / NV,
                   (te.setup + te.solve) / (tf.setup + tf.solve), max_rel(ifa, ie, (size_t)N * NV));
        }
        free(g);
        free(v);
        free(ie);
        free(ifa);
    }
    printf("\nFor context (peers.md §4, CrossSim 3.2 on this machine kind, not rerun here): "
           "steady MVM at Rp/Rmin = 1e-5: 256^2 0.0124 s CPU, 1024^2 6.62 s CPU.\n");
    return rc == 0 ? 0 : 1;
}
