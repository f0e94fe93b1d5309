// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for System V message queues: msgget (IPC_CREAT/IPC_EXCL, ENOENT),
 * msgsnd/msgrcv (message types: 0 the first, > 0 that type or with MSG_EXCEPT any other,
 * < 0 the lowest type up to |msgtyp|; E2BIG or truncation with MSG_NOERROR; IPC_NOWAIT:
 * ENOMSG and EAGAIN on a full queue; waiting for a message; EIDRM when the queue goes;
 * EINVAL for a type below 1 or a size above MSGMAX), and msgctl IPC_STAT (counts, pids),
 * IPC_SET (raising msg_qbytes needs CAP_SYS_RESOURCE), IPC_INFO and IPC_RMID. */
#include <sys/ipc.h>
#include <sys/msg.h>

#include "tests/syscalls/cred_util.h"

struct m {
    long type;
    char text[64];
};

static int snd(int id, long type, const char *text, int flg)
{
    struct m b = {.type = type};
    strncpy(b.text, text, sizeof(b.text) - 1);
    return msgsnd(id, &b, strlen(text), flg);
}

/* Receives into a fresh buffer; returns the size and stores the type and text. */
static ssize_t rcv(int id, long typ, int flg, size_t cap, long *type, char *text)
{
    struct m b;
    memset(&b, 0, sizeof(b));
    ssize_t n = msgrcv(id, &b, cap, typ, flg);
    if (n >= 0) {
        *type = b.type;
        memcpy(text, b.text, (size_t)n);
        text[n] = '\0';
    }
    return n;
}

TEST(get_rules)
{
    key_t key = (key_t)(0x6d000000 | (getpid() & 0xffffff));
    EXPECT_ERRNO(msgget(key, 0600), ENOENT);
    int id = CHECK(msgget(key, IPC_CREAT | IPC_EXCL | 0600));
    EXPECT_EQ(msgget(key, 0), id);
    EXPECT_ERRNO(msgget(key, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
    EXPECT_OK(msgctl(id, IPC_RMID, NULL));
    EXPECT_ERRNO(msgget(key, 0), ENOENT);
    EXPECT_ERRNO(snd(id, 1, "x", 0), EINVAL);
}

TEST(types)
{
    int id = CHECK(msgget(IPC_PRIVATE, IPC_CREAT | 0600));
    CHECK(snd(id, 3, "three", 0));
    CHECK(snd(id, 1, "one", 0));
    CHECK(snd(id, 2, "two", 0));
    CHECK(snd(id, 1, "uno", 0));
    long type = 0;
    char text[64] = {0};
    EXPECT_EQ(rcv(id, 2, 0, 64, &type, text), 3); /* that type */
    EXPECT_STREQ(text, "two");
    EXPECT_EQ(rcv(id, 1, MSG_EXCEPT, 64, &type, text), 5); /* any other */
    EXPECT_STREQ(text, "three");
    EXPECT_EQ(rcv(id, -5, 0, 64, &type, text), 3); /* the lowest type up to 5 */
    EXPECT_EQ(type, 1);
    EXPECT_STREQ(text, "one");
    EXPECT_EQ(rcv(id, 0, 0, 64, &type, text), 3); /* the first */
    EXPECT_STREQ(text, "uno");
    EXPECT_ERRNO(rcv(id, 0, IPC_NOWAIT, 64, &type, text), ENOMSG);
    CHECK(snd(id, 7, "too long", 0));
    EXPECT_ERRNO(rcv(id, 0, 0, 3, &type, text), E2BIG); /* and it stays */
    EXPECT_EQ(rcv(id, 0, MSG_NOERROR, 3, &type, text), 3);
    EXPECT_STREQ(text, "too");
    EXPECT_ERRNO(snd(id, 0, "x", 0), EINVAL);
    static char big[8200];
    EXPECT_ERRNO(msgsnd(id, big, 8193, 0), EINVAL);
    EXPECT_ERRNO(msgrcv(id, big, (size_t)-1, 0, IPC_NOWAIT), EINVAL);
    EXPECT_OK(msgctl(id, IPC_RMID, NULL));
}

TEST(full_and_wait)
{
    int id = CHECK(msgget(IPC_PRIVATE, IPC_CREAT | 0600));
    struct msqid_ds ds;
    CHECK(msgctl(id, IPC_STAT, &ds));
    ds.msg_qbytes = 100;
    EXPECT_OK(msgctl(id, IPC_SET, &ds));
    static struct {
        long type;
        char text[100];
    } b = {1, {0}};
    EXPECT_OK(msgsnd(id, &b, 100, 0));
    EXPECT_ERRNO(msgsnd(id, &b, 1, IPC_NOWAIT), EAGAIN);
    CHECK(msgctl(id, IPC_STAT, &ds));
    EXPECT_EQ(ds.msg_qnum, 1u);
    EXPECT_EQ(ds.msg_cbytes, 100u);
    EXPECT_EQ(ds.msg_lspid, getpid());
    fflush(stdout);
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        long type;
        char text[64];
        /* Waits for a type-9 message. */
        _exit(rcv(id, 9, 0, 64, &type, text) == 4 && !strcmp(text, "nine") ? 0 : 1);
    }
    EXPECT_OK(harness_wait_process_sleeping(pid));
    EXPECT_OK(msgrcv(id, &b, 100, 1, 0) == 100 ? 0 : -1);
    CHECK(snd(id, 9, "nine", 0));
    EXPECT_EXIT(pid, 0);
    CHECK(msgctl(id, IPC_STAT, &ds));
    EXPECT_EQ(ds.msg_lrpid, pid);
    /* A waiter sees the queue go. */
    pid = CHECK(fork());
    if (pid == 0)
        _exit(msgrcv(id, &b, 100, 0, 0) == -1 && errno == EIDRM ? 0 : 1);
    EXPECT_OK(harness_wait_process_sleeping(pid));
    EXPECT_OK(msgctl(id, IPC_RMID, NULL));
    EXPECT_EXIT(pid, 0);
}

TEST(ctl)
{
    int id = CHECK(msgget(IPC_PRIVATE, IPC_CREAT | 0640));
    struct msqid_ds ds;
    CHECK(msgctl(id, IPC_STAT, &ds));
    EXPECT_EQ(ds.msg_perm.mode & 0777, 0640u);
    EXPECT_EQ(ds.msg_qbytes, 16384u);
    EXPECT_EQ(ds.msg_qnum, 0u);
    ds.msg_qbytes = 1 << 20; /* above MSGMNB */
    if (have_caps(CAPBIT(CAP_SYS_RESOURCE)))
        EXPECT_OK(msgctl(id, IPC_SET, &ds));
    else
        EXPECT_ERRNO(msgctl(id, IPC_SET, &ds), EPERM);
    struct msginfo mi;
    EXPECT_TRUE(msgctl(id, IPC_INFO, (struct msqid_ds *)&mi) >= 0);
    EXPECT_EQ(mi.msgmax, 8192);
    EXPECT_EQ(mi.msgmnb, 16384);
    EXPECT_ERRNO(msgctl(id, 12345, &ds), EINVAL);
    EXPECT_OK(msgctl(id, IPC_RMID, NULL));
    EXPECT_ERRNO(msgctl(id, IPC_STAT, &ds), EINVAL);
}
