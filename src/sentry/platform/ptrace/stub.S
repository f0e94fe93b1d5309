/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ptrace platform's stub: position-independent code copied to a fixed page at start-up.
 * A new stub process enters it right after clone(): it detaches itself from everything the
 * Sentry had (descriptors but the memory file, every mapping but this page), stops so the
 * Sentry knows it is ready, and then idles. Gadgets below run injected syscalls. Before it
 * stops it installs a seccomp filter allowing only those, and only from this page.
 * No stack is used anywhere in this file.
 */

#define SYS_munmap 11
#define SYS_rt_sigprocmask 14
#define SYS_pause 34
#define SYS_clone 56
#define SYS_kill 62
#define SYS_getpid 39
#define SYS_prctl 157
#define SYS_close_range 436
#define SYS_seccomp 317
#define SYS_exit_group 231
#define SECCOMP_SET_MODE_FILTER 1
#define PR_SET_PDEATHSIG 1
#define SIGKILL 9
#define SIGSTOP 19
#define TASK_TOP 0x7ffffffff000

    .section .rodata.cvisor_stub, "a"
    .balign 16
    .globl cv_stub_code_start
    .globl cv_stub_code_end
cv_stub_code_start:

/* Offset 0: entry of a new stub process. %r13 = the memory-file descriptor. */
stub_entry:
    mov $SYS_prctl, %eax
    mov $PR_SET_PDEATHSIG, %edi
    mov $SIGKILL, %esi
    xor %edx, %edx
    xor %r10d, %r10d
    xor %r8d, %r8d
    syscall
    /* Unblock every signal: interrupts and faults must reach the tracer. */
    mov $SYS_rt_sigprocmask, %eax
    mov $2, %edi                    /* SIG_SETMASK */
    lea stub_zero_mask(%rip), %rsi
    xor %edx, %edx
    mov $8, %r10d
    syscall
    /* close_range(0, memfd - 1) and close_range(memfd + 1, ~0) */
    test %r13, %r13
    jz 1f
    mov $SYS_close_range, %eax
    xor %edi, %edi
    lea -1(%r13), %rsi
    xor %edx, %edx
    syscall
1:  mov $SYS_close_range, %eax
    lea 1(%r13), %rdi
    mov $0xffffffff, %esi
    xor %edx, %edx
    syscall
    /* munmap(0, stub page) and munmap(after stub, TASK_TOP) */
    mov $SYS_munmap, %eax
    xor %edi, %edi
    lea cv_stub_code_start(%rip), %rsi
    syscall
    mov $SYS_munmap, %eax
    lea cv_stub_code_start(%rip), %rdi
    add $0x1000, %rdi
    mov $TASK_TOP, %rsi
    sub %rdi, %rsi
    syscall
    /* Narrow the inherited seccomp filter to what the platform injects, from this page only
     * (the program was written into cv_stub_filter by ptrace.c). No filter, no stub. */
    mov $SYS_seccomp, %eax
    mov $SECCOMP_SET_MODE_FILTER, %edi
    xor %esi, %esi
    lea cv_stub_filter(%rip), %rdx
    syscall
    test %rax, %rax
    jz 2f
    mov $SYS_exit_group, %eax
    mov $125, %edi
    syscall
2:
    /* Tell the spawner we are ready: stop ourselves. */
    mov $SYS_getpid, %eax
    syscall
    mov %rax, %rdi
    mov $SIGSTOP, %esi
    mov $SYS_kill, %eax
    syscall
    .globl cv_stub_idle
cv_stub_idle:
stub_idle:
    mov $SYS_pause, %eax
    syscall
    jmp stub_idle

    .balign 16
/* Offset STUB_SYSCALL_OFF: run one injected syscall and trap back. */
    .globl cv_stub_syscall
cv_stub_syscall:
    syscall
    int3
    jmp cv_stub_syscall

    .balign 16
/* Offset STUB_CLONE_OFF: injected clone(); the new thread idles, the caller traps back. */
    .globl cv_stub_clone
cv_stub_clone:
    syscall
    test %rax, %rax
    jz stub_idle
    int3
    jmp cv_stub_clone

    .balign 8
stub_zero_mask:
    .quad 0

/* struct sock_fprog followed by its instructions, filled in by ptrace.c (stub_filter_fill). */
    .balign 8
    .globl cv_stub_filter
cv_stub_filter:
    .skip 16 + 8 * 32
cv_stub_code_end:

    .text
/*
 * long cv_stub_spawn(uint64_t entry, int memfd): clone(SIGCHLD) the calling process; the
 * child jumps to @entry with %r13 = @memfd and never returns. Returns the child pid or
 * -errno in the parent.
 */
    .globl cv_stub_spawn
    .type cv_stub_spawn, @function
cv_stub_spawn:
    push %r12
    push %r13
    mov %rdi, %r12
    movslq %esi, %r13
    mov $SYS_clone, %eax
    mov $17, %edi                   /* SIGCHLD */
    xor %esi, %esi
    xor %edx, %edx
    xor %r10d, %r10d
    xor %r8d, %r8d
    syscall
    test %rax, %rax
    jnz 2f
    jmp *%r12
2:  pop %r13
    pop %r12
    ret
    .size cv_stub_spawn, .-cv_stub_spawn

    .section .note.GNU-stack, "", @progbits
