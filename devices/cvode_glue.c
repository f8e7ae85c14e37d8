/* The only file that includes SUNDIALS headers (STYLE.md §9). n devices are
 * integrated as one N_Vector; devices do not couple, so the Newton matrix is
 * block-diagonal and a band matrix of half-bandwidth n_state - 1 holds it
 * exactly, with SUNDIALS' banded difference-quotient Jacobian costing
 * n_state extra rhs calls however many devices there are.
 * Written against SUNDIALS 6.4.1 (Debian 12); SUNContext_Create's first
 * argument changes type in v7 (deps.md §2). */
#include "devices/devices_internal.h"

#include <arkode/arkode_arkstep.h>
#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_config.h>
#include <sunlinsol/sunlinsol_band.h>
#include <sunmatrix/sunmatrix_band.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if SUNDIALS_VERSION_MAJOR >= 7
#define XB_SUN_COMM_NULL SUN_COMM_NULL
#else
#define XB_SUN_COMM_NULL NULL
#endif

/* ----------------------------------------------------------- waveforms */

double xb_device_waveform_at(const xb_device_waveform *w, double t)
{
    switch (w->kind) {
    case XB_WAVE_SINE:
        return w->amplitude * sin(2.0 * M_PI * w->frequency * t);
    case XB_WAVE_DC:
        return w->amplitude;
    default: {
        double t1 = w->delay, t2 = t1 + w->rise, t3 = t2 + w->width, t4 = t3 + w->fall;
        if (t <= t1 || t >= t4) {
            return 0.0;
        }
        if (t < t2) {
            return w->amplitude * (t - t1) / w->rise;
        }
        if (t <= t3) {
            return w->amplitude;
        }
        return w->amplitude * (t4 - t) / w->fall;
    }
    }
}

int xb_device__check_write(const char *model, double v_read, double v_up, double v_down,
                           double t_pulse, double t_edge)
{
    if (!isfinite(v_read) || v_read == 0.0) {
        return xb__error_set(XB_EINVAL, "%s: v_read (%g V) must be finite and nonzero", model, v_read);
    }
    if (!isfinite(v_up) || !isfinite(v_down) || v_up == 0.0 || v_down == 0.0) {
        return xb__error_set(XB_EINVAL, "%s: v_up (%g V) and v_down (%g V) must be finite and nonzero",
                             model, v_up, v_down);
    }
    if (!(t_pulse > 0.0) || !(t_edge > 0.0) || !isfinite(t_pulse) || !isfinite(t_edge)) {
        return xb__error_set(XB_EINVAL, "%s: t_pulse (%g s) and t_edge (%g s) must be > 0", model,
                             t_pulse, t_edge);
    }
    return 0;
}

int xb_device_write_pulse(const xb_device_type *type, const void *params, xb_device_waveform *w_out,
                          double *t_end_out)
{
    XB_ASSERT_ARG(type != NULL && params != NULL && w_out != NULL && t_end_out != NULL);
    double tp = 0.0, te = 0.0;
    XB_TRY(xb_device_param_get(type, params, "t_pulse", &tp));
    XB_TRY(xb_device_param_get(type, params, "t_edge", &te));
    xb_device_waveform w = {XB_WAVE_PULSE, 1.0, tp, te, te, 0.0, 0.0};
    *w_out = w;
    *t_end_out = tp + 2.0 * te;
    return 0;
}

/* ---------------------------------------------------------- integrator */

typedef struct {
    const xb_device_type *type;
    const void *params;
    size_t stride, n;
    const double *scale;
    const xb_device_waveform *w;
    double *v; /* n applied voltages at the current t */
    int rhs_failed;
} ode_user;

/* SUNDIALS 6 prints its errors to stderr unless given a handler; library code
 * must not print, so the text goes into the error we return instead. */
static _Thread_local char sun_msg[256];

static void err_handler(int code, const char *module, const char *function, char *msg, void *data)
{
    (void)data;
    snprintf(sun_msg, sizeof sun_msg, "%s %s (%d): %s", module, function, code, msg);
}

