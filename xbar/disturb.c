/* xbar: half-select disturbance of a write, through the device model.
 *
 * Rows are written one at a time, the LTP phase (positive counts) then the
 * LTD phase; at pulse step s of a row's phase, column c is selected while
 * s < a_c (its pulses in that phase). The line voltages of the scheme come
 * from circuits' xb_write_bias (fractions of the write voltage: selected row
 * with unselected column f1, unselected row with selected column f2, both
 * unselected f3; V/2: 1/2, 1/2, 0; V/3: 1/3, 1/3, -1/3). Per cell and phase:
 *   e12 = (pmax_r - a_rc) [row r written] + (colp_c - a_rc)   steps at f1 = f2
 *   e3  = (P - pmax_r) - (colp_c - a_rc)                       steps at f3
 * with pmax_r the row's pulses, colp_c the column's total and P = sum_r pmax_r.
 * Each exposure is one write pulse of the model (its v_up or v_down, t_pulse,
 * t_edge) scaled by the fraction, integrated by devices' xb_device_integrate
 * from the device's present state. Pulse-level models have no voltage input
 * and are left alone (NeuroSim and aihwkit change only coincident cells,
 * device-models.md §5.2, §6). Wire IR drop during writes is not included. */
#include "xbar/xbar_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    int32_t e;
    size_t k;
} exposure;

static int by_e_desc(const void *a, const void *b)
{
    const exposure *p = a, *q = b;
    return (p->e < q->e) - (p->e > q->e);
}

static int ensure_buffers(xb_xbar *x, size_t psize)
{
    if (x->dist_state != NULL) {
        return XB_OK;
    }
    x->dist_state = malloc(x->ndev * sizeof *x->dist_state);
    x->dist_sbuf = malloc(x->ndev * sizeof *x->dist_sbuf);
    x->dist_scale = malloc(x->ndev * sizeof *x->dist_scale);
    x->dist_g = malloc(x->ndev * sizeof *x->dist_g);
    x->dist_ord = malloc(x->ndev * sizeof(exposure));
    x->dist_params = malloc(x->ndev * psize);
    x->dist_colp = malloc(2 * x->width * sizeof *x->dist_colp);
    if (x->dist_state == NULL || x->dist_sbuf == NULL || x->dist_scale == NULL ||
        x->dist_g == NULL || x->dist_ord == NULL || x->dist_params == NULL ||
        x->dist_colp == NULL) {
        return xb__error_set(XB_ENOMEM, "out of memory for half-select disturbance of %zu devices",
                             x->ndev);
    }
    return XB_OK;
}

/* Integrates n exposures (sorted by e, descending) at voltage fraction f of
 * each device's write voltage of phase ph: round j moves the devices with
 * more than j exposures, a prefix of the list. */
static int expose(xb_xbar *x, const xb_device_type *type, exposure *ord, size_t n, double f,
                  int ph)
{
    if (n == 0 || f == 0.0) {
        return XB_OK;
    }
    const size_t ps = type->params_size;
    char *pb = x->dist_params;
    for (size_t i = 0; i < n; i++) {
        const void *pk = xb_devices_params(x->dev, ord[i].k);
        memcpy(pb + i * ps, pk, ps);
        double v;
        XB_TRY(xb_device_param_get(type, pk, ph == 0 ? "v_up" : "v_down", &v));
        x->dist_scale[i] = f * v;
        x->dist_sbuf[i] = x->dist_state[ord[i].k];
    }
    xb_device_waveform w;
    double t_end;
    XB_TRY(xb_device_write_pulse(type, pb, &w, &t_end));
    const xb_device_ode_settings set = XB_DEVICE_ODE_SETTINGS_INIT;
    size_t m = n;
    for (int32_t j = 0; j < ord[0].e; j++) {
        while (m > 0 && ord[m - 1].e <= j) {
            m--;
        }
        XB_TRY(xb_device_integrate(type, pb, ps, m, x->dist_sbuf, x->dist_scale, &w, t_end, 0,
                                   NULL, &set, NULL));
    }
    for (size_t i = 0; i < n; i++) {
        x->dist_state[ord[i].k] = x->dist_sbuf[i];
    }
    return XB_OK;
}

