// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for System V semaphores: semget (IPC_CREAT/IPC_EXCL, ENOENT, EINVAL for
 * nsems, EACCES by mode), semop/semtimedop (atomic sets of operations, IPC_NOWAIT, waiting
 * for a value and for zero, the timeout, E2BIG/EFBIG/ERANGE, EIDRM when the set goes),
 * SEM_UNDO undone at exit, semctl GETVAL..SETALL, GETPID/GETNCNT/GETZCNT, IPC_STAT/IPC_SET
 * (permissions of owner and others) and IPC_RMID. */
#include <sys/ipc.h>
#include <sys/sem.h>
#include <time.h>

#include "tests/syscalls/cred_util.h"

union semun_ {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static int new_set(int nsems, int mode)
{
    return CHECK(semget(IPC_PRIVATE, nsems, IPC_CREAT | mode));
}

static int op(int id, unsigned short num, short delta, short flg)
{
    struct sembuf b = {num, delta, flg};
    return semop(id, &b, 1);
}

TEST(get_rules)
{
    key_t key = (key_t)(0x5e000000 | (getpid() & 0xffffff));
    EXPECT_ERRNO(semget(key, 1, 0600), ENOENT);
    int id = CHECK(semget(key, 3, IPC_CREAT | IPC_EXCL | 0600));
    EXPECT_EQ(semget(key, 2, 0600), id);
    EXPECT_EQ(semget(key, 0, 0), id);
    EXPECT_ERRNO(semget(key, 4, 0600), EINVAL); /* more than the set has */
    EXPECT_ERRNO(semget(key, 3, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
    EXPECT_ERRNO(semget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL);
    EXPECT_ERRNO(semget(IPC_PRIVATE, -1, IPC_CREAT | 0600), EINVAL);
    EXPECT_ERRNO(semget(IPC_PRIVATE, 40000, IPC_CREAT | 0600), EINVAL);
    EXPECT_OK(semctl(id, 0, IPC_RMID));
    EXPECT_ERRNO(semget(key, 1, 0600), ENOENT);
    EXPECT_ERRNO(semctl(id, 0, GETVAL), EINVAL);
}

TEST(values_and_ops)
{
    int id = new_set(3, 0600);
    EXPECT_EQ(semctl(id, 0, GETVAL), 0);
    EXPECT_OK(semctl(id, 1, SETVAL, (union semun_){.val = 5}));
    EXPECT_EQ(semctl(id, 1, GETVAL), 5);
    EXPECT_EQ(semctl(id, 1, GETPID), getpid());
    EXPECT_ERRNO(semctl(id, 1, SETVAL, (union semun_){.val = 32768}), ERANGE);
    EXPECT_ERRNO(semctl(id, 3, GETVAL), EINVAL);
    unsigned short all[3] = {1, 2, 3};
    EXPECT_OK(semctl(id, 0, SETALL, (union semun_){.array = all}));
    unsigned short got[3] = {0};
    EXPECT_OK(semctl(id, 0, GETALL, (union semun_){.array = got}));
    EXPECT_TRUE(got[0] == 1 && got[1] == 2 && got[2] == 3);
    /* An atomic group: all or nothing. */
    struct sembuf two[2] = {{0, -1, IPC_NOWAIT}, {1, -5, IPC_NOWAIT}};
    EXPECT_ERRNO(semop(id, two, 2), EAGAIN);
    EXPECT_EQ(semctl(id, 0, GETVAL), 1); /* untouched */
    two[1].sem_op = -2;
    EXPECT_OK(semop(id, two, 2));
    EXPECT_EQ(semctl(id, 0, GETVAL), 0);
    EXPECT_EQ(semctl(id, 1, GETVAL), 0);
    EXPECT_OK(op(id, 0, 0, 0)); /* wait-for-zero on a zero */
    EXPECT_ERRNO(op(id, 2, 0, IPC_NOWAIT), EAGAIN);
    EXPECT_ERRNO(op(id, 3, 1, 0), EFBIG);
    EXPECT_ERRNO(op(id, 2, 32767, 0), ERANGE);
    EXPECT_ERRNO(semop(id, two, 0), EINVAL);
    static struct sembuf many[501];
    EXPECT_ERRNO(semop(id, many, 501), E2BIG);
    EXPECT_ERRNO(semop(id + 1, two, 1), EINVAL);
    struct timespec ts = {0, 10 * 1000 * 1000};
    struct sembuf dec = {2, -10, 0};
    EXPECT_ERRNO(semtimedop(id, &dec, 1, &ts), EAGAIN);
    ts.tv_nsec = -1;
    EXPECT_ERRNO(semtimedop(id, &dec, 1, &ts), EINVAL);
    EXPECT_OK(semctl(id, 0, IPC_RMID));
}

TEST(wait_and_counts)
{
    int id = new_set(1, 0600);
    fflush(stdout);
    pid_t pid = CHECK(fork());
    if (pid == 0)
        _exit(op(id, 0, -2, 0) == 0 ? 0 : 1); /* waits for 2 */
    EXPECT_OK(harness_wait_process_sleeping(pid));
    EXPECT_EQ(semctl(id, 0, GETNCNT), 1);
    EXPECT_EQ(semctl(id, 0, GETZCNT), 0);
    EXPECT_OK(op(id, 0, 1, 0));
    EXPECT_OK(harness_wait_process_sleeping(pid)); /* 1 is not enough */
    EXPECT_OK(op(id, 0, 1, 0));
    EXPECT_EXIT(pid, 0);
    EXPECT_EQ(semctl(id, 0, GETVAL), 0);
    EXPECT_EQ(semctl(id, 0, GETPID), pid);
    /* Waiting for zero, then the set removed under a waiter: EIDRM. */
    EXPECT_OK(semctl(id, 0, SETVAL, (union semun_){.val = 1}));
    pid = CHECK(fork());
    if (pid == 0)
        _exit(op(id, 0, 0, 0) == -1 && errno == EIDRM ? 0 : 1);
    EXPECT_OK(harness_wait_process_sleeping(pid));
    EXPECT_EQ(semctl(id, 0, GETZCNT), 1);
    EXPECT_OK(semctl(id, 0, IPC_RMID));
    EXPECT_EXIT(pid, 0);
}

TEST(undo_at_exit)
{
    int id = new_set(2, 0600);
    EXPECT_OK(semctl(id, 1, SETVAL, (union semun_){.val = 3}));
    fflush(stdout);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        if (op(id, 0, 4, SEM_UNDO) != 0 || op(id, 1, -2, SEM_UNDO) != 0 || op(id, 0, -1, 0) != 0)
            _exit(1);
        _exit(0);
    }
    EXPECT_EXIT(pid, 0);
    /* +4 -1 leaves 3, the undo of +4 takes 4: clamped at 0; -2 is given back. */
    EXPECT_EQ(semctl(id, 0, GETVAL), 0);
    EXPECT_EQ(semctl(id, 1, GETVAL), 3);
    /* SETVAL clears the adjustments: the child's +1 stays. */
    pid = CHECK(fork());
    if (pid == 0) {
        if (op(id, 0, 1, SEM_UNDO) != 0 || semctl(id, 0, SETVAL, (union semun_){.val = 7}) != 0)
            _exit(1);
        _exit(0);
    }
    EXPECT_EXIT(pid, 0);
    EXPECT_EQ(semctl(id, 0, GETVAL), 7);
    EXPECT_OK(semctl(id, 0, IPC_RMID));
}

TEST(stat_set_perms)
{
    int id = new_set(2, 0640);
    struct semid_ds ds;
    memset(&ds, 0, sizeof(ds));
    EXPECT_OK(semctl(id, 0, IPC_STAT, (union semun_){.buf = &ds}));
    EXPECT_EQ(ds.sem_nsems, 2u);
    EXPECT_EQ(ds.sem_perm.mode & 0777, 0640u);
    EXPECT_EQ(ds.sem_perm.uid, geteuid());
    EXPECT_EQ(ds.sem_otime, 0);
    EXPECT_TRUE(ds.sem_ctime > 0);
    ds.sem_perm.mode = 0604;
    EXPECT_OK(semctl(id, 0, IPC_SET, (union semun_){.buf = &ds}));
    EXPECT_OK(semctl(id, 0, IPC_STAT, (union semun_){.buf = &ds}));
    EXPECT_EQ(ds.sem_perm.mode & 0777, 0604u);
    struct seminfo si;
    EXPECT_TRUE(semctl(id, 0, IPC_INFO, (union semun_){.buf = (struct semid_ds *)&si}) >= 0);
    EXPECT_EQ(si.semmsl, 32000);
    EXPECT_EQ(si.semopm, 500);
    EXPECT_EQ(si.semvmx, 32767);
    if (harness_is_root()) {
        /* Another user: reads by "others" bits (r), not writes; no IPC_SET or IPC_RMID. */
        fflush(stdout);
        pid_t pid = CHECK(fork());
        if (pid == 0) {
            CHECK(setresgid(G_B, G_B, G_B));
            CHECK(setresuid(U_B, U_B, U_B));
            if (semctl(id, 0, GETVAL) != 0)
                _exit(1);
            if (op(id, 0, 1, 0) != -1 || errno != EACCES)
                _exit(2);
            if (semctl(id, 0, IPC_RMID) != -1 || errno != EPERM)
                _exit(3);
            int own = semget(IPC_PRIVATE, 1, 0); /* a private set is its own */
            if (own < 0 || semctl(own, 0, IPC_RMID) != 0)
                _exit(4);
            _exit(0);
        }
        EXPECT_EXIT(pid, 0);
    }
    EXPECT_OK(semctl(id, 0, IPC_RMID));
}
