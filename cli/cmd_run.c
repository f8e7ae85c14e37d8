/* xbarsim run: validate a scenario file, expand its sweeps, run every run in
 * worker processes and/or MPI ranks, and assemble results.csv + manifest.json. */
#include "cli/cli.h"
#include "scenarios/scenarios.h"

#include <cblas.h>
#include <errno.h>
#include <mpi.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag = 0;
static volatile sig_atomic_t is_worker = 0;
/* Ctrl-C / SIGTERM received: a second one quits at once. Counted apart from
 * stop_flag so a worker stopped by the parent's forward (SIGUSR1) still takes
 * the terminal's Ctrl-C as the first, not as a quit. */
static volatile sig_atomic_t sigints = 0;
/* The parent's live workers (0 once reaped): they inherit the folder's lock,
 * so the parent reaps them before it exits, even on a quit. */
#define MAX_WORKERS 256
static volatile pid_t worker_pids[MAX_WORKERS];
static volatile sig_atomic_t n_worker_pids = 0;

/* The parent's forward of a stop to its workers: never escalates, since on
 * a terminal the workers got the Ctrl-C themselves too. */
static void on_stop_request(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* First Ctrl-C: stop at the next minibatch, assemble results.csv from the
 * durable epochs, exit 130. Second: quit at once (every finished epoch is on
 * disk already). */
static void on_sigint(int sig)
{
    (void)sig;
    if (sigints) {
        /* kill and waitpid are async-signal-safe; every finished epoch is
         * durable (fsync + rename), so killing a worker loses only the epoch
         * in progress, and reaping it releases the lock before we exit */
        if (!is_worker) {
            for (sig_atomic_t i = 0; i < n_worker_pids; i++) {
                if (worker_pids[i] > 0) {
                    kill(worker_pids[i], SIGKILL);
                }
            }
            for (sig_atomic_t i = 0; i < n_worker_pids; i++) {
                if (worker_pids[i] > 0) {
                    while (waitpid(worker_pids[i], NULL, 0) < 0 && errno == EINTR) {
                    }
                }
            }
        }
        _exit(130);
    }
    sigints = 1;
    stop_flag = 1;
    if (!is_worker) {
        static const char msg[] = "\nxbarsim run: stopping; every finished epoch is kept "
                                  "(Ctrl-C again to quit at once)\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)w;
    }
}

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: xbarsim run FILE.csv [-o DIR] [--check] [--dry-run] [--jobs N] [--resume]\n"
            "                   [--set COLUMN=VALUE ...]\n"
            "       xbarsim run --schema\n\n"
            "Runs every scenario of FILE.csv (one row per scenario; sweeps in a cell expand\n"
            "to runs, each done once per seed) and writes DIR/results.csv (one row per run,\n"
            "seed and epoch; kept current while the runs go on), DIR/manifest.json and\n"
            "DIR/parts/ (one file per run, made durable at every epoch).\n\n"
            "  -o DIR       results folder (default: results/<file name without .csv>)\n"
            "  --check      validate the file only; report every error, exit 1 if any\n"
            "  --dry-run    list the runs with a rough time estimate; run nothing\n"
            "  --jobs N     worker processes (default: one per CPU, at most one per run);\n"
            "               results do not depend on N\n"
            "  --resume     keep complete runs and durable epochs of DIR, redo the rest\n"
            "               (an unfinished run continues from its checkpoint); without\n"
            "               it, results already in DIR are replaced\n"
            "  --no-checkpoint  write no per-run checkpoints (DIR/parts/*.ckpt); --resume\n"
            "               then retrains unfinished runs from epoch 0\n"
            "  --set C=V    set column C to V in every row (repeatable; sweeps allowed),\n"
            "               e.g. --set epochs=1 --set train_n=500 for a quick trial\n"
            "  --schema     print the column reference (docs/scenarios.md) as Markdown\n\n"
            "Under mpirun (e.g. mpirun -n 2 --allow-run-as-root xbarsim run F.csv) the ranks\n"
            "take the runs one at a time, each the next free one, so a rank that finishes\n"
            "early is never idle while another has runs left; results are identical to a\n"
            "single process.\n"
            "Ctrl-C stops at the next minibatch; every finished epoch is kept (--resume).\n");
}

