/* circuits: electrical reads and writes of a crossbar array.
 *
 * Physical convention: an array has `rows` input lines (word lines, driven by
 * voltages) and `cols` output lines (bit lines, sensed). Cell (r, c) joins row
 * r to column c; conductances are given row-major, g[r * cols + c], in siemens.
 * A forward read drives the rows and returns the column currents (A); a
 * transposed read drives the columns and returns the row currents.
 *
 * Every read backend implements one interface (SUNDIALS SUNLinearSolver
 * style): `setup` after the conductances change, `solve` per read. */
#ifndef XB_CIRCUITS_H
#define XB_CIRCUITS_H

#include "core/core.h"
#include "devices/devices.h"

typedef enum { XB_CELL_0T1R = 0, XB_CELL_1T1R = 1 } xb_cell_kind;

/* Cell I-V: i = g f(v) with f'(0) = 1, so g is the small-signal conductance.
 * Nonlinear cells are solved by Newton ("nodal", "spice"; "ideal" applies f
 * to the inputs); "nodal_fast" takes linear cells only, and nonlinear cells
 * need XB_CELL_0T1R. */
typedef enum {
    XB_IV_LINEAR = 0, /* f(v) = v */
    XB_IV_SINH = 1,   /* f(v) = sinh(beta v) / beta, beta in 1/V */
    XB_IV_CUBIC = 2   /* f(v) = v + beta v^3, beta in 1/V^2 */
} xb_cell_iv;

typedef struct {
    int rows, cols;
    double r_wire_row; /* ohm per row-wire segment between adjacent cells */
    double r_wire_col; /* ohm per column-wire segment */
    double r_source;   /* driver output resistance, ohm */
    double r_sense;    /* sense input resistance (0 = ideal virtual ground), ohm */
    xb_cell_kind cell;
    double r_access; /* on-resistance of the access transistor (1T1R), ohm */
    /* nodal_fast only: stop when the estimated error of every node voltage is
     * below fast_tol times the largest drive voltage (0 = XB_NODAL_FAST_TOL);
     * give up with XB_ENOCONV after fast_max_iter CG steps or sweeps
     * (0 = 10000; CG at most 5000). */
    double fast_tol;
    int fast_max_iter;
    xb_cell_iv iv;  /* cell I-V (XB_IV_LINEAR by default) */
    double iv_beta; /* its nonlinearity, >= 0 */
} xb_circuit_config;

#define XB_CIRCUIT_CONFIG_INIT                                                                     \
    {0, 0, 0.0, 0.0, 0.0, 0.0, XB_CELL_0T1R, 0.0, 0.0, 0, XB_IV_LINEAR, 0.0}

/* Newton on nonlinear cells stops when no node moves by more than this times
 * the largest drive voltage. */
#define XB_NODAL_NEWTON_TOL 1e-13

/* Default tolerance of nodal_fast (relative to the largest drive voltage). */
#define XB_NODAL_FAST_TOL 1e-12

typedef struct xb_solver_type {
    const char *name; /* "ideal", "nodal", "nodal_fast", "spice" */
    int (*create)(void **ws_out, const xb_circuit_config *c);
    /* factorise / prepare for the conductances g[rows * cols] */
    int (*setup)(void *ws, const double *g);
    /* transpose = 0: v[nvec * rows] volts on rows -> i_out[nvec * cols] column currents;
     * transpose = 1: v[nvec * cols] volts on columns -> i_out[nvec * rows] row currents */
    int (*solve)(void *ws, int transpose, const double *v, size_t nvec, double *i_out);
    void (*free)(void *ws);
} xb_solver_type;

/* No wires, no driver or sense resistance: i = G^T v with one cblas_dgemm for
 * all nvec vectors. Column current is positive when it flows from the cell
 * into the sense node (the same sign every backend uses). */
extern const xb_solver_type *const xb_solver_ideal;

