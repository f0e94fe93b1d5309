// SPDX-License-Identifier: Apache-2.0
/* Fakes of vfs, mm, task and platform for the loader tests (see fake_sentry.h). */
#include "tests/unit/loader/fakes/fake_sentry.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi/linux/stat.h"
#include "sentry/kernel/task.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm_internal.h"
#include "sentry/platform/platform.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/vfs.h"

const struct platform_ops *g_platform = NULL;
static int g_open_files;

/* ---- files: priv is the host fd ---------------------------------------------------------- */

struct fake_mappable {
    struct mappable m;
    int fd;
    int refs;
};

static int fm_fill(struct mappable *m, uint64_t off, void *dst, size_t size)
{
    struct fake_mappable *fm = (struct fake_mappable *)m;
    memset(dst, 0, size);
    ssize_t n = pread(fm->fd, dst, size, (off_t)off);
    return n < 0 ? -errno : 0;
}

static void fm_ref(struct mappable *m)
{
    ((struct fake_mappable *)m)->refs++;
}

static void fm_unref(struct mappable *m)
{
    struct fake_mappable *fm = (struct fake_mappable *)m;
    if (--fm->refs == 0) {
        close(fm->fd);
        free(fm);
        g_open_files--;
    }
}

static const struct mappable_ops g_fm_ops = {.fill = fm_fill, .ref = fm_ref, .unref = fm_unref};

static int fake_get_mappable(struct ctx *ctx, struct file *f, struct mappable **out)
{
    struct fake_mappable *fm = calloc(1, sizeof(*fm));
    if (!fm)
        return -ENOMEM;
    fm->m.ops = &g_fm_ops;
    fm->fd = dup((int)(intptr_t)f->priv);
    fm->refs = 1;
    g_open_files++;
    *out = &fm->m;
    return 0;
}

static const struct file_ops g_fake_file_ops = {.get_mappable = fake_get_mappable};

int vfs_open_exec(struct ctx *ctx, const char *path, struct file **out)
{
    /* Execute permission as a non-root owner would see it, so that tests mean the same
     * when run as root. */
    struct stat hs;
    if (stat(path, &hs) < 0)
        return -errno;
    if (!S_ISREG(hs.st_mode) || !(hs.st_mode & S_IXUSR))
        return -EACCES;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct file *f = calloc(1, sizeof(*f));
    if (!f) {
        close(fd);
        return -ENOMEM;
    }
    f->refs = 1;
    f->ops = &g_fake_file_ops;
    f->priv = (void *)(intptr_t)fd;
    f->anon_name = realpath(path, NULL);
    g_open_files++;
    *out = f;
    return 0;
}

int vfs_exec_info(struct ctx *ctx, struct file *f, struct vfs_exec_info *out)
{
    struct stat hs;
    if (fstat((int)(intptr_t)f->priv, &hs) < 0)
        return -errno;
    memset(out, 0, sizeof(*out));
    out->mode = hs.st_mode;
    out->uid = hs.st_uid;
    out->gid = hs.st_gid;
    out->readable = true;
    return 0;
}

void file_unref(struct file *f)
{
    if (--f->refs > 0)
        return;
    close((int)(intptr_t)f->priv);
    free(f->anon_name);
    free(f);
    g_open_files--;
}

ssize_t vfs_kernel_pread(struct ctx *ctx, struct file *f, void *buf, size_t size, int64_t off)
{
    ssize_t n = pread((int)(intptr_t)f->priv, buf, size, off);
    return n < 0 ? -errno : n;
}

int file_path(struct file *f, char *buf, size_t size)
{
    if (!f->anon_name)
        return -ENOENT;
    return snprintf(buf, size, "%s", f->anon_name);
}

int fake_open_files(void)
{
    return g_open_files;
}

/* ---- task -------------------------------------------------------------------------------- */

uint64_t task_rlimit_cur(struct task *t, int resource)
{
    return 8 << 20;
}

/* ---- mm ---------------------------------------------------------------------------------- */

struct page {
    struct mm *mm;
    gaddr_t addr;
    uint8_t data[LINUX_PAGE_SIZE];
};
static struct page **g_pages;
static size_t g_npages;

void fake_setup(struct task **t, struct mm **mm)
{
    *t = calloc(1, sizeof(**t));
    (*t)->tg = calloc(1, sizeof(*(*t)->tg));
    (*t)->ctx.cred = cred_new_init(0, 0, 0);
    *mm = calloc(1, sizeof(**mm));
    (*mm)->next_topdown = 0x7ffff7fff000ULL;
}

