// SPDX-License-Identifier: Apache-2.0
/*
 * Guest errno values. x86-64 Linux errnos are identical to the host's <errno.h>, so those are
 * used directly; this adds the kernel-internal restart codes that only the dispatcher turns
 * into EINTR or a restart (never seen by the app).
 */
#pragma once

#include <errno.h>

#define LINUX_ERESTARTSYS 512
#define LINUX_ERESTARTNOINTR 513
#define LINUX_ERESTARTNOHAND 514
#define LINUX_ENOIOCTLCMD 515
#define LINUX_ERESTART_RESTARTBLOCK 516

/* True for the internal codes above (as negative returns). */
static inline int linux_is_restart_code(long ret)
{
    return ret == -LINUX_ERESTARTSYS || ret == -LINUX_ERESTARTNOINTR ||
           ret == -LINUX_ERESTARTNOHAND || ret == -LINUX_ERESTART_RESTARTBLOCK;
}
