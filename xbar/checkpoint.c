/* Checkpoint of an array: its devices, and every counter, event number,
 * stream position and running sum that advances. The weights and read-noise
 * matrices (and any copy of them) are recomputed from the restored
 * conductances by xb_xbar__refresh, which forms each weight as a write does
 * (the round-trip tests compare them bit for bit); the row and column sums
 * are kept incrementally by writes, so they are saved as they are. */
#include "xbar/xbar_internal.h"

#include <string.h>

/* section tag "XBAR" */
#define TAG_XBAR 0x52414258u

static size_t n_sums(const xb_xbar *x)
{
    size_t s = 0;
    for (int t = 0; t < x->ntiles; t++) {
        s += (size_t)x->tiles[t].nr + (size_t)x->tiles[t].pcols;
    }
    return s;
}

/* The saved items in order: pointer and byte count (0 for an absent one). */
static void items(xb_xbar *x, size_t *sizes, void **ptrs, int *n)
{
    int k = 0;
#define ITEM(p, bytes)                                                                           \
    do {                                                                                         \
        ptrs[k] = (void *)(p);                                                                   \
        sizes[k++] = (p) != NULL ? (bytes) : 0;                                                  \
    } while (0)
    ITEM(x->sums, n_sums(x) * sizeof *x->sums);
    ITEM(&x->cnt, sizeof x->cnt);
    ITEM(&x->update_pos, sizeof x->update_pos);
    ITEM(&x->read_pos, sizeof x->read_pos);
    ITEM(&x->event, sizeof x->event);
    ITEM(&x->drift, sizeof x->drift);
    ITEM(&x->rng_update, sizeof x->rng_update);
    ITEM(&x->rng_read, sizeof x->rng_read);
    for (int t = 0; t < x->ntiles; t++) {
        ITEM(&x->tiles[t].cnt, sizeof x->tiles[t].cnt);
        ITEM(x->tiles[t].adc_worst, sizeof x->tiles[t].adc_worst);
    }
#undef ITEM
    *n = k;
}

int xb_xbar_checkpoint_save(const xb_xbar *x, xb_ckpt *c)
{
    XB_ASSERT_ARG(x != NULL && c != NULL);
    xb_ckpt_put_u64(c, TAG_XBAR);
    xb_ckpt_put_u64(c, (uint64_t)x->ntiles);
    XB_TRY(xb_devices_checkpoint_save(x->dev, c));
    size_t sizes[16 + 2 * 1024];
    void *ptrs[16 + 2 * 1024];
    if (x->ntiles > 1024) {
        return xb__error_set(XB_EINVAL, "checkpoint of an array of %d tiles: at most 1024",
                             x->ntiles);
    }
    int n;
    items((xb_xbar *)x, sizes, ptrs, &n);
    for (int k = 0; k < n; k++) {
        xb_ckpt_put_u64(c, sizes[k]);
        xb_ckpt_put(c, ptrs[k], sizes[k]);
    }
    return c->oom ? xb__error_set(XB_ENOMEM, "out of memory for an array checkpoint") : XB_OK;
}

int xb_xbar_checkpoint_restore(xb_xbar *x, xb_ckpt *c)
{
    XB_ASSERT_ARG(x != NULL && c != NULL);
    XB_TRY(xb_ckpt_expect(c, TAG_XBAR, "array section tag"));
    XB_TRY(xb_ckpt_expect(c, (uint64_t)x->ntiles, "array tile count"));
    if (x->ntiles > 1024) {
        return xb__error_set(XB_EINVAL, "checkpoint of an array of %d tiles: at most 1024",
                             x->ntiles);
    }
    XB_TRY(xb_devices_checkpoint_restore(x->dev, c));
    /* derived state first from the restored conductances (marks every tile
     * for a read-backend setup), then the saved values over it */
    xb_xbar__refresh(x);
    size_t sizes[16 + 2 * 1024];
    void *ptrs[16 + 2 * 1024];
    int n;
    items(x, sizes, ptrs, &n);
    for (int k = 0; k < n; k++) {
        XB_TRY(xb_ckpt_expect(c, sizes[k], "array item size"));
        XB_TRY(xb_ckpt_get(c, ptrs[k], sizes[k], "array item"));
    }
    return XB_OK;
}
