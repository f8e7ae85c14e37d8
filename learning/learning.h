/* learning: datasets, networks, learning rules and learning channels.
 *
 * Networks are trained with a step API (forward, backward, update; GSL's
 * INITIALIZE/ITERATE/TEST): scenarios/ owns the loop and the stopping rule.
 * Every forward matrix and every backward ("learning channel") matrix lives
 * on its own xb_xbar, or in plain memory for the software reference. */
#ifndef XB_LEARNING_H
#define XB_LEARNING_H

#include "xbar/xbar.h"

/* ------------------------------------------------------------- datasets */

/* A dataset in memory. Transparent: networks read x, label and target. */
typedef struct {
    char name[64];
    size_t n;           /* samples */
    size_t dim;         /* features per sample */
    size_t n_out;       /* classes (classification) or outputs (regression) */
    int classification; /* 1: label[] is set; 0: target[] is set */
    double *x;          /* n * dim, row-major; images scaled to [0, 1] */
    int *label;         /* n class indices in [0, n_out), or NULL */
    double *target;     /* n * n_out regression targets, or NULL */
} xb_dataset;

void xb_dataset_free(xb_dataset *d); /* frees the arrays, zeroes *d; NULL-safe */

/* Allocates x (zeroed) and label (classification) or target (regression) for
 * n samples; out->name is set from name (may be NULL). out is overwritten,
 * so free an older dataset first. On error nothing is left allocated. */
int xb_dataset_alloc(xb_dataset *out, const char *name, size_t n, size_t dim, size_t n_out,
                     int classification);

/* --- files. Every loader reads through zlib, so plain and gzip-compressed
 * files both work; errors name the file and what was wrong. */

/* Where the Debian package dataset-fashion-mnist installs its idx.gz files. */
#define XB_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

/* An MNIST-format IDX pair: unsigned-byte images (magic 0x00000803, or
 * 0x00000802 for n x dim rows) and labels (magic 0x00000801), big-endian
 * header. Pixels are scaled to [0, 1] (v / 255); n_out = 1 + the largest label
 * loaded. max_n = 0 loads every sample, otherwise the first max_n. */
int xb_dataset_load_idx(xb_dataset *out, const char *images_path, const char *labels_path,
                        size_t max_n);

/* Fashion-MNIST from XB_FASHION_MNIST_DIR: the first n_train of the 60000
 * training and the first n_test of the 10000 test samples (0 = all), 28x28,
 * 10 classes. train or test may be NULL to skip that half. XB_ENOTFOUND with
 * the package name when it is not installed. */
int xb_dataset_load_fashion_mnist(xb_dataset *train, xb_dataset *test, size_t n_train,
                                  size_t n_test);
/* The same from another directory holding the four idx(.gz) files under
 * their original names (train-images-idx3-ubyte.gz, …; plain .idx files
 * without .gz are used when the .gz ones are absent). */
int xb_dataset_load_fashion_mnist_dir(xb_dataset *train, xb_dataset *test, const char *dir,
                                      size_t n_train, size_t n_test);

/* The small real task for fast tests and quick runs (no lighter real dataset
 * is packaged for Debian 12; see docs/datasets.md): the first n_train / n_test
 * Fashion-MNIST samples average-pooled pool x pool (1, 2, 4 or 7), e.g. pool 4
 * gives 7x7 = 49 features. Named "fashion-mnist-7x7/train", …. */
int xb_dataset_load_fashion_mnist_pooled(xb_dataset *train, xb_dataset *test, size_t n_train,
                                         size_t n_test, size_t pool);

/* Options of xb_dataset_load_csv. */
typedef struct {
    int header;       /* 1: the first row names the columns and is skipped */
    size_t max_n;     /* 0: every row; otherwise the first max_n data rows */
    size_t n_targets; /* 0: classification, label_column holds integer labels
                         0, 1, …; k > 0: regression, the k columns starting at
                         label_column are the targets */
    double scale;     /* > 0: every feature is multiplied by it (e.g. 1/16) */
    int minmax;       /* 1: each feature is mapped to [0, 1] by its min and max
                         over the file (after scale); constant features give 0 */
} xb_dataset_csv_options;
#define XB_DATASET_CSV_OPTIONS_INIT {0, 0, 0, 0.0, 0}

