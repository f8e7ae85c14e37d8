/* devices: memristor models and their nonidealities.
 *
 * A model is a static const descriptor (xb_device_type) whose ops work on flat
 * arrays of n devices at once. An xb_devices block is n devices of one model
 * with their nonidealities (bounds, d2d and c2c variability, levels, stuck
 * cells, read noise, drift), each drawn from its own seeded stream. xbar/ sees
 * only the xb_devices_* functions; it knows no model by name.
 *
 * Conventions: conductances in siemens; a positive pulse count potentiates
 * (G goes up, NeuroSim's LTP), a negative one depresses. */
#ifndef XB_DEVICES_H
#define XB_DEVICES_H

#include "core/core.h"

/* ------------------------------------------------------- model descriptor */

/* One parameter of a model: every parameter struct is a flat block of doubles,
 * so d2d variability, CSV columns and `xbarsim device show` work generically. */
typedef struct {
    const char *name; /* "gmax" */
    const char *unit; /* "S" */
    size_t offset;    /* offsetof(params struct, field) */
    const char *doc;  /* one line */
} xb_device_param;

/* Ops take per-device parameters with a byte stride: stride 0 means all n
 * devices share one struct; otherwise device k uses (char *)params + k*stride.
 * All ops return 0 on success, < 0 on error; rhs follows CVODE (> 0: the trial
 * state left the physical range, retry with a smaller step). */
typedef struct xb_device_type {
    const char *name; /* "neurosim" */
    const char *doc;  /* one line, with the source of the equations */
    int n_state;      /* state variables per device, laid out [k * n_state + j] */
    size_t params_size;
    const void *default_params;
    const xb_device_param *params;
    int n_params;

    /* conductance at the read voltage for each device (required) */
    int (*conductance)(const void *params, size_t stride, size_t n, const double *state,
                       double *g_out);
    /* the state whose conductance is closest to g (required: programming) */
    int (*set_conductance)(const void *params, size_t stride, size_t n, const double *g,
                           double *state_out);
    /* conductance bounds of one device */
    void (*bounds)(const void *params, double *gmin_out, double *gmax_out);
    /* deterministic response to npulses[k] identical write pulses (pulse-level
     * models; NULL for models driven only through rhs) */
    int (*pulse)(const void *params, size_t stride, size_t n, double *state,
                 const int32_t *npulses);
    /* pulses that sweep the whole range (P_max); sets the weight step per pulse */
    double (*pulses_full_range)(const void *params);

    /* state-equation models (NULL for pulse-level ones) */
    int (*rhs)(const void *params, size_t stride, size_t n, double t, const double *state,
               const double *v, double *dstate_out);
    int (*current)(const void *params, size_t stride, size_t n, const double *state,
                   const double *v, double *i_out);
    int (*jacobian)(const void *params, size_t stride, size_t n, double t, const double *state,
                    const double *v, double *jdiag_out);

    /* Recomputes the derived fields a params struct keeps after its named
     * parameters (e.g. NeuroSim's A and B from NL) and validates it; called
     * after every parameter change (defaults, d2d draws, set by name). NULL if
     * the model has no derived fields. Error messages name the parameter. */
    int (*derive)(void *params);
} xb_device_type;

/* Largest params_size of any built-in model: buffers of this size hold any
 * model's parameters. */
#define XB_DEVICE_PARAMS_MAX 1024
/* Largest parameter table of any model (d2d streams are keyed by its index). */
#define XB_DEVICE_MAX_PARAMS 128

extern const xb_device_type *const xb_device_ideal;    /* bounded linear, finite levels */
extern const xb_device_type *const xb_device_neurosim; /* NeuroSim exponential LTP/LTD */

/* State of both: one variable per device, its conductance in S. */
typedef struct {
    double gmin, gmax; /* S */
    double levels;     /* conductance levels (>= 2); step = (gmax - gmin)/(levels - 1) */
} xb_device_ideal_params;

/* NeuroSim V3.0 manual §5.1 (device-models.md §5.1): G(P) = B(1 - e^(-P/A)) + Gmin
 * with A = A_norm(NL) * P_max per direction; LTD uses the same form with its own
 * (usually negative) NL, hence negative A and B. */
