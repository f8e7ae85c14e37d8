/* xbarsim device: list, show, pulse, iv and fit device models. */
#include "cli/cli.h"
#include "core/core.h"
#include "devices/devices.h"
#include "reports/reports.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *fp)
{
    fputs("usage: xbarsim device list\n"
          "       xbarsim device show NAME [--set P=V ...]\n"
          "       xbarsim device pulse NAME [-o DIR] [-n PULSES] [--mode table|ode] [--c2c X]\n"
          "                              [--seed S] [--set P=V ...] [--no-figure]\n"
          "       xbarsim device iv NAME [-o DIR] [--amp V] [--freq HZ[,HZ...]] [--x0 X]\n"
          "                              [--samples N] [--set P=V ...] [--no-figure]\n"
          "       xbarsim device fit DATA.csv --model MODEL [-o FILE] [--params P,Q,...]\n"
          "                              [--no-figure]\n"
          "\n"
          "NAME is a preset (`list` shows them with their sources), a model name (its\n"
          "defaults), or a device file written by `fit` (a path ending in .csv).\n"
          "\n"
          "  list    models and presets, with the source of each preset\n"
          "  show    parameters with units, bounds, pulses across the range, suggested c2c/d2d\n"
          "  pulse   LTP pulses from Gmin, then LTD pulses: DIR/pulse_NAME.csv\n"
          "          (direction,pulse,conductance: the format `fit` reads) and a gnuplot\n"
          "          figure pulse_NAME.{gp,svg,png}. Each direction defaults to its own\n"
          "          pulses across the range (p_ltp, p_ltd); -n sets both. --mode picks\n"
          "          table (default) or ode for state-equation models.\n"
          "  iv      sinusoidal drive of a state-equation model from normalised state X\n"
          "          (--x0, default 0.1 as in device-models.md 7.2), one period per frequency\n"
          "          (default amplitude |v_up|; frequencies 1e-3, 1e-2, 1e-1 / t_pulse):\n"
          "          DIR/iv_NAME.csv (frequency,t,v,i,state) and iv_NAME.{gp,svg,png}, the\n"
          "          pinched hysteresis loops, one per frequency\n"
          "  fit     least-squares fit of a pulse-level model (neurosim, soft_bounds, exp_step,\n"
          "          linear_step, pow_step, constant_step) to DATA.csv (columns pulse,\n"
          "          conductance, optional direction ltp|ltd); prints the fitted values and\n"
          "          the rms error, writes the device file (default fit_MODEL.csv, usable as\n"
          "          NAME and in scenarios) and FILE's stem + _curve.{csv,gp,svg,png}\n"
          "\n"
          "options:\n"
          "  -o DIR|FILE   output directory (pulse, iv; default .) or device file (fit)\n"
          "  --set P=V     override parameter P of NAME (show, pulse, iv; repeatable), e.g.\n"
          "                --set t_pulse=2e-9 --set v_up=-0.3\n"
          "  --no-figure   CSV only (gnuplot not needed)\n"
          "  -h, --help    this text\n",
          fp);
}

/* ------------------------------------------------------------- helpers */

/* --set NAME=VALUE overrides, applied after the preset (repeatable) */
#define MAX_SETS 16
static const char *sets[MAX_SETS];
static int n_sets;

static int apply_sets(const xb_device_type *type, void *params)
{
    for (int i = 0; i < n_sets; i++) {
        char name[64];
        const char *eq = strchr(sets[i], '=');
        char *end = NULL;
        double v = eq ? strtod(eq + 1, &end) : 0.0;
        if (eq == NULL || (size_t)(eq - sets[i]) >= sizeof name || end == eq + 1 || *end != '\0') {
            fprintf(stderr, "xbarsim device: --set '%s' must be NAME=NUMBER\n", sets[i]);
            return 2;
        }
        snprintf(name, sizeof name, "%.*s", (int)(eq - sets[i]), sets[i]);
        int rc = xb_device_param_set(type, params, name, v);
        if (rc < 0) {
            return xb_cli_fail("--set", rc);
        }
    }
    return 0;
}

