// SPDX-License-Identifier: Apache-2.0
/* The six syscall argument registers as the dispatcher hands them to a handler. */
#pragma once

#include <stdint.h>

struct syscall_args {
    uint64_t nr;
    uint64_t a[6];
};