/* ----------------------------------------------------------- progress */

/* The bar counts epochs (runs differ in length, so epochs give the better
 * ETA); the note shows runs done and the latest test accuracy. */
typedef struct {
    xb_progress *bar;
    const xb_scenario_file *f;
    uint64_t epochs_done;
    size_t runs_done, runs_total;
    double last_acc;
    int tty;
    const char *out;      /* results folder, NULL on ranks other than 0 */
    double last_assemble; /* time results.csv was last assembled */
    double assemble_cost; /* seconds the last assembly took */
    int last_nse;         /* last_acc holds test_nse (a regression task), not accuracy */
} progress_state;

/* results.csv is kept current while runs go on (each finished run, and
 * every 10 s otherwise), atomically, so a report can be made from a
 * run in progress; the part files remain the durable record. */
static void keep_results_current(progress_state *ps, int finished)
{
    double now = xb_time_now();
    /* assembling reads every part file: with many runs it is kept to at
     * most a fifth of the wall time */
    double gap = 4.0 * ps->assemble_cost;
    if (!finished && gap < 10.0) {
        gap = 10.0;
    }
    if (!ps->out || now - ps->last_assemble < gap) {
        return;
    }
    if (xb_results_assemble(ps->f, ps->out) < 0) {
        xb_log(XB_LOG_WARN, "results.csv not updated: %s", xb_last_error());
    }
    ps->last_assemble = xb_time_now();
    ps->assemble_cost = ps->last_assemble - now;
}

static void draw(progress_state *ps)
{
    char note[96];
    int k = snprintf(note, sizeof note, "runs %zu/%zu", ps->runs_done, ps->runs_total);
    if (ps->last_acc >= 0 && k > 0) {
        snprintf(note + k, sizeof note - (size_t)k, ps->last_nse ? "  test nse %.4f"
                                                                  : "  test acc %.3f",
                 ps->last_acc);
    }
    xb_progress_update(ps->bar, ps->epochs_done, note);
}

/* Logs and CI: one line per finished run instead of a bar; `k` counts the
 * runs finished so far, `rank` (>= 0 under mpirun) names the rank that did it. */
static void run_line(const xb_scenario_file *f, size_t k, size_t total, size_t run, int epoch,
                     double acc, int nse, int rank)
{
    const xb_run *r = xb_scenario_file_run(f, run);
    char what[48] = "", who[32] = "";
    if (epoch >= 0 && acc == acc) {
        snprintf(what, sizeof what, nse ? " test_nse %.4g" : " test_acc %.4f", acc);
    } else if (epoch < 0) {
        snprintf(what, sizeof what, " (complete, kept)");
    }
    if (rank >= 0) {
        snprintf(who, sizeof who, " (rank %d)", rank);
    }
    /* one write: under mpirun the ranks' lines share the terminal */
    fprintf(stderr, "xbarsim run: %zu/%zu %s seed %llu%s%s\n", k, total, r->name,
            (unsigned long long)r->seed, what, who);
}

/* One event: an epoch made durable (epoch >= 0), and/or a run finished. A
 * run found complete on resume counts all its epochs at once. */
static void account(progress_state *ps, size_t run, int epoch, double acc, int nse,
                    int finished)
{
    if (epoch >= 0) {
        ps->epochs_done++;
        if (acc == acc) {
            ps->last_acc = acc;
            ps->last_nse = nse;
        }
    } else if (finished) {
        ps->epochs_done += (uint64_t)xb_run_int(xb_scenario_file_run(ps->f, run), "epochs") + 1;
    }
    ps->runs_done += finished ? 1 : 0;
    draw(ps);
    if (epoch >= 0 || finished) {
        keep_results_current(ps, finished);
    }
    if (finished && !ps->tty) {
        run_line(ps->f, ps->runs_done, ps->runs_total, run, epoch, acc, nse, -1);
    }
}

static void serial_epoch(void *payload, size_t run, const xb_metrics *m, int finished)
{
    /* a regression task has no accuracy: its progress is the test NSE */
    int nse = m && m->test_nse == m->test_nse;
    account(payload, run, m ? m->epoch : -1, !m ? -1.0 : nse ? m->test_nse : m->test_acc, nse,
            finished);
}