/* Nodal model with wire resistance (docs/circuits.md has the figure).
 * Row r is driven at its column-0 end: source -> r_source -> one r_wire_row
 * segment -> cell (r,0) -> r_wire_row -> cell (r,1) ... Column c is sensed at
 * its row-(rows-1) end: cell (rows-1,c) -> r_wire_col -> r_sense -> virtual
 * ground (0 V); r_sense > 0 is a load resistor. A transposed read swaps the
 * roles at the same physical ends: columns are driven through r_source at
 * their row-(rows-1) end, rows sensed through r_sense at their column-0 end.
 * A 1T1R cell is the memristor in series with r_access. Currents are the sum
 * of the cell currents entering the sensed line (KCL: what the sense sees).
 * A zero resistance merges nodes exactly, so with all wires, r_source and
 * r_sense at 0 the result is G^T v to rounding.
 *
 * "nodal": exact sparse solve, CHOLMOD supernodal Cholesky (the matrix is SPD),
 *          falling back to KLU if CHOLMOD reports it is not positive definite.
 *          Symbolic analysis once per direction; setup factorises the forward
 *          system, the transposed one is factorised at its first solve.
 * "nodal_klu": the same with KLU LU always (reference, small arrays).
 * "nodal_fast": iterative, built on exact tridiagonal solves of every line:
 *          preconditioned CG on the column-voltage Schur complement (column
 *          line solves as preconditioner) when column wires have resistance,
 *          block Gauss-Seidel over row and column lines otherwise; stops when
 *          the error estimate is below fast_tol (docs/circuits.md). */
extern const xb_solver_type *const xb_solver_nodal;
extern const xb_solver_type *const xb_solver_nodal_klu;
extern const xb_solver_type *const xb_solver_nodal_fast;

/* "spice": one ngspice `op` per read vector on the netlist of
 * xb_spice_netlist_read (same circuit as "nodal"); the reference backend. */
extern const xb_solver_type *const xb_solver_spice;

/* CG steps (or Gauss-Seidel sweeps) of the last nodal_fast solve, largest
 * over its vectors; -1 if ws is not a nodal_fast workspace. For benchmarks
 * and reports. */
int xb_solver_nodal_fast_iterations(const void *ws);

/* Finds a read backend by name; NULL if none. */
const xb_solver_type *xb_solver_find(const char *name);

/* ------------------------------------------------------------ ngspice */

/* Netlist (SPICE text, title line first, ".op" and ".end" last) of one read
 * of the array with conductances g and inputs v (rows volts, or cols volts if
 * transpose). Sense currents are i(VUC<c>) forward, i(VUR<r>) transposed,
 * positive into the sense. *text_out is malloc'd; the caller frees it. */
int xb_spice_netlist_read(char **text_out, const xb_circuit_config *c, const double *g,
                          int transpose, const double *v);

/* Runs a netlist (text as above, lines separated by '\n', with its analysis
 * line) in the process-wide libngspice, then copies each real vector names[k]
 * (e.g. "vuc0#branch", "v(x)", "time") into a malloc'd out[k] of len_out[k]
 * values; the caller frees each out[k]. Returns XB_EEXTERNAL with ngspice's
 * own error line when parsing or the analysis fails; after an ngspice exit
 * request the library is reloaded on the next call. Never exits the process.
 * Serialised by a mutex (ngspice is not thread-safe). */
int xb_spice_run(const char *netlist, const char *const *names, size_t n, double **out,
                 size_t *len_out);

/* -------------------------------------------------------------- writes */

typedef enum {
    XB_WRITE_V2 = 0,   /* unselected lines at V/2: half-selected cells see V/2, others 0 */
    XB_WRITE_V3 = 1,   /* unselected rows V/3, columns 2V/3: half-selected V/3, others -V/3 */
    XB_WRITE_FLOAT = 2 /* unselected lines floating (NAN): the sneak paths set their voltage */
} xb_write_scheme;

/* End voltages of every line to write cell (sel_row, sel_col) with v_write
 * (selected row at v_write, selected column at 0 V); sel_col = -1 selects
 * every column (a whole-row write, all columns at 0 V). A floating line gets
 * NAN, which the write-voltage functions below read as "not driven". */
int xb_write_bias(double *u_row_out, double *u_col_out, int rows, int cols, xb_write_scheme scheme,
                  int sel_row, int sel_col, double v_write);

/* Voltage across every memristor during a write, rows x cols row-major, row
 * side minus column side (so a cell under +v_write sees about +v_write): every
 * row driven to u_row[r] and every column to u_col[c] at its peripheral end
 * through r_source plus the wires of c. u = NAN: that line floats, which needs
 * r_source or wire resistance > 0 on its kind of line. 1T1R: transistors on,
 * the drop over r_access excluded. Exact nodal solve, one factorisation per
 * call (about 15 ms at 64 x 64, 0.4 s at 256 x 256). xbar/ applies half-select
 * disturbance by feeding these voltages to the device model of each cell. */
int xb_circuit_write_voltages(double *vcell_out, const xb_circuit_config *c, const double *g,
                              const double *u_row, const double *u_col);

/* The same voltages from ngspice `op` of the same network (the reference). */
int xb_spice_write_voltages(double *vcell_out, const xb_circuit_config *c, const double *g,
                            const double *u_row, const double *u_col);

