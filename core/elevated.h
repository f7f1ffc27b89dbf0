/* The elevated tier's shared pieces, portable (no OS headers), used by
 * cordon-setup, cordon-runner and the elevated backends of both OSes:
 *   - the setup marker (core/marker.c): what setup installed, recorded last,
 *     parsed strictly;
 *   - readiness (core/readiness.c): facts the OS layer probed, as plain
 *     data, turned into "ready or not, and why" plus the levels;
 *   - the nftables rules of the Linux tier (core/rules_linux.c), so that
 *     setup loads and the probe checks one text decided in one place.
 */
#ifndef CORDON_ELEVATED_H
#define CORDON_ELEVATED_H

#include <stddef.h>

#include "internal.h"

struct cordon__win_elevated_facts;

/* ---- a strict JSON reader (core/json_read.c) ------------------------------ */

enum cordon__jtype { CORDON__J_NULL, CORDON__J_BOOL, CORDON__J_INT, CORDON__J_STRING,
                     CORDON__J_ARRAY, CORDON__J_OBJECT };

struct cordon__jvalue {
    enum cordon__jtype type;
    long long num;                  /* INT, BOOL */
    char *str;                      /* STRING (no NUL inside: \u0000 is refused) */
    char **keys;                    /* OBJECT: parallel to items */
    struct cordon__jvalue *items;   /* ARRAY, OBJECT */
    size_t n;
};

/* Parses exactly one JSON value filling |len| bytes (surrounding
 * whitespace allowed). Strict: no duplicate keys, integers only (no
 * fraction or exponent, within long long), no control characters in
 * strings, nesting at most 16 deep. Failures return CORDON_ERR_IO with
 * "<origin>: byte N: <what>". */
cordon_error cordon__json_parse(const char *text, size_t len, const char *origin,
                                struct cordon__jvalue *out);
void cordon__jvalue_free(struct cordon__jvalue *v);
/* The member |key| of object |obj|, or NULL. */
const struct cordon__jvalue *cordon__jvalue_get(const struct cordon__jvalue *obj, const char *key);

/* ---- the setup marker (core/marker.c) ------------------------------------- */

#define CORDON__MARKER_FORMAT "cordon-setup-marker"
/* Version 2 adds runner.protocol; version 1 markers are still read (their
 * runner is older than the field: runner_protocol -1). */
#define CORDON__MARKER_VERSION 2
#define CORDON__MARKER_VERSION_OLDEST 1
#define CORDON__MARKER_MAX_BYTES (64 * 1024)
#define CORDON__MARKER_MAX_PORTS 64

/* A user or group: its name and its id as the OS writes it (Linux: the
 * decimal uid/gid; Windows: the SID string). */
struct cordon__account {
    char *name;
    char *id;
};

struct cordon__marker {
    int version;
    char *os;                           /* "linux" or "windows" */
    struct cordon__account offline;     /* runs commands when network is off */
    struct cordon__account online;      /* runs commands when network is on */
    struct cordon__account sandbox_group; /* holds offline and online */
    struct cordon__account users_group; /* the real users allowed to use the tier */
    struct cordon__strv allowed_users;  /* their names */
    char *runner_path;                  /* absolute */
    char *runner_sha256;                /* 64 lowercase hex digits */
    char *runner_caps;                  /* Linux: the file capabilities as text
                                           ("cap_setgid,cap_setuid=p"); Windows: "" */
    int runner_protocol;                /* the runner protocol version of the runner setup
                                           installed (runner.protocol, 1-255); -1 in a
                                           version 1 marker, written before the field:
                                           a runner older than this cordon's protocol */
    char *rules_kind;                   /* "nftables" or "windows-firewall" */
    char *rules_name;                   /* "inet cordon" */
    char *rules_sha256;                 /* of the rules as read back after loading */
    unsigned loopback_ports[CORDON__MARKER_MAX_PORTS]; /* allowed to the offline user */
    size_t n_loopback_ports;
};

/* Parses marker text strictly: every key known and present, every type
 * right, the version supported. On failure returns CORDON_ERR_SETUP with a
 * message naming the key and the fix ("re-run cordon-setup install"). */
cordon_error cordon__marker_parse(const char *text, size_t len, const char *origin,
                                  struct cordon__marker *out);
/* The marker as JSON text (what setup writes); caller frees. */
cordon_error cordon__marker_json(const struct cordon__marker *m, char **out);
void cordon__marker_free(struct cordon__marker *m);

