/* The one table of scenario columns. docs/scenarios.md is generated from it
 * (`xbarsim run --schema`), and a test checks that the committed file matches,
 * so the documentation cannot drift from what the parser accepts. */
#include "scenarios/scenarios_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define G_SCN "Scenario"
#define G_DATA "Dataset"
#define G_NET "Network and training"
#define G_RULE "Learning rule and channel"
#define G_FWD "Forward arrays (device, nonidealities, periphery)"
#define G_BWD "Backward arrays (learning channel)"

/* Settings of one physical array. Listed once and instantiated twice: for the
 * forward arrays, and with prefix bwd_ for the backward arrays, whose empty
 * cells inherit the forward value (so `bwd_` columns only state asymmetries). */
#define XB_ARRAY_COLUMNS(X)                                                                      \
    X(device, XB_SCN_TEXT, "", "ideal", 0, 0, NULL,                                              \
      "Device model or published preset by name (`xbarsim device list`); a model name wins "    \
      "over a preset of the same name, `preset:NAME` forces the preset; a path ending in "      \
      "`.csv` is a device file written by `xbarsim device fit`, relative to the scenario "      \
      "file's folder (like every path in a scenario).")                                          \
    X(pulse_data, XB_SCN_TEXT, "", "", 0, 0, NULL,                                               \
      "Measured pulse-response curves (CSV with columns pulse, conductance and optionally "      \
      "direction ltp|ltd): the device becomes the piecewise step model built from them, "        \
      "instead of `device`. Paths are relative to the scenario file's folder.")                  \
    X(cellmap, XB_SCN_TEXT, "", "", 0, 0, NULL,                                                  \
      "Measured per-cell map of one device parameter (CSV: first row the parameter name, e.g. "  \
      "gmax; then rows x cols values in its unit), as measured on one physical array; every "    \
      "array (tile) takes cell (row mod rows, column mod cols); replaces that parameter's d2d "   \
      "draw. Paths are relative to the scenario file's folder; `none` means no map. See "        \
      "\"Per-cell maps\" above.")                                                                 \
    X(w_max, XB_SCN_REAL, "", "1", 1e-6, 1e6, NULL,                                              \
      "Weight magnitude mapped to the full conductance range Gmax - Gmin.")                      \
    X(d2d, XB_SCN_REAL, "", "", 0, 1, NULL,                                                      \
      "Device-to-device variability: relative standard deviation of each device's Gmin and "    \
      "Gmax, drawn once. Empty: the value the preset's source reports (0 for a model).")        \
    X(c2c, XB_SCN_REAL, "", "", 0, 1, NULL,                                                      \
      "Cycle-to-cycle write noise: standard deviation per pulse event as a fraction of "         \
      "Gmax - Gmin, times sqrt(pulses). Empty: the preset's reported value (0 for a model).")   \
    X(read_noise, XB_SCN_REAL, "", "0", 0, 1, NULL,                                              \
      "Read noise: relative standard deviation of each cell current per read.")                  \
    X(levels, XB_SCN_INT, "", "0", 0, 1048576, NULL,                                             \
      "Conductance levels the device can hold (>= 2); 0 means continuous.")                      \
    X(stuck_min, XB_SCN_REAL, "", "0", 0, 1, NULL, "Fraction of cells stuck at Gmin.")           \
    X(stuck_max, XB_SCN_REAL, "", "0", 0, 1, NULL, "Fraction of cells stuck at Gmax.")           \
    X(drift_nu, XB_SCN_REAL, "", "0", 0, 1, NULL,                                                \
      "Power-law conductance drift exponent G(t) = G0 (t/t0)^-nu; 0 is off.")                    \
    X(drift_t0, XB_SCN_REAL, "s", "1", 1e-12, 1e9, NULL,                                         \
      "Time after programming at which G equals the programmed value.")                          \
    X(drift_nu_d2d, XB_SCN_REAL, "", "0", 0, 10, NULL,                                           \
      "Device-to-device spread of the drift exponent: each device drifts with "                 \
      "|drift_nu (1 + drift_nu_d2d xi)|, xi ~ N(0, 1) drawn once (aihwkit nu_dtod).")          \
    X(pcm_stat, XB_SCN_CHOICE, "", "auto", 0, 0, "auto|off|on|compensated",                      \
      "aihwkit's PCM statistical model (docs/devices.md): programming noise, a drift exponent "  \
      "per device from its target, 1/f read noise growing with the read time; compensated "     \
      "adds global drift compensation (one output scale per array from a calibration "           \
      "read-out). Seen at t_inference; auto means the preset's setting (on for "                \
      "pcm_nandakumar). Needs drift_nu = 0.")                                                    \
    X(mapping, XB_SCN_CHOICE, "", "diff_pair", 0, 0, "diff_pair|ref_column",                     \
      "Weight to conductance mapping: differential pair (two devices per weight) or one "        \
      "device per weight against a reference column.")                                          \
    X(update, XB_SCN_CHOICE, "", "pulses", 0, 0, "pulses|stochastic|sign|trunc",                 \
      "Write scheme: pulse counts from dw/dw_pulse with stochastic rounding, stochastic "        \
      "coincident pulse trains, one pulse of sign(dw), or truncated counts (NeuroSim).")         \
    X(write_mode, XB_SCN_CHOICE, "", "table", 0, 0, "table|ode",                                 \
      "How state-equation device models apply pulses: the nominal device's precomputed "        \
      "one-pulse response scaled to each device's bounds (fast; ignores d2d of shape "           \
      "parameters), or every pulse integrated for every device with its own parameters "        \
      "(SUNDIALS, slow). Pulse-level models ignore it.")                                        \
    X(pair, XB_SCN_CHOICE, "", "headroom", 0, 0, "headroom|potentiate",                          \
      "Differential pair update: pulse the device with more room, or potentiate only "          \
      "(G+ for dw > 0, G- for dw < 0).")                                                         \
    X(refresh_frac, XB_SCN_REAL, "", "0", 0, 1, NULL,                                            \
      "pair = potentiate: after an update, a pair whose larger device is above Gmin + "          \
      "refresh_frac (Gmax - Gmin) is reset and its difference rewritten on one device (the "     \
      "occasional RESET of pair-based chips, docs/xbar.md); 0 never refreshes.")                 \
    X(stoch_bl, XB_SCN_INT, "", "0", 0, 64, NULL,                                                \
      "Pulse-train length of stochastic updates; 0 means 31.")                                   \
    X(verify_iter, XB_SCN_INT, "", "0", 0, 10000, NULL,                                          \
      "Write-verify rounds when arrays are programmed; 0 means one direct write to the "         \
      "reachable state.")                                                                        \
    X(verify_tol, XB_SCN_REAL, "", "0", 0, 1, NULL,                                              \
      "Write-verify stops when |G - G_target| <= verify_tol * (Gmax - Gmin).")                   \
    X(slices, XB_SCN_INT, "", "1", 1, 16, NULL,                                                  \
      "Bit slicing: each weight on this many device pairs of significance slice_base^k.")        \
    X(slice_base, XB_SCN_REAL, "", "0", 0, 1e6, NULL,                                            \
      "Significance base of bit slices; 0 means P_max + 1 (the device's levels).")               \
    X(write_scheme, XB_SCN_CHOICE, "", "v2", 0, 0, "v2|v3",                                      \
      "Biasing of unselected lines during writes: V/2 or V/3 (energy and disturbance).")        \
    X(disturb, XB_SCN_BOOL, "", "off", 0, 0, NULL,                                               \
      "Half-selected cells of state-equation models move under their partial write voltage.")   \
    X(half_select, XB_SCN_BOOL, "", "on", 0, 0, NULL,                                            \
      "Count the half-select write energy (NeuroSim).")                                          \
    X(t_read, XB_SCN_REAL, "s", "0", 0, 1, NULL, "Read pulse width for the energy count; 0 "   \
      "means 5 ns.")                                                                             \
    X(c_wire, XB_SCN_REAL, "F", "0", 0, 1, NULL,                                                 \
      "Wire capacitance charged per write pulse for the energy count; 0 ignores it.")            \
    X(max_pulses, XB_SCN_INT, "", "0", 0, 1000000, NULL,                                         \
      "Pulses per cell and update are clipped to this; 0 means 4 * P_max.")                      \
    X(tile_rows, XB_SCN_INT, "", "0", 0, 1000000, NULL,                                          \
      "Rows per physical array (matrices are tiled); 0 means one array as tall as the layer.")   \
    X(tile_cols, XB_SCN_INT, "", "0", 0, 1000000, NULL,                                          \
      "Physical columns per array (a differential pair uses 2 per output); 0 means no limit.")   \
    X(read, XB_SCN_CHOICE, "", "ideal", 0, 0, "ideal|nodal|nodal_fast|spice",                    \
      "Read backend: ideal matrix product, nodal solve with wire resistance (exact or fast), "   \
      "or ngspice.")                                                                             \
    X(r_wire, XB_SCN_REAL, "ohm", "0", 0, 1e6, NULL,                                             \
      "Wire resistance per segment between adjacent cells (rows and columns).")                  \
    X(r_source, XB_SCN_REAL, "ohm", "0", 0, 1e9, NULL, "Driver output resistance.")              \
    X(r_sense, XB_SCN_REAL, "ohm", "0", 0, 1e9, NULL,                                            \
      "Sense amplifier input resistance; 0 is an ideal virtual ground.")                         \
    X(cell, XB_SCN_CHOICE, "", "0t1r", 0, 0, "0t1r|1t1r",                                        \
      "Cell kind: passive (0T1R) or with an access transistor (1T1R).")                          \
    X(r_access, XB_SCN_REAL, "ohm", "0", 0, 1e9, NULL,                                           \
      "On-resistance of the access transistor (1T1R cells).")                                    \
    X(dac_bits, XB_SCN_INT, "bit", "0", 0, 32, NULL,                                             \
      "Input (DAC) resolution; 0 means unquantised.")                                            \
    X(dac_range, XB_SCN_REAL, "", "0", 0, 1e9, NULL,                                             \
      "Fixed DAC full scale in input units (inputs beyond it clip); 0 means each input "         \
      "vector is scaled by its own largest |x|.")                                                \
    X(adc_bits, XB_SCN_INT, "bit", "0", 0, 32, NULL,                                             \
      "Output (ADC) resolution; 0 means unquantised.")                                           \
    X(adc_cal, XB_SCN_CHOICE, "", "dynamic", 0, 0, "dynamic|fixed|worst",                        \
      "ADC full scale: per read vector, fixed at adc_range, or the worst case of the tile.")     \
    X(adc_range, XB_SCN_REAL, "", "0", 0, 1e9, NULL,                                             \
      "ADC full scale for adc_cal = fixed (weight units times normalised input).")               \
    X(v_write, XB_SCN_REAL, "V", "0", 0, 100, NULL,                                              \
      "Write pulse amplitude for the energy count; 0 means 2 V.")                                \
    X(pulse_width, XB_SCN_REAL, "s", "0", 0, 1, NULL,                                            \
      "Write pulse width for the energy count; 0 means 10 ns.")                                  \
    X(v_read, XB_SCN_REAL, "V", "0.2", 1e-6, 10, NULL, "Read voltage for a full-scale input.")  \
    X(cost_array_rows, XB_SCN_INT, "", "128", 0, 1048576, NULL,                                  \
      "Cost model (energy_fwd/bwd, latency_fwd/bwd results columns; docs/cost-model.md): rows " \
      "of a physical array, matrices tiled on it as `xbarsim size` does; 0 means one array of "  \
      "exactly the matrix size. Independent of tile_rows, which shapes the simulation.")        \
    X(cost_array_cols, XB_SCN_INT, "", "128", 0, 1048576, NULL,                                  \
      "Cost model: columns of a physical array; 0 means one array of exactly the matrix size.")  \
    X(cost_cell, XB_SCN_CHOICE, "", "1t1r", 0, 0, "1t1r|0t1r",                                   \
      "Cost model: cell kind (area, 1T1R access resistance, cross-point half-select energy).")   \
    X(cost_adc, XB_SCN_CHOICE, "", "sar", 0, 0, "sar|flash",                                     \
      "Cost model: ADC architecture.")                                                           \
    X(cost_adc_bits, XB_SCN_INT, "bit", "8", 1, 16, NULL,                                        \
      "Cost model: ADC resolution (1 is a sense amplifier); independent of adc_bits, which "     \
      "quantises the simulated outputs.")                                                        \
    X(cost_in_bits, XB_SCN_INT, "bit", "1", 1, 32, NULL,                                         \
      "Cost model: input bits applied bit-serially, one read cycle each.")                       \
    X(cost_col_mux, XB_SCN_INT, "", "8", 1, 1048576, NULL,                                       \
      "Cost model: output lines sharing one ADC.")