/* The same voltages for many writes of one programming state, with the fast
 * line solver (nodal_fast, tolerance fast_tol of c): setup is O(rows * cols)
 * and each call a few CG steps (ms at 256 x 256), so half-select disturbance
 * can follow every write of a training run. Node voltages are within
 * fast_tol * max|u| of the exact solve, cell voltages within twice that. */
typedef struct xb_circuit_writer xb_circuit_writer;
int xb_circuit_writer_create(xb_circuit_writer **out, const xb_circuit_config *c);
int xb_circuit_writer_setup(xb_circuit_writer *w, const double *g); /* after programming */
int xb_circuit_writer_voltages(xb_circuit_writer *w, const double *u_row, const double *u_col,
                               double *vcell_out);
int xb_circuit_writer_iterations(const xb_circuit_writer *w); /* CG steps of the last call */
void xb_circuit_writer_free(xb_circuit_writer *w);

/* Linear ion drift (device-models.md §1.1): R = R_ON x + R_OFF (1 - x),
 * dx/dt = mu_v R_ON / D^2 i f(x), Joglekar window f = 1 - (2x - 1)^(2p) or
 * none (p = 0). The same equations as devices/ linear_drift with window 0
 * or 1 (xb_spice_drift_from_device converts its parameters). */
typedef struct {
    double r_on, r_off; /* ohm */
    double mu_v;        /* m^2 / (V s) */
    double d;           /* m */
    double window_p;    /* Joglekar exponent p; 0 = no window */
} xb_spice_drift_params;

/* The subcircuit parameters of a devices/ linear_drift parameter block.
 * XB_EINVAL for another model, or for a window other than none / Joglekar. */
int xb_spice_drift_from_device(xb_spice_drift_params *out, const xb_device_type *type,
                               const void *params);

/* The HP set of device-models.md §1.3: 100 ohm, 16 kohm, 1e-14 m^2/(V s), 10 nm. */
#define XB_SPICE_DRIFT_HP                                                                          \
    {                                                                                              \
        100.0, 16000.0, 1e-14, 10e-9, 0                                                            \
    }

/* One trapezoidal write pulse, like SPICE PULSE with one period. */
typedef struct {
    double delay, rise, width, fall; /* s */
    double t_stop;                   /* end of the transient, s */
    double max_step;                 /* largest ngspice time step, s */
} xb_spice_pulse;

/* `tran` netlist of a write: every cell a behavioural memristor subcircuit
 * (state on a 1 F capacitor, device-models.md §7) starting at x0[cell], every
 * line end a PULSE from 0 to its bias u_row / u_col (xb_write_bias), wires as
 * in the read netlist. The state of cell (r, c) is node x<r>_<c>. */
int xb_spice_netlist_tran(char **text_out, const xb_circuit_config *c,
                          const xb_spice_drift_params *p, const double *x0, const double *u_row,
                          const double *u_col, const xb_spice_pulse *pulse);

/* The same for the cells of a devices/ state-equation model with its own
 * parameter block: linear_drift (any window), vteam and team (voltage or
 * current thresholds; window none or Kvatinsky, linear or exponential I-V;
 * the same equations as devices/vteam.c, including its state gate at the
 * bounds), yakopcic (devices/yakopcic.c, either eta) or stanford_pku (its
 * deterministic part).
 * x0 and the returned states are the model's state variable. XB_EINVAL for
 * other models. */
int xb_spice_netlist_tran_device(char **text_out, const xb_circuit_config *c,
                                 const xb_device_type *type, const void *params, const double *x0,
                                 const double *u_row, const double *u_col,
                                 const xb_spice_pulse *pulse);
int xb_spice_tran_states_device(double *x_out, const xb_circuit_config *c,
                                const xb_device_type *type, const void *params, const double *x0,
                                const double *u_row, const double *u_col,
                                const xb_spice_pulse *pulse);

/* Runs the netlist of xb_spice_netlist_tran in ngspice and returns every
 * cell's state at t_stop. */
int xb_spice_tran_states(double *x_out, const xb_circuit_config *c, const xb_spice_drift_params *p,
                         const double *x0, const double *u_row, const double *u_col,
                         const xb_spice_pulse *pulse);

/* ---- cost model (sizing) ---- */
/* This section belongs to the sizing engineer (circuits/cost.c). */
/* Area, energy and latency of crossbar arrays and of whole networks mapped
 * onto them, from a documented first-order cost model (docs/cost-model.md
 * gives every formula and the published source of every default). All
 * quantities are SI: metres, square metres, joules, seconds, siemens, volts.
 *
 * Reads are bit-serial: an input of in_bits bits takes in_bits read cycles;
 * each cycle drives the input lines (1-bit drivers), lets the cells conduct
 * for t_read, samples every output line and converts it with an ADC shared by
 * `col_mux` lines, and accumulates the result digitally (shift-and-add). */

