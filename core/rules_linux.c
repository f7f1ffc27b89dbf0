/* The nftables rules of the Linux elevated tier (core/elevated.h). */
#include <stdio.h>

#include "elevated.h"

char *cordon__nft_ruleset(unsigned long offline_uid, const unsigned *ports, size_t n_ports)
{
    struct cordon__buf b = {0};
    size_t i;

    cordon__buf_printf(&b, "table " CORDON__NFT_FAMILY " " CORDON__NFT_TABLE " {\n");
    cordon__buf_printf(&b, "\tchain " CORDON__NFT_CHAIN " {\n");
    /* The output hook sees every packet a local socket sends, whatever its
     * protocol or address family (inet: IPv4 and IPv6), before routing
     * decides whether it goes to loopback or out. */
    cordon__buf_printf(&b, "\t\ttype filter hook output priority filter; policy accept;\n");
    if (n_ports) {
        struct cordon__buf set = {0};
        for (i = 0; i < n_ports; i++)
            cordon__buf_printf(&set, "%s%u", i ? ", " : "", ports[i]);
        if (set.oom) {
            cordon__buf_free(&set);
            cordon__buf_free(&b);
            return NULL;
        }
        cordon__buf_printf(&b, "\t\tmeta skuid %lu oifname \"lo\" tcp dport { %s } accept\n",
                           offline_uid, set.p);
        cordon__buf_printf(&b, "\t\tmeta skuid %lu oifname \"lo\" udp dport { %s } accept\n",
                           offline_uid, set.p);
        cordon__buf_free(&set);
    }
    /* Everything else the offline user's sockets send: TCP, UDP, ICMP
     * (ping sockets), any other protocol, to any address, loopback too. */
    cordon__buf_printf(&b, "\t\tmeta skuid %lu drop\n", offline_uid);
    cordon__buf_printf(&b, "\t}\n}\n");
    return cordon__buf_take(&b);
}
