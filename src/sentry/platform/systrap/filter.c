// SPDX-License-Identifier: Apache-2.0
/*
 * The stubs' seccomp filters (docs/platform.md, "Filters"). Filters stack and the strictest
 * answer wins, so each stub thread runs under the template's filter and the ones added after:
 *   T    (template, inherited by all): a syscall from outside the stub code traps (SIGSYS to
 *        the handler; the template has none, so it dies); from the code it is allowed.
 *   BASE (the syscall thread, inherited by app threads): outside the code traps; inside, each
 *        call only from its own syscall instruction, with its arguments checked where they can
 *        be; anything else kills the stub process.
 *   APP  (each app thread): outside the code traps; inside, only the hand-off futex,
 *        rt_sigreturn and exit, each from its site. An app that jumps into stub code with
 *        registers of its choice gets no more than these.
 * Syscall user dispatch traps the app's calls before seccomp runs; these filters are the
 * fallback (vsyscall emulation is seen by seccomp only) and the guard against such jumps.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "sentry/platform/systrap/abi.h"
#include "sentry/platform/systrap/systrap_internal.h"

#define SD_NR ((uint32_t)offsetof(struct seccomp_data, nr))
#define SD_ARCH ((uint32_t)offsetof(struct seccomp_data, arch))
#define SD_IP_LO ((uint32_t)offsetof(struct seccomp_data, instruction_pointer))
#define SD_IP_HI (SD_IP_LO + 4)
#define SD_ARG_LO(i) ((uint32_t)offsetof(struct seccomp_data, args) + 8 * (i))
#define SD_ARG_HI(i) (SD_ARG_LO(i) + 4)

#define THREAD_CLONE_FLAGS 0x250f00u /* stub.S */

struct prog {
    struct sock_filter *f;
    unsigned n, cap;
    bool overflow;
};

static void emit(struct prog *p, struct sock_filter ins)
{
    if (p->n >= p->cap) {
        p->overflow = true;
        return;
    }
    p->f[p->n++] = ins;
}

static void stmt(struct prog *p, uint16_t code, uint32_t k)
{
    emit(p, (struct sock_filter)BPF_STMT(code, k));
}

/* One check of a rule: the 32-bit word at @off must equal @val (or, with @mask_zero, have
 * no bit of @val set). */
struct check {
    uint32_t off;
    uint32_t val;
    bool mask_zero;
};

/*
 * A rule: syscall @nr from the site whose return address is @site, with @checks. Emitted as
 * a block that either returns ALLOW or falls through to the next block.
 */
static void rule(struct prog *p, int nr, uint64_t site, const struct check *checks,
                 unsigned nchecks)
{
    unsigned len = 2 + 2 + 2 * nchecks + 1; /* instructions of this block */
    unsigned start = p->n;
#define TO_END ((uint8_t)(start + len - (p->n + 1)))
    stmt(p, BPF_LD | BPF_W | BPF_ABS, SD_NR);
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, TO_END));
    stmt(p, BPF_LD | BPF_W | BPF_ABS, SD_IP_LO);
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)site, 0, TO_END));
    for (unsigned i = 0; i < nchecks; i++) {
        stmt(p, BPF_LD | BPF_W | BPF_ABS, checks[i].off);
        if (checks[i].mask_zero)
            emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, checks[i].val, TO_END,
                                                 0));
        else
            emit(p,
                 (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, checks[i].val, 0, TO_END));
    }
#undef TO_END
    stmt(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
}

/* Common head: a foreign architecture kills; a call from outside [@lo, @hi) traps (or, with
 * @inside_allow, a call from inside is allowed outright). */
static void head(struct prog *p, uint64_t lo, uint64_t hi, bool inside_allow)
{
    stmt(p, BPF_LD | BPF_W | BPF_ABS, SD_ARCH);
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0));
    stmt(p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    stmt(p, BPF_LD | BPF_W | BPF_ABS, SD_IP_HI);
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(lo >> 32), 1, 0));
    stmt(p, BPF_RET | BPF_K, SECCOMP_RET_TRAP);
    stmt(p, BPF_LD | BPF_W | BPF_ABS, SD_IP_LO);
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)lo, 1, 0));
    stmt(p, BPF_RET | BPF_K, SECCOMP_RET_TRAP);
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)hi, 0, 1));
    stmt(p, BPF_RET | BPF_K, SECCOMP_RET_TRAP);
    if (inside_allow)
        stmt(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
}

static uint64_t site(const struct st_filter_cfg *c, const char *label)
{
    return c->region + st_code_off(label);
}

