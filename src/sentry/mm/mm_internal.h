// SPDX-License-Identifier: Apache-2.0
/*
 * The address-space API used inside the Sentry (syscalls, loader, task code): creating and
 * forking address spaces and changing their mappings.
 *
 * Locking: Caller holds the kernel lock for every function here.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/linux/types.h"
#include "sentry/mm/mm.h"

struct mappable;
struct plat_as;
struct plat_context;

/* Top of the app's address space (exclusive) and the default mmap base. */
#define MM_TASK_SIZE 0x7ffffffff000ULL
#define MM_MMAP_MIN_ADDR 0x10000ULL

/* mmap flags the mm understands (Linux values). */
#define MM_MAP_SHARED 0x01
#define MM_MAP_PRIVATE 0x02
#define MM_MAP_FIXED 0x10
#define MM_MAP_ANONYMOUS 0x20
#define MM_MAP_GROWSDOWN 0x100
#define MM_MAP_FIXED_NOREPLACE 0x100000
#define MM_MAP_STACK 0x20000
#define MM_MAP_NORESERVE 0x4000
#define MM_MAP_POPULATE 0x8000
/* Not a Linux flag: the mapping may never become writable (mprotect gives EACCES), as a
 * shared mapping of a descriptor opened without write access. */
#define MM_MAP_NOWRITE 0x40000000

/* Shared anonymous memory of @size bytes (MAP_SHARED|MAP_ANONYMOUS, SysV shm): every
 * mapping of the object sees the same pages. New reference. */
int shmem_new(uint64_t size, struct mappable **out);
/* References to a shmem object (its mappings plus its owner's). */
int shmem_refcount(struct mappable *m);
/* True if a mapping of @obj starts at @addr in @mm. */
bool mm_maps_object_at(struct mm *mm, gaddr_t addr, struct mappable *obj);

/* A new, empty address space with its own platform address space. Creating that is a host
 * round trip (a stub process): with a context that may (@io, ctx_may_unlock; NULL keeps
 * it), it runs with the kernel lock released, for a caller that holds nothing across.
 * Returns 0 or -errno. */
int mm_new(struct ctx *io, struct mm **out);
/* fork: a copy-on-write copy of @src (a new platform address space). */
int mm_fork(struct mm_thread *t, struct mm *src, struct mm **out);
struct mm *mm_ref(struct mm *mm);
/* Number of users of @mm (tasks sharing it). */
int mm_users(struct mm *mm);
void mm_unref(struct mm *mm);

/* The platform address space of @mm (borrowed). */
struct plat_as *mm_plat_as(struct mm *mm);

/*
 * Map [@addr, @addr+@len) (page-aligned @len > 0) with @prot (PROT_*) and @flags (MM_MAP_*).
 * @obj (NULL for anonymous memory) gains a reference; @off is the offset in it.
 * Without MM_MAP_FIXED, @addr is a hint. Returns 0 and the address in *@out, or -errno
 * (-ENOMEM when no room, -EEXIST for FIXED_NOREPLACE on a used range).
 */
int mm_mmap(struct mm_thread *t, struct mm *mm, gaddr_t addr, uint64_t len, int prot, int flags,
            struct mappable *obj, uint64_t off, gaddr_t *out);
int mm_munmap(struct mm_thread *t, struct mm *mm, gaddr_t addr, uint64_t len);
int mm_mprotect(struct mm_thread *t, struct mm *mm, gaddr_t addr, uint64_t len, int prot);
int mm_mremap(struct mm_thread *t, struct mm *mm, gaddr_t old, uint64_t old_len, uint64_t new_len,
              int flags, gaddr_t new_addr, gaddr_t *out);
int mm_madvise(struct mm_thread *t, struct mm *mm, gaddr_t addr, uint64_t len, int advice);
int mm_mincore(struct mm_thread *t, struct mm *mm, gaddr_t addr, uint64_t len, gaddr_t vec);
int mm_msync(struct mm_thread *t, struct mm *mm, gaddr_t addr, uint64_t len, int flags);
/* brk(2): returns the new (or unchanged) break; the data segment may not grow past
 * @data_limit bytes (RLIMIT_DATA). */
gaddr_t mm_brk(struct mm_thread *t, struct mm *mm, gaddr_t brk, uint64_t data_limit);
/* Loader: set the initial break just after the loaded image. */
void mm_set_brk_start(struct mm *mm, gaddr_t start);
/* Loader: record the program's code range [@start, @end) (not page-aligned). */
void mm_set_code(struct mm *mm, gaddr_t start, gaddr_t end);
/* Loader: record the stack region (for /proc maps "[stack]" and growth). */
void mm_set_stack(struct mm *mm, gaddr_t start, gaddr_t end);
/* Name the VMA that starts at @start for /proc/pid/maps (a static string, e.g. "[vdso]") and
 * limit what mprotect may grant it to @maxprot. Returns 0 or -EINVAL if no VMA starts there. */
int mm_set_special(struct mm *mm, gaddr_t start, const char *name, int maxprot);
/* True if every page of [@start, @end) is mapped (no hole). */
bool mm_range_mapped(struct mm *mm, gaddr_t start, gaddr_t end);

/*
 * Resolve an app fault at @addr (from the platform): populate and map the page into the
 * platform address space through @t's platform context. @write says the access was a write
 * when known (the platform may not know: pass false and mm infers it from the mapping state).
 * Returns 0 if the app may continue, or -EFAULT (SEGV_MAPERR: no mapping) / -EACCES
 * (SEGV_ACCERR) / -EIO (SIGBUS: past the end of a file).
 */
int mm_handle_fault(struct mm_thread *t, gaddr_t addr, bool write, bool exec);

/* The host pointer of guest byte @addr for a read (@write false) or write, populating and
 * breaking COW as needed; valid until the kernel lock is dropped. NULL on a bad address. */
void *mm_host_ptr(struct mm_thread *t, struct mm *mm, gaddr_t addr, bool write);

/*
 * The task loop's hooks (kernel/task.c); @t is the calling task, Caller holds the kernel lock.
 * mm_app_enter: @t is about to run app code (pending stub invalidations of its address space
 * are applied first). mm_app_leave: @t has stopped running app code. mm_shootdown_wait: after
 * a syscall or fault, before signals are delivered: if @t took pages away from address spaces
 * that were running app code, wait (kernel lock released) until each has left app code, so
 * that no app code sees the old pages once @t's call has returned.
 */
void mm_app_enter(struct mm_thread *t);
void mm_app_leave(struct mm_thread *t);
void mm_shootdown_wait(struct mm_thread *t);
/* The exit of @t: the stub unmappings it left for the end of its syscall are made now, with
 * the kernel lock held (its context goes next). Caller holds the kernel lock. */
void mm_deferred_flush(struct mm_thread *t);
