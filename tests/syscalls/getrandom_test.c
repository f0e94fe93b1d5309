// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for getrandom: full reads of various sizes, GRND_NONBLOCK and GRND_RANDOM,
 * EINVAL for unknown flags, and EFAULT. */
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(fills_buffer)
{
    unsigned char a[32], b[32];
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    EXPECT_EQ(getrandom(a, sizeof(a), 0), (ssize_t)sizeof(a));
    EXPECT_EQ(getrandom(b, sizeof(b), 0), (ssize_t)sizeof(b));
    EXPECT_TRUE(memcmp(a, b, sizeof(a)) != 0);
}

TEST(zero_length)
{
    EXPECT_EQ(getrandom(NULL, 0, 0), 0);
}

TEST(large_read)
{
    static unsigned char big[1 << 16];
    ssize_t n = getrandom(big, sizeof(big), 0);
    EXPECT_TRUE(n > 0);
    int zeros = 0;
    for (ssize_t i = 0; i < n; i++)
        zeros += big[i] == 0;
    EXPECT_TRUE(zeros < n / 64);
}

TEST(flags)
{
    unsigned char buf[16];
    EXPECT_EQ(getrandom(buf, sizeof(buf), GRND_NONBLOCK), (ssize_t)sizeof(buf));
    EXPECT_EQ(getrandom(buf, sizeof(buf), GRND_RANDOM), (ssize_t)sizeof(buf));
    EXPECT_EQ(getrandom(buf, sizeof(buf), GRND_RANDOM | GRND_NONBLOCK), (ssize_t)sizeof(buf));
}

TEST(errors)
{
    unsigned char buf[16];
    EXPECT_ERRNO(getrandom(buf, sizeof(buf), 0x100), EINVAL);
    EXPECT_ERRNO(syscall(SYS_getrandom, buf, sizeof(buf), 0xffffffff), EINVAL);
    EXPECT_ERRNO(syscall(SYS_getrandom, (void *)1, 16, 0), EFAULT);
}
