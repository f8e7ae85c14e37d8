/* xbar: a crossbar holding one weight matrix.
 *
 * An xb_xbar holds W (n_out x n_in, row-major, as learning/ stores it) on
 * physical arrays with rows = n_in inputs and cols = n_out outputs (times the
 * devices per weight of the mapping). It maps weights to conductances, reads
 * forward (y = W x) and transposed (z = W^T d) through a read backend of
 * circuits/, and turns desired weight changes into write pulses applied
 * through devices/. It counts reads, pulses and energy. It knows no learning
 * rule. */
#ifndef XB_XBAR_H
#define XB_XBAR_H

#include "circuits/circuits.h"
#include "devices/devices.h"

typedef enum {
    XB_MAP_DIFF_PAIR = 0, /* w ∝ G+ - G-, two devices per weight */
    XB_MAP_REF_COLUMN = 1 /* w ∝ G - G_ref, one device per weight plus a shared reference column */
} xb_mapping;

typedef enum {
    XB_UPDATE_PULSES = 0,     /* n = Δw / Δw_pulse, stochastically rounded */
    XB_UPDATE_STOCHASTIC = 1, /* row and column pulse trains, coincidences program (Gokmen-Vlasov) */
    XB_UPDATE_SIGN = 2,       /* one pulse of sign(Δw) where Δw != 0 (Manhattan) */
    XB_UPDATE_TRUNC = 3       /* n = trunc(Δw / Δw_pulse), deterministic (NeuroSim) */
} xb_update_scheme;

/* Which device of a differential pair a weight change pulses (docs/xbar.md). */
typedef enum {
    /* Δw > 0: potentiate G+ or depress G-, whichever has more room in that
     * direction (nominal bounds); Δw < 0 symmetrically. Never saturates while
     * the other device has room. */
    XB_PAIR_HEADROOM = 0,
    /* Δw > 0 potentiates G+, Δw < 0 potentiates G- (LTP only, as many
     * pair-based chips do); a device at Gmax stays there (pulses are counted)
     * unless cfg.refresh_frac resets the pair. */
    XB_PAIR_POTENTIATE = 1
} xb_pair_policy;

/* How the ADC full scale is set (docs/xbar.md, "Periphery"). */
typedef enum {
    XB_ADC_CAL_DYNAMIC = 0, /* per read vector and tile: full scale = max |partial output| */
    XB_ADC_CAL_FIXED = 1,   /* full scale = adc_range (weight units x normalised input) */
    XB_ADC_CAL_WORST = 2    /* full scale = max_i sum_j |W_ij| of the tile, after every write */
} xb_adc_cal;

/* A measured per-cell map (docs/xbar.md, "Per-cell maps"): rows x cols
 * absolute values (row-major) of one device parameter, as measured on ONE
 * physical array of a chip. Every physical array (tile) of the matrix gives
 * its device at physical row r, column c the value of cell (r mod rows,
 * c mod cols): pair mapping, output u of a tile is on columns 2u (G+) and
 * 2u + 1 (G-); reference mapping, output u on column u and the reference
 * column last. Applied at create, after the d2d and stuck draws (through
 * xb_devices_set_param_values); the values are not kept. */
typedef struct {
    const char *param;    /* a parameter of the device model, e.g. "gmax" */
    int rows, cols;       /* >= 1 */
    const double *values; /* rows * cols, in the parameter's unit */
} xb_xbar_cellmap;
#define XB_XBAR_MAX_CELLMAPS 4

