/* The Windows elevated tier's decisions about files and filters, portable
 * (no OS headers), plan-tested by winplan_elevated:
 *   - the secrets in a user's profile, as data, each with its reason;
 *   - which profile entries setup grants the sandbox group read and
 *     execute on, and how (a tree, this object only, nothing);
 *   - whether a DACL lets a logon of a sandbox user read an object, and
 *     from that the secrets_read level;
 *   - the WFP filters that block the offline user's ICMP and direct DNS;
 *   - the record of the read grants setup made (what uninstall restores).
 * docs/internals/windows-elevated.md explains each choice. */
#ifndef CORDON_ELEVATED_WINDOWS_GRANTS_H
#define CORDON_ELEVATED_WINDOWS_GRANTS_H

#include <stddef.h>

#include "elevated_windows.h"

struct cordon__strv;

/* ---- the profile's secrets ---------------------------------------------- */

struct cordon__win_secret {
    const char *rel;  /* below the profile, '\\'-separated; a trailing '*' matches a prefix */
    const char *why;  /* what it holds, or why it is never granted */
    int secret;       /* 1: a secret; 0: not secret but never granted (the user's %TEMP%) */
};
/* NULL-terminated. */
extern const struct cordon__win_secret cordon__win_profile_secrets[];

enum cordon__win_rel {
    CORDON__WIN_REL_PLAIN,    /* neither a secret nor above one */
    CORDON__WIN_REL_SECRET,   /* a listed entry or below one */
    CORDON__WIN_REL_ANCESTOR  /* holds a listed entry somewhere below */
};
/* How |rel| (below the profile, '\\' or '/' separated, any case) relates
 * to the list; *entry (may be NULL) is the listed entry it is or is
 * below. */
enum cordon__win_rel cordon__win_profile_rel(const char *rel, const struct cordon__win_secret **entry);

/* ---- read grants ---------------------------------------------------------- */

/* FILE_GENERIC_READ | FILE_GENERIC_EXECUTE: read, list, traverse, read
 * attributes and extended attributes, READ_CONTROL, SYNCHRONIZE. */
#define CORDON__WIN_READ_MASK 0x1200a9ul
/* FILE_LIST_DIRECTORY | FILE_TRAVERSE | FILE_READ_ATTRIBUTES |
 * SYNCHRONIZE: the names in a directory, never a file's content. */
#define CORDON__WIN_LIST_MASK 0x1000a1ul

enum cordon__win_grant {
    CORDON__WIN_GRANT_NONE,  /* nothing */
    CORDON__WIN_GRANT_TREE,  /* read and execute, inherited by everything below (OI|CI) */
    CORDON__WIN_GRANT_LIST   /* list this directory only (no inheritance); its entries are decided one by one */
};

/* One entry of the profile as the OS layer found it. A file's security
 * descriptor is shared by all its names (hard links): a grant on one name
 * is a grant on the others, which may be secrets. So a file with more
 * than one name gets nothing, and a tree with such a file below it is not
 * granted as a whole (an inheritable ACE propagated through it would
 * reach that file): it is split like a directory above a secret. */
struct cordon__win_grant_entry {
    const char *rel;   /* below the profile; "" is the profile itself */
    int is_dir;
    int is_reparse;    /* a junction or symbolic link */
    int broad_read;    /* Users, Authenticated Users or Everyone may read it already */
    unsigned long links;      /* a file: its names (nNumberOfLinks); 0 when they could not be read */
    const char *linked_below; /* a directory: a file below it with more than one name, or NULL */
    const char *walk_error;   /* a directory: why what is below it was not all seen, or NULL */
    int walked;               /* a directory: what is below it was walked for hard links; a tree
                                 is granted only then (the planner leaves it to the worker) */
};
/* What setup grants the sandbox group on |e|, and why in |why|. A
 * directory that would be a tree but was not walked (|walked| 0) is
 * decided a tree too: the background worker walks it before applying the
 * grant and decides again (CORDON__WIN_GRANT_LIST when a file below has
 * more than one name or the walk could not finish). */
enum cordon__win_grant cordon__win_read_grant(const struct cordon__win_grant_entry *e, char *why,
                                              size_t n);

/* The record of one grant setup made: what uninstall restores and verify
 * checks. One line "tree|list<TAB>path<TAB>original DACL in SDDL". */
struct cordon__win_grant_record {
    enum cordon__win_grant kind;
    char *path;
    char *original;
};
/* The line for |r| (no newline; caller frees). NULL when a field holds a
 * tab or newline (no path or SDDL does). */
char *cordon__win_grant_record_line(const struct cordon__win_grant_record *r);
/* Parses one line; 0, or -1 when it is not a record (fields are then
 * NULL). Free with cordon__win_grant_record_free. */
