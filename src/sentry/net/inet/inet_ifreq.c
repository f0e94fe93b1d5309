// SPDX-License-Identifier: Apache-2.0
/*
 * The interface ioctls of inet sockets (Linux's dev_ioctl/dev_ifconf): SIOCGIFCONF,
 * SIOCGIFNAME, SIOCGIFINDEX, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFNETMASK, SIOCGIFMTU and
 * SIOCGIFHWADDR, over the stack's interfaces: the loopback and the links (net/lwip/link.h).
 */
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/net/inet.h"
#include "sentry/net/inet/inet_internal.h"
#include "sentry/net/lwip/link.h"

#define LINUX_SIOCGIFNAME 0x8910u
#define LINUX_SIOCGIFCONF 0x8912u
#define LINUX_SIOCGIFFLAGS 0x8913u
#define LINUX_SIOCGIFADDR 0x8915u
#define LINUX_SIOCGIFNETMASK 0x891bu
#define LINUX_SIOCGIFMTU 0x8921u
#define LINUX_SIOCGIFHWADDR 0x8927u
#define LINUX_SIOCGIFINDEX 0x8933u

/* struct ifreq of x86-64: a name and a 24-byte union. */
struct linux_ifreq {
    char name[16];
    union {
        struct sockaddr addr;
        int16_t flags;
        int32_t ivalue;
        uint8_t pad[24];
    } u;
};
_Static_assert(sizeof(struct linux_ifreq) == 40, "struct ifreq is 40 bytes");

struct linux_ifconf {
    int32_t len;
    int32_t pad;
    uint64_t buf; /* guest address of struct ifreq[] */
};

/* An interface of the stack. */
struct inet_iface {
    char name[16];
    int index;
    int16_t flags;
    uint32_t addr, mask; /* network order */
    int mtu;
    uint16_t hwtype;
    uint8_t mac[6];
};

/* Interface @i of the stack (0: lo, then the links). Returns false past the last. */
static bool iface_get(int i, struct inet_iface *out)
{
    if (i == 0) {
        *out = (struct inet_iface){"lo",
                                   1,
                                   IFF_UP | IFF_LOOPBACK | IFF_RUNNING,
                                   0x0100007f,
                                   0x000000ff,
                                   65536,
                                   ARPHRD_LOOPBACK,
                                   {0}};
        return true;
    }
    struct link_info li;
    if (!link_info(i - 1, &li))
        return false;
    *out = (struct inet_iface){.index = li.index,
                               .flags = IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST,
                               .addr = li.addr,
                               .mask = li.mask,
                               .mtu = li.mtu,
                               .hwtype = ARPHRD_ETHER};
    memcpy(out->name, li.name, sizeof(out->name));
    memcpy(out->mac, li.mac, sizeof(out->mac));
    return true;
}

static bool iface_by_name(const char *name, struct inet_iface *out)
{
    for (int i = 0; iface_get(i, out); i++)
        if (strncmp(out->name, name, 16) == 0)
            return true;
    return false;
}

static void put_in(struct sockaddr *sa, uint32_t addr)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = addr};
    memcpy(sa, &sin, sizeof(sin));
}

static long ifconf(struct task *t, gaddr_t arg)
{
    struct linux_ifconf ic;
    if (copy_in(t, arg, &ic, sizeof(ic)) < 0)
        return -EFAULT;
    int n = 0;
    struct inet_iface ifc;
    while (iface_get(n, &ifc))
        n++;
    if (!ic.buf) { /* the size it would take */
        ic.len = n * (int)sizeof(struct linux_ifreq);
        return copy_out(t, arg, &ic, sizeof(ic));
    }
    int used = 0;
    for (int i = 0; i < n && ic.len - used >= (int)sizeof(struct linux_ifreq); i++) {
        struct linux_ifreq r = {0};
        iface_get(i, &ifc);
        memcpy(r.name, ifc.name, sizeof(r.name)); /* NUL-terminated within 16 */
        put_in(&r.u.addr, ifc.addr);
        if (copy_out(t, ic.buf + (uint64_t)used, &r, sizeof(r)) < 0)
            return -EFAULT;
        used += (int)sizeof(r);
    }
    ic.len = used;
    return copy_out(t, arg, &ic, sizeof(ic));
}

long inet_ifreq_ioctl(struct task *t, unsigned int cmd, gaddr_t arg)
{
    if (cmd == LINUX_SIOCGIFCONF)
        return ifconf(t, arg);
    struct linux_ifreq r;
    if (cmd != LINUX_SIOCGIFNAME && cmd != LINUX_SIOCGIFINDEX && cmd != LINUX_SIOCGIFFLAGS &&
        cmd != LINUX_SIOCGIFADDR && cmd != LINUX_SIOCGIFNETMASK && cmd != LINUX_SIOCGIFMTU &&
        cmd != LINUX_SIOCGIFHWADDR)
        return -ENOTTY;
    if (copy_in(t, arg, &r, sizeof(r)) < 0)
        return -EFAULT;
    struct inet_iface found;
    const struct inet_iface *ifc = &found;
    if (cmd == LINUX_SIOCGIFNAME) {
        int i = 0;
        while (iface_get(i, &found) && found.index != r.u.ivalue)
            i++;
        if (!iface_get(i, &found))
            return -ENODEV;
        memcpy(r.name, ifc->name, sizeof(r.name)); /* NUL-terminated within 16 */
        return copy_out(t, arg, &r, sizeof(r));
    }
    r.name[sizeof(r.name) - 1] = '\0';
    if (!iface_by_name(r.name, &found))
        return -ENODEV;
    memset(&r.u, 0, sizeof(r.u));
    switch (cmd) {
    case LINUX_SIOCGIFINDEX:
        r.u.ivalue = ifc->index;
        break;
    case LINUX_SIOCGIFFLAGS:
        r.u.flags = ifc->flags;
        break;
    case LINUX_SIOCGIFADDR:
        put_in(&r.u.addr, ifc->addr);
        break;
    case LINUX_SIOCGIFNETMASK:
        put_in(&r.u.addr, ifc->mask);
        break;
    case LINUX_SIOCGIFMTU:
        r.u.ivalue = ifc->mtu;
        break;
    case LINUX_SIOCGIFHWADDR:
        r.u.addr.sa_family = ifc->hwtype;
        memcpy(r.u.addr.sa_data, ifc->mac, sizeof(ifc->mac));
        break;
    }
    return copy_out(t, arg, &r, sizeof(r));
}