typedef struct {
    double gmin, gmax; /* S */
    /* per direction: pulses across the full range (P_max), and derived by
     * derive() (not parameters) A in pulses (0 = linear) and B in S. What a
     * pulse reads comes first, in 64 bytes: with d2d every device has its
     * own copy, and a pulse then fetches it from memory. */
    double p_ltp, a_ltp, b_ltp;
    double p_ltd, a_ltd, b_ltd;
    double nl_ltp, nl_ltd; /* NeuroSim nonlinearity labels; 0 = linear */
} xb_device_neurosim_params;

/* aihwkit pulse-level forms (device-models.md §5.2) in conductance units; see
 * devices/aihwkit.c and docs/devices.md for the mapping. */
extern const xb_device_type *const xb_device_constant_step;
extern const xb_device_type *const xb_device_linear_step;
extern const xb_device_type *const xb_device_soft_bounds;
extern const xb_device_type *const xb_device_exp_step;
extern const xb_device_type *const xb_device_pow_step;

/* Piecewise-linear step size over the normalised conductance (aihwkit
 * PiecewiseStep form), built from measured data or from an ODE model's pulse. */
#define XB_DEVICE_PIECEWISE_NODES 48
typedef struct {
    double gmin, gmax; /* S */
    double up[XB_DEVICE_PIECEWISE_NODES];   /* up step at node i/(N-1), fraction of range */
    double down[XB_DEVICE_PIECEWISE_NODES]; /* down step magnitude */
    double p_full; /* derived: up pulses from Gmin to Gmax */
    /* pulse tables of state-equation models only (0 otherwise): the
     * coordinate x of the nodes, XB_TABLE_LOG_G (x = ln(G/Gmin)/ln(Gmax/Gmin);
     * the piecewise model then moves in that coordinate and interpolates
     * geometrically between positive nodes) or XB_TABLE_STATE (x = s or 1 - s,
     * whichever raises G; used when Gmin = 0, where the piecewise model reads
     * it as linear in G, exact for models with G proportional to s such as
     * Yakopcic) */
    double table_coord;
    double state_sign; /* XB_TABLE_STATE: +1 if G grows with s, -1 if it falls */
} xb_device_piecewise_params;
#define XB_TABLE_LOG_G 1.0
#define XB_TABLE_STATE 2.0
extern const xb_device_type *const xb_device_piecewise;

/* Builds piecewise parameters from measured pulse-response data: a CSV with a
 * header and columns `pulse` (pulse number, growing within a curve),
 * `conductance` (S) and optionally `direction` (ltp|ltd). A curve ends where
 * the pulse number stops growing or the direction changes; without a
 * direction column a curve's net change decides it. Gmin/Gmax are the
 * extremes of the data. Errors name file:line:column and the value. */
int xb_device_piecewise_from_csv(const char *path, xb_device_piecewise_params *out);

/* ------------------------------------------------ state-equation models
 *
 * State per device is normalised to [0, 1]; rhs follows CVODE (> 0 when a
 * trial state leaves [0, 1] by more than XB_DEVICE_STATE_SLACK, so the solver
 * retries with a smaller step; smaller excursions at a bound are held there by
 * the model and clamped when the integration ends: a tighter slack made ARKODE
 * fail unrecoverably on VTEAM's 1e10/s switching). Every one of
 * them has the named parameters v_read (V, the read voltage at which
 * `conductance` is taken), v_up / v_down (V, write pulse amplitudes that raise
 * / lower G), t_pulse (s, flat top) and t_edge (s, linear rise and fall): the
 * write pulse of `ode` and `table` modes. Equations: device-models.md §1-§3. */
#define XB_DEVICE_STATE_SLACK 5e-2

/* Strukov/HP linear ion drift, x = w/D (x = 1 is R_ON), dx/dt = mu_v R_ON/D^2 i f(x, i);
 * window 0 none (x held at the bounds), 1 Joglekar, 2 Biolek, 3 Prodromakis. */
