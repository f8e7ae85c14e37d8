/* Parameters by name, for scenarios, presets and the CLI. */
#include "devices/devices_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* "gmin, gmax, ..." for error messages. */
static void list_names(const xb_device_type *type, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < type->n_params && used + 1 < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", type->params[i].name);
        if (w < 0) {
            break;
        }
        used += (size_t)w;
    }
}

int xb_device_param_find(const xb_device_type *type, const char *name,
                         const xb_device_param **param_out)
{
    XB_ASSERT_ARG(type != NULL);
    XB_ASSERT_ARG(name != NULL);
    int i = xb_device__param_index(type, name);
    if (i < 0) {
        char names[400];
        list_names(type, names, sizeof names);
        return xb__error_set(XB_ENOTFOUND, "model '%s' has no parameter '%s' (it has: %s)",
                             type->name, name, names);
    }
    if (param_out != NULL) {
        *param_out = &type->params[i];
    }
    return i;
}

int xb_device_param_get(const xb_device_type *type, const void *params, const char *name,
                        double *value_out)
{
    XB_ASSERT_ARG(params != NULL && value_out != NULL);
    const xb_device_param *p = NULL;
    XB_TRY(xb_device_param_find(type, name, &p));
    memcpy(value_out, (const char *)params + p->offset, sizeof *value_out);
    return 0;
}

int xb_device_param_set(const xb_device_type *type, void *params, const char *name, double value)
{
    XB_ASSERT_ARG(params != NULL);
    const xb_device_param *p = NULL;
    XB_TRY(xb_device_param_find(type, name, &p));
    if (!isfinite(value)) {
        return xb__error_set(XB_EINVAL, "model '%s': parameter '%s' (%g) must be finite",
                             type->name, name, value);
    }
    double *slot = (double *)((char *)params + p->offset);
    double old = *slot;
    *slot = value;
    if (type->derive != NULL) {
        int rc = type->derive(params);
        if (rc < 0) {
            *slot = old;
            (void)type->derive(params);
            return xb__error_prefix(rc, "model '%s': setting '%s' to %g: ", type->name, name,
                                    value);
        }
    }
    return 0;
}

int xb_device_params_default(const xb_device_type *type, void *params_out)
{
    XB_ASSERT_ARG(type != NULL && params_out != NULL);
    memcpy(params_out, type->default_params, type->params_size);
    return type->derive != NULL ? type->derive(params_out) : 0;
}