/* A numeric CSV file (or .csv.gz), one sample per row, parsed with libcsv in
 * strict mode. label_column is 0-based; negative counts from the end (-1 =
 * last column). Errors read "file:line:column: …" with the offending value.
 * opts may be NULL (defaults). */
int xb_dataset_load_csv(xb_dataset *out, const char *path, int label_column,
                        const xb_dataset_csv_options *opts);

/* --- synthetic tasks. Draws come from xb_rng streams (seed, XB_RNG_DATA,
 * array) addressed by position, so a larger n_train extends a smaller one
 * and train never depends on n_test. Both are regression datasets (target). */

/* Linear teacher of Lillicrap et al. 2016 (linear task): T ~ U[-r, r]^{n_out x
 * n_in}, x ~ N(0, I), target = T x (+ optional N(0, noise_sd^2) noise). */
typedef struct {
    size_t n_in, n_out;     /* 30, 10 in the paper */
    size_t n_train, n_test; /* ours: the paper's sample counts were not read */
    double teacher_range;   /* r: 1 in the paper */
    double noise_sd;        /* 0 in the paper */
} xb_teacher_config;
#define XB_TEACHER_CONFIG_INIT {30, 10, 2000, 500, 1.0, 0.0}

/* teacher_out (n_out * n_in, row-major) receives T; may be NULL. train or
 * test may be NULL; a size of 0 for a non-NULL half is an error. */
int xb_dataset_linear_teacher(xb_dataset *train, xb_dataset *test, double *teacher_out,
                              const xb_teacher_config *cfg, uint64_t seed);

/* The 1-1-1 linear chain of the RBP convergence proofs (Baldi et al. 2018):
 * scalar input I ~ N(0, input_sd^2), target T = slope * I (+ N(0, noise_sd^2)).
 * The averaged dynamics have their fixed point at a*b = alpha/beta with
 * alpha = E[T I] = slope * input_sd^2 and beta = E[I^2] = input_sd^2. */
typedef struct {
    size_t n_train, n_test;
    double slope;
    double input_sd;
    double noise_sd;
} xb_chain_config;
#define XB_CHAIN_CONFIG_INIT {1000, 200, 0.75, 1.0, 0.0}

int xb_dataset_linear_chain(xb_dataset *train, xb_dataset *test, const xb_chain_config *cfg,
                            uint64_t seed);

/* --- helpers */

/* A copy of samples [first, first + n) of ds into out (n = 0: to the end). */
int xb_dataset_subset(xb_dataset *out, const xb_dataset *ds, size_t first, size_t n);

/* Splits ds into a (n_a samples) and b (the rest), both copies. With rng
 * non-NULL the samples are shuffled first (a copy of rng is used: the caller's
 * stream does not move); with NULL, a is the first n_a samples. */
int xb_dataset_split(xb_dataset *a_out, xb_dataset *b_out, const xb_dataset *ds, size_t n_a,
                     const xb_rng *rng);

/* Per-feature mean and standard deviation (population) of ds->x; either
 * output may be NULL. Features with sd 0 report sd 0. */
int xb_dataset_feature_stats(const xb_dataset *ds, double *mean_out, double *sd_out);

/* x <- (x - mean) / sd per feature, with the statistics of another set (use
 * the training set's for the test set). Features with sd 0 are only centred. */
int xb_dataset_standardize(xb_dataset *ds, const double *mean, const double *sd);

/* Average pooling of images (width x height per sample, row-major) by factor f
 * in both directions: the result is (width/f) x (height/f); edge pixels that do
 * not fill a whole f x f block are dropped. Labels/targets are copied. */
int xb_dataset_pool(xb_dataset *out, const xb_dataset *ds, size_t width, size_t height,
                    size_t f);

/* A class-balanced copy: the first per_class samples of every class, kept in
 * file order (so a fixed, reproducible subset). Every class must have that
 * many samples. Classification only. */
int xb_dataset_stratified(xb_dataset *out, const xb_dataset *ds, size_t per_class);

/* Samples per class; counts_out has n_out entries. Classification only. */
int xb_dataset_class_counts(const xb_dataset *ds, size_t *counts_out);

/* Gathers a minibatch without allocating: x_out (nb * dim) and labels_out
 * (nb, may be NULL; classification only) from samples idx[0..nb). */
