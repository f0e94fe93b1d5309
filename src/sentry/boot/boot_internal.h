// SPDX-License-Identifier: Apache-2.0
/* The Sentry's confinement steps, called by boot_main in this order (docs/security.md). */
#pragma once

/*
 * Leave the host's file system: a mount namespace of our own whose root is an empty,
 * read-only tmpfs (pivot_root), then drop every capability and set no_new_privs. Called while
 * the Sentry is still single-threaded. Returns 0 or -errno.
 */
int sentry_confine(void);

/* The Sentry is its pid namespace's init: give the signals that used to end it handlers that
 * still do. */
void sentry_init_signals(void);

/* Install the host seccomp allow-list of filter.c on every thread. Returns 0 or -errno. */
int sentry_filter_install(void);

/* TEST ONLY: with CVISOR_TEST_FORBIDDEN_SYSCALL=1 in the environment, make a forbidden host
 * call (the filter must kill the Sentry). */
void sentry_filter_test_trigger(void);
