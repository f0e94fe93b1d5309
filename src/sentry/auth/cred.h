// SPDX-License-Identifier: Apache-2.0
/*
 * Credentials (Linux's struct cred, gVisor's auth.Credentials): who a task acts as. Every
 * permission decision in the Sentry reads the cred of the acting task, through its context
 * (context/context.h). A cred is immutable once published: a change makes a new one
 * (cred_prepare, change the copy, commit it), so a cred borrowed for the length of an
 * operation never changes under it. The rules by which the identity syscalls change a cred
 * (setuid(2), capabilities(7), execve) live in cred.c, beside the cred itself.
 *
 * Locking: the reference count is atomic, so a cred may be dropped anywhere; the fields are
 * immutable after cred_commit. There is one user namespace (the sandbox's own); the
 * pointer is there so that permission checks already name it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Capability numbers (capabilities(7)); the Sentry knows all of Linux 5.9+. */
enum {
    CAP_CHOWN = 0,
    CAP_DAC_OVERRIDE = 1,
    CAP_DAC_READ_SEARCH = 2,
    CAP_FOWNER = 3,
    CAP_FSETID = 4,
    CAP_KILL = 5,
    CAP_SETGID = 6,
    CAP_SETUID = 7,
    CAP_SETPCAP = 8,
    CAP_LINUX_IMMUTABLE = 9,
    CAP_NET_BIND_SERVICE = 10,
    CAP_NET_BROADCAST = 11,
    CAP_NET_ADMIN = 12,
    CAP_NET_RAW = 13,
    CAP_IPC_LOCK = 14,
    CAP_IPC_OWNER = 15,
    CAP_SYS_MODULE = 16,
    CAP_SYS_RAWIO = 17,
    CAP_SYS_CHROOT = 18,
    CAP_SYS_PTRACE = 19,
    CAP_SYS_PACCT = 20,
    CAP_SYS_ADMIN = 21,
    CAP_SYS_BOOT = 22,
    CAP_SYS_NICE = 23,
    CAP_SYS_RESOURCE = 24,
    CAP_SYS_TIME = 25,
    CAP_SYS_TTY_CONFIG = 26,
    CAP_MKNOD = 27,
    CAP_LEASE = 28,
    CAP_AUDIT_WRITE = 29,
    CAP_AUDIT_CONTROL = 30,
    CAP_SETFCAP = 31,
    CAP_MAC_OVERRIDE = 32,
    CAP_MAC_ADMIN = 33,
    CAP_SYSLOG = 34,
    CAP_WAKE_ALARM = 35,
    CAP_BLOCK_SUSPEND = 36,
    CAP_AUDIT_READ = 37,
    CAP_PERFMON = 38,
    CAP_BPF = 39,
    CAP_CHECKPOINT_RESTORE = 40,
};
#define CAP_LAST_CAP CAP_CHECKPOINT_RESTORE
#define CAP_FULL_SET ((UINT64_C(1) << (CAP_LAST_CAP + 1)) - 1)
#define CAP_TO_MASK(c) (UINT64_C(1) << (c))

/* securebits (prctl PR_SET_SECUREBITS, linux/securebits.h). */
#define SECBIT_NOROOT 0x01u
#define SECBIT_NOROOT_LOCKED 0x02u
#define SECBIT_NO_SETUID_FIXUP 0x04u
#define SECBIT_NO_SETUID_FIXUP_LOCKED 0x08u
#define SECBIT_KEEP_CAPS 0x10u
#define SECBIT_KEEP_CAPS_LOCKED 0x20u
#define SECBIT_NO_CAP_AMBIENT_RAISE 0x40u
#define SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED 0x80u
#define SECBIT_ALL 0xffu

/* Supplementary groups: Linux's NGROUPS_MAX. */
#define CRED_NGROUPS_MAX 65536

#define CRED_ID_INVALID UINT32_MAX /* (uid_t)-1: "leave unchanged" in the setres* calls */
#define CRED_OVERFLOW_ID 65534     /* what an id without a mapping reads as (nobody) */

/* A user namespace. The sandbox has one (the initial namespace as its apps see it). */
struct user_ns {
    int level; /* 0 for the sandbox's initial namespace */
};
extern struct user_ns g_init_user_ns;

struct cred {
    int refs; /* Atomic */
    uint32_t uid, euid, suid, fsuid;
    uint32_t gid, egid, sgid, fsgid;
    uint32_t ngroups;
    uint32_t *groups; /* sorted, no duplicates; owned (NULL when ngroups is 0) */
    uint64_t cap_inheritable, cap_permitted, cap_effective, cap_bset, cap_ambient;
    uint32_t securebits;
    bool no_new_privs;
    struct user_ns *user_ns; /* Immutable; the namespace the ids and capabilities belong to */
};

/* The credentials of the sandbox's first process: uid and gid @uid/@gid (0/0 for root), no
 * supplementary groups, every capability in the bounding set minus @drop_caps; a root
 * process gets the full permitted and effective sets, another none. New reference, or NULL
 * on ENOMEM. */
struct cred *cred_new_init(uint32_t uid, uint32_t gid, uint64_t drop_caps);
/* Root with every capability, for work the Sentry does on nobody's behalf (boot, overlay
 * copy-up). Lives for the life of the Sentry; never freed. */
