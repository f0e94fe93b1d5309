// SPDX-License-Identifier: Apache-2.0
/*
 * Syscall-site patching for platforms that offer a signal-free syscall entry (systrap,
 * docs/platform.md "Syscall patching"). A trapped `mov $nr,%eax; syscall` (b8 imm32 0f 05,
 * imm32 == nr) is rewritten into `jmp *abs32` (ff 24 25 abs32) to an entry of its own in the
 * [usertrap] table, an anonymous private mapping at USERTRAP_BASE in the app's address space.
 * The jump is indirect: the entry starts with the address of its code, which follows:
 *     mov $nr,%eax; movabs $return,%rcx; jmp *path(%rip)
 * where path is the platform's patched-syscall path. abs32 is in [0x60000, 0x70000), so the
 * byte that replaces the old `syscall` opcode is 0x06, invalid in 64-bit mode. The site is
 * written in three steps (that byte; then the others but the first; then the first), so a
 * thread running it meanwhile meets either the old code or an invalid opcode, and
 * syscall_patch_fault restarts it. All of it runs under the kernel lock, so fork never copies
 * a half-written site, and the table (an ordinary mapping) goes with the address space across
 * fork and away at execve. The Sentry has no ptrace, so no task is ever traced; once it
 * has, a traced task must not patch (the entry path cannot be single-stepped).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "common/log.h"
#include "sentry/kernel/syscall_patch.h"
#include "sentry/kernel/task_internal.h"
#include "sentry/mm/mm_internal.h"
#include "sentry/platform/platform.h"

#define USERTRAP_BASE 0x60000ULL
#define USERTRAP_SIZE 0x10000ULL
#define ENTRY_SIZE 64
#define SITE_LEN 7
#define USERTRAP_MAGIC 0x70617274727375ULL /* "ustrap" */
#define NR_RESTART_SYSCALL 219
#define EFLAGS_RF 0x10000ULL

/* The table's first entry is its header. */
struct usertrap_header {
    uint64_t magic;
    uint64_t next; /* the next free entry */
};

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A byte that may prefix an instruction: then b8 is not the opcode we take it for. */
static bool prefix_byte(uint8_t b)
{
    return (b >= 0x40 && b <= 0x4f) || b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 ||
           b == 0xf3 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26 || b == 0x64 || b == 0x65;
}

/* The table of @t's address space, mapped on first use. Returns 0 and its header, or -errno
 * when the place is taken by something of the app's. */
static int usertrap_table(struct task *t, struct usertrap_header *h)
{
    if (mm_copy_in(&t->mmt, USERTRAP_BASE, h, sizeof(*h)) == 0)
        return h->magic == USERTRAP_MAGIC ? 0 : -EEXIST;
    gaddr_t got;
    int err = mm_mmap(&t->mmt, t->mmt.mm, USERTRAP_BASE, USERTRAP_SIZE, PROT_READ | PROT_EXEC,
                      MM_MAP_PRIVATE | MM_MAP_ANONYMOUS | MM_MAP_FIXED_NOREPLACE, NULL, 0, &got);
    if (err < 0)
        return err;
    mm_set_special(t->mmt.mm, USERTRAP_BASE, "[usertrap]", PROT_READ | PROT_WRITE | PROT_EXEC);
    *h = (struct usertrap_header){.magic = USERTRAP_MAGIC, .next = 1};
    return mm_copy_out_force(&t->mmt, USERTRAP_BASE, h, sizeof(*h));
}

/* A new entry for the site returning to @ret with syscall @nr. Returns its address or 0. */
static gaddr_t usertrap_entry(struct task *t, uint32_t nr, gaddr_t ret, uint64_t path)
{
    struct usertrap_header h;
    if (usertrap_table(t, &h) < 0 || h.next >= USERTRAP_SIZE / ENTRY_SIZE)
        return 0;
    gaddr_t at = USERTRAP_BASE + h.next * ENTRY_SIZE;
    uint8_t e[ENTRY_SIZE] = {0};
    uint64_t code_at = at + 8;
    memcpy(e, &code_at, 8);
    uint8_t *code = e + 8;
    code[0] = 0xb8; /* mov $nr, %eax */
    memcpy(code + 1, &nr, 4);
    code[5] = 0x48, code[6] = 0xb9; /* movabs $ret, %rcx */
    memcpy(code + 7, &ret, 8);
    code[15] = 0xff, code[16] = 0x25; /* jmp *0(%rip) */
    memcpy(code + 21, &path, 8);
    h.next++;
    if (mm_copy_out_force(&t->mmt, at, e, sizeof(e)) < 0 ||
        mm_copy_out_force(&t->mmt, USERTRAP_BASE, &h, sizeof(h)) < 0)
        return 0;
    return at;
}

