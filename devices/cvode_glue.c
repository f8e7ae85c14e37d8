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

/* Times at which v(t) has a corner: the solver restarts there. */
static size_t corners(const xb_device_waveform *w, double t_end, double *out)
{
    size_t m = 0;
    if (w->kind == XB_WAVE_PULSE) {
        double c[4] = {w->delay, w->delay + w->rise, w->delay + w->rise + w->width,
                       w->delay + w->rise + w->width + w->fall};
        for (int i = 0; i < 4; i++) {
            if (c[i] > 0.0 && c[i] < t_end && (m == 0 || c[i] > out[m - 1])) {
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

int xb_device_integrate(const xb_device_type *type, const void *params, size_t stride, size_t n,
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

/* --------------------------------------------------------------- tables */

int xb_device_table_build(const xb_device_type *type, const void *params,
                          const xb_device_ode_settings *settings, xb_device_piecewise_params *out)
{
    XB_ASSERT_ARG(type != NULL && params != NULL && out != NULL);
    enum { NN = XB_DEVICE_PIECEWISE_NODES };
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
    double g[2 * NN], x[2 * NN], scale[2 * NN], g1[2 * NN];
    for (int i = 0; i < NN; i++) {
        g[i] = g[NN + i] = gmin + (gmax - gmin) * i / (NN - 1.0);
        scale[i] = v_up;
        scale[NN + i] = v_down;
    }
    XB_TRY(type->set_conductance(params, 0, 2 * NN, g, x));
    /* where set_conductance moved a node (stick margins), measure from there */
    XB_TRY(type->conductance(params, 0, 2 * NN, x, g));
    XB_TRY(xb_device_integrate(type, params, 0, 2 * NN, x, scale, &w, t_end, 0, NULL, settings, NULL));
    XB_TRY(type->conductance(params, 0, 2 * NN, x, g1));
    memset(out, 0, sizeof *out);
    out->gmin = gmin;
    out->gmax = gmax;
    for (int i = 0; i < NN; i++) {
        out->up[i] = xb_device__clamp((g1[i] - g[i]) / (gmax - gmin), 0.0, 1.0);
        out->down[i] = xb_device__clamp((g[NN + i] - g1[NN + i]) / (gmax - gmin), 0.0, 1.0);
    }
    return xb_device_piecewise->derive(out);
}
