// SPDX-License-Identifier: Apache-2.0
/*
 * execve's program loader: follows "#!" scripts to an ELF file, maps it (and its PT_INTERP
 * interpreter) into a fresh address space, and builds the initial stack. The format checks
 * are pure functions in elf.c/script.c and the stack image is built by stack.c; this file
 * does the file I/O and the mappings.
 */
#include "sentry/loader/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi/linux/stat.h"
#include "common/log.h"
#include "sentry/kernel/task.h"
#include "sentry/loader/elf.h"
#include "sentry/loader/stack.h"
#include "sentry/loader/vdso.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm_internal.h"
#include "sentry/platform/platform.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/vfs.h"

/* One ELF file being loaded (the program or its interpreter). */
struct elf_image {
    struct file *file; /* reference held */
    struct elf_info info;
    struct elf64_phdr ph[ELF_MAX_PHNUM];
    struct elf_layout layout;
    uint64_t bias; /* load address minus link address */
};

struct load_ctx {
    struct task *t;
    struct mm *mm;
    const char *path;  /* the file being examined: the original path, then interpreters */
    char *const *argv; /* argv after "#!" rewriting */
    int depth;         /* scripts followed so far */
    char **argv_alloc[LOADER_MAX_SCRIPT_DEPTH];
    struct script_hdr scripts[LOADER_MAX_SCRIPT_DEPTH];
    char head[LOADER_BUF_SIZE]; /* first bytes of the current file, zero-filled */
    struct elf_image main;
    struct elf_image interp;
    bool has_interp;
    gaddr_t stack_start, stack_end;
    gaddr_t vdso;      /* AT_SYSINFO_EHDR */
    struct cred *cred; /* what the program runs as; owned until handed to the caller */
    bool secure;       /* AT_SECURE */
    bool dumpable;
};

/* Write @size bytes of @buf (zeros if NULL) at guest @addr of @mm, whatever its protection:
 * the loader fills memory of an address space that may not be @t's yet. */
static int guest_write(struct load_ctx *c, gaddr_t addr, const void *buf, size_t size)
{
    const uint8_t *src = buf;
    while (size > 0) {
        size_t chunk = LINUX_PAGE_SIZE - (addr % LINUX_PAGE_SIZE);
        if (chunk > size)
            chunk = size;
        uint8_t *dst = mm_host_ptr(&c->t->mmt, c->mm, addr, true);
        if (!dst)
            return -EFAULT;
        if (src) {
            memcpy(dst, src, chunk);
            src += chunk;
        } else {
            memset(dst, 0, chunk);
        }
        addr += chunk;
        size -= chunk;
    }
    return 0;
}

/* Open @path for execution as may_open(MAY_EXEC) checks it: a regular file with execute
 * permission. New file reference in *@out. Returns 0 or -errno. */
static int open_exec(struct task *t, const char *path, struct file **out)
{
    return vfs_open_exec(&t->ctx, path, out);
}

/* The credentials the program c->main.file runs with, and whether it is dumpable (Linux's
 * bprm_fill_uid, bprm_creds_from_file and would_dump). Returns 0 or -errno. */
static int exec_creds(struct load_ctx *c)
{
    const struct cred *old = task_cred(c->t);
    struct vfs_exec_info xi;
    int ret = vfs_exec_info(&c->t->ctx, c->main.file, &xi);
    if (ret < 0)
        return ret;
    struct file_caps fc;
    bool has_caps = xi.caps_size > 0 && cred_parse_file_caps(xi.caps, xi.caps_size, &fc) == 0;
    bool setuid = !xi.nosuid && (xi.mode & S_ISUID);
    bool setgid = !xi.nosuid && (xi.mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP);
    c->cred = cred_prepare(old);
    if (!c->cred)
        return -ENOMEM;
    ret =
        cred_exec(old, c->cred, setuid, xi.uid, setgid, xi.gid, has_caps ? &fc : NULL, &c->secure);
    if (ret < 0)
        return ret;
    /* Linux's begin_new_exec: not dumpable if the caller could not read the program, if
     * the exec changes privilege, or if the caller ran with different real and effective
     * ids. */
    const struct cred *n = c->cred;
    bool changed = n->euid != old->euid || n->egid != old->egid || n->fsuid != old->fsuid ||
                   n->fsgid != old->fsgid || (n->cap_permitted & ~old->cap_permitted);
    c->dumpable = xi.readable && !changed && old->euid == old->uid && old->egid == old->gid;
    return 0;
}