typedef struct {
    int n_in, n_out;
    double w_max; /* |w| mapped to the full conductance range (Gmax - Gmin) */
    xb_device_config device;
    xb_mapping mapping;
    xb_update_scheme update;
    const xb_solver_type *read; /* NULL = xb_solver_ideal */
    xb_circuit_config circuit;  /* wire and driver resistances; rows/cols are set by xbar */
    int dac_bits;               /* input quantisation, 0 = off */
    int adc_bits;               /* output quantisation, 0 = off */
    double v_read;              /* read voltage for a full-scale input, V */
    uint64_t seed;
    uint32_t array_id; /* distinct for every physical array of a run: keys its streams */

    /* ---- extensions (appended; zero means the default named here) ---- */
    xb_pair_policy pair;   /* differential-pair update policy */
    xb_adc_cal adc_cal;    /* ADC range calibration */
    double adc_range;      /* full scale for XB_ADC_CAL_FIXED */
    int max_rows;          /* rows per physical array (tiling); 0 = n_in, one tile row */
    int max_cols;          /* physical columns per array (pair: 2 per output); 0 = no limit */
    int stoch_bl;          /* pulse-train length of XB_UPDATE_STOCHASTIC; 0 = 31, max 64 */
    int max_pulses;        /* |pulses| per cell and update are clipped to this; 0 = 4 * P_max */
    size_t max_batch;      /* read workspaces preallocated for this many vectors; 0 = 64 */
    /* write-verify programming (xb_xbar_program); verify_max_iter = 0: one
     * direct write to the reachable state (xb_devices_program) */
    int verify_max_iter;   /* pulse/verify rounds per program call */
    double verify_tol;     /* stop when |G - G_target| <= verify_tol * (Gmax - Gmin) */
    /* energy (NeuroSim, device-models.md §5.1): volts, seconds, farads */
    double v_write;        /* write pulse amplitude; 0 = 2 V (NeuroSim IdealDevice) */
    double pulse_width;    /* write pulse width; 0 = 10 ns (NeuroSim IdealDevice) */
    double t_read;         /* read pulse width; 0 = 5 ns (NeuroSim RealDevice) */
    double c_wire;         /* wire capacitance charged per write pulse; 0 = ignored */
    int half_select;       /* 1: count half-select write energy (NeuroSim §6) */
    /* bit slicing: each weight on `slices` pairs (or single devices) of
     * significance slice_base^k, k = 0 (LSB) .. slices-1; docs/xbar.md */
    int slices;            /* 0 or 1 = one pair per weight */
    double slice_base;     /* 0 = P_max + 1 (the device's levels: exact digits) */
    /* writes: line biasing of unselected lines (energy and disturbance) */
    xb_write_scheme write_scheme; /* XB_WRITE_V2 (default) or XB_WRITE_V3 */
    int disturb;           /* 1: half-selected cells of state-equation models move
                            * under their partial write voltage (docs/xbar.md) */
    /* XB_PAIR_POTENTIATE: after an update, a pair whose larger device is above
     * Gmin + refresh_frac (Gmax - Gmin) is reset and its difference written
     * on one device (0 = never refresh) */
    double refresh_frac;
    double dac_range;      /* fixed DAC full scale (inputs beyond it clip); 0 = per vector max|x| */
    /* measured per-cell maps of device parameters, applied in order */
    xb_xbar_cellmap cellmap[XB_XBAR_MAX_CELLMAPS];
    int n_cellmaps;
    /* state-equation models: XB_WRITE_TABLE (default) or XB_WRITE_ODE, every
     * pulse integrated per device (xb_devices_set_write_mode, default settings) */
    xb_write_mode write_mode;
} xb_xbar_config;

#define XB_XBAR_CONFIG_INIT                                                    \
    {0, 0, 1.0, XB_DEVICE_CONFIG_INIT, XB_MAP_DIFF_PAIR, XB_UPDATE_PULSES, NULL,       \
     XB_CIRCUIT_CONFIG_INIT, 0, 0, 0.2, 1, 0,                                   \
     XB_PAIR_HEADROOM, XB_ADC_CAL_DYNAMIC, 0.0, 0, 0, 0, 0, 0, 0, 0.0,             \
     0.0, 0.0, 0.0, 0.0, 1, 1, 0.0, XB_WRITE_V2, 0, 0.0, 0.0, {{NULL, 0, 0, NULL}}, 0, XB_WRITE_TABLE}

typedef struct xb_xbar xb_xbar;

int xb_xbar_create(xb_xbar **out, const xb_xbar_config *cfg);
void xb_xbar_free(xb_xbar *x);

/* Writes w[n_out * n_in] (|w| clipped to w_max): one direct write to the
 * devices' reachable states, or pulsed write-verify rounds when
 * cfg.verify_max_iter > 0. */
int xb_xbar_program(xb_xbar *x, const double *w);
/* The weights the devices hold now, without read noise. */
int xb_xbar_weights(const xb_xbar *x, double *w_out);
/* Forward read: out[b * n_out + i] = sum_j W[i][j] in[b * n_in + j], for b < nvec. */
int xb_xbar_forward(xb_xbar *x, const double *in, size_t nvec, double *out);
/* Transposed read: out[b * n_in + j] = sum_i W[i][j] in[b * n_out + i]. */
int xb_xbar_backward(xb_xbar *x, const double *in, size_t nvec, double *out);
/* Applies a desired change dw[n_out * n_in] as write pulses (schemes PULSES,
 * TRUNC, SIGN; STOCHASTIC needs the factors: use xb_xbar_update_outer). */
int xb_xbar_update(xb_xbar *x, const double *dw);
/* xb_xbar_update of dw[k] = alpha * g[k] without the caller's pass forming
 * dw: each product is rounded once, so the result is the same bit for bit. */
