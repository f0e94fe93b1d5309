// SPDX-License-Identifier: Apache-2.0
/* Entry point of the Sentry process (`cvisor boot`), started by the runtime. */
#pragma once

/*
 * Run `cvisor boot --gofer-fd FD --platform P [--network M] [--strace] [--debug] [--log-fd N]
 * --cwd DIR -- CMD ARGS...`. @argv[0] is the subcommand name ("boot") and is ignored.
 * Returns the process exit code: the app's exit code, or 128+N if it was killed by signal N.
 */
int boot_main(int argc, char **argv);
