/* aihwkit's PCM statistical inference model (PCMLikeNoiseModel, Nandakumar et
 * al., ICECS 2019; device-models.md §5.3): programming noise, per-device drift
 * exponent and 1/f read noise as functions of the target and programmed
 * conductance, optionally with global drift compensation. The block
 * (devices.c) calls it at program and at read time; every draw is a pure
 * function of (seed, purpose, array, position):
 *   programming noise  XB_RNG_PCM_PROG  (program call << 32) + k
 *   drift exponent     XB_RNG_PCM_NU    (program call << 32) + k
 *   1/f read noise     XB_RNG_PCM_READ  (read_event << 32) + k */
#include "devices/devices_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* §5.3 coefficients (aihwkit pcm.py defaults). */
static const double PROG_COEFF[3] = {0.26348, 1.9650, -1.1731}; /* µS at g_max = 25 µS */
#define NU_MU_SLOPE (-0.0155)
#define NU_MU_OFFSET 0.0244
#define NU_MU_MIN 0.049
#define NU_MU_MAX 0.1
#define NU_SD_SLOPE (-0.0125)
#define NU_SD_OFFSET (-0.0059)
#define NU_SD_MIN 0.008
#define NU_SD_MAX 0.045
#define X_MIN 1e-7 /* g_T/g_max below this is taken as this (ln stays finite) */
#define QS_SCALE 0.0088
#define QS_EXP 0.65
#define QS_X_MIN 1e-3
#define QS_MAX 0.2

struct xb_device__pcm {
    int mode;
    size_t n;
    double g_max;
    double *nu;          /* n: drift exponents of the last programming */
    double baseline;     /* sum |g_prog| at the last programming; 0 = none yet */
    uint64_t n_programs; /* program calls so far: the high word of the positions */
    xb_rng prog, nu_rng, read;
};

double xb_device_pcm_prog_sigma(double g_target, double g_max)
{
    double x = g_target / g_max;
    double poly = PROG_COEFF[0] + x * (PROG_COEFF[1] + x * PROG_COEFF[2]);
    /* the coefficients give µS for g_max = 25 µS and scale with g_max */
    return poly * 1e-6 * (g_max / XB_PCM_GMAX_REF);
}

void xb_device_pcm_nu_stats(double g_target, double g_max, double *mu_out, double *sigma_out)
{
    double lx = log(fmax(g_target / g_max, X_MIN));
    *mu_out = xb_device__clamp(NU_MU_SLOPE * lx + NU_MU_OFFSET, NU_MU_MIN, NU_MU_MAX);
    *sigma_out = xb_device__clamp(NU_SD_SLOPE * lx + NU_SD_OFFSET, NU_SD_MIN, NU_SD_MAX);
}

double xb_device_pcm_read_sigma(double g_prog, double g_max, double t_inference)
{
    double t = t_inference + XB_PCM_T0;
    double qs = fmin(QS_SCALE / fmax(pow(fabs(g_prog) / g_max, QS_EXP), QS_X_MIN), QS_MAX);
    return qs * sqrt(log((t + XB_PCM_T_READ) / (2.0 * XB_PCM_T_READ)));
}

double xb_device_pcm_drift_factor(double nu, double t_inference)
{
    if (!(t_inference > 0.0)) {
        return 1.0;
    }
    return pow((t_inference + XB_PCM_T0) / XB_PCM_T0, -nu);
}

int xb_device__pcm_create(xb_device__pcm **out, int mode, size_t n, double g_max, uint64_t seed,
                          uint32_t array_id)
{
    *out = NULL;
    if (!(g_max > 0.0)) {
        return xb__error_set(XB_EINVAL, "pcm_stat needs a nominal Gmax > 0 (got %g S)", g_max);
    }
    xb_device__pcm *p = calloc(1, sizeof *p);
    double *nu = calloc(n, sizeof *nu);
    if (p == NULL || nu == NULL) {
        free(p);
        free(nu);
        return xb__error_set(XB_ENOMEM, "out of memory for %zu PCM devices", n);
    }
    p->mode = mode;
    p->n = n;
    p->g_max = g_max;
    p->nu = nu;
    xb_rng_init(&p->prog, seed, XB_RNG_PCM_PROG, array_id);
    xb_rng_init(&p->nu_rng, seed, XB_RNG_PCM_NU, array_id);
    xb_rng_init(&p->read, seed, XB_RNG_PCM_READ, array_id);
    *out = p;
    return 0;
}

