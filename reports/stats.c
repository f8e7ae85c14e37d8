/* Replicate statistics: mean, std, Student-t confidence intervals, and the
 * number formatting that follows the spread. */
#include "reports/reports.h"

#include <math.h>
#include <stdio.h>

/* Continued fraction of the regularised incomplete beta function, evaluated
 * with the modified Lentz method; converges fast for x < (a + 1)/(a + b + 2). */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (fabs(d) < tiny) {
        d = tiny;
    }
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 500; m++) {
        double m2 = 2.0 * m;
        double num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        for (int pass = 0; pass < 2; pass++) {
            d = 1.0 + num * d;
            c = 1.0 + num / c;
            if (fabs(d) < tiny) {
                d = tiny;
            }
            if (fabs(c) < tiny) {
                c = tiny;
            }
            d = 1.0 / d;
            h *= d * c;
            num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        }
        if (fabs(d * c - 1.0) < 1e-15) {
            break;
        }
    }
    return h;
}

static double beta_inc(double a, double b, double x)
{
    if (x <= 0.0) {
        return 0.0;
    }
    if (x >= 1.0) {
        return 1.0;
    }
    double lfront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    if (x < (a + 1.0) / (a + b + 2.0)) {
        return exp(lfront) * beta_cf(a, b, x) / a;
    }
    return 1.0 - exp(lfront) * beta_cf(b, a, 1.0 - x) / b;
}

/* CDF of Student's t for t >= 0. */
static double t_cdf_pos(double t, double df)
{
    return 1.0 - 0.5 * beta_inc(0.5 * df, 0.5, df / (df + t * t));
}

int xb_student_t_quantile(double *out, double p, double df)
{
    XB_ASSERT_ARG(out != NULL);
    if (!(p > 0.0 && p < 1.0)) {
        return xb__error_set(XB_EINVAL, "probability (%g) must be in (0, 1)", p);
    }
    if (!(df > 0.0) || isinf(df)) {
        return xb__error_set(XB_EINVAL, "degrees of freedom (%g) must be finite and > 0", df);
    }
    double q = p < 0.5 ? 1.0 - p : p;
    double lo = 0.0, hi = 1.0;
    while (t_cdf_pos(hi, df) < q && hi < 1e300) {
        lo = hi;
        hi *= 2.0;
    }
    for (int i = 0; i < 200 && hi - lo > 1e-14 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (t_cdf_pos(mid, df) < q) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    double t = 0.5 * (lo + hi);
    *out = p < 0.5 ? -t : t;
    return XB_OK;
}

int xb_summary_compute(xb_summary *out, const double *x, size_t n)
{
    XB_ASSERT_ARG(out != NULL);
    XB_ASSERT_ARG(x != NULL || n == 0);
    out->n = n;
    out->mean = out->std = out->ci95 = NAN;
    if (n == 0) {
        return XB_OK;
    }
    /* two passes: the deviations are small next to the mean for accuracies */
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        s += x[i];
    }
    out->mean = s / (double)n;
    if (n == 1) {
        out->std = 0.0;
        return XB_OK;
    }
    double ss = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - out->mean;
        ss += d * d;
    }
    out->std = sqrt(ss / (double)(n - 1));
    double t;
    XB_TRY(xb_student_t_quantile(&t, 0.975, (double)(n - 1)));
    out->ci95 = t * out->std / sqrt((double)n);
    return XB_OK;
}

int xb_format_decimals(double mean, double std)
{
    if (isfinite(std) && std > 0.0) {
        /* two significant digits of the spread */
        int d = 1 - (int)floor(log10(std));
        double scale = pow(10.0, d);
        if (round(std * scale) >= 100.0) { /* 0.0996 rounds up to 0.10 */
            d -= 1;
        }
        return d;
    }
    if (!isfinite(mean) || mean == 0.0) {
        return 0;
    }
    return 3 - (int)floor(log10(fabs(mean)));
}

static int fmt_fixed(char *buf, size_t len, double v, int d)
{
    if (!isfinite(v)) {
        return snprintf(buf, len, "%s", isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
    }
    if (d >= 0) {
        return snprintf(buf, len, "%.*f", d, v);
    }
    double unit = pow(10.0, -d);
    return snprintf(buf, len, "%.0f", round(v / unit) * unit);
}

int xb_format_exponent(double mean, double std)
{
    double ref = isfinite(mean) && mean != 0.0 ? fabs(mean) : (isfinite(std) ? std : 0.0);
    if (ref == 0.0 || (ref >= 1e-3 && ref < 1e5)) {
        return 0;
    }
    return (int)floor(log10(ref));
}

int xb_format_mean_std(char *buf, size_t len, double mean, double std, int latex)
{
    /* outside [1e-3, 1e5) both numbers share one power of ten: (6.60 ± 0.30)e-4 */
    int k = xb_format_exponent(mean, std);
    double scale = pow(10.0, -k);
    double m_s = mean * scale, s_s = std * scale;
    int d = xb_format_decimals(m_s, s_s);
    char m[64], s[64], e[16] = "";
    fmt_fixed(m, sizeof m, m_s, d);
    if (k != 0) {
        snprintf(e, sizeof e, "e%d", k);
    }
    if (!(isfinite(std) && std > 0.0)) {
        return latex ? snprintf(buf, len, "\\num{%s%s}", m, e) : snprintf(buf, len, "%s%s", m, e);
    }
    fmt_fixed(s, sizeof s, s_s, d);
    if (latex) {
        return snprintf(buf, len, "\\num{%s \\pm %s%s%s}", m, s, k ? " " : "", e);
    }
    return k ? snprintf(buf, len, "(%s ± %s)%s", m, s, e) : snprintf(buf, len, "%s ± %s", m, s);
}
