/* The Windows elevated tier's decisions, portable (no OS headers), so that
 * plan tests check them on any host and cordon-setup, the probe and the
 * runner share one source:
 *   - the names, places and security descriptors setup makes;
 *   - the firewall rule set as data, its canonical text (hashed into the
 *     marker) and the comparison of rules read back from the firewall;
 *   - the check that a file's owner and DACL let only administrators
 *     change it (the marker, the runner);
 *   - the sandbox users' passwords from random bytes;
 *   - the install steps, in order, with what each checks and changes;
 *   - readiness from probed facts, after the checks shared with Linux
 *     (core/readiness.c).
 */
#ifndef CORDON_ELEVATED_WINDOWS_H
#define CORDON_ELEVATED_WINDOWS_H

#include <stddef.h>

#include "elevated.h"
#include "ipc.h"

/* ---- names and places --------------------------------------------------- */

#define CORDON__WIN_OFFLINE_USER "CordonSandboxOffline"
#define CORDON__WIN_ONLINE_USER "CordonSandboxOnline"
/* Holds the two sandbox users; denied on the credentials directory. */
#define CORDON__WIN_SANDBOX_GROUP "CordonSandboxUsers"
/* The real users an administrator allowed to use the tier. A group of its
 * own: a real user in CordonSandboxUsers would be denied its own
 * credentials and given whatever the sandbox users are given. */
#define CORDON__WIN_USERS_GROUP "CordonUsers"
/* The firewall rules' Grouping, and the marker's rules.name. */
#define CORDON__WIN_FW_GROUPING "cordon"
/* Below %ProgramData% (FOLDERID_ProgramData). */
#define CORDON__WIN_DATA_DIR "cordon"
#define CORDON__WIN_MARKER_NAME "setup.json"
#define CORDON__WIN_CRED_DIR "credentials" /* below the data dir, one directory per real user SID */
/* Below %ProgramFiles% (FOLDERID_ProgramFiles). */
#define CORDON__WIN_RUNNER_DIR "cordon"
#define CORDON__WIN_RUNNER_NAME "cordon-runner.exe"
/* The logon-screen list that hides the sandbox users (DWORD 0 per name). */
#define CORDON__WIN_HIDE_KEY                                                                 \
    "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\\SpecialAccounts\\UserList"

/* Well-known SIDs. */
#define CORDON__SID_SYSTEM "S-1-5-18"
#define CORDON__SID_ADMINS "S-1-5-32-544"
#define CORDON__SID_TRUSTED_INSTALLER                                                        \
    "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"

/* The marker's DACL: protected (nothing inherited), full control for
 * SYSTEM and Administrators, read for the allowed users and the sandbox
 * group (the runner reads it). Caller frees. */
char *cordon__win_marker_sddl(const char *sandbox_group_sid, const char *const *user_sids,
                              size_t n_users);
/* The credentials directory of one real user: protected; the sandbox
 * group denied everything (first, so no later allow can override it);
 * SYSTEM and Administrators full control; the real user read, write and
 * delete (no WRITE_DAC or WRITE_OWNER). Inherited by the files in it.
 * Caller frees. */
char *cordon__win_cred_dir_sddl(const char *sandbox_group_sid, const char *user_sid);
/* DPAPI's optional entropy for a credential: binds a blob to its purpose
 * and account so a blob copied to another name does not decrypt. */
char *cordon__win_cred_entropy(const char *account);

/* ---- passwords ------------------------------------------------------------ */

#define CORDON__WIN_PASSWORD_LEN 32
/* A password of CORDON__WIN_PASSWORD_LEN characters from |rnd| (at least
 * 2 * CORDON__WIN_PASSWORD_LEN bytes from BCryptGenRandom): each
 * character drawn without modulo bias, rejection-sampled, from an
 * alphabet of 64 (letters, digits, '-', '_'), with one character of each
 * class forced so that any complexity policy accepts it. 0, or -1 when
 * the bytes ran out (ask for more). */
int cordon__win_password(const unsigned char *rnd, size_t n, char out[CORDON__WIN_PASSWORD_LEN + 1]);

/* ---- the firewall rules ------------------------------------------------- */

#define CORDON__FW_DIR_IN 1        /* NET_FW_RULE_DIR_IN */
#define CORDON__FW_DIR_OUT 2       /* NET_FW_RULE_DIR_OUT */
#define CORDON__FW_ACTION_BLOCK 0  /* NET_FW_ACTION_BLOCK */
#define CORDON__FW_PROTO_ANY 256   /* NET_FW_IP_PROTOCOL_ANY */
#define CORDON__FW_PROTO_TCP 6
#define CORDON__FW_PROTO_UDP 17
#define CORDON__FW_PROFILES_ALL 7  /* domain | private | public */
#define CORDON__FW_MAX_RULES 8

