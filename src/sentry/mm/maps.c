// SPDX-License-Identifier: Apache-2.0
/* The views of an address space for /proc/pid: the maps text and the memory figures. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sentry/memfile/memfile.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm_priv.h"

/* The host's "[vsyscall]" maps line with its newline, or "". Immutable after boot. */
static char g_vsyscall_line[192];

void mm_capture_host_vsyscall(void)
{
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof(line), f))
        if (strstr(line, "[vsyscall]") && strlen(line) < sizeof(g_vsyscall_line))
            memcpy(g_vsyscall_line, line, strlen(line) + 1);
    fclose(f);
}

int mm_maps_text(struct mm *mm, char **out, size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        return -ENOMEM;
    for (int i = 0; i < mm->nvmas; i++) {
        const struct vma *v = &mm->vmas[i];
        const char *name = v->special ? v->special : (v->obj ? v->obj->name : "");
        uint64_t dev = v->obj ? v->obj->dev : 0, ino = v->obj ? v->obj->ino : 0;
        int n = fprintf(f, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
                        (unsigned long long)v->start, (unsigned long long)v->end,
                        (v->prot & PROT_READ) ? 'r' : '-', (v->prot & PROT_WRITE) ? 'w' : '-',
                        (v->prot & PROT_EXEC) ? 'x' : '-',
                        (v->flags & MM_MAP_SHARED) ? 's' : 'p',
                        (unsigned long long)(v->obj && !v->special ? v->off : 0),
                        (unsigned)(dev >> 8) & 0xfff,
                        (unsigned)(dev & 0xff), (unsigned long long)ino);
        if (name[0])
            fprintf(f, "%*s%s", n < 73 ? 73 - n : 1, "", name);
        fputc('\n', f);
    }
    fputs(g_vsyscall_line, f); /* Linux lists the gate page last */
    if (fclose(f) != 0) {
        free(buf);
        return -ENOMEM;
    }
    *out = buf;
    *len = size;
    return 0;
}

struct rss_arg {
    const struct vma *v;
    struct mm_stats *st;
};

/* Count one resident page as Linux would: tmpfs and shared anonymous frames are shmem;
 * pages of a file mapping are file pages unless private and writable, as written data
 * pages are anonymous in Linux (COMPAT: a never-written page of a writable private file
 * mapping counts as anonymous here, since every private page is a copy). */
static void count_rss(struct mm *mm, uint64_t vpn, uint64_t *pte, void *arg)
{
    (void)mm;
    (void)vpn;
    struct rss_arg *ra = arg;
    if (!(*pte & PTE_PRESENT))
        return;
    const struct vma *v = ra->v;
    if (memfile_is_shmem(*pte & PTE_FRAME_MASK))
        ra->st->shmem++;
    else if (v->obj && !v->special && ((v->flags & MM_MAP_SHARED) || !(v->prot & PROT_WRITE)))
        ra->st->file++;
    else
        ra->st->anon++;
}

void mm_stats(struct mm *mm, struct mm_stats *st)
{
    *st = (struct mm_stats){0};
    for (int i = 0; i < mm->nvmas; i++) {
        const struct vma *v = &mm->vmas[i];
        uint64_t pages = (v->end - v->start) >> 12;
        bool stack = v->flags & MM_MAP_GROWSDOWN; /* Linux's VM_STACK */
        st->vm += pages;
        if (stack)
            st->stack += pages;
        else if ((v->prot & PROT_WRITE) && !(v->flags & MM_MAP_SHARED))
            st->data += pages;
        else if ((v->prot & PROT_EXEC) && !(v->prot & PROT_WRITE))
            st->exec += pages;
        struct rss_arg ra = {v, st};
        pt_for_each(mm, v->start >> 12, v->end >> 12, count_rss, &ra);
    }
    if (mm->end_code > mm->start_code) {
        uint64_t first = mm->start_code >> 12, last = (mm->end_code + 4095) >> 12;
        st->code = last - first < st->exec ? last - first : st->exec;
    }
}