void fake_teardown(struct task *t, struct mm *mm)
{
    for (int i = 0; i < mm->nvmas; i++)
        if (mm->vmas[i].obj)
            mm->vmas[i].obj->ops->unref(mm->vmas[i].obj);
    for (size_t i = 0; i < g_npages; i++)
        free(g_pages[i]);
    free(g_pages);
    g_pages = NULL;
    g_npages = 0;
    free(t->tg);
    cred_unref(t->ctx.cred);
    free(t);
    free(mm);
}

const struct fake_vma *fake_vma_at(struct mm *mm, gaddr_t addr)
{
    for (int i = mm->nvmas - 1; i >= 0; i--) {
        const struct fake_vma *v = &mm->vmas[i];
        if (v->live && addr >= v->start && addr < v->end)
            return v;
    }
    return NULL;
}

int mm_mmap(struct mm_thread *t, struct mm *mm, gaddr_t addr, uint64_t len, int prot, int flags,
            struct mappable *obj, uint64_t off, gaddr_t *out)
{
    if (len == 0 || len % LINUX_PAGE_SIZE || mm->nvmas == FAKE_MAX_VMAS)
        return -EINVAL;
    if (!(flags & MM_MAP_FIXED)) {
        mm->next_topdown -= len;
        addr = mm->next_topdown;
    }
    if (addr % LINUX_PAGE_SIZE || off % LINUX_PAGE_SIZE)
        return -EINVAL;
    if (obj)
        obj->ops->ref(obj);
    mm->vmas[mm->nvmas++] = (struct fake_vma){addr, addr + len, prot, flags, obj, off, true};
    *out = addr;
    return 0;
}

int mm_munmap(struct mm_thread *t, struct mm *mm, gaddr_t addr, uint64_t len)
{
    for (int i = 0; i < mm->nvmas; i++)
        if (mm->vmas[i].start >= addr && mm->vmas[i].end <= addr + len)
            mm->vmas[i].live = false;
    return 0;
}

int mm_mprotect(struct mm_thread *t, struct mm *mm, gaddr_t addr, uint64_t len, int prot)
{
    /* The loader only changes whole segments it just mapped. */
    for (int i = 0; i < mm->nvmas; i++) {
        struct fake_vma *v = &mm->vmas[i];
        if (v->live && v->start >= addr && v->end <= addr + len)
            v->prot = prot;
    }
    mm->nprotects++;
    return 0;
}

void mm_set_brk_start(struct mm *mm, gaddr_t start)
{
    mm->brk_start = start;
}

void mm_set_code(struct mm *mm, gaddr_t start, gaddr_t end)
{
    mm->start_code = start;
    mm->end_code = end;
}

void mm_set_stack(struct mm *mm, gaddr_t start, gaddr_t end)
{
    mm->stack_start = start;
    mm->stack_end = end;
}

/* The vDSO is mapped by vdso_map.c (tested in the sandbox); here only its address matters. */
int vdso_map(struct task *t, struct mm *mm, gaddr_t *base)
{
    (void)t;
    (void)mm;
    *base = FAKE_VDSO_BASE;
    return 0;
}

static struct page *page_get(struct mm *mm, gaddr_t addr)
{
    gaddr_t pa = PAGE_ALIGN_DOWN(addr);
    for (size_t i = 0; i < g_npages; i++)
        if (g_pages[i]->mm == mm && g_pages[i]->addr == pa)
            return g_pages[i];
    const struct fake_vma *v = fake_vma_at(mm, pa);
    if (!v)
        return NULL;
    struct page *p = calloc(1, sizeof(*p));
    p->mm = mm;
    p->addr = pa;
    if (v->obj && v->obj->ops->fill(v->obj, v->off + (pa - v->start), p->data, LINUX_PAGE_SIZE))
        abort();
    g_pages = realloc(g_pages, (g_npages + 1) * sizeof(*g_pages));
    g_pages[g_npages++] = p;
    return p;
}

void *mm_host_ptr(struct mm_thread *t, struct mm *mm, gaddr_t addr, bool write)
{
    struct page *p = page_get(mm, addr);
    return p ? p->data + (addr - p->addr) : NULL;
}

bool fake_read(struct mm *mm, gaddr_t addr, void *buf, size_t size)
{
    uint8_t *dst = buf;
    while (size > 0) {
        struct page *p = page_get(mm, addr);
        if (!p)
            return false;
        size_t chunk = LINUX_PAGE_SIZE - (addr - p->addr);
        chunk = chunk < size ? chunk : size;
        memcpy(dst, p->data + (addr - p->addr), chunk);
        dst += chunk;
        addr += chunk;
        size -= chunk;
    }
    return true;
}