/* Read exactly @size bytes at @off of @f. Returns 0, -EIO on a short read, or -errno. */
static int read_exact(struct task *t, struct file *f, void *buf, size_t size, int64_t off)
{
    ssize_t n = vfs_kernel_pread(&t->ctx, f, buf, size, off);
    if (n < 0)
        return (int)n;
    return (size_t)n == size ? 0 : -EIO;
}

/* Read the first LOADER_BUF_SIZE bytes of @f into c->head (zero-filled past EOF). */
static int read_head(struct load_ctx *c, struct file *f)
{
    memset(c->head, 0, sizeof(c->head));
    ssize_t n = vfs_kernel_pread(&c->t->ctx, f, c->head, sizeof(c->head), 0);
    return n < 0 ? (int)n : 0;
}

static long count_vec(char *const *v)
{
    long n = 0;
    while (v && v[n])
        n++;
    return n;
}

/* Apply the "#!" line in c->head: argv becomes [interp, arg?, path, argv[1..]] and the
 * interpreter is the next file to load. Returns 0 or -errno. */
static int follow_script(struct load_ctx *c)
{
    if (c->depth >= LOADER_MAX_SCRIPT_DEPTH)
        return -ELOOP;
    struct script_hdr *h = &c->scripts[c->depth];
    int ret = script_parse(c->head, sizeof(c->head), h);
    if (ret < 0)
        return ret;
    long argc = count_vec(c->argv);
    long rest = argc > 1 ? argc - 1 : 0;
    char **v = calloc(3 + rest + 1, sizeof(*v));
    if (!v)
        return -ENOMEM;
    int n = 0;
    v[n++] = h->interp;
    if (h->has_arg)
        v[n++] = h->arg;
    v[n++] = (char *)c->path;
    for (long i = 0; i < rest; i++)
        v[n++] = c->argv[i + 1];
    v[n] = NULL;
    c->argv_alloc[c->depth++] = v;
    c->argv = v;
    c->path = h->interp;
    return 0;
}

/* The E2BIG checks of the stack builder, on the original argv and envp. */
static int check_arg_limits(struct load_ctx *c, char *const *envp)
{
    struct stack_args a = {
        .argv = c->argv,
        .envp = envp,
        .execfn = c->path,
        .platform = "",
        .arg_limit = stack_arg_limit(task_rlimit_cur(c->t, RLIMIT_STACK)),
    };
    return stack_check_limits(&a);
}

/* Open @path, following "#!" scripts, until an ELF file: its reference goes to
 * c->main.file and its first bytes are in c->head. Returns 0 or -errno. */
static int open_program(struct load_ctx *c, char *const *envp)
{
    for (;;) {
        struct file *f;
        int ret = open_exec(c->t, c->path, &f);
        if (ret < 0)
            return ret;
        ret = read_head(c, f);
        if (ret < 0) {
            file_unref(f);
            return ret;
        }
        if (c->depth == 0) {
            /* Linux copies argv and envp, and so fails with E2BIG, before it looks at the
             * file's format. */
            ret = check_arg_limits(c, envp);
            if (ret < 0) {
                file_unref(f);
                return ret;
            }
        }
        if (c->head[0] != '#' || c->head[1] != '!') {
            c->main.file = f;
            return 0;
        }
        file_unref(f);
        ret = follow_script(c);
        if (ret < 0)
            return ret;
    }
}

/* Check the ELF header in c->head-like @head and read the program headers of @im->file.
 * Returns 0 or -errno. */
static int read_elf(struct task *t, const char *head, struct elf_image *im)
{
    int ret = elf_check_header(head, LOADER_BUF_SIZE, &im->info);
    if (ret < 0)
        return ret;
    ret = read_exact(t, im->file, im->ph, im->info.phnum * sizeof(struct elf64_phdr),
                     (int64_t)im->info.phoff);
    if (ret < 0)
        return ret;
    return elf_parse_phdrs(&im->info, im->ph, &im->layout);
}

