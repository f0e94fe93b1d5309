// SPDX-License-Identifier: Apache-2.0
/*
 * System V shared memory segments of the sandbox's IPC namespace: a table of shared
 * anonymous memory objects, by key and by id.
 *
 * Locking: protected by the kernel lock.
 */
#pragma once

#include <stdint.h>

#include "abi/linux/types.h"

struct task;

/* The kernel's struct shmid_ds on x86-64 (with struct ipc64_perm). */
struct linux_shmid_ds {
    int32_t key;
    uint32_t uid, gid, cuid, cgid;
    uint16_t mode, pad1;
    uint16_t seq, pad2;
    uint64_t unused1, unused2;
    uint64_t segsz;
    int64_t atime, dtime, ctime;
    int32_t cpid, lpid;
    uint64_t nattch;
    uint64_t unused4, unused5;
};

long shm_get(struct task *t, int32_t key, uint64_t size, int flags);
/* Attach segment @id at @addr (0: anywhere). Returns the address or -errno. */
long shm_at(struct task *t, int id, gaddr_t addr, int flags);
long shm_dt(struct task *t, gaddr_t addr);
long shm_ctl(struct task *t, int id, int cmd, gaddr_t buf);
