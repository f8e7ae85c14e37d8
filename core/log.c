/* Logging: silent until the application sets a sink. */
#include "core/core.h"

#include <stdarg.h>

static FILE *log_sink;
static xb_log_level log_level = XB_LOG_WARN;

void xb_log_set_sink(FILE *fp) { log_sink = fp; }

void xb_log_set_level(xb_log_level level) { log_level = level; }

void xb_log(xb_log_level level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    if (!log_sink || level > log_level) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    fprintf(log_sink, "xbarsim: %s: ", names[level]);
    vfprintf(log_sink, fmt, ap);
    fputc('\n', log_sink);
    va_end(ap);
    fflush(log_sink);
}
