/* Status strings and the thread-local last-error message (libgit2 git_error_last). */
#include "core/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_error[1024];

const char *xb_strerror(int status)
{
    switch (status) {
    case XB_OK:
        return "ok";
    case XB_CONTINUE:
        return "not done yet";
#define XB__AS_CASE(name, value, text)                                         \
    case name:                                                                 \
        return text;
        XB_STATUS_LIST(XB__AS_CASE)
#undef XB__AS_CASE
    default:
        return "unknown status";
    }
}

const char *xb_last_error(void) { return last_error; }

void xb_error_clear(void) { last_error[0] = '\0'; }

int xb__error_set(int status, const char *fmt, ...)
{
    if (status == XB_ENOMEM && strcmp(fmt, "out of memory") == 0) {
        /* constant message: reporting OOM must not need memory */
        memcpy(last_error, "out of memory", sizeof "out of memory");
        return status;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return status;
}

int xb__error_prefix(int status, const char *fmt, ...)
{
    char prefix[512];
    char old[sizeof last_error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, last_error, sizeof old);
    /* truncation is acceptable: the message stays one bounded line */
    size_t np = strlen(prefix);
    if (np >= sizeof last_error) {
        np = sizeof last_error - 1;
    }
    memcpy(last_error, prefix, np);
    size_t room = sizeof last_error - 1 - np;
    size_t no = strlen(old);
    if (no > room) {
        no = room;
    }
    memcpy(last_error + np, old, no);
    last_error[np + no] = '\0';
    return status;
}
