// SPDX-License-Identifier: Apache-2.0
/*
 * Memory syscalls: mmap, munmap, mprotect, brk, mremap, madvise, mincore, msync, and the
 * memory-policy calls that need no work. Argument checks here; the work is in mm/.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "sentry/kernel/fdtable.h"
#include "sentry/kernel/task.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm_internal.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/vfs.h"

#define KNOWN_MAP_FLAGS                                                                            \
    (MAP_SHARED | MAP_PRIVATE | MAP_SHARED_VALIDATE | MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN |  \
     MAP_DENYWRITE | MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK |   \
     MAP_STACK | MAP_HUGETLB | MAP_SYNC | MAP_FIXED_NOREPLACE | MAP_32BIT)

/* Linux's file_mmap_ok: a mapping of @len bytes (page-aligned) at @off must end within the
 * largest offset of the file's kind: INT64_MAX for regular files, block devices and sockets,
 * the 64-bit range for other files. Returns 0 or -EOVERFLOW. */
static int check_file_range(struct task *t, struct file *f, uint64_t off, uint64_t len)
{
    if (off + len < off)
        return -EOVERFLOW;
    if (off + len <= (uint64_t)INT64_MAX)
        return 0;
    struct linux_stat st;
    if (vfs_fstat(&t->ctx, f, &st) < 0)
        return -EOVERFLOW;
    return S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode) ? -EOVERFLOW : 0;
}

/* The object behind a mapping of @len bytes at @off of file @fd, a new reference in *@obj.
 * Sets *@extra to MM_MAP_NOWRITE for a shared mapping of a descriptor without write access,
 * and *@as_private when the file cannot be shared-mapped but a private copy is
 * indistinguishable. */
static long do_file_mapping(struct task *t, int fd, uint64_t off, uint64_t len, int prot,
                            int flags, struct mappable **obj, int *extra, bool *as_private)
{
    _cleanup_(file_unrefp) struct file *f = fdtable_get(t->fdt, fd);
    if (!f)
        return -EBADF;
    int err = check_file_range(t, f, off, len);
    if (err < 0)
        return err;
    if (!f->ops->get_mappable)
        return -ENODEV;
    if (!file_readable(f))
        return -EACCES;
    bool shared = (flags & MAP_TYPE) != MAP_PRIVATE;
    if (shared && (prot & PROT_WRITE) && !file_writable(f))
        return -EACCES;
    if (shared && !file_writable(f))
        *extra |= MM_MAP_NOWRITE;
    err = f->ops->get_mappable(&t->ctx, f, obj);
    if (err < 0 || !shared || (*obj)->ops->get_frame)
        return err;
    /* COMPAT: this file has no shared pages (a file of the read-only root). Without write
     * access through the descriptor the mapping can never be written, and the file cannot
     * change under it, so a private copy is indistinguishable. */
    if (!file_writable(f)) {
        *as_private = true;
        return 0;
    }
    (*obj)->ops->unref(*obj);
    *obj = NULL;
    return -ENODEV;
}

/* Linux's can_do_mlock and RLIMIT_MEMLOCK test for locking @size more bytes: none without
 * CAP_IPC_LOCK when the limit is 0 (-EPERM), and not more than the limit (@over). COMPAT:
 * the sandbox does not track locked pages, so only this request is measured, not what the
 * process has locked already. Returns 0, -EPERM or @over. */
static long mlock_allowed(struct task *t, uint64_t size, long over)
{
    if (task_capable(t, CAP_IPC_LOCK))
        return 0;
    uint64_t limit = task_rlimit_cur(t, RLIMIT_MEMLOCK);
    if (limit == 0)
        return -EPERM;
    return size / 4096 > limit / 4096 ? over : 0;
}

