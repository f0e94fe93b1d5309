/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The systrap platform's stub code: position-independent, copied by the Sentry to the first
 * page of the stub region, which every stub process inherits and seals. Three roles:
 *   - the template (st_template_entry): a process forked from the Sentry before the Sentry's own
 *     seccomp filter exists; it sheds everything but the region and forks one stub process per
 *     address space on request (a slice offset read from its socket), answering with the pid
 *     and an eventfd that only the new stub's syscall thread writes;
 *   - the syscall thread (st_stub_entry, the stub process's first thread): maps its slice, takes
 *     the signals, narrows the filter, then runs the memory operations (and thread creations)
 *     the Sentry writes into the read-only control page, and signals each completion on the
 *     eventfd;
 *   - app threads (st_thread_entry, then st_handler): run app code; every trap lands in the
 *     handler on the signal alternate stack inside the thread's area, which hands over to the
 *     Sentry and returns through rt_sigreturn with what the Sentry wrote into the frame.
 * No stack is used: the handler's frame is the kernel's; registers carry everything else.
 * The st_site_* labels follow syscall instructions: the seccomp filters (systrap_filter.c)
 * allow each call only from its own site.
 */
#include "sentry/platform/systrap/abi.h"

#define SYS_read 0
#define SYS_write 1
#define SYS_close 3
#define SYS_mmap 9
#define SYS_mprotect 10
#define SYS_munmap 11
#define SYS_rt_sigaction 13
#define SYS_rt_sigprocmask 14
#define SYS_rt_sigreturn 15
#define SYS_sendmsg 46
#define SYS_clone 56
#define SYS_exit 60
#define SYS_sigaltstack 131
#define SYS_prctl 157
#define SYS_futex 202
#define SYS_exit_group 231
#define SYS_eventfd2 290
#define SYS_seccomp 317
#define SYS_close_range 436
#define SYS_mseal 462
#define SYS_rseq 334
#define TASK_TOP 0x7ffffffff000
#define THREAD_CLONE_FLAGS 0x250f00 /* VM FS FILES SIGHAND THREAD SYSVSEM CHILD_CLEARTID */

#define PARAM(x) cv_st_params+x(%rip)

    .section .rodata.cvisor_systrap, "a"
    .balign 4096
    .globl cv_st_code_start
cv_st_code_start:

/* ---- the template ------------------------------------------------------------------------ */
    .globl cv_st_template_entry
cv_st_template_entry:
    mov $SYS_prctl, %eax
    mov $1, %edi                    /* PR_SET_PDEATHSIG */
    mov $9, %esi                    /* SIGKILL */
    xor %edx, %edx
    xor %r10d, %r10d
    xor %r8d, %r8d
    syscall
    mov $SYS_rt_sigprocmask, %eax
    mov $2, %edi                    /* SIG_SETMASK */
    lea PARAM(P_ZERO_MASK), %rsi
    xor %edx, %edx
    mov $8, %r10d
    syscall
    mov $SYS_rt_sigaction, %eax     /* SIGCHLD ignored: stubs are reaped by the kernel */
    mov $17, %edi
    lea PARAM(P_ACT_IGN), %rsi
    xor %edx, %edx
    mov $8, %r10d
    syscall
    /* The forking thread's rseq registration came along; its memory is about to go. */
    mov PARAM(P_RSEQ), %rdi
    test %rdi, %rdi
    jz 0f
    mov $SYS_rseq, %eax
    mov PARAM(P_RSEQ+8), %rsi
    mov $1, %edx                    /* RSEQ_FLAG_UNREGISTER */
    mov PARAM(P_RSEQ+16), %r10
    syscall
0:  lea PARAM(P_CLOSE), %rbx        /* close every descriptor but three */
    mov $4, %ebp
1:  mov (%rbx), %rdi
    mov 8(%rbx), %rsi
    cmp %rsi, %rdi
    ja 2f
    mov $SYS_close_range, %eax
    xor %edx, %edx
    syscall
2:  add $16, %rbx
    dec %ebp
    jnz 1b
    mov $SYS_munmap, %eax           /* every mapping but the region */
    xor %edi, %edi
    mov PARAM(P_REGION), %rsi
    syscall
    mov PARAM(P_REGION), %rdi
    add PARAM(P_REGION_SIZE), %rdi
    mov $TASK_TOP, %rsi
    sub %rdi, %rsi
    mov $SYS_munmap, %eax
    syscall
    mov $SYS_prctl, %eax
    mov $38, %edi                   /* PR_SET_NO_NEW_PRIVS */
    mov $1, %esi
    xor %edx, %edx
    xor %r10d, %r10d
    xor %r8d, %r8d
    syscall
    mov $SYS_seccomp, %eax
    mov $1, %edi                    /* SECCOMP_SET_MODE_FILTER */
    xor %esi, %esi
    lea PARAM(P_PROG_T), %rdx
    syscall
    test %rax, %rax
    jnz st_die
    mov PARAM(P_REGION), %rbx
    add $ST_CTL_OFF, %rbx           /* the template's scratch page */
st_template_loop:
    xor %eax, %eax                  /* read(sock, &slice, 8) */
    mov PARAM(P_SOCKFD), %rdi
    lea TS_SLICE(%rbx), %rsi
    mov $8, %edx
    syscall
    cmp $8, %rax
    jne st_die
    mov $SYS_eventfd2, %eax
    xor %edi, %edi
    xor %esi, %esi
    syscall
    mov %rax, %r13
    cmp PARAM(P_EVFD), %rax
    jne st_template_nofd
    mov TS_SLICE(%rbx), %r12
    mov $SYS_clone, %eax
    mov $17, %edi                   /* SIGCHLD: a process of its own */
    xor %esi, %esi
    xor %edx, %edx
    xor %r10d, %r10d
    xor %r8d, %r8d
    syscall
    test %rax, %rax
    jz st_stub_entry
    mov %rax, TS_PID(%rbx)
    movq $24, TS_MSG+40(%rbx)       /* msg_controllen: the eventfd goes along */
    test %rax, %rax
    jns 3f
    movq $0, TS_MSG+40(%rbx)
3:  mov %r13d, TS_CMSG_FD(%rbx)
    jmp st_template_send
st_template_nofd:
    mov %rax, TS_PID(%rbx)          /* an error, or a descriptor of the wrong number */
    test %rax, %rax
    js 4f
    movq $-24, TS_PID(%rbx)         /* -EMFILE */
4:  movq $0, TS_MSG+40(%rbx)
st_template_send:
    mov $SYS_sendmsg, %eax
    mov PARAM(P_SOCKFD), %rdi
    lea TS_MSG(%rbx), %rsi
    xor %edx, %edx
    syscall
    test %r13, %r13
    js st_template_loop
    mov $SYS_close, %eax
    mov %r13, %rdi
    syscall
    jmp st_template_loop

st_die:
    mov $SYS_exit_group, %eax
    mov $127, %edi
    syscall
    ud2

/* ---- a stub process: its first thread becomes the syscall thread -------------------------- */
/* %r12 = offset of the slice in the areas memfd, %r13 = the eventfd. */
st_stub_entry:
    mov $SYS_prctl, %eax
    mov $1, %edi                    /* PR_SET_PDEATHSIG: dies with the template */
    mov $9, %esi
    xor %edx, %edx
    xor %r10d, %r10d
    xor %r8d, %r8d
    syscall
    mov $SYS_close, %eax
    mov PARAM(P_SOCKFD), %rdi
    syscall
    mov $SYS_mmap, %eax             /* control pages, read-only */
    mov PARAM(P_CTL), %rdi
    mov $ST_CTL_SIZE, %esi
    mov $1, %edx                    /* PROT_READ */
    mov $0x11, %r10d                /* MAP_SHARED | MAP_FIXED */
    mov PARAM(P_AREASFD), %r8
    mov %r12, %r9
    syscall
    cmp PARAM(P_CTL), %rax
    jne st_die
    mov $SYS_mmap, %eax             /* reply page */
    mov PARAM(P_REPLY), %rdi
    mov $ST_PAGE, %esi
    mov $3, %edx
    mov $0x11, %r10d
    mov PARAM(P_AREASFD), %r8
    lea ST_CTL_SIZE(%r12), %r9
    syscall
    cmp PARAM(P_REPLY), %rax
    jne st_die
    mov $SYS_mmap, %eax             /* thread areas */
    mov PARAM(P_AREAS_BASE), %rdi
    mov PARAM(P_AREAS_LEN), %rsi
    mov $3, %edx
    mov $0x11, %r10d
    mov PARAM(P_AREASFD), %r8
    lea ST_CTL_SIZE+ST_PAGE(%r12), %r9
    syscall
    cmp PARAM(P_AREAS_BASE), %rax
    jne st_die
    mov $SYS_close, %eax
    mov PARAM(P_AREASFD), %rdi
    syscall
    lea PARAM(P_SIGNALS), %rbx      /* the handler, for every trap signal */
5:  mov (%rbx), %edi
    test %edi, %edi
    jz 6f
    mov $SYS_rt_sigaction, %eax
    lea PARAM(P_ACT), %rsi
    xor %edx, %edx
    mov $8, %r10d
    syscall
    test %rax, %rax
    jnz st_die
    add $4, %rbx
    jmp 5b
6:  mov $SYS_mseal, %eax            /* nobody changes the region any more */
    mov PARAM(P_REGION), %rdi
    mov PARAM(P_REGION_SIZE), %rsi
    xor %edx, %edx
    syscall
    mov PARAM(P_REPLY), %rbp
    mov %rax, RP_RESULT(%rbp)       /* for the Sentry's log */
    mov $SYS_seccomp, %eax
    mov $1, %edi
    xor %esi, %esi
    lea PARAM(P_PROG_BASE), %rdx
    syscall
    test %rax, %rax
    jnz st_die
    mov PARAM(P_CTL), %rbx
    xor %r14d, %r14d                /* last request seen */
    lea PARAM(P_ONE), %rsi          /* ready */
    jmp st_evwrite

/* The syscall thread's loop. %rbx = control page, %rbp = reply page, %r13 = eventfd,
 * %r14d = last sequence number served. */
st_sys_loop:
    mov CTL_SPIN(%rbx), %r15
    cmp PARAM(P_SPIN_MAX), %r15
    jbe 1f
    mov PARAM(P_SPIN_MAX), %r15
1:  rdtsc
    shl $32, %rdx
    or %rdx, %rax
    mov %rax, %r12
2:  mov CTL_SEQ(%rbx), %ecx
    test $1, %ecx
    jnz 3f
    cmp %r14d, %ecx
    jne st_sys_take
3:  pause
    rdtsc
    shl $32, %rdx
    or %rdx, %rax
    sub %r12, %rax
    cmp %r15, %rax
    jb 2b
4:  movl $1, RP_WAITING(%rbp)
    mfence
    mov CTL_SEQ(%rbx), %ecx
    test $1, %ecx
    jnz 5f
    cmp %r14d, %ecx
    jne st_sys_woken
5:  mov $SYS_futex, %eax
    lea CTL_SEQ(%rbx), %rdi
    xor %esi, %esi                  /* FUTEX_WAIT, shared */
    mov %ecx, %edx
    xor %r10d, %r10d
    syscall
    .globl cv_st_site_syswait
cv_st_site_syswait:
    jmp 4b
st_sys_woken:
    movl $0, RP_WAITING(%rbp)
st_sys_take:
    /* A consistent copy of the request: the sequence number must not move meanwhile. */
    mov CTL_OP(%rbx), %r15
    mov CTL_A0(%rbx), %rdi
    mov CTL_A1(%rbx), %rsi
    mov CTL_A2(%rbx), %rdx
    mov CTL_A3(%rbx), %r9
    lfence
    cmp CTL_SEQ(%rbx), %ecx
    jne st_sys_loop
    mov %ecx, %r14d
    cmp $OP_MAP, %r15
    je st_op_map
    cmp $OP_UNMAP, %r15
    je st_op_unmap
    cmp $OP_PROTECT, %r15
    je st_op_protect
    cmp $OP_CLONE, %r15
    je st_op_clone
    mov $-22, %rax                  /* -EINVAL */
    jmp st_sys_done
st_op_map:
    mov $SYS_mmap, %eax
    mov $0x11, %r10d                /* MAP_SHARED | MAP_FIXED */
    mov PARAM(P_MEMFD), %r8
    syscall
    .globl cv_st_site_mmap
cv_st_site_mmap:
    jmp st_sys_done
st_op_unmap:
    mov $SYS_munmap, %eax
    syscall
    .globl cv_st_site_munmap
cv_st_site_munmap:
    jmp st_sys_done
st_op_protect:
    mov $SYS_mprotect, %eax
    syscall
    .globl cv_st_site_mprotect
cv_st_site_mprotect:
    jmp st_sys_done
st_op_clone:
    mov %rdi, %r12                  /* slot index, kept by the child */
    mov %rdi, %r10
    imul PARAM(P_AREA_SIZE), %r10
    add PARAM(P_AREAS_BASE), %r10   /* clear-child-tid: the slot's state word */
    mov $THREAD_CLONE_FLAGS, %edi
    xor %esi, %esi
    xor %edx, %edx
    xor %r8d, %r8d
    mov $SYS_clone, %eax
    syscall
    .globl cv_st_site_clone
cv_st_site_clone:
    test %rax, %rax
    jz st_thread_entry
st_sys_done:
    mov %rax, RP_RESULT(%rbp)
    mov %r14d, RP_SEQ(%rbp)
    lea PARAM(P_ONE), %rsi
    cmp $-4095, %rax
    jb st_evwrite
    lea PARAM(P_TWO), %rsi
st_evwrite:
    /* The completion the Sentry trusts: only this thread can write the eventfd, and the
     * value comes from the sealed code page. */
    mov $SYS_write, %eax
    mov %r13, %rdi
    mov $8, %edx
    syscall
    .globl cv_st_site_evwrite
cv_st_site_evwrite:
    jmp st_sys_loop

/* ---- an app thread ----------------------------------------------------------------------- */
/* %r12 = slot index. */
st_thread_entry:
    mov %r12, %rdi                  /* sigaltstack(&ctl.alt[slot], NULL) */
    imul $ST_STACK_T_SIZE, %rdi
    add PARAM(P_CTL), %rdi
    add $ST_CTL_ALT_OFF, %rdi
    xor %esi, %esi
    mov $SYS_sigaltstack, %eax
    syscall
    .globl cv_st_site_sigaltstack
cv_st_site_sigaltstack:
    test %rax, %rax
    jnz st_thread_exit
    mov $SYS_prctl, %eax            /* syscall user dispatch: all but the stub code traps */
    mov $59, %edi                   /* PR_SET_SYSCALL_USER_DISPATCH */
    mov $1, %esi                    /* PR_SYS_DISPATCH_ON */
    mov PARAM(P_REGION), %rdx
    mov $ST_CODE_SIZE, %r10d
    mov PARAM(P_CTL), %r8
    add $CTL_SELECTOR, %r8
    syscall
    .globl cv_st_site_sud
cv_st_site_sud:
    test %rax, %rax
    jnz st_thread_exit
    mov $SYS_seccomp, %eax
    mov $1, %edi
    xor %esi, %esi
    lea PARAM(P_PROG_APP), %rdx
    syscall
    .globl cv_st_site_seccomp
cv_st_site_seccomp:
    test %rax, %rax
    jnz st_thread_exit
    .globl cv_st_ready
cv_st_ready:
    ud2                             /* into the handler: the Sentry sees the thread ready */

/*
 * The handler of every trap signal, on the thread's alternate stack. %rdi = signo,
 * %rdx = ucontext. The control block is found from the stack pointer. An interrupt that
 * lands in the patched-syscall path is dropped: the thread is with the Sentry, or on its way
 * to or from it (the Sentry sends interrupts again until one is answered).
 */
    .globl cv_st_handler
cv_st_handler:
    cmp $ST_INTERRUPT_SIGNAL, %edi
    jne 1f
    mov UC_RIP(%rdx), %rax
    lea st_handoff(%rip), %rcx
    cmp %rcx, %rax
    jb 1f
    lea cv_st_patched_end(%rip), %rcx
    cmp %rcx, %rax
    jae 1f
    mov %rdx, %rsp
    jmp st_sigreturn
1:  mov %rsp, %r12
    and PARAM(P_AREA_MASK), %r12
    mov %rdx, %r13
    rdfsbase %rax
    mov %rax, AC_FS_BASE(%r12)
    rdgsbase %rax
    mov %rax, AC_GS_BASE(%r12)
    mov %r13, AC_UC(%r12)
    mov %edi, AC_SIGNO(%r12)
    movl $ENTRY_SIGNAL, AC_KIND(%r12)
    lea 2f(%rip), %rbp
    jmp st_handoff
2:  mov AC_FS_BASE(%r12), %rax
    wrfsbase %rax
    mov AC_GS_BASE(%r12), %rax
    wrgsbase %rax
    mov %r13, %rsp                  /* the frame the kernel built, as the Sentry left it */
st_sigreturn:
    mov $SYS_rt_sigreturn, %eax
    syscall
    .globl cv_st_site_sigreturn
cv_st_site_sigreturn:
    ud2

/*
 * The hand-off: publish the trap of the thread whose control block is %r12, wake the Sentry
 * if it sleeps, wait for its answer (spin for the budget it set, then futex) and go on at
 * %rbp. Exits the thread when told to. Uses %rbx, %r14, %r15 and the syscall registers.
 * Called by the handler (signals blocked) and by the patched path (not blocked: see above).
 */
st_handoff:
    mov $ST_TRAPPED, %eax
    xchg %eax, AC_STATE(%r12)
    cmpl $0, AC_SENTRY_WAITING(%r12)
    je 1f
    lea AC_STATE(%r12), %rdi
    mov $1, %esi                    /* FUTEX_WAKE, shared */
    mov $1, %edx
    lea 1f(%rip), %r15
    jmp st_futex
1:  mov AC_SPIN(%r12), %r14
    cmp PARAM(P_SPIN_MAX), %r14
    jbe 2f
    mov PARAM(P_SPIN_MAX), %r14
2:  rdtsc
    shl $32, %rdx
    or %rdx, %rax
    mov %rax, %rbx
3:  mov AC_STATE(%r12), %eax
    cmp $ST_TRAPPED, %eax
    jne 6f
    pause
    rdtsc
    shl $32, %rdx
    or %rdx, %rax
    sub %rbx, %rax
    cmp %r14, %rax
    jb 3b
4:  movl $1, AC_STUB_WAITING(%r12)
    mfence
    mov AC_STATE(%r12), %eax
    cmp $ST_TRAPPED, %eax
    jne 5f
    lea AC_STATE(%r12), %rdi
    xor %esi, %esi                  /* FUTEX_WAIT, shared */
    mov $ST_TRAPPED, %edx
    xor %r10d, %r10d
    lea 4b(%rip), %r15
    jmp st_futex
5:  movl $0, AC_STUB_WAITING(%r12)
6:  cmp $ST_EXIT, %eax
    je st_thread_exit
    jmp *%rbp

st_thread_exit:
    mov $SYS_exit, %eax
    xor %edi, %edi
    syscall
    .globl cv_st_site_exit
cv_st_site_exit:
    ud2

/* The one futex call of app threads: returns to %r15. */
st_futex:
    mov $SYS_futex, %eax
    syscall
    .globl cv_st_site_futex
cv_st_site_futex:
    jmp *%r15

/*
 * Patched syscall sites (docs/platform.md, "Syscall patching") come here from their entry in
 * the [usertrap] table with %eax = the syscall number and %rcx = the return address; %r11 is
 * free (a syscall clobbers %rcx and %r11). The thread's control block is its GS base, which
 * the Sentry keeps there while the app has none of its own; otherwise the call traps at
 * cv_st_fallback_site. No signal: registers go to AC_REGS, FP state stays in the CPU.
 */
    .globl cv_st_patched
cv_st_patched:
    rdgsbase %r11
    sub PARAM(P_AREAS_BASE), %r11
    cmp PARAM(P_AREAS_LEN), %r11
    jae cv_st_fallback_site
    test PARAM(P_AREA_LOWMASK), %r11
    jnz cv_st_fallback_site
    add PARAM(P_AREAS_BASE), %r11
    mov %rcx, AC_REGS+R_RIP(%r11)
    mov %rcx, AC_REGS+R_RCX(%r11)
    mov %rax, AC_REGS+R_RAX(%r11)
    mov %rax, AC_REGS+R_ORIG_RAX(%r11)
    mov %rdi, AC_REGS+R_RDI(%r11)
    mov %rsi, AC_REGS+R_RSI(%r11)
    mov %rdx, AC_REGS+R_RDX(%r11)
    mov %r10, AC_REGS+R_R10(%r11)
    mov %r8, AC_REGS+R_R8(%r11)
    mov %r9, AC_REGS+R_R9(%r11)
    mov %rbx, AC_REGS+R_RBX(%r11)
    mov %rbp, AC_REGS+R_RBP(%r11)
    mov %r12, AC_REGS+R_R12(%r11)
    mov %r13, AC_REGS+R_R13(%r11)
    mov %r14, AC_REGS+R_R14(%r11)
    mov %r15, AC_REGS+R_R15(%r11)
    mov %rsp, AC_REGS+R_RSP(%r11)
    lea AREA_TRAMP_STACK_TOP(%r11), %rsp
    pushfq
    pop %rcx
    mov %rcx, AC_REGS+R_EFLAGS(%r11)
    mov %rcx, AC_REGS+R_R11(%r11)
    rdfsbase %rcx
    mov %rcx, AC_FS_BASE(%r11)
    movl $ENTRY_PATCHED, AC_KIND(%r11)
    mov %r11, %r12
    lea 1f(%rip), %rbp
    jmp st_handoff
1:  cmpl $REPLY_FAST, AC_REPLY(%r12)
    jne cv_st_full_site
    mov AC_REGS+R_EFLAGS(%r12), %rcx
    push %rcx
    popfq
    mov AC_REGS+R_RAX(%r12), %rax
    mov AC_REGS+R_RDI(%r12), %rdi
    mov AC_REGS+R_RSI(%r12), %rsi
    mov AC_REGS+R_RDX(%r12), %rdx
    mov AC_REGS+R_R10(%r12), %r10
    mov AC_REGS+R_R8(%r12), %r8
    mov AC_REGS+R_R9(%r12), %r9
    mov AC_REGS+R_RBX(%r12), %rbx
    mov AC_REGS+R_RBP(%r12), %rbp
    mov AC_REGS+R_R13(%r12), %r13
    mov AC_REGS+R_R14(%r12), %r14
    mov AC_REGS+R_R15(%r12), %r15
    mov AC_REGS+R_EFLAGS(%r12), %r11
    mov AC_REGS+R_RIP(%r12), %rcx
    mov AC_REGS+R_RSP(%r12), %rsp
    mov AC_REGS+R_R12(%r12), %r12
    jmp *%rcx
    .globl cv_st_full_site
cv_st_full_site:
    ud2                             /* the Sentry wants a signal frame: it rewrites it all */
    .globl cv_st_fallback_site
cv_st_fallback_site:
    ud2                             /* GS is not ours: trap as the syscall would have */
    .globl cv_st_patched_end
cv_st_patched_end:

    .balign 64
    .globl cv_st_params
cv_st_params:
    .skip P_SIZE
    .globl cv_st_code_end
cv_st_code_end:

    .text
/*
 * long cv_st_spawn(uint64_t entry): clone(SIGCHLD) the calling process; the child jumps to
 * @entry (in the region) and never returns. Returns the child pid or -errno.
 */
    .globl cv_st_spawn
    .type cv_st_spawn, @function
cv_st_spawn:
    push %r12
    mov %rdi, %r12
    mov $SYS_clone, %eax
    mov $17, %edi
    xor %esi, %esi
    xor %edx, %edx
    xor %r10d, %r10d
    xor %r8d, %r8d
    syscall
    test %rax, %rax
    jnz 1f
    jmp *%r12
1:  pop %r12
    ret
    .size cv_st_spawn, .-cv_st_spawn

    .section .note.GNU-stack, "", @progbits