/* Open and check the PT_INTERP interpreter of the program. Returns 0 or -errno. */
static int open_interp(struct load_ctx *c)
{
    const struct elf_layout *l = &c->main.layout;
    char *name = malloc(l->interp_size);
    if (!name)
        return -ENOMEM;
    int ret = read_exact(c->t, c->main.file, name, l->interp_size, (int64_t)l->interp_off);
    if (ret == 0 && name[l->interp_size - 1] != '\0')
        ret = -ENOEXEC;
    if (ret == 0)
        ret = open_exec(c->t, name, &c->interp.file);
    free(name);
    if (ret < 0)
        return ret;
    char head[LOADER_BUF_SIZE] = {0};
    ssize_t n = vfs_kernel_pread(&c->t->ctx, c->interp.file, head, sizeof(head), 0);
    if (n < 0)
        return (int)n;
    ret = read_elf(c->t, head, &c->interp);
    if (ret == -ENOEXEC) /* not an x86-64 ELF program: Linux says ELIBBAD */
        return -ELIBBAD;
    return ret;
}

/* True if [@start, @end) overlaps [@s2, @e2). */
static bool overlaps(gaddr_t start, gaddr_t end, gaddr_t s2, gaddr_t e2)
{
    return start < e2 && s2 < end;
}

/* Check that [@start, @end) is usable for an image: inside the app's range, away from the
 * platform's reserved range and from the stack. */
static int check_range(struct load_ctx *c, gaddr_t start, gaddr_t end)
{
    if (start >= end || end > MM_TASK_SIZE)
        return -ENOMEM;
    gaddr_t rs = 0, re = 0;
    if (g_platform && g_platform->reserved)
        g_platform->reserved(&rs, &re);
    if (overlaps(start, end, rs, re) || overlaps(start, end, c->stack_start, c->stack_end))
        return -ENOMEM;
    return 0;
}

/* A free range for a position-independent interpreter, chosen by mm's top-down mmap
 * policy. Returns 0 and the load base in *@base, or -errno. */
static int pick_interp_base(struct load_ctx *c, uint64_t span, uint64_t align, gaddr_t *base)
{
    uint64_t size = span + align - LINUX_PAGE_SIZE;
    gaddr_t addr;
    int ret = mm_mmap(&c->t->mmt, c->mm, 0, size, PROT_NONE, MM_MAP_PRIVATE | MM_MAP_ANONYMOUS,
                      NULL, 0, &addr);
    if (ret < 0)
        return ret;
    /* Only the address was wanted: the segments are mapped there with MAP_FIXED. */
    ret = mm_munmap(&c->t->mmt, c->mm, addr, size);
    if (ret < 0)
        return ret;
    *base = (addr + align - 1) & ~(align - 1);
    return 0;
}

/* Choose im->bias: 0 for ET_EXEC, LOADER_PIE_BASE for the program if ET_DYN (static-PIE
 * included: COMPAT, Linux puts a static-PIE at the mmap base), a top-down address for an
 * ET_DYN interpreter. Returns 0 or -errno. */
static int choose_bias(struct load_ctx *c, struct elf_image *im, bool is_interp)
{
    const struct elf_layout *l = &im->layout;
    uint64_t span = PAGE_ALIGN_UP(l->max_vaddr) - l->min_vaddr;
    gaddr_t base;
    if (im->info.type == ELF_ET_EXEC) {
        im->bias = 0;
        base = l->min_vaddr;
    } else if (!is_interp) {
        base = LOADER_PIE_BASE & ~(l->max_align - 1);
        im->bias = base - l->min_vaddr;
    } else {
        int ret = pick_interp_base(c, span, l->max_align, &base);
        if (ret < 0)
            return ret;
        im->bias = base - l->min_vaddr;
    }
    if (base > MM_TASK_SIZE || span > MM_TASK_SIZE - base)
        return -ENOMEM;
    if (im->bias + im->info.entry >= MM_TASK_SIZE) /* modulo 2^64, as the bias may wrap */
        return -EINVAL;
    return check_range(c, base, base + span);
}

/* Fill anonymous memory at @dst with @size bytes of @f at @off (segments whose file offset
 * is not page-congruent). Bytes past EOF stay zero. Returns 0 or -errno. */
