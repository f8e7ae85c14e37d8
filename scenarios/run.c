/* The runner: every run this worker owns (a fixed partition by index, or
 * the next free run from a shared counter), epoch by epoch, each epoch made
 * durable before the next starts. A run's numbers depend only on its
 * settings and seed, so the results do not depend on how many workers or
 * ranks share the file, nor on which of them does which run. */
#include "scenarios/scenarios_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int xb_results_clear(const xb_scenario_file *f, const char *out_dir)
{
    XB_ASSERT_ARG(f != NULL && out_dir != NULL);
    for (size_t i = 0; i < xb_scenario_file_n_runs(f); i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/parts/%s.csv", out_dir, xb_scenario_file_run(f, i)->id);
        if (unlink(path) != 0 && errno != ENOENT) {
            return xb__error_set(XB_EIO, "%s: cannot remove: %s", path, strerror(errno));
        }
        xb_scn__ckpt_path(path, sizeof path, out_dir, xb_scenario_file_run(f, i));
        XB_TRY(xb_scn__ckpt_remove(path));
    }
    return XB_OK;
}

/* On resume, continues after the checkpoint's epoch if there is a valid one
 * no newer than the durable rows (rows after it are recomputed and checked);
 * else, with a warning naming why, retrains from epoch 0 in a fresh ws. */
static int run_restore(const xb_run *r, const xb_runner_config *cfg, const xb_trainer_type *tr,
                       const char *ckpt, size_t done, void **ws, int *start)
{
    *start = 0;
    if (!cfg->resume || cfg->no_checkpoint || tr != xb_trainer_learning || done == 0 ||
        !xb_file_exists(ckpt)) {
        return XB_OK;
    }
    int ce = -1;
    int rc = xb_scn__learning_restore(*ws, ckpt, &ce);
    if (rc == XB_OK && ce >= 0 && (size_t)ce < done) {
        *start = ce + 1;
        xb_log(XB_LOG_INFO, "run '%s' seed %llu: resumed from checkpoint after epoch %d", r->name,
               (unsigned long long)r->seed, ce);
        return XB_OK;
    }
    if (rc == XB_OK) {
        xb_log(XB_LOG_WARN, "%s: checkpoint of epoch %d but %zu durable rows; retraining run '%s' "
                            "seed %llu from epoch 0", ckpt, ce, done, r->name,
               (unsigned long long)r->seed);
    } else {
        xb_log(XB_LOG_WARN, "%s; retraining run '%s' seed %llu from epoch 0", xb_last_error(),
               r->name, (unsigned long long)r->seed);
    }
    tr->free(*ws);
    *ws = NULL;
    rc = tr->create(ws, r, cfg->stop);
    return rc < 0 ? xb__error_prefix(rc, "run '%s' seed %llu (line %d): ", r->name,
                                     (unsigned long long)r->seed, r->line)
                  : XB_OK;
}

