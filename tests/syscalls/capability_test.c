// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for the capability checks of system calls: what an unprivileged
 * process is refused (mounts, swap, reboot, accounting, the kernel log, tty hang-up,
 * namespaces, setting the clock, alarm timers, other users' scheduling, memory locking
 * beyond RLIMIT_MEMLOCK, SysV segment locks, other processes' robust lists, moving shared
 * pages, privileged socket options) and, where the sandbox does it too, what root may.
 * Run as root: each check runs in a child that takes another uid and loses every
 * capability. Nothing here changes the machine: every call that could is made unprivileged
 * or fails on its arguments. */
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>

#include "tests/syscalls/harness.h"

#define OTHER_UID 4321
#define PAGE 4096

static void need_root(void)
{
    if (geteuid() != 0)
        SKIP("needs uid 0 to take other ids");
}

/* In a child of a root test: take uid and gid OTHER_UID (no capabilities left). */
static void become_other(void)
{
    if (setgroups(0, NULL) != 0 || setresgid(OTHER_UID, OTHER_UID, OTHER_UID) != 0 ||
        setresuid(OTHER_UID, OTHER_UID, OTHER_UID) != 0)
        FATAL("cannot become %d: %s", OTHER_UID, strerror(errno));
}

/* Run @fn in a child as OTHER_UID; the test fails if an EXPECT in it does. */
static void as_other(void (*fn)(void))
{
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        become_other();
        fn();
        child_done();
    }
    EXPECT_EXIT(pid, 0);
}

static void admin_calls(void)
{
    EXPECT_ERRNO(mount("none", "/tmp", "tmpfs", 0, NULL), EPERM);
    EXPECT_ERRNO(mount("none", "/nonexistent-dir", "tmpfs", 0, NULL), ENOENT);
    EXPECT_ERRNO(mount("none", "/tmp", "tmpfs", 0, (void *)8), EFAULT);
    EXPECT_ERRNO(umount2("/proc", 0), EPERM);
    EXPECT_ERRNO(umount2("/proc", 0x100), EINVAL);
    EXPECT_ERRNO(umount2("/nonexistent-dir", 0), ENOENT);
    EXPECT_ERRNO(syscall(SYS_pivot_root, "/", "/tmp"), EPERM);
    EXPECT_ERRNO(syscall(SYS_swapon, "/nonexistent", 0), EPERM);
    EXPECT_ERRNO(syscall(SYS_swapon, "/nonexistent", 0x80000), EINVAL);
    EXPECT_ERRNO(syscall(SYS_swapoff, "/nonexistent"), EPERM);
    EXPECT_ERRNO(syscall(SYS_reboot, 1, 2, 3, NULL), EPERM); /* the capability, then magic */
    EXPECT_ERRNO(syscall(SYS_acct, NULL), EPERM);
    EXPECT_ERRNO(syscall(SYS_vhangup), EPERM);
    /* Clearing the log, and an unknown action, are restricted whatever dmesg_restrict. */
    EXPECT_ERRNO(syscall(SYS_syslog, 5, NULL, 0), EPERM);
    EXPECT_ERRNO(syscall(SYS_syslog, 99, NULL, 0), EPERM);
    EXPECT_ERRNO(syscall(SYS_fsopen, "tmpfs", 0), EPERM);
    EXPECT_ERRNO(syscall(SYS_fspick, AT_FDCWD, "/", 0), EPERM);
    EXPECT_ERRNO(syscall(SYS_move_mount, AT_FDCWD, "/", AT_FDCWD, "/tmp", 0), EPERM);
}

TEST(admin_calls_need_capabilities)
{
    need_root();
    as_other(admin_calls);
}

static void *park(void *arg)
{
    int fd = *(int *)arg;
    char c;
    (void)!read(fd, &c, 1);
    return NULL;
}