long sys_mmap(struct task *t, const struct syscall_args *a)
{
    gaddr_t addr = arg_addr(a, 0);
    uint64_t len = arg_u64(a, 1);
    int prot = arg_int(a, 2);
    int flags = arg_int(a, 3);
    int fd = arg_int(a, 4);
    uint64_t off = arg_u64(a, 5);
    int type = flags & MAP_TYPE;
    if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
        return -EINVAL;
    if (type == MAP_SHARED_VALIDATE && (flags & ~KNOWN_MAP_FLAGS))
        return -EOPNOTSUPP;
    if (off & 4095)
        return -EINVAL;
    if (len == 0)
        return -EINVAL;
    if (PAGE_ALIGN_UP(len) < len || PAGE_ALIGN_UP(len) > MM_TASK_SIZE)
        return -ENOMEM;
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP))
        return -EINVAL;
    if (flags & MAP_HUGETLB)
        return -EINVAL; /* COMPAT: no huge pages */
    struct mappable *obj = NULL;
    int extra = 0;
    if ((flags & MAP_ANONYMOUS) && type == MAP_SHARED_VALIDATE)
        return -EINVAL; /* as Linux: anonymous memory takes only SHARED or PRIVATE */
    if (!(flags & MAP_ANONYMOUS)) {
        bool as_private = false;
        long err = do_file_mapping(t, fd, off, PAGE_ALIGN_UP(len), prot, flags, &obj, &extra,
                                   &as_private);
        if (err < 0)
            return err;
        if (as_private)
            type = MAP_PRIVATE;
    } else {
        off = 0;
    }
    /* MAP_LOCKED: the mlock allowance, EAGAIN beyond it (Linux's mlock_future_ok). */
    long locked = (flags & MAP_LOCKED) ? mlock_allowed(t, PAGE_ALIGN_UP(len), -EAGAIN) : 0;
    if (locked < 0) {
        if (obj)
            obj->ops->unref(obj);
        return locked;
    }
    int mflags = extra | (type == MAP_PRIVATE ? MM_MAP_PRIVATE : MM_MAP_SHARED) |
                 (flags & (MM_MAP_FIXED | MM_MAP_ANONYMOUS | MM_MAP_GROWSDOWN |
                           MM_MAP_FIXED_NOREPLACE | MM_MAP_NORESERVE));
    gaddr_t out;
    int err = mm_mmap(&t->mmt, t->mmt.mm, addr, len, prot & (PROT_READ | PROT_WRITE | PROT_EXEC),
                      mflags, obj, off, &out);
    if (obj)
        obj->ops->unref(obj);
    return err < 0 ? err : (long)out;
}

long sys_munmap(struct task *t, const struct syscall_args *a)
{
    return mm_munmap(&t->mmt, t->mmt.mm, arg_addr(a, 0), arg_u64(a, 1));
}

long sys_mprotect(struct task *t, const struct syscall_args *a)
{
    return mm_mprotect(&t->mmt, t->mmt.mm, arg_addr(a, 0), arg_u64(a, 1), arg_int(a, 2));
}

/* Memory protection keys: the sandbox has none (its stubs' PKRU is not virtualised), so the
 * calls answer as Linux does without them: pkey_alloc fails with ENOSPC, "the way to detect
 * pkey support" (pkey_alloc(2)), after the argument checks; no key can be freed; and
 * pkey_mprotect takes only the default key -1. */
#define LINUX_PKEY_ACCESS_MASK 0x3 /* PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE */

long sys_pkey_alloc(struct task *t, const struct syscall_args *a)
{
    if (arg_u64(a, 0) != 0 || (arg_u64(a, 1) & ~(uint64_t)LINUX_PKEY_ACCESS_MASK))
        return -EINVAL;
    return -ENOSPC;
}

long sys_pkey_free(struct task *t, const struct syscall_args *a)
{
    return -EINVAL;
}

long sys_pkey_mprotect(struct task *t, const struct syscall_args *a)
{
    if (arg_int(a, 3) != -1)
        return -EINVAL;
    return sys_mprotect(t, a);
}

long sys_brk(struct task *t, const struct syscall_args *a)
{
    return (long)mm_brk(&t->mmt, t->mmt.mm, arg_addr(a, 0), task_rlimit_cur(t, RLIMIT_DATA));
}

long sys_mremap(struct task *t, const struct syscall_args *a)
{
    gaddr_t out;
    int err = mm_mremap(&t->mmt, t->mmt.mm, arg_addr(a, 0), arg_u64(a, 1), arg_u64(a, 2),
                        arg_int(a, 3), arg_addr(a, 4), &out);
    return err < 0 ? err : (long)out;
}

long sys_madvise(struct task *t, const struct syscall_args *a)
{
    return mm_madvise(&t->mmt, t->mmt.mm, arg_addr(a, 0), arg_u64(a, 1), arg_int(a, 2));
}

long sys_mincore(struct task *t, const struct syscall_args *a)
{
    return mm_mincore(&t->mmt, t->mmt.mm, arg_addr(a, 0), arg_u64(a, 1), arg_addr(a, 2));
}

long sys_msync(struct task *t, const struct syscall_args *a)
{
    return mm_msync(&t->mmt, t->mmt.mm, arg_addr(a, 0), arg_u64(a, 1), arg_int(a, 2));
}

