// SPDX-License-Identifier: Apache-2.0
/*
 * asuser UID GID PROGRAM [ARGS...]: drop from root to numeric ids, then exec PROGRAM.
 *
 * The unprivileged variants of the conformance tests (tests/syscalls/meson.build, user_tests)
 * run a test program through this wrapper, natively and inside `cvisor do`. It therefore
 * reads no file (no /etc/passwd: the ids are numbers) and makes only system calls that the
 * sandbox serves: setgroups, setgid, setuid, then execve. The supplementary groups become just
 * GID, as after a login of a user whose only group is its own.
 *
 * The program gets CVISOR_ASUSER="UID GID" in its environment, so that it can check that the
 * drop took effect (tests/syscalls/harness.h: harness_asuser()). The wrapper checks it too:
 * every id must be the new one and setuid(0) must fail, or it exits 126 without running the
 * program, so that a drop which silently did nothing never passes for an unprivileged run.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_SETUP 126

extern char **environ;

static unsigned long parse_id(const char *s)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v >= 0xffffffffUL) {
        fprintf(stderr, "asuser: `%s` is not a numeric id\n", s);
        exit(EXIT_SETUP);
    }
    return v;
}

static _Noreturn void die(const char *what)
{
    fprintf(stderr, "asuser: %s: %s\n", what, strerror(errno));
    exit(EXIT_SETUP);
}

/* Checks that every id is the new one and that root cannot be regained. */
static void check_dropped(uid_t uid, gid_t gid)
{
    uid_t r, e, s;
    gid_t rg, eg, sg;
    gid_t groups[4];
    if (getresuid(&r, &e, &s) != 0 || getresgid(&rg, &eg, &sg) != 0)
        die("read the ids back");
    int n = getgroups(4, groups);
    if (r != uid || e != uid || s != uid || rg != gid || eg != gid || sg != gid || n != 1 ||
        groups[0] != gid) {
        fprintf(stderr,
                "asuser: ids after the drop: uid %u/%u/%u gid %u/%u/%u, %d groups; want %u "
                "and %u\n",
                r, e, s, rg, eg, sg, n, uid, gid);
        exit(EXIT_SETUP);
    }
    if (setuid(0) == 0) {
        fprintf(stderr, "asuser: setuid(0) succeeded after the drop\n");
        exit(EXIT_SETUP);
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: asuser UID GID PROGRAM [ARGS...]\n");
        return EXIT_SETUP;
    }
    uid_t uid = (uid_t)parse_id(argv[1]);
    gid_t gid = (gid_t)parse_id(argv[2]);
    if (uid == 0) {
        fprintf(stderr, "asuser: uid 0 is not a drop\n");
        return EXIT_SETUP;
    }
    /* Groups first: once the uid is dropped, setgroups and setgid are refused. */
    if (setgroups(1, &gid) != 0)
        die("setgroups");
    if (setgid(gid) != 0)
        die("setgid");
    if (setuid(uid) != 0)
        die("setuid");
    check_dropped(uid, gid);

    char val[64];
    snprintf(val, sizeof(val), "%u %u", (unsigned)uid, (unsigned)gid);
    if (setenv("CVISOR_ASUSER", val, 1) != 0)
        die("setenv");
    execve(argv[3], argv + 3, environ);
    die(argv[3]);
}
