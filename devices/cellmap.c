/* Per-device parameter values from measurements (a per-cell map): the block's
 * parameters become one struct per device, the named one set from the values,
 * every device re-derived by its model. */
#include "devices/devices_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A params struct of any model, aligned for its doubles. */
typedef union {
    double d[XB_DEVICE_PARAMS_MAX / sizeof(double)];
    char c[XB_DEVICE_PARAMS_MAX];
} params_buf;

/* Device k's parameters with `param` (at byte offset off) set to v, derived
 * into buf; the error names the device, the parameter and the value. */
static int derive_one(const xb_devices *d, size_t k, const char *param, size_t off, double v,
                      params_buf *buf)
{
    const xb_device_type *type = xb_devices_type(d);
    if (!isfinite(v)) {
        return xb__error_set(XB_EINVAL, "device %zu: parameter '%s' = %g is not finite", k, param,
                             v);
    }
    memcpy(buf->c, xb_devices_params(d, k), type->params_size);
    memcpy(buf->c + off, &v, sizeof v);
    int rc = type->derive != NULL ? type->derive(buf->c) : 0;
    if (rc < 0) {
        return xb__error_prefix(rc, "device %zu: parameter '%s' = %g: ", k, param, v);
    }
    return 0;
}

int xb_devices_set_param_values(xb_devices *d, const char *param, const double *values)
{
    XB_ASSERT_ARG(d != NULL && param != NULL && values != NULL);
    const xb_device_type *type = xb_devices_type(d);
    const xb_device_param *prm;
    XB_TRY(xb_device_param_find(type, param, &prm));
    size_t n = xb_devices_count(d);
    params_buf buf;
    /* validate every device first, so that an error changes nothing */
    for (size_t k = 0; k < n; k++) {
        XB_TRY(derive_one(d, k, param, prm->offset, values[k], &buf));
    }
    double *pos = malloc(n * sizeof *pos);
    if (pos == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory for %zu devices", n);
    }
    const double *g = xb_devices_conductances(d);
    for (size_t k = 0; k < n; k++) {
        double gmin, gmax;
        xb_devices_device_bounds(d, k, &gmin, &gmax); /* k < n: cannot fail */
        double u = gmax > gmin ? (g[k] - gmin) / (gmax - gmin) : 0.0;
        pos[k] = u < 0.0 ? 0.0 : (u > 1.0 ? 1.0 : u);
    }
    void *params;
    int rc = xb_devices__params_per_device(d, &params);
    for (size_t k = 0; rc == 0 && k < n; k++) {
        rc = derive_one(d, k, param, prm->offset, values[k], &buf);
        if (rc == 0) {
            memcpy((char *)params + k * type->params_size, buf.c, type->params_size);
        }
    }
    if (rc == 0) {
        rc = xb_devices__params_changed(d);
    }
    for (size_t k = 0; rc == 0 && k < n; k++) {
        double gmin, gmax;
        rc = xb_devices_device_bounds(d, k, &gmin, &gmax);
        pos[k] = gmin + pos[k] * (gmax - gmin);
    }
    if (rc == 0) {
        rc = xb_devices_program(d, pos);
    }
    free(pos);
    return rc;
}