int cordon__win_grant_record_parse(const char *line, struct cordon__win_grant_record *r);
void cordon__win_grant_record_free(struct cordon__win_grant_record *r);

/* The entry |path| is of |profile| ("" for the profile itself), a pointer
 * into |path|; NULL when |path| is not |profile| or below it (ASCII case
 * ignored, a component boundary required). */
const char *cordon__win_profile_entry(const char *profile, const char *path);

/* What a re-install does with an earlier record |r| (a newer version's
 * secrets table may have grown since it was made): */
enum cordon__win_regrant {
    CORDON__WIN_REGRANT_KEEP,    /* core decides the same kind of grant now, or a tree where a
                                    walk split it into a list grant: the record stays */
    CORDON__WIN_REGRANT_RESTORE  /* it does not (a secret now, a tree split, no allowed user's
                                    profile holds it, ...): setup's ACE is taken out, the record
                                    dropped, and the plan records anew what holds now */
};
/* |now| is core's decision for the path as found now
 * (cordon__win_read_grant), CORDON__WIN_GRANT_NONE when no allowed user's
 * profile holds it; |now_why| its reason. |why| says what is done. */
enum cordon__win_regrant cordon__win_regrant(const struct cordon__win_grant_record *r,
                                             enum cordon__win_grant now, const char *now_why,
                                             char *why, size_t n);

/* The count and SHA-256 of the records, kept beside them (admin-only) so
 * that verify notices records lost or changed while grants were made: one
 * line "records<TAB>N<TAB>hex". Caller frees. */
char *cordon__win_grant_count_line(size_t n, const unsigned char sha[32]);
/* What verify concludes: 0 when the records agree with the count line
 * |count_text| (NULL: no count was kept, an install older than it, so
 * nothing to compare), -1 with |why| when records are missing while the
 * count says grants were recorded, or differ from what setup wrote.
 * |have_records|: the records file exists; |n| its lines; |sha| its hash. */
int cordon__win_grant_records_check(int have_records, size_t n, const unsigned char sha[32],
                                    const char *count_text, char *why, size_t n_why);

/* ---- read grants on the tools' directories (PATH entries) ------------------- */

/* One directory named on the machine's PATH (HKLM ...\Session Manager\
 * Environment, Path) or an allowed user's (HKU\<SID>\Environment, Path),
 * expanded, as the OS layer found it. */
struct cordon__win_tool_dir {
    const char *path;         /* expanded; what cordon__win_path_split gave */
    const char *owner_profile;/* the allowed user's profile whose PATH names it, NULL: the machine's */
    int exists;               /* it could be opened (without following a link) */
    int is_dir;
    int is_reparse;           /* a junction or symbolic link */
    int broad_read;           /* the reader check: a logon's well-known SIDs may read it already */
    int owner_reads;          /* on a user's PATH: the reader check with that user's SID says the
                                 user may read it (or owns it) */
    int walked;               /* the worker walked it for files with more than one name */
    const char *linked_below; /* a file below with more than one name, or NULL */
    const char *walk_error;   /* why the walk could not finish, or NULL */
};

/* Where the tools' directories must not be granted, as the OS layer read
 * them (any may be NULL or empty). */
struct cordon__win_tool_places {
    const char *windows_dir;          /* GetWindowsDirectory: C:\Windows */
    const char *profiles_dir;         /* ProfileList's ProfilesDirectory: C:\Users */
    const char *const *allowed;       /* the allowed users' profiles */
    size_t n_allowed;
    const char *const *profiles;      /* every profile of ProfileList */
    size_t n_profiles;
    const char *const *temp_dirs;     /* %TEMP%, %TMP% of setup and of the allowed users */
    size_t n_temp;
};

enum cordon__win_tool_grant {
    CORDON__WIN_TOOL_NOTHING, /* nothing to do: gone, not a directory, readable already, in a profile */
    CORDON__WIN_TOOL_TREE,    /* read and execute, inherited (a record like a profile's tree) */
    CORDON__WIN_TOOL_REFUSED  /* never granted here: |why| says why (status shows it) */
};

/* What setup grants the sandbox group on the PATH directory |d|, and why.
 * Refused: a relative or unexpanded path, a UNC path, a drive root, the
 * Windows directory or below, the profiles directory or a profile not an
 * allowed user's (or below them), a temporary directory (a %TEMP% or any
 * component named Temp or Tmp: others write there), a junction or link,
 * a directory on a user's PATH that user cannot read (that user holds the
 * sandbox users' passwords: setup would hand them what only an
 * administrator may read), and a tree whose walk found a file with more
 * than one name (a tool
 * directory is not split: its grant is all or nothing) or could not
 * finish. Nothing: inside an allowed user's profile (the profile's rules
 * decide), gone, not a directory, readable already. A tree not walked yet
 * is decided a tree; the worker walks it and decides again. */
