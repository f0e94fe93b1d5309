// SPDX-License-Identifier: Apache-2.0
/*
 * Logging for every cvisor component. Messages go to the log fd chosen at start-up
 * (--log-fd, stderr by default), never to a guest-visible descriptor. The level is checked
 * before the arguments are evaluated.
 */
#pragma once

#include <stdarg.h>

enum log_level {
    LOG_LEVEL_NONE = 0,
    LOG_LEVEL_ERROR,
    LOG_LEVEL_WARN,
    LOG_LEVEL_INFO,
    LOG_LEVEL_DEBUG,
    LOG_LEVEL_TRACE,
};

extern int g_log_level; /* Written once at start-up, read everywhere. */

/* Direct log output to @fd (not closed by the logger). */
void cv_log_set_fd(int fd);
/* Returns the fd log lines are written to. */
int cv_log_fd(void);
/* Prefix every line with @name (e.g. "sentry", "gofer"); @name must outlive the process. */
void cv_log_set_name(const char *name);

void cv_log(enum log_level level, const char *file, int line, const char *func, const char *fmt,
            ...) __attribute__((format(printf, 5, 6)));

#define CV_LOG(lvl, ...)                                                                          \
    do {                                                                                           \
        if (g_log_level >= (lvl))                                                                  \
            cv_log((lvl), __FILE__, __LINE__, __func__, __VA_ARGS__);                              \
    } while (0)

#define log_error(...) CV_LOG(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) CV_LOG(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) CV_LOG(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) CV_LOG(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_trace(...) CV_LOG(LOG_LEVEL_TRACE, __VA_ARGS__)

/* Log and abort: an invariant of cvisor itself is broken. Fails closed. */
_Noreturn void cv_bug(const char *file, int line, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define CV_BUG(...) cv_bug(__FILE__, __LINE__, __func__, __VA_ARGS__)
#define CV_BUG_ON(cond)                                                                            \
    do {                                                                                           \
        if (__builtin_expect(!!(cond), 0))                                                         \
            cv_bug(__FILE__, __LINE__, __func__, "%s", #cond);                                     \
    } while (0)