/* Worker processes report to the parent through a pipe; messages are far
 * below PIPE_BUF, so writes from several workers never interleave. */
typedef struct {
    uint64_t run;
    int32_t finished;
    int32_t epoch;
    double acc; /* test_acc, or test_nse when nse != 0 */
    int32_t nse;
} progress_msg;

static int pipe_fd = -1;

/* Dynamic scheduling across worker processes: a counter in shared memory,
 * so a worker that finishes early takes the next run instead of idling
 * while another works through a fixed share of slow runs. */
static atomic_size_t *next_counter = NULL;
static size_t next_limit = 0;

static size_t shared_next_run(void *payload)
{
    (void)payload;
    size_t i = atomic_fetch_add(next_counter, 1);
    return i < next_limit ? i : (size_t)-1;
}

static void pipe_epoch(void *payload, size_t run, const xb_metrics *m, int finished)
{
    (void)payload;
    int nse = m && m->test_nse == m->test_nse;
    progress_msg msg = {run, finished, m ? m->epoch : -1,
                        !m ? -1.0 : nse ? m->test_nse : m->test_acc, nse};
    ssize_t w;
    do {
        w = write(pipe_fd, &msg, sizeof msg);
    } while (w < 0 && errno == EINTR);
}

/* ------------------------------------------------------------ MPI ranks */

/* Ranks share the runs dynamically too, as worker processes do: rank 0's
 * window holds a run counter that every rank increments atomically
 * (MPI_Fetch_and_op, MPI-3 passive target, one MPI_Win_lock_all for the
 * whole share), so a rank that finishes early takes the next run instead of
 * idling while another works through a fixed share of slow runs. The same
 * window carries the progress: runs and epochs done over all ranks, the
 * latest test metric, and how many ranks have finished; rank 0 reads it for
 * the bar and for keeping results.csv current. One datatype per slot, so
 * each slot's accumulates are atomic. */
enum { SLOT_NEXT, SLOT_RUNS, SLOT_EPOCHS, SLOT_RANKS, SLOT_ACC, SLOT_NSE, N_SLOTS };

/* MPI_THREAD_SERIALIZED: rank 0's progress thread and its main thread
 * call MPI one at a time, under this mutex. */
static int mpi_thread_level = MPI_THREAD_SINGLE;
static pthread_mutex_t mpi_mutex = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
    MPI_Win win;
    int rank;
    size_t n;            /* runs in the file */
    int lines;           /* print a line per finished run (rank 0 draws no bar) */
    progress_state *ps;  /* rank 0: the bar and results.csv */
    uint64_t runs_seen;  /* rank 0: SLOT_RUNS when it last looked */
    size_t runs_mine;    /* runs this rank finished (complete ones found on resume too) */
    atomic_int quit;     /* tells the progress thread to end */
} rank_share;

static uint64_t slot_op(rank_share *rs, int slot, uint64_t add, MPI_Op op)
{
    uint64_t old = 0;
    pthread_mutex_lock(&mpi_mutex);
    MPI_Fetch_and_op(&add, &old, MPI_UINT64_T, 0, slot, op, rs->win);
    MPI_Win_flush(0, rs->win);
    pthread_mutex_unlock(&mpi_mutex);
    return old;
}

/* Passive-target RMA needs no call from the target while the window is in
 * shared memory (one node: Open MPI's osc/sm, where the origin does the
 * atomic itself); but across nodes without hardware atomics (osc/pt2pt,
 * osc/rdma over TCP) each Fetch_and_op and flush is a few messages that
 * rank 0 handles only while it is inside an MPI call. Rank 0 trains like
 * every rank and calls MPI once per epoch, and an epoch can take minutes:
 * measured with `--mca osc pt2pt` and that alone, rank 1 got about one run
 * per rank-0 epoch, and rank 0 took the long run and 4 of the 8 short ones
 * of tests/cli/test_run_mpi_dynamic.sh. So rank 0 runs this thread, which
 * enters the progress engine (MPI_Iprobe) every 10 ms; rank 0's own epoch
 * callbacks enter MPI too, which is all the progress there is when the
 * library lacks MPI_THREAD_SERIALIZED. */