struct cordon__win_fw_rule {
    char name[96];
    char description[160];
    char grouping[32];
    int direction;
    int action;
    int protocol;
    int enabled;
    long profiles;           /* NET_FW_PROFILE2_* bits; 0x7fffffff reads as all */
    char interface_types[16];/* "All" */
    char remote_addresses[160];
    char remote_ports[1024]; /* "" for protocols without ports */
    char local_users[160];   /* LocalUserAuthorizedList, SDDL */
};

/* The rules for the offline user |offline_sid| with the loopback ports
 * |ports| allowed: outbound and inbound blocks for every protocol to and
 * from every address but loopback, and outbound TCP and UDP blocks to
 * loopback on every port but |ports|. Returns the count. */
size_t cordon__win_fw_rules(const char *offline_sid, const unsigned *ports, size_t n_ports,
                            struct cordon__win_fw_rule out[CORDON__FW_MAX_RULES]);
/* One line per rule with every field, in order: what setup records the
 * hash of (marker rules.sha256). Caller frees. */
char *cordon__win_fw_rules_text(const struct cordon__win_fw_rule *r, size_t n);
void cordon__win_fw_rules_sha256(const struct cordon__win_fw_rule *r, size_t n, char out[65]);
/* 0 when |got| (read back from the firewall) is |want|; else -1 and |why|
 * names the field, what was expected and what was found. Addresses compare
 * as sets of ranges whatever notation the firewall gives back (a prefix,
 * a mask, a range); the profiles must cover all three. */
int cordon__win_fw_rule_diff(const struct cordon__win_fw_rule *want,
                             const struct cordon__win_fw_rule *got, char *why, size_t n);
/* 1 when the address list |text| parses ("*" or addresses, ranges and
 * subnets of IPv4 and IPv6), for the tests. */
int cordon__win_fw_addresses_valid(const char *text);

/* ---- "only administrators can change it" ---------------------------------- */

#define CORDON__ACE_ALLOW 0
#define CORDON__ACE_DENY 1

/* One ACE of a DACL as the OS layer read it. */
struct cordon__win_dacl_ace {
    int type;                /* CORDON__ACE_ALLOW / _DENY; anything else is ignored */
    char sid[184];
    unsigned long mask;
    int inherit_only;        /* applies to children only, not to this object */
};

/* 1 when the object's owner is SYSTEM, Administrators or TrustedInstaller
 * and no allow ACE grants anyone else a right that changes it (write,
 * append, extended attributes and attributes, delete, WRITE_DAC,
 * WRITE_OWNER, the generic write and all rights; for a directory also
 * adding and deleting children). |dacl_present| 0 is a NULL DACL: every
 * right for everyone. Else 0 and |why| says who may change it. */
int cordon__win_admin_only(const char *owner_sid, int dacl_present, const struct cordon__win_dacl_ace *aces,
                           size_t n, int is_dir, char *why, size_t n_why);

/* ---- the install steps ------------------------------------------------------ */

struct cordon__win_setup_step {
    const char *id;      /* stable: used in messages and status --json */
    const char *title;   /* the progress line: "[3/12] <title> ... ok" */
    const char *check;   /* what is read before anything is changed */
    const char *change;  /* what is changed when the check finds it missing */
    const char *undo;    /* what uninstall does, in reverse order */
};
/* The install steps in order (the marker last); NULL-terminated. */
extern const struct cordon__win_setup_step cordon__win_setup_steps[];
size_t cordon__win_setup_step_count(void);

/* ---- the runner request ------------------------------------------------------ */

/* The SPAWN request cordon sends cordon-runner.exe for |argv| in |cwd| with
 * the complete environment |envp|: the network flag picks the identity
 * (offline or online), every stdio stream relayed (no handle of the
 * caller's crosses to the sandbox user), the plan's roots, protected paths
 * and temp dir. Free with cordon__ipc_msg_free on a SPAWN message holding
 * it. */
cordon_error cordon__win_runner_request(const struct cordon__plan *plan, const char *const *argv,
                                        const char *const *envp, const char *cwd,
                                        struct cordon__ipc_spawn *out);

/* ---- the launch: pipes and logon failures ---------------------------------- */

/* The DACL of the two pipes between cordon and the runner: protected, the
 * caller full control, the sandbox user read and write, nobody else. With
 * no sandbox SID (the same-user seam) the caller alone. Caller frees. */
char *cordon__win_pipe_sddl(const char *caller_sid, const char *sandbox_sid);

