// SPDX-License-Identifier: Apache-2.0
/* Unit tests for auth/cred.c: the set*id rules and their capability effects, capset, prctl's
 * capability options, execve's transformation and file-capability parsing, and that copies
 * and reference counts leak nothing (ASan). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sentry/auth/cred.h"

#define NO CRED_ID_INVALID
#define FS_CAPS                                                                                 \
    (CAP_TO_MASK(CAP_CHOWN) | CAP_TO_MASK(CAP_MKNOD) | CAP_TO_MASK(CAP_DAC_OVERRIDE) |          \
     CAP_TO_MASK(CAP_DAC_READ_SEARCH) | CAP_TO_MASK(CAP_FOWNER) | CAP_TO_MASK(CAP_FSETID) |    \
     CAP_TO_MASK(CAP_MAC_OVERRIDE) | CAP_TO_MASK(CAP_LINUX_IMMUTABLE))

/* Apply @fn's change to a copy of *@c and make the copy *@c when it succeeds. */
#define CHANGE(c, call)                                                                         \
    ({                                                                                          \
        const struct cred *old_ = (c);                                                          \
        struct cred *new = cred_prepare(old_);                                                  \
        assert_non_null(new);                                                                   \
        int r_ = (call);                                                                        \
        if (r_ < 0) {                                                                           \
            cred_unref(new);                                                                    \
        } else {                                                                                \
            cred_unref(old_);                                                                   \
            (c) = new;                                                                          \
        }                                                                                       \
        r_;                                                                                     \
    })

static void test_root_starts_with_everything(void **state)
{
    struct cred *c = cred_new_init(0, 0, 0);
    assert_int_equal(c->cap_effective, CAP_FULL_SET);
    assert_int_equal(c->cap_permitted, CAP_FULL_SET);
    assert_int_equal(c->cap_bset, CAP_FULL_SET);
    assert_int_equal(c->cap_inheritable | c->cap_ambient, 0);
    cred_unref(c);
    c = cred_new_init(1000, 1000, CAP_TO_MASK(CAP_SYS_ADMIN));
    assert_int_equal(c->cap_effective | c->cap_permitted, 0);
    assert_int_equal(c->cap_bset, CAP_FULL_SET & ~CAP_TO_MASK(CAP_SYS_ADMIN));
    cred_unref(c);
}

static void test_setuid_by_root_drops_all_capabilities(void **state)
{
    const struct cred *c = cred_new_init(0, 0, 0);
    assert_int_equal(CHANGE(c, cred_setuid(old_, new, 65534)), 0);
    assert_int_equal(c->uid, 65534);
    assert_int_equal(c->euid, 65534);
    assert_int_equal(c->suid, 65534);
    assert_int_equal(c->fsuid, 65534);
    assert_int_equal(c->cap_permitted | c->cap_effective | c->cap_ambient, 0);
    /* No way back. */
    assert_int_equal(CHANGE(c, cred_setuid(old_, new, 0)), -EPERM);
    assert_int_equal(CHANGE(c, cred_setresuid(old_, new, NO, 0, NO)), -EPERM);
    assert_int_equal(CHANGE(c, cred_setuid(old_, new, NO)), -EINVAL);
    cred_unref(c);
}

static void test_euid_round_trip_restores_effective(void **state)
{
    const struct cred *c = cred_new_init(0, 0, 0);
    /* Saved uid stays 0: the effective set goes and comes back from permitted. */
    assert_int_equal(CHANGE(c, cred_setresuid(old_, new, NO, 1000, NO)), 0);
    assert_int_equal(c->cap_effective, 0);
    assert_int_equal(c->cap_permitted, CAP_FULL_SET);
    assert_int_equal(c->fsuid, 1000);
    assert_int_equal(CHANGE(c, cred_setresuid(old_, new, NO, 0, NO)), 0);
    assert_int_equal(c->cap_effective, CAP_FULL_SET);
    cred_unref(c);
}

static void test_keepcaps_keeps_permitted_not_effective(void **state)
{
    const struct cred *c = cred_new_init(0, 0, 0);
    assert_int_equal(CHANGE(c, cred_set_keepcaps(old_, new, 1)), 0);
    assert_int_equal(CHANGE(c, cred_setresuid(old_, new, 1000, 1000, 1000)), 0);
    assert_int_equal(c->cap_permitted, CAP_FULL_SET);
    assert_int_equal(c->cap_effective, 0);
    assert_int_equal(CHANGE(c, cred_set_keepcaps(old_, new, 2)), -EINVAL);
    cred_unref(c);
}