static int rhs_cb(sunrealtype t, N_Vector y, N_Vector ydot, void *user_data)
{
    ode_user *u = user_data;
    double s = xb_device_waveform_at(u->w, t);
    for (size_t k = 0; k < u->n; k++) {
        u->v[k] = u->scale != NULL ? u->scale[k] * s : s;
    }
    int rc = u->type->rhs(u->params, u->stride, u->n, t, N_VGetArrayPointer(y), u->v,
                          N_VGetArrayPointer(ydot));
    if (rc < 0) {
        u->rhs_failed = 1;
    }
    return rc;
}

/* The model's analytic Jacobian on the band matrix's diagonal (one-state
 * models); the others use SUNDIALS' banded difference quotients. */
static int jac_cb(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *user_data, N_Vector tmp1,
                  N_Vector tmp2, N_Vector tmp3)
{
    (void)fy;
    (void)tmp2;
    (void)tmp3;
    ode_user *u = user_data;
    double s = xb_device_waveform_at(u->w, t);
    for (size_t k = 0; k < u->n; k++) {
        u->v[k] = u->scale != NULL ? u->scale[k] * s : s;
    }
    double *jd = N_VGetArrayPointer(tmp1);
    int rc = u->type->jacobian(u->params, u->stride, u->n, t, N_VGetArrayPointer(y), u->v, jd);
    if (rc < 0) {
        u->rhs_failed = 1;
        return rc;
    }
    SUNMatZero(J);
    for (size_t k = 0; k < u->n; k++) {
        SM_ELEMENT_B(J, (sunindextype)k, (sunindextype)k) = jd[k];
    }
    return 0;
}

/* Times at which v(t) has a corner: the solver restarts there. */
static size_t corners(const xb_device_waveform *w, double t_end, double *out)
{
    size_t m = 0;
    if (w->kind == XB_WAVE_PULSE) {
        double c[4] = {w->delay, w->delay + w->rise, w->delay + w->rise + w->width,
                       w->delay + w->rise + w->width + w->fall};
        /* corners closer than this to another are one corner: a segment of
         * a few ulps is "tout too close to t0" for the integrators */
        double tiny = 1e-9 * t_end;
        for (int i = 0; i < 4; i++) {
            if (c[i] > tiny && c[i] < t_end - tiny && (m == 0 || c[i] > out[m - 1] + tiny)) {
                out[m++] = c[i];
            }
        }
    }
    out[m++] = t_end;
    return m;
}

/* Segment redos with a capped step after a state-range failure. */
#define RANGE_RETRIES 4

static int flag_error(const char *what, int flag, int arkode)
{
    char *name = arkode ? ARKStepGetReturnFlagName(flag) : CVodeGetReturnFlagName(flag);
    int rc = xb__error_set(flag == -1 || flag == -3 || flag == -4 ? XB_ENOCONV : XB_EEXTERNAL,
                           "%s: %s returned %s (%d): %s", what, arkode ? "ARKStepEvolve" : "CVode",
                           name != NULL ? name : "?", flag, sun_msg);
    free(name); /* "The user is responsible for freeing" (STYLE.md §9) */
    return rc;
}

