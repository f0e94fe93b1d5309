// SPDX-License-Identifier: Apache-2.0
/*
 * The privilege drop of cred_drop.py in C, printing the same lines (cred_drop.sh compares
 * this program natively, in the sandbox and with the Python version). Run as root: it makes
 * a scratch directory under /tmp with a 0600 root file, a sticky 1777 directory holding a
 * root file and a 0755 root directory; a child drops to nobody (setgroups, setgid, setuid),
 * tries what nobody may not do and prints each errno, then what it may do, its ids and its
 * capability sets; root then checks the credentials unix sockets reported and that its files
 * are untouched. /etc/passwd is only ever opened O_WRONLY|O_APPEND and closed unwritten.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534

static char g_dir[64];
/* Paths in the scratch directory g_dir. */
static char g_secret[96], g_sticky[96], g_rootfile[96], g_moved[96], g_locked[96];
static char g_locked_new[96], g_mine[96];
static struct sockaddr_un g_listen_addr;
static socklen_t g_listen_len;

static const char *errno_name(int e)
{
    static const struct {
        int e;
        const char *name;
    } names[] = {
        {EPERM, "EPERM"},     {ENOENT, "ENOENT"}, {ESRCH, "ESRCH"},
        {EBADF, "EBADF"},     {EACCES, "EACCES"}, {EEXIST, "EEXIST"},
        {ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"}, {EINVAL, "EINVAL"},
        {EROFS, "EROFS"},     {ENOSYS, "ENOSYS"}, {ECONNREFUSED, "ECONNREFUSED"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].e == e)
            return names[i].name;
    static char num[16];
    snprintf(num, sizeof(num), "%d", e);
    return num;
}

/* Print "LABEL: ok" or "LABEL: ERRNO (text)" for a step that returned @r (-1 with errno). */
static void report(const char *label, int r)
{
    if (r == 0)
        printf("%s: ok\n", label);
    else
        printf("%s: %s (%s)\n", label, errno_name(errno), strerror(errno));
}

static int try_read(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    char buf[256];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        ;
    int e = errno;
    close(fd);
    errno = e;
    return n < 0 ? -1 : 0;
}

/* Open for appending and close without writing a byte: natively this is the host's file. */
static int try_open_append(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int try_create(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int try_setgroups_root(void)
{
    gid_t zero = 0;
    return setgroups(1, &zero);
}

static int try_kill_parent(void)
{
    return kill(getppid(), 0);
}

static int send_with_cred(int fd, const char *byte, int pid, int uid, int gid)
{
    struct ucred uc = {.pid = pid, .uid = (uid_t)uid, .gid = (gid_t)gid};
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof(ctl));
    struct iovec iov = {.iov_base = (void *)byte, .iov_len = 1};
    struct msghdr m = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = ctl.buf,
                       .msg_controllen = sizeof(ctl.buf)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof(uc));
    memcpy(CMSG_DATA(c), &uc, sizeof(uc));
    return sendmsg(fd, &m, 0) == 1 ? 0 : -1;
}

/* "pid=ROLE uid=U gid=G", the pid named "parent", "child", "self" or "other (N)". */
static void print_cred(const char *label, const struct ucred *uc, int parent, int child, int self)
{
    char who[32];
    if (uc->pid == parent)
        snprintf(who, sizeof(who), "parent");
    else if (uc->pid == child)
        snprintf(who, sizeof(who), "child");
    else if (uc->pid == self)
        snprintf(who, sizeof(who), "self");
    else
        snprintf(who, sizeof(who), "other (%d)", (int)uc->pid);
    printf("%s pid=%s uid=%d gid=%d\n", label, who, (int)uc->uid, (int)uc->gid);
}

/* The lines of /proc/self/status whose names are in @names (NULL-terminated), into @out. */
static void status_lines(const char *const *names, char *out, size_t size)
{
    out[0] = '\0';
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return;
    char line[512];
    size_t used = 0;
    while (fgets(line, sizeof(line), f)) {
        for (const char *const *n = names; *n; n++) {
            size_t len = strlen(*n);
            if (!strncmp(line, *n, len) && line[len] == ':') {
                size_t l = strlen(line);
                if (used + l < size) {
                    memcpy(out + used, line, l + 1);
                    used += l;
                }
            }
        }
    }
    fclose(f);
}

static void child(const char *root_bounding)
{
    if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)) {
        perror("drop");
        _exit(2);
    }
    report("read 0600 root file", try_read(g_secret));
    report("read /etc/shadow", try_read("/etc/shadow"));
    report("open /etc/passwd O_WRONLY|O_APPEND", try_open_append("/etc/passwd"));
    report("unlink root file in sticky dir", unlink(g_rootfile));
    report("rename root file in sticky dir", rename(g_rootfile, g_moved));
    report("create file in 0755 root dir", try_create(g_locked_new));
    report("chmod root file", chmod(g_secret, 0644));
    report("chown root file to nobody", chown(g_secret, NOBODY, NOBODY));
    report("setuid(0)", setuid(0));
    report("setgroups([0])", try_setgroups_root());
    report("kill(root parent, 0)", try_kill_parent());
    report("create own file in sticky dir", try_create(g_mine));
    report("chown own file to root", chown(g_mine, 0, 0));
    report("unlink own file in sticky dir", unlink(g_mine));

    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&g_listen_addr, g_listen_len) < 0) {
        perror("connect");
        _exit(2);
    }
    struct ucred uc;
    socklen_t len = sizeof(uc);
    getsockopt(c, SOL_SOCKET, SO_PEERCRED, &uc, &len);
    print_cred("SO_PEERCRED of the connecting socket:", &uc, getppid(), -1, -1);
    report("claim uid 0 in SCM_CREDENTIALS", send_with_cred(c, "x", getpid(), 0, 0));
    report("send own SCM_CREDENTIALS", send_with_cred(c, "y", getpid(), NOBODY, NOBODY));
    close(c);

    uid_t r, e, s;
    getresuid(&r, &e, &s);
    printf("resuid: %u %u %u\n", r, e, s);
    gid_t gr, ge, gs;
    getresgid(&gr, &ge, &gs);
    printf("resgid: %u %u %u\n", gr, ge, gs);
    gid_t groups[64];
    int n = getgroups(64, groups);
    printf("groups: [");
    for (int i = 0; i < n; i++)
        printf("%s%u", i ? ", " : "", groups[i]);
    printf("]\n");
    /* Same order as Python's scan: the file's order. */
    static const char *const ids[] = {"Uid",    "Gid",    "Groups", "CapInh",
                                      "CapPrm", "CapEff", "CapAmb", NULL};
    char text[2048];
    status_lines(ids, text, sizeof(text));
    fputs(text, stdout);
    static const char *const bnd[] = {"CapBnd", NULL};
    status_lines(bnd, text, sizeof(text));
    if (!strcmp(text, root_bounding))
        printf("CapBnd unchanged by the drop: yes\n");
    else
        printf("CapBnd unchanged by the drop: no: %s", text);
    fflush(stdout);
}