static void test_no_setuid_fixup_keeps_effective(void **state)
{
    const struct cred *c = cred_new_init(0, 0, 0);
    assert_int_equal(CHANGE(c, cred_set_securebits(old_, new, SECBIT_NO_SETUID_FIXUP)), 0);
    assert_int_equal(CHANGE(c, cred_setresuid(old_, new, 1000, 1000, 1000)), 0);
    assert_int_equal(c->cap_effective, CAP_FULL_SET);
    cred_unref(c);
}

static void test_fsuid_toggles_fs_capabilities(void **state)
{
    const struct cred *c = cred_new_init(0, 0, 0);
    uint32_t prev = 0;
    assert_int_equal(CHANGE(c, (prev = cred_setfsuid(old_, new, 1000), 0)), 0);
    assert_int_equal(prev, 0);
    assert_int_equal(c->fsuid, 1000);
    assert_int_equal(c->cap_effective, CAP_FULL_SET & ~FS_CAPS);
    assert_int_equal(CHANGE(c, (prev = cred_setfsuid(old_, new, 0), 0)), 0);
    assert_int_equal(prev, 1000);
    assert_int_equal(c->cap_effective, CAP_FULL_SET);
    cred_unref(c);
}

static void test_unprivileged_setreuid_and_setresuid(void **state)
{
    const struct cred *c = cred_new_init(1000, 1000, 0);
    /* Swapping real and effective among the caller's own ids. */
    assert_int_equal(CHANGE(c, cred_setresuid(old_, new, 1000, 1000, 2000)), -EPERM);
    cred_unref(c);
    struct cred *m = cred_new_init(1000, 1000, 0);
    m->euid = m->fsuid = 2000;
    m->suid = 2000;
    c = m;
    assert_int_equal(CHANGE(c, cred_setreuid(old_, new, 2000, 1000)), 0);
    assert_int_equal(c->uid, 2000);
    assert_int_equal(c->euid, 1000);
    assert_int_equal(c->suid, 1000); /* real set: saved follows the new effective */
    assert_int_equal(CHANGE(c, cred_setreuid(old_, new, 3000, NO)), -EPERM);
    /* setuid to the saved uid changes only effective and fs. */
    assert_int_equal(CHANGE(c, cred_setuid(old_, new, 2000)), 0);
    assert_int_equal(c->uid, 2000);
    assert_int_equal(c->euid, 2000);
    assert_int_equal(c->suid, 1000);
    cred_unref(c);
}

static void test_setgid_rules(void **state)
{
    const struct cred *c = cred_new_init(1000, 100, 0);
    assert_int_equal(CHANGE(c, cred_setgid(old_, new, 0)), -EPERM);
    assert_int_equal(CHANGE(c, cred_setresgid(old_, new, NO, 100, 100)), 0);
    cred_unref(c);
    c = cred_new_init(0, 0, 0);
    assert_int_equal(CHANGE(c, cred_setgid(old_, new, 50)), 0);
    assert_int_equal(c->gid, 50);
    assert_int_equal(c->sgid, 50);
    assert_int_equal(c->fsgid, 50);
    assert_int_equal(c->cap_effective, CAP_FULL_SET); /* gids change no capability */
    cred_unref(c);
}

static void test_groups_sorted_deduplicated(void **state)
{
    const struct cred *c = cred_new_init(0, 0, 0);
    uint32_t g[] = {30, 10, 20, 10, 30};
    assert_int_equal(CHANGE(c, cred_set_groups(new, g, 5)), 0);
    assert_int_equal(c->ngroups, 3);
    assert_int_equal(c->groups[0], 10);
    assert_int_equal(c->groups[2], 30);
    assert_true(cred_in_group(c, 20));
    assert_false(cred_in_group(c, 25));
    assert_true(cred_in_group(c, 0)); /* the fsgid */
    /* A copy owns its own list. */
    struct cred *d = cred_prepare(c);
    assert_ptr_not_equal(d->groups, c->groups);
    cred_unref(d);
    cred_unref(c);
}

static void test_capset_rules(void **state)
{
    const struct cred *c = cred_new_init(0, 0, 0);
    uint64_t half = CAP_TO_MASK(CAP_KILL) | CAP_TO_MASK(CAP_CHOWN);
    assert_int_equal(CHANGE(c, cred_capset(old_, new, half, half, 0)), 0);
    /* Permitted cannot grow back; effective must be within permitted. */
    assert_int_equal(CHANGE(c, cred_capset(old_, new, half, CAP_FULL_SET, 0)), -EPERM);
    assert_int_equal(CHANGE(c, cred_capset(old_, new, CAP_TO_MASK(CAP_SETUID), half, 0)),
                     -EPERM);
    /* Without CAP_SETPCAP the inheritable set takes from permitted only. */
    assert_int_equal(CHANGE(c, cred_capset(old_, new, 0, half, CAP_TO_MASK(CAP_SETUID))),
                     -EPERM);
    assert_int_equal(CHANGE(c, cred_capset(old_, new, 0, half, CAP_TO_MASK(CAP_KILL))), 0);
    assert_int_equal(c->cap_inheritable, CAP_TO_MASK(CAP_KILL));
    cred_unref(c);
}