extern const xb_device_type *const xb_device_linear_drift;
/* VTEAM (voltage thresholds) and TEAM (current thresholds), Kvatinsky; w in [0, 1],
 * w = 0 is R_ON; window 0 none, 1 Kvatinsky; iv 0 linear, 1 exponential. A
 * negative voltage (current) below v_on (i_on) moves toward R_ON. */
extern const xb_device_type *const xb_device_vteam;
extern const xb_device_type *const xb_device_team;
/* Yakopcic generalized model (2011), x in [0, 1], I = a1 x sinh(bV). */
extern const xb_device_type *const xb_device_yakopcic;
/* Stanford-PKU RRAM (§4.1), deterministic part; s = 1 is the smallest gap. */
extern const xb_device_type *const xb_device_stanford_pku;

typedef enum { XB_WAVE_PULSE = 0, XB_WAVE_SINE = 1, XB_WAVE_DC = 2 } xb_wave_kind;

/* A voltage waveform v(t), t from 0:
 *   PULSE: 0 until delay, linear rise to amplitude over `rise`, flat for `width`,
 *          linear fall over `fall`, then 0 (trapezoid, like SPICE PULSE with one period);
 *   SINE:  amplitude sin(2 pi frequency t);   DC: amplitude. */
typedef struct {
    xb_wave_kind kind;
    double amplitude; /* V */
    double width;     /* s */
    double rise, fall, delay; /* s */
    double frequency; /* Hz */
} xb_device_waveform;

double xb_device_waveform_at(const xb_device_waveform *w, double t);

typedef enum { XB_ODE_CVODE = 0, XB_ODE_ARKODE = 1 } xb_ode_method;

/* Integrator settings (named, not literals). The default is the one measured
 * best against the closed forms (bench/bench_devices.c, docs/devices.md). */
typedef struct {
    xb_ode_method method; /* CVODE BDF or ARKODE ARKStep DIRK, both with a banded (block-diagonal) Newton solve */
    double rtol;          /* relative tolerance */
    double atol;          /* absolute tolerance on the normalised state */
    double max_step;      /* s; 0 = no limit */
    long max_steps;       /* per output interval */
    size_t chunk;         /* devices per vector (0 = all n in one; default 8, measured fastest
                           * for pulse tables); results do not depend on it */
} xb_device_ode_settings;

#define XB_DEVICE_ODE_SETTINGS_INIT {XB_ODE_ARKODE, 1e-8, 1e-10, 0.0, 500000, 8}

typedef struct {
    long steps, rhs_evals, error_test_fails, nonlin_conv_fails, restarts;
    long range_retries; /* segments redone with a capped step after leaving [0, 1] */
} xb_device_ode_stats;

/* Integrates n devices of one model (params with the stride convention of
 * the ops) as ONE vector from t = 0 to t_end under v_k(t) = scale[k] * w(t)
 * (scale NULL = 1 for all). state[n * n_state] holds the initial state and
 * receives the final one, clamped to [0, 1]. The solver restarts at each
 * corner of a pulse. If n_samples > 0, samples_out[s * n * n_state + ...]
 * receives the state at t_end * (s + 1) / n_samples. stats_out may be NULL.
 * This is the reference for a SPICE `tran` of the same waveform: same
 * equations, v across the device (top electrode positive), state clamped. */
int xb_device_integrate(const xb_device_type *type, const void *params, size_t stride, size_t n,
                        double *state, const double *scale, const xb_device_waveform *w,
                        double t_end, size_t n_samples, double *samples_out,
                        const xb_device_ode_settings *settings, xb_device_ode_stats *stats_out);

/* The write pulse of a state-equation model (from its v_up, t_pulse, t_edge
 * parameters; amplitude 1, scaled per direction by v_up or v_down), and its length. */
int xb_device_write_pulse(const xb_device_type *type, const void *params, xb_device_waveform *w_out,
                          double *t_end_out);

/* Pulse-response table of a one-state state-equation model (the `table`
 * fidelity level): the change caused by one up and one down write pulse at
 * XB_DEVICE_PIECEWISE_NODES starting points (all integrated as one vector),
 * in piecewise form. The nodes are evenly spaced in ln G when Gmin > 0
 * (XB_TABLE_LOG_G; G-spaced nodes interpolate the G^3-like steps of linear
 * drift badly) and in the normalised state otherwise (XB_TABLE_STATE). */
