/* A one-line progress bar with rate and ETA; draws only on a terminal so that
 * logs and CI output stay clean. */
#include "core/core.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct xb_progress {
    FILE *fp;
    int tty;
    char label[64];
    uint64_t total;
    double t0;
    double last_draw;
};

int xb_progress_create(xb_progress **out, FILE *fp, const char *label, uint64_t total)
{
    XB_ASSERT_ARG(out != NULL);
    XB_ASSERT_ARG(fp != NULL);
    xb_progress *p = calloc(1, sizeof *p);
    if (!p) {
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    p->fp = fp;
    p->tty = isatty(fileno(fp));
    snprintf(p->label, sizeof p->label, "%s", label ? label : "");
    p->total = total ? total : 1;
    p->t0 = xb_time_now();
    p->last_draw = -1.0;
    *out = p;
    return XB_OK;
}

static void fmt_secs(char *buf, size_t n, double s)
{
    if (s < 0 || s > 1e7) {
        snprintf(buf, n, "--:--");
    } else if (s >= 3600) {
        snprintf(buf, n, "%d:%02d:%02d", (int)(s / 3600), (int)(s / 60) % 60, (int)s % 60);
    } else {
        snprintf(buf, n, "%02d:%02d", (int)(s / 60), (int)s % 60);
    }
}

void xb_progress_update(xb_progress *p, uint64_t done, const char *note)
{
    if (!p || !p->tty) {
        return;
    }
    double now = xb_time_now();
    if (done < p->total && now - p->last_draw < 0.1) {
        return; /* at most 10 redraws a second */
    }
    p->last_draw = now;
    double frac = (double)done / (double)p->total;
    if (frac > 1.0) {
        frac = 1.0;
    }
    enum { width = 30 };
    char bar[width + 1];
    int filled = (int)(frac * width);
    for (int i = 0; i < width; i++) {
        bar[i] = i < filled ? '#' : '.';
    }
    bar[width] = '\0';
    double el = now - p->t0;
    double eta = frac > 0 ? el * (1.0 - frac) / frac : -1.0;
    char elb[16], etab[16];
    fmt_secs(elb, sizeof elb, el);
    fmt_secs(etab, sizeof etab, eta);
    fprintf(p->fp, "\r\033[K%s [%s] %3d%% %llu/%llu %s<%s %s", p->label, bar, (int)(frac * 100),
            (unsigned long long)done, (unsigned long long)p->total, elb, etab, note ? note : "");
    fflush(p->fp);
}

void xb_progress_finish(xb_progress *p)
{
    if (p && p->tty) {
        fputc('\n', p->fp);
        fflush(p->fp);
    }
}

void xb_progress_free(xb_progress *p) { free(p); }
