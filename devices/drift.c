/* Drifted conductances without read noise, for readers (xbar/) that apply
 * the noise in output space: the same drift as xb_devices_read (devices.c
 * for the generic power law, pcm_stat.c for the PCM model). */
#include "devices/devices_internal.h"

#include <math.h>

int xb_devices_drift_uniform(const xb_devices *d)
{
    const xb_device_config *c = xb_devices__config(d);
    return c->pcm_stat == XB_PCM_OFF && !(c->drift_nu > 0.0 && c->drift_nu_d2d > 0.0);
}

int xb_devices_pcm_mode(const xb_devices *d) { return xb_devices__config(d)->pcm_stat; }

int xb_devices_drifted(const xb_devices *d, double t_since_program, double *g_out,
                       double *relvar_out)
{
    XB_ASSERT_ARG(d != NULL && g_out != NULL);
    if (!(t_since_program >= 0.0) || !isfinite(t_since_program)) {
        return xb__error_set(XB_EINVAL, "read time (%g s) must be finite and >= 0",
                             t_since_program);
    }
    const xb_device_config *c = xb_devices__config(d);
    const double *g = xb_devices_conductances(d);
    const size_t n = xb_devices_count(d);
    const double s2 = c->read_noise * c->read_noise;
    double gmin, gmax;
    xb_devices_nominal_range(d, &gmin, &gmax);
    /* as xb_devices_read: exp(-nu_k ln(t/t0)) per device, one factor otherwise */
    const int per = c->drift_nu > 0.0 && c->drift_nu_d2d > 0.0;
    const double f = xb_devices_drift_factor(d, t_since_program);
    const double lt =
        per && t_since_program > c->drift_t0 ? log(t_since_program / c->drift_t0) : 0.0;
    for (size_t k = 0; k < n; k++) {
        double gk = g[k], sn2 = 0.0;
        if (c->pcm_stat != XB_PCM_OFF) {
            gk *= xb_device_pcm_drift_factor(xb_devices_pcm_nu(d, k), t_since_program);
            double sn = xb_device_pcm_read_sigma(g[k], gmax, t_since_program);
            sn2 = sn * sn;
        }
        g_out[k] = gk * (per ? exp(-xb_devices_drift_nu(d, k) * lt) : f);
        if (relvar_out != NULL) {
            relvar_out[k] = (1.0 + sn2) * (1.0 + s2) - 1.0;
        }
    }
    return XB_OK;
}
