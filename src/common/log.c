// SPDX-License-Identifier: Apache-2.0
/* Implementation of the logging macros of log.h: one formatted line per write(2). */
#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int g_log_level = LOG_LEVEL_WARN;
static int g_log_out_fd = 2;
static const char *g_log_name = "cvisor";

void cv_log_set_fd(int fd)
{
    g_log_out_fd = fd;
}

int cv_log_fd(void)
{
    return g_log_out_fd;
}

void cv_log_set_name(const char *name)
{
    g_log_name = name;
}

static const char level_char[] = {'-', 'E', 'W', 'I', 'D', 'T'};

static void vlog_line(enum log_level level, const char *file, int line, const char *func,
                      const char *fmt, va_list ap)
{
    char buf[2048];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    int n = snprintf(buf, sizeof(buf), "%c %ld.%06ld %s[%ld] %s:%d %s] ", level_char[level],
                     (long)ts.tv_sec, ts.tv_nsec / 1000, g_log_name, (long)syscall(SYS_gettid),
                     base, line, func);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(buf))
        n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
    if ((size_t)n >= sizeof(buf) - 1)
        n = sizeof(buf) - 2;
    buf[n++] = '\n';
    /* One write keeps lines from different threads whole. */
    ssize_t r = write(g_log_out_fd, buf, n);
    (void)r;
}

void cv_log(enum log_level level, const char *file, int line, const char *func, const char *fmt,
            ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog_line(level, file, line, func, fmt, ap);
    va_end(ap);
}

void cv_bug(const char *file, int line, const char *func, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog_line(LOG_LEVEL_ERROR, file, line, func, fmt, ap);
    va_end(ap);
    abort();
}
