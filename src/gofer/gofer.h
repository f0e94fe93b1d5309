// SPDX-License-Identifier: Apache-2.0
/*
 * Entry point of the gofer, the process that opens the container's root filesystem on the
 * Sentry's behalf. The server itself lives in server.c and ops_*.c.
 */
#pragma once

/*
 * Run `cvisor gofer --root DIR --sock FD [--ro] [--debug] [--log-fd FD]`. @argv[0] is the
 * subcommand name and is ignored. Opens DIR as the root and serves requests on the inherited
 * SOCK_SEQPACKET socket FD until the peer closes it.
 * Returns 0 after a clean shutdown, 2 for a usage error, 1 for any other failure.
 */
int gofer_main(int argc, char **argv);