#define FWD_COL(nm, ty, un, df, lo, hi, ch, dc)                                                  \
    {#nm, ty, un, df, lo, hi, ch, G_FWD, dc, 1, NULL},
#define BWD_COL(nm, ty, un, df, lo, hi, ch, dc)                                                  \
    {"bwd_" #nm, ty, un, "", lo, hi, ch, G_BWD,                                                 \
     "Backward array: as `" #nm "`; empty means the forward value.", 1, #nm},

static const xb_scn_column schema[] = {
    {"scenario", XB_SCN_TEXT, "", NULL, 0, 0, NULL, G_SCN,
     "Name of the scenario (letters, digits, `_`, `-`, `.`); unique in the file. Required.", 0,
     NULL},
    {"seeds", XB_SCN_SEEDS, "", "1", 0, 4294967295.0, NULL, G_SCN,
     "Master seeds, e.g. `1-10` or `1;5;9`; every run is done once per seed.", 1, NULL},
    {"description", XB_SCN_TEXT, "", "", 0, 0, NULL, G_SCN,
     "Free text carried into the results and the manifest.", 0, NULL},

    {"dataset", XB_SCN_CHOICE, "", "fashion-mnist", 0, 0,
     "fashion-mnist|mnist-idx|teacher|chain", G_DATA,
     "Training data: Fashion-MNIST from the Debian package dataset-fashion-mnist, any "
     "MNIST-format idx folder (`dataset_path`, 28x28 images), or a regression task drawn "
     "from the run's seed: the linear teacher of Lillicrap et al. (target T x, T ~ U[-1, 1] "
     "10 x 30, x ~ N(0, I); 2000 / 500 samples unless train_n / test_n) or the 1-1-1 chain "
     "of the RBP proofs (target 0.75 x, x ~ N(0, 1); 1000 / 200 samples). Regression tasks "
     "need loss = mse and report test_nse / train_nse instead of accuracy.",
     1, NULL},
    {"dataset_path", XB_SCN_TEXT, "", "", 0, 0, NULL, G_DATA,
     "Folder with train-images-idx3-ubyte.gz and the three other idx files, relative to the "
     "scenario file's folder; empty means /usr/share/datasets/fashion-mnist.",
     1, NULL},
    {"pool", XB_SCN_CHOICE, "", "1", 0, 0, "1|2|4|7", G_DATA,
     "Average-pool images by this factor in both directions (Fashion-MNIST 28x28: 2 gives "
     "14x14 = 196 inputs, 4 gives 7x7 = 49): smaller arrays, faster runs.",
     1, NULL},
    {"train_n", XB_SCN_INT, "", "0", 0, 10000000, NULL, G_DATA,
     "Training samples used (the first n); 0 means all.", 1, NULL},
    {"test_n", XB_SCN_INT, "", "0", 0, 10000000, NULL, G_DATA,
     "Test samples used (the first n); 0 means all.", 1, NULL},

    {"hidden", XB_SCN_LAYERS, "", "100", 0, 100000, NULL, G_NET,
     "Hidden layer sizes from input to output, e.g. `256x128`; `0` means no hidden layer.", 1,
     NULL},
    {"activation", XB_SCN_CHOICE, "", "sigmoid", 0, 0, "sigmoid|tanh|relu|linear", G_NET,
     "Activation of the hidden layers.", 1, NULL},
    {"loss", XB_SCN_CHOICE, "", "softmax_ce", 0, 0, "softmax_ce|sigmoid_ce|mse", G_NET,
     "Output layer and loss: softmax with cross-entropy, sigmoid outputs with binary "
     "cross-entropy against one-hot labels, or linear outputs with 0.5 * squared error "
     "(regression datasets only).",
     1, NULL},
    {"bias", XB_SCN_BOOL, "", "on", 0, 0, NULL, G_NET,
     "Layers have biases (kept in digital periphery, never on an array).", 1, NULL},
    {"init", XB_SCN_CHOICE, "", "normal", 0, 0, "normal|uniform", G_NET,
     "Forward weight initialisation: N(0, s^2) or U[-s, s].", 1, NULL},
    {"init_scale", XB_SCN_REAL, "", "0", 0, 100, NULL, G_NET,
     "Scale s of the initialisation; 0 means sqrt(1/(fan_in+fan_out)) for normal and "
     "sqrt(6/(fan_in+fan_out)) for uniform.",
     1, NULL},
    {"epochs", XB_SCN_INT, "", "10", 1, 10000, NULL, G_NET, "Passes over the training set.", 1,
     NULL},
    {"batch", XB_SCN_INT, "", "32", 1, 100000, NULL, G_NET,
     "Minibatch size (one array update per minibatch); minibatch order is shuffled every epoch "
     "from the seed's shuffle stream.",
     1, NULL},
    {"lr", XB_SCN_REAL, "", "0.1", 0, 100, NULL, G_NET,
     "Learning rate: dW = -lr * (mean gradient over the minibatch).", 1, NULL},
    {"decay", XB_SCN_REAL, "", "0", 0, 1, NULL, G_NET, "Weight decay: W <- W - lr*decay*W.", 1,
     NULL},
    {"momentum", XB_SCN_REAL, "", "0", 0, 0.9999, NULL, G_NET,
     "SGD momentum mu: v <- mu v + (g + decay w), dW = -lr v.", 1, NULL},
    {"manhattan", XB_SCN_BOOL, "", "off", 0, 0, NULL, G_NET,
     "Batch Manhattan rule: dW = -lr * sign(sum of gradients).", 1, NULL},
    {"t_inference", XB_SCN_REAL, "s", "0", 0, 3.2e9, NULL, G_NET,
     "The test-set evaluation of every epoch reads the forward arrays as they are this long "
     "after programming: power-law drift (drift_nu, drift_nu_d2d) and the PCM "
     "model (pcm_stat) with its 1/f read noise; training and the training-set evaluation read "
     "at 0. 0 is off.",
     1, NULL},
    {"hardware", XB_SCN_BOOL, "", "on", 0, 0, NULL, G_NET,
     "Weights live on crossbar arrays; `off` trains the same network in plain memory (the "
     "software reference, array columns ignored).",
     1, NULL},

    {"rule", XB_SCN_CHOICE, "", "bp", 0, 0, "bp|rbp|srbp|arbp|asrbp|sign|sparse_rbp|drtp|wm",
     G_RULE,
     "Learning rule: backprop, random backprop (feedback alignment), direct random feedback, "
     "their adaptive variants, sign-concordant feedback, sparse random feedback, direct random "
     "target projection (as srbp with the negated target sent instead of the output error; "
     "Frenkel et al.), weight mirror (as rbp, with B learning from noise sent through W after "
     "every update; Akrout et al. 2019, the wm_ columns).",
     1, NULL},
    {"channel", XB_SCN_CHOICE, "", "auto", 0, 0, "auto|bidirectional|conjoined|twin|distinct",
     G_RULE,
     "Where backward matrices live: the forward array read transposed (bp only), a second "
     "array between the same neurons, a separate mirrored array with its own periphery, or "
     "separate arrays of another shape (srbp family); auto picks bidirectional for bp, "
     "distinct for srbp/asrbp/drtp and twin otherwise.",
     1, NULL},
    {"b_init", XB_SCN_CHOICE, "", "normal", 0, 0, "normal|uniform", G_RULE,
     "Distribution of random backward matrices (and of R in the sign rule).", 1, NULL},
    {"b_scale", XB_SCN_REAL, "", "0", 0, 100, NULL, G_RULE,
     "Scale of random backward matrices; 0 means the b_init default.", 1, NULL},
    {"fb_sparsity", XB_SCN_REAL, "", "0", 0, 0.999, NULL, G_RULE,
     "Fraction of zero entries in random backward matrices (sparse_rbp).", 1, NULL},
    {"sign_magnitude", XB_SCN_BOOL, "", "on", 0, 0, NULL, G_RULE,
     "sign rule: on uses sign(W) * |R|, off uses b_scale * sign(W).", 1, NULL},
    {"derivative", XB_SCN_BOOL, "", "on", 0, 0, NULL, G_RULE,
     "Multiply the backward error by the activation derivative f'.", 1, NULL},
    {"bwd_nonlinear", XB_SCN_BOOL, "", "off", 0, 0, NULL, G_RULE,
     "Backward neurons apply the activation f to what they receive.", 1, NULL},
    {"sal_steps", XB_SCN_INT, "", "0", 0, 100000, NULL, G_RULE,
     "Spike-based alignment learning of B (rules rbp, sparse_rbp): time steps of stochastic "
     "spiking with pair STDP after each update; 0 is off.",
     1, NULL},
    {"sal_lr", XB_SCN_REAL, "", "0", 0, 100, NULL, G_RULE,
     "SAL learning rate: dB = sal_lr * summed pairings / sal_steps.", 1, NULL},
    {"sal_tref", XB_SCN_INT, "", "0", 0, 10000, NULL, G_RULE,
     "SAL refractory period = PSP length = STDP time constant, in steps; 0 means 10.", 1, NULL},
    {"sal_every", XB_SCN_INT, "", "0", 0, 1000000, NULL, G_RULE,
     "Run the SAL phase after every sal_every-th update; 0 or 1 means every update.", 1, NULL},
    {"wm_lr", XB_SCN_REAL, "", "0.01", 0, 1000, NULL, G_RULE,
     "Weight mirror (rule wm) learning rate: after every update each B_l += wm_lr * sum over "
     "the noise vectors of y x^T (Akrout et al. 2019 use 0.01).",
     1, NULL},
    {"wm_noise", XB_SCN_REAL, "", "0.1", 1e-12, 100, NULL, G_RULE,
     "Weight mirror noise amplitude A: x = A (U(0,1) - 0.5) enters layer l and y = f(W_l x + "
     "b_l) is read through W_l's array, counted like any read (Akrout: 0.1).",
     1, NULL},
    {"wm_batch", XB_SCN_INT, "", "0", 0, 100000, NULL, G_RULE,
     "Noise vectors per mirror step; 0 means the minibatch size (Akrout).", 1, NULL},
    {"wm_steps", XB_SCN_INT, "", "1", 0, 10000, NULL, G_RULE,
     "Mirror steps after every update; 0 or 1 means one (Akrout).", 1, NULL},
    {"wm_damping", XB_SCN_REAL, "", "0.5", 0, 100, NULL, G_RULE,
     "Akrout's norm control after each update's mirror steps: B is scaled so that its "
     "transposed read of U(0,1) probe vectors has a mean standard deviation of wm_damping (on "
     "crossbars a digital gain of the backward read, no pulses); 0 is off, as in the logged "
     "runs of Akrout's released code, whose rescale never reached the stored matrices.",
     1, NULL},
    {"wm_warmup", XB_SCN_INT, "", "0", 0, 100000000, NULL, G_RULE,
     "Mirror steps run once before the first training step (Akrout runs n_train / batch of "
     "them); rule wm only.",
     1, NULL},
    {"norm_constraint", XB_SCN_BOOL, "", "off", 0, 0, NULL, G_RULE,
     "Weight-norm constraint of Moskovitz et al. (BioTorch constrain_weights): after every "
     "update each W_l is rescaled to the Frobenius norm it started with; on crossbars as a "
     "digital gain on the layer's reads, the arrays re-programmed only when the gain leaves "
     "[0.8, 1.25]. Any rule.",
     1, NULL},
    {"error_bits", XB_SCN_INT, "bit", "0", 0, 32, NULL, G_RULE,
     "Output error quantised to this many bits on [-1, 1]; 0 means unquantised.", 1, NULL},

    XB_ARRAY_COLUMNS(FWD_COL) XB_ARRAY_COLUMNS(BWD_COL)};

const xb_scn_column *xb_scenario_schema(size_t *n_out)
{
    if (n_out) {
        *n_out = sizeof schema / sizeof schema[0];
    }
    return schema;
}

int xb_scenario_column_find(const char *name)
{
    if (!name) {
        return -1;
    }
    for (size_t i = 0; i < sizeof schema / sizeof schema[0]; i++) {
        if (!strcmp(schema[i].name, name)) {
            return (int)i;
        }
    }
    return -1;
}

/* Optimal string alignment distance (Damerau: a swap of neighbours costs 1),
 * case-insensitive because "LR" for "lr" is a typo too. */
size_t xb_scn__edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 63 || m > 63) {
        return (size_t)-1;
    }
    size_t d[64][64];
    for (size_t i = 0; i <= n; i++) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= m; j++) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            int ca = a[i - 1] | 0x20, cb = b[j - 1] | 0x20;
            size_t cost = ca == cb ? 0 : 1;
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) {
                v = d[i][j - 1] + 1;
            }
            if (d[i - 1][j - 1] + cost < v) {
                v = d[i - 1][j - 1] + cost;
            }
            if (i > 1 && j > 1 && (a[i - 1] | 0x20) == (b[j - 2] | 0x20) &&
                (a[i - 2] | 0x20) == (b[j - 1] | 0x20) && d[i - 2][j - 2] + 1 < v) {
                v = d[i - 2][j - 2] + 1;
            }
            d[i][j] = v;
        }
    }
    return d[n][m];
}

