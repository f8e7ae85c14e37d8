/* scenarios: per-run checkpoint files. A learning trainer restored from the
 * checkpoint of epoch e computes epoch e + 1 exactly as the trainer that
 * wrote it (every metric bit for bit), and a checkpoint that is not this
 * run's, truncated, corrupted or of another format version is rejected with
 * an error naming the file and what is wrong.
 *
 * Reference: the trainer that wrote the checkpoint, continued; a fresh
 * trainer without the restore must differ (so the comparison can fail). */
#include "xb_test.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/scenarios_internal.h"

/* the linear teacher task (no dataset files): arrays with write and read
 * noise, momentum, a backward array (rbp) */
static const char *file_text =
    "scenario,dataset,loss,rule,hidden,epochs,batch,lr,train_n,test_n,c2c,read_noise,"
    "momentum,seeds\n"
    "t,teacher,mse,rbp,8,3,16,0.05,160,40,0.01,0.01,0.5,1\n"
    "u,teacher,mse,rbp,8,3,16,0.06,160,40,0.01,0.01,0.5,1\n";

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/xb_ckpt_test.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void metrics_equal(const xb_metrics *a, const xb_metrics *b, int want_equal)
{
    const char *names[128];
    size_t n = xb_scn__metric_names(names, 128);
    int same = 1;
    for (size_t k = 0; k < n; k++) {
        double va = xb_scn__metric_value(a, k), vb = xb_scn__metric_value(b, k);
        if (memcmp(&va, &vb, sizeof va)) {
            if (want_equal) {
                fail_msg("metric %s: %.17g vs %.17g", names[k], va, vb);
            }
            same = 0;
        }
    }
    assert_int_equal(same, want_equal);
}

static xb_scenario_file *load(void)
{
    xb_scenario_file *f = NULL;
    xb_assert_ok(xb_scenario_file_parse(&f, "ckpt.csv", file_text, strlen(file_text)));
    return f;
}

static void test_scenarios_checkpoint__trainer_continues_exactly(void **state)
{
    (void)state;
    xb_scenario_file *f = load();
    const xb_run *r = xb_scenario_file_run(f, 0);
    const xb_trainer_type *tr = xb_trainer_learning;
    void *a = NULL, *b = NULL, *c = NULL;
    xb_assert_ok(tr->create(&a, r, NULL));
    xb_metrics ma, mb, mc;
    for (int e = 0; e <= 1; e++) {
        xb_metrics_clear(&ma, e);
        xb_assert_ok(tr->epoch(a, e, &ma));
    }
    char path[128];
    snprintf(path, sizeof path, "%s/t.ckpt", dir);
    xb_assert_ok(xb_scn__learning_save(a, path, 1));
    xb_assert_ok(tr->create(&b, r, NULL));
    int ep = -1;
    xb_assert_ok(xb_scn__learning_restore(b, path, &ep));
    assert_int_equal(ep, 1);
    xb_assert_ok(tr->create(&c, r, NULL));
    for (int e = 2; e <= 3; e++) {
        xb_metrics_clear(&ma, e);
        xb_metrics_clear(&mb, e);
        xb_metrics_clear(&mc, e);
        xb_assert_ok(tr->epoch(a, e, &ma));
        xb_assert_ok(tr->epoch(b, e, &mb));
        xb_assert_ok(tr->epoch(c, e, &mc));
        metrics_equal(&ma, &mb, 1);
        metrics_equal(&ma, &mc, 0); /* without the restore: not the same run */
    }
    tr->free(a);
    tr->free(b);
    tr->free(c);
    xb_scenario_file_free(f);
}

/* Rewrites byte `at` of path with v (or truncates to `at` if v < 0). */
static void corrupt(const char *src, const char *dst, long at, int v)
{
    char *data;
    size_t len;
    xb_assert_ok(xb_file_read(src, &data, &len));
    if (v < 0) {
        len = (size_t)at;
    } else {
        data[at] = (char)v;
    }
    xb_assert_ok(xb_file_write_atomic(dst, data, len));
    free(data);
}

