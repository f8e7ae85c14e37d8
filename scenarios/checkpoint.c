/* Per-run checkpoints: the trainer's state after a durable epoch, in one
 * binary file beside the run's part file, so --resume continues after the
 * last durable epoch instead of retraining from epoch 0.
 *
 * Layout (native byte order and doubles: a checkpoint is for resuming on the
 * machine that wrote it, never an exchange format):
 *   magic "XBCKPT01", u64 version, u64 hash of the run's expanded settings
 *   and seed, u64 epoch, u64 payload bytes, u64 FNV-1a 64 of the payload,
 *   payload (the trainer's sections, then the network's).
 * Any mismatch or truncation is an XB_EIO naming the file and what differs;
 * the runner then retrains from epoch 0. */
#include "learning/learning.h"
#include "scenarios/scenarios_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 2: networks carry periphery gains, held norms and mirror stream positions */
#define CKPT_VERSION 2
static const char magic[8] = {'X', 'B', 'C', 'K', 'P', 'T', '0', '1'};
enum { HEADER_BYTES = 8 + 5 * 8 };

void xb_scn__ckpt_path(char *out, size_t n, const char *out_dir, const xb_run *r)
{
    snprintf(out, n, "%s/parts/%s.ckpt", out_dir, r->id);
}

uint64_t xb_scn__run_hash(const xb_run *r)
{
    size_t ns;
    const xb_scn_column *sc = xb_scenario_schema(&ns);
    uint64_t h = xb_scn__fnv(XB_SCN_FNV_INIT, r->id, strlen(r->id) + 1);
    for (size_t j = 0; j < ns + r->n_params; j++) {
        const char *name = j < ns ? sc[j].name : r->param_names[j - ns];
        h = xb_scn__fnv(h, name, strlen(name) + 1);
        h = xb_scn__fnv(h, r->text[j], strlen(r->text[j]) + 1);
    }
    return xb_scn__fnv(h, &r->seed, sizeof r->seed);
}

int xb_scn__ckpt_write(const char *path, const xb_run *r, int epoch, const xb_net *net,
                       const xb_scn_ckpt_item *items, size_t n_items)
{
    xb_ckpt body = {0};
    for (size_t k = 0; k < n_items; k++) {
        xb_ckpt_put_u64(&body, items[k].bytes);
        xb_ckpt_put(&body, items[k].p, items[k].bytes);
    }
    int rc = xb_net_checkpoint_save(net, &body);
    if (rc == XB_OK && body.oom) {
        rc = xb__error_set(XB_ENOMEM, "out of memory for the checkpoint %s", path);
    }
    xb_ckpt file = {0};
    if (rc == XB_OK) {
        xb_ckpt_put(&file, magic, sizeof magic);
        xb_ckpt_put_u64(&file, CKPT_VERSION);
        xb_ckpt_put_u64(&file, xb_scn__run_hash(r));
        xb_ckpt_put_u64(&file, (uint64_t)epoch);
        xb_ckpt_put_u64(&file, body.len);
        xb_ckpt_put_u64(&file, xb_scn__fnv(XB_SCN_FNV_INIT, body.data, body.len));
        xb_ckpt_put(&file, body.data, body.len);
        rc = file.oom ? xb__error_set(XB_ENOMEM, "out of memory for the checkpoint %s", path)
                      : xb_file_write_atomic(path, file.data, file.len);
    }
    xb_ckpt_free(&body);
    xb_ckpt_free(&file);
    return rc;
}

