/* devices: helpers shared by the model files and the device block. */
#ifndef XB_DEVICES_INTERNAL_H
#define XB_DEVICES_INTERNAL_H

#include "devices/devices.h"

#include <math.h>
#include <stddef.h>

/* A hint to fetch p into cache ahead of use (no-op without GCC/Clang). */
#if defined(__GNUC__)
#define XB_DEVICE__PREFETCH(p) __builtin_prefetch(p)
#else
#define XB_DEVICE__PREFETCH(p) ((void)(p))
#endif

/* Parameters of device k under the stride convention of the ops. */
static inline const void *xb_device__params_at(const void *params, size_t stride, size_t k)
{
    return (const char *)params + k * stride;
}

static inline double xb_device__clamp(double x, double lo, double hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* "No window": motion toward a bound fades linearly over the last
 * XB_DEVICE_GATE_WIDTH of the normalised state instead of stopping dead at it.
 * A hard stop is a discontinuous right-hand side that made ARKODE fail its
 * error test at hmin (VTEAM, 1e10/s); the ramp changes the trajectory only
 * inside that layer. dist = distance to the bound the motion heads for. */
#define XB_DEVICE_GATE_WIDTH 1e-4
static inline double xb_device__gate(double dist)
{
    return xb_device__clamp(dist / XB_DEVICE_GATE_WIDTH, 0.0, 1.0);
}

/* Pulse-level models keep the conductance as their state and begin their
 * parameter struct with these two fields; they share three ops (gstate.c).
 * XB_DEVICE__G_HEAD_CHECK(T) proves a struct T starts that way. */
typedef struct {
    double gmin, gmax; /* S */
} xb_device__g_head;
#define XB_DEVICE__G_HEAD_CHECK(T)                                             \
    _Static_assert(offsetof(T, gmin) == offsetof(xb_device__g_head, gmin) &&   \
                       offsetof(T, gmax) == offsetof(xb_device__g_head, gmax), \
                   #T " must begin with double gmin, gmax")
int xb_device__g_conductance(const void *params, size_t stride, size_t n, const double *state,
                             double *g_out);
int xb_device__g_set_clamped(const void *params, size_t stride, size_t n, const double *g,
                             double *state_out);
void xb_device__g_bounds(const void *params, double *gmin_out, double *gmax_out);

/* Index of a parameter in the model's table, or -1. */
int xb_device__param_index(const xb_device_type *type, const char *name);

/* A CSV file held as strings with the position of every field (csv_table.c). */
typedef struct {
    const char *path;
    char **fields; /* row-major, header first */
    size_t *lines, *cols;
    size_t n_fields, cap, n_cols, n_rows; /* n_rows excludes the header */
    size_t bad_line, bad_count;
} xb_device__csv;

int xb_device__csv_load(const char *path, xb_device__csv *t);
void xb_device__csv_free(xb_device__csv *t);
/* Column index by header name; < 0 (error set if required) when absent. */
int xb_device__csv_column(const xb_device__csv *t, const char *name, int required);
const char *xb_device__csv_cell(const xb_device__csv *t, size_t row, int col);
/* Parses a cell as a finite double, or errors with file:line:column and the value. */
int xb_device__csv_double(const xb_device__csv *t, size_t row, int col, double *out);
int xb_device__csv_error_at(const xb_device__csv *t, size_t row, int col, const char *what);

/* Measured pulse-response data: rows of (pulse, G) split into monotone curves,
 * each one direction (+1 LTP, -1 LTD), pulse counted from the curve's first row. */
typedef struct {
    size_t n;
    double *pulse, *g;
    size_t n_curves;
    size_t *start, *len;
    int *dir;
    double gmin, gmax; /* over all rows */
} xb_device__pulse_data;

int xb_device__pulse_data_load(const char *path, xb_device__pulse_data *out);
void xb_device__pulse_data_free(xb_device__pulse_data *d);

/* The write-pulse and read parameters every state-equation model ends with. */
#define XB_DEVICE__WRITE_FIELDS double v_read, v_up, v_down, t_pulse, t_edge
#define XB_DEVICE__WRITE_TABLE(T)                                                                \
    {"v_read", "V", offsetof(T, v_read), "read voltage at which conductance is taken"},         \
        {"v_up", "V", offsetof(T, v_up), "write pulse amplitude that raises G"},                \
        {"v_down", "V", offsetof(T, v_down), "write pulse amplitude that lowers G"},            \
        {"t_pulse", "s", offsetof(T, t_pulse), "write pulse flat top"},                         \
        {"t_edge", "s", offsetof(T, t_edge), "write pulse rise and fall time"}

/* Checks the write fields; model names the model in messages. */
int xb_device__check_write(const char *model, double v_read, double v_up, double v_down,
                           double t_pulse, double t_edge);

/* One device of a piecewise model: x moved by n pulses. */
double xb_device__piecewise_move(const xb_device_piecewise_params *p, double x, int32_t n);

/* Pulse-response table of a state-equation model (cvode_glue.c): n nodes
 * evenly spaced in coordinate x (XB_TABLE_LOG_G or XB_TABLE_STATE), the change
 * of x by one up / one down pulse at each. The block uses
 * XB_DEVICE__TABLE_NODES nodes (the public piecewise form has only 48). */
#define XB_DEVICE__TABLE_NODES 1024
typedef struct {
    int n;
    double coord, state_sign, gmin, gmax;
    double *up, *down;
    double p_full; /* up pulses from x = 0 to 0.999 */
} xb_device__table;

int xb_device__table_build(const xb_device_type *type, const void *params,
                           const xb_device_ode_settings *settings, int n, xb_device__table *t);
void xb_device__table_free(xb_device__table *t);
/* x moved by n pulses: linear interpolation of the steps. */
double xb_device__table_move(const xb_device__table *t, double x, int32_t n);

/* For cellmap.c: makes the block's parameters one struct per device (a
 * shared struct is copied n times) and returns them, stride params_size. */
int xb_devices__params_per_device(xb_devices *d, void **params_out);
/* For cellmap.c: after per-device parameters changed, refreshes what the
 * block caches from them (ODE mode's v_up / v_down). */
int xb_devices__params_changed(xb_devices *d);

/* For checkpoint.c: what training moves in a block (states n x ns, g n,
 * the integrator's counters). */
void xb_devices__moving_state(xb_devices *d, double **state, double **g, size_t *n, size_t *ns,
                              xb_device_ode_stats **stats);

/* The PCM statistical inference model of a block (pcm_stat.c). */
typedef struct xb_device__pcm xb_device__pcm;
int xb_device__pcm_create(xb_device__pcm **out, int mode, size_t n, double g_max, uint64_t seed,
                          uint32_t array_id);
void xb_device__pcm_free(xb_device__pcm *p);
/* Programming of device k to target g_t (already clamped and quantised):
 * draws its drift exponent and returns the noisy conductance, held to
 * [gmin, gmax]. */
double xb_device__pcm_program_one(xb_device__pcm *p, size_t k, double g_t, double gmin, double gmax);
/* After a program call: g are the programmed conductances (the compensation
 * baseline); the next call draws new numbers. */
void xb_device__pcm_programmed(xb_device__pcm *p, const double *g);
/* g_out[k]: what device k with programmed conductance g[k] reads at
 * t_inference (drift, 1/f noise, compensation). */
void xb_device__pcm_read(const xb_device__pcm *p, double t_inference, uint64_t read_event,
                         const double *g, double *g_out);
double xb_device__pcm_nu(const xb_device__pcm *p, size_t k);
/* What a programming drew (exponents, program count, compensation baseline):
 * checkpointed, as the rest of the block is rebuilt from config and seed. */
void xb_device__pcm_ckpt_save(const xb_device__pcm *p, xb_ckpt *c);
int xb_device__pcm_ckpt_restore(xb_device__pcm *p, xb_ckpt *c);
/* The block's PCM model, or NULL (for checkpoint.c). */
xb_device__pcm *xb_devices__pcm(xb_devices *d);
/* XB_PCM_* mode a preset comes with (XB_PCM_OFF for most). */
int xb_device__pcm_preset_mode(const char *preset);

/* The block's configuration as created (for drift.c). */
const xb_device_config *xb_devices__config(const xb_devices *d);

#endif /* XB_DEVICES_INTERNAL_H */