static void *progress_thread(void *payload)
{
    rank_share *rs = payload;
    const struct timespec tick = {0, 10 * 1000 * 1000};
    while (!atomic_load(&rs->quit)) {
        int flag = 0;
        pthread_mutex_lock(&mpi_mutex);
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
        pthread_mutex_unlock(&mpi_mutex);
        nanosleep(&tick, NULL);
    }
    return NULL;
}

/* Rank 0: shows the progress of all ranks; returns how many have finished. */
static uint64_t rank0_show(rank_share *rs)
{
    int flag = 0;
    uint64_t zero = 0, runs = 0, epochs = 0, nse = 0, ranks = 0;
    double acc = -1.0, dzero = 0.0;
    pthread_mutex_lock(&mpi_mutex);
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
    MPI_Fetch_and_op(&zero, &runs, MPI_UINT64_T, 0, SLOT_RUNS, MPI_NO_OP, rs->win);
    MPI_Fetch_and_op(&zero, &epochs, MPI_UINT64_T, 0, SLOT_EPOCHS, MPI_NO_OP, rs->win);
    MPI_Fetch_and_op(&zero, &ranks, MPI_UINT64_T, 0, SLOT_RANKS, MPI_NO_OP, rs->win);
    MPI_Fetch_and_op(&dzero, &acc, MPI_DOUBLE, 0, SLOT_ACC, MPI_NO_OP, rs->win);
    MPI_Fetch_and_op(&zero, &nse, MPI_UINT64_T, 0, SLOT_NSE, MPI_NO_OP, rs->win);
    MPI_Win_flush(0, rs->win);
    pthread_mutex_unlock(&mpi_mutex);
    progress_state *ps = rs->ps;
    ps->runs_done = (size_t)runs;
    ps->epochs_done = epochs;
    ps->last_acc = acc;
    ps->last_nse = nse != 0;
    draw(ps);
    keep_results_current(ps, runs > rs->runs_seen);
    rs->runs_seen = runs;
    return ranks;
}

static size_t rank_next_run(void *payload)
{
    rank_share *rs = payload;
    uint64_t i = slot_op(rs, SLOT_NEXT, 1, MPI_SUM);
    return i < rs->n ? (size_t)i : (size_t)-1;
}

/* The runner's callback on every rank: adds the event to rank 0's window. */
static void rank_epoch(void *payload, size_t run, const xb_metrics *m, int finished)
{
    rank_share *rs = payload;
    int nse = m && m->test_nse == m->test_nse;
    double acc = !m ? -1.0 : nse ? m->test_nse : m->test_acc;
    /* a run found complete on resume counts all its epochs at once */
    uint64_t epochs = m ? 1
                        : finished ? (uint64_t)xb_run_int(xb_scenario_file_run(rs->ps->f, run),
                                                          "epochs") + 1
                                   : 0;
    pthread_mutex_lock(&mpi_mutex);
    if (epochs) {
        MPI_Accumulate(&epochs, 1, MPI_UINT64_T, 0, SLOT_EPOCHS, 1, MPI_UINT64_T, MPI_SUM,
                       rs->win);
    }
    if (acc == acc && acc >= 0) {
        uint64_t flag = (uint64_t)nse;
        MPI_Accumulate(&acc, 1, MPI_DOUBLE, 0, SLOT_ACC, 1, MPI_DOUBLE, MPI_REPLACE, rs->win);
        MPI_Accumulate(&flag, 1, MPI_UINT64_T, 0, SLOT_NSE, 1, MPI_UINT64_T, MPI_REPLACE,
                       rs->win);
    }
    uint64_t one = 1, k = 0;
    if (finished) {
        MPI_Fetch_and_op(&one, &k, MPI_UINT64_T, 0, SLOT_RUNS, MPI_SUM, rs->win);
        rs->runs_mine++;
    }
    MPI_Win_flush(0, rs->win); /* completes the accumulates too */
    pthread_mutex_unlock(&mpi_mutex);
    if (finished && rs->lines) {
        run_line(rs->ps->f, (size_t)k + 1, rs->n, run, m ? m->epoch : -1, acc, nse, rs->rank);
    }
    if (rs->rank == 0) {
        rank0_show(rs);
    }
}

