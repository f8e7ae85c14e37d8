/* Checkpoints: a growable byte stream shared by every module's save and
 * restore, and the part of a device block that training moves (states,
 * conductances and the integrator's counters). Everything else in the block (parameters, stuck cells, drift
 * exponents, pulse tables) is a function of the configuration and the seed,
 * so create rebuilds it identically and it is not saved. */
#include "devices/devices_internal.h"

#include <stdlib.h>
#include <string.h>

void xb_ckpt_put(xb_ckpt *c, const void *p, size_t n)
{
    if (c->oom || n == 0) {
        return;
    }
    if (c->len + n > c->cap) {
        size_t cap = c->cap ? c->cap : 4096;
        while (cap < c->len + n) {
            cap *= 2;
        }
        unsigned char *d = realloc(c->data, cap);
        if (!d) {
            c->oom = 1;
            return;
        }
        c->data = d;
        c->cap = cap;
    }
    memcpy(c->data + c->len, p, n);
    c->len += n;
}

void xb_ckpt_put_u64(xb_ckpt *c, uint64_t v) { xb_ckpt_put(c, &v, sizeof v); }

int xb_ckpt_get(xb_ckpt *c, void *p, size_t n, const char *what)
{
    if (n > c->len - c->pos) {
        return xb__error_set(XB_EIO, "checkpoint truncated: %s needs %zu bytes at offset %zu, "
                                     "%zu left", what, n, c->pos, c->len - c->pos);
    }
    memcpy(p, c->data + c->pos, n);
    c->pos += n;
    return XB_OK;
}

int xb_ckpt_expect(xb_ckpt *c, uint64_t want, const char *what)
{
    uint64_t v;
    XB_TRY(xb_ckpt_get(c, &v, sizeof v, what));
    if (v != want) {
        return xb__error_set(XB_EIO, "checkpoint does not match: %s is %llu, this object has %llu",
                             what, (unsigned long long)v, (unsigned long long)want);
    }
    return XB_OK;
}

void xb_ckpt_free(xb_ckpt *c)
{
    free(c->data);
    memset(c, 0, sizeof *c);
}

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
    return xb_ckpt_get(c, st, sizeof *st, "integrator statistics");
}
