// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for System V shared memory: shmget/shmat/shmdt/shmctl, sharing across
 * fork, IPC_STAT, IPC_RMID and the errors. */
#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

TEST(private_segment_shared_with_child)
{
    int id = CHECK(shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600));
    char *p = shmat(id, NULL, 0);
    EXPECT_TRUE(p != (void *)-1);
    EXPECT_EQ(p[100], 0); /* new segments are zero */
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        strcpy(p + 4096, "from child");
        _exit(0);
    }
    EXPECT_EXIT(pid, 0);
    EXPECT_STREQ(p + 4096, "from child");
    struct shmid_ds ds;
    EXPECT_OK(shmctl(id, IPC_STAT, &ds));
    EXPECT_EQ(ds.shm_segsz, 8192);
    EXPECT_EQ(ds.shm_nattch, 1);
    EXPECT_EQ(ds.shm_perm.mode & 0777, 0600);
    EXPECT_OK(shmdt(p));
    EXPECT_OK(shmctl(id, IPC_STAT, &ds));
    EXPECT_EQ(ds.shm_nattch, 0);
    EXPECT_OK(shmctl(id, IPC_RMID, NULL));
    EXPECT_ERRNO(shmctl(id, IPC_STAT, &ds), EINVAL);
}

TEST(keyed_segment_lookup_and_errors)
{
    key_t key = 0x5ca1ab1e ^ getpid();
    EXPECT_ERRNO(shmget(key, 4096, 0600), ENOENT);
    int id = CHECK(shmget(key, 4096, IPC_CREAT | 0600));
    EXPECT_EQ(shmget(key, 4096, 0600), id);
    EXPECT_EQ(shmget(key, 100, 0600), id); /* smaller is fine */
    EXPECT_ERRNO(shmget(key, 8192, 0600), EINVAL);
    EXPECT_ERRNO(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
    char *a = shmat(id, NULL, SHM_RDONLY);
    EXPECT_TRUE(a != (void *)-1);
    char *b = shmat(id, NULL, 0);
    EXPECT_TRUE(b != (void *)-1);
    b[0] = 'z';
    EXPECT_EQ(a[0], 'z'); /* two attachments, one memory */
    EXPECT_ERRNO(shmat(id, (void *)0x1001, 0), EINVAL);
    EXPECT_ERRNO(shmdt(a + 1), EINVAL);
    EXPECT_OK(shmdt(a));
    EXPECT_OK(shmdt(b));
    EXPECT_ERRNO(shmdt(b), EINVAL);
    EXPECT_OK(shmctl(id, IPC_RMID, NULL));
    EXPECT_ERRNO(shmget(key, 4096, 0600), ENOENT);
}

TEST(bad_ids_and_sizes)
{
    EXPECT_ERRNO(shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL);
    EXPECT_ERRNO(shmat(-1, NULL, 0), EINVAL);
    struct shmid_ds ds;
    EXPECT_ERRNO(shmctl(0x7ffffff, IPC_STAT, &ds), EINVAL);
}
