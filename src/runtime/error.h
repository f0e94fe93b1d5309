// SPDX-License-Identifier: Apache-2.0
/*
 * Tier-2 errors of the runtime (STYLE.md 2.2): an error object carrying a crun-style message
 * "verb object: strerror", with paths in backticks, that the command line prints once.
 */
#pragma once

#define CV_ERROR_MSG_MAX 1024

struct cv_error {
    int errnum;                 /* positive errno, 0 when the message says it all */
    char msg[CV_ERROR_MSG_MAX]; /* "verb object: strerror" (no "cvisor: " prefix); truncated */
};

/*
 * Set *@err to a new error whose message is @fmt formatted, followed by ": strerror(@errnum)"
 * when @errnum is not 0. An error already in *@err is replaced. @err may be NULL.
 * Returns -@errnum, or -EINVAL when @errnum is 0, so callers can write
 * `return cv_error_set(err, errno, "open `%s`", path);`.
 */
int cv_error_set(struct cv_error **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print "cvisor: <msg>" on stderr (and to the log fd when it is another descriptor). */
void cv_error_print(const struct cv_error *err);

/* Free *@err (may be NULL) and reset it to NULL. */
void cv_error_free(struct cv_error **err);

/* Print and free *@err. Returns @code, for `return cv_error_exit(&err, RT_EXIT_FAILURE);`. */
int cv_error_exit(struct cv_error **err, int code);
