// SPDX-License-Identifier: Apache-2.0
/*
 * The gofer's fid table: a growable array of slots indexed by the low 32 bits of a fid, with
 * a generation in the high 32 bits so that a closed fid never names a later file.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "gofer/server.h"

/* Far above any RLIMIT_NOFILE we run with; bounds the table against a runaway client. */
#define FID_SLOTS_MAX (1u << 24)

void fid_table_init(struct fid_table *t)
{
    *t = (struct fid_table){0};
}

static void fid_close_fds(struct gofer_fid *f)
{
    if (f->fd >= 0)
        close(f->fd);
    if (f->dir_fd >= 0)
        close(f->dir_fd);
    f->fd = -1;
    f->dir_fd = -1;
}

void fid_table_destroy(struct fid_table *t)
{
    for (uint32_t i = 1; i < t->cap; i++)
        fid_close_fds(&t->slots[i]);
    free(t->slots);
    *t = (struct fid_table){0};
}

/* Double the table and thread the new slots onto the free list. */
static int fid_table_grow(struct fid_table *t)
{
    uint32_t old = t->cap;
    uint32_t cap = old ? old * 2 : 64;
    if (cap > FID_SLOTS_MAX)
        return -ENFILE;
    struct gofer_fid *slots = realloc(t->slots, (size_t)cap * sizeof(*slots));
    if (!slots)
        return -ENOMEM;
    uint32_t first = old ? old : 1;
    for (uint32_t i = old; i < cap; i++) {
        slots[i] = (struct gofer_fid){.fd = -1, .dir_fd = -1};
        slots[i].next_free = i + 1 < cap ? i + 1 : t->free_head;
    }
    t->slots = slots;
    t->cap = cap;
    t->free_head = first;
    return 0;
}

int fid_table_add(struct fid_table *t, int fd, const struct stat *st, bool foreign, uint64_t *fid)
{
    if (t->free_head == 0) {
        int ret = fid_table_grow(t);
        if (ret < 0) {
            close(fd);
            return ret;
        }
    }
    uint32_t idx = t->free_head;
    struct gofer_fid *f = &t->slots[idx];
    t->free_head = f->next_free;
    f->fd = fd;
    f->dir_fd = -1;
    f->mode = st->st_mode;
    f->dev = st->st_dev;
    f->ino = st->st_ino;
    f->next_free = 0;
    f->foreign = foreign;
    *fid = (uint64_t)f->gen << 32 | idx;
    return 0;
}

struct gofer_fid *fid_table_get(struct fid_table *t, uint64_t fid)
{
    uint32_t idx = (uint32_t)fid;
    if (idx == 0 || idx >= t->cap)
        return NULL;
    struct gofer_fid *f = &t->slots[idx];
    if (f->fd < 0 || f->gen != (uint32_t)(fid >> 32))
        return NULL;
    return f;
}

int fid_table_remove(struct fid_table *t, uint64_t fid)
{
    struct gofer_fid *f = fid_table_get(t, fid);
    if (!f)
        return -EBADF;
    fid_close_fds(f);
    f->gen++;
    f->next_free = t->free_head;
    t->free_head = (uint32_t)fid;
    return 0;
}