static void test_ambient_and_bounding(void **state)
{
    const struct cred *c = cred_new_init(0, 0, 0);
    assert_int_equal(CHANGE(c, cred_ambient(old_, new, CRED_AMBIENT_RAISE, CAP_KILL, 0, 0)),
                     -EPERM); /* not inheritable */
    uint64_t k = CAP_TO_MASK(CAP_KILL);
    assert_int_equal(CHANGE(c, cred_capset(old_, new, CAP_FULL_SET, CAP_FULL_SET, k)), 0);
    assert_int_equal(CHANGE(c, cred_ambient(old_, new, CRED_AMBIENT_RAISE, CAP_KILL, 0, 0)), 0);
    assert_int_equal(c->cap_ambient, k);
    assert_int_equal(cred_ambient(c, NULL, CRED_AMBIENT_IS_SET, CAP_KILL, 0, 0), 1);
    assert_int_equal(CHANGE(c, cred_ambient(old_, new, CRED_AMBIENT_IS_SET, 99, 0, 0)), -EINVAL);
    /* Dropping the capability from inheritable drops it from ambient. */
    assert_int_equal(CHANGE(c, cred_capset(old_, new, CAP_FULL_SET, CAP_FULL_SET, 0)), 0);
    assert_int_equal(c->cap_ambient, 0);
    assert_int_equal(CHANGE(c, cred_bset_drop(old_, new, CAP_SYS_ADMIN)), 0);
    assert_false(c->cap_bset & CAP_TO_MASK(CAP_SYS_ADMIN));
    assert_int_equal(CHANGE(c, cred_bset_drop(old_, new, CAP_LAST_CAP + 1)), -EINVAL);
    cred_unref(c);
    c = cred_new_init(1000, 1000, 0);
    assert_int_equal(CHANGE(c, cred_bset_drop(old_, new, CAP_LAST_CAP + 1)), -EPERM);
    cred_unref(c);
}

static void test_securebits_locks(void **state)
{
    const struct cred *c = cred_new_init(0, 0, 0);
    assert_int_equal(CHANGE(c, cred_set_securebits(old_, new,
                                                   SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED)),
                     0);
    /* A locked bit may not change and the lock may not go. */
    assert_int_equal(CHANGE(c, cred_set_securebits(old_, new, SECBIT_KEEP_CAPS_LOCKED)), -EPERM);
    assert_int_equal(CHANGE(c, cred_set_securebits(old_, new, SECBIT_KEEP_CAPS)), -EPERM);
    assert_int_equal(CHANGE(c, cred_set_keepcaps(old_, new, 0)), -EPERM);
    assert_int_equal(CHANGE(c, cred_set_securebits(old_, new, 0x1000)), -EPERM);
    cred_unref(c);
}

/* Run cred_exec on a copy of @c; returns the result in *@out (a new reference). */
static int exec_as(const struct cred *c, bool setuid, uint32_t fuid, bool setgid, uint32_t fgid,
                   const struct file_caps *fc, bool *secure, struct cred **out)
{
    struct cred *n = cred_prepare(c);
    int ret = cred_exec(c, n, setuid, fuid, setgid, fgid, fc, secure);
    *out = n;
    return ret;
}

static void test_exec_setuid_root_and_back(void **state)
{
    struct cred *user = cred_new_init(1000, 1000, 0);
    struct cred *n;
    bool secure;
    assert_int_equal(exec_as(user, true, 0, false, 0, NULL, &secure, &n), 0);
    assert_int_equal(n->uid, 1000);
    assert_int_equal(n->euid, 0);
    assert_int_equal(n->suid, 0);
    assert_int_equal(n->cap_permitted, CAP_FULL_SET);
    assert_int_equal(n->cap_effective, CAP_FULL_SET);
    assert_true(secure);
    cred_unref(n);
    /* An ordinary program: nothing changes, no AT_SECURE. */
    assert_int_equal(exec_as(user, false, 0, false, 0, NULL, &secure, &n), 0);
    assert_int_equal(n->euid, 1000);
    assert_int_equal(n->cap_permitted, 0);
    assert_false(secure);
    cred_unref(n);
    /* no_new_privs: the set-user-ID bit is ignored. */
    user->no_new_privs = true;
    assert_int_equal(exec_as(user, true, 0, true, 0, NULL, &secure, &n), 0);
    assert_int_equal(n->euid, 1000);
    assert_int_equal(n->egid, 1000);
    assert_int_equal(n->cap_permitted, 0);
    cred_unref(n);
    cred_unref(user);
}

