/* Checkpoint byte stream: what every module's save appends to and its
 * restore reads back, with named truncation and mismatch errors. */
#include "core/core.h"

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
    if (n == 0) {
        return XB_OK; /* an absent item: p may be NULL, and memcpy must not see it */
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
