// SPDX-License-Identifier: Apache-2.0
/*
 * devpts: Sentry-internal pseudo-terminals. /dev/ptmx (char 5,2) opens a new master, the
 * slaves are /dev/pts/N (char 136,N) on the "devpts" filesystem; /dev/tty (5,0) opens the
 * caller's controlling terminal. A line discipline (canonical editing, echo, signals) sits
 * between the two ends. The console pump of boot uses the master through the functions below.
 *
 * Locking: everything is protected by the kernel lock; every function requires it held.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct file;
struct fs_type;
struct pty;
struct thread_group;
struct waiter;

/* The "devpts" filesystem type. */
extern const struct fs_type g_devpts_type;

/* Register "devpts" and the terminal character devices (boot). Returns 0 or -errno. */
int devpts_register(void);

/* A new pty pair for the console: the master file and an opened, unlocked slave file in
 * *@master and *@slave (one reference each). Returns 0 or -errno. */
int devpts_console_new(struct file **master, struct file **slave);

/* Make the slave of @slave (a slave file) the controlling terminal of the session of @tg
 * (a session leader) with @tg's process group in the foreground. */
void devpts_set_ctty(struct file *slave, struct thread_group *tg);

/* The device number (major 136, the pty's index as minor) of the terminal @p and its
 * foreground process group (0 if none), for /proc/<pid>/stat's tty_nr and tpgid. */
void devpts_tty_info(const struct pty *p, uint32_t *major, uint32_t *minor, int *fg_pgrp);

/* Master side for the console pump: feed @n input bytes (as a write to the master;
 * returns bytes taken), take up to @n output bytes (returns bytes, 0 if none), set the
 * window size (SIGWINCH to the foreground group on change), and watch output readiness
 * (@w->notify is called when output or room for input may be available). */
size_t devpts_master_input(struct file *master, const void *buf, size_t n);
size_t devpts_master_output(struct file *master, void *buf, size_t n);
void devpts_master_set_winsize(struct file *master, uint16_t rows, uint16_t cols);
void devpts_master_watch(struct file *master, struct waiter *w);