int xb_xbar_update_scaled(xb_xbar *x, double alpha, const double *g);
/* Applies the desired change dW = lr * sum_b d_b h_b^T, d[b * n_out + i],
 * h[b * n_in + j]: for STOCHASTIC as row/column pulse trains whose
 * coincidences program; for the other schemes by forming dW (one GEMM) and
 * calling xb_xbar_update. */
int xb_xbar_update_outer(xb_xbar *x, double lr, const double *d, const double *h, size_t nvec);

/* Reads from now on see every conductance drifted to t seconds after
 * programming, G (t/t0)^(-nu) with the device config's drift_nu and drift_t0
 * (a factor common to all cells, so outputs and read energy scale by it).
 * xb_xbar_weights keeps returning the programmed weights. */
int xb_xbar_set_read_time(xb_xbar *x, double t_since_program);
/* When the devices drift each by its own factor (device drift_nu_d2d, or
 * pcm_stat) and t > 0, xb_xbar_set_read_time instead rebuilds the weights
 * and read-noise variances that reads use from every device's drifted
 * conductance (xb_devices_drifted); the PCM 1/f read noise joins the read
 * noise in output space (variance sum_j sigma_ij^2 v_j^2 with sigma from each
 * cell's (g, t)); writes rebuild it before the next read; t = 0 returns to
 * the programmed conductances. With pcm_stat = compensated, reads are scaled
 * by one factor per array, mean|W(programmed)| / mean|W(t)| (aihwkit's
 * one-hot calibration read-out, taken noiseless), which this returns (1
 * otherwise). */
double xb_xbar_drift_compensation(const xb_xbar *x);
/* The weights reads see now (n_out x n_in): the drift view's (noiseless,
 * compensated) after xb_xbar_set_read_time with per-device drift, else the
 * programmed weights times the uniform drift factor. */
int xb_xbar_read_weights(xb_xbar *x, double *w_out);
/* The array's device block (for measurements; writes go through xbar). */
const xb_devices *xb_xbar_devices(const xb_xbar *x);

/* Weight change of one pulse on one device (nominal): w_max / P_max for a
 * pair, 2 w_max / P_max for a reference column, times the least significant
 * slice's share with bit slicing. */
double xb_xbar_dw_pulse(const xb_xbar *x);
/* Physical arrays (tiles) holding the matrix. */
int xb_xbar_tile_count(const xb_xbar *x);
/* Tile t holds inputs [in0, in0 + n_in) and outputs [out0, out0 + n_out) on a
 * rows x cols physical array (any pointer may be NULL). */
int xb_xbar_tile_shape(const xb_xbar *x, int tile, int *in0, int *n_in, int *out0, int *n_out,
                       int *rows, int *cols);

typedef struct {
    uint64_t reads_forward;  /* vectors read forward */
    uint64_t reads_backward; /* vectors read transposed */
    uint64_t updates;        /* update calls */
    uint64_t pulses;         /* device pulses (sum of |n|) */
    /* extensions */
    uint64_t pulses_program; /* pulses spent by write-verify programming (not in `pulses`) */
    uint64_t verify_rounds;  /* write-verify rounds (one read-verify of the array each) */
    uint64_t programs;       /* program calls */
    uint64_t array_reads;    /* physical array read operations (vectors x tiles) */
    double energy_read;      /* J, V^2 G t_read summed over cells and reads */
    double energy_write;     /* J, NeuroSim write energy incl. half-select if on */
    uint64_t disturb_writes; /* writes whose half-select disturbance was integrated */
    uint64_t refreshes;      /* pairs reset and rewritten (refresh_frac) */
} xb_xbar_counters;

void xb_xbar_counters_get(const xb_xbar *x, xb_xbar_counters *out);
/* Counters of one physical array (tile); `updates` and `programs` are the
 * xbar's. */
int xb_xbar_tile_counters_get(const xb_xbar *x, int tile, xb_xbar_counters *out);
/* Zeroes all counters (e.g. after initialisation, so training counts alone). */
void xb_xbar_counters_reset(xb_xbar *x);
/* Writes the counters of every physical array and their total ("all"), one
 * row each, as CSV with a header line (csv = 1) or as an aligned table. */
int xb_xbar_counters_fprint(FILE *fp, const xb_xbar *x, int csv);

/* Checkpoint of everything training moves in the array (devices, weights,
 * derived sums, counters, event numbers and stream positions), appended to
 * c; restore into an array created with the same configuration, after which
 * the next operation gives bit-identical results to the saved array's
 * (xbar/checkpoint.c). */
int xb_xbar_checkpoint_save(const xb_xbar *x, xb_ckpt *c);
int xb_xbar_checkpoint_restore(xb_xbar *x, xb_ckpt *c);

#endif /* XB_XBAR_H */