static int copy_from_file(struct load_ctx *c, struct file *f, gaddr_t dst, uint64_t off,
                          uint64_t size)
{
    enum { CHUNK = 64 * 1024 };
    char *buf = malloc(CHUNK);
    if (!buf)
        return -ENOMEM;
    int ret = 0;
    while (size > 0) {
        size_t want = size < CHUNK ? size : CHUNK;
        ssize_t n = vfs_kernel_pread(&c->t->ctx, f, buf, want, (int64_t)off);
        if (n <= 0) {
            ret = (int)n;
            break;
        }
        ret = guest_write(c, dst, buf, n);
        if (ret < 0)
            break;
        dst += n;
        off += n;
        size -= n;
    }
    free(buf);
    return ret;
}

/* Map one PT_LOAD of @im following its plan. @m is the file's mappable, NULL to copy.
 * Returns 0 or -errno. */
static int map_segment(struct load_ctx *c, struct elf_image *im, const struct elf64_phdr *ph,
                       struct mappable *m)
{
    struct elf_seg_plan p;
    elf_plan_segment(ph, im->bias, &p);
    if (!m && p.direct) { /* no mappable: copy instead */
        p.direct = false;
        p.file_end = p.start;
        p.zero_start = p.zero_end;
        p.copy_dst = im->bias + ph->p_vaddr;
        p.copy_off = ph->p_offset;
        p.copy_size = ph->p_filesz;
    }
    /* Writable while the loader clears bss or copies; the final protection comes after. */
    bool fill = !p.direct || p.zero_end > p.zero_start;
    int prot = fill ? (p.prot | PROT_WRITE) : p.prot;
    gaddr_t out;
    int ret;
    if (p.file_end > p.start) {
        ret = mm_mmap(&c->t->mmt, c->mm, p.start, p.file_end - p.start, prot,
                      MM_MAP_PRIVATE | MM_MAP_FIXED, m, p.file_off, &out);
        if (ret < 0)
            return ret;
    }
    if (p.end > p.file_end) {
        ret = mm_mmap(&c->t->mmt, c->mm, p.file_end, p.end - p.file_end, prot,
                      MM_MAP_PRIVATE | MM_MAP_ANONYMOUS | MM_MAP_FIXED, NULL, 0, &out);
        if (ret < 0)
            return ret;
    }
    if (p.zero_end > p.zero_start) {
        ret = guest_write(c, p.zero_start, NULL, p.zero_end - p.zero_start);
        if (ret < 0)
            return ret;
    }
    if (!p.direct && p.copy_size > 0) {
        ret = copy_from_file(c, im->file, p.copy_dst, p.copy_off, p.copy_size);
        if (ret < 0)
            return ret;
    }
    if (prot != p.prot)
        return mm_mprotect(&c->t->mmt, c->mm, p.start, p.end - p.start, p.prot);
    return 0;
}

/* Map every PT_LOAD of @im. Returns 0 or -errno. */
/* Record the program's code, from its lowest executable segment to the end of the file
 * part of its highest (Linux's start_code and end_code), for /proc/pid/status VmExe. */
static void set_code_range(struct mm *mm, const struct elf_image *im)
{
    gaddr_t start = UINT64_MAX, end = 0;
    for (int i = 0; i < im->info.phnum; i++) {
        const struct elf64_phdr *ph = &im->ph[i];
        if (ph->p_type != ELF_PT_LOAD || !(ph->p_flags & ELF_PF_X))
            continue;
        if (ph->p_vaddr < start)
            start = ph->p_vaddr;
        if (ph->p_vaddr + ph->p_filesz > end)
            end = ph->p_vaddr + ph->p_filesz;
    }
    if (end > start)
        mm_set_code(mm, im->bias + start, im->bias + end);
}

static int map_image(struct load_ctx *c, struct elf_image *im, bool is_interp)
{
    int ret = choose_bias(c, im, is_interp);
    if (ret < 0)
        return ret;
    struct mappable *m = NULL;
    if (im->file->ops->get_mappable) {
        ret = im->file->ops->get_mappable(&c->t->ctx, im->file, &m);
        if (ret < 0)
            m = NULL; /* fall back to copying the segments */
    }
    for (int i = 0; i < im->info.phnum && ret >= 0; i++) {
        const struct elf64_phdr *ph = &im->ph[i];
        if (ph->p_type == ELF_PT_LOAD && ph->p_memsz > 0)
            ret = map_segment(c, im, ph, m);
    }
    if (m)
        m->ops->unref(m);
    if (ret >= 0 && !is_interp)
        set_code_range(c->mm, im);
    return ret < 0 ? ret : 0;
}