int xb_xbar__disturb(xb_xbar *x)
{
    const xb_device_type *type = xb_devices_type(x->dev);
    if (type->rhs == NULL || type->n_state != 1) {
        return XB_OK;
    }
    XB_TRY(ensure_buffers(x, type->params_size));
    const double *G = xb_devices_conductances(x->dev);
    const int pair = x->cfg.mapping == XB_MAP_DIFF_PAIR;
    /* states of every device from their conductances (one state variable) */
    for (size_t k = 0; k < x->ndev; k++) {
        XB_TRY(type->set_conductance(xb_devices_params(x->dev, k), 0, 1, &G[k],
                                     &x->dist_state[k]));
    }
    exposure *ord = x->dist_ord;
    int touched = 0;
    for (int t = 0; t < x->ntiles; t++) {
        const xb__tile *tl = &x->tiles[t];
        const int nr = tl->nr, pc = tl->pcols;
        double *pm = x->hs; /* [2][nr] */
        double *colp = x->dist_colp; /* [2][pc] */
        memset(pm, 0, 2 * (size_t)nr * sizeof *pm);
        memset(colp, 0, 2 * (size_t)pc * sizeof *colp);
        int any = 0;
        for (int c = 0; c < pc; c++) {
            for (int rr = 0; rr < nr; rr++) {
                size_t k = pair ? xb__dev_pair(tl, c / 2, rr, c % 2) : xb__dev_one(tl, c, rr);
                int32_t n = x->npulses[k];
                if (n == 0) {
                    continue;
                }
                int ph = n > 0 ? 0 : 1;
                double a = n > 0 ? (double)n : -(double)n;
                pm[ph * nr + rr] = a > pm[ph * nr + rr] ? a : pm[ph * nr + rr];
                colp[ph * pc + c] += a;
                any = 1;
            }
        }
        if (!any) {
            continue;
        }
        touched = 1;
        for (int ph = 0; ph < 2; ph++) {
            double ptot = 0.0;
            for (int rr = 0; rr < nr; rr++) {
                ptot += pm[ph * nr + rr];
            }
            if (ptot == 0.0) {
                continue;
            }
            for (int pass = 0; pass < 2; pass++) {
                double f = pass == 0 ? x->wfrac[0] : x->wfrac[2];
                if (f == 0.0) {
                    continue;
                }
                size_t n = 0;
                for (int c = 0; c < pc; c++) {
                    for (int rr = 0; rr < nr; rr++) {
                        size_t k =
                            pair ? xb__dev_pair(tl, c / 2, rr, c % 2) : xb__dev_one(tl, c, rr);
                        int32_t np = x->npulses[k];
                        double a = (ph == 0 ? np > 0 : np < 0) ? (np > 0 ? np : -np) : 0.0;
                        double prow = pm[ph * nr + rr], cp = colp[ph * pc + c];
                        double e = pass == 0 ? (prow > 0.0 ? prow - a : 0.0) + (cp - a)
                                             : (ptot - prow) - (cp - a);
                        if (e > 0.0) {
                            ord[n].e = (int32_t)e;
                            ord[n].k = k;
                            n++;
                        }
                    }
                }
                qsort(ord, n, sizeof *ord, by_e_desc);
                XB_TRY(expose(x, type, ord, n, f, ph));
            }
        }
    }
    if (!touched) {
        return XB_OK;
    }
    for (size_t k = 0; k < x->ndev; k++) {
        XB_TRY(type->conductance(xb_devices_params(x->dev, k), 0, 1, &x->dist_state[k],
                                 &x->dist_g[k]));
    }
    XB_TRY(xb_devices_program(x->dev, x->dist_g));
    x->cnt.disturb_writes++;
    return XB_OK;
}