static int load(const char *name, const xb_device_type **type, void *params)
{
    int rc = xb_device_preset_find(name, type, params);
    return rc < 0 ? xb_cli_fail(name, rc) : apply_sets(*type, params);
}

/* "pulse_" + the name without directories and .csv */
static void stem(const char *prefix, const char *name, char *out, size_t len)
{
    const char *b = strrchr(name, '/');
    b = b ? b + 1 : name;
    size_t n = strlen(b);
    if (n > 4 && !strcmp(b + n - 4, ".csv")) {
        n -= 4;
    }
    snprintf(out, len, "%s%.*s", prefix, (int)n, b);
}

static int write_text(const char *dir, const char *file, const char *text)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return xb_file_write_atomic(path, text, strlen(text));
}

static int render(const char *dir, const char *base)
{
    char script[512], out[512];
    snprintf(script, sizeof script, "%s.gp", base);
    snprintf(out, sizeof out, "%s.svg", base);
    XB_TRY(xb_gnuplot_run(dir, script, "svg size 800,500 font 'Sans,12'", out));
    snprintf(out, sizeof out, "%s.png", base);
    return xb_gnuplot_run(dir, script, "pngcairo size 800,500 font 'Sans,11'", out);
}

/* Writes a memstream buffer to dir/file. */
static int flush_to(FILE *mem, char **buf, size_t *len, const char *dir, const char *file)
{
    fclose(mem);
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int rc = xb_file_write_atomic(path, *buf, *len);
    free(*buf);
    *buf = NULL;
    return rc;
}

static int is_state_equation(const xb_device_type *t) { return t->pulse == NULL && t->rhs != NULL; }

/* ---------------------------------------------------------------- list */

static int cmd_list(void)
{
    printf("Models\n");
    for (size_t i = 0; i < xb_device_model_count(); i++) {
        const xb_device_type *t = xb_device_model_at(i);
        printf("  %-14s %-15s %s\n", t->name, is_state_equation(t) ? "state equation" : "pulse level",
               t->doc);
    }
    printf("\nPresets (NAME  model  source)\n");
    for (size_t i = 0; i < xb_device_preset_count(); i++) {
        const xb_device_preset *p = xb_device_preset_at(i);
        printf("  %-15s %-13s %s%s%s%s\n", p->name, p->model, p->source, p->note ? " [" : "",
               p->note ? p->note : "", p->note ? "]" : "");
    }
    return 0;
}

/* ---------------------------------------------------------------- show */