static int integrate_vector(const xb_device_type *type, const void *params, size_t stride, size_t n,
                            double *state, const double *scale, const xb_device_waveform *w,
                            double t_end, size_t n_samples, double *samples_out,
                            const xb_device_ode_settings *settings, xb_device_ode_stats *stats_out)
{
    XB_ASSERT_ARG(type != NULL && params != NULL && state != NULL && w != NULL);
    XB_ASSERT_ARG(n_samples == 0 || samples_out != NULL);
    if (type->rhs == NULL) {
        return xb__error_set(XB_EINVAL, "model '%s' has no state equation", type->name);
    }
    if (n == 0 || !(t_end > 0.0) || !isfinite(t_end)) {
        return xb__error_set(XB_EINVAL, "integrate: n (%zu) must be > 0 and t_end (%g s) > 0", n, t_end);
    }
    xb_device_ode_settings def = XB_DEVICE_ODE_SETTINGS_INIT;
    const xb_device_ode_settings *s = settings != NULL ? settings : &def;
    if (!(s->rtol > 0.0) || !(s->atol > 0.0) || s->max_steps <= 0 || !(s->max_step >= 0.0)) {
        return xb__error_set(XB_EINVAL, "ode settings: rtol (%g), atol (%g), max_steps (%ld) must be > 0",
                             s->rtol, s->atol, s->max_steps);
    }
    if (w->kind == XB_WAVE_PULSE && (!(w->rise > 0.0) || !(w->fall > 0.0) || !(w->width >= 0.0) ||
                                     !(w->delay >= 0.0))) {
        return xb__error_set(XB_EINVAL, "pulse waveform: rise (%g s) and fall (%g s) must be > 0", w->rise,
                             w->fall);
    }
    int arkode = s->method == XB_ODE_ARKODE;
    int use_jac = type->jacobian != NULL && type->n_state == 1;
    size_t ns = (size_t)type->n_state;
    sunindextype len = (sunindextype)(n * ns);
    sunindextype bw = (sunindextype)(ns - 1);

    int rc = 0;
    SUNContext ctx = NULL;
    N_Vector y = NULL;
    SUNMatrix A = NULL;
    SUNLinearSolver LS = NULL;
    void *mem = NULL;
    ode_user u = {type, params, stride, n, scale, w, malloc(n * sizeof(double)), 0};
    xb_device_ode_stats st = {0, 0, 0, 0, 0, 0};
    double *y0 = malloc((size_t)len * sizeof *y0);
    if (u.v == NULL || y0 == NULL) {
        free(u.v);
        free(y0);
        return xb__error_set(XB_ENOMEM, "out of memory for %zu devices", n);
    }
    if (SUNContext_Create(XB_SUN_COMM_NULL, &ctx) != 0 || (y = N_VNew_Serial(len, ctx)) == NULL ||
        (A = SUNBandMatrix(len, bw, bw, ctx)) == NULL || (LS = SUNLinSol_Band(y, A, ctx)) == NULL) {
        rc = xb__error_set(XB_EEXTERNAL, "SUNDIALS: cannot allocate a vector of %ld states", (long)len);
        goto out;
    }
    memcpy(N_VGetArrayPointer(y), state, (size_t)len * sizeof(double));
    sun_msg[0] = '\0';
    int flag;
    if (arkode) {
        mem = ARKStepCreate(NULL, rhs_cb, 0.0, y, ctx);
        flag = mem == NULL ? -1 : 0;
        if (!flag) flag = ARKStepSetErrHandlerFn(mem, err_handler, NULL);
        if (!flag) flag = ARKStepSStolerances(mem, s->rtol, s->atol);
        if (!flag) flag = ARKStepSetUserData(mem, &u);
        if (!flag) flag = ARKStepSetLinearSolver(mem, LS, A);
        if (!flag) flag = ARKStepSetMaxNumSteps(mem, s->max_steps);
        if (!flag && use_jac) flag = ARKStepSetJacFn(mem, jac_cb);
        if (!flag && s->max_step > 0.0) flag = ARKStepSetMaxStep(mem, s->max_step);
    } else {
        mem = CVodeCreate(CV_BDF, ctx);
        flag = mem == NULL ? -1 : 0;
        if (!flag) flag = CVodeInit(mem, rhs_cb, 0.0, y);
        if (!flag) flag = CVodeSetErrHandlerFn(mem, err_handler, NULL);
        if (!flag) flag = CVodeSStolerances(mem, s->rtol, s->atol);
        if (!flag) flag = CVodeSetUserData(mem, &u);
        if (!flag) flag = CVodeSetLinearSolver(mem, LS, A);
        if (!flag) flag = CVodeSetMaxNumSteps(mem, s->max_steps);
        if (!flag && use_jac) flag = CVodeSetJacFn(mem, jac_cb);
        if (!flag && s->max_step > 0.0) flag = CVodeSetMaxStep(mem, s->max_step);
    }
    if (flag != 0) {
        rc = xb__error_set(XB_EEXTERNAL, "SUNDIALS setup failed (flag %d)", flag);
        goto out;
    }

    double cts[8];
    size_t nc = corners(w, t_end, cts);
    double t = 0.0;
    size_t next_sample = 0;
    for (size_t c = 0; c < nc; c++) {
        double seg_end = cts[c], seg_t0 = t;
        size_t seg_sample0 = next_sample;
        memcpy(y0, N_VGetArrayPointer(y), (size_t)len * sizeof(double));
        for (int attempt = 0;; attempt++) {
            /* restart at each corner: the solution's derivative jumps there */
            flag = arkode ? ARKStepReInit(mem, rhs_cb, NULL, t, y) : CVodeReInit(mem, t, y);
            if (!flag) flag = arkode ? ARKStepSetStopTime(mem, seg_end) : CVodeSetStopTime(mem, seg_end);
            if (flag != 0) {
                rc = xb__error_set(XB_EEXTERNAL, "SUNDIALS restart at t = %g s failed (flag %d)", t, flag);
                goto out;
            }
            st.restarts++;
            flag = 0;
            for (;;) {
                double target = seg_end;
                int is_sample = 0;
                if (next_sample < n_samples) {
                    double ts = t_end * (double)(next_sample + 1) / (double)n_samples;
                    if (ts <= seg_end) {
                        target = ts;
                        is_sample = 1;
                    }
                }
                sunrealtype tret = t;
                if (target > t) {
                    flag = arkode ? ARKStepEvolve(mem, target, y, &tret, ARK_NORMAL)
                                  : CVode(mem, target, y, &tret, CV_NORMAL);
                    if (flag < 0) {
                        break;
                    }
                    t = tret;
                }
                if (is_sample) {
                    double *dst = samples_out + next_sample * (size_t)len;
                    memcpy(dst, N_VGetArrayPointer(y), (size_t)len * sizeof(double));
                    for (sunindextype i = 0; i < len; i++) {
                        dst[i] = xb_device__clamp(dst[i], 0.0, 1.0);
                    }
                    next_sample++;
                }
                if (!is_sample || target >= seg_end) {
                    break;
                }
            }
            if (flag >= 0) {
                break;
            }
            /* An accepted step that left the state's range makes the next
             * rhs call fail where no solver can back off (ARKODE's first
             * stage): redo the segment with a capped step. */
            int range_fail = flag == ARK_UNREC_RHSFUNC_ERR || flag == ARK_REPTD_RHSFUNC_ERR ||
                             flag == ARK_FIRST_RHSFUNC_ERR || flag == CV_UNREC_RHSFUNC_ERR ||
                             flag == CV_REPTD_RHSFUNC_ERR || flag == CV_FIRST_RHSFUNC_ERR;
            if (u.rhs_failed || !range_fail || attempt >= RANGE_RETRIES) {
                rc = u.rhs_failed ? xb__error_prefix(XB_EINTERNAL, "model '%s' rhs: ", type->name)
                                  : flag_error(type->name, flag, arkode);
                goto out;
            }
            double hmax = (seg_end - seg_t0) / (64.0 * pow(8.0, attempt));
            if (s->max_step > 0.0) {
                hmax = fmin(hmax, s->max_step);
            }
            flag = arkode ? ARKStepSetMaxStep(mem, hmax) : CVodeSetMaxStep(mem, hmax);
            memcpy(N_VGetArrayPointer(y), y0, (size_t)len * sizeof(double));
            t = seg_t0;
            next_sample = seg_sample0;
            st.range_retries++;
        }
        if (st.range_retries > 0) { /* back to the caller's step limit */
            flag = arkode ? ARKStepSetMaxStep(mem, s->max_step) : CVodeSetMaxStep(mem, s->max_step);
        }
        long nst = 0, nfe = 0, netf = 0, nncf = 0, nfi = 0;
        if (arkode) {
            ARKStepGetNumSteps(mem, &nst);
            ARKStepGetNumRhsEvals(mem, &nfe, &nfi);
            ARKStepGetNumErrTestFails(mem, &netf);
            ARKStepGetNumNonlinSolvConvFails(mem, &nncf);
            nfe += nfi;
        } else {
            CVodeGetNumSteps(mem, &nst);
            CVodeGetNumRhsEvals(mem, &nfe);
            CVodeGetNumErrTestFails(mem, &netf);
            CVodeGetNumNonlinSolvConvFails(mem, &nncf);
        }
        st.steps += nst;
        st.rhs_evals += nfe;
        st.error_test_fails += netf;
        st.nonlin_conv_fails += nncf;
        t = seg_end;
    }
    {
        const double *yy = N_VGetArrayPointer(y);
        for (sunindextype i = 0; i < len; i++) {
            state[i] = xb_device__clamp(yy[i], 0.0, 1.0);
        }
    }
    if (stats_out != NULL) {
        *stats_out = st;
    }
out:
    if (mem != NULL) {
        if (arkode) {
            ARKStepFree(&mem);
        } else {
            CVodeFree(&mem);
        }
    }
    if (LS != NULL) {
        SUNLinSolFree(LS);
    }
    if (A != NULL) {
        SUNMatDestroy(A);
    }
    if (y != NULL) {
        N_VDestroy(y);
    }
    if (ctx != NULL) {
        SUNContext_Free(&ctx);
    }
    free(u.v);
    free(y0);
    return rc;
}

