// SPDX-License-Identifier: Apache-2.0
/*
 * Mapping the vDSO (vdso.h). One mappable object stands for "time page, then image": offset
 * 0 is the timekeeper's frame (shared: every process sees each update), offsets from
 * CVISOR_VVAR_SIZE on are the image. The image is mapped private, so a debugger's
 * breakpoint copies the page instead of changing every process's vDSO.
 */
#include "sentry/loader/vdso.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "abi/cvisor/vvar.h"
#include "sentry/kernel/task.h"
#include "sentry/memfile/memfile.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm_internal.h"
#include "sentry/time/timekeeper.h"

/* tools/embed_vdso.py */
extern const unsigned char vdso_image[];
extern const size_t vdso_image_size;

#define PAGE 4096ULL
#define IMAGE_PAGES ((vdso_image_size + PAGE - 1) / PAGE)

static uint64_t g_image_frames; /* IMAGE_PAGES consecutive frames */

/* The frame of the page at @off of the object. */
static uint64_t page_frame(uint64_t off)
{
    if (off < CVISOR_VVAR_SIZE)
        return timekeeper_vvar_frame();
    return g_image_frames + (off - CVISOR_VVAR_SIZE) / PAGE * PAGE;
}

static uint64_t vdso_size(struct mappable *m)
{
    (void)m;
    return CVISOR_VVAR_SIZE + IMAGE_PAGES * PAGE;
}

static int vdso_fill(struct mappable *m, uint64_t off, void *dst, size_t size)
{
    for (size_t done = 0; done < size; done += PAGE) {
        if (off + done >= vdso_size(m))
            return done ? 0 : -EFAULT;
        memcpy((char *)dst + done, memfile_ptr(page_frame(off + done)), PAGE);
    }
    return 0;
}

static int vdso_get_frame(struct mappable *m, uint64_t off, uint64_t *frame)
{
    if (off >= vdso_size(m))
        return -EFAULT;
    *frame = page_frame(off);
    memfile_ref(*frame);
    return 0;
}

static void vdso_noref(struct mappable *m)
{
    (void)m; /* static: lives as long as the Sentry */
}

static const struct mappable_ops vdso_ops = {
    .fill = vdso_fill,
    .get_frame = vdso_get_frame,
    .size = vdso_size,
    .ref = vdso_noref,
    .unref = vdso_noref,
};

static struct mappable g_vdso_obj = {.ops = &vdso_ops};

int vdso_init(void)
{
    int err = memfile_alloc_run((unsigned)IMAGE_PAGES, &g_image_frames);
    if (err < 0)
        return err;
    char *p = memfile_ptr(g_image_frames);
    memset(p, 0, IMAGE_PAGES * PAGE);
    memcpy(p, vdso_image, vdso_image_size);
    return 0;
}

int vdso_map(struct task *t, struct mm *mm, gaddr_t *base)
{
    gaddr_t addr, got;
    uint64_t len = vdso_size(&g_vdso_obj);
    /* Reserve both at once (shared, read-only), then replace the image part with its
     * private mapping. */
    int err = mm_mmap(&t->mmt, mm, 0, len, PROT_READ, MM_MAP_SHARED | MM_MAP_NOWRITE, &g_vdso_obj,
                      0, &addr);
    if (err < 0)
        return err;
    gaddr_t image = addr + CVISOR_VVAR_SIZE;
    err = mm_mmap(&t->mmt, mm, image, len - CVISOR_VVAR_SIZE, PROT_READ | PROT_EXEC,
                  MM_MAP_PRIVATE | MM_MAP_FIXED, &g_vdso_obj, CVISOR_VVAR_SIZE, &got);
    if (err < 0)
        return err;
    mm_set_special(mm, addr, "[vvar]", PROT_READ);
    mm_set_special(mm, image, "[vdso]", PROT_READ | PROT_WRITE | PROT_EXEC);
    *base = image;
    return 0;
}