/* Map the stack (before the images, so that the interpreter's top-down placement avoids
 * it), below the platform's reserved range if that is where the default would be. */
static int map_stack(struct load_ctx *c)
{
    gaddr_t top = LOADER_STACK_TOP;
    gaddr_t rs = 0, re = 0;
    if (g_platform && g_platform->reserved)
        g_platform->reserved(&rs, &re);
    if (overlaps(top - LOADER_STACK_SIZE, top, rs, re))
        top = PAGE_ALIGN_DOWN(rs);
    if (top < LOADER_STACK_SIZE + (1ULL << 32))
        return -ENOMEM;
    gaddr_t start = top - LOADER_STACK_SIZE, out;
    int ret =
        mm_mmap(&c->t->mmt, c->mm, start, LOADER_STACK_SIZE, PROT_READ | PROT_WRITE,
                MM_MAP_PRIVATE | MM_MAP_ANONYMOUS | MM_MAP_GROWSDOWN | MM_MAP_FIXED, NULL, 0, &out);
    if (ret < 0)
        return ret;
    mm_set_stack(c->mm, start, top);
    c->stack_start = start;
    c->stack_end = top;
    return 0;
}

/* A host auxv value, or @fallback if the host has none. */
static uint64_t host_auxv(unsigned long type, uint64_t fallback)
{
    unsigned long v = getauxval(type);
    return v ? v : fallback;
}

/* AT_HWCAP as Linux gives it on x86-64: CPUID leaf 1's edx. Not getauxval(AT_HWCAP): glibc
 * answers that with its own HWCAP_X86_64 bits, not the kernel's value. The app runs on this
 * CPU, so its own CPUID agrees. */
static uint64_t host_hwcap(void)
{
    uint32_t eax, ebx, ecx, edx;
    __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(1), "c"(0));
    return edx;
}