static int cmd_show(const char *name)
{
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    char params[XB_DEVICE_PARAMS_MAX];
    int rc = xb_device_preset_config(name, &cfg, params);
    if (rc < 0) {
        return xb_cli_fail(name, rc);
    }
    const xb_device_type *t = cfg.type;
    if ((rc = apply_sets(t, params)) != 0) {
        return rc;
    }
    xb_devices *d = NULL;
    rc = xb_devices_create(&d, &cfg, 1, 1, 0);
    if (rc < 0) {
        return xb_cli_fail(name, rc);
    }
    double gmin, gmax;
    xb_devices_nominal_range(d, &gmin, &gmax);
    printf("%s: model %s (%s)\n", name, t->name, t->doc);
    for (size_t i = 0; i < xb_device_preset_count(); i++) {
        const xb_device_preset *p = xb_device_preset_at(i);
        if (!strcmp(p->name, name)) {
            printf("source: %s\n", p->source);
            if (p->note) {
                printf("note: %s\n", p->note);
            }
            /* named as the scenario columns that take them (empty cell = these) */
            printf("reported nonidealities (scenario defaults): c2c %g, d2d %g\n", p->c2c, p->d2d);
        }
    }
    printf("Gmin %.6g S (%.6g ohm), Gmax %.6g S (%.6g ohm), pulses across the range %.6g%s\n",
           gmin, gmin > 0 ? 1.0 / gmin : HUGE_VAL, gmax, 1.0 / gmax, xb_devices_pulses_full_range(d),
           is_state_equation(t) ? " (table of the write pulse)" : "");
    static const char *const pcm_names[] = {"off", "on", "compensated"};
    printf("pcm_stat %s (scenario column pcm_stat; auto keeps this)\n",
           cfg.pcm_stat >= 0 && cfg.pcm_stat <= 2 ? pcm_names[cfg.pcm_stat] : "?");
    if (cfg.pcm_stat != XB_PCM_OFF) {
        /* what the model gives at a full and a half-range target */
        for (int h = 1; h <= 2; h++) {
            double gt = gmax / h, mu, sd;
            xb_device_pcm_nu_stats(gt, gmax, &mu, &sd);
            printf("  target %.4g S: programming sd %.4g S, drift nu %.4g +- %.4g, "
                   "1/f read sd at 1 day %.4g (relative), drift factor at 1 day %.4g\n",
                   gt, xb_device_pcm_prog_sigma(gt, gmax), mu, sd,
                   xb_device_pcm_read_sigma(gt, gmax, 86400.0),
                   xb_device_pcm_drift_factor(mu, 86400.0));
        }
    }
    xb_devices_free(d);
    printf("\n%-12s %-14s %-10s %s\n", "parameter", "value", "unit", "meaning");
    for (int i = 0; i < t->n_params; i++) {
        double v;
        xb_device_param_get(t, params, t->params[i].name, &v);
        printf("%-12s %-14.8g %-10s %s\n", t->params[i].name, v, t->params[i].unit, t->params[i].doc);
    }
    return 0;
}

/* --------------------------------------------------------------- pulse */

static int cmd_pulse(const char *name, const char *dir, long npulses, int ode, double c2c,
                     uint64_t seed, int figure)
{
    xb_device_config cfg;
    char params[XB_DEVICE_PARAMS_MAX];
    int rc = xb_device_preset_config(name, &cfg, params);
    if (rc < 0) {
        return xb_cli_fail(name, rc);
    }
    if ((rc = apply_sets(cfg.type, params)) != 0) {
        return rc;
    }
    cfg.c2c = c2c;
    cfg.d2d_gbounds = 0.0;
    xb_devices *d = NULL;
    if ((rc = xb_devices_create(&d, &cfg, 1, seed, 0)) < 0 ||
        (rc = xb_devices_set_write_mode(d, ode ? XB_WRITE_ODE : XB_WRITE_TABLE, NULL)) < 0) {
        xb_devices_free(d);
        return xb_cli_fail(name, rc);
    }
    double gmin_fig, gmax_fig;
    xb_devices_nominal_range(d, &gmin_fig, &gmax_fig);
    /* each direction its own pulses across the range (Ag:a-Si: 97 LTP, 100 LTD,
     * device-models.md 5.1), so `fit` on this CSV recovers the preset; models
     * without p_ltd take the same count both ways; -n overrides both */
    long n_dir[2] = {npulses, npulses}; /* LTP, LTD */
    if (npulses <= 0) {
        double f[2] = {xb_devices_pulses_full_range(d), 0.0};
        const xb_device_type *t = cfg.type != NULL ? cfg.type : xb_device_ideal;
        if (xb_device_param_get(t, params, "p_ltd", &f[1]) < 0) {
            xb_error_clear();
            f[1] = f[0];
        }
        for (int k = 0; k < 2; k++) {
            n_dir[k] = f[k] > 1e6 ? 1000000 : (long)ceil(f[k]);
        }
    }
    char base[300], file[320];
    stem("pulse_", name, base, sizeof base);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (mem == NULL || (rc = xb_mkdirs(dir)) < 0) {
        xb_devices_free(d);
        return xb_cli_fail(dir, rc < 0 ? rc : XB_ENOMEM);
    }
    fprintf(mem, "direction,pulse,conductance\n");
    uint64_t ev = 0;
    for (int dir_sign = 1; dir_sign >= -1 && rc >= 0; dir_sign -= 2) {
        int32_t one = dir_sign;
        long np = n_dir[dir_sign > 0 ? 0 : 1];
        for (long p = 0; p <= np; p++) {
            fprintf(mem, "%s,%ld,", dir_sign > 0 ? "ltp" : "ltd", p);
            xb_csv_double(mem, xb_devices_conductances(d)[0]);
            fputc('\n', mem);
            if (p < np && (rc = xb_devices_pulse(d, &one, ev++)) < 0) {
                break;
            }
        }
    }
    xb_devices_free(d);
    snprintf(file, sizeof file, "%s.csv", base);
    int wrc = flush_to(mem, &buf, &len, dir, file);
    if (rc < 0 || wrc < 0) {
        return xb_cli_fail(name, rc < 0 ? rc : wrc);
    }
    printf("%s/%s\n", dir, file);
    if (!figure) {
        return 0;
    }
    /* a range of more than two decades (RRAM, linear drift) reads better on log axes */
    int logy = gmin_fig > 0.0 && gmax_fig > 100.0 * gmin_fig;
    char gp[2048];
    snprintf(gp, sizeof gp,
             "# xbarsim device pulse %s: LTP from Gmin, then LTD\n"
             "set datafile separator ','\n"
             "set key autotitle columnhead bottom center\n"
             "set xlabel 'pulse number'\nset ylabel 'conductance (S)'\nset grid\n"
             "%s"
             "set title '%s: pulse response (%s mode, c2c %g)' noenhanced\n"
             "plot '%s' every ::0::%ld using 2:3 with linespoints pt 7 ps 0.4 title 'LTP', \\\n"
             "     '' every ::%ld using ($2+%ld):3 with linespoints pt 7 ps 0.4 title 'LTD'\n",
             name, logy ? "set logscale y\n" : "", name, ode ? "ode" : "table", c2c, file, n_dir[0],
             n_dir[0] + 1, n_dir[0]);
    snprintf(file, sizeof file, "%s.gp", base);
    if ((rc = write_text(dir, file, gp)) < 0 || (rc = render(dir, base)) < 0) {
        return xb_cli_fail("figure", rc);
    }
    printf("%s/%s.svg\n%s/%s.png\n", dir, base, dir, base);
    return 0;
}

