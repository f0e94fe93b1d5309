// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for unshare of resources (Go's runtime unshares CLONE_FS in a locked
 * thread): CLONE_FS gives a thread its own cwd, CLONE_FILES its own descriptor table, and
 * CLONE_SYSVSEM in a single-threaded process applies its SEM_UNDO adjustments at once. */
#include <pthread.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/sem.h>

#include "tests/syscalls/harness.h"

static int fd_to_close;

static void *fs_thread(void *arg)
{
    (void)arg;
    if (unshare(CLONE_FS) != 0 || chdir("/proc") != 0)
        return (void *)1;
    return NULL;
}

static void *files_thread(void *arg)
{
    (void)arg;
    if (unshare(CLONE_FILES) != 0 || close(fd_to_close) != 0)
        return (void *)1;
    return NULL;
}

TEST(fs_and_files)
{
    CHECK(chdir("/"));
    pthread_t th;
    void *r;
    CHECK(-pthread_create(&th, NULL, fs_thread, NULL));
    pthread_join(th, &r);
    EXPECT_TRUE(r == NULL);
    char cwd[64];
    EXPECT_STREQ(getcwd(cwd, sizeof(cwd)), "/"); /* the thread's chdir stayed its own */
    fd_to_close = CHECK(open("/dev/null", O_RDONLY));
    CHECK(-pthread_create(&th, NULL, files_thread, NULL));
    pthread_join(th, &r);
    EXPECT_TRUE(r == NULL);
    EXPECT_OK(fcntl(fd_to_close, F_GETFD)); /* closed in the thread's copy only */
    close(fd_to_close);
}

TEST(sysvsem)
{
    int id = CHECK(semget(IPC_PRIVATE, 1, IPC_CREAT | 0600));
    fflush(stdout);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        struct sembuf up = {0, 2, SEM_UNDO};
        if (semop(id, &up, 1) != 0 || semctl(id, 0, GETVAL) != 2)
            _exit(1);
        if (unshare(CLONE_SYSVSEM) != 0)
            _exit(2);
        _exit(semctl(id, 0, GETVAL) == 0 ? 0 : 3); /* undone at once */
    }
    EXPECT_EXIT(pid, 0);
    EXPECT_OK(semctl(id, 0, IPC_RMID));
}