int xb_dataset_batch(const xb_dataset *ds, const size_t *idx, size_t nb, double *x_out,
                     int *labels_out);
/* As xb_dataset_batch for regression: target_out is nb * n_out; x_out may be
 * NULL to gather only the targets. */
int xb_dataset_batch_targets(const xb_dataset *ds, const size_t *idx, size_t nb, double *x_out,
                             double *target_out);

/* ---------------------------------------------------- networks and rules */

/* A network is L layers: layer l (1..L) holds W_l, n_l x n_{l-1}, row-major,
 * and a bias b_l (kept in digital periphery, never on an array). h_0 = x,
 * a_l = W_l h_{l-1} + b_l, h_l = f(a_l) for l < L, and the output layer is
 * softmax (+ cross-entropy), sigmoid (+ binary cross-entropy) or linear
 * (+ MSE); in all three the output error is e = dLoss/da_L = h_L - y.
 *
 * Backward matrices are numbered by the forward layer they serve: backward
 * matrix l (2..L) delivers the error to h_{l-1}. It is stored in the
 * orientation of a forward matrix (n_src x n_{l-1}) and read transposed:
 *   rbp family:  n_src = n_l, it stands in for W_l^T   (B_l)
 *   srbp family: n_src = n_L, it carries e directly    (D_{l-1} of the
 *                reference, learning-channel.md §1)
 * so for one hidden layer (L = 2) both are n_2 x n_1 and srbp == rbp. */

#define XB_NET_MAX_LAYERS 8

typedef enum {
    XB_ACT_SIGMOID = 0,
    XB_ACT_TANH = 1,
    XB_ACT_RELU = 2,
    XB_ACT_LINEAR = 3
} xb_activation;

typedef enum {
    XB_LOSS_SOFTMAX_CE = 0, /* softmax output, cross-entropy; labels */
    XB_LOSS_MSE = 1,        /* linear output, 0.5 * sum (h_L - y)^2; targets */
    XB_LOSS_SIGMOID_CE = 2  /* sigmoid outputs, summed binary cross-entropy
                               against one-hot labels (Akrout's MLP) */
} xb_loss;

/* What reaches h_{l-1}: delta_{l-1} = f'(a_{l-1}) (.) g(K_l^T s_l), where s_l is
 * delta_l (rbp family) or e (srbp family) and g is the identity unless
 * bwd_nonlinear. learning-channel.md §1 table. */
typedef enum {
    XB_RULE_BP = 0,         /* K_l = W_l (the transpose read of W) */
    XB_RULE_RBP = 1,        /* K_l = B_l fixed random (feedback alignment) */
    XB_RULE_SRBP = 2,       /* K_l = D fixed random, n_L x n_{l-1} (DFA) */
    XB_RULE_ARBP = 3,       /* as rbp, B_l += dW_l every step */
    XB_RULE_ASRBP = 4,      /* as srbp, D += -lr e h_{l-1}^T every step */
    XB_RULE_SIGN = 5,       /* K_l = sign(W_l) (.) |R_l| (sign_magnitude = 1)
                               or b_scale * sign(W_l), recomputed every step */
    XB_RULE_SPARSE_RBP = 6, /* as rbp with a fraction `sparsity` of B zero */
    XB_RULE_DRTP = 7,       /* direct random target projection (Frenkel et al.):
                               as srbp with s = -y, the target instead of e */
    XB_RULE_WM = 8          /* weight mirror (Akrout et al. 2019): as rbp, and
                               after every update B_l learns from noise sent
                               through W_l (wm_* settings, docs/learning.md) */
} xb_rule;

/* Where backward matrices live (learning-channel.md §2.2). With hardware = 0
 * the channel only names the placement; results are the software ones.
 * (XB_NET_ prefix: circuits' sizing model owns XB_CHANNEL_* for its own
 * xb_cost_channel.) */
typedef enum {
    XB_NET_CHANNEL_AUTO = 0,          /* bidirectional for bp, distinct for the srbp
                                     family, twin otherwise */
    XB_NET_CHANNEL_BIDIRECTIONAL = 1, /* the forward array read transposed (bp only) */
    XB_NET_CHANNEL_CONJOINED = 2,     /* own array (bwd device), forward periphery */
    XB_NET_CHANNEL_TWIN = 3,          /* own array, own device and periphery (bwd) */
    XB_NET_CHANNEL_DISTINCT = 4       /* own arrays of another shape (srbp family) */
} xb_channel;