/* Every rank: runs its dynamic share of f. Collective (the window). */
static int run_ranks(const xb_scenario_file *f, xb_runner_config *cfg, int rank, int n_ranks,
                     progress_state *ps)
{
    rank_share rs;
    memset(&rs, 0, sizeof rs);
    atomic_init(&rs.quit, 0);
    rs.rank = rank;
    rs.n = xb_scenario_file_n_runs(f);
    rs.ps = ps;
    /* rank 0 draws a bar on a terminal (the other ranks then stay quiet),
     * else every rank prints a line per run it finishes */
    int tty = ps->tty;
    MPI_Bcast(&tty, 1, MPI_INT, 0, MPI_COMM_WORLD);
    rs.lines = !tty;
    uint64_t *slots = NULL;
    MPI_Win_allocate(rank == 0 ? (MPI_Aint)(N_SLOTS * sizeof *slots) : 0, sizeof *slots,
                     MPI_INFO_NULL, MPI_COMM_WORLD, &slots, &rs.win);
    if (rank == 0) {
        /* a local store into the window, in an exclusive epoch of its own so
         * that it is also visible in the separate memory model */
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, rs.win);
        double none = -1.0;
        memset(slots, 0, N_SLOTS * sizeof *slots);
        memcpy(&slots[SLOT_ACC], &none, sizeof none);
        MPI_Win_unlock(0, rs.win);
    }
    MPI_Barrier(MPI_COMM_WORLD); /* nobody takes a run before the counter is 0 */
    MPI_Win_lock_all(0, rs.win);
    pthread_t thread;
    int threaded = 0;
    if (rank == 0 && n_ranks > 1 && mpi_thread_level < MPI_THREAD_SERIALIZED) {
        xb_log(XB_LOG_WARN, "this MPI library gives no MPI_THREAD_SERIALIZED: no progress thread, "
                            "so ranks on other nodes may wait for rank 0's epochs to get their "
                            "next run");
    }
    if (rank == 0 && n_ranks > 1 && mpi_thread_level >= MPI_THREAD_SERIALIZED) {
        /* the handlers set flags the main thread reads: signals go to it */
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGUSR1);
        pthread_sigmask(SIG_BLOCK, &block, &old);
        threaded = pthread_create(&thread, NULL, progress_thread, &rs) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (!threaded) {
            xb_log(XB_LOG_WARN, "no MPI progress thread: ranks on other nodes may wait "
                                "for rank 0's epochs to get their next run");
        }
    }
    cfg->worker = 0;
    cfg->n_workers = 1;
    cfg->next_run = rank_next_run;
    cfg->on_epoch = rank_epoch;
    cfg->payload = &rs;
    int rc = xb_runner_run(f, cfg);
    slot_op(&rs, SLOT_RANKS, 1, MPI_SUM);
    if (rank == 0) {
        /* keep the bar and results.csv current until every rank is done */
        const struct timespec tick = {0, 50 * 1000 * 1000};
        while (rank0_show(&rs) < (uint64_t)n_ranks) {
            nanosleep(&tick, NULL);
        }
    }
    if (threaded) {
        atomic_store(&rs.quit, 1);
        pthread_join(thread, NULL);
    }
    MPI_Win_unlock_all(rs.win);
    MPI_Win_free(&rs.win);
    if (rs.lines && n_ranks > 1) {
        fprintf(stderr, "xbarsim run: rank %d finished %zu run%s\n", rank, rs.runs_mine,
                rs.runs_mine == 1 ? "" : "s");
    }
    return rc;
}

/* --------------------------------------------------------------- main */

static void print_errors(const xb_scenario_file *f)
{
    size_t n = xb_scenario_file_n_errors(f);
    for (size_t i = 0; i < n; i++) {
        fprintf(stderr, "%s\n", xb_scenario_file_error(f, i)->message);
    }
}

static void default_out(char *out, size_t n, const char *file)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t len = strlen(base);
    if (len > 4 && !strcmp(base + len - 4, ".csv")) {
        len -= 4;
    }
    snprintf(out, n, "results/%.*s", (int)len, base);
}

