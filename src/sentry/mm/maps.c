// SPDX-License-Identifier: Apache-2.0
/* The text of /proc/pid/maps for an address space. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "sentry/memmap/mappable.h"
#include "sentry/mm/mm_priv.h"

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
    if (fclose(f) != 0) {
        free(buf);
        return -ENOMEM;
    }
    *out = buf;
    *len = size;
    return 0;
}