static void paths(void)
{
    snprintf(g_secret, sizeof(g_secret), "%s/secret", g_dir);
    snprintf(g_sticky, sizeof(g_sticky), "%s/sticky", g_dir);
    snprintf(g_rootfile, sizeof(g_rootfile), "%s/sticky/rootfile", g_dir);
    snprintf(g_moved, sizeof(g_moved), "%s/sticky/moved", g_dir);
    snprintf(g_locked, sizeof(g_locked), "%s/locked", g_dir);
    snprintf(g_locked_new, sizeof(g_locked_new), "%s/locked/new", g_dir);
    snprintf(g_mine, sizeof(g_mine), "%s/sticky/mine", g_dir);
}

static int write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    if (n != (ssize_t)strlen(text))
        return -1;
    return chmod(path, mode);
}

static int setup(void)
{
    snprintf(g_dir, sizeof(g_dir), "/tmp/cred-drop-XXXXXX");
    if (!mkdtemp(g_dir) || chmod(g_dir, 0755))
        return -1;
    paths();
    if (write_file(g_secret, "root only\n", 0600) || mkdir(g_sticky, 0755) ||
        chmod(g_sticky, 01777) || write_file(g_rootfile, "root's\n", 0644) || mkdir(g_locked, 0755))
        return -1;
    return 0;
}

static void accept_and_check(int lsock, pid_t pid)
{
    int a = accept(lsock, NULL, NULL);
    if (a < 0) {
        perror("accept");
        return;
    }
    struct ucred uc;
    socklen_t len = sizeof(uc);
    getsockopt(a, SOL_SOCKET, SO_PEERCRED, &uc, &len);
    print_cred("SO_PEERCRED of the accepted socket:", &uc, -1, pid, getpid());
    int one = 1;
    setsockopt(a, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
    char data[16];
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
    struct msghdr m = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = ctl.buf,
                       .msg_controllen = sizeof(ctl.buf)};
    ssize_t n = recvmsg(a, &m, 0);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); n >= 0 && c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_CREDENTIALS)
            continue;
        memcpy(&uc, CMSG_DATA(c), sizeof(uc));
        char label[64];
        snprintf(label, sizeof(label), "received '%.*s' with SCM_CREDENTIALS", (int)n, data);
        print_cred(label, &uc, -1, pid, getpid());
    }
    close(a);
}

static bool dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return false;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n == 0;
}

static void cleanup_tree(void)
{
    unlink(g_rootfile);
    unlink(g_moved);
    unlink(g_mine);
    unlink(g_locked_new);
    rmdir(g_sticky);
    rmdir(g_locked);
    unlink(g_secret);
    rmdir(g_dir);
}

int main(void)
{
    if (geteuid() != 0) {
        printf("cred_drop must run as root\n");
        return 77;
    }
    if (setup()) {
        perror("setup");
        cleanup_tree();
        return 1;
    }
    report("root can read its 0600 file", try_read(g_secret));
    static const char *const bnd[] = {"CapBnd", NULL};
    char root_bounding[256];
    status_lines(bnd, root_bounding, sizeof(root_bounding));

    /* An abstract name: no file, so no permission check of its own. */
    g_listen_addr.sun_family = AF_UNIX;
    int nlen = snprintf(g_listen_addr.sun_path + 1, sizeof(g_listen_addr.sun_path) - 1,
                        "cred-drop-%d", (int)getpid());
    g_listen_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)nlen);
    int lsock = socket(AF_UNIX, SOCK_STREAM, 0);
    if (lsock < 0 || bind(lsock, (struct sockaddr *)&g_listen_addr, g_listen_len) ||
        listen(lsock, 1)) {
        perror("listen");
        cleanup_tree();
        return 1;
    }
    fflush(stdout);

    pid_t pid = fork();
    if (pid == 0) {
        child(root_bounding);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("child exit status: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    accept_and_check(lsock, pid);
    close(lsock);

    struct stat sb;
    stat(g_secret, &sb);
    bool rootfile = access(g_rootfile, F_OK) == 0;
    bool locked_empty = dir_is_empty(g_locked);
    printf("after: secret 0o%o %u rootfile there: %s locked empty: %s\n", sb.st_mode & 07777,
           sb.st_uid, rootfile ? "True" : "False", locked_empty ? "True" : "False");
    cleanup_tree();
    return 0;
}