int xb_device_table_build(const xb_device_type *type, const void *params,
                          const xb_device_ode_settings *settings, xb_device_piecewise_params *out);

/* ------------------------------------------------------------- fitting */

typedef struct {
    double rms;     /* S: root mean square of G_model - G_measured over all steps */
    double rms_rel; /* the same as a fraction of (Gmax - Gmin) of the data */
    int n_points;   /* measured points compared */
    long evaluations; /* objective evaluations */
} xb_device_fit_result;

/* Least-squares fit of a pulse-level model to measured pulse-response data
 * (the CSV format of xb_device_piecewise_from_csv): each measured curve is
 * replayed through the model from its first point, pulse by pulse. params
 * holds the starting values (e.g. defaults) and receives the fit; Gmin/Gmax
 * start at the data's extremes, NeuroSim's P_max at the curves' lengths.
 * names (NULL = per-model default: neurosim nl_ltp, nl_ltd; soft_bounds gmin,
 * gmax, step, up_down; exp_step step, up_down, a_up, a_down, gamma_up,
 * gamma_down; ...) are the fitted parameters. */
int xb_device_fit(const char *csv_path, const xb_device_type *type, void *params,
                  const char *const *names, int n_names, xb_device_fit_result *out);

/* A device file: CSV with header `model,<param>,...` and one row. Written by
 * `xbarsim device fit`; xb_device_preset_find accepts a path ending in .csv.
 * Reading a CSV of measured pulse data instead (columns pulse, conductance)
 * gives the piecewise model built from it. */
int xb_device_file_write(const char *path, const xb_device_type *type, const void *params,
                         const char *comment);
int xb_device_file_read(const char *path, const xb_device_type **type_out, void *params_out);

/* NeuroSim's normalised A for a nonlinearity label NL (sign follows NL), from the
 * closed form of device-models.md §5.1: NL = 10.1015 * max_p (Ghat(p) - p),
 * Ghat(p) = (1 - e^(-p/A))/(1 - e^(-1/A)), solved for A by bisection.
 * |NL| must be in (0, 10.1). */
int xb_device_neurosim_a_norm(double nl, double *a_norm_out);

/* Finds a model by name (underscores optional: "softbounds" finds soft_bounds); NULL if none. */
const xb_device_type *xb_device_model_find(const char *name);
/* All built-in models: i < xb_device_model_count(). */
size_t xb_device_model_count(void);
const xb_device_type *xb_device_model_at(size_t i);

/* --------------------------------------------- parameters and presets */

/* The parameter `name` of a model; returns its index (>= 0), or XB_ENOTFOUND
 * with a message naming the parameter, the model and its parameters. */
int xb_device_param_find(const xb_device_type *type, const char *name,
                         const xb_device_param **param_out);
int xb_device_param_get(const xb_device_type *type, const void *params, const char *name,
                        double *value_out);
/* Sets one parameter and re-derives; on error params are left unchanged. */
int xb_device_param_set(const xb_device_type *type, void *params, const char *name, double value);
/* Copies the model's defaults into params_out (type->params_size bytes) and derives. */
int xb_device_params_default(const xb_device_type *type, void *params_out);


/* -------------------------------------------------------- nonidealities */

typedef enum { XB_DIST_NORMAL = 0, XB_DIST_LOGNORMAL = 1 } xb_dist;

/* Device-to-device spread of one model parameter, drawn once per device. */
typedef struct {
    char param[32]; /* parameter name in the model's table */
    double sigma;   /* relative standard deviation (0.1 = 10 %) */
    xb_dist dist;
} xb_device_variation;

#define XB_DEVICE_MAX_VARIATIONS 8

