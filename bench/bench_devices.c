/* bench_devices: nanoseconds per device-pulse of the write fidelity levels,
 * as ratios to a plain-C constant-step loop measured in the same run, and the
 * CVODE vs ARKODE accuracy/cost trade-off behind XB_DEVICE_ODE_SETTINGS_INIT. */
#include "devices/devices.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { N = 4096 };

/* A volatile sink keeps the optimiser from deleting the baseline. */
static volatile double sink;

static double baseline_ns(int rounds)
{
    double *g = malloc(N * sizeof *g);
    int32_t *np = malloc(N * sizeof *np);
    const double gmin = 100e-9, gmax = 5e-6, step = (gmax - gmin) / 63.0;
    for (int k = 0; k < N; k++) {
        g[k] = gmin + (gmax - gmin) * (k % 97) / 97.0;
        np[k] = (k % 3) - 1;
    }
    double t0 = xb_time_now();
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < N; k++) {
            double x = g[k] + np[k] * step;
            g[k] = x < gmin ? gmin : (x > gmax ? gmax : x);
        }
        np[r % N] = -np[r % N];
    }
    double dt = xb_time_now() - t0;
    sink = g[N / 2];
    free(g);
    free(np);
    return dt / ((double)rounds * N) * 1e9;
}

/* One pulse of +1 or -1 per device per round through a device block. */
static double block_ns(const char *preset, int ode, int rounds, xb_device_ode_stats *st)
{
    xb_device_config cfg;
    char params[XB_DEVICE_PARAMS_MAX];
    xb_devices *d = NULL;
    if (xb_device_preset_config(preset, &cfg, params) < 0 || (cfg.c2c = 0.0, 0) ||
        xb_devices_create(&d, &cfg, N, 1, 0) < 0 ||
        xb_devices_set_write_mode(d, ode ? XB_WRITE_ODE : XB_WRITE_TABLE, NULL) < 0) {
        fprintf(stderr, "bench_devices: %s: %s\n", preset, xb_last_error());
        exit(1);
    }
    double gmin, gmax, *t = malloc(N * sizeof *t);
    int32_t *np = malloc(N * sizeof *np);
    xb_devices_nominal_range(d, &gmin, &gmax);
    for (int k = 0; k < N; k++) {
        t[k] = gmin + (gmax - gmin) * (0.2 + 0.6 * (k % 97) / 97.0);
        np[k] = (k % 2) ? 1 : -1;
    }
    xb_devices_program(d, t);
    double t0 = xb_time_now();
    for (int r = 0; r < rounds; r++) {
        if (xb_devices_pulse(d, np, (uint64_t)r) < 0) {
            fprintf(stderr, "bench_devices: %s: %s\n", preset, xb_last_error());
            exit(1);
        }
        for (int k = 0; k < N; k++) {
            np[k] = -np[k];
        }
    }
    double dt = xb_time_now() - t0;
    if (st != NULL) {
        xb_devices_ode_stats(d, st);
    }
    free(t);
    free(np);
    xb_devices_free(d);
    return dt / ((double)rounds * N) * 1e9;
}

/* §1.1: without a window each +/- pulse pair returns x exactly; the drift
 * after many pairs is the integrator's accumulated error (deps.md §2). */
static void ode_tradeoff(void)
{
    char p[XB_DEVICE_PARAMS_MAX];
    const xb_device_type *type = NULL;
    xb_device_preset_find("hp_strukov", &type, p);
    xb_device_waveform w;
    double t_end;
    xb_device_write_pulse(type, p, &w, &t_end);
    enum { M = 64, PAIRS = 100 };
    xb_device_ode_settings def = XB_DEVICE_ODE_SETTINGS_INIT;
    printf("\nODE integrators, %d devices in vectors of %zu, %d +/- write-pulse pairs (hp_strukov):\n", M,
           def.chunk, PAIRS);
    printf("%-8s %-7s %12s %14s %10s\n", "method", "rtol", "us/pulse", "max |x - x0|", "steps");
    const double rtols[] = {1e-6, 1e-8, 1e-10};
    for (int m = 0; m < 2; m++) {
        for (int r = 0; r < 3; r++) {
            xb_device_ode_settings s = XB_DEVICE_ODE_SETTINGS_INIT;
            s.method = m ? XB_ODE_ARKODE : XB_ODE_CVODE;
            s.rtol = rtols[r];
            s.atol = rtols[r] * 1e-2;
            double x[M], x0[M], up[M], down[M];
            for (int k = 0; k < M; k++) {
                x[k] = x0[k] = 0.1 + 0.8 * k / (M - 1.0);
                up[k] = 1.0;
                down[k] = -1.0;
            }
            long steps = 0;
            double t0 = xb_time_now();
            for (int i = 0; i < PAIRS; i++) {
                xb_device_ode_stats st;
                xb_device_integrate(type, p, 0, M, x, up, &w, t_end, 0, NULL, &s, &st);
                steps += st.steps;
                xb_device_integrate(type, p, 0, M, x, down, &w, t_end, 0, NULL, &s, &st);
                steps += st.steps;
            }
            double dt = xb_time_now() - t0, err = 0.0;
            for (int k = 0; k < M; k++) {
                err = fmax(err, fabs(x[k] - x0[k]));
            }
            printf("%-8s %-7.0e %12.2f %14.2e %10ld\n", m ? "ARKODE" : "CVODE", rtols[r],
                   dt / (2.0 * PAIRS) * 1e6, err, steps);
            /* "us/pulse" is one write pulse for all M devices */
        }
    }
}

int main(void)
{
    double base = baseline_ns(20000);
    xb_device_ode_stats st;
    double ns = block_ns("agsi", 0, 400, NULL);
    double sb = block_ns("reram_sb", 0, 400, NULL);
    double tab = block_ns("hp_strukov", 0, 400, NULL);
    double ode = block_ns("hp_strukov", 1, 4, &st);
    double tab_v = block_ns("vteam_demo", 0, 400, NULL);
    double ode_v = block_ns("vteam_demo", 1, 4, NULL);
    printf("ns per device-pulse, %d devices (ratio to the plain-C constant-step loop of this run)\n", N);
    printf("%-36s %12.2f  1\n", "plain C constant step (baseline)", base);
    printf("%-36s %12.2f  %.3g\n", "neurosim block (agsi)", ns, ns / base);
    printf("%-36s %12.2f  %.3g\n", "soft_bounds block (reram_sb)", sb, sb / base);
    printf("%-36s %12.2f  %.3g\n", "table mode (hp_strukov)", tab, tab / base);
    printf("%-36s %12.2f  %.3g\n", "ode mode (hp_strukov, ARKODE)", ode, ode / base);
    printf("%-36s %12.2f  %.3g\n", "table mode (vteam_demo)", tab_v, tab_v / base);
    printf("%-36s %12.2f  %.3g\n", "ode mode (vteam_demo, ARKODE)", ode_v, ode_v / base);
    printf("ode vs table (hp_strukov): %.3g x; ode steps per pulse round, summed over vectors: %.0f\n",
           ode / tab, (double)st.steps / 4.0);
    ode_tradeoff();
    return 0;
}