/* Devices never couple, but one vector takes the steps its hardest device
 * needs, so vectors of `chunk` devices cost the sum over chunks instead of n
 * times the worst (a VTEAM pulse table of 2048 devices: 5.0 s as one vector,
 * 0.25 s in chunks of 8, 0.68 s one by one). */
int xb_device_integrate(const xb_device_type *type, const void *params, size_t stride, size_t n,
                        double *state, const double *scale, const xb_device_waveform *w,
                        double t_end, size_t n_samples, double *samples_out,
                        const xb_device_ode_settings *settings, xb_device_ode_stats *stats_out)
{
    xb_device_ode_settings def = XB_DEVICE_ODE_SETTINGS_INIT;
    const xb_device_ode_settings *s = settings != NULL ? settings : &def;
    size_t chunk = s->chunk == 0 || n_samples > 0 ? n : s->chunk;
    xb_device_ode_stats total = {0, 0, 0, 0, 0, 0}, st = {0, 0, 0, 0, 0, 0};
    size_t ns = type != NULL && type->n_state > 0 ? (size_t)type->n_state : 1;
    for (size_t k0 = 0; k0 < n || k0 == 0; k0 += chunk) {
        size_t m = n - k0 < chunk ? n - k0 : chunk;
        XB_TRY(integrate_vector(type, params != NULL ? (const char *)params + k0 * stride : NULL, stride,
                                m, state != NULL ? state + k0 * ns : NULL,
                                scale != NULL ? scale + k0 : NULL, w, t_end, n_samples, samples_out, s, &st));
        total.steps += st.steps;
        total.rhs_evals += st.rhs_evals;
        total.error_test_fails += st.error_test_fails;
        total.nonlin_conv_fails += st.nonlin_conv_fails;
        total.restarts += st.restarts;
        total.range_retries += st.range_retries;
        if (n == 0) {
            break;
        }
    }
    if (stats_out != NULL) {
        *stats_out = total;
    }
    return 0;
}