static int run_one(const xb_scenario_file *f, size_t i, const xb_runner_config *cfg,
                   const xb_trainer_type *tr)
{
    const xb_run *r = xb_scenario_file_run(f, i);
    int epochs = (int)xb_run_int(r, "epochs");
    xb_scn_part *part = NULL;
    XB_TRY(xb_scn__part_open(&part, f, i, cfg->out_dir, cfg->resume));
    xb_metrics m;
    if (xb_scn__part_done(part) >= (size_t)epochs + 1) {
        xb_scn__part_free(part);
        /* a kill between the last row and the removal left one behind */
        char stale[4096];
        xb_scn__ckpt_path(stale, sizeof stale, cfg->out_dir, r);
        XB_TRY(xb_scn__ckpt_remove(stale));
        if (cfg->on_epoch) {
            xb_metrics_clear(&m, epochs);
            cfg->on_epoch(cfg->payload, i, NULL, 1);
        }
        return XB_OK;
    }
    void *ws = NULL;
    int rc = tr->create(&ws, r, cfg->stop);
    if (rc < 0) {
        xb_scn__part_free(part);
        return xb__error_prefix(rc, "run '%s' seed %llu (line %d): ", r->name,
                                (unsigned long long)r->seed, r->line);
    }
    char ckpt[4096];
    xb_scn__ckpt_path(ckpt, sizeof ckpt, cfg->out_dir, r);
    int start = 0;
    rc = run_restore(r, cfg, tr, ckpt, xb_scn__part_done(part), &ws, &start);
    if (rc < 0) {
        xb_scn__part_free(part);
        return rc;
    }
    double t0 = xb_time_now();
    for (int e = start; e <= epochs; e++) {
        if (cfg->stop && *cfg->stop) {
            rc = xb__error_set(XB_EINTERRUPTED, "stopped after run '%s' seed %llu epoch %d",
                               r->name, (unsigned long long)r->seed, e - 1);
            break;
        }
        xb_metrics_clear(&m, e);
        rc = tr->epoch(ws, e, &m);
        if (rc == XB_EINTERRUPTED) {
            rc = xb__error_set(XB_EINTERRUPTED, "stopped in run '%s' seed %llu epoch %d",
                               r->name, (unsigned long long)r->seed, e);
            break;
        }
        if (rc < 0) {
            rc = xb__error_prefix(rc, "run '%s' seed %llu epoch %d: ", r->name,
                                  (unsigned long long)r->seed, e);
            break;
        }
        m.epoch = e;
        m.seconds = xb_time_now() - t0;
        rc = xb_scn__part_epoch(part, &m);
        if (rc == XB_OK && !cfg->no_checkpoint && tr == xb_trainer_learning && e < epochs) {
            /* right after the part file: the checkpoint is never ahead of it */
            rc = xb_scn__learning_save(ws, ckpt, e);
        }
        if (rc < 0) {
            break;
        }
        if (cfg->on_epoch) {
            cfg->on_epoch(cfg->payload, i, &m, e == epochs);
        }
    }
    tr->free(ws);
    xb_scn__part_free(part);
    if (rc == XB_OK) {
        /* complete: the part file says all; its checkpoint is not needed */
        rc = xb_scn__ckpt_remove(ckpt);
    }
    return rc;
}

int xb_runner_run(const xb_scenario_file *f, const xb_runner_config *cfg)
{
    XB_ASSERT_ARG(f != NULL && cfg != NULL && cfg->out_dir != NULL);
    XB_ASSERT_ARG(cfg->n_workers >= 1 && cfg->worker >= 0 && cfg->worker < cfg->n_workers);
    const xb_trainer_type *tr = cfg->trainer ? cfg->trainer : xb_trainer_learning;
    char parts[4096];
    snprintf(parts, sizeof parts, "%s/parts", cfg->out_dir);
    XB_TRY(xb_mkdirs(parts));
    /* A run that fails (e.g. an integrator that does not converge) must not
     * cost the night's other runs: log it, go on, report at the end. */
    int first_rc = XB_OK, failed = 0;
    char first_msg[512] = "";
    size_t n = xb_scenario_file_n_runs(f);
    for (size_t i = cfg->next_run ? cfg->next_run(cfg->payload) : (size_t)cfg->worker; i < n;
         i = cfg->next_run ? cfg->next_run(cfg->payload) : i + (size_t)cfg->n_workers) {
        int rc = run_one(f, i, cfg, tr);
        if (rc == XB_EINTERRUPTED) {
            return rc;
        }
        if (rc < 0) {
            xb_log(XB_LOG_ERROR, "%s", xb_last_error());
            if (failed++ == 0) {
                first_rc = rc;
                snprintf(first_msg, sizeof first_msg, "%s", xb_last_error());
            }
        }
    }
    if (failed) {
        return xb__error_set(first_rc, "%d run%s failed (logged above); the first: %s", failed,
                             failed == 1 ? "" : "s", first_msg);
    }
    return XB_OK;
}
