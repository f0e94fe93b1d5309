// SPDX-License-Identifier: Apache-2.0
/*
 * Changing an address space: mmap, munmap, mprotect, mremap, brk, madvise, mincore, msync,
 * with Linux's argument checks and errnos. Page population stays lazy (mm.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>

#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm_priv.h"
#include "sentry/platform/platform.h"

static void reserved_range(gaddr_t *s, gaddr_t *e)
{
    g_platform->reserved(s, e);
}

static bool hits_reserved(gaddr_t start, gaddr_t end)
{
    gaddr_t rs, re;
    reserved_range(&rs, &re);
    return start < re && end > rs;
}

/* Linux's heuristic overcommit (vm.overcommit_memory = 0): one request for more private
 * writable memory than the host has RAM and swap is refused. The total is read once. */
static bool overcommit_ok(uint64_t len)
{
    static uint64_t limit;
    if (!limit) {
        struct sysinfo si;
        limit = sysinfo(&si) == 0 ? ((uint64_t)si.totalram + (uint64_t)si.totalswap) * si.mem_unit
                                  : UINT64_MAX;
    }
    return len <= limit;
}

static void drop_obj(struct mm *mm, struct vma *v)
{
    vma_obj_put(mm, v);
}

/* Remove every mapping in [start, end): pages, stub mappings and VMAs. */
static int unmap_range(struct mm_thread *t, struct mm *mm, gaddr_t start, gaddr_t end)
{
    int err = vma_split_at(mm, start);
    if (err == 0)
        err = vma_split_at(mm, end);
    if (err < 0)
        return err;
    mm_release_range(t, mm, start, end);
    vma_remove_range(mm, start, end, drop_obj);
    return 0;
}

int mm_mmap(struct mm_thread *t, struct mm *mm, gaddr_t addr, uint64_t len, int prot, int flags,
            struct mappable *obj, uint64_t off, gaddr_t *out)
{
    if (len == 0 || len > MM_TASK_SIZE)
        return -ENOMEM;
    len = PAGE_ALIGN_UP(len);
    gaddr_t rs, re;
    reserved_range(&rs, &re);
    if (flags & (MM_MAP_FIXED | MM_MAP_FIXED_NOREPLACE)) {
        if (addr & ~LINUX_PAGE_MASK)
            return -EINVAL;
        if (addr + len > MM_TASK_SIZE || addr + len < addr || hits_reserved(addr, addr + len))
            return -ENOMEM;
        if (!vma_range_free(mm, addr, addr + len)) {
            if (flags & MM_MAP_FIXED_NOREPLACE)
                return -EEXIST;
            int err = unmap_range(t, mm, addr, addr + len);
            if (err < 0)
                return err;
        }
    } else {
        addr = PAGE_ALIGN_DOWN(addr);
        if (!addr || addr < MM_MMAP_MIN_ADDR || addr + len > MM_TASK_SIZE ||
            !vma_range_free(mm, addr, addr + len) || hits_reserved(addr, addr + len))
            addr = vma_find_gap(mm, len, MM_MMAP_MIN_ADDR, mm->mmap_base, rs, re);
        if (!addr)
            addr = vma_find_gap(mm, len, MM_MMAP_MIN_ADDR, MM_TASK_SIZE, rs, re);
        if (!addr)
            return -ENOMEM;
    }
    bool accounted = (flags & MM_MAP_SHARED) ? !obj : (prot & PROT_WRITE) != 0;
    if (accounted && !(flags & MM_MAP_NORESERVE) && !overcommit_ok(len))
        return -ENOMEM;
    struct mappable *shared_anon = NULL;
    if (!obj && (flags & MM_MAP_SHARED)) {
        int err = shmem_new(len, &shared_anon);
        if (err < 0)
            return err;
        obj = shared_anon;
        off = 0;
    }
    struct vma v = {
        .start = addr,
        .end = addr + len,
        .prot = prot,
        .maxprot =
            (flags & MM_MAP_NOWRITE) ? PROT_READ | PROT_EXEC : PROT_READ | PROT_WRITE | PROT_EXEC,
        .flags = flags & (MM_MAP_SHARED | MM_MAP_PRIVATE | MM_MAP_GROWSDOWN),
        .obj = obj,
        .off = off,
    };
    int err = vma_obj_get(mm, &v);
    if (shared_anon)
        shared_anon->ops->unref(shared_anon); /* the VMA's reference is the one left */
    if (err < 0)
        return err;
    if (vma_insert(mm, &v) < 0) {
        drop_obj(mm, &v);
        return -ENOMEM;
    }
    vma_try_merge(mm, vma_find_index(mm, addr));
    *out = addr;
    return 0;
}

