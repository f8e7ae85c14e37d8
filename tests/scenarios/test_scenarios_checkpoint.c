/* scenarios: per-run checkpoint files. A learning trainer restored from the
 * checkpoint of epoch e computes epoch e + 1 exactly as the trainer that
 * wrote it (every metric bit for bit), and a checkpoint that is not this
 * run's, truncated, corrupted or of another format version is rejected with
 * an error naming the file and what is wrong.
 *
 * Reference: the trainer that wrote the checkpoint, continued; a fresh
 * trainer without the restore must differ (so the comparison can fail). */
#include "xb_test.h"

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
        {8, 9, "checkpoint version 9, this build reads 1"},
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenarios_checkpoint__trainer_continues_exactly),
        cmocka_unit_test(test_scenarios_checkpoint__rejected_with_reason),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