typedef struct {
    const xb_device_type *type; /* NULL means xb_device_ideal */
    const void *params;         /* NULL means type->default_params; copied */
    double d2d_gbounds;         /* relative sd of each device's Gmin and Gmax */
    xb_device_variation d2d[XB_DEVICE_MAX_VARIATIONS];
    int n_d2d;
    double c2c;        /* write noise per pulse event: sd as a fraction of (Gmax-Gmin), times sqrt(|n|) */
    double read_noise; /* relative sd of each cell's current per read */
    int levels;        /* > 1: conductance quantised to this many levels; 0: continuous */
    double stuck_min_frac; /* fraction of cells stuck at Gmin */
    double stuck_max_frac; /* fraction of cells stuck at Gmax */
    double drift_nu;       /* power-law drift exponent; 0 = off */
    double drift_t0;       /* seconds after programming at which G is the programmed value */
    double drift_nu_d2d;   /* relative sd of each device's exponent: nu_k = |nu (1 + sd xi)| (aihwkit nu_dtod) */
    int pcm_stat;          /* XB_PCM_*: aihwkit's PCM statistical inference model (below); 0 = off */
} xb_device_config;

#define XB_DEVICE_CONFIG_INIT {NULL, NULL, 0.0, {{{0}, 0.0, XB_DIST_NORMAL}}, 0, 0.0, 0.0, 0, 0.0, 0.0, 0.0, 1.0, 0.0, 0}

/* ---------------------------------- PCM statistical inference model
 *
 * aihwkit's PCMLikeNoiseModel (Nandakumar et al., ICECS 2019; device-models.md
 * §5.3), switched on per block by xb_device_config.pcm_stat (devices/pcm_stat.c):
 *   xb_devices_program: g_prog = max(0, g_T + sigma_prog(g_T) xi), held to the
 *     device's bounds, and nu_k = |mu_nu(g_T) + sigma_nu(g_T) xi| per device;
 *   xb_devices_read at t_inference seconds after programming (t = t_inference + t0):
 *     g = max(0, g_d + |g_d| Q_s(g_prog) sqrt(ln((t + t_read)/(2 t_read))) xi),
 *     g_d = g_prog (t/t0)^-nu_k;
 *   XB_PCM_COMPENSATED also rescales every read of the block by
 *     sum_k |g_prog,k| / sum_k |g_k(t)| (aihwkit GlobalDriftCompensation, taken
 *     over the block's conductances).
 * g_max is the block's nominal Gmax (aihwkit's converter g_max). Each draw has
 * its own stream (XB_RNG_PCM_PROG / _NU at (program call << 32) + k,
 * XB_RNG_PCM_READ at (read_event << 32) + k), so no other source changes. It
 * replaces the generic drift: drift_nu must be 0 with it. */
#define XB_PCM_OFF 0
#define XB_PCM_ON 1
#define XB_PCM_COMPENSATED 2 /* XB_PCM_ON plus global drift compensation */
#define XB_PCM_T0 20.0       /* s: aihwkit t_0, time of the first read after programming */
#define XB_PCM_T_READ 250e-9 /* s: aihwkit t_read, duration of one read */
#define XB_PCM_GMAX_REF 25e-6 /* S: g_max the programming-noise polynomial was fitted at */

/* sigma_prog(g_T) in S: [0.26348 + 1.9650 x - 1.1731 x^2] g_max / 25, x = g_T / g_max. */
double xb_device_pcm_prog_sigma(double g_target, double g_max);
/* mu_nu and sigma_nu of the drift exponent for target g_T (x clipped >= 1e-7). */
void xb_device_pcm_nu_stats(double g_target, double g_max, double *mu_out, double *sigma_out);
/* Relative sd of the 1/f read noise Q_s(g_prog) sqrt(ln((t + t_read)/(2 t_read))). */
double xb_device_pcm_read_sigma(double g_prog, double g_max, double t_inference);
/* Drift factor ((t_inference + t0)/t0)^-nu. */
double xb_device_pcm_drift_factor(double nu, double t_inference);

/* ------------------------------------------------------------- presets */

/* A published device: a model, parameter values over its defaults, and the
 * variability its source reports. */