/* The runner's window station and desktop, made by cordon for each run so
 * that nothing of the caller's window station (WinSta0) is granted to the
 * sandbox user (docs/internals/windows-elevated.md, "The runner's window
 * station"). Rights (winuser.h values):
 *   all of a window station's: WINSTA_ALL_ACCESS (0x37F) with DELETE,
 *     READ_CONTROL, WRITE_DAC and WRITE_OWNER;
 *   the sandbox users': WINSTA_READATTRIBUTES (0x2), WINSTA_CREATEDESKTOP
 *     (0x8: the runner makes the command's desktop there) and
 *     WINSTA_ACCESSGLOBALATOMS (0x20: USER32 uses the station's atom
 *     table); not ENUMDESKTOPS, ACCESSCLIPBOARD, READSCREEN,
 *     WRITEATTRIBUTES, EXITWINDOWS or ENUMERATE;
 *   all of a desktop's: 0x1FF with the same standard rights;
 *   the sandbox user's on the runner's desktop: DESKTOP_READOBJECTS (0x1)
 *     and DESKTOP_CREATEWINDOW (0x2); no hook, journal, enumerate,
 *     switch or write-objects right. */
#define CORDON__WIN_WINSTA_ALL 0xF037Fu
#define CORDON__WIN_WINSTA_SANDBOX 0x2Au
#define CORDON__WIN_DESKTOP_ALL 0xF01FFu
#define CORDON__WIN_DESKTOP_RUNNER 0x3u
/* The window station's DACL: protected; the caller and SYSTEM all rights,
 * each given sandbox user (|sandbox_sid|, and |peer_sid|, the other
 * sandbox user, when not NULL: a station shared by the caller's runs of
 * both) CORDON__WIN_WINSTA_SANDBOX; nobody else, neither the logon SID of
 * any session nor Everyone. Without a sandbox SID (the same-user seam)
 * the caller and SYSTEM alone. Caller frees. */
char *cordon__win_winsta_sddl(const char *caller_sid, const char *sandbox_sid,
                              const char *peer_sid);
/* The runner's desktop there: protected; the caller and SYSTEM all
 * rights, the sandbox user CORDON__WIN_DESKTOP_RUNNER. Caller frees. */
char *cordon__win_runner_desktop_sddl(const char *caller_sid, const char *sandbox_sid);

/* What a CreateProcessWithLogonW failure means and its fix; |refresh|: a
 * credential refresh may cure it, so cordon tries that once. */
struct cordon__win_logon_error {
    unsigned long code;
    const char *cause;
    const char *fix;
    int refresh;
};
/* NULL for a code that is not a logon failure cordon knows. */
const struct cordon__win_logon_error *cordon__win_logon_error(unsigned long code);

/* ---- the elevated plan, for explain ------------------------------------------ */

/* The Windows elevated tier's part of a Windows plan as one JSON object
 * (identity, runner and its request, the firewall rules, the setup
 * steps), with SIDs as placeholders: plans are host-independent. */
void cordon__win_elevated_plan_json(const struct cordon__plan *plan, struct cordon__json *j);

/* ---- readiness ------------------------------------------------------------ */

/* A sandbox user's stored credential, for the caller. */
struct cordon__win_cred_fact {
    int found;
    int decrypts;            /* CryptUnprotectData gave a password back */
    char error[200];         /* why not, or "" */
};

struct cordon__win_secrets_facts; /* elevated_windows_grants.h */

/* What the Windows OS layer found, beside the shared facts. */
struct cordon__win_elevated_facts {
    struct cordon__win_cred_fact offline_cred, online_cred;
    char cred_dir_error[200];    /* the caller's credentials directory is not setup's, or "" */
    char fw_error[256];          /* reading the firewall failed (COM), or "" */
    int fw_enabled[3];           /* domain, private, public */
    int fw_modify_state;         /* LocalPolicyModifyState: 0 OK, 1 GP override, 2 inbound blocked */
    const struct cordon__win_fw_rule *rules; /* found by name, in the expected order */
    const int *rule_found;       /* parallel to the expected rules */
    size_t n_rules;
    /* Direct members of the allowed users' group (CordonUsers); 0: not read. */
    unsigned long allowed_members;
    /* "" when the backend can run commands through the runner; else why not. */
    const char *launch_missing;
    /* The unelevated restricted token's levels on this host (the runner
     * builds the same token), for fs_write and protected_paths; NULL: none. */
    const struct cordon__probe *token;
    /* The DACLs of the plan's deny_read paths for the sandbox user
     * (secrets_read); NULL: not checked. */
    const struct cordon__win_secrets_facts *secrets;
};

/* The Windows part of cordon__elevated_readiness, after the shared checks
 * (marker, accounts, caller, runner) passed: credentials, firewall policy,
 * rules, roots, launch; then the levels. */
void cordon__win_elevated_readiness(const struct cordon__elevated_facts *f,
                                    const struct cordon__plan *plan, struct cordon__probe *out);

#endif