enum cordon__win_tool_grant cordon__win_tool_grant(const struct cordon__win_tool_dir *d,
                                                   const struct cordon__win_tool_places *pl,
                                                   char *why, size_t n);

/* Splits a PATH value on ';' into |out| (copies): blanks and quotes
 * around an entry dropped, trailing separators dropped (not a drive
 * root's), empty entries and repeats (ASCII case ignored) skipped. */
int cordon__win_path_split(const char *value, struct cordon__strv *out);

/* |s| with each %NAME% among |names| replaced by the matching |values|
 * (names compared ignoring ASCII case); other %...% left as they are.
 * Caller frees; NULL when out of memory. */
char *cordon__win_expand_some(const char *s, const char *const *names, const char *const *values,
                              size_t n);

/* ---- who a sandbox logon is ----------------------------------------------- */

/* The well-known SIDs in the token of an interactive logon of a local
 * user (CreateProcessWithLogonW): Everyone, Local, Console Logon,
 * Interactive, Remote Interactive Logon, Authenticated Users, This
 * Organization, Local account, NTLM Authentication, Users. A logon
 * session SID (S-1-5-5-X-Y) is matched by its prefix. NULL-terminated. */
extern const char *const cordon__win_logon_sids[];

/* 1 when an object with |owner| and the DACL |aces| (|dacl_present| 0: a
 * NULL DACL) lets a token holding |sids| (plus every SID of
 * cordon__win_logon_sids) read its content; |why| then names the ACE or
 * the owner. ACEs are evaluated in order as AccessCheck does (a bit is
 * decided by the first ACE that names it); generic rights are mapped; an
 * ACE the OS layer could not type counts as an allow of everything. An
 * owner among |sids| may rewrite the DACL, so it counts as a reader. */
int cordon__win_dacl_reads(const char *owner, int dacl_present, const struct cordon__win_dacl_ace *aces,
                           size_t n, const char *const *sids, size_t n_sids, char *why, size_t n_why);

/* ---- secrets_read ----------------------------------------------------------- */

/* One object checked for a deny_read path: the path itself, or an entry
 * below a directory. */
struct cordon__win_secret_object {
    const char *path;
    const char *error;        /* its security could not be read, or it is a link whose
                                 target was not checked; NULL when read */
    char owner[184];
    int dacl_present;
    const struct cordon__win_dacl_ace *aces;
    size_t n_aces;
};

/* What the OS layer found for the plan's deny_read paths. */
struct cordon__win_secrets_facts {
    const char *user_sid;                     /* the sandbox user the plan runs as */
    const char *const *groups;                /* its local groups (NetUserGetLocalGroups), by SID */
    size_t n_groups;
    const char *groups_error;                 /* listing them failed, or NULL */
    const struct cordon__win_secret_object *objects;
    size_t n_objects;
    const char *truncated;                    /* a directory with more below it than was
                                                 checked, or NULL */
};

/* Most objects checked below the deny_read paths (each costs one DACL
 * read per probe). */
#define CORDON__WIN_SECRETS_MAX_OBJECTS 256

/* The elevated tier's secrets_read level: enforced only when no checked
 * object is readable by the sandbox user (its SID, its groups, the logon's
 * well-known SIDs), nothing was left unchecked and no deny_read path lies
 * inside a writable root (the backend grants the sandbox group those);
 * else none, naming the path and the ACE or the root. |s| NULL: not
 * checked. */
void cordon__win_secrets_level(const struct cordon__plan *plan,
                               const struct cordon__win_secrets_facts *s, struct cordon__probe *out);

/* ---- WFP filters --------------------------------------------------------------- */

#define CORDON__WFP_MAX_FILTERS 12

struct cordon__win_wfp_filter {
    char name[96];
    int v6;            /* FWPM_LAYER_ALE_AUTH_CONNECT_V6, else _V4 */
    int protocol;      /* FWPM_CONDITION_IP_PROTOCOL: 1 ICMP, 58 ICMPv6, 6 TCP, 17 UDP */
    int remote_port;   /* FWPM_CONDITION_IP_REMOTE_PORT, 0: no port condition */
    unsigned index;    /* the last bytes of its key, stable */
};
/* The filters for the offline user: ICMP (v4), ICMPv6 (v6), and TCP and
 * UDP to remote ports 53 and 853 on both; each with an
 * FWPM_CONDITION_ALE_USER_ID condition whose security descriptor is
 * cordon__win_wfp_user_sddl, action block, persistent, in cordon's
 * sublayer. Returns the count. */
size_t cordon__win_wfp_filters(struct cordon__win_wfp_filter out[CORDON__WFP_MAX_FILTERS]);
/* The ALE user condition's security descriptor: the offline SID may
 * "connect" (FWP_ACTRL_MATCH_FILTER, SDDL CC). Caller frees. */
char *cordon__win_wfp_user_sddl(const char *offline_sid);

#endif
