/* A live check of the nftables rules, as the offline user: what they must
 * refuse is tried, and the kernel's answer read. A datagram dropped in the
 * output hook fails the sending call with EPERM at once, so the check
 * sends nothing anywhere when the rules hold, and when they do not it only
 * reaches the host's own loopback (port 9, discard). TCP is not tried
 * here: a dropped SYN does not fail connect() (the kernel retries it), so
 * telling "dropped" from "slow" would cost a wait on every run; the rule
 * matches the socket's owner whatever the protocol, the live tests show
 * TCP refused, and cordon-setup verify compares the rules themselves. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runner.h"

static struct sockaddr_in loopback(unsigned short port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* 0 refused by the firewall, 1 got through, -1 unexpected error. */
static int attempt(int type, int proto, char *what, size_t n, const char *label)
{
    struct sockaddr_in a = loopback(9);
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, proto);
    int rc, err;
    if (fd < 0) {
        /* Cannot even make the socket (ping sockets not allowed for this
         * group): nothing to send with. */
        if (errno == EACCES || errno == EPERM || errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)
            return 0;
        snprintf(what, n, "%s: socket: errno %d, %s", label, errno, strerror(errno));
        return -1;
    }
    if (proto == IPPROTO_ICMP) {
        struct icmphdr h;
        memset(&h, 0, sizeof h);
        h.type = ICMP_ECHO;
        rc = (int)sendto(fd, &h, sizeof h, 0, (struct sockaddr *)&a, sizeof a);
    } else {
        rc = (int)sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof a);
    }
    err = errno;
    close(fd);
    if (rc < 0 && err == EPERM)
        return 0;
    if (rc < 0) {
        snprintf(what, n, "%s: errno %d, %s", label, err, strerror(err));
        return -1;
    }
    snprintf(what, n, "%s", label);
    return 1;
}

int runner__netcheck(char *what, size_t n)
{
    int r;
    what[0] = '\0';
    if ((r = attempt(SOCK_DGRAM, IPPROTO_UDP, what, n, "a UDP send to 127.0.0.1 port 9")) != 0)
        return r;
    return attempt(SOCK_DGRAM, IPPROTO_ICMP, what, n, "an ICMP echo to 127.0.0.1");
}