static void namespaces(void)
{
    EXPECT_ERRNO(unshare(CLONE_NEWNS), EPERM);
    EXPECT_ERRNO(unshare(CLONE_NEWUTS), EPERM);
    EXPECT_ERRNO(unshare(CLONE_NEWIPC), EPERM);
    EXPECT_ERRNO(unshare(CLONE_NEWNET), EPERM);
    EXPECT_ERRNO(unshare(CLONE_NEWPID), EPERM);
    EXPECT_ERRNO(unshare(0x1), EINVAL); /* not a clone flag unshare knows */
    EXPECT_ERRNO(setns(999, 0), EBADF);
    EXPECT_ERRNO(setns(0, 0), EINVAL); /* not a namespace file */
    /* A thread group cannot be split: with a second thread, CLONE_THREAD is EINVAL
     * before any privilege matters. */
    int p[2];
    CHECK(pipe(p));
    pthread_t th;
    if (pthread_create(&th, NULL, park, &p[0]) != 0)
        FATAL("pthread_create");
    EXPECT_ERRNO(unshare(CLONE_THREAD), EINVAL);
    EXPECT_ERRNO(unshare(CLONE_VM), EINVAL);
    CHECK(write(p[1], "x", 1));
    pthread_join(th, NULL);
}

TEST(namespaces_need_cap_sys_admin)
{
    need_root();
    as_other(namespaces);
}

static void set_time(void)
{
    struct timeval tv;
    CHECK(gettimeofday(&tv, NULL));
    struct timespec ts = {tv.tv_sec, 0};
    EXPECT_ERRNO(settimeofday(&tv, NULL), EPERM);
    EXPECT_ERRNO(syscall(SYS_settimeofday, NULL, NULL), EPERM);
    EXPECT_ERRNO(syscall(SYS_settimeofday, NULL, (void *)8), EFAULT);
    struct timeval bad = {tv.tv_sec, 2000000};
    EXPECT_ERRNO(settimeofday(&bad, NULL), EINVAL);
    EXPECT_ERRNO(clock_settime(CLOCK_REALTIME, &ts), EPERM);
    EXPECT_ERRNO(syscall(SYS_clock_settime, CLOCK_REALTIME, (void *)8), EFAULT);
    EXPECT_ERRNO(clock_settime(CLOCK_MONOTONIC, &ts), EINVAL);
    EXPECT_ERRNO(syscall(SYS_clock_settime, CLOCK_PROCESS_CPUTIME_ID, (void *)8), EINVAL);
    EXPECT_ERRNO(timerfd_create(CLOCK_REALTIME_ALARM, 0), EPERM);
    EXPECT_ERRNO(timerfd_create(CLOCK_BOOTTIME_ALARM, 0), EPERM);
    EXPECT_ERRNO(timerfd_create(CLOCK_REALTIME_ALARM, 0x1234), EINVAL); /* flags first */
}

TEST(time_needs_cap_sys_time)
{
    need_root();
    as_other(set_time);
    /* Root may make an alarm timer. */
    int fd = CHECK(timerfd_create(CLOCK_BOOTTIME_ALARM, TFD_CLOEXEC));
    close(fd);
}

static pid_t g_root_pid;

static void other_users_scheduling(void)
{
    cpu_set_t set;
    CHECK(sched_getaffinity(0, sizeof(set), &set));
    EXPECT_ERRNO(sched_setaffinity(g_root_pid, sizeof(set), &set), EPERM);
    EXPECT_OK(sched_setaffinity(0, sizeof(set), &set));
    struct sched_param sp = {0};
    EXPECT_ERRNO(sched_setscheduler(g_root_pid, SCHED_OTHER, &sp), EPERM);
    EXPECT_ERRNO(sched_setparam(g_root_pid, &sp), EPERM);
    EXPECT_OK(sched_setscheduler(0, SCHED_OTHER, &sp));
    EXPECT_OK(sched_setparam(0, &sp));
    /* Arguments before permissions. */
    EXPECT_ERRNO(sched_setscheduler(g_root_pid, -1, &sp), EINVAL);
    EXPECT_ERRNO(sched_setscheduler(g_root_pid, SCHED_OTHER, NULL), EINVAL);
    sp.sched_priority = 1;
    EXPECT_ERRNO(sched_setscheduler(g_root_pid, SCHED_OTHER, &sp), EINVAL);
    /* Real-time needs RLIMIT_RTPRIO (0 here) or CAP_SYS_NICE. */
    EXPECT_ERRNO(sched_setscheduler(0, SCHED_FIFO, &sp), EPERM);
    sp.sched_priority = 0;
    EXPECT_ERRNO(sched_setscheduler(0, SCHED_FIFO, &sp), EINVAL);
}

