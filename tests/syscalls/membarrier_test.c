// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for membarrier: QUERY, the barrier commands it offers, the registration
 * rule of PRIVATE_EXPEDITED (EPERM before REGISTER_PRIVATE_EXPEDITED), GET_REGISTRATIONS,
 * execve dropping the registrations (a new address space), and EINVAL for flags and unknown
 * commands. Whatever QUERY leaves out must be EINVAL. */
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include "tests/syscalls/harness.h"

static long membarrier(int cmd, unsigned flags)
{
    return syscall(SYS_membarrier, cmd, flags, 0);
}

static const int tested[] = {MEMBARRIER_CMD_GLOBAL, MEMBARRIER_CMD_GLOBAL_EXPEDITED,
                             MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED,
                             MEMBARRIER_CMD_PRIVATE_EXPEDITED,
                             MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED};
#define CMD_GET_REGISTRATIONS (1 << 9)

TEST(query)
{
    long mask = membarrier(MEMBARRIER_CMD_QUERY, 0);
    CHECK(mask);
    harness_diag("membarrier QUERY: 0x%lx", mask);
    for (size_t i = 0; i < sizeof(tested) / sizeof(tested[0]); i++) {
        if (!(mask & tested[i]))
            FAIL("QUERY lacks 0x%x", tested[i]);
    }
    EXPECT_ERRNO(membarrier(MEMBARRIER_CMD_QUERY, 1), EINVAL);
    EXPECT_ERRNO(membarrier(1 << 20, 0), EINVAL);
    EXPECT_ERRNO(membarrier(MEMBARRIER_CMD_GLOBAL, 1), EINVAL);
    /* Commands QUERY leaves out are EINVAL. */
    for (int b = 0; b < 10; b++) {
        if (!(mask & (1 << b)) && membarrier(1 << b, 0) != -1)
            FAIL("command 0x%x is not in QUERY but did not fail", 1 << b);
    }
}

TEST(barriers)
{
    EXPECT_OK(membarrier(MEMBARRIER_CMD_GLOBAL, 0));
    EXPECT_OK(membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0));
}

TEST(private_expedited_registration)
{
    /* In a fresh process: registrations live as long as the address space. */
    fflush(stdout);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        /* A forked copy inherits the parent's registrations; this test's parent has none. */
        if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) != -1 || errno != EPERM)
            _exit(1);
        if (membarrier(CMD_GET_REGISTRATIONS, 0) != 0)
            _exit(2);
        if (membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0) != 0)
            _exit(3);
        if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) != 0)
            _exit(4);
        if (!(membarrier(CMD_GET_REGISTRATIONS, 0) & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED))
            _exit(5);
        /* execve: a new address space, registered for nothing. */
        fflush(stdout);
        execl(harness_exe, harness_exe, "--sub", "unregistered", (char *)NULL);
        _exit(6);
    }
    EXPECT_EXIT(pid, 0);
}

SUBPROG(unregistered)
{
    if (membarrier(CMD_GET_REGISTRATIONS, 0) != 0)
        return 10;
    if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) != -1 || errno != EPERM)
        return 11;
    return 0;
}
