// SPDX-License-Identifier: Apache-2.0
/*
 * NUMA memory policy: set_mempolicy(2), get_mempolicy(2) and mbind(2), for a machine of one
 * node (node 0), which is what the sandbox presents. Every policy is checked as Linux checks
 * it and the thread's policy is kept and reported back; where memory comes from cannot
 * change with one node, so nothing else follows from it. COMPAT: mbind's per-range policy
 * is checked but not kept (get_mempolicy(MPOL_F_ADDR) reports the default policy).
 */
#include <errno.h>
#include <string.h>

#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/mm/mm_internal.h"
#include "sentry/syscalls/syscalls.h"

#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_LOCAL 4
#define MPOL_PREFERRED_MANY 5
#define MPOL_WEIGHTED_INTERLEAVE 6
#define MPOL_MAX 7
#define MPOL_F_NUMA_BALANCING (1 << 13)
#define MPOL_F_RELATIVE_NODES (1 << 14)
#define MPOL_F_STATIC_NODES (1 << 15)
#define MPOL_MODE_FLAGS (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING)

#define MPOL_F_NODE 1 /* get_mempolicy flags */
#define MPOL_F_ADDR 2
#define MPOL_F_MEMS_ALLOWED 4

#define MPOL_MF_STRICT 1 /* mbind flags */
#define MPOL_MF_MOVE 2
#define MPOL_MF_MOVE_ALL 4

#define MAX_NUMNODES 1024 /* CONFIG_NODES_SHIFT 10, as Debian's kernels */

/* Read the user's node mask of @maxnode bits (Linux's get_nodes: the last bit is dropped).
 * *@node0 says whether node 0 is in it, *@empty whether no node is. */
static int read_nodes(struct task *t, gaddr_t umask, uint64_t maxnode, bool *node0, bool *empty)
{
    *node0 = false;
    *empty = true;
    if (maxnode > 0)
        maxnode--;
    if (maxnode > 4096 * 8)
        return -EINVAL;
    if (!umask || maxnode == 0)
        return 0;
    uint64_t words = (maxnode + 63) / 64;
    for (uint64_t w = 0; w < words; w++) {
        uint64_t v;
        if (copy_in(t, umask + w * 8, &v, sizeof(v)) < 0)
            return -EFAULT;
        unsigned bits = (unsigned)(maxnode - w * 64 < 64 ? maxnode - w * 64 : 64);
        if (bits < 64)
            v &= (1ULL << bits) - 1;
        if (v && w * 64 >= MAX_NUMNODES)
            return -EINVAL; /* a node the kernel could never have */
        if (w == 0 && (v & 1))
            *node0 = true;
        if (v)
            *empty = false;
    }
    return 0;
}

/* Check @mode (with its flags) against the node mask as Linux's mpol_new does; the result is
 * the mode to keep. Nodes other than 0 do not exist here. */
static long check_policy(int mode, bool node0, bool empty)
{
    int base = mode & ~MPOL_MODE_FLAGS;
    int flags = mode & MPOL_MODE_FLAGS;
    if (mode < 0 || base >= MPOL_MAX)
        return -EINVAL;
    if ((flags & MPOL_F_STATIC_NODES) && (flags & MPOL_F_RELATIVE_NODES))
        return -EINVAL;
    if ((flags & MPOL_F_NUMA_BALANCING) && base != MPOL_BIND && base != MPOL_PREFERRED_MANY)
        return -EINVAL;
    switch (base) {
    case MPOL_DEFAULT:
        return empty ? MPOL_DEFAULT : -EINVAL;
    case MPOL_LOCAL:
        return empty && !flags ? MPOL_LOCAL : -EINVAL;
    case MPOL_PREFERRED:
        if (empty) /* "allocate locally": Linux keeps it as MPOL_LOCAL */
            return flags ? -EINVAL : MPOL_LOCAL;
        break;
    default:
        if (empty)
            return -EINVAL;
        break;
    }
    /* RELATIVE_NODES folds any mask onto the allowed nodes; otherwise node 0 must be named. */
    if (!node0 && !(flags & MPOL_F_RELATIVE_NODES))
        return -EINVAL;
    return mode;
}