/* ---- the Linux tier's nftables rules (core/rules_linux.c) ----------------- */

#define CORDON__NFT_FAMILY "inet"
#define CORDON__NFT_TABLE "cordon"
#define CORDON__NFT_CHAIN "output"

/* The ruleset setup loads, in nft's own syntax: table inet cordon with an
 * output chain (filter hook, policy accept) that lets the offline uid send
 * only to the loopback interface on |ports| (TCP and UDP), and drops every
 * other packet it sends: any protocol (TCP, UDP, ICMP, raw), any address
 * family, loopback included. Caller frees. */
char *cordon__nft_ruleset(unsigned long offline_uid, const unsigned *ports, size_t n_ports);

/* ---- readiness (core/readiness.c) ----------------------------------------- */

/* One account as the host knows it now. */
struct cordon__account_fact {
    int found;
    char id[80];          /* uid/gid or SID, as in the marker */
};

/* What the OS layer found just now, without judging it. Strings are ""
 * when there is nothing to say. */
struct cordon__elevated_facts {
    const char *marker_path;        /* where the marker was looked for */
    int marker_found;               /* the marker file exists */
    char marker_error[256];         /* why it cannot be trusted or parsed; "" when it can */
    const struct cordon__marker *marker; /* parsed; NULL unless found without error */
    struct cordon__account_fact offline, online, sandbox_group, users_group;
    /* The runner file as found at marker->runner_path. */
    int runner_found;
    char runner_error[256];         /* an error reading it, or "" */
    int runner_root_owned;          /* owner root (Windows: Administrators/SYSTEM) */
    int runner_writable_by_others;  /* a non-root user or group can write it or its directory */
    char runner_sha256[65];
    char runner_caps[128];          /* as text, "" when none */
    /* The firewall rules. Reading nftables needs CAP_NET_ADMIN, which
     * neither the caller nor the runner has: a privileged prober (root,
     * cordon-setup verify) reads them back and compares their hash; an
     * unprivileged one has the runner try, as the offline user, what the
     * rules must refuse (a UDP send and an ICMP echo to the host's
     * loopback) and reports whether each was refused. */
    int rules_read;                 /* 1: read back (fields below are valid) */
    int rules_loaded;               /* the table exists */
    char rules_error[256];          /* the error reading or trying them, or "" */
    char rules_sha256[65];
    int rules_tried;                /* 1: the runner tried (rules_refused valid) */
    int rules_refused;              /* every attempt was refused by the firewall */
    char rules_attempt[160];        /* which attempt got through, or "" */
    int rules_at_start;             /* 1: not tried by the probe (a run's, with the
                                       runner's primitives remembered): the runner
                                       tries them itself as the offline user just
                                       before the command starts, and refuses to
                                       start it when they do not hold */
    /* The caller. */
    char caller_name[64];
    int caller_allowed;             /* member of users_group */
    /* The writable roots of the plan are usable by the sandbox users (or
     * the backend's prepare step can make them so). */
    int roots_writable;
    char roots_error[256];
    /* The defence in depth the runner applies on this host. */
    int landlock_abi;               /* 0: none */
    int seccomp;                    /* 1: filters can be installed */
    int mount_ns;                   /* 1: the runner can make user, mount and pid
                                       namespaces and mount in them */
    int unix_gate;                  /* 1: the runner's seccomp gate serves unix connects */
    int primitives_known;           /* 1: the runner said which of these it applies */
    int runner_protocol;            /* the runner protocol version the runner's check
                                       named (CORDON__IPC_VERSION when it is this
                                       cordon's); -1: it named none (a runner older
                                       than version 3); 0: not asked */
    int apparmor_userns;            /* 1: AppArmor restricts unprivileged user namespaces
                                       here (kernel.apparmor_restrict_unprivileged_userns) */
    /* Windows: what only that OS checks (core/elevated_windows.h); NULL
     * on Linux. */
    const struct cordon__win_elevated_facts *win;
};

/* Decides from |f| whether the elevated tier is ready for |plan| and with
 * which levels. Not ready: out->why_not names the first failed check and
 * its fix, in the order the checks are listed in elevated_facts. */
void cordon__elevated_readiness(const struct cordon__elevated_facts *f,
                                const struct cordon__plan *plan, struct cordon__probe *out);

#endif