/* COMPAT: app memory is never swapped by the Sentry, so locking is only checked: the pages
 * of [addr, addr + len) rounded out must all be mapped (ENOMEM, as Linux), and a lock
 * (@lock) must be allowed by RLIMIT_MEMLOCK or CAP_IPC_LOCK (EPERM, ENOMEM). */
static long check_lock_range(struct task *t, gaddr_t addr, uint64_t len, bool lock)
{
    gaddr_t start = addr & ~4095ULL;
    gaddr_t end = (addr + len + 4095) & ~4095ULL;
    long ret = lock ? mlock_allowed(t, end - start, -ENOMEM) : 0;
    if (ret < 0)
        return ret;
    if (end < start)
        return -EINVAL;
    return mm_range_mapped(t->mmt.mm, start, end) ? 0 : -ENOMEM;
}

long sys_mlock(struct task *t, const struct syscall_args *a)
{
    return check_lock_range(t, arg_addr(a, 0), arg_u64(a, 1), true);
}

#define LINUX_MLOCK_ONFAULT 1

long sys_mlock2(struct task *t, const struct syscall_args *a)
{
    if (arg_u64(a, 2) & ~(uint64_t)LINUX_MLOCK_ONFAULT)
        return -EINVAL;
    return check_lock_range(t, arg_addr(a, 0), arg_u64(a, 1), true);
}

long sys_munlock(struct task *t, const struct syscall_args *a)
{
    return check_lock_range(t, arg_addr(a, 0), arg_u64(a, 1), false);
}

#define LINUX_MCL_CURRENT 1
#define LINUX_MCL_FUTURE 2
#define LINUX_MCL_ONFAULT 4

long sys_mlockall(struct task *t, const struct syscall_args *a)
{
    uint64_t flags = arg_u64(a, 0);
    if (!(flags & (LINUX_MCL_CURRENT | LINUX_MCL_FUTURE)) ||
        (flags & ~(uint64_t)(LINUX_MCL_CURRENT | LINUX_MCL_FUTURE | LINUX_MCL_ONFAULT)))
        return -EINVAL;
    /* MCL_CURRENT locks the whole address space: all of it must be within the limit. */
    uint64_t size = 0;
    if (flags & LINUX_MCL_CURRENT) {
        struct mm_stats st;
        mm_stats(t->mmt.mm, &st);
        size = st.vm * 4096;
    }
    return mlock_allowed(t, size, -ENOMEM);
}

long sys_munlockall(struct task *t, const struct syscall_args *a)
{
    return 0;
}

void sys_mmap_register(void)
{
    SYSCALL_REG(LINUX_NR_mmap, SYS_PARTIAL(mmap, "no MAP_HUGETLB"));
    SYSCALL_REG(LINUX_NR_munmap, SYS_SUPPORTED(munmap));
    SYSCALL_REG(LINUX_NR_mprotect, SYS_SUPPORTED(mprotect));
    SYSCALL_REG(LINUX_NR_pkey_alloc, SYS_PARTIAL(pkey_alloc, "no keys, as on a CPU without PKU"));
    SYSCALL_REG(LINUX_NR_pkey_free, SYS_PARTIAL(pkey_free, "no keys, as on a CPU without PKU"));
    SYSCALL_REG(LINUX_NR_pkey_mprotect, SYS_PARTIAL(pkey_mprotect, "only key -1 (mprotect)"));
    SYSCALL_REG(LINUX_NR_brk, SYS_SUPPORTED(brk));
    SYSCALL_REG(LINUX_NR_mremap, SYS_PARTIAL(mremap, "no MREMAP_DONTUNMAP, no old_len 0"));
    SYSCALL_REG(LINUX_NR_madvise, SYS_SUPPORTED(madvise));
    SYSCALL_REG(LINUX_NR_mincore, SYS_SUPPORTED(mincore));
    SYSCALL_REG(LINUX_NR_msync, SYS_SUPPORTED(msync));
    SYSCALL_REG(LINUX_NR_mlock, SYS_PARTIAL(mlock, "checked; nothing is swapped anyway"));
    SYSCALL_REG(LINUX_NR_mlock2, SYS_PARTIAL(mlock2, "checked; nothing is swapped anyway"));
    SYSCALL_REG(LINUX_NR_munlock, SYS_PARTIAL(munlock, "checked; nothing is swapped anyway"));
    SYSCALL_REG(LINUX_NR_mlockall, SYS_PARTIAL(mlockall, "checked; nothing is swapped anyway"));
    SYSCALL_REG(LINUX_NR_munlockall, SYS_PARTIAL(munlockall, "no-op"));
}