typedef enum { XB_ADC_SAR = 0, XB_ADC_FLASH = 1 } xb_adc_kind;

/* Every coefficient of the model; named so a design CSV can override it
 * (xb_cost_param_set). Defaults: xb_cost_params_default. */
typedef struct {
    double feature;      /* F, the technology feature size (m) */
    double cell_f2_0t1r; /* cross-point cell area in F^2 */
    double cell_f2_1t1r; /* 1T1R (pseudo-crossbar) cell area in F^2 */
    double wire_width;   /* array wire width (m) */
    double wire_ar;      /* wire aspect ratio (thickness / width) */
    double wire_rho;     /* wire resistivity at that width (ohm m) */
    double wire_cap;     /* wire capacitance per length (F/m) */
    double g_on, g_off;  /* device conductance range (S) */
    double r_access;     /* 1T1R access transistor on-resistance (ohm) */
    double v_read;       /* read voltage (V) */
    double t_read;       /* read pulse width (s) */
    double v_write;      /* write pulse amplitude (V) */
    double t_write;      /* write pulse width (s) */
    double input_activity; /* fraction of input bits that are 1 */
    double dac_energy;   /* 1-bit input driver (DAC), per conversion (J) */
    double dac_area;     /* per driver (m^2) */
    double sh_energy;    /* sample-and-hold per output line per cycle (J) */
    double sh_area;      /* per output line (m^2) */
    double sar_fom;      /* SAR ADC energy per conversion step, E = fom * 2^bits (J) */
    double sar_area_8b;  /* SAR ADC area at 8 bits; scales as 2^(bits-8) (m^2) */
    double sar_t_bit;    /* SAR time per bit; t_conv = bits * t_bit (s) */
    double flash_cmp_energy; /* flash ADC: energy per comparator per conversion (J) */
    double flash_cmp_area;   /* flash ADC: area per comparator (m^2) */
    double flash_t_conv;     /* flash ADC conversion time (s) */
    double acc_energy;   /* digital shift-and-add, per accumulated value (J) */
    double acc_area;     /* shift-and-add area per ADC (m^2) */
} xb_cost_params;

/* Sets the published defaults (docs/cost-model.md): NeuroSim MLP V3 32 nm
 * technology and Ag:a-Si device, ISAAC (ISCA 2016) periphery. */
void xb_cost_params_default(xb_cost_params *p);

typedef struct {
    const char *name;   /* as in the design CSV */
    const char *unit;
    const char *what;
    const char *source; /* where the default comes from */
    size_t offset;      /* into xb_cost_params */
} xb_cost_param_info;

size_t xb_cost_param_count(void);
const xb_cost_param_info *xb_cost_param_at(size_t i);
/* Sets a coefficient by name; XB_ENOTFOUND names the unknown parameter,
 * XB_EINVAL a value out of its physical range (e.g. negative area). */
int xb_cost_param_set(xb_cost_params *p, const char *name, double value);
int xb_cost_param_get(const xb_cost_params *p, const char *name, double *value_out);

/* How weights are put on arrays (not coefficients: design choices). */
typedef struct {
    int array_rows, array_cols; /* physical array size; matrices are tiled on it */
    xb_cell_kind cell;
    xb_adc_kind adc;
    int adc_bits;         /* ADC resolution (1 = a sense amplifier / comparator) */
    int in_bits;          /* input bits, applied bit-serially */
    int col_mux;          /* output lines sharing one ADC */
    int cells_per_weight; /* 1, or 2 for a differential pair */
} xb_cost_arch;

#define XB_COST_ARCH_INIT {128, 128, XB_CELL_1T1R, XB_ADC_SAR, 8, 1, 8, 2}

/* One physical array of arch->array_rows x arch->array_cols cells of which
 * `rows` x `cols` are used. */
typedef struct {
    double area_cells, area_periph;   /* m^2 (periphery of every direction it reads in) */
    double e_read, t_read;            /* one forward MVM (drive rows, sense cols): J, s */
    double e_read_t, t_read_t;        /* one transposed MVM (drive cols, sense rows) */
    double e_pulse;                   /* one write pulse to one cell, incl. half-select: J */
    double t_pulse_step;              /* one row-parallel pulse step: s */
    double r_row_line, c_row_line;    /* full row line: ohm, F */
    double r_col_line, c_col_line;
    double e_cycle_cells, e_cycle_wires, e_cycle_dac, e_cycle_sh, e_cycle_adc, e_cycle_acc;
                                      /* forward read, one bit-cycle, by component: J */
    double e_adc_conv, t_adc_conv, a_adc; /* one ADC: J per conversion, s, m^2 */
} xb_cost_array_result;

