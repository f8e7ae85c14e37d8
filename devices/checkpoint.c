/* Checkpoints: the part of a device block that training moves (states,
 * conductances and the integrator's counters). Everything else in the block
 * (parameters, stuck cells, drift exponents, pulse tables) is a function of
 * the configuration and the seed, so create rebuilds it identically and it
 * is not saved. A block with the PCM statistical model adds what its last
 * programming drew (pcm_stat.c). */
#include "devices/devices_internal.h"

/* section tag "DEVS" */
#define TAG_DEVICES 0x53564544u

int xb_devices_checkpoint_save(const xb_devices *d, xb_ckpt *c)
{
    XB_ASSERT_ARG(d != NULL && c != NULL);
    double *state, *g;
    size_t n, ns;
    xb_device_ode_stats *st;
    xb_devices__moving_state((xb_devices *)d, &state, &g, &n, &ns, &st);
    xb_ckpt_put_u64(c, TAG_DEVICES);
    xb_ckpt_put_u64(c, n);
    xb_ckpt_put_u64(c, ns);
    xb_ckpt_put(c, state, n * ns * sizeof *state);
    xb_ckpt_put(c, g, n * sizeof *g);
    xb_ckpt_put_u64(c, sizeof *st);
    xb_ckpt_put(c, st, sizeof *st);
    if (xb_devices__pcm((xb_devices *)d) != NULL) {
        xb_device__pcm_ckpt_save(xb_devices__pcm((xb_devices *)d), c);
    }
    return c->oom ? xb__error_set(XB_ENOMEM, "out of memory for a checkpoint of %zu devices", n)
                  : XB_OK;
}

int xb_devices_checkpoint_restore(xb_devices *d, xb_ckpt *c)
{
    XB_ASSERT_ARG(d != NULL && c != NULL);
    double *state, *g;
    size_t n, ns;
    xb_device_ode_stats *st;
    xb_devices__moving_state(d, &state, &g, &n, &ns, &st);
    XB_TRY(xb_ckpt_expect(c, TAG_DEVICES, "device section tag"));
    XB_TRY(xb_ckpt_expect(c, n, "device count"));
    XB_TRY(xb_ckpt_expect(c, ns, "state variables per device"));
    XB_TRY(xb_ckpt_get(c, state, n * ns * sizeof *state, "device states"));
    XB_TRY(xb_ckpt_get(c, g, n * sizeof *g, "device conductances"));
    XB_TRY(xb_ckpt_expect(c, sizeof *st, "integrator statistics size"));
    XB_TRY(xb_ckpt_get(c, st, sizeof *st, "integrator statistics"));
    return xb_devices__pcm(d) != NULL ? xb_device__pcm_ckpt_restore(xb_devices__pcm(d), c) : XB_OK;
}