const char *xb_scn__suggest(const char *name, const char *const *names, size_t count)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < count; i++) {
        size_t dd = xb_scn__edit_distance(name, names[i]);
        if (dd < best_d) {
            best_d = dd;
            best = names[i];
        }
    }
    /* A suggestion further than a third of the word away misleads more than it helps. */
    size_t len = strlen(name);
    size_t limit = len < 4 ? 1 : (len + 2) / 3;
    if (limit < 2 && len >= 4) {
        limit = 2;
    }
    if (best_d <= limit) {
        return best;
    }
    /* "lrate" for "lr", "device_model" for "device": a valid name as a prefix */
    const char *pre = NULL;
    for (size_t i = 0; i < count; i++) {
        size_t m = strlen(names[i]);
        if (m >= 2 && m < len && !strncmp(name, names[i], m) && (!pre || m > strlen(pre))) {
            pre = names[i];
        }
    }
    return pre;
}

const char *xb_scenario_column_suggest(const char *name)
{
    enum { N = sizeof schema / sizeof schema[0] };
    const char *names[N];
    for (size_t i = 0; i < N; i++) {
        names[i] = schema[i].name;
    }
    return xb_scn__suggest(name, names, N);
}

static const char *type_text(const xb_scn_column *c, char *buf, size_t n)
{
    switch (c->type) {
    case XB_SCN_TEXT:
        return "text";
    case XB_SCN_INT:
        snprintf(buf, n, "integer %.15g..%.15g", c->min, c->max);
        return buf;
    case XB_SCN_REAL:
        snprintf(buf, n, "real %.15g..%.15g", c->min, c->max);
        return buf;
    case XB_SCN_CHOICE: {
        snprintf(buf, n, "`");
        size_t k = 1;
        for (const char *p = c->choices; *p && k + 4 < n; p++) {
            if (*p == '|') {
                k += (size_t)snprintf(buf + k, n - k, "` \\| `");
            } else {
                buf[k++] = *p;
                buf[k] = '\0';
            }
        }
        snprintf(buf + k, n - k, "`");
        return buf;
    }
    case XB_SCN_BOOL:
        return "`on` \\| `off`";
    case XB_SCN_SEEDS:
        return "seeds (integers, ranges `a-b`)";
    case XB_SCN_LAYERS:
        return "layer sizes `NxM…` or `0`";
    }
    return "?";
}

