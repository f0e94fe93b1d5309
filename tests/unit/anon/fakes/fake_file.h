// SPDX-License-Identifier: Apache-2.0
/* Fakes for the anon unit tests: struct file life cycle, waitqueues and an empty fd table. */
#pragma once

#include "sentry/vfs/file.h"

/* Files currently allocated by file_new_anon(). */
int fake_file_live_count(void);