typedef struct {
    const char *name;   /* "agsi" */
    const char *model;  /* "neurosim" */
    const char *source; /* citation, as in device-models.md */
    struct {
        const char *name;
        double value;
    } set[12]; /* ends at the first NULL name */
    double c2c;   /* suggested xb_device_config.c2c (0 = none reported) */
    double d2d;   /* suggested d2d_gbounds (0 = none reported) */
    const char *note; /* caveats (e.g. "demo values, not a fit"); may be NULL */
} xb_device_preset;

/* Fills *type_out and params_out (>= XB_DEVICE_PARAMS_MAX bytes) with the
 * preset `name`, or, for a name ending in ".csv", the device file at that
 * path; XB_ENOTFOUND naming it otherwise. A bare model name gives its defaults. */
int xb_device_preset_find(const char *name, const xb_device_type **type_out, void *params_out);
size_t xb_device_preset_count(void);
const xb_device_preset *xb_device_preset_at(size_t i);
/* A config for the preset: type, params (pointing into params_buf, >=
 * XB_DEVICE_PARAMS_MAX bytes, which must outlive the create call), and the
 * preset's c2c and d2d; other fields as XB_DEVICE_CONFIG_INIT. */
int xb_device_preset_config(const char *name, xb_device_config *cfg_out, void *params_buf);

/* ------------------------------------------------------- a device block */

typedef struct xb_devices xb_devices;

/* n devices of one model. Streams are keyed by (seed, purpose, array_id). */
int xb_devices_create(xb_devices **out, const xb_device_config *cfg, size_t n, uint64_t seed,
                      uint32_t array_id);
void xb_devices_free(xb_devices *d);

size_t xb_devices_count(const xb_devices *d);
/* Nominal bounds of the model (before d2d spread). */
void xb_devices_nominal_range(const xb_devices *d, double *gmin_out, double *gmax_out);
/* Nominal pulses across the full range (P_max; levels-1 for the ideal device). */
double xb_devices_pulses_full_range(const xb_devices *d);
/* Noiseless conductance of every device (borrowed, valid until the next write). */
const double *xb_devices_conductances(const xb_devices *d);

/* Programs each device as close to g_target[k] as it can get (write-verify
 * semantics: bounds, levels and stuck cells apply). */
int xb_devices_program(xb_devices *d, const double *g_target);
/* Applies npulses[k] signed pulses to device k. `event` numbers this write
 * (e.g. the training step): c2c noise for device k at event e is a pure
 * function of (seed, k, e). */
int xb_devices_pulse(xb_devices *d, const int32_t *npulses, uint64_t event);
/* The same write when few devices are pulsed: idx[0..m) lists distinct devices
 * (any order) and npulses is indexed by device as above; only the listed
 * entries are read, and every device not listed gets 0 pulses. Equal, bit for
 * bit, to xb_devices_pulse with those counts and the same event, in
 * O(m) instead of O(n) (ODE write mode still integrates as one vector). */
int xb_devices_pulse_sparse(xb_devices *d, const size_t *idx, size_t m, const int32_t *npulses,
                            uint64_t event);
/* Relative read-noise sd (0 = off), for readers that apply it in output space. */
double xb_devices_read_noise(const xb_devices *d);

/* Nominal conductance drift factor (t/t0)^(-nu) at t seconds after programming
 * (1 for t <= t0 or nu = 0): G(t) = G_programmed (t/t0)^(-nu), the power law
 * of device-models.md §5.3/§6 with cfg.drift_nu and cfg.drift_t0. */
double xb_devices_drift_factor(const xb_devices *d, double t_since_program);
/* Drift exponent of device k (cfg.drift_nu spread by drift_nu_d2d, drawn once
 * from the XB_RNG_DRIFT stream at position k). */
double xb_devices_drift_nu(const xb_devices *d, size_t k);
/* What a read sees: g_out[k] = G_k * (t/t0)^(-nu_k) * (1 + read_noise * xi), with xi
 * from the XB_RNG_READ stream at position (read_event << 32) + k, i.e. a pure
 * function of (seed, array, k, read_event). Stuck cells drift and are noisy too. */
int xb_devices_read(const xb_devices *d, double t_since_program, uint64_t read_event,
                    double *g_out);