/* --------------------------------------------------------------- tables */

/* A table node whose pulse lands this close to a bound (in the table's
 * coordinate) counts as saturated. */
#define TABLE_SATURATED 1e-3

void xb_device__table_free(xb_device__table *t)
{
    if (t != NULL) {
        free(t->up);
        free(t->down);
        t->up = t->down = NULL;
    }
}

static double table_interp(const xb_device__table *t, const double *node, double x)
{
    double s = xb_device__clamp(x, 0.0, 1.0) * (t->n - 1);
    int i = (int)s;
    if (i >= t->n - 1) {
        return node[t->n - 1];
    }
    /* linear: at 1024 nodes its error (h^2/8 of the step's curvature) is far
     * below the integrator's, and pow() per pulse tripled the table's cost */
    double f = s - i, a = node[i], b = node[i + 1];
    return a + f * (b - a);
}

double xb_device__table_move(const xb_device__table *t, double x, int32_t n)
{
    if (n > 0) {
        for (int32_t i = 0; i < n; i++) {
            x = xb_device__clamp(x + table_interp(t, t->up, x), 0.0, 1.0);
        }
    } else {
        for (int32_t i = 0; i < -n; i++) {
            x = xb_device__clamp(x - table_interp(t, t->down, x), 0.0, 1.0);
        }
    }
    return x;
}