typedef enum {
    XB_INIT_NORMAL = 0, /* N(0, s^2); s = 0 means sqrt(1/(fan_in+fan_out)) (Akrout) */
    XB_INIT_UNIFORM = 1 /* U[-s, s]; s = 0 means sqrt(6/(fan_in+fan_out)) (Glorot) */
} xb_init;

/* Every setting of a network, one flat struct (scenarios/ maps CSV columns
 * onto it). Zero/INIT values are the documented defaults. */
typedef struct {
    int n_layers;                      /* L >= 1 */
    int sizes[XB_NET_MAX_LAYERS + 1];  /* n_0 (inputs) .. n_L (outputs) */
    xb_activation hidden;
    xb_loss loss;
    int bias;          /* 1: layers have biases (init 0) */
    double lr;         /* learning rate; dW = -lr * mean over the batch */
    double decay;      /* weight decay: W <- W - lr*decay*W (adapted K too) */
    int manhattan;     /* 1: batch Manhattan, dW = -lr * sign(sum of gradients) */
    size_t batch_max;  /* largest minibatch passed to a step (workspaces) */
    xb_init init;      /* forward weights */
    double init_scale; /* 0 = the init's default scale */
    /* learning channel */
    xb_rule rule;
    xb_channel channel;
    xb_init b_init;        /* random backward matrices (and R of sign) */
    double b_scale;        /* 0 = the b_init's default scale */
    double sparsity;       /* sparse_rbp: fraction of entries set to zero */
    int sign_magnitude;    /* sign: 1 = sign(W) (.) |R| with R fixed (frSF), 0 =
                              b_scale * sign(W) (uSF), 2 = |R| redrawn every
                              update (brSF) */
    int error_bits;        /* 0 = float; k >= 1: e quantised to k bits on [-1, 1] */
    int bwd_fprime;        /* 1: multiply by f'(a) in the backward pass */
    int bwd_nonlinear;     /* 1: backward neurons apply g = f (symmetry 5) */
    uint64_t seed;         /* master seed: init, feedback, device streams */
    /* hardware: 0 = plain memory and cblas (the software reference) */
    int hardware;
    xb_xbar_config fwd; /* template of every forward array (n_in, n_out, seed,
                           array_id are set by the network) */
    xb_xbar_config bwd; /* template of every backward array (the bwd_ settings) */
    /* spike-based alignment learning of B (SAL, learning-channel.md §1.1),
     * rules rbp and sparse_rbp: after every update, each backward matrix
     * adapts during a phase of sal_steps time steps of stochastic spiking
     * neurons with pair STDP (docs/learning.md) */
    int sal_steps; /* 0 = off */
    double sal_lr; /* eta_SAL: dB = sal_lr * summed pairings / sal_steps */
    int sal_tref;  /* refractory period = PSP length = STDP tau, steps; 0 = 10 */
    int sal_every; /* run the phases after every sal_every-th update; 0 or 1 = every */
    double momentum; /* mu: v <- mu v + (g + decay w), dW = -lr v (W, b, adapted K) */
    /* weight mirror (rule wm, learning-channel.md §1 "Weight mirror"): after
     * every update, wm_steps times, each B_l receives
     *   dB_l = wm_lr * sum_s y_s x_s^T,  x_s = wm_noise (U(0,1) - 0.5) (n_{l-1}),
     *   y_s = f_l(W_l x_s + b_l)  (a real forward read of W_l's array),
     * over wm_batch noise vectors; then, with wm_damping > 0, Akrout's norm
     * control scales B_l so that its transposed read of U(0,1) probes has a
     * mean per-vector standard deviation of wm_damping */
    double wm_lr;      /* eta_m: 0.01 (Akrout) */
    double wm_noise;   /* A: 0.1 (Akrout) */
    size_t wm_batch;   /* noise vectors per mirror step; 0 = the update's batch */
    int wm_steps;      /* mirror steps per update; 0 or 1 = one (Akrout) */
    double wm_damping; /* norm-control target; 0.5 (Akrout), 0 = off */
    /* Moskovitz et al. weight-norm constraint: after every update each W_l is
     * rescaled to the Frobenius norm it had at creation (or at the last
     * xb_net_set_weights); on crossbars as a digital gain on the layer's
     * reads, the array re-programmed to the effective weights only when the
     * gain leaves [0.8, 1.25] (docs/learning.md) */
    int norm_constraint;
} xb_net_config;