static int host_random(uint8_t *buf, size_t size)
{
    size_t got = 0;
    while (got < size) {
        ssize_t n = getrandom(buf + got, size - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        got += n;
    }
    return 0;
}

/* Build the initial stack for @envp and copy it to the app. Returns 0 or -errno. */
static int fill_stack(struct load_ctx *c, char *const *envp, const char *execfn,
                      struct stack_image *img)
{
    const struct elf_image *m = &c->main;
    const struct cred *cr = c->cred;
    uint8_t random[16];
    int ret = host_random(random, sizeof(random));
    if (ret < 0)
        return ret;
    /* Linux's order (ARCH_DLINFO, then create_elf_tables). */
    const struct stack_auxv auxv[] = {
        {LINUX_AT_SYSINFO_EHDR, c->vdso},
        {LINUX_AT_HWCAP, host_hwcap()},
        {LINUX_AT_MINSIGSTKSZ, host_auxv(LINUX_AT_MINSIGSTKSZ, 2048)},
        {LINUX_AT_PAGESZ, LINUX_PAGE_SIZE},
        {LINUX_AT_CLKTCK, 100},
        {LINUX_AT_PHDR, m->bias + m->layout.phdr_vaddr},
        {LINUX_AT_PHENT, sizeof(struct elf64_phdr)},
        {LINUX_AT_PHNUM, m->info.phnum},
        {LINUX_AT_BASE, c->has_interp ? c->interp.bias : 0},
        {LINUX_AT_FLAGS, 0},
        {LINUX_AT_ENTRY, m->bias + m->info.entry},
        {LINUX_AT_UID, cr->uid},
        {LINUX_AT_EUID, cr->euid},
        {LINUX_AT_GID, cr->gid},
        {LINUX_AT_EGID, cr->egid},
        {LINUX_AT_SECURE, c->secure},
        {LINUX_AT_RANDOM, 0},
        {LINUX_AT_HWCAP2, host_auxv(LINUX_AT_HWCAP2, 0)},
        {LINUX_AT_EXECFN, 0},
        {LINUX_AT_PLATFORM, 0},
    };
    struct stack_args a = {
        .argv = c->argv,
        .envp = envp,
        .execfn = execfn,
        .platform = "x86_64",
        .random = random,
        .auxv = auxv,
        .nauxv = sizeof(auxv) / sizeof(auxv[0]),
        .top = c->stack_end,
        .arg_limit = stack_arg_limit(task_rlimit_cur(c->t, RLIMIT_STACK)),
        .max_size = c->stack_end - c->stack_start,
    };
    ret = stack_build(&a, img);
    if (ret < 0)
        return ret;
    return guest_write(c, img->sp, img->buf, img->size);
}

/* Keep a copy of the auxiliary vector the stack image holds (after argc, argv and envp,
 * each ending with NULL) for /proc/pid/auxv, as Linux's mm->saved_auxv. */
static void save_auxv(const struct stack_image *img, struct thread_group *tg)
{
    const uint64_t *w = (const uint64_t *)img->buf;
    size_t n = img->size / 8, i = 1 + w[0] + 1; /* argc, argv[], NULL */
    while (i < n && w[i])
        i++;
    i++; /* envp's NULL */
    int len = 0;
    while (i + 1 < n && len + 2 <= (int)(sizeof(tg->saved_auxv) / 8)) {
        tg->saved_auxv[len++] = w[i];
        tg->saved_auxv[len++] = w[i + 1];
        if (w[i] == 0) /* AT_NULL */
            break;
        i += 2;
    }
    tg->saved_auxv_len = len;
}

/* Everything after the program file is open. Returns 0 or -errno. */
static int load_elf(struct load_ctx *c, char *const *envp, const char *execfn,
                    struct linux_regs *regs)
{
    int ret = read_elf(c->t, c->head, &c->main);
    if (ret < 0)
        return ret;
    if (c->main.layout.has_interp) {
        c->has_interp = true;
        ret = open_interp(c);
        if (ret < 0)
            return ret;
    }
    ret = map_stack(c);
    if (ret == 0)
        ret = map_image(c, &c->main, false);
    if (ret == 0 && c->has_interp)
        ret = map_image(c, &c->interp, true);
    if (ret == 0)
        ret = vdso_map(c->t, c->mm, &c->vdso);
    if (ret < 0)
        return ret;
    mm_set_brk_start(c->mm, PAGE_ALIGN_UP(c->main.bias + c->main.layout.max_vaddr));

    struct stack_image img = {0};
    ret = fill_stack(c, envp, execfn, &img);
    if (ret == 0) {
        struct thread_group *tg = c->t->tg;
        tg->arg_start = img.arg_start;
        tg->arg_end = img.arg_end;
        tg->env_start = img.env_start;
        tg->env_end = img.env_end;
        save_auxv(&img, tg);
        const struct elf_image *e = c->has_interp ? &c->interp : &c->main;
        *regs = (struct linux_regs){
            .rip = e->bias + e->info.entry,
            .rsp = img.sp,
            .cs = 0x33,
            .ss = 0x2b,
            .eflags = 0x202,
        };
    }
    stack_image_free(&img);
    return ret;
}

static void ctx_free(struct load_ctx *c)
{
    for (int i = 0; i < c->depth; i++)
        free(c->argv_alloc[i]);
    if (c->main.file)
        file_unref(c->main.file);
    if (c->interp.file)
        file_unref(c->interp.file);
    if (c->cred)
        cred_unref(c->cred);
    free(c);
}

int loader_load(struct task *t, struct mm *mm, const char *path, char *const *argv,
                char *const *envp, struct linux_regs *regs, char *exe_path, size_t exe_path_size,
                struct exec_creds *creds)
{
    /* Linux (since 5.18) runs a program given an empty argv with argv = {""}. */
    static char *const empty_argv[] = {"", NULL};
    struct load_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->t = t;
    c->mm = mm;
    c->path = path;
    c->argv = (argv && argv[0]) ? argv : empty_argv;

    int ret = open_program(c, envp);
    if (ret == 0)
        ret = exec_creds(c);
    if (ret == 0)
        ret = load_elf(c, envp, path, regs);
    if (ret == 0 && exe_path_size > 0) {
        const char *p = c->path; /* the ELF file's path as resolved by the VFS if possible */
        if (file_path(c->main.file, exe_path, exe_path_size) < 0)
            snprintf(exe_path, exe_path_size, "%s", p);
    }
    if (ret < 0)
        log_debug("exec `%s`: %d", path, ret);
    if (ret == 0) {
        creds->cred = c->cred;
        creds->dumpable = c->dumpable;
        c->cred = NULL;
    }
    ctx_free(c);
    return ret;
}