int mm_munmap(struct mm_thread *t, struct mm *mm, gaddr_t addr, uint64_t len)
{
    if ((addr & ~LINUX_PAGE_MASK) || len == 0)
        return -EINVAL;
    len = PAGE_ALIGN_UP(len);
    if (addr + len > MM_TASK_SIZE || addr + len < addr)
        return -EINVAL;
    return unmap_range(t, mm, addr, addr + len);
}

/* True if [start, end) is entirely covered by VMAs. */
static bool range_mapped(struct mm *mm, gaddr_t start, gaddr_t end)
{
    gaddr_t a = start;
    int i = vma_lower_bound(mm, start);
    while (a < end) {
        if (i >= mm->nvmas || mm->vmas[i].start > a)
            return false;
        a = mm->vmas[i].end;
        i++;
    }
    return true;
}

int mm_mprotect(struct mm_thread *t, struct mm *mm, gaddr_t addr, uint64_t len, int prot)
{
    if (addr & ~LINUX_PAGE_MASK)
        return -EINVAL;
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP))
        return -EINVAL;
    prot &= PROT_READ | PROT_WRITE | PROT_EXEC;
    len = PAGE_ALIGN_UP(len);
    if (len == 0)
        return 0;
    gaddr_t end = addr + len;
    if (end < addr || end > MM_TASK_SIZE)
        return -ENOMEM;
    if (!range_mapped(mm, addr, end))
        return -ENOMEM;
    for (int i = vma_lower_bound(mm, addr); i < mm->nvmas && mm->vmas[i].start < end; i++)
        if (prot & ~mm->vmas[i].maxprot)
            return -EACCES; /* e.g. write to a shared mapping of a read-only descriptor */
    int err = vma_split_at(mm, addr);
    if (err == 0)
        err = vma_split_at(mm, end);
    if (err < 0)
        return err;
    for (int i = vma_lower_bound(mm, addr); i < mm->nvmas && mm->vmas[i].start < end; i++)
        mm->vmas[i].prot = prot;
    mm->map_gen++; /* transfers in progress check their access again */
    /* Private pages may be copy-on-write shared: never grant write in the stub here; write
     * faults upgrade exclusive pages one by one. */
    for (int i = vma_lower_bound(mm, addr); i < mm->nvmas && mm->vmas[i].start < end; i++) {
        struct vma *v = &mm->vmas[i];
        int sprot = (v->flags & MM_MAP_SHARED) ? prot : prot & ~PROT_WRITE;
        mm_stub_protect(t, mm, v->start, v->end, sprot);
    }
    int i = vma_find_index(mm, addr);
    vma_try_merge(mm, i);
    return 0;
}

gaddr_t mm_brk(struct mm_thread *t, struct mm *mm, gaddr_t brk, uint64_t data_limit)
{
    if (brk < mm->brk_start)
        return mm->brk;
    gaddr_t old_end = PAGE_ALIGN_UP(mm->brk);
    gaddr_t new_end = PAGE_ALIGN_UP(brk);
    if (new_end > old_end) {
        if (new_end - mm->brk_start > data_limit || !overcommit_ok(new_end - old_end))
            return mm->brk;
        if (!vma_range_free(mm, old_end, new_end) || hits_reserved(old_end, new_end))
            return mm->brk;
        gaddr_t got;
        if (mm_mmap(t, mm, old_end, new_end - old_end, PROT_READ | PROT_WRITE,
                    MM_MAP_PRIVATE | MM_MAP_ANONYMOUS | MM_MAP_FIXED, NULL, 0, &got) < 0)
            return mm->brk;
        int i = vma_find_index(mm, got);
        if (i >= 0)
            mm->vmas[i].special = "[heap]";
        if (i > 0 && mm->vmas[i - 1].end == got && mm->vmas[i - 1].special)
            vma_try_merge(mm, i);
    } else if (new_end < old_end) {
        if (unmap_range(t, mm, new_end, old_end) < 0)
            return mm->brk;
    }
    mm->brk = brk;
    return brk;
}