#define XB_NET_CONFIG_INIT                                                     \
    {0, {0}, XB_ACT_SIGMOID, XB_LOSS_SOFTMAX_CE, 1, 0.1, 0.0, 0, 128,          \
     XB_INIT_NORMAL, 0.0, XB_RULE_BP, XB_NET_CHANNEL_AUTO, XB_INIT_NORMAL, 0.0,    \
     0.0, 1, 0, 1, 0, 1, 0, XB_XBAR_CONFIG_INIT, XB_XBAR_CONFIG_INIT, 0, 0.04, 10, 1, 0.0, \
     0.01, 0.1, 0, 1, 0.5, 0}

/* Random streams of the weight mirror (core's purposes are append-only and
 * owned by core/; these sit in its extension range): the mirror noise of
 * backward matrix l is (seed, XB_NET_RNG_MIRROR, l), the norm-control probes
 * (seed, XB_NET_RNG_MIRROR_PROBE, l). */
#define XB_NET_RNG_MIRROR ((uint32_t)XB_RNG_USER + 16u)
#define XB_NET_RNG_MIRROR_PROBE ((uint32_t)XB_RNG_USER + 17u)

/* Name lookups for scenario columns. *_find returns XB_ENOTFOUND with a
 * message listing the valid names; *_name never returns NULL. */
int xb_activation_find(const char *name, xb_activation *out);
int xb_loss_find(const char *name, xb_loss *out);
int xb_rule_find(const char *name, xb_rule *out);
int xb_channel_find(const char *name, xb_channel *out);
int xb_init_find(const char *name, xb_init *out);
const char *xb_activation_name(xb_activation a);
const char *xb_loss_name(xb_loss l);
const char *xb_rule_name(xb_rule r);
const char *xb_channel_name(xb_channel c);
const char *xb_init_name(xb_init i);

typedef struct xb_net xb_net;

/* Validates cfg (messages name the field and value), draws the weights and
 * backward matrices, and programs the arrays when cfg->hardware. */
int xb_net_create(xb_net **out, const xb_net_config *cfg);
/* xb_net_create's checks of cfg alone (rules, channels, and with
 * cfg->hardware the arrays' update schemes), without drawing or programming
 * anything: what a scenario check runs before any training. */
int xb_net_config_check(const xb_net_config *cfg);
void xb_net_free(xb_net *net);
/* The validated config, channel resolved (borrowed). */
const xb_net_config *xb_net_config_get(const xb_net *net);

/* One step, GSL style. x is nb x n_0 row-major; labels (classification) or
 * targets (nb x n_L, regression) — the other may be NULL. forward stores the
 * activations; out (nb x n_L, may be NULL) receives h_L. backward computes
 * the output error, the deltas through the learning channel and the
 * gradient estimates; loss_out (may be NULL) gets the mean loss. update
 * applies them (and adapts backward matrices as the rule says). */
int xb_net_forward(xb_net *net, const double *x, size_t nb, double *out);
int xb_net_backward(xb_net *net, const int *labels, const double *targets, double *loss_out);
int xb_net_update(xb_net *net);
/* forward + backward + update. */
int xb_net_train_step(xb_net *net, const double *x, const int *labels, const double *targets,
                      size_t nb, double *loss_out);
/* The same on samples idx[0..nb) of a dataset (the caller shuffles). */
int xb_net_train_indices(xb_net *net, const xb_dataset *d, const size_t *idx, size_t nb,
                         double *loss_out);
/* Mean loss and accuracy over a dataset (forward reads only; acc is NaN for
 * regression). Either output may be NULL. */
int xb_net_evaluate(xb_net *net, const xb_dataset *d, double *loss_out, double *acc_out);
/* Normalised squared error sum ||h_L - y||^2 / sum ||y||^2 over a regression
 * dataset (the teacher tasks' error measure; loss 'mse' only). */