/* Write a node mask holding node 0 (or none) as Linux's copy_nodes_to_user does. */
static int write_nodes(struct task *t, gaddr_t umask, uint64_t maxnode, bool node0)
{
    if (!umask)
        return 0;
    uint64_t bytes = (maxnode - 1 + 63) / 64 * 8;
    uint64_t zero = 0, first = node0 ? 1 : 0;
    for (uint64_t off = 0; off < bytes; off += 8) {
        if (copy_out(t, umask + off, off ? &zero : &first, 8) < 0)
            return -EFAULT;
    }
    return 0;
}

long sys_set_mempolicy(struct task *t, const struct syscall_args *a)
{
    bool node0, empty;
    int err = read_nodes(t, arg_addr(a, 1), arg_u64(a, 2), &node0, &empty);
    if (err < 0)
        return err;
    long mode = check_policy(arg_int(a, 0), node0, empty);
    if (mode < 0)
        return mode;
    t->mempolicy = (uint16_t)mode;
    return 0;
}

long sys_get_mempolicy(struct task *t, const struct syscall_args *a)
{
    gaddr_t umode = arg_addr(a, 0), umask = arg_addr(a, 1), addr = arg_addr(a, 3);
    uint64_t maxnode = arg_u64(a, 2);
    unsigned long flags = arg_u64(a, 4);
    if (flags & ~(unsigned long)(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED))
        return -EINVAL;
    if (umask && maxnode < 1)
        return -EINVAL; /* fewer bits than nodes */
    int mode = t->mempolicy;
    bool node0 = (mode & ~MPOL_MODE_FLAGS) != MPOL_DEFAULT &&
                 (mode & ~MPOL_MODE_FLAGS) != MPOL_LOCAL;
    if (flags & MPOL_F_MEMS_ALLOWED) {
        if (flags & (MPOL_F_NODE | MPOL_F_ADDR))
            return -EINVAL;
        mode = 0;
        node0 = true;
    } else if (flags & MPOL_F_ADDR) {
        if (!mm_range_mapped(t->mmt.mm, addr & ~4095ULL, (addr & ~4095ULL) + 4096))
            return -EFAULT;
        mode = MPOL_DEFAULT; /* COMPAT: mbind policies are not kept */
        node0 = false;
        if (flags & MPOL_F_NODE)
            mode = 0; /* the node of the page: there is one */
    } else if (flags & MPOL_F_NODE) {
        if ((mode & ~MPOL_MODE_FLAGS) != MPOL_INTERLEAVE &&
            (mode & ~MPOL_MODE_FLAGS) != MPOL_WEIGHTED_INTERLEAVE)
            return -EINVAL;
        mode = 0; /* the next interleave node */
    }
    if (umode && copy_out(t, umode, &mode, sizeof(mode)) < 0)
        return -EFAULT;
    return write_nodes(t, umask, maxnode, node0);
}

long sys_mbind(struct task *t, const struct syscall_args *a)
{
    gaddr_t start = arg_addr(a, 0);
    uint64_t len = arg_u64(a, 1);
    unsigned flags = (unsigned)arg_u64(a, 5);
    if (flags & ~(unsigned)(MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL))
        return -EINVAL;
    if ((flags & MPOL_MF_MOVE_ALL) && !task_capable(t, CAP_SYS_NICE))
        return -EPERM; /* moving pages other processes share */
    if (start & 4095)
        return -EINVAL;
    bool node0, empty;
    int err = read_nodes(t, arg_addr(a, 3), arg_u64(a, 4), &node0, &empty);
    if (err < 0)
        return err;
    long mode = check_policy(arg_int(a, 2), node0, empty);
    if (mode < 0)
        return mode;
    uint64_t end = start + ((len + 4095) & ~4095ULL);
    if (end < start)
        return -EINVAL;
    if (end == start)
        return 0;
    return mm_range_mapped(t->mmt.mm, start, end) ? 0 : -EFAULT;
}

void sys_mempolicy_register(void)
{
    SYSCALL_REG(LINUX_NR_set_mempolicy, SYS_PARTIAL(set_mempolicy, "one node; kept per thread"));
    SYSCALL_REG(LINUX_NR_get_mempolicy,
                SYS_PARTIAL(get_mempolicy, "one node; MPOL_F_ADDR reports the default"));
    SYSCALL_REG(LINUX_NR_mbind, SYS_PARTIAL(mbind, "one node; checked, not kept"));
}
