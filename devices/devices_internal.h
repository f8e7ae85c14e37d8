/* devices: helpers shared by the model files and the device block. */
#ifndef XB_DEVICES_INTERNAL_H
#define XB_DEVICES_INTERNAL_H

#include "devices/devices.h"

/* Parameters of device k under the stride convention of the ops. */
static inline const void *xb_device__params_at(const void *params, size_t stride, size_t k)
{
    return (const char *)params + k * stride;
}

static inline double xb_device__clamp(double x, double lo, double hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* Index of a parameter in the model's table, or -1. */
int xb_device__param_index(const xb_device_type *type, const char *name);

#endif /* XB_DEVICES_INTERNAL_H */
