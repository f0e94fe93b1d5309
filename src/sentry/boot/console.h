// SPDX-License-Identifier: Apache-2.0
/*
 * The sandbox console: when the Sentry's fd 0 is a host terminal, the app gets the slave of
 * a devpts pair as its terminal (descriptors 0-2 that are terminals on the host, and the
 * controlling terminal of init's session), and a host thread pumps bytes between the host
 * terminal (raw mode) and the master. Without a terminal nothing changes.
 */
#pragma once

#include <stdbool.h>

struct file;

/* Create the pty pair if fd 0 is a terminal (before init starts). Returns true if so. */
bool console_init(void);

/* The file the app gets as descriptor @fd (0-2): a new reference to the slave if the host
 * descriptor is a terminal and there is a console, else NULL (use the host descriptor). */
struct file *console_stdio_file(int fd);

/* Put the host terminal in raw mode and start the pump thread (after init started). */
void console_start(void);

/* Copy the remaining output and restore the host terminal (the sandbox is over). */
void console_finish(void);