TEST(scheduling_others_needs_cap_sys_nice)
{
    need_root();
    struct rlimit rl = {0, 0};
    CHECK(setrlimit(RLIMIT_RTPRIO, &rl));
    g_root_pid = getpid();
    as_other(other_users_scheduling);
}

static void *map_pages(int n, int flags)
{
    void *p = mmap(NULL, (size_t)n * PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void memlock_none(void)
{
    struct rlimit rl = {0, 0};
    CHECK(setrlimit(RLIMIT_MEMLOCK, &rl));
    char *p = map_pages(4, 0);
    if (!p)
        FATAL("mmap");
    EXPECT_ERRNO(mlock(p, PAGE), EPERM);
    EXPECT_ERRNO(syscall(SYS_mlock2, p, PAGE, 0), EPERM);
    EXPECT_ERRNO(syscall(SYS_mlock2, p, PAGE, 2), EINVAL); /* flags first */
    EXPECT_ERRNO(mlockall(MCL_FUTURE), EPERM);
    EXPECT_ERRNO(mlockall(MCL_ONFAULT), EINVAL);
    EXPECT_OK(munlock(p, PAGE));
    errno = 0;
    EXPECT_TRUE(map_pages(1, MAP_LOCKED) == NULL && errno == EPERM);
}

static void memlock_two_pages(void)
{
    struct rlimit rl = {2 * PAGE, 2 * PAGE};
    CHECK(setrlimit(RLIMIT_MEMLOCK, &rl));
    char *p = map_pages(4, 0);
    if (!p)
        FATAL("mmap");
    EXPECT_ERRNO(mlock(p, 3 * PAGE), ENOMEM);
    EXPECT_ERRNO(mlock(p + 1, 2 * PAGE), ENOMEM); /* rounded out to three pages */
    EXPECT_ERRNO(mlockall(MCL_CURRENT), ENOMEM);  /* the whole address space */
    errno = 0;
    EXPECT_TRUE(map_pages(3, MAP_LOCKED) == NULL && errno == EAGAIN);
    EXPECT_OK(mlock(p, 2 * PAGE));
    EXPECT_OK(munlock(p, 2 * PAGE));
    EXPECT_OK(mlockall(MCL_FUTURE));
    EXPECT_OK(munlockall());
}

TEST(memory_locks_need_rlimit_or_cap_ipc_lock)
{
    need_root();
    as_other(memlock_none);
    as_other(memlock_two_pages);
    /* CAP_IPC_LOCK ignores the limit. */
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct rlimit rl = {0, 0};
        CHECK(setrlimit(RLIMIT_MEMLOCK, &rl));
        char *p = map_pages(2, 0);
        if (!p)
            FATAL("mmap");
        EXPECT_OK(mlock(p, 2 * PAGE));
        EXPECT_OK(munlock(p, 2 * PAGE));
        child_done();
    }
    EXPECT_EXIT(pid, 0);
}

static int g_root_seg;

static void shm_locks(void)
{
    /* Not the owner of root's segment. */
    EXPECT_ERRNO(shmctl(g_root_seg, SHM_LOCK, NULL), EPERM);
    EXPECT_ERRNO(shmctl(g_root_seg, SHM_UNLOCK, NULL), EPERM);
    int id = CHECK(shmget(IPC_PRIVATE, 4 * PAGE, IPC_CREAT | 0600));
    struct rlimit rl = {0, 2 * PAGE}; /* no allowance now, two pages later */
    CHECK(setrlimit(RLIMIT_MEMLOCK, &rl));
    EXPECT_ERRNO(shmctl(id, SHM_LOCK, NULL), EPERM);
    EXPECT_OK(shmctl(id, SHM_UNLOCK, NULL));
    rl.rlim_cur = rl.rlim_max = 2 * PAGE;
    CHECK(setrlimit(RLIMIT_MEMLOCK, &rl));
    EXPECT_ERRNO(shmctl(id, SHM_LOCK, NULL), ENOMEM);
    CHECK(shmctl(id, IPC_RMID, NULL));
    id = CHECK(shmget(IPC_PRIVATE, 2 * PAGE, IPC_CREAT | 0600));
    EXPECT_OK(shmctl(id, SHM_LOCK, NULL));
    EXPECT_OK(shmctl(id, SHM_UNLOCK, NULL));
    CHECK(shmctl(id, IPC_RMID, NULL));
}

TEST(shm_lock_needs_owner_and_rlimit)
{
    need_root();
    g_root_seg = CHECK(shmget(IPC_PRIVATE, PAGE, IPC_CREAT | 0666));
    as_other(shm_locks);
    CHECK(shmctl(g_root_seg, IPC_RMID, NULL));
}

/* A child of the caller, dumpable or not, that waits until @hold is closed. */
static pid_t start_sibling(int dumpable, int *hold_fd)
{
    int hold[2], ready[2];
    CHECK(pipe(hold));
    CHECK(pipe(ready));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        char c;
        close(hold[1]);
        CHECK(prctl(PR_SET_DUMPABLE, dumpable));
        CHECK(write(ready[1], "r", 1));
        (void)!read(hold[0], &c, 1);
        _exit(0);
    }
    close(hold[0]);
    char c;
    CHECK(read(ready[0], &c, 1));
    *hold_fd = hold[1];
    return pid;
}

