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
    XB_UPDATE_SIGN = 2        /* one pulse of sign(Δw) where Δw != 0 (Manhattan) */
} xb_update_scheme;

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
} xb_xbar_config;

#define XB_XBAR_CONFIG_INIT                                                    \
    {0, 0, 1.0, XB_DEVICE_CONFIG_INIT, XB_MAP_DIFF_PAIR, XB_UPDATE_PULSES, NULL,       \
     XB_CIRCUIT_CONFIG_INIT, 0, 0, 0.2, 1, 0}

typedef struct xb_xbar xb_xbar;

int xb_xbar_create(xb_xbar **out, const xb_xbar_config *cfg);
void xb_xbar_free(xb_xbar *x);

/* Writes w[n_out * n_in] by write-verify programming. */
int xb_xbar_program(xb_xbar *x, const double *w);
/* The weights the devices hold now, without read noise. */
int xb_xbar_weights(const xb_xbar *x, double *w_out);
/* Forward read: out[b * n_out + i] = sum_j W[i][j] in[b * n_in + j], for b < nvec. */
int xb_xbar_forward(xb_xbar *x, const double *in, size_t nvec, double *out);
/* Transposed read: out[b * n_in + j] = sum_i W[i][j] in[b * n_out + i]. */
int xb_xbar_backward(xb_xbar *x, const double *in, size_t nvec, double *out);
/* Applies a desired change dw[n_out * n_in] as write pulses. */
int xb_xbar_update(xb_xbar *x, const double *dw);

typedef struct {
    uint64_t reads_forward;  /* vectors read forward */
    uint64_t reads_backward; /* vectors read transposed */
    uint64_t updates;        /* update calls */
    uint64_t pulses;         /* device pulses (sum of |n|) */
} xb_xbar_counters;

void xb_xbar_counters_get(const xb_xbar *x, xb_xbar_counters *out);

#endif /* XB_XBAR_H */