static int do_move(struct mm_thread *t, struct mm *mm, struct vma *v, gaddr_t old, uint64_t old_len,
                   gaddr_t dst, uint64_t new_len);

int mm_mremap(struct mm_thread *t, struct mm *mm, gaddr_t old, uint64_t old_len, uint64_t new_len,
              int flags, gaddr_t new_addr, gaddr_t *out)
{
    const int MAYMOVE = 1, FIXED = 2, DONTUNMAP = 4;
    if (flags & ~(MAYMOVE | FIXED | DONTUNMAP))
        return -EINVAL;
    if ((flags & FIXED) && !(flags & MAYMOVE))
        return -EINVAL;
    if (flags & DONTUNMAP)
        return -EINVAL; /* COMPAT: MREMAP_DONTUNMAP is not supported */
    if (old & ~LINUX_PAGE_MASK)
        return -EINVAL;
    old_len = PAGE_ALIGN_UP(old_len);
    new_len = PAGE_ALIGN_UP(new_len);
    if (new_len == 0 || new_len > MM_TASK_SIZE)
        return -EINVAL;
    struct vma *v = vma_find(mm, old);
    if (!v || (old_len && old + old_len > v->end))
        return -EFAULT;
    if (old_len == 0) {
        /* A second mapping of the same shared memory (Linux allows it for MAP_SHARED only). */
        if (!(v->flags & MM_MAP_SHARED) || !(flags & MAYMOVE) || !v->obj)
            return -EINVAL;
        gaddr_t got;
        int err = mm_mmap(t, mm, (flags & FIXED) ? new_addr : 0, new_len, v->prot,
                          MM_MAP_SHARED | ((flags & FIXED) ? MM_MAP_FIXED : 0) |
                              ((v->maxprot & PROT_WRITE) ? 0 : MM_MAP_NOWRITE),
                          v->obj, v->off + (old - v->start), &got);
        if (err == 0)
            *out = got;
        return err;
    }
    if (flags & FIXED) {
        if ((new_addr & ~LINUX_PAGE_MASK) || new_addr + new_len > MM_TASK_SIZE)
            return -EINVAL;
        if (new_addr < old + old_len && old < new_addr + new_len)
            return -EINVAL;
        int err = unmap_range(t, mm, new_addr, new_addr + new_len);
        if (err < 0)
            return err;
        v = vma_find(mm, old);
        err = do_move(t, mm, v, old, old_len, new_addr, new_len);
        if (err < 0)
            return err;
        *out = new_addr;
        return 0;
    }
    if (new_len <= old_len) {
        if (new_len < old_len) {
            int err = unmap_range(t, mm, old + new_len, old + old_len);
            if (err < 0)
                return err;
        }
        *out = old;
        return 0;
    }
    /* Grow in place when the VMA ends here and the space after it is free. */
    if (old + old_len == v->end && vma_range_free(mm, v->end, old + new_len) &&
        old + new_len <= MM_TASK_SIZE && !hits_reserved(v->end, old + new_len)) {
        v->end = old + new_len;
        *out = old;
        return 0;
    }
    if (!(flags & MAYMOVE))
        return -ENOMEM;
    gaddr_t rs, re;
    reserved_range(&rs, &re);
    gaddr_t dst = vma_find_gap(mm, new_len, MM_MMAP_MIN_ADDR, mm->mmap_base, rs, re);
    if (!dst)
        return -ENOMEM;
    int err = do_move(t, mm, v, old, old_len, dst, new_len);
    if (err < 0)
        return err;
    *out = dst;
    return 0;
}