void xb_device__pcm_free(xb_device__pcm *p)
{
    if (p != NULL) {
        free(p->nu);
        free(p);
    }
}

double xb_device__pcm_program_one(xb_device__pcm *p, size_t k, double g_t, double gmin, double gmax)
{
    uint64_t pos = (p->n_programs << 32) + (uint64_t)k;
    double mu, sd;
    /* the exponent follows the target, not the noisy result (aihwkit) */
    xb_device_pcm_nu_stats(g_t, p->g_max, &mu, &sd);
    p->nu[k] = fabs(mu + sd * xb_rng_normal_at(&p->nu_rng, pos));
    double sp = xb_device_pcm_prog_sigma(g_t, p->g_max);
    double g = fmax(0.0, g_t + sp * xb_rng_normal_at(&p->prog, pos));
    /* a device cannot hold more than its own range (aihwkit only bounds at 0) */
    return xb_device__clamp(g, gmin, gmax);
}

void xb_device__pcm_programmed(xb_device__pcm *p, const double *g)
{
    double sum = 0.0;
    for (size_t k = 0; k < p->n; k++) {
        sum += fabs(g[k]);
    }
    p->baseline = sum;
    p->n_programs++;
}

void xb_device__pcm_read(const xb_device__pcm *p, double t_inference, uint64_t read_event,
                         const double *g, double *g_out)
{
    double sum = 0.0;
    for (size_t k = 0; k < p->n; k++) {
        double gd = g[k] * xb_device_pcm_drift_factor(p->nu[k], t_inference);
        double sn = xb_device_pcm_read_sigma(g[k], p->g_max, t_inference);
        double xi = xb_rng_normal_at(&p->read, (read_event << 32) + (uint64_t)k);
        g_out[k] = fmax(0.0, gd + fabs(gd) * sn * xi);
        sum += g_out[k];
    }
    if (p->mode == XB_PCM_COMPENSATED && p->baseline > 0.0 && sum > 0.0) {
        /* one scalar per block, as a one-hot read-out of the whole array gives */
        double alpha = p->baseline / sum;
        for (size_t k = 0; k < p->n; k++) {
            g_out[k] *= alpha;
        }
    }
}

/* section tag "PCMS" */
#define TAG_PCM 0x534d4350u

void xb_device__pcm_ckpt_save(const xb_device__pcm *p, xb_ckpt *c)
{
    xb_ckpt_put_u64(c, TAG_PCM);
    xb_ckpt_put_u64(c, p->n);
    xb_ckpt_put_u64(c, p->n_programs);
    xb_ckpt_put(c, &p->baseline, sizeof p->baseline);
    xb_ckpt_put(c, p->nu, p->n * sizeof *p->nu);
}

int xb_device__pcm_ckpt_restore(xb_device__pcm *p, xb_ckpt *c)
{
    XB_TRY(xb_ckpt_expect(c, TAG_PCM, "PCM model section tag"));
    XB_TRY(xb_ckpt_expect(c, p->n, "PCM device count"));
    uint64_t programs;
    XB_TRY(xb_ckpt_get(c, &programs, sizeof programs, "PCM program count"));
    XB_TRY(xb_ckpt_get(c, &p->baseline, sizeof p->baseline, "PCM compensation baseline"));
    XB_TRY(xb_ckpt_get(c, p->nu, p->n * sizeof *p->nu, "PCM drift exponents"));
    p->n_programs = programs;
    return XB_OK;
}

double xb_device__pcm_nu(const xb_device__pcm *p, size_t k) { return k < p->n ? p->nu[k] : 0.0; }

/* Presets that come with the model (the preset table itself holds only a
 * model and its parameters). */
int xb_device__pcm_preset_mode(const char *preset)
{
    return preset != NULL && strcmp(preset, "pcm_nandakumar") == 0 ? XB_PCM_ON : XB_PCM_OFF;
}