/* pulses counted for p_full: to 99.9 % of the range, at most this many */
#define TABLE_FULL_FRACTION 0.999
#define TABLE_FULL_MAX 10000000L

int xb_device__table_build(const xb_device_type *type, const void *params,
                           const xb_device_ode_settings *settings, int nn, xb_device__table *t)
{
    XB_ASSERT_ARG(type != NULL && params != NULL && t != NULL && nn >= 2);
    memset(t, 0, sizeof *t);
    if (type->rhs == NULL || type->n_state != 1) {
        return xb__error_set(XB_EINVAL, "model '%s': pulse tables need a one-state state equation",
                             type->name);
    }
    xb_device_waveform w;
    double t_end = 0.0, v_up = 0.0, v_down = 0.0;
    XB_TRY(xb_device_write_pulse(type, params, &w, &t_end));
    XB_TRY(xb_device_param_get(type, params, "v_up", &v_up));
    XB_TRY(xb_device_param_get(type, params, "v_down", &v_down));
    double gmin, gmax;
    type->bounds(params, &gmin, &gmax);
    /* which way is "up" in state: the direction in which G grows */
    double g_lo, g_hi, s_lo = 0.0, s_hi = 1.0;
    XB_TRY(type->conductance(params, 0, 1, &s_lo, &g_lo));
    XB_TRY(type->conductance(params, 0, 1, &s_hi, &g_hi));
    double sgn = g_hi >= g_lo ? 1.0 : -1.0;
    /* nodes even in ln G where G > 0: G = 1/R(s) crowds most of the state
     * into the bottom of the G range, where G-spaced nodes were far too coarse */
    int logg = gmin > 0.0;
    double lr = logg ? log(gmax / gmin) : 1.0;
    size_t n2 = 2 * (size_t)nn;
    double *buf = malloc(6 * n2 * sizeof *buf);
    t->up = malloc((size_t)nn * sizeof *t->up);
    t->down = malloc((size_t)nn * sizeof *t->down);
    if (buf == NULL || t->up == NULL || t->down == NULL) {
        free(buf);
        xb_device__table_free(t);
        return xb__error_set(XB_ENOMEM, "out of memory for a %d-node pulse table", nn);
    }
    double *c0 = buf, *g = buf + n2, *x = buf + 2 * n2, *scale = buf + 3 * n2, *g1 = buf + 4 * n2,
           *dx = buf + 5 * n2;
    for (int i = 0; i < nn; i++) {
        c0[i] = i / (nn - 1.0);
        scale[i] = v_up;
        scale[nn + i] = v_down;
        if (logg) {
            g[i] = g[nn + i] = gmin * exp(lr * c0[i]);
        } else {
            x[i] = x[nn + i] = sgn > 0 ? c0[i] : 1.0 - c0[i];
        }
    }
    int rc = 0;
    if (logg && (rc = type->set_conductance(params, 0, n2, g, x)) < 0) {
        goto out;
    }
    if ((rc = type->conductance(params, 0, n2, x, g)) < 0 || /* where each node really starts */
        (rc = xb_device_integrate(type, params, 0, n2, x, scale, &w, t_end, 0, NULL, settings, NULL)) < 0 ||
        (rc = type->conductance(params, 0, n2, x, g1)) < 0) {
        goto out;
    }
    double *du = dx, *dd = dx + nn;
    for (int i = 0; i < nn; i++) {
        if (logg) {
            du[i] = log(g1[i] / g[i]) / lr;
            dd[i] = log(g[nn + i] / g1[nn + i]) / lr;
        } else {
            du[i] = (g1[i] - g[i]) / (gmax - gmin);
            dd[i] = (g[nn + i] - g1[nn + i]) / (gmax - gmin);
        }
    }
    /* A node whose pulse ends at the bound says only "the step is at least
     * the distance left". Replace it by the step continued from the nearest
     * unsaturated nodes: the move clamps at the bound anyway, so the table
     * then gives min(step, distance) with the kink where it belongs. */
    for (int i = 1; i < nn; i++) {
        if (c0[i] + du[i] < 1.0 - TABLE_SATURATED) {
            continue;
        }
        int j = i - 1;
        while (j >= 0 && c0[j] + du[j] >= 1.0 - TABLE_SATURATED) {
            j--;
        }
        if (j >= 1 && du[j] > 0.0 && du[j - 1] > 0.0) {
            du[i] = du[j] * pow(du[j] / du[j - 1], i - j);
        } else if (j >= 0) {
            du[i] = fmax(du[j], du[i]);
        }
    }
    for (int i = nn - 2; i >= 0; i--) {
        if (c0[i] - dd[i] > TABLE_SATURATED) {
            continue;
        }
        int j = i + 1;
        while (j < nn && c0[j] - dd[j] <= TABLE_SATURATED) {
            j++;
        }
        if (j <= nn - 2 && dd[j] > 0.0 && dd[j + 1] > 0.0) {
            dd[i] = dd[j] * pow(dd[j] / dd[j + 1], j - i);
        } else if (j < nn) {
            dd[i] = fmax(dd[j], dd[i]);
        }
    }
    t->n = nn;
    t->coord = logg ? XB_TABLE_LOG_G : XB_TABLE_STATE;
    t->state_sign = sgn;
    t->gmin = gmin;
    t->gmax = gmax;
    for (int i = 0; i < nn; i++) {
        t->up[i] = xb_device__clamp(du[i], 0.0, 1.0);
        t->down[i] = xb_device__clamp(dd[i], 0.0, 1.0);
    }
    double c = 0.0;
    long p = 0;
    while (c < TABLE_FULL_FRACTION && p < TABLE_FULL_MAX) {
        double c1 = xb_device__table_move(t, c, 1);
        p++;
        if (!(c1 > c)) {
            p = TABLE_FULL_MAX; /* stuck: the pulse cannot sweep the range */
        }
        c = c1;
    }
    t->p_full = (double)p;
out:
    free(buf);
    if (rc < 0) {
        xb_device__table_free(t);
    }
    return rc;
}

int xb_device_table_build(const xb_device_type *type, const void *params,
                          const xb_device_ode_settings *settings, xb_device_piecewise_params *out)
{
    XB_ASSERT_ARG(out != NULL);
    xb_device__table t;
    XB_TRY(xb_device__table_build(type, params, settings, XB_DEVICE_PIECEWISE_NODES, &t));
    memset(out, 0, sizeof *out);
    out->gmin = t.gmin;
    out->gmax = t.gmax;
    memcpy(out->up, t.up, sizeof out->up);
    memcpy(out->down, t.down, sizeof out->down);
    out->table_coord = t.coord;
    out->state_sign = t.state_sign;
    xb_device__table_free(&t);
    return xb_device_piecewise->derive(out);
}