struct move_arg {
    struct mm *mm;
    int64_t delta; /* in pages */
    int err;
};

static void move_pte(struct mm *mm, uint64_t vpn, uint64_t *pte, void *arg)
{
    struct move_arg *m = arg;
    if (!(*pte & PTE_PRESENT) || m->err)
        return;
    uint64_t *dst = pt_entry(mm, (uint64_t)((int64_t)vpn + m->delta), true);
    if (!dst) {
        m->err = -ENOMEM;
        return;
    }
    *dst = *pte & (PTE_FRAME_MASK | PTE_PRESENT | PTE_CLEAN);
    *pte = 0;
}

/* Move [old, old+old_len) of @v to @dst, sized @new_len (>= old_len or smaller). */
static int do_move(struct mm_thread *t, struct mm *mm, struct vma *v, gaddr_t old, uint64_t old_len,
                   gaddr_t dst, uint64_t new_len)
{
    struct vma nv = *v;
    nv.start = dst;
    nv.end = dst + new_len;
    nv.special = NULL;
    if (nv.obj)
        nv.off += old - v->start;
    if (vma_obj_get(mm, &nv) < 0)
        return -ENOMEM;
    uint64_t keep = old_len < new_len ? old_len : new_len;
    /* The stub loses the old range; pages move in the Sentry's table without copying. */
    mm_stub_unmap(t, mm, old, old + old_len);
    struct move_arg m = {.mm = mm, .delta = ((int64_t)dst - (int64_t)old) / 4096};
    pt_for_each(mm, old >> 12, (old + keep) >> 12, move_pte, &m);
    mm->map_gen++;
    if (m.err) {
        drop_obj(mm, &nv);
        return m.err;
    }
    int err = unmap_range(t, mm, old, old + old_len);
    if (err == 0)
        err = vma_insert(mm, &nv);
    if (err < 0) {
        drop_obj(mm, &nv);
        return err;
    }
    return 0;
}

/* MADV_REMOVE of [start, end), every page mapped: punch a hole in the shared objects behind
 * it (Linux's madvise_remove: EINVAL without a file behind, EACCES unless the mapping is
 * shared and may be written, EOPNOTSUPP if the file cannot punch holes). The objects take
 * the pages from every mapping themselves. */
static int madvise_remove(struct mm *mm, gaddr_t start, gaddr_t end)
{
    for (int i = vma_lower_bound(mm, start); i < mm->nvmas && mm->vmas[i].start < end; i++) {
        const struct vma *v = &mm->vmas[i];
        if (!v->obj)
            return -EINVAL;
        if (!(v->flags & MM_MAP_SHARED) || !(v->maxprot & PROT_WRITE))
            return -EACCES;
    }
    /* Objects may change the VMA array (they invalidate mappings, not VMAs, but look the
     * VMA up again each time anyway). */
    for (gaddr_t a = start; a < end;) {
        const struct vma *v = vma_find(mm, a);
        gaddr_t e = v->end < end ? v->end : end;
        if (!v->obj->ops->punch)
            return -EOPNOTSUPP;
        int err = v->obj->ops->punch(v->obj, v->off + (a - v->start), e - a);
        if (err < 0)
            return err;
        a = e;
    }
    return 0;
}