int xb_net_evaluate_nse(xb_net *net, const xb_dataset *d, double *nse_out);

/* Weights of layer l (1..L): w is n_l x n_{l-1}; b is n_l (NULL to skip).
 * On hardware, get reads the devices' noiseless state and set programs them.
 * set keeps the backward matrix that the rule derives from W in step: bp's
 * copy of W on its own array, and sign's sign(W) (.) |R|. */
int xb_net_get_weights(const xb_net *net, int l, double *w, double *b);
int xb_net_set_weights(xb_net *net, int l, const double *w, const double *b);
/* Backward matrix l (2..L), n_src x n_{l-1} (see above). On the bidirectional
 * channel get returns W_l (the array read transposed) and set fails with
 * XB_ENOTFOUND: there is no matrix of its own to set. */
int xb_net_backward_shape(const xb_net *net, int l, int *rows_out, int *cols_out);
int xb_net_get_backward(const xb_net *net, int l, double *k);
int xb_net_set_backward(xb_net *net, int l, const double *k);
/* The gradient estimate of layer l from the last backward (mean over the
 * batch of delta_l h_{l-1}^T; BP's dLoss/dW_l under bp). n_l x n_{l-1}. */
int xb_net_get_gradient(const xb_net *net, int l, double *g);

/* Rule wm: `steps` mirror steps (and the norm control) now, outside an
 * update, each on wm_batch noise vectors (batch_max when wm_batch is 0):
 * Akrout's initial mirroring before training. XB_EINVAL for other rules. */
int xb_net_mirror(xb_net *net, int steps);
/* The periphery's digital gain on the reads of forward matrix l (backward =
 * 0) or backward matrix l (backward = 1): the network computes with gain *
 * (array weights). 1 in software and until a norm constraint or norm
 * control sets it; NaN for a layer out of range. */
double xb_net_read_gain(const xb_net *net, int l, int backward);

/* Arrays of a hardware network (borrowed; NULL in software or when the
 * channel has none), e.g. for xb_xbar_counters_get. */
const xb_xbar *xb_net_forward_xbar(const xb_net *net, int l);
const xb_xbar *xb_net_backward_xbar(const xb_net *net, int l);
/* Every forward array reads as it would t seconds after programming (drift;
 * t = 0: as programmed), for evaluating a trained network at inference time.
 * A software network has no arrays: a no-op. */
int xb_net_set_read_time(xb_net *net, double t);

/* Alignment metrics of layer l, learning-channel.md §3.1. */
typedef struct {
    double angle_deg;       /* angle(K_l, W_l) in degrees (= angle(B, W^T)); for
                               the direct rules below layer L, angle(D, W_L ...
                               W_l), the linearised BP path; NaN for layer 1 */
    double norm_ratio;      /* ||K_l|| / ||W_l|| (or / ||W_L ... W_l||); NaN likewise */
    double delta_angle_deg; /* angle(delta_l rule, delta_l BP) over the batch */
    double dw_angle_deg;    /* angle(dW_l rule, dW_l BP) */
} xb_net_layer_metrics;

/* Metrics for layers 1..L into out[0..L) on one batch, computed in software
 * from the current (noiseless) weights, so they neither read the arrays nor
 * move any stream. Layer 1 and L have no K_l / no delta difference resp. */
int xb_net_metrics(xb_net *net, const double *x, const int *labels, const double *targets,
                   size_t nb, xb_net_layer_metrics *out);

/* Symmetric uniform quantiser of learning-channel.md §1 "Low-bit error":
 * k = 1 is sign(v); k >= 2 rounds to multiples of 1/(2^(k-1) - 1) and clips
 * to [-1, 1]. k = 0 returns v. */
double xb_quantize_error(double v, int k);

/* Checkpoint of everything training moves in a network (matrices in memory
 * or on arrays, biases, momentum, sign magnitudes, SAL state, step counts),
 * appended to c; restore into a network created with the same config, after
 * which the next step gives bit-identical results to the saved network's
 * (learning/checkpoint.c). */
int xb_net_checkpoint_save(const xb_net *net, xb_ckpt *c);
int xb_net_checkpoint_restore(xb_net *net, xb_ckpt *c);

#endif /* XB_LEARNING_H */