/* 1 if every device drifts by the same factor (no drift_nu_d2d, no pcm_stat):
 * xb_devices_drift_factor then describes the whole block (devices/drift.c). */
int xb_devices_drift_uniform(const xb_devices *d);
/* cfg.pcm_stat of the block (XB_PCM_OFF, _ON or _COMPENSATED). */
int xb_devices_pcm_mode(const xb_devices *d);
/* The noiseless part of xb_devices_read at t seconds after programming:
 * g_out[k] = G_k (t/t0)^(-nu_k) (generic drift), or the PCM model's
 * G_k ((t + t0)/t0)^(-nu_k), without read noise and without compensation.
 * relvar_out (NULL or n entries): the relative variance of one read of device
 * k around g_out[k], (1 + sn_k^2)(1 + s^2) - 1 with sn_k the PCM 1/f sd
 * (0 without the model) and s = read_noise: the exact variance of
 * g_out (1 + sn xi1)(1 + s xi2), the PCM clip at 0 left out. */
int xb_devices_drifted(const xb_devices *d, double t_since_program, double *g_out,
                       double *relvar_out);
/* PCM statistical model (cfg.pcm_stat): the drift exponent of device k drawn
 * at the last xb_devices_program (0 before it, or without the model). With
 * the model, xb_devices_read applies it before read_noise: see above. */
double xb_devices_pcm_nu(const xb_devices *d, size_t k);

/* How a block of a state-equation model applies write pulses (DESIGN.md
 * fidelity levels). TABLE (the default): the nominal device's one-pulse
 * response, precomputed at create by xb_device_table_build and scaled to each
 * device's own bounds (d2d of shape parameters is ignored in this mode). ODE:
 * every pulse integrated for every device with its own parameters, all
 * devices as one vector (the pulse timing t_pulse/t_edge is device 0's; the
 * amplitudes v_up/v_down are each device's own). Pulse-level models ignore the mode. */
typedef enum { XB_WRITE_TABLE = 0, XB_WRITE_ODE = 1 } xb_write_mode;
int xb_devices_set_write_mode(xb_devices *d, xb_write_mode mode,
                              const xb_device_ode_settings *settings);
/* Integrator statistics summed over ODE-mode writes. */
void xb_devices_ode_stats(const xb_devices *d, xb_device_ode_stats *out);

/* The model of the block. */
const xb_device_type *xb_devices_type(const xb_devices *d);
/* Parameters of device k after d2d variation (borrowed; a type->params_size
 * struct of the block's model). NULL if k is out of range. */
const void *xb_devices_params(const xb_devices *d, size_t k);
/* Bounds of device k after d2d variation. */
int xb_devices_device_bounds(const xb_devices *d, size_t k, double *gmin_out, double *gmax_out);
/* 1 if device k is stuck (at its Gmin or Gmax), 0 otherwise. */
int xb_devices_is_stuck(const xb_devices *d, size_t k);

/* Measured per-device values (devices/cellmap.c, docs/devices.md "Per-cell
 * maps"): parameter `param` of device k becomes values[k] (absolute, in the
 * parameter's unit), for all k < count, replacing that parameter's d2d draw;
 * the other parameters keep theirs. Each device's parameters are re-derived
 * and validated by the model; an error names the device index, the
 * parameter and the value, and leaves the block unchanged. Each device keeps
 * its position in its own range, (G - Gmin)/(Gmax - Gmin), so a fresh block
 * stays at the new Gmin; stuck cells stay pinned to their new bound. Nominal
 * range and P_max are unchanged (they set the weight scale). In TABLE write
 * mode only bounds-like parameters change a device's pulse response. */
int xb_devices_set_param_values(xb_devices *d, const char *param, const double *values);

/* ----------------------------------------------------------- checkpoints
 * (the byte stream xb_ckpt is in core/core.h) */

/* The device states and conductances (all that pulses move); restore into a
 * block created with the same configuration and seed. */
int xb_devices_checkpoint_save(const xb_devices *d, xb_ckpt *c);
int xb_devices_checkpoint_restore(xb_devices *d, xb_ckpt *c);

#endif /* XB_DEVICES_H */