int xb_scn__ckpt_read(const char *path, const xb_run *r, int *epoch_out, xb_net *net,
                      const xb_scn_ckpt_item *items, size_t n_items)
{
    char *data = NULL;
    size_t len = 0;
    XB_TRY(xb_file_read(path, &data, &len));
    xb_ckpt c = {.data = (unsigned char *)data, .len = len, .cap = len};
    int rc = XB_OK;
    uint64_t v[5];
    if (len < HEADER_BYTES || memcmp(data, magic, sizeof magic)) {
        rc = xb__error_set(XB_EIO, "%s: not a checkpoint of this version (bad magic or %zu bytes)",
                           path, len);
        goto out;
    }
    c.pos = sizeof magic;
    for (int k = 0; k < 5; k++) {
        xb_ckpt_get(&c, &v[k], sizeof v[k], "header");
    }
    if (v[0] != CKPT_VERSION) {
        rc = xb__error_set(XB_EIO, "%s: checkpoint version %llu, this build reads %d", path,
                           (unsigned long long)v[0], CKPT_VERSION);
    } else if (v[1] != xb_scn__run_hash(r)) {
        rc = xb__error_set(XB_EIO, "%s: checkpoint of other settings than run '%s' seed %llu "
                                   "(settings hash %016llx, expected %016llx)",
                           path, r->name, (unsigned long long)r->seed, (unsigned long long)v[1],
                           (unsigned long long)xb_scn__run_hash(r));
    } else if (v[3] != len - HEADER_BYTES) {
        rc = xb__error_set(XB_EIO, "%s: checkpoint truncated: header says %llu payload bytes, "
                                   "the file has %zu", path, (unsigned long long)v[3],
                           len - HEADER_BYTES);
    } else if (v[4] != xb_scn__fnv(XB_SCN_FNV_INIT, c.data + c.pos, len - HEADER_BYTES)) {
        rc = xb__error_set(XB_EIO, "%s: checkpoint payload checksum does not match", path);
    }
    for (size_t k = 0; rc == XB_OK && k < n_items; k++) {
        rc = xb_ckpt_expect(&c, items[k].bytes, "trainer item size");
        if (rc == XB_OK) {
            rc = xb_ckpt_get(&c, items[k].p, items[k].bytes, "trainer item");
        }
    }
    if (rc == XB_OK) {
        rc = xb_net_checkpoint_restore(net, &c);
    }
    if (rc == XB_OK && c.pos != c.len) {
        rc = xb__error_set(XB_EIO, "%s: %zu bytes left over after the network", path,
                           c.len - c.pos);
    }
    if (rc < 0 && strncmp(xb_last_error(), path, strlen(path))) {
        rc = xb__error_prefix(rc, "%s: ", path);
    }
    if (rc == XB_OK) {
        *epoch_out = (int)v[2];
    }
out:
    free(data);
    return rc;
}

int xb_scn__ckpt_remove(const char *path)
{
    if (unlink(path) != 0 && errno != ENOENT) {
        return xb__error_set(XB_EIO, "%s: cannot remove: %s", path, strerror(errno));
    }
    return XB_OK;
}

int xb_scn__resume_markdown(FILE *fp)
{
    XB_ASSERT_ARG(fp != NULL);
    fprintf(fp,
            "## Results, crashes and resume\n\n"
            "`xbarsim run F.csv -o DIR` writes `DIR/parts/<run id>.csv`, one file per run "
            "(the id hashes the run's name, settings and seed), made durable (temporary file, "
            "fsync, rename) after every epoch; `DIR/results.csv` is assembled from the part "
            "files and `DIR/manifest.json` records the version, commit, scenario file hash and "
            "every run's expanded settings. A crash or a kill loses at most the epoch in "
            "progress.\n\n"
            "Right after each durable epoch but the last, a run also writes its checkpoint "
            "`DIR/parts/<run id>.ckpt` the same way: every device state and conductance of "
            "every array (forward and backward, all tiles and pair devices), the row and "
            "column sums that writes keep, the arrays' counters, update event numbers, drift "
            "factor and stream positions, biases, momentum velocities, weights and backward matrices in "
            "memory, SAL neuron state and phase count, the network's step count, and the "
            "energy/latency accumulators of the results rows (what is a function of seed, "
            "stream, array and position, such as each epoch's shuffle, is not saved, and the weights on arrays are "
            "recomputed from the restored conductances). A "
            "header holds a magic, a version, a hash of the run's expanded settings and seed, "
            "the epoch, the payload's byte count and its FNV-1a 64 checksum. A complete run's "
            "checkpoint is removed, so only unfinished runs have one. Sizes for "
            "`quickstart.csv` (784-100-10): 0.64 MB for a software run, 2.6 MB on arrays.\n\n"
            "`--resume` keeps complete runs untouched, and continues each unfinished run after "
            "its checkpoint's epoch (logged as `resumed from checkpoint after epoch N`): only "
            "the missing epochs are trained, and `results.csv` is byte-identical to an "
            "uninterrupted run's except for the `seconds` column. A checkpoint that is "
            "truncated, of another version or of other settings is rejected with a warning "
            "naming the file and what differs, and that run is retrained from epoch 0, each "
            "recomputed durable epoch checked against the row on disk (a difference is an "
            "error: code or libraries changed). A checkpoint is native binary (byte order, "
            "doubles) for resuming on the same kind of machine. `--no-checkpoint` writes "
            "none; `--resume` then retrains unfinished runs from epoch 0 in the same way.\n\n");
    return ferror(fp) ? xb__error_set(XB_EIO, "cannot write the resume section") : XB_OK;
}