/*
 * Sites this task thread has already looked at (patched, or not patchable), so that a syscall
 * the Sentry serves without the kernel lock (task.c) takes the locked path only the first time
 * its site traps. Per task thread (a task runs on one host thread); keyed by address space and
 * return address. A stale entry (an address space freed and another allocated at the same
 * place) only costs a missed patch.
 */
#define SEEN_SLOTS 16
static __thread struct {
    const void *mm;
    gaddr_t ret;
} tl_seen[SEEN_SLOTS];

static unsigned seen_slot(gaddr_t ret)
{
    return (unsigned)((ret ^ (ret >> 4) ^ (ret >> 12)) % SEEN_SLOTS);
}

bool syscall_patch_wanted(struct task *t)
{
    if (!g_platform->patch_entry || !g_platform->patch_entry())
        return false;
    unsigned i = seen_slot(t->regs.rip);
    return tl_seen[i].mm != t->mmt.mm || tl_seen[i].ret != t->regs.rip;
}

void syscall_patch_site(struct task *t)
{
    if (!g_platform->patch_entry)
        return;
    uint64_t path = g_platform->patch_entry();
    gaddr_t ret = t->regs.rip;
    if (!path || ret < SITE_LEN + 1 || t->regs.orig_rax > 0xffffffffULL)
        return;
    unsigned slot = seen_slot(ret);
    tl_seen[slot].mm = t->mmt.mm;
    tl_seen[slot].ret = ret;
    uint8_t b[SITE_LEN + 1]; /* the byte before the site, then the site */
    if (mm_copy_in(&t->mmt, ret - SITE_LEN - 1, b, sizeof(b)) < 0)
        return;
    const uint8_t *site = b + 1;
    if (site[0] != 0xb8 || site[5] != 0x0f || site[6] != 0x05 ||
        le32(site + 1) != (uint32_t)t->regs.orig_rax || prefix_byte(b[0]))
        return;
    gaddr_t entry = usertrap_entry(t, (uint32_t)t->regs.orig_rax, ret, path);
    if (!entry)
        return;
    gaddr_t at = ret - SITE_LEN;
    uint8_t jmp[SITE_LEN] = {0xff, 0x24, 0x25};
    uint32_t e32 = (uint32_t)entry;
    memcpy(jmp + 3, &e32, 4);
    CV_BUG_ON(jmp[5] != 0x06);
    /* 1: the old syscall opcode becomes invalid; 2: all but the first byte; 3: the first. */
    if (mm_copy_out_force(&t->mmt, at + 5, jmp + 5, 1) < 0 ||
        mm_copy_out_force(&t->mmt, at + 1, jmp + 1, SITE_LEN - 1) < 0 ||
        mm_copy_out_force(&t->mmt, at, jmp, 1) < 0)
        log_warn("task %d: patching the syscall at %#llx failed half-way", t->tid,
                 (unsigned long long)at);
}

int syscall_patch_fault(struct task *t)
{
    if (!g_platform->patch_entry || !g_platform->patch_entry() || t->regs.rip < 5)
        return 0;
    gaddr_t at = t->regs.rip - 5;
    uint8_t site[SITE_LEN];
    if (mm_copy_in(&t->mmt, at, site, sizeof(site)) < 0)
        return 0;
    uint32_t entry = le32(site + 3);
    if (site[0] != 0xff || site[1] != 0x24 || site[2] != 0x25 || entry < USERTRAP_BASE ||
        entry >= USERTRAP_BASE + USERTRAP_SIZE)
        return 0;
    uint8_t e[8 + 5];
    uint32_t rax = (uint32_t)t->regs.rax;
    if (mm_copy_in(&t->mmt, entry, e, sizeof(e)) == 0 && e[8] == 0xb8 &&
        (rax == le32(e + 9) || (rax & 0xffff) == 0x2524)) {
        /* It ran the old mov (perhaps half-written) and met the invalid byte: start the
         * site again, now the jump. */
        t->regs.rip = at;
        return 1;
    }
    /* Something jumped to the old syscall instruction itself with another number (the
     * Sentry's restart_syscall, or code that shares the instruction): that syscall. */
    t->regs.orig_rax = t->regs.rax;
    t->regs.rip += 2;
    /* As the syscall instruction does: rcx the return address, r11 the flags. */
    t->regs.rcx = t->regs.rip;
    t->regs.r11 = t->regs.eflags & ~EFLAGS_RF;
    return 2;
}