/* ------------------------------------------------------------------ iv */

static int cmd_iv(const char *name, const char *dir, double amp, const char *freqs, int samples,
                  double x0, int figure)
{
    const xb_device_type *t = NULL;
    char params[XB_DEVICE_PARAMS_MAX];
    if (load(name, &t, params)) {
        return 1;
    }
    if (t->rhs == NULL) {
        fprintf(stderr, "xbarsim: device iv: %s is a pulse-level model (%s); iv needs a state "
                        "equation (linear_drift, vteam, team, yakopcic or their presets)\n",
                name, t->name);
        return 1;
    }
    double tp = 0.0;
    xb_device_param_get(t, params, "t_pulse", &tp);
    if (!(amp != 0.0)) {
        xb_device_param_get(t, params, "v_up", &amp);
        amp = fabs(amp);
    }
    double f[8];
    int nf = 0;
    if (freqs != NULL) {
        char tmp[256];
        snprintf(tmp, sizeof tmp, "%s", freqs);
        for (char *tok = strtok(tmp, ","); tok && nf < 8; tok = strtok(NULL, ",")) {
            char *end;
            f[nf] = strtod(tok, &end);
            if (*end || !(f[nf] > 0.0)) {
                fprintf(stderr, "xbarsim: device iv: --freq '%s': '%s' is not a positive number\n", freqs, tok);
                return 2;
            }
            nf++;
        }
    } else {
        f[0] = 1e-3 / tp;
        f[1] = 1e-2 / tp;
        f[2] = 1e-1 / tp;
        nf = 3;
    }
    double *xs = malloc((size_t)samples * sizeof *xs);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    int rc = xb_mkdirs(dir);
    if (!xs || !mem || rc < 0) {
        free(xs);
        if (mem) {
            fclose(mem);
            free(buf);
        }
        return xb_cli_fail(dir, rc < 0 ? rc : XB_ENOMEM);
    }
    fprintf(mem, "frequency,t,v,i,state\n");
    for (int k = 0; k < nf && rc >= 0; k++) {
        xb_device_waveform w = {XB_WAVE_SINE, amp, 0, 0, 0, 0, f[k]};
        double x = x0;
        rc = xb_device_integrate(t, params, 0, 1, &x, NULL, &w, 1.0 / f[k], (size_t)samples, xs, NULL, NULL);
        for (int s = 0; rc >= 0 && s < samples; s++) {
            double tt = (s + 1.0) / (samples * f[k]), v = xb_device_waveform_at(&w, tt), i;
            t->current(params, 0, 1, &xs[s], &v, &i);
            fprintf(mem, "%.8g,%.10g,%.10g,%.10g,%.10g\n", f[k], tt, v, i, xs[s]);
        }
        fprintf(mem, "\n\n"); /* gnuplot data blocks: one per frequency */
    }
    free(xs);
    char base[300], file[320];
    stem("iv_", name, base, sizeof base);
    snprintf(file, sizeof file, "%s.csv", base);
    int wrc = flush_to(mem, &buf, &len, dir, file);
    if (rc < 0 || wrc < 0) {
        return xb_cli_fail(name, rc < 0 ? rc : wrc);
    }
    printf("%s/%s\n", dir, file);
    if (!figure) {
        return 0;
    }
    char gp[4096];
    int used = snprintf(gp, sizeof gp,
                        "# xbarsim device iv %s: one period of a %g V sine per frequency\n"
                        "set datafile separator ','\n"
                        "set xlabel 'voltage (V)'\nset ylabel 'current (A)'\nset grid\nset key top left\n"
                        "set title '%s: pinched hysteresis loops' noenhanced\nplot",
                        name, amp, name);
    for (int k = 0; k < nf && used > 0 && (size_t)used < sizeof gp; k++) {
        used += snprintf(gp + used, sizeof gp - (size_t)used,
                         "%s '%s' index %d every ::1 using 3:4 with lines lw 2 title '%g Hz'",
                         k ? ", \\\n    " : "", file, k, f[k]);
    }
    if (used > 0 && (size_t)used + 2 < sizeof gp) {
        strcat(gp, "\n");
    }
    snprintf(file, sizeof file, "%s.gp", base);
    if ((rc = write_text(dir, file, gp)) < 0 || (rc = render(dir, base)) < 0) {
        return xb_cli_fail("figure", rc);
    }
    printf("%s/%s.svg\n%s/%s.png\n", dir, base, dir, base);
    return 0;
}