static void test_scenarios_checkpoint__rejected_with_reason(void **state)
{
    (void)state;
    xb_scenario_file *f = load();
    const xb_run *r = xb_scenario_file_run(f, 0), *other = xb_scenario_file_run(f, 1);
    const xb_trainer_type *tr = xb_trainer_learning;
    void *a = NULL;
    xb_assert_ok(tr->create(&a, r, NULL));
    char good[128], bad[128];
    snprintf(good, sizeof good, "%s/good.ckpt", dir);
    snprintf(bad, sizeof bad, "%s/bad.ckpt", dir);
    xb_assert_ok(xb_scn__learning_save(a, good, 0));
    tr->free(a);
    int ep;

    /* another run's settings (lr differs) */
    xb_assert_ok(tr->create(&a, other, NULL));
    xb_assert_error(xb_scn__learning_restore(a, good, &ep), XB_EIO,
                    "checkpoint of other settings than run 'u' seed 1");
    tr->free(a);

    char *data;
    size_t len;
    xb_assert_ok(xb_file_read(good, &data, &len));
    free(data);
    struct {
        long at;
        int v;
        const char *msg;
    } cases[] = {
        {0, 'Y', "not a checkpoint of this version (bad magic"},
        {8, 9, "checkpoint version 9, this build reads 2"},
        {(long)len - 1, -1, "checkpoint truncated: header says"},
        {20, -1, "not a checkpoint of this version (bad magic or 20 bytes)"},
        {(long)len - 3, 0x5a, "checkpoint payload checksum does not match"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        corrupt(good, bad, cases[k].at, cases[k].v);
        xb_assert_ok(tr->create(&a, r, NULL));
        xb_assert_error(xb_scn__learning_restore(a, bad, &ep), XB_EIO, cases[k].msg);
        assert_non_null(strstr(xb_last_error(), bad)); /* names the file */
        tr->free(a);
    }
    /* the good one still restores */
    xb_assert_ok(tr->create(&a, r, NULL));
    xb_assert_ok(xb_scn__learning_restore(a, good, &ep));
    assert_int_equal(ep, 0);
    tr->free(a);
    xb_scenario_file_free(f);
}

/* ------------------------------------------------ the runner on resume */

static volatile sig_atomic_t stop_flag;
static int stop_after = -1; /* set the stop flag after this durable epoch */
static char keep_from[256], keep_to[256]; /* copy the checkpoint after epoch 0 */
static int epochs_done;

static void on_epoch(void *payload, size_t run, const xb_metrics *m, int finished)
{
    (void)payload;
    (void)run;
    (void)finished;
    if (!m) {
        return;
    }
    epochs_done++;
    if (m->epoch == 0 && keep_from[0]) {
        char *d;
        size_t n;
        xb_assert_ok(xb_file_read(keep_from, &d, &n));
        xb_assert_ok(xb_file_write_atomic(keep_to, d, n));
        free(d);
    }
    if (m->epoch == stop_after) {
        stop_flag = 1;
    }
}

static int run_dir(const xb_scenario_file *f, const char *out, int resume)
{
    xb_runner_config cfg = XB_RUNNER_CONFIG_INIT;
    cfg.out_dir = out;
    cfg.resume = resume;
    cfg.stop = &stop_flag;
    cfg.on_epoch = on_epoch;
    stop_flag = 0;
    epochs_done = 0;
    return xb_runner_run(f, &cfg);
}

/* The part file of run 0 without its seconds column. */
static char *rows_without_seconds(const char *out, const xb_run *r)
{
    char path[256], *d;
    size_t n;
    snprintf(path, sizeof path, "%s/parts/%s.csv", out, r->id);
    xb_assert_ok(xb_file_read(path, &d, &n));
    int sec = 0, field = 0;
    for (const char *p = d; *p != '\n'; p++) {
        if (*p == ',') {
            field++;
        } else if (!strncmp(p, "seconds", 7) && (p == d || p[-1] == ',')) {
            sec = field;
        }
    }
    assert_true(sec > 0);
    char *o = malloc(n + 1);
    assert_non_null(o);
    size_t k = 0;
    field = 0;
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '\n') {
            field = 0;
        } else if (d[i] == ',') {
            field++;
        }
        if (field != sec || d[i] == ',') {
            o[k++] = d[i];
        }
    }
    o[k] = '\0';
    free(d);
    return o;
}

/* Killed after epoch 1 with the checkpoint of epoch 0 on disk (a kill
 * between the part file and the checkpoint): the resume continues after
 * epoch 0, recomputes epoch 1 against its durable row, trains 2..3, and the
 * rows equal an uninterrupted run's. */
static void test_scenarios_checkpoint__runner_checkpoint_behind_rows(void **state)
{
    (void)state;
    const char *one = "scenario,dataset,loss,rule,hidden,epochs,batch,lr,train_n,test_n,c2c,"
                      "read_noise,momentum,seeds\n"
                      "t,teacher,mse,rbp,8,3,16,0.05,160,40,0.01,0.01,0.5,1\n";
    xb_scenario_file *f = NULL;
    xb_assert_ok(xb_scenario_file_parse(&f, "one.csv", one, strlen(one)));
    const xb_run *r = xb_scenario_file_run(f, 0);
    char full[128], cut[128];
    snprintf(full, sizeof full, "%s/full", dir);
    snprintf(cut, sizeof cut, "%s/cut", dir);
    stop_after = -1;
    keep_from[0] = '\0';
    xb_assert_ok(run_dir(f, full, 0));
    assert_int_equal(epochs_done, 4);
    char ck[256];
    xb_scn__ckpt_path(ck, sizeof ck, full, r);
    assert_false(xb_file_exists(ck)); /* a complete run keeps none */

    xb_scn__ckpt_path(keep_from, sizeof keep_from, cut, r);
    snprintf(keep_to, sizeof keep_to, "%s/epoch0.ckpt", dir);
    stop_after = 1;
    assert_int_equal(run_dir(f, cut, 0), XB_EINTERRUPTED);
    keep_from[0] = '\0';
    stop_after = -1;
    assert_int_equal(epochs_done, 2);
    xb_scn__ckpt_path(ck, sizeof ck, cut, r);
    char *d;
    size_t n;
    xb_assert_ok(xb_file_read(keep_to, &d, &n));
    xb_assert_ok(xb_file_write_atomic(ck, d, n));
    free(d);
    xb_assert_ok(run_dir(f, cut, 1));
    assert_int_equal(epochs_done, 3); /* epochs 1 (checked), 2, 3 */
    char *a = rows_without_seconds(full, r), *b = rows_without_seconds(cut, r);
    assert_string_equal(a, b);
    free(a);
    free(b);
    assert_false(xb_file_exists(ck));
    xb_scenario_file_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenarios_checkpoint__trainer_continues_exactly),
        cmocka_unit_test(test_scenarios_checkpoint__rejected_with_reason),
        cmocka_unit_test(test_scenarios_checkpoint__runner_checkpoint_behind_rows),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