/* The hand-off futex of app threads: WAIT or WAKE (shared), on an address in the areas. */
static void futex_rules(struct prog *p, const struct st_filter_cfg *c)
{
    for (uint32_t op = FUTEX_WAIT; op <= FUTEX_WAKE; op++) {
        const struct check ck[] = {
            {SD_ARG_LO(1), op, false},
            {SD_ARG_HI(1), 0, false},
            {SD_ARG_HI(0), (uint32_t)(c->areas_lo >> 32), false},
        };
        rule(p, SYS_futex, site(c, cv_st_site_futex), ck, 3);
    }
}

static void app_rules(struct prog *p, const struct st_filter_cfg *c)
{
    futex_rules(p, c);
    rule(p, SYS_rt_sigreturn, site(c, cv_st_site_sigreturn), NULL, 0);
    const struct check exit0[] = {{SD_ARG_LO(0), 0, false}};
    rule(p, SYS_exit, site(c, cv_st_site_exit), exit0, 1);
}

static void base_rules(struct prog *p, const struct st_filter_cfg *c)
{
    const struct check mmap_ck[] = {
        {SD_ARG_LO(4), (uint32_t)c->memfd, false},
        {SD_ARG_HI(4), 0, false},
        {SD_ARG_LO(3), MAP_SHARED | MAP_FIXED, false},
        {SD_ARG_HI(3), 0, false},
        {SD_ARG_LO(2), ~7u, true},
        {SD_ARG_HI(2), 0, false},
    };
    rule(p, SYS_mmap, site(c, cv_st_site_mmap), mmap_ck, 6);
    rule(p, SYS_munmap, site(c, cv_st_site_munmap), NULL, 0);
    const struct check prot_ck[] = {{SD_ARG_LO(2), ~7u, true}, {SD_ARG_HI(2), 0, false}};
    rule(p, SYS_mprotect, site(c, cv_st_site_mprotect), prot_ck, 2);
    const struct check clone_ck[] = {{SD_ARG_LO(0), THREAD_CLONE_FLAGS, false},
                                     {SD_ARG_HI(0), 0, false},
                                     {SD_ARG_LO(1), 0, false},
                                     {SD_ARG_HI(1), 0, false}};
    rule(p, SYS_clone, site(c, cv_st_site_clone), clone_ck, 4);
    const struct check write_ck[] = {{SD_ARG_LO(0), (uint32_t)c->evfd, false},
                                     {SD_ARG_HI(0), 0, false},
                                     {SD_ARG_LO(2), 8, false},
                                     {SD_ARG_HI(2), 0, false}};
    rule(p, SYS_write, site(c, cv_st_site_evwrite), write_ck, 4);
    const struct check wait_ck[] = {{SD_ARG_LO(0), (uint32_t)c->ctl_seq, false},
                                    {SD_ARG_HI(0), (uint32_t)(c->ctl_seq >> 32), false},
                                    {SD_ARG_LO(1), FUTEX_WAIT, false},
                                    {SD_ARG_HI(1), 0, false}};
    rule(p, SYS_futex, site(c, cv_st_site_syswait), wait_ck, 4);
    const struct check alt_ck[] = {{SD_ARG_LO(1), 0, false}, {SD_ARG_HI(1), 0, false}};
    rule(p, SYS_sigaltstack, site(c, cv_st_site_sigaltstack), alt_ck, 2);
    const struct check sud_ck[] = {{SD_ARG_LO(0), 59 /* PR_SET_SYSCALL_USER_DISPATCH */, false},
                                   {SD_ARG_HI(0), 0, false}};
    rule(p, SYS_prctl, site(c, cv_st_site_sud), sud_ck, 2);
    const struct check sec_ck[] = {{SD_ARG_LO(0), SECCOMP_SET_MODE_FILTER, false},
                                   {SD_ARG_HI(0), 0, false},
                                   {SD_ARG_LO(1), 0, false},
                                   {SD_ARG_HI(1), 0, false}};
    rule(p, SYS_seccomp, site(c, cv_st_site_seccomp), sec_ck, 4);
    app_rules(p, c);
}

int st_filters_build(const struct st_filter_cfg *cfg, struct sock_filter *insns, unsigned cap,
                     unsigned len[3])
{
    uint64_t lo = cfg->region, hi = cfg->region + ST_CODE_SIZE;
    struct prog p = {.f = insns, .cap = cap};

    head(&p, lo, hi, true);
    len[0] = p.n;

    unsigned start = p.n;
    head(&p, lo, hi, false);
    base_rules(&p, cfg);
    stmt(&p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    len[1] = p.n - start;

    start = p.n;
    head(&p, lo, hi, false);
    app_rules(&p, cfg);
    stmt(&p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    len[2] = p.n - start;
    return p.overflow ? -E2BIG : 0;
}