/* ----------------------------------------------------------------- fit */

static int cmd_fit(const char *data, const char *model, const char *out, const char *plist, int figure)
{
    const xb_device_type *t = xb_device_model_find(model);
    if (t == NULL) {
        fprintf(stderr, "xbarsim: device fit: --model '%s' is not a model (see `xbarsim device list`)\n",
                model ? model : "");
        return 2;
    }
    char params[XB_DEVICE_PARAMS_MAX];
    xb_device_params_default(t, params);
    const char *names[8];
    char tmp[512];
    int n = 0;
    if (plist != NULL) {
        snprintf(tmp, sizeof tmp, "%s", plist);
        for (char *tok = strtok(tmp, ","); tok && n < 8; tok = strtok(NULL, ",")) {
            names[n++] = tok;
        }
    }
    xb_device_fit_result res;
    int rc = xb_device_fit(data, t, params, n ? names : NULL, n, &res);
    if (rc < 0) {
        return xb_cli_fail("device fit", rc);
    }
    char path[4096];
    if (out == NULL) {
        snprintf(path, sizeof path, "fit_%s.csv", t->name);
        out = path;
    }
    if ((rc = xb_device_file_write(out, t, params, NULL)) < 0) {
        return xb_cli_fail(out, rc);
    }
    printf("fit of model %s to %s: %d points, rms error %.4g S (%.4g of the data's range), %ld evaluations\n",
           t->name, data, res.n_points, res.rms, res.rms_rel, res.evaluations);
    for (int i = 0; i < t->n_params; i++) {
        double v;
        xb_device_param_get(t, params, t->params[i].name, &v);
        printf("  %-12s %.10g %s\n", t->params[i].name, v, t->params[i].unit);
    }
    printf("device file: %s (use it as NAME, or as the device in a scenario)\n", out);
    if (!figure) {
        return 0;
    }
    /* measured vs fitted: replay the fitted model over the data's pulse sequence */
    char dir[4096], base[300], file[320];
    snprintf(dir, sizeof dir, "%s", out);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
    } else {
        snprintf(dir, sizeof dir, ".");
    }
    stem("", out, base, sizeof base);
    strncat(base, "_curve", sizeof base - strlen(base) - 1);
    char gp[2048];
    snprintf(file, sizeof file, "%s.csv", base);
    xb_device_config cfg = XB_DEVICE_CONFIG_INIT;
    cfg.type = t;
    cfg.params = params;
    xb_devices *d = NULL;
    if ((rc = xb_devices_create(&d, &cfg, 1, 1, 0)) < 0) {
        return xb_cli_fail("device fit", rc);
    }
    double np_full = xb_devices_pulses_full_range(d);
    long np = np_full > 1e5 ? 100000 : (long)ceil(np_full);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    fprintf(mem, "direction,pulse,conductance\n");
    int32_t one;
    for (int sgn = 1; sgn >= -1; sgn -= 2) {
        one = sgn;
        for (long p = 0; p <= np; p++) {
            fprintf(mem, "%s,%ld,%.12g\n", sgn > 0 ? "ltp" : "ltd", p, xb_devices_conductances(d)[0]);
            xb_devices_pulse(d, &one, (uint64_t)p);
        }
    }
    xb_devices_free(d);
    if ((rc = flush_to(mem, &buf, &len, dir, file)) < 0) {
        return xb_cli_fail(file, rc);
    }
    /* a copy of the data beside the figure keeps the script self-contained */
    char datacopy[320];
    snprintf(datacopy, sizeof datacopy, "%s_data.csv", base);
    char *raw = NULL;
    size_t rawlen = 0;
    if ((rc = xb_file_read(data, &raw, &rawlen)) < 0) {
        return xb_cli_fail(data, rc);
    }
    char p2[8192];
    snprintf(p2, sizeof p2, "%s/%s", dir, datacopy);
    rc = xb_file_write_atomic(p2, raw, rawlen);
    free(raw);
    if (rc < 0) {
        return xb_cli_fail(p2, rc);
    }
    snprintf(gp, sizeof gp,
             "# xbarsim device fit: measured data and the fitted %s model from Gmin\n"
             "set datafile separator ','\nset grid\nset key bottom center\n"
             "set xlabel 'pulse number'\nset ylabel 'conductance (S)'\n"
             "set title 'fit of %s: rms error %.3g of range' noenhanced\n"
             "plot '%s' every ::1 using 2:3 with points pt 7 ps 0.5 title 'measured', \\\n"
             "     '%s' every ::1 using 2:(strcol(1) eq 'ltp' ? $3 : 1/0) with lines lw 2 lc 2 "
             "title 'fitted (from Gmin)', \\\n"
             "     '%s' every ::1 using 2:(strcol(1) eq 'ltd' ? $3 : 1/0) with lines lw 2 lc 2 "
             "notitle\n",
             t->name, t->name, res.rms_rel, datacopy, file, file);
    char gpfile[320];
    snprintf(gpfile, sizeof gpfile, "%s.gp", base);
    if ((rc = write_text(dir, gpfile, gp)) < 0 || (rc = render(dir, base)) < 0) {
        return xb_cli_fail("figure", rc);
    }
    printf("%s/%s.svg\n", dir, base);
    return 0;
}