static int run_workers(const xb_scenario_file *f, xb_runner_config *cfg, int jobs,
                       progress_state *ps)
{
    if (jobs == 1) {
        cfg->on_epoch = serial_epoch;
        cfg->payload = ps;
        return xb_runner_run(f, cfg);
    }
    int fds[2];
    if (pipe(fds) != 0) {
        return xb__error_set(XB_EIO, "pipe: %s", strerror(errno));
    }
    /* worker processes are only used without MPI: they share every run
     * through the counter */
    next_counter = mmap(NULL, sizeof *next_counter, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (next_counter == MAP_FAILED) {
        close(fds[0]);
        close(fds[1]);
        next_counter = NULL;
        return xb__error_set(XB_ENOMEM, "shared run counter: %s", strerror(errno));
    }
    atomic_init(next_counter, 0);
    next_limit = xb_scenario_file_n_runs(f);
    pid_t pids[MAX_WORKERS];
    int started = 0;
    n_worker_pids = 0;
    for (int w = 0; w < jobs && w < MAX_WORKERS; w++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
            break;
        }
        if (pid == 0) {
            is_worker = 1;
            close(fds[0]);
            pipe_fd = fds[1];
            cfg->worker = 0;
            cfg->n_workers = 1;
            cfg->next_run = shared_next_run;
            cfg->on_epoch = pipe_epoch;
            int rc = xb_runner_run(f, cfg);
            if (rc < 0 && rc != XB_EINTERRUPTED) {
                xb_cli_fail("run", rc);
            }
            fflush(NULL);
            _exit(rc == XB_OK ? 0 : (rc == XB_EINTERRUPTED ? 3 : 1));
        }
        pids[started] = pid;
        worker_pids[started++] = pid;
        n_worker_pids = started;
    }
    close(fds[1]);
    progress_msg msg;
    int forwarded = 0;
    for (;;) {
        if (stop_flag && !forwarded) {
            /* a signal sent to this process alone (kill PID) reaches the
             * workers too; Ctrl-C already signals the whole process group */
            for (int i = 0; i < started; i++) {
                kill(pids[i], SIGUSR1);
            }
            forwarded = 1;
        }
        ssize_t r = read(fds[0], &msg, sizeof msg);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r != (ssize_t)sizeof msg) {
            break;
        }
        account(ps, (size_t)msg.run, msg.epoch, msg.acc, msg.nse, msg.finished);
    }
    close(fds[0]);
    int failed = started < jobs, interrupted = 0;
    for (int i = 0; i < started; i++) {
        int st;
        while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR) {
        }
        worker_pids[i] = 0; /* reaped: a quit must not signal a reused pid */
        if (!WIFEXITED(st) || WEXITSTATUS(st) == 1 || WEXITSTATUS(st) > 3) {
            failed = 1;
        } else if (WEXITSTATUS(st) == 3) {
            interrupted = 1;
        }
    }
    munmap(next_counter, sizeof *next_counter);
    next_counter = NULL;
    if (failed) {
        return xb__error_set(XB_EEXTERNAL, "a worker process failed (its error is above)");
    }
    if (interrupted) {
        return xb__error_set(XB_EINTERRUPTED, "stopped by a signal");
    }
    return XB_OK;
}

