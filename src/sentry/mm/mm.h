// SPDX-License-Identifier: Apache-2.0
/*
 * Address spaces (struct mm): VMAs, the Sentry's own page table of memory-file frames,
 * faults, copy-on-write, and the only way to touch guest memory: copy_in/copy_out.
 *
 * Locking: an mm is protected by the kernel lock, but for the stub mappings and unmappings
 * in flight without it (mm_types.h: maps_in_flight, unmap_flights; lock order: kernel lock,
 * then mm->maps_lock). The platform mirrors what mm decides; mappings reach the stub
 * lazily, on fault, and a fault maps with the kernel lock released.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "abi/linux/types.h"
#include "common/list.h"
#include "sentry/memmap/uio.h"

struct mm;
struct ctx;
struct plat_context;

/* What mm knows of a thread: the address space it runs in, its platform context there (pages
 * reach a stub only through the context of one of its own threads) and how it blocks. The
 * kernel's task embeds one (task->mmt); mm never sees the task. Only the thread itself
 * changes its fields, with the kernel lock held. */
struct mm_thread {
    struct mm *mm;             /* reference held; NULL before the first exec */
    struct plat_context *pctx; /* NULL until the thread has a context in @mm */
    struct ctx *ctx;           /* Immutable: blocks the thread (the shootdown wait) */
    gaddr_t last_fault_addr;   /* a fault seen once on a mapped page is retried... */
    uint64_t last_fault_seq;   /* ... unless nothing was mapped since (mm->map_seq) */
    uint64_t fault_next_vpn;   /* the page after the last fault's window (a hint only) */
    struct list_head running;  /* in mm->running while it runs app code (mm_app_enter) */
    /* Stub unmappings of the current syscall left for its end, when they run with the kernel
     * lock released (mm_shootdown_wait; inval.c). */
    struct mm_deferred *deferred;
};

/* The mm_thread of the calling host thread (set by mm_thread_bind), or NULL. */
struct mm_thread *mm_current(void);
/* Make @mt the calling host thread's (the task thread binds its own at start). */
void mm_thread_bind(struct mm_thread *mt);
struct mappable;

/* Copy @size bytes from guest @addr of @t's address space. Returns 0 or -EFAULT. */
int mm_copy_in(struct mm_thread *t, gaddr_t addr, void *buf, size_t size);
/* Copy @size bytes from guest @addr of address space @mm, which need not be the caller's
 * (/proc/<pid>/cmdline of another process). Caller holds the kernel lock, which keeps @mm
 * alive. Returns 0 or -EFAULT. */
int mm_copy_in_mm(struct mm *mm, gaddr_t addr, void *buf, size_t size);
/* Copy @size bytes to guest @addr. Returns 0 or -EFAULT. */
int mm_copy_out(struct mm_thread *t, gaddr_t addr, const void *buf, size_t size);
/* A forced write (as ptrace's POKETEXT): copy @size bytes to guest @addr whatever the
 * protection of its private mapping; each page gets a copy of its own first (never the
 * shared page-cache frame). Refused in shared mappings. Caller holds the kernel lock.
 * Returns 0, -EFAULT or -EACCES. */
int mm_copy_out_force(struct mm_thread *t, gaddr_t addr, const void *buf, size_t size);
/* Copy a NUL-terminated string of at most @size bytes (NUL included) from @addr.
 * Returns its length, -EFAULT, or -ENAMETOOLONG if no NUL within @size. */
long mm_copy_in_str(struct mm_thread *t, gaddr_t addr, char *buf, size_t size);

/* A guest iovec. */
struct linux_iovec {
    uint64_t base;
    uint64_t len;
};
#define LINUX_IOV_MAX 1024

/* Read @count iovecs at @addr into @out (caller-provided, >= @count entries).
 * Returns 0, -EINVAL (count > IOV_MAX or a total over SSIZE_MAX), -EFAULT. */
int mm_copy_in_iovec(struct mm_thread *t, gaddr_t addr, int count, struct linux_iovec *out);

/* Build a uio over guest memory [@addr, @addr+@size) of @t for a transfer: @to_guest true
 * means the file writes INTO guest memory (read(2)); pages are populated and copy-on-write
 * broken as needed (private pages are made @t's address space's own either way). Frames are
 * pinned until uio_release(), for host I/O without the kernel lock; copies made with the lock
 * look the pages up again if the address space changed meanwhile (docs/architecture.md
 * "Memory under I/O"). A fault part-way yields a shorter uio (as Linux's short read);
 * -EFAULT if the first byte is bad. The caller's task keeps its address space until
 * uio_release(); pass the consumer's result through uio_result(). */