static void test_exec_root_keeps_bounding_and_loses_keepcaps(void **state)
{
    struct cred *root = cred_new_init(0, 0, CAP_TO_MASK(CAP_NET_RAW));
    root->securebits = SECBIT_KEEP_CAPS;
    struct cred *n;
    bool secure;
    assert_int_equal(exec_as(root, false, 0, false, 0, NULL, &secure, &n), 0);
    assert_int_equal(n->cap_permitted, CAP_FULL_SET & ~CAP_TO_MASK(CAP_NET_RAW));
    assert_int_equal(n->securebits & SECBIT_KEEP_CAPS, 0);
    assert_false(secure);
    cred_unref(n);
    cred_unref(root);
}

static void test_exec_ambient_and_file_caps(void **state)
{
    struct cred *user = cred_new_init(1000, 1000, 0);
    uint64_t k = CAP_TO_MASK(CAP_KILL);
    user->cap_permitted = user->cap_inheritable = user->cap_ambient = k;
    struct cred *n;
    bool secure;
    assert_int_equal(exec_as(user, false, 0, false, 0, NULL, &secure, &n), 0);
    assert_int_equal(n->cap_permitted, k);
    assert_int_equal(n->cap_effective, k);
    cred_unref(n);
    /* A file with capabilities clears ambient and grants its own (bounding permitting). */
    struct file_caps fc = {.permitted = CAP_TO_MASK(CAP_NET_BIND_SERVICE), .effective = true};
    assert_int_equal(exec_as(user, false, 0, false, 0, &fc, &secure, &n), 0);
    assert_int_equal(n->cap_ambient, 0);
    assert_int_equal(n->cap_permitted, CAP_TO_MASK(CAP_NET_BIND_SERVICE));
    assert_int_equal(n->cap_effective, CAP_TO_MASK(CAP_NET_BIND_SERVICE));
    assert_true(secure);
    cred_unref(n);
    /* Effective bit set but the bounding set lacks the capability: the exec fails. */
    user->cap_bset &= ~CAP_TO_MASK(CAP_NET_BIND_SERVICE);
    assert_int_equal(exec_as(user, false, 0, false, 0, &fc, &secure, &n), -EPERM);
    cred_unref(n);
    cred_unref(user);
}

static void test_parse_file_caps(void **state)
{
    /* v2: magic 0x02000001 (effective), permitted word 0 = CAP_NET_RAW, inheritable 0. */
    unsigned char v2[20] = {0x01, 0, 0, 0x02, 1u << 5, 0x20, 0, 0};
    memset(v2 + 4, 0, 16);
    v2[5] = 0x20; /* bit 13 = CAP_NET_RAW */
    struct file_caps fc;
    assert_int_equal(cred_parse_file_caps(v2, 20, &fc), 0);
    assert_true(fc.effective);
    assert_int_equal(fc.permitted, CAP_TO_MASK(CAP_NET_RAW));
    assert_int_equal(fc.rootid, 0);
    assert_int_equal(cred_parse_file_caps(v2, 19, &fc), -EINVAL);
    unsigned char v3[24] = {0, 0, 0, 0x03};
    v3[20] = 0xe8, v3[21] = 0x03; /* root id 1000 */
    assert_int_equal(cred_parse_file_caps(v3, 24, &fc), 0);
    assert_false(fc.effective);
    assert_int_equal(fc.rootid, 1000);
    unsigned char bad[20] = {0, 0, 0, 0x07};
    assert_int_equal(cred_parse_file_caps(bad, 20, &fc), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_starts_with_everything),
        cmocka_unit_test(test_setuid_by_root_drops_all_capabilities),
        cmocka_unit_test(test_euid_round_trip_restores_effective),
        cmocka_unit_test(test_keepcaps_keeps_permitted_not_effective),
        cmocka_unit_test(test_no_setuid_fixup_keeps_effective),
        cmocka_unit_test(test_fsuid_toggles_fs_capabilities),
        cmocka_unit_test(test_unprivileged_setreuid_and_setresuid),
        cmocka_unit_test(test_setgid_rules),
        cmocka_unit_test(test_groups_sorted_deduplicated),
        cmocka_unit_test(test_capset_rules),
        cmocka_unit_test(test_ambient_and_bounding),
        cmocka_unit_test(test_securebits_locks),
        cmocka_unit_test(test_exec_setuid_root_and_back),
        cmocka_unit_test(test_exec_root_keeps_bounding_and_loses_keepcaps),
        cmocka_unit_test(test_exec_ambient_and_file_caps),
        cmocka_unit_test(test_parse_file_caps),
    };
    return cmocka_run_group_tests_name("cred", tests, NULL, NULL);
}