int xb_cli_run(int argc, char **argv)
{
    const char *file = NULL, *out = NULL;
    int check = 0, dry = 0, resume = 0, jobs = 0; /* 0: one per CPU */
    int no_checkpoint = 0;
    const char *sets[64];
    size_t n_sets = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--schema")) {
            return xb_scenario_schema_markdown(stdout) == XB_OK ? 0 : 1;
        } else if (!strcmp(a, "--check")) {
            check = 1;
        } else if (!strcmp(a, "--dry-run")) {
            dry = 1;
        } else if (!strcmp(a, "--resume")) {
            resume = 1;
        } else if (!strcmp(a, "--no-checkpoint")) {
            no_checkpoint = 1;
        } else if (!strcmp(a, "--set")) {
            if (++i >= argc || n_sets >= sizeof sets / sizeof sets[0]) {
                fprintf(stderr, "xbarsim run: --set needs COLUMN=VALUE (at most 64)\n");
                return 2;
            }
            sets[n_sets++] = argv[i];
        } else if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
            if (++i >= argc) {
                fprintf(stderr, "xbarsim run: %s needs a folder\n", a);
                return 2;
            }
            out = argv[i];
        } else if (!strcmp(a, "--jobs") || !strcmp(a, "-j")) {
            char *end;
            long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;
            if (i + 1 >= argc || *end || v < 1 || v > 256) {
                fprintf(stderr, "xbarsim run: --jobs needs an integer in [1, 256]\n");
                return 2;
            }
            jobs = (int)v;
            i++;
        } else if (a[0] == '-') {
            fprintf(stderr, "xbarsim run: unknown option '%s'\n\n", a);
            usage(stderr);
            return 2;
        } else if (file) {
            fprintf(stderr, "xbarsim run: one scenario file at a time ('%s' and '%s')\n", file, a);
            return 2;
        } else {
            file = a;
        }
    }
    if (!file) {
        usage(stderr);
        return 2;
    }

    /* MPI only when launched by mpirun: a plain run never touches it. */
    int use_mpi = getenv("OMPI_COMM_WORLD_SIZE") != NULL, rank = 0, n_ranks = 1;
    if (use_mpi) {
        /* SERIALIZED: rank 0's progress thread (run_ranks) */
        MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &mpi_thread_level);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &n_ranks);
        if (jobs > 1 && rank == 0) {
            fprintf(stderr, "xbarsim run: under mpirun each rank runs one process (--jobs ignored)\n");
        }
        jobs = 1;
    }
    int status = 0, lock_fd = -1;
    xb_scenario_file *f = NULL;
    int rc = xb_scenario_file_load_with(&f, file, sets, n_sets);
    if (rc == XB_OK) {
        rc = xb_scenario_file_check_runs(f);
    }
    if (rc < 0) {
        if (rank == 0) {
            if (f) {
                print_errors(f);
                fprintf(stderr, "%s: %zu error%s; nothing was run\n", file,
                        xb_scenario_file_n_errors(f), xb_scenario_file_n_errors(f) == 1 ? "" : "s");
            } else {
                xb_cli_fail(file, rc);
            }
        }
        status = 1;
        goto done;
    }
    size_t n = xb_scenario_file_n_runs(f);
    if (jobs == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = cpus < 1 ? 1 : (cpus > 64 ? 64 : (int)cpus);
    }
    if ((size_t)jobs > n) {
        jobs = (int)n;
    }
    char outbuf[4096];
    if (!out) {
        default_out(outbuf, sizeof outbuf, file);
        out = outbuf;
    }
    if (check) {
        if (rank == 0) {
            printf("%s: ok, %zu run%s\n", file, n, n == 1 ? "" : "s");
        }
        goto done;
    }
    if (dry) {
        if (rank == 0) {
            /* per row: what it sweeps and how many runs that makes */
            for (size_t i = 0; i < n;) {
                const xb_run *r0 = xb_scenario_file_run(f, i);
                size_t k = i, seeds = 0;
                while (k < n && xb_scenario_file_run(f, k)->line == r0->line) {
                    seeds += !strcmp(xb_scenario_file_run(f, k)->name, r0->name);
                    k++;
                }
                char swept[512] = "";
                size_t o = 0;
                for (const char *p = strchr(r0->name, '/'); p && o + 2 < sizeof swept;
                     p = strchr(p + 1, '/')) {
                    size_t len = strcspn(p + 1, "=");
                    o += (size_t)snprintf(swept + o, sizeof swept - o, "%s%.*s", o ? " x " : "",
                                          (int)len, p + 1);
                }
                printf("line %d, %s: %zu run%s (%s%s%zu seed%s)\n", r0->line, r0->scenario, k - i,
                       k - i == 1 ? "" : "s", swept, o ? " x " : "", seeds,
                       seeds == 1 ? "" : "s");
                i = k;
            }
            printf("\n");
            double total = 0;
            printf("%-6s %-56s %-6s %s\n", "#", "run", "seed", "estimate");
            for (size_t i = 0; i < n; i++) {
                const xb_run *r = xb_scenario_file_run(f, i);
                double s = xb_run_estimate_seconds(r);
                total += s;
                printf("%-6zu %-56s %-6llu ~%.0f s\n", i + 1, r->name,
                       (unsigned long long)r->seed, s);
            }
            printf("%zu runs; rough estimate %.0f s of CPU, ~%.0f s with %d job%s\n", n, total,
                   total / jobs, jobs, jobs == 1 ? "" : "s");
        }
        goto done;
    }

    if (rank == 0) {
        rc = xb_mkdirs(out);
        if (rc == XB_OK) {
            /* two runs writing one folder would interleave part files */
            char lock[4200];
            snprintf(lock, sizeof lock, "%s/.lock", out);
            lock_fd = open(lock, O_RDWR | O_CREAT, 0666);
            if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
                rc = xb__error_set(XB_EIO, "%s: another xbarsim run is writing to this folder",
                                   out);
            }
        }
        if (rc == XB_OK && !resume) {
            /* a rerun of the same command would otherwise discard hours of
             * results without a word */
            char prev[4200];
            snprintf(prev, sizeof prev, "%s/results.csv", out);
            if (access(prev, F_OK) == 0) {
                fprintf(stderr, "xbarsim run: replacing the results in %s (--resume keeps "
                                "them)\n",
                        out);
            }
            rc = xb_results_clear(f, out);
        }
        if (rc == XB_OK) {
            rc = xb_results_manifest(f, out, file);
        }
    }
    if (use_mpi) {
        MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    }
    if (rc < 0) {
        if (rank == 0) {
            xb_cli_fail(out, rc);
        }
        status = 1;
        goto done;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; /* a signal must not fail a read or write in a run */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_stop_request;
    sigaction(SIGUSR1, &sa, NULL);

    progress_state ps = {NULL, f, 0, 0, 0, -1.0, isatty(STDERR_FILENO), rank == 0 ? out : NULL,
                         xb_time_now(), 0.0, 0};
    /* the bar (rank 0's under mpirun) counts the runs of every rank */
    uint64_t total_epochs = 0;
    ps.runs_total = n;
    for (size_t i = 0; i < n; i++) {
        total_epochs += (uint64_t)xb_run_int(xb_scenario_file_run(f, i), "epochs") + 1;
    }
    /* one BLAS thread per process: workers and ranks are the parallelism,
     * and the results must not depend on how the work is split */
    openblas_set_num_threads(1);
    if (rank == 0) {
        xb_progress_create(&ps.bar, stderr, "epochs", total_epochs);
    }
    xb_runner_config cfg = XB_RUNNER_CONFIG_INIT;
    cfg.out_dir = out;
    cfg.resume = resume;
    cfg.no_checkpoint = no_checkpoint;
    if (resume) {
        /* say which runs continue from a checkpoint */
        xb_log_set_level(XB_LOG_INFO);
    }
    cfg.stop = &stop_flag;
    rc = use_mpi ? run_ranks(f, &cfg, rank, n_ranks, &ps) : run_workers(f, &cfg, jobs, &ps);
    xb_progress_finish(ps.bar);
    xb_progress_free(ps.bar);
    if (rc < 0 && rc != XB_EINTERRUPTED) {
        xb_cli_fail("run", rc);
    }
    /* severity across ranks: a failure outranks a stop */
    int local = rc == XB_OK ? 0 : (rc == XB_EINTERRUPTED ? 1 : 2), sev = local;
    if (use_mpi) {
        MPI_Allreduce(&local, &sev, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    }
    int worst = sev == 0 ? 0 : (sev == 1 ? 130 : 1);
    if (rank == 0) {
        /* even when stopped: results.csv then holds every durable epoch */
        int arc = xb_results_assemble(f, out);
        if (arc < 0) {
            xb_cli_fail("results", arc);
            worst = worst ? worst : 1;
        } else if (worst == 130) {
            fprintf(stderr, "xbarsim run: stopped; finished epochs are in %s/results.csv; "
                            "continue with: xbarsim run %s -o %s --resume\n",
                    out, file, out);
        } else if (worst == 0) {
            fprintf(stderr, "xbarsim run: %zu run%s done; results in %s/results.csv\n", n,
                    n == 1 ? "" : "s", out);
        }
    }
    status = worst;
done:
    if (lock_fd >= 0) {
        close(lock_fd);
    }
    xb_scenario_file_free(f);
    if (use_mpi) {
        MPI_Finalize();
    }
    return status;
}