static void robust_list_of_others(void)
{
    void *head;
    size_t len;
    EXPECT_ERRNO(syscall(SYS_get_robust_list, g_root_pid, &head, &len), EPERM);
    EXPECT_OK(syscall(SYS_get_robust_list, 0, &head, &len));
    EXPECT_OK(syscall(SYS_get_robust_list, getpid(), &head, &len));
    /* The same user's process, if it is dumpable (the ptrace rule, not kill's). */
    int hold;
    pid_t pid = start_sibling(1, &hold);
    EXPECT_OK(syscall(SYS_get_robust_list, pid, &head, &len));
    close(hold);
    EXPECT_EXIT(pid, 0);
    pid = start_sibling(0, &hold);
    EXPECT_ERRNO(syscall(SYS_get_robust_list, pid, &head, &len), EPERM);
    close(hold);
    EXPECT_EXIT(pid, 0);
}

TEST(robust_list_of_another_process)
{
    need_root();
    g_root_pid = getpid();
    as_other(robust_list_of_others);
    /* Root may read anyone's, even a process that changed its ids. */
    int hold[2], ready[2];
    CHECK(pipe(hold));
    CHECK(pipe(ready));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        char c;
        close(hold[1]);
        become_other();
        CHECK(write(ready[1], "r", 1));
        (void)!read(hold[0], &c, 1);
        _exit(0);
    }
    char c;
    CHECK(read(ready[0], &c, 1));
    void *head;
    size_t len;
    EXPECT_OK(syscall(SYS_get_robust_list, pid, &head, &len));
    close(hold[1]);
    EXPECT_EXIT(pid, 0);
}

static void move_all(void)
{
    char *p = map_pages(1, 0);
    if (!p)
        FATAL("mmap");
    EXPECT_ERRNO(syscall(SYS_mbind, p, PAGE, 0 /* MPOL_DEFAULT */, NULL, 0, 4 /* MOVE_ALL */),
                 EPERM);
    EXPECT_OK(syscall(SYS_mbind, p, PAGE, 0, NULL, 0, 2 /* MPOL_MF_MOVE */));
}

TEST(mbind_move_all_needs_cap_sys_nice)
{
    need_root();
    as_other(move_all);
}

static void socket_options(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    int v = 65536;
    EXPECT_ERRNO(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)), EPERM);
    EXPECT_ERRNO(setsockopt(sv[0], SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)), EPERM);
    EXPECT_ERRNO(setsockopt(sv[0], SOL_SOCKET, SO_MARK, &v, sizeof(v)), EPERM);
    v = 7;
    EXPECT_ERRNO(setsockopt(sv[0], SOL_SOCKET, SO_PRIORITY, &v, sizeof(v)), EPERM);
    v = 6;
    EXPECT_OK(setsockopt(sv[0], SOL_SOCKET, SO_PRIORITY, &v, sizeof(v)));
    EXPECT_OK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
    /* A short option is EINVAL before the privilege check. */
    EXPECT_ERRNO(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &v, 2), EINVAL);
}

TEST(privileged_socket_options)
{
    need_root();
    as_other(socket_options);
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    int v = 65536;
    EXPECT_OK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)));
    v = 7;
    EXPECT_OK(setsockopt(sv[0], SOL_SOCKET, SO_PRIORITY, &v, sizeof(v)));
}