int mm_madvise(struct mm_thread *t, struct mm *mm, gaddr_t addr, uint64_t len, int advice)
{
    if (addr & ~LINUX_PAGE_MASK)
        return -EINVAL;
    len = PAGE_ALIGN_UP(len);
    if (addr + len < addr)
        return -EINVAL;
    switch (advice) {
    case MADV_DONTFORK:
    case MADV_DOFORK:
        if (len == 0)
            return 0;
        if (!range_mapped(mm, addr, addr + len))
            return -ENOMEM;
        if (vma_split_at(mm, addr) < 0 || vma_split_at(mm, addr + len) < 0)
            return -ENOMEM;
        for (int i = vma_lower_bound(mm, addr); i < mm->nvmas && mm->vmas[i].start < addr + len;
             i++) {
            if (advice == MADV_DONTFORK)
                mm->vmas[i].flags |= VMA_DONTFORK;
            else
                mm->vmas[i].flags &= ~VMA_DONTFORK;
        }
        return 0;
    case MADV_NORMAL:
    case MADV_RANDOM:
    case MADV_SEQUENTIAL:
    case MADV_WILLNEED:
    case MADV_MERGEABLE:
    case MADV_UNMERGEABLE:
    case MADV_HUGEPAGE:
    case MADV_NOHUGEPAGE:
    case MADV_DONTDUMP:
    case MADV_DODUMP:
    case MADV_COLD:
    case MADV_PAGEOUT:
        break;
    case MADV_DONTNEED:
    case MADV_FREE:
        if (len == 0)
            return 0;
        if (!range_mapped(mm, addr, addr + len))
            return -ENOMEM;
        /* Private pages are dropped (zero or file contents on the next touch); shared
         * memory keeps its contents and only leaves this mapping. */
        mm_release_range(t, mm, addr, addr + len);
        return 0;
    case MADV_REMOVE:
        if (len == 0)
            return 0;
        if (!range_mapped(mm, addr, addr + len))
            return -ENOMEM;
        return madvise_remove(mm, addr, addr + len);
    default:
        return -EINVAL;
    }
    if (len && !range_mapped(mm, addr, addr + len))
        return -ENOMEM;
    return 0;
}

int mm_mincore(struct mm_thread *t, struct mm *mm, gaddr_t addr, uint64_t len, gaddr_t vec)
{
    if (addr & ~LINUX_PAGE_MASK)
        return -EINVAL;
    len = PAGE_ALIGN_UP(len);
    if (addr + len < addr || addr + len > MM_TASK_SIZE)
        return -ENOMEM;
    if (!range_mapped(mm, addr, addr + len))
        return -ENOMEM;
    uint8_t buf[256];
    for (uint64_t done = 0; done < len;) {
        uint64_t n = (len - done) >> 12;
        if (n > sizeof(buf))
            n = sizeof(buf);
        for (uint64_t i = 0; i < n; i++) {
            uint64_t *p = pt_entry(mm, (addr + done) / 4096 + i, false);
            buf[i] = (p && (*p & PTE_PRESENT)) ? 1 : 0;
        }
        int err = mm_copy_out(t, vec + done / 4096, buf, n);
        if (err < 0)
            return err;
        done += n << 12;
    }
    return 0;
}

/*
 * msync: shared file mappings in [addr, addr+len) write their pages back to the file. Linux's
 * MS_ASYNC only schedules that (its page cache is what the file is); here the host only sees
 * the data after writeback, so every msync writes back, and MS_SYNC also waits for the disk.
 * As in Linux, a hole in the range gives -ENOMEM after the mapped parts were synced.
 */
int mm_msync(struct mm_thread *t, struct mm *mm, gaddr_t addr, uint64_t len, int flags)
{
    (void)t;
    if (addr & ~LINUX_PAGE_MASK)
        return -EINVAL;
    if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
        return -EINVAL;
    if ((flags & MS_ASYNC) && (flags & MS_SYNC))
        return -EINVAL;
    len = PAGE_ALIGN_UP(len);
    gaddr_t end = addr + len;
    for (int i = vma_lower_bound(mm, addr); i < mm->nvmas && mm->vmas[i].start < end; i++) {
        struct vma *v = &mm->vmas[i];
        if (!v->obj || !(v->flags & MM_MAP_SHARED) || !v->obj->ops->sync)
            continue;
        gaddr_t s = v->start > addr ? v->start : addr;
        gaddr_t e = v->end < end ? v->end : end;
        int err = v->obj->ops->sync(v->obj, v->off + (s - v->start), e - s, flags & MS_SYNC);
        if (err < 0)
            return err;
    }
    if (len && !range_mapped(mm, addr, end))
        return -ENOMEM;
    return 0;
}

bool mm_maps_object_at(struct mm *mm, gaddr_t addr, struct mappable *obj)
{
    struct vma *v = vma_find(mm, addr);
    return v && v->start == addr && v->obj == obj;
}
