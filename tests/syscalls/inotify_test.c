// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for inotify(7): init flags, watches on files and directories and the
 * events of create, open, access, modify, attrib, close, delete, move (with cookies),
 * IN_ONESHOT, IN_MASK_ADD, IN_ONLYDIR, rm_watch's IN_IGNORED, whole-event reads, poll and
 * FIONREAD, and the error paths. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "tests/syscalls/harness.h"

struct ev {
    int wd;
    uint32_t mask, cookie;
    char name[64];
};

/* Read every queued event (the fd must be non-blocking) into @out; returns the count. */
static int drain(int fd, struct ev *out, int max)
{
    char buf[4096] __attribute__((aligned(8)));
    int n = 0;
    for (;;) {
        ssize_t len = read(fd, buf, sizeof(buf));
        if (len <= 0)
            break;
        for (char *p = buf; p < buf + len;) {
            struct inotify_event *e = (struct inotify_event *)p;
            if (n < max) {
                out[n].wd = e->wd;
                out[n].mask = e->mask;
                out[n].cookie = e->cookie;
                snprintf(out[n].name, sizeof(out[n].name), "%s", e->len ? e->name : "");
                n++;
            }
            p += sizeof(*e) + e->len;
        }
    }
    return n;
}

/* Index of the first event with @mask (and @name unless NULL) at or after @from, or -1. */
static int find(const struct ev *evs, int n, int from, uint32_t mask, const char *name)
{
    for (int i = from; i < n; i++) {
        if ((evs[i].mask & ~IN_ISDIR) == mask && (!name || strcmp(evs[i].name, name) == 0))
            return i;
    }
    return -1;
}

