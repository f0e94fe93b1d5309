// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for arch_prctl: ARCH_GET_FS returns the TLS pointer glibc installed,
 * ARCH_SET_FS changes what %fs-relative loads see, ARCH_SET_GS/GET_GS, and EINVAL/EFAULT. */
#include <asm/prctl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

static uintptr_t fs_self(void)
{
    uintptr_t v;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(v));
    return v;
}

TEST(get_fs_matches_tls_self_pointer)
{
    unsigned long fs = 0;
    EXPECT_OK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
    EXPECT_TRUE(fs != 0);
    EXPECT_EQ(fs, fs_self()); /* x86-64 TLS: %fs:0 holds the thread pointer itself */
}

TEST(set_fs_changes_fs_base)
{
    unsigned long saved;
    CHECK(syscall(SYS_arch_prctl, ARCH_GET_FS, &saved));
    static uintptr_t fake_tcb[64];
    fake_tcb[0] = 0x1234567;
    /* No libc calls while FS points at the fake block. */
    long r;
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "0"(SYS_arch_prctl), "D"(ARCH_SET_FS), "S"(fake_tcb)
                     : "rcx", "r11", "memory");
    uintptr_t seen = fs_self();
    unsigned long now = 0;
    long r2;
    __asm__ volatile("syscall"
                     : "=a"(r2)
                     : "0"(SYS_arch_prctl), "D"(ARCH_GET_FS), "S"(&now)
                     : "rcx", "r11", "memory");
    long r3;
    __asm__ volatile("syscall"
                     : "=a"(r3)
                     : "0"(SYS_arch_prctl), "D"(ARCH_SET_FS), "S"(saved)
                     : "rcx", "r11", "memory");
    EXPECT_EQ(r, 0);
    EXPECT_EQ(r2, 0);
    EXPECT_EQ(r3, 0);
    EXPECT_EQ(seen, 0x1234567);
    EXPECT_EQ(now, (unsigned long)fake_tcb);
    EXPECT_EQ(fs_self(), saved);
}

TEST(gs_roundtrip)
{
    static uint64_t block[4] = {0xabcdef};
    unsigned long gs = 1;
    EXPECT_OK(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs));
    EXPECT_OK(syscall(SYS_arch_prctl, ARCH_SET_GS, block));
    EXPECT_OK(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs));
    EXPECT_EQ(gs, (unsigned long)block);
    uint64_t v;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(v));
    EXPECT_EQ(v, 0xabcdef);
}

TEST(fs_survives_fork)
{
    unsigned long fs;
    CHECK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        unsigned long c = 0;
        syscall(SYS_arch_prctl, ARCH_GET_FS, &c);
        _exit(c == fs ? 0 : 1);
    }
    EXPECT_EXIT(pid, 0);
}

TEST(errors)
{
    unsigned long v;
    EXPECT_ERRNO(syscall(SYS_arch_prctl, 0x9999, &v), EINVAL);
    EXPECT_ERRNO(syscall(SYS_arch_prctl, ARCH_GET_FS, (void *)1), EFAULT);
    EXPECT_ERRNO(syscall(SYS_arch_prctl, ARCH_SET_FS, 0x800000000000UL), EPERM);
}