/* ---------------------------------------------------------------- main */

int xb_cli_device(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1], *name = NULL, *out = NULL, *mode = "table", *freqs = NULL,
               *model = NULL, *plist = NULL;
    long npulses = 0;
    double c2c = 0.0, amp = 0.0, x0 = 0.1;
    uint64_t seed = 1;
    int samples = 2000, figure = 1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        char *end = NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--no-figure")) {
            figure = 0;
        } else if (!strcmp(a, "-o") && has) {
            out = argv[++i];
        } else if (!strcmp(a, "-n") && has) {
            npulses = strtol(argv[++i], &end, 10);
        } else if (!strcmp(a, "--mode") && has) {
            mode = argv[++i];
        } else if (!strcmp(a, "--c2c") && has) {
            c2c = strtod(argv[++i], &end);
        } else if (!strcmp(a, "--seed") && has) {
            seed = strtoull(argv[++i], &end, 10);
        } else if (!strcmp(a, "--amp") && has) {
            amp = strtod(argv[++i], &end);
        } else if (!strcmp(a, "--freq") && has) {
            freqs = argv[++i];
        } else if (!strcmp(a, "--x0") && has) {
            x0 = strtod(argv[++i], &end);
        } else if (!strcmp(a, "--samples") && has) {
            samples = (int)strtol(argv[++i], &end, 10);
        } else if (!strcmp(a, "--model") && has) {
            model = argv[++i];
        } else if (!strcmp(a, "--set") && has) {
            if (n_sets >= MAX_SETS) {
                fprintf(stderr, "xbarsim device: at most %d --set options\n", MAX_SETS);
                return 2;
            }
            sets[n_sets++] = argv[++i];
        } else if (!strcmp(a, "--params") && has) {
            plist = argv[++i];
        } else if (a[0] == '-') {
            fprintf(stderr, "xbarsim device: unknown option or missing value: '%s'\n", a);
            return 2;
        } else if (name == NULL) {
            name = a;
        } else {
            fprintf(stderr, "xbarsim device: unexpected argument '%s'\n", a);
            return 2;
        }
        if (end != NULL && *end != '\0') {
            fprintf(stderr, "xbarsim device: option %s: '%s' is not a number\n", a, argv[i]);
            return 2;
        }
    }
    if (!strcmp(sub, "list")) {
        return cmd_list();
    }
    if (name == NULL) {
        fprintf(stderr, "xbarsim device %s: needs a NAME (see `xbarsim device --help`)\n", sub);
        return 2;
    }
    if (strcmp(mode, "table") && strcmp(mode, "ode")) {
        fprintf(stderr, "xbarsim device: --mode '%s' must be table or ode\n", mode);
        return 2;
    }
    if (samples < 16 || npulses < 0 || !(c2c >= 0.0)) {
        fprintf(stderr, "xbarsim device: --samples >= 16, -n >= 0 and --c2c >= 0 are required\n");
        return 2;
    }
    if (!strcmp(sub, "show")) {
        return cmd_show(name);
    }
    if (!strcmp(sub, "pulse")) {
        return cmd_pulse(name, out ? out : ".", npulses, !strcmp(mode, "ode"), c2c, seed, figure);
    }
    if (!strcmp(sub, "iv")) {
        if (!(x0 >= 0.0 && x0 <= 1.0)) {
            fprintf(stderr, "xbarsim device iv: --x0 (%g) must be in [0, 1]\n", x0);
            return 2;
        }
        return cmd_iv(name, out ? out : ".", amp, freqs, samples, x0, figure);
    }
    if (!strcmp(sub, "fit")) {
        if (model == NULL) {
            fprintf(stderr, "xbarsim device fit: --model MODEL is required\n");
            return 2;
        }
        return cmd_fit(name, model, out, plist, figure);
    }
    fprintf(stderr, "xbarsim device: unknown subcommand '%s'\n\n", sub);
    usage(stderr);
    return 2;
}