TEST(init_flags)
{
    int fd = CHECK(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
    char buf[64];
    EXPECT_ERRNO(read(fd, buf, sizeof(buf)), EAGAIN);
    close(fd);
    fd = CHECK(inotify_init());
    EXPECT_EQ(fcntl(fd, F_GETFD), 0);
    close(fd);
    EXPECT_ERRNO(inotify_init1(0x1234), EINVAL);
}

TEST(directory_events)
{
    int in = CHECK(inotify_init1(IN_NONBLOCK));
    CHECK(mkdir(tpath("d"), 0755));
    int wd = CHECK(inotify_add_watch(in, tpath("d"), IN_ALL_EVENTS));
    EXPECT_TRUE(wd > 0);
    int fd = CHECK(open(tpath("d/f"), O_CREAT | O_WRONLY, 0644));
    CHECK(write(fd, "abc", 3));
    close(fd);
    fd = CHECK(open(tpath("d/f"), O_RDONLY));
    char c;
    CHECK(read(fd, &c, 1));
    close(fd);
    CHECK(chmod(tpath("d/f"), 0600));
    CHECK(mkdir(tpath("d/sub"), 0755));
    CHECK(unlink(tpath("d/f")));
    CHECK(rmdir(tpath("d/sub")));
    struct ev evs[64];
    int n = drain(in, evs, 64);
    int i = find(evs, n, 0, IN_CREATE, "f");
    EXPECT_TRUE(i >= 0);
    EXPECT_EQ(evs[i].wd, wd);
    i = find(evs, n, i, IN_OPEN, "f");
    EXPECT_TRUE(i >= 0);
    i = find(evs, n, i, IN_MODIFY, "f");
    EXPECT_TRUE(i >= 0);
    i = find(evs, n, i, IN_CLOSE_WRITE, "f");
    EXPECT_TRUE(i >= 0);
    i = find(evs, n, i, IN_ACCESS, "f");
    EXPECT_TRUE(i >= 0);
    i = find(evs, n, i, IN_CLOSE_NOWRITE, "f");
    EXPECT_TRUE(i >= 0);
    i = find(evs, n, i, IN_ATTRIB, "f");
    EXPECT_TRUE(i >= 0);
    int j = find(evs, n, i, IN_CREATE, "sub");
    EXPECT_TRUE(j >= 0 && (evs[j].mask & IN_ISDIR));
    i = find(evs, n, j, IN_DELETE, "f");
    EXPECT_TRUE(i >= 0);
    j = find(evs, n, i, IN_DELETE, "sub");
    EXPECT_TRUE(j >= 0 && (evs[j].mask & IN_ISDIR));
    close(in);
}

TEST(file_watch_and_delete_self)
{
    int in = CHECK(inotify_init1(IN_NONBLOCK));
    write_file(tpath("f"), "x", 0644);
    int wd = CHECK(inotify_add_watch(in, tpath("f"), IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF));
    int fd = CHECK(open(tpath("f"), O_WRONLY));
    CHECK(write(fd, "y", 1));
    CHECK(write(fd, "z", 1)); /* merged with the previous IN_MODIFY */
    close(fd);
    CHECK(unlink(tpath("f")));
    struct ev evs[16];
    int n = drain(in, evs, 16);
    EXPECT_TRUE(n >= 4);
    EXPECT_EQ(evs[0].mask, IN_MODIFY);
    EXPECT_EQ(evs[0].wd, wd);
    EXPECT_STREQ(evs[0].name, "");
    EXPECT_EQ(evs[1].mask, IN_ATTRIB); /* link count */
    int i = find(evs, n, 2, IN_DELETE_SELF, NULL);
    EXPECT_TRUE(i >= 0);
    EXPECT_TRUE(find(evs, n, i, IN_IGNORED, NULL) > i);
    EXPECT_ERRNO(inotify_rm_watch(in, wd), EINVAL); /* already gone */
    close(in);
}

TEST(move_cookies)
{
    int in = CHECK(inotify_init1(IN_NONBLOCK));
    CHECK(mkdir(tpath("a"), 0755));
    CHECK(mkdir(tpath("b"), 0755));
    write_file(tpath("a/f"), "", 0644);
    int wa = CHECK(inotify_add_watch(in, tpath("a"), IN_MOVED_FROM));
    int wb = CHECK(inotify_add_watch(in, tpath("b"), IN_MOVED_TO));
    int wf = CHECK(inotify_add_watch(in, tpath("a/f"), IN_MOVE_SELF));
    CHECK(rename(tpath("a/f"), tpath("b/g")));
    struct ev evs[8];
    int n = drain(in, evs, 8);
    EXPECT_EQ(n, 3);
    int i = find(evs, n, 0, IN_MOVED_FROM, "f");
    int j = find(evs, n, 0, IN_MOVED_TO, "g");
    int k = find(evs, n, 0, IN_MOVE_SELF, NULL);
    EXPECT_TRUE(i >= 0 && j >= 0 && k >= 0);
    if (i >= 0 && j >= 0 && k >= 0) {
        EXPECT_EQ(evs[i].wd, wa);
        EXPECT_EQ(evs[j].wd, wb);
        EXPECT_EQ(evs[k].wd, wf);
        EXPECT_NE(evs[i].cookie, 0);
        EXPECT_EQ(evs[i].cookie, evs[j].cookie);
    }
    close(in);
}

TEST(oneshot_mask_add_and_rm)
{
    int in = CHECK(inotify_init1(IN_NONBLOCK));
    CHECK(mkdir(tpath("d"), 0755));
    int wd = CHECK(inotify_add_watch(in, tpath("d"), IN_CREATE | IN_ONESHOT));
    write_file(tpath("d/a"), "", 0644);
    write_file(tpath("d/b"), "", 0644);
    struct ev evs[8];
    int n = drain(in, evs, 8);
    EXPECT_EQ(n, 2);
    EXPECT_EQ(evs[0].mask, IN_CREATE);
    EXPECT_STREQ(evs[0].name, "a");
    EXPECT_EQ(evs[1].mask, IN_IGNORED);
    EXPECT_EQ(evs[1].wd, wd);
    /* The same inode gets the same wd again; IN_MASK_ADD ORs the masks. */
    int w1 = CHECK(inotify_add_watch(in, tpath("d"), IN_CREATE));
    int w2 = CHECK(inotify_add_watch(in, tpath("d"), IN_DELETE | IN_MASK_ADD));
    EXPECT_EQ(w1, w2);
    CHECK(unlink(tpath("d/a")));
    write_file(tpath("d/c"), "", 0644);
    n = drain(in, evs, 8);
    EXPECT_EQ(n, 2);
    /* Without IN_MASK_ADD the mask is replaced. */
    CHECK(inotify_add_watch(in, tpath("d"), IN_DELETE));
    write_file(tpath("d/e"), "", 0644);
    EXPECT_EQ(drain(in, evs, 8), 0);
    EXPECT_OK(inotify_rm_watch(in, w1));
    n = drain(in, evs, 8);
    EXPECT_EQ(n, 1);
    EXPECT_EQ(evs[0].mask, IN_IGNORED);
    EXPECT_ERRNO(inotify_rm_watch(in, w1), EINVAL);
    close(in);
}

TEST(read_rules_poll_fionread)
{
    int in = CHECK(inotify_init1(IN_NONBLOCK));
    CHECK(mkdir(tpath("d"), 0755));
    CHECK(inotify_add_watch(in, tpath("d"), IN_CREATE));
    struct pollfd pfd = {.fd = in, .events = POLLIN};
    EXPECT_EQ(poll(&pfd, 1, 0), 0);
    write_file(tpath("d/name"), "", 0644);
    EXPECT_EQ(poll(&pfd, 1, 0), 1);
    EXPECT_TRUE(pfd.revents & POLLIN);
    int avail = 0;
    CHECK(ioctl(in, FIONREAD, &avail));
    EXPECT_EQ(avail, (int)sizeof(struct inotify_event) + 16); /* "name" padded to 16 */
    char small[sizeof(struct inotify_event)];
    EXPECT_ERRNO(read(in, small, sizeof(small)), EINVAL);
    char buf[256] __attribute__((aligned(8)));
    EXPECT_EQ(read(in, buf, sizeof(buf)), avail);
    struct inotify_event *e = (struct inotify_event *)buf;
    EXPECT_EQ(e->len, 16);
    EXPECT_STREQ(e->name, "name");
    close(in);
}

TEST(blocking_read)
{
    int in = CHECK(inotify_init());
    CHECK(mkdir(tpath("d"), 0755));
    CHECK(inotify_add_watch(in, tpath("d"), IN_CREATE));
    pid_t pid = CHECK(fork());
    if (pid == 0) {
        int late = harness_wait_process_sleeping(getppid()); /* in read */
        int fd = open(tpath("d/x"), O_CREAT | O_WRONLY, 0644);
        _exit(fd >= 0 ? (late ? 9 : 0) : 1);
    }
    char buf[256] __attribute__((aligned(8)));
    ssize_t n = CHECK(read(in, buf, sizeof(buf)));
    EXPECT_TRUE(n >= (ssize_t)sizeof(struct inotify_event));
    EXPECT_EXIT(pid, 0);
    close(in);
}

TEST(errors)
{
    int in = CHECK(inotify_init1(IN_NONBLOCK));
    write_file(tpath("f"), "", 0644);
    EXPECT_ERRNO(inotify_add_watch(in, tpath("f"), 0), EINVAL);
    EXPECT_ERRNO(inotify_add_watch(in, tpath("f"), IN_CREATE | IN_ONLYDIR), ENOTDIR);
    EXPECT_ERRNO(inotify_add_watch(in, tpath("missing"), IN_CREATE), ENOENT);
    int fd = CHECK(open(tpath("f"), O_RDONLY));
    EXPECT_ERRNO(inotify_add_watch(fd, tpath("f"), IN_CREATE), EINVAL);
    EXPECT_ERRNO(inotify_rm_watch(fd, 1), EINVAL);
    EXPECT_ERRNO(inotify_add_watch(999, tpath("f"), IN_CREATE), EBADF);
    EXPECT_ERRNO(inotify_rm_watch(in, 12345), EINVAL);
    EXPECT_ERRNO(inotify_add_watch(in, tpath("f"), IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE),
                 EINVAL);
    CHECK(inotify_add_watch(in, tpath("f"), IN_MODIFY));
    EXPECT_ERRNO(inotify_add_watch(in, tpath("f"), IN_MODIFY | IN_MASK_CREATE), EEXIST);
    CHECK(symlink(tpath("f"), tpath("l")));
    int wl = CHECK(inotify_add_watch(in, tpath("l"), IN_MODIFY | IN_DONT_FOLLOW));
    int wf = CHECK(inotify_add_watch(in, tpath("l"), IN_MODIFY));
    EXPECT_NE(wl, wf);
    close(in);
}