int mm_uio_prepare(struct mm_thread *t, gaddr_t addr, size_t size, bool to_guest, struct uio *u);
/* Same for an iovec array (readv/writev). */
int mm_uio_prepare_iov(struct mm_thread *t, const struct linux_iovec *iov, int count, bool to_guest,
                       struct uio *u);
/* Unpin what mm_uio_prepare pinned. */
void uio_release(struct uio *u);

/* Futex key of the 4-byte word at @addr: private keys are (mm, addr), shared keys are
 * (memory-file frame, offset) so that every mapping of a shared page agrees.
 * Returns 0, -EFAULT, -EINVAL (misaligned). */
struct futex_key {
    uint64_t a, b;
};
int mm_futex_key(struct mm_thread *t, gaddr_t addr, bool shared, struct futex_key *key);

/* Atomically compare-and-exchange / read the u32 at @addr (futex, robust lists).
 * Returns 0 or -EFAULT; *@old receives the previous value. */
int mm_atomic_cmpxchg_u32(struct mm_thread *t, gaddr_t addr, uint32_t expect, uint32_t desired,
                          uint32_t *old);
int mm_atomic_load_u32(struct mm_thread *t, gaddr_t addr, uint32_t *val);

/* How mm_invalidate_mappable treats the pages of the range. */
enum mm_inval_mode {
    /* A truncation: every page goes, private copies the app wrote included (SIGBUS past the
     * new end), as Linux's truncate_pagecache. */
    MM_INVAL_TRUNCATE,
    /* A hole: pages of shared mappings and private pages not yet written go (they read the
     * hole's zeros next); private pages the app wrote keep their copy. */
    MM_INVAL_HOLE,
    /* The object's pages changed in place (the zeroed tail of a new last page): only private
     * pages not yet written go, shared mappings see the change already. */
    MM_INVAL_CONTENTS,
};

/*
 * The pages of @m in [@off, @end) (object offsets, @off rounded down to a page) changed: take
 * them from every address space that maps @m, as @mode says, so that the next access there
 * sees the object as it is now. Called by the object's owner (a file system) after it
 * changed its pages. The calling task (g_current, if any) does not return to app code before
 * the address spaces running app code have left it (mm_shootdown_wait). Caller holds the
 * kernel lock.
 */
void mm_invalidate_mappable(struct mappable *m, uint64_t off, uint64_t end,
                            enum mm_inval_mode mode);

/* For /proc/pid/maps: write the maps text of @mm into a malloc'ed string. */
int mm_maps_text(struct mm *mm, char **out, size_t *len);

/* Once at boot, while the host's /proc is reachable: remember the host's [vsyscall] line of
 * /proc/self/maps. App code runs in host processes, which have that page whatever the Sentry
 * does, and the platform serves calls into it; so every maps text lists it as Linux would.
 * Not an error if the host has none (vsyscall=none) or /proc cannot be read. */
void mm_capture_host_vsyscall(void);
/* Resident/virtual sizes in pages (for /proc/pid/stat, statm, status). */
void mm_usage(struct mm *mm, uint64_t *vm_pages, uint64_t *rss_pages);

/* Memory figures of an address space in pages, with Linux's meanings, for
 * /proc/<pid>/stat, statm and status. */
struct mm_stats {
    uint64_t vm;    /* mapped (VmSize) */
    uint64_t anon;  /* resident private pages (RssAnon) */
    uint64_t file;  /* resident pages of file mappings, not tmpfs (RssFile) */
    uint64_t shmem; /* resident tmpfs and shared anonymous pages (RssShmem) */
    uint64_t data;  /* private writable mappings but the stack (VmData) */
    uint64_t stack; /* the stack (VmStk) */
    uint64_t exec;  /* executable, neither writable nor stack (Linux's exec_vm) */
    uint64_t code;  /* the program's code: VmExe, statm's text */
};
/* Fill *@st for @mm. Caller holds the kernel lock. */
void mm_stats(struct mm *mm, struct mm_stats *st);
gaddr_t mm_brk_start(struct mm *mm);
gaddr_t mm_stack_start(struct mm *mm);
