// SPDX-License-Identifier: Apache-2.0
/* The runtime's error objects (error.h): formatting, printing and freeing. */
#include "runtime/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

/* Used when the error object itself cannot be allocated. */
static struct cv_error g_oom_error = {ENOMEM, "allocate error message: Cannot allocate memory"};

int cv_error_set(struct cv_error **err, int errnum, const char *fmt, ...)
{
    int ret = errnum > 0 ? -errnum : -EINVAL;
    if (!err)
        return ret;
    cv_error_free(err);

    struct cv_error *e = malloc(sizeof(*e));
    if (!e) {
        *err = &g_oom_error;
        return ret;
    }
    e->errnum = errnum;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof(e->msg) && errnum > 0)
        snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(errnum));
    *err = e;
    return ret;
}

void cv_error_print(const struct cv_error *err)
{
    if (!err)
        return;
    /* One write per line so that concurrent writers do not interleave inside it. */
    char line[CV_ERROR_MSG_MAX + 16];
    int n = snprintf(line, sizeof(line), "cvisor: %s\n", err->msg);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line)) {
        n = sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    ssize_t r = write(STDERR_FILENO, line, n);
    (void)r;
    if (cv_log_fd() != STDERR_FILENO)
        log_error("%s", err->msg);
}

void cv_error_free(struct cv_error **err)
{
    if (!err || !*err)
        return;
    if (*err != &g_oom_error)
        free(*err);
    *err = NULL;
}

int cv_error_exit(struct cv_error **err, int code)
{
    cv_error_print(*err);
    cv_error_free(err);
    return code;
}
