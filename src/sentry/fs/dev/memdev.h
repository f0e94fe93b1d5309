// SPDX-License-Identifier: Apache-2.0
/* The memory character devices of major 1 (null, zero, full, random, urandom). */
#pragma once

/* Register their file operations with the VFS. Returns 0 or -errno. */
int memdev_register(void);
