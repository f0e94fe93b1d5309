// SPDX-License-Identifier: Apache-2.0
/*
 * Credentials and Linux's rules for changing them: the set*id family with the capability
 * effects of uid changes, capset, and the transformation of capabilities at execve
 * (capabilities(7), setuid(2), setresuid(2), setfsuid(2), credentials(7)). The syscall layer
 * reads arguments and commits the result; every decision is made here.
 */
#include "sentry/auth/cred.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

struct user_ns g_init_user_ns = {.level = 0};

/* The capabilities a change of the filesystem uid to or from root adds or drops. */
#define CAP_FS_SET                                                                                 \
    (CAP_TO_MASK(CAP_CHOWN) | CAP_TO_MASK(CAP_MKNOD) | CAP_TO_MASK(CAP_DAC_OVERRIDE) |             \
     CAP_TO_MASK(CAP_DAC_READ_SEARCH) | CAP_TO_MASK(CAP_FOWNER) | CAP_TO_MASK(CAP_FSETID) |        \
     CAP_TO_MASK(CAP_MAC_OVERRIDE) | CAP_TO_MASK(CAP_LINUX_IMMUTABLE))

struct cred g_kernel_cred = {
    .refs = 1,
    .cap_permitted = CAP_FULL_SET,
    .cap_effective = CAP_FULL_SET,
    .cap_bset = CAP_FULL_SET,
    .user_ns = &g_init_user_ns,
};

struct cred *cred_new_init(uint32_t uid, uint32_t gid, uint64_t drop_caps)
{
    struct cred *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->refs = 1;
    c->uid = c->euid = c->suid = c->fsuid = uid;
    c->gid = c->egid = c->sgid = c->fsgid = gid;
    c->cap_bset = CAP_FULL_SET & ~drop_caps;
    if (uid == 0)
        c->cap_permitted = c->cap_effective = c->cap_bset;
    c->user_ns = &g_init_user_ns;
    return c;
}

const struct cred *cred_ref(const struct cred *c)
{
    __atomic_add_fetch(&((struct cred *)c)->refs, 1, __ATOMIC_RELAXED);
    return c;
}

void cred_unref(const struct cred *c)
{
    struct cred *m = (struct cred *)c;
    int left = __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL);
    CV_BUG_ON(left < 0);
    if (left > 0)
        return;
    CV_BUG_ON(m == &g_kernel_cred);
    free(m->groups);
    free(m);
}

