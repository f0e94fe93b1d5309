/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the systrap platform shared by its files (systrap.c, filter.c). Lock order,
 * outermost first: the kernel lock (callers) > plat_as.lock (memory operations and thread
 * slots of one address space) > g_slices.lock (the slice allocator). A context is used only
 * by the host thread that owns it, except systrap_interrupt (lock-free, any thread).
 */
#pragma once

#include <linux/filter.h>
#include <stdint.h>

/* Addresses of the stub code's labels in the Sentry's binary (stub.S). */
extern const char cv_st_code_start[], cv_st_code_end[], cv_st_params[];
extern const char cv_st_template_entry[], cv_st_handler[], cv_st_ready[];
extern const char cv_st_site_syswait[], cv_st_site_mmap[], cv_st_site_munmap[],
    cv_st_site_mprotect[], cv_st_site_clone[], cv_st_site_evwrite[], cv_st_site_sigaltstack[],
    cv_st_site_sud[], cv_st_site_seccomp[], cv_st_site_sigreturn[], cv_st_site_exit[],
    cv_st_site_futex[];
extern const char cv_st_patched[], cv_st_full_site[], cv_st_fallback_site[];

/* What the filters need to know of this boot. */
struct st_filter_cfg {
    uint64_t region;   /* stub address of the code page */
    int memfd;         /* the memory file, as the stubs see it */
    int evfd;          /* a stub's completion eventfd */
    uint64_t areas_lo; /* stub addresses of the thread areas, [lo, hi) */
    uint64_t areas_hi;
    uint64_t ctl_seq; /* stub address of the request sequence word */
};

/* Write the three filters (template, syscall thread, app thread) as instructions into @insns
 * (room for @cap) and their lengths into @len[3]. Returns 0 or -E2BIG. */
int st_filters_build(const struct st_filter_cfg *cfg, struct sock_filter *insns, unsigned cap,
                     unsigned len[3]);

/* Offset of a stub label from the start of the code page. */
static inline uint64_t st_code_off(const char *label)
{
    return (uint64_t)(label - cv_st_code_start);
}