int xb_scenario_schema_markdown(FILE *fp)
{
    XB_ASSERT_ARG(fp != NULL);
    fprintf(fp,
            "# Scenario files\n\n"
            "<!-- Generated by `xbarsim run --schema` from scenarios/schema.c; do not edit. -->\n\n"
            "A scenario file is a CSV file (RFC 4180; UTF-8, an optional byte-order mark, LF or "
            "CRLF line ends). The first row names the columns; every other row is one scenario. "
            "Only the `scenario` column is required: a missing column or an empty cell takes the "
            "default below. Unknown column names are rejected (with the nearest valid name).\n\n"
            "## Sweeps\n\n"
            "A cell of a column marked *sweep* may hold several values; the cartesian product of "
            "a row's sweeps expands to named runs `scenario/column=value/...`, and each run is done "
            "once per seed.\n\n"
            "- list: `0;0.05;0.1` (any type, e.g. `bp;rbp`)\n"
            "- range: `start:step:stop` (numbers; stop included when it lies on the grid), e.g. "
            "`0:0.05:0.5` is 11 values\n"
            "- seeds: `1-10`, `1;4;7`, `1-3;10`\n\n"
            "Every cell of the file is checked before any work starts, and every error is "
            "reported at once as `file:line:column: column 'name': value 'x': what is allowed`. "
            "A combination of settings a run cannot take (e.g. rule `rbp` on channel "
            "`bidirectional`) is reported as `file:line:column: run 'name': why`, at the cell of "
            "the setting the reason names first. "
            "`xbarsim run --check FILE` only validates; `xbarsim run --dry-run FILE` lists the "
            "runs with a time estimate; `--set column=value` overrides a column in every row.\n\n"
            "## Examples\n\n"
            "`scenarios/examples/` holds `quickstart.csv` (the default of `make run`: backprop vs "
            "feedback alignment in software, on ideal devices, on Ag:a-Si and on TaOx/HfOx), "
            "`d2d_backward_sweep.csv` (device-to-device variability of the backward array), "
            "`channels.csv` (bidirectional / conjoined / twin / distinct x bp / rbp, and srbp "
            "on distinct arrays; two hidden layers, as with one srbp equals rbp), "
            "`devices.csv` (every published preset) and `teacher.csv` (the linear teacher task: "
            "backprop vs feedback alignment, ideal vs nonideal backward arrays). To try one quickly, shrink it from the "
            "command line: `xbarsim run F.csv --set epochs=1 --set train_n=500 --set seeds=1`.\n\n"
            "## Device parameters\n\n"
            "Besides the columns below, `p_<name>` sets parameter `<name>` of the forward arrays' "
            "device model over the preset's or the model's value (e.g. `p_nl_ltp` with "
            "`device = agsi`), and `bwd_p_<name>` that of the backward arrays' model (empty: the "
            "forward value when both arrays use the same device). Values are numbers in the "
            "parameter's unit and may be swept; each is checked by the model before any work. "
            "`d2d_<name>` (and `bwd_d2d_<name>`) give a device-to-device spread of one "
            "parameter, a relative standard deviation in [0, 1] drawn once per device (e.g. "
            "`d2d_nl_ltp`), on top of the Gmin/Gmax spread of `d2d`. "
            "`xbarsim device list` names the models and presets, `xbarsim device show NAME` "
            "lists a model's parameters with their units.\n\n"
            );
    xb_scn__resume_markdown(fp);
    xb_scn__cellmap_markdown(fp);
    fprintf(fp, "## Columns\n");

    const char *group = "";
    char buf[256];
    for (size_t i = 0; i < sizeof schema / sizeof schema[0]; i++) {
        const xb_scn_column *c = &schema[i];
        if (strcmp(group, c->group)) {
            group = c->group;
            fprintf(fp, "\n### %s\n\n| column | type | unit | default | sweep | meaning |\n"
                        "|---|---|---|---|---|---|\n",
                    group);
        }
        const char *def = c->def == NULL ? "*required*"
                          : c->inherit   ? "*forward value*"
                          : c->def[0]    ? c->def
                                         : "*empty*";
        fprintf(fp, "| `%s` | %s | %s | %s%s%s | %s | ", c->name, type_text(c, buf, sizeof buf),
                c->unit[0] ? c->unit : "", (c->def && c->def[0] && !c->inherit) ? "`" : "", def,
                (c->def && c->def[0] && !c->inherit) ? "`" : "", c->sweep ? "yes" : "no");
        for (const char *d = c->doc; *d; d++) {
            if (*d == '|') {
                fputc('\\', fp); /* a bare '|' would end the table cell */
            }
            fputc(*d, fp);
        }
        fputs(" |\n", fp);
    }
    return ferror(fp) ? xb__error_set(XB_EIO, "cannot write the schema") : XB_OK;
}
