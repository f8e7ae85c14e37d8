/* Shared test helpers: CMocka includes in the order it needs, status-aware
 * assertions, and named tolerances (no literal tolerances in test bodies). */
#ifndef XB_TEST_H
#define XB_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"

/* Same operations in the same order: only the last bits may differ. */
#define XB_TOL_EXACT 1e-12
/* Nodal and sparse linear solves against each other or against ngspice. */
#define XB_TOL_SOLVER 1e-6
/* ODE integration against closed forms (the integrator's rtol is tighter). */
#define XB_TOL_ODE 1e-6
/* Central finite differences of a smooth loss in double precision. */
#define XB_TOL_FD 1e-6
/* Sample statistics over 1e5 draws: ~4 standard errors of the mean. */
#define XB_TOL_STAT 0.015

/* 1 if a and b agree to rtol relative or atol absolute. NaN never agrees;
 * an infinity agrees only with the same infinity (GSL gsl_test_rel). */
static inline int xb_close(double a, double b, double rtol, double atol)
{
    if (isnan(a) || isnan(b)) {
        return 0;
    }
    if (isinf(a) || isinf(b)) {
        return a == b;
    }
    double d = fabs(a - b);
    return d <= atol || d <= rtol * fmax(fabs(a), fabs(b));
}

#define xb_assert_close(a, b, rtol, atol)                                      \
    do {                                                                       \
        double xb__a = (a), xb__b = (b);                                       \
        if (!xb_close(xb__a, xb__b, (rtol), (atol))) {                         \
            fail_msg("%s = %.17g vs %s = %.17g (rtol %g, atol %g)", #a, xb__a, \
                     #b, xb__b, (double)(rtol), (double)(atol));               \
        }                                                                      \
    } while (0)

/* Fails with the status text and the last error message (libgit2 cl_git_pass). */
#define xb_assert_ok(expr)                                                     \
    do {                                                                       \
        int xb__rc = (expr);                                                   \
        if (xb__rc < 0) {                                                      \
            fail_msg("%s returned %d (%s): %s", #expr, xb__rc,                 \
                     xb_strerror(xb__rc), xb_last_error());                    \
        }                                                                      \
    } while (0)

/* Asserts an error code and that the message mentions `needle`. */
#define xb_assert_error(expr, code, needle)                                    \
    do {                                                                       \
        xb_error_clear();                                                      \
        int xb__rc = (expr);                                                   \
        if (xb__rc != (code)) {                                                \
            fail_msg("%s returned %d (%s), expected %d: %s", #expr, xb__rc,    \
                     xb_strerror(xb__rc), (int)(code), xb_last_error());       \
        }                                                                      \
        if (strstr(xb_last_error(), (needle)) == NULL) {                       \
            fail_msg("message '%s' does not mention '%s'", xb_last_error(),    \
                     (needle));                                                \
        }                                                                      \
    } while (0)

#endif /* XB_TEST_H */