struct cred *cred_prepare(const struct cred *old)
{
    struct cred *c = malloc(sizeof(*c));
    if (!c)
        return NULL;
    *c = *old;
    c->refs = 1;
    c->groups = NULL;
    if (old->ngroups) {
        c->groups = malloc(old->ngroups * sizeof(uint32_t));
        if (!c->groups) {
            free(c);
            return NULL;
        }
        memcpy(c->groups, old->groups, old->ngroups * sizeof(uint32_t));
    }
    return c;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int cred_set_groups(struct cred *c, const uint32_t *groups, uint32_t n)
{
    uint32_t *g = NULL;
    uint32_t k = 0;
    if (n) {
        g = malloc(n * sizeof(uint32_t));
        if (!g)
            return -ENOMEM;
        memcpy(g, groups, n * sizeof(uint32_t));
        qsort(g, n, sizeof(uint32_t), cmp_u32);
        for (uint32_t i = 0; i < n; i++) {
            if (k == 0 || g[k - 1] != g[i])
                g[k++] = g[i];
        }
    }
    free(c->groups);
    c->groups = g;
    c->ngroups = k;
    return 0;
}

static bool groups_search(const struct cred *c, uint32_t gid)
{
    uint32_t lo = 0, hi = c->ngroups;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->groups[mid] == gid)
            return true;
        if (c->groups[mid] < gid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool cred_in_group(const struct cred *c, uint32_t gid)
{
    return gid == c->fsgid || groups_search(c, gid);
}

bool cred_in_egroup(const struct cred *c, uint32_t gid)
{
    return gid == c->egid || groups_search(c, gid);
}

/* ---- uid changes and their capability effects ------------------------------------------ */

/* capabilities(7): a process that had root among its uids and now has none loses its
 * permitted and effective sets (unless SECBIT_KEEP_CAPS) and always its ambient set; a
 * change of the effective uid from 0 clears the effective set, to 0 raises it to the
 * permitted set. */
static void fixup_setxuid(const struct cred *old, struct cred *new)
{
    if (old->securebits & SECBIT_NO_SETUID_FIXUP)
        return;
    bool had_root = old->uid == 0 || old->euid == 0 || old->suid == 0;
    bool has_root = new->uid == 0 || new->euid == 0 || new->suid == 0;
    if (had_root && !has_root) {
        if (!(old->securebits & SECBIT_KEEP_CAPS))
            new->cap_permitted = new->cap_effective = 0;
        new->cap_ambient = 0;
    }
    if (old->euid == 0 && new->euid != 0)
        new->cap_effective = 0;
    if (old->euid != 0 && new->euid == 0)
        new->cap_effective = new->cap_permitted;
}

/* A change of the filesystem uid to or from 0 drops or raises the filesystem capabilities
 * in the effective set. */
static void fixup_setfsuid(const struct cred *old, struct cred *new)
{
    if (old->securebits & SECBIT_NO_SETUID_FIXUP)
        return;
    if (old->fsuid == 0 && new->fsuid != 0)
        new->cap_effective &= ~CAP_FS_SET;
    if (old->fsuid != 0 && new->fsuid == 0)
        new->cap_effective |= new->cap_permitted &CAP_FS_SET;
}

static void fixup_uid(const struct cred *old, struct cred *new)
{
    fixup_setxuid(old, new);
    fixup_setfsuid(old, new);
}

static bool is_old_id(uint32_t id, uint32_t r, uint32_t e, uint32_t s)
{
    return id == r || id == e || id == s;
}

int cred_setuid(const struct cred *old, struct cred *new, uint32_t uid)
{
    if (uid == CRED_ID_INVALID)
        return -EINVAL;
    if (cred_capable(old, CAP_SETUID)) {
        new->uid = new->suid = uid;
    } else if (uid != old->uid && uid != old->suid) {
        return -EPERM;
    }
    new->euid = new->fsuid = uid;
    fixup_uid(old, new);
    return 0;
}

int cred_setreuid(const struct cred *old, struct cred *new, uint32_t r, uint32_t e)
{
    bool cap = cred_capable(old, CAP_SETUID);
    if (r != CRED_ID_INVALID) {
        if (!cap && r != old->uid && r != old->euid)
            return -EPERM;
        new->uid = r;
    }
    if (e != CRED_ID_INVALID) {
        if (!cap && !is_old_id(e, old->uid, old->euid, old->suid))
            return -EPERM;
        new->euid = e;
    }
    if (r != CRED_ID_INVALID || (e != CRED_ID_INVALID && e != old->uid))
        new->suid = new->euid;
    new->fsuid = new->euid;
    fixup_uid(old, new);
    return 0;
}

int cred_setresuid(const struct cred *old, struct cred *new, uint32_t r, uint32_t e, uint32_t s)
{
    if (!cred_capable(old, CAP_SETUID)) {
        uint32_t ids[3] = {r, e, s};
        for (int i = 0; i < 3; i++) {
            if (ids[i] != CRED_ID_INVALID && !is_old_id(ids[i], old->uid, old->euid, old->suid))
                return -EPERM;
        }
    }
    if (r != CRED_ID_INVALID)
        new->uid = r;
    if (e != CRED_ID_INVALID)
        new->euid = e;
    if (s != CRED_ID_INVALID)
        new->suid = s;
    new->fsuid = new->euid;
    fixup_uid(old, new);
    return 0;
}

uint32_t cred_setfsuid(const struct cred *old, struct cred *new, uint32_t id)
{
    if (id == CRED_ID_INVALID)
        return old->fsuid;
    if (is_old_id(id, old->uid, old->euid, old->suid) || id == old->fsuid ||
        cred_capable(old, CAP_SETUID)) {
        new->fsuid = id;
        fixup_setfsuid(old, new);
    }
    return old->fsuid;
}

/* ---- gid changes (no capability effects) ----------------------------------------------- */

int cred_setgid(const struct cred *old, struct cred *new, uint32_t gid)
{
    if (gid == CRED_ID_INVALID)
        return -EINVAL;
    if (cred_capable(old, CAP_SETGID)) {
        new->gid = new->sgid = gid;
    } else if (gid != old->gid && gid != old->sgid) {
        return -EPERM;
    }
    new->egid = new->fsgid = gid;
    return 0;
}

int cred_setregid(const struct cred *old, struct cred *new, uint32_t r, uint32_t e)
{
    bool cap = cred_capable(old, CAP_SETGID);
    if (r != CRED_ID_INVALID) {
        if (!cap && r != old->gid && r != old->egid)
            return -EPERM;
        new->gid = r;
    }
    if (e != CRED_ID_INVALID) {
        if (!cap && !is_old_id(e, old->gid, old->egid, old->sgid))
            return -EPERM;
        new->egid = e;
    }
    if (r != CRED_ID_INVALID || (e != CRED_ID_INVALID && e != old->gid))
        new->sgid = new->egid;
    new->fsgid = new->egid;
    return 0;
}

int cred_setresgid(const struct cred *old, struct cred *new, uint32_t r, uint32_t e, uint32_t s)
{
    if (!cred_capable(old, CAP_SETGID)) {
        uint32_t ids[3] = {r, e, s};
        for (int i = 0; i < 3; i++) {
            if (ids[i] != CRED_ID_INVALID && !is_old_id(ids[i], old->gid, old->egid, old->sgid))
                return -EPERM;
        }
    }
    if (r != CRED_ID_INVALID)
        new->gid = r;
    if (e != CRED_ID_INVALID)
        new->egid = e;
    if (s != CRED_ID_INVALID)
        new->sgid = s;
    new->fsgid = new->egid;
    return 0;
}

uint32_t cred_setfsgid(const struct cred *old, struct cred *new, uint32_t id)
{
    if (id == CRED_ID_INVALID)
        return old->fsgid;
    if (is_old_id(id, old->gid, old->egid, old->sgid) || id == old->fsgid ||
        cred_capable(old, CAP_SETGID))
        new->fsgid = id;
    return old->fsgid;
}

/* ---- capset ------------------------------------------------------------------------------ */

static bool subset(uint64_t a, uint64_t b)
{
    return (a & ~b) == 0;
}

int cred_capset(const struct cred *old, struct cred *new, uint64_t eff, uint64_t perm, uint64_t inh)
{
    /* Without CAP_SETPCAP the inheritable set may only take from the permitted set. */
    if (!cred_capable(old, CAP_SETPCAP) && !subset(inh, old->cap_inheritable | old->cap_permitted))
        return -EPERM;
    if (!subset(inh, old->cap_inheritable | old->cap_bset))
        return -EPERM;
    if (!subset(perm, old->cap_permitted))
        return -EPERM;
    if (!subset(eff, perm))
        return -EPERM;
    new->cap_effective = eff;
    new->cap_permitted = perm;
    new->cap_inheritable = inh;
    new->cap_ambient &= perm &inh;
    return 0;
}

/* ---- execve ------------------------------------------------------------------------------ */

#define VFS_CAP_REVISION_MASK 0xff000000u
#define VFS_CAP_REVISION_1 0x01000000u
#define VFS_CAP_REVISION_2 0x02000000u
#define VFS_CAP_REVISION_3 0x03000000u
#define VFS_CAP_FLAGS_EFFECTIVE 0x000001u

static uint32_t le32_at(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int cred_parse_file_caps(const void *value, int size, struct file_caps *out)
{
    const unsigned char *p = value;
    if (size < 4)
        return -EINVAL;
    uint32_t magic = le32_at(p);
    int words;
    switch (magic & VFS_CAP_REVISION_MASK) {
    case VFS_CAP_REVISION_1:
        words = 1;
        if (size != 12)
            return -EINVAL;
        break;
    case VFS_CAP_REVISION_2:
        words = 2;
        if (size != 20)
            return -EINVAL;
        break;
    case VFS_CAP_REVISION_3:
        words = 2;
        if (size != 24)
            return -EINVAL;
        break;
    default:
        return -EINVAL;
    }
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < words; i++) {
        out->permitted |= (uint64_t)le32_at(p + 4 + 8 * i) << (32 * i);
        out->inheritable |= (uint64_t)le32_at(p + 8 + 8 * i) << (32 * i);
    }
    out->permitted &= CAP_FULL_SET;
    out->inheritable &= CAP_FULL_SET;
    out->effective = (magic & VFS_CAP_FLAGS_EFFECTIVE) != 0;
    out->rootid = (magic & VFS_CAP_REVISION_MASK) == VFS_CAP_REVISION_3 ? le32_at(p + 20) : 0;
    return 0;
}

/* The permitted set the file's capabilities give: (F(permitted) & P(bounding)) |
 * (F(inheritable) & P(inheritable)). -EPERM if the file's effective bit asks for a
 * capability that could not be granted (the program would not work as intended). */
static int caps_from_file(const struct cred *old, struct cred *new, const struct file_caps *fc,
                          bool *effective)
{
    new->cap_permitted = (fc->permitted & old->cap_bset) | (fc->inheritable & old->cap_inheritable);
    *effective = fc->effective;
    if (fc->effective && !subset(fc->permitted, new->cap_permitted))
        return -EPERM;
    return 0;
}

int cred_exec(const struct cred *old, struct cred *new, bool setuid, uint32_t file_uid, bool setgid,
              uint32_t file_gid, const struct file_caps *fcaps, bool *secure)
{
    bool effective = false;
    bool has_fcap = false;
    int ret = 0;

    if (old->no_new_privs)
        setuid = setgid = false;
    if (setuid)
        new->euid = file_uid;
    if (setgid)
        new->egid = file_gid;

    new->cap_permitted = 0;
    /* v3 file capabilities apply only when their root id is the namespace's root. */
    if (fcaps && fcaps->rootid == 0) {
        has_fcap = true;
        ret = caps_from_file(old, new, fcaps, &effective);
        if (ret < 0)
            return ret;
    }

    /* Root keeps its privileges across exec: permitted = bounding | inheritable. */
    if (!(old->securebits & SECBIT_NOROOT) && !(has_fcap && new->uid != 0 && new->euid == 0)) {
        if (new->euid == 0 || new->uid == 0)
            new->cap_permitted = old->cap_bset | old->cap_inheritable;
        if (new->euid == 0)
            effective = true;
    }

    bool is_setid = new->euid != old->uid || new->egid != old->gid;
    bool gained = !subset(new->cap_permitted, old->cap_permitted);
    /* no_new_privs: an exec never grants more than the caller had. */
    if ((is_setid || gained) && old->no_new_privs) {
        new->euid = new->uid;
        new->egid = new->gid;
        new->cap_permitted &= old->cap_permitted;
        is_setid = new->euid != old->uid || new->egid != old->gid;
    }
    new->suid = new->fsuid = new->euid;
    new->sgid = new->fsgid = new->egid;

    if (has_fcap || is_setid)
        new->cap_ambient = 0;
    new->cap_permitted |= new->cap_ambient;
    new->cap_effective = effective ? new->cap_permitted : new->cap_ambient;
    new->securebits &= ~SECBIT_KEEP_CAPS;

    *secure =
        is_setid || (new->uid != 0 && (effective || !subset(new->cap_permitted, new->cap_ambient)));
    return 0;
}

/* ---- prctl's capability options ------------------------------------------------------ */

static bool cap_valid(uint64_t cap)
{
    return cap <= CAP_LAST_CAP;
}

int cred_bset_drop(const struct cred *old, struct cred *new, uint64_t cap)
{
    if (!cred_capable(old, CAP_SETPCAP))
        return -EPERM;
    if (!cap_valid(cap))
        return -EINVAL;
    new->cap_bset &= ~CAP_TO_MASK(cap);
    return 0;
}

int cred_set_securebits(const struct cred *old, struct cred *new, uint64_t bits)
{
    uint32_t locks =
        old->securebits & (SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED |
                           SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED);
    /* A locked bit may not change, a lock may not be released, no unknown bits, and only
     * with CAP_SETPCAP. */
    if (((locks >> 1) & (old->securebits ^ bits)) || (locks & ~bits) || (bits & ~SECBIT_ALL) ||
        !cred_capable(old, CAP_SETPCAP))
        return -EPERM;
    new->securebits = (uint32_t)bits;
    return 0;
}

int cred_set_keepcaps(const struct cred *old, struct cred *new, uint64_t on)
{
    if (on > 1)
        return -EINVAL;
    if (old->securebits & SECBIT_KEEP_CAPS_LOCKED)
        return -EPERM;
    if (on)
        new->securebits |= SECBIT_KEEP_CAPS;
    else
        new->securebits &= ~SECBIT_KEEP_CAPS;
    return 0;
}

int cred_ambient(const struct cred *old, struct cred *new, uint64_t op, uint64_t cap, uint64_t a4,
                 uint64_t a5)
{
    if (op == CRED_AMBIENT_CLEAR_ALL) {
        if (cap || a4 || a5)
            return -EINVAL;
        new->cap_ambient = 0;
        return 0;
    }
    if (!cap_valid(cap) || a4 || a5)
        return -EINVAL;
    if (op == CRED_AMBIENT_IS_SET)
        return (old->cap_ambient & CAP_TO_MASK(cap)) != 0;
    if (op == CRED_AMBIENT_RAISE) {
        /* Only a capability that is both permitted and inheritable may be ambient. */
        if (!(old->cap_permitted & CAP_TO_MASK(cap)) ||
            !(old->cap_inheritable & CAP_TO_MASK(cap)) ||
            (old->securebits & SECBIT_NO_CAP_AMBIENT_RAISE))
            return -EPERM;
        new->cap_ambient |= CAP_TO_MASK(cap);
        return 0;
    }
    if (op == CRED_AMBIENT_LOWER) {
        new->cap_ambient &= ~CAP_TO_MASK(cap);
        return 0;
    }
    return -EINVAL;
}
