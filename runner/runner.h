/* cordon-runner: the elevated tier's launch boundary (Linux).
 *
 *   cordon-runner           serve one request on descriptor 3 (a unix stream
 *                           socket from cordon): check the caller, receive
 *                           the SPAWN request and its stdio, become the
 *                           sandbox user, restrict, run, relay the exit
 *   cordon-runner check     become the offline user and try what the
 *                           nftables rules must refuse; exit 0 when all of
 *                           it was refused, 1 (with the attempt on stdout)
 *                           when something got through, 2 on other errors;
 *                           a second line says what the launch applies
 *                           here as that user: "userns=N landlock=N
 *                           seccomp=N gate=N"
 *
 * The program is installed by cordon-setup with cap_setgid,cap_setuid in
 * its permitted set only, executable by the group cordon-users. Each step
 * that uses those capabilities says why it is safe (linux/identity.c).
 */
#ifndef CORDON_RUNNER_H
#define CORDON_RUNNER_H

#include <sys/types.h>

#include "elevated_linux.h"
#include "ipc_unix.h"


/* What the runner trusts: the marker (root's), the sandbox accounts as
 * the marker records them and /etc/passwd confirms, and that the caller
 * is allowed. Fills |why| and returns -1 otherwise. */
struct runner_trust {
    struct cordon__marker marker;
    uid_t offline_uid, online_uid;
    gid_t sandbox_gid;
    char caller[64];
};
int runner__trust(struct runner_trust *t, char *why, size_t n);
void runner__trust_free(struct runner_trust *t);

/* linux/identity.c: becomes |uid|:|gid| for good (real, effective and
 * saved ids, supplementary groups only |gid|) and drops every capability.
 * Returns 0, or an errno value with *step naming the call. */
int runner__become(uid_t uid, gid_t gid, const char **step);

/* linux/netcheck.c: as the offline user, tries a UDP send and an ICMP
 * echo to the host's loopback. 0 when each was refused by the
 * firewall (EPERM) or could not be made at all; 1 with |what| naming the
 * first attempt that got through; -1 with |what| on an unexpected error. */
int runner__netcheck(char *what, size_t n);

/* linux/serve.c */
int runner__serve(int sock);
/* Waits for every child of the runner (the supervisor, the namespace
 * probe's child) before it exits. */
void runner__reap_children(void);

#endif