/* Periphery flags: which directions the array is read in (each needs drivers
 * on the driven side and ADCs on the sensed side). */
#define XB_COST_READ_FWD 1
#define XB_COST_READ_BWD 2

int xb_cost_array(xb_cost_array_result *out, const xb_cost_params *p, const xb_cost_arch *a,
                  int rows, int cols, int read_dirs);

typedef enum {
    XB_CHANNEL_BIDIRECTIONAL = 0, /* backward = forward arrays read transposed */
    XB_CHANNEL_CONJOINED = 1,     /* second array sharing the neuron circuits (periphery) */
    XB_CHANNEL_TWIN = 2,          /* separate mirrored array with its own periphery */
    XB_CHANNEL_DISTINCT = 3       /* separate array of another shape (n_L x n_l for srbp) */
} xb_cost_channel;

/* Parses "bidirectional", "conjoined", "twin", "distinct". */
int xb_cost_channel_parse(xb_cost_channel *out, const char *name);
const char *xb_cost_channel_name(xb_cost_channel c);

/* One matrix of the network on its tiles. */
typedef struct {
    char role[8];     /* "fwd" or "bwd" */
    int layer;        /* 1-based: W_l maps layer l-1 (n_in) to layer l (n_out) */
    int n_in, n_out;  /* logical matrix: driven lines n_in, sensed n_out (times cells_per_weight) */
    int tiles_r, tiles_c;
    int shares_periphery; /* conjoined: uses the forward array's neuron circuits */
    double area_cells, area_periph;
    double e_read;    /* one MVM through all its tiles, including partial-sum adds: J */
    double t_read;    /* tiles in parallel: s */
    double e_pulse;   /* per cell pulse: J */
    double t_update;  /* one pulse to every cell, row by row, LTP then LTD phase
                       * (2 * rows * t_write), tiles in parallel: s */
    double n_cells;   /* physical cells used */
} xb_cost_matrix;

typedef struct {
    xb_cost_channel channel;
    int srbp;          /* backward matrices are n_L -> n_l (direct) instead of W^T */
    size_t n;          /* matrices */
    xb_cost_matrix *m; /* owned */
    double area;       /* total m^2 */
    double e_fwd, t_fwd; /* forward pass of one sample: J, s (layers in sequence) */
    double e_bwd, t_bwd; /* backward pass of one sample */
    double e_pulse;      /* mean energy per cell pulse over the forward arrays: J */
    double t_update;     /* forward matrices updated in parallel: the slowest t_update */
} xb_cost_network;

/* Maps the layer widths w[0..nw) (input first) onto arrays for a channel.
 * Backward matrices are needed for layers 2..L (B_l carries delta_l to layer
 * l-1); with srbp, D_l (n_L -> n_l) for l = 1..L-1 instead. */
int xb_cost_network_create(xb_cost_network *out, const xb_cost_params *p, const xb_cost_arch *a,
                           const int *w, int nw, xb_cost_channel channel, int srbp);
void xb_cost_network_free(xb_cost_network *n);

/* Prints the matrices of a network and its totals: Markdown (engineering
 * units: um^2, pJ, ns, us) when csv = 0, else CSV in SI units with a header
 * line when header != 0. `design` names the rows. */
int xb_cost_network_fprint(FILE *fp, const xb_cost_network *n, const char *design, int csv,
                           int header);

/* Prints every physical array (tile) of the network: matrix, tile position,
 * used rows x cols, area, read energy and latency, energy per pulse. */
int xb_cost_network_fprint_arrays(FILE *fp, const xb_cost_network *n, const xb_cost_params *p,
                                  const xb_cost_arch *a, const char *design, int csv);

/* Energy and latency of counted events on one physical array (rows x cols
 * used, read in read_dirs), for turning the read/pulse counters of a training
 * run into energy per epoch. Latency assumes reads run one after another and
 * pulses run row-parallel (cols cells per step): a lower bound for writes.
 * The scenarios runner calls this once per array per epoch with that epoch's
 * counter increments and adds energy_* / latency_* columns to results.csv. */
int xb_cost_counters(double *energy_out, double *latency_out, const xb_cost_params *p,
                     const xb_cost_arch *a, int rows, int cols, int read_dirs, double fwd_reads,
                     double bwd_reads, double pulses);


#endif /* XB_CIRCUITS_H */