extern struct cred g_kernel_cred;
static inline const struct cred *cred_kernel(void)
{
    return &g_kernel_cred;
}

const struct cred *cred_ref(const struct cred *c);
void cred_unref(const struct cred *c);
static inline void cred_unrefp(const struct cred **c)
{
    if (*c)
        cred_unref(*c);
}

/* A private copy of @old to change before cred_commit (Linux's prepare_creds). Returns a new
 * cred with one reference, or NULL on ENOMEM. */
struct cred *cred_prepare(const struct cred *old);
/* Replace the supplementary groups of the prepared @c with @n ids from @groups (sorted and
 * deduplicated here). Returns 0 or -ENOMEM. */
int cred_set_groups(struct cred *c, const uint32_t *groups, uint32_t n);

/* True if @c has capability @cap in its user namespace (effective set). */
static inline bool cred_capable(const struct cred *c, int cap)
{
    return (c->cap_effective & CAP_TO_MASK(cap)) != 0;
}
/* True if @gid is @c's filesystem gid or one of its supplementary groups (in_group_p). */
bool cred_in_group(const struct cred *c, uint32_t gid);
/* Same against the effective gid (in_egroup_p: access(2) with AT_EACCESS). */
bool cred_in_egroup(const struct cred *c, uint32_t gid);

/* ---- identity changes (cred.c), Linux's rules, on a prepared copy -------------------------
 * Each takes the current cred @old and the prepared copy @new (a cred_prepare of @old),
 * checks the caller may make the change (-EPERM if not, -EINVAL for a bad id), applies it
 * to @new with the capability effects of uid changes (capabilities(7) "Effect of user ID
 * changes on capabilities", honouring SECBIT_KEEP_CAPS and SECBIT_NO_SETUID_FIXUP).
 * CRED_ID_INVALID means "unchanged" where the syscall allows it. */
int cred_setresuid(const struct cred *old, struct cred *new, uint32_t r, uint32_t e, uint32_t s);
int cred_setresgid(const struct cred *old, struct cred *new, uint32_t r, uint32_t e, uint32_t s);
int cred_setuid(const struct cred *old, struct cred *new, uint32_t uid);
int cred_setgid(const struct cred *old, struct cred *new, uint32_t gid);
int cred_setreuid(const struct cred *old, struct cred *new, uint32_t r, uint32_t e);
int cred_setregid(const struct cred *old, struct cred *new, uint32_t r, uint32_t e);
/* setfsuid/setfsgid: return the previous fs id; the change happens only if allowed (the
 * syscall never fails). */
uint32_t cred_setfsuid(const struct cred *old, struct cred *new, uint32_t id);
uint32_t cred_setfsgid(const struct cred *old, struct cred *new, uint32_t id);
/* capset(2): the new inheritable, permitted and effective sets, Linux's rules. */
int cred_capset(const struct cred *old, struct cred *new, uint64_t eff, uint64_t perm,
                uint64_t inh);

/* prctl's capability options, each on a prepared copy @new of @old: PR_CAPBSET_DROP
 * (CAP_SETPCAP), PR_SET_SECUREBITS (CAP_SETPCAP, locked bits stay), PR_SET_KEEPCAPS and
 * PR_CAP_AMBIENT (op: the CRED_AMBIENT_* values of PR_CAP_AMBIENT_*; IS_SET returns 0/1
 * without changing @new). Return 0 (or the IS_SET answer) or -EPERM/-EINVAL. */
#define CRED_AMBIENT_IS_SET 1
#define CRED_AMBIENT_RAISE 2
#define CRED_AMBIENT_LOWER 3
#define CRED_AMBIENT_CLEAR_ALL 4
int cred_bset_drop(const struct cred *old, struct cred *new, uint64_t cap);
int cred_set_securebits(const struct cred *old, struct cred *new, uint64_t bits);
int cred_set_keepcaps(const struct cred *old, struct cred *new, uint64_t on);
int cred_ambient(const struct cred *old, struct cred *new, uint64_t op, uint64_t cap, uint64_t a4,
                 uint64_t a5);

/* What execve does to credentials (capabilities(7) "Transformation of capabilities during
 * execve()"). @file_uid/@file_gid with @setuid/@setgid: the set-user/group-ID bits of the
 * program (already cleared by the caller for nosuid mounts); @fcaps: the file capabilities
 * of the program, if @has_fcaps. Applies to @new (a prepared copy of @old). *@secure is set
 * when the exec changes privilege (AT_SECURE). Returns 0 or -EPERM. */
struct file_caps {
    uint64_t permitted, inheritable;
    bool effective;  /* the effective bit of the xattr */
    uint32_t rootid; /* v3: the root uid the capabilities apply to */
};
int cred_exec(const struct cred *old, struct cred *new, bool setuid, uint32_t file_uid, bool setgid,
              uint32_t file_gid, const struct file_caps *fcaps, bool *secure);
/* Parse a security.capability xattr value (v2 or v3). Returns 0 or -EINVAL. */
int cred_parse_file_caps(const void *value, int size, struct file_caps *out);
