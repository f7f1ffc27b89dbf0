/* The Windows part of a plan: what the windows backends apply. Plain data,
 * compiled by core/plan_windows.c from the portable plan, and the portable
 * helpers the Windows OS layer needs (command-line quoting, the environment
 * block order, SHA-256). No OS headers: this is compiled and tested on every
 * host. Included by internal.h after the string and JSON types. */
#ifndef CORDON_PLAN_WINDOWS_H
#define CORDON_PLAN_WINDOWS_H

#include <stddef.h>

/* Win32 access-mask and ACE-flag values, restated so that plans can be
 * compiled and checked without windows.h. The Wine tests compare them with
 * the SDK's. */
#define CORDON__WIN_FILE_READ_DATA 0x0001UL
#define CORDON__WIN_FILE_WRITE_DATA 0x0002UL
#define CORDON__WIN_FILE_APPEND_DATA 0x0004UL
#define CORDON__WIN_FILE_ADD_FILE 0x0002UL
#define CORDON__WIN_FILE_ADD_SUBDIRECTORY 0x0004UL
#define CORDON__WIN_FILE_WRITE_EA 0x0010UL
#define CORDON__WIN_FILE_DELETE_CHILD 0x0040UL
#define CORDON__WIN_FILE_WRITE_ATTRIBUTES 0x0100UL
#define CORDON__WIN_DELETE 0x00010000UL
#define CORDON__WIN_READ_CONTROL 0x00020000UL
#define CORDON__WIN_WRITE_DAC 0x00040000UL
#define CORDON__WIN_WRITE_OWNER 0x00080000UL
#define CORDON__WIN_SYNCHRONIZE 0x00100000UL
#define CORDON__WIN_FILE_GENERIC_READ 0x00120089UL
#define CORDON__WIN_FILE_GENERIC_WRITE 0x00120116UL
#define CORDON__WIN_FILE_GENERIC_EXECUTE 0x001200A0UL
#define CORDON__WIN_OBJECT_INHERIT 0x01U
#define CORDON__WIN_CONTAINER_INHERIT 0x02U

/* What a capability SID may do on a writable root: read, write, execute and
 * delete the entries themselves, but not FILE_DELETE_CHILD, which would let
 * the command delete a protected entry through its parent despite the
 * entry's own deny ACE. */
#define CORDON__WIN_ALLOW_MASK                                                  \
    (CORDON__WIN_FILE_GENERIC_READ | CORDON__WIN_FILE_GENERIC_WRITE |           \
     CORDON__WIN_FILE_GENERIC_EXECUTE | CORDON__WIN_DELETE)
/* What a capability SID may not do on a protected path and below it. The
 * SYNCHRONIZE and READ_CONTROL bits that FILE_GENERIC_WRITE carries are
 * left out: they are not writes, and denying them would break reads. */
#define CORDON__WIN_DENY_MASK                                                        \
    ((CORDON__WIN_FILE_GENERIC_WRITE | CORDON__WIN_FILE_WRITE_DATA |                \
      CORDON__WIN_FILE_APPEND_DATA | CORDON__WIN_FILE_WRITE_EA |                    \
      CORDON__WIN_FILE_WRITE_ATTRIBUTES | CORDON__WIN_DELETE |                      \
      CORDON__WIN_FILE_DELETE_CHILD) & ~(CORDON__WIN_SYNCHRONIZE | CORDON__WIN_READ_CONTROL))
/* On each directory between a root and a protected path (the root
 * included), explicit and not inherited: the directory itself cannot be
 * deleted or renamed (which would carry the protected path away and let a
 * new one be made in its place), and no entry can be deleted through it
 * (FILE_DELETE_CHILD, which a loose ACL may grant Everyone, a restricting
 * SID). Deleting other entries still works through their own DELETE. */
#define CORDON__WIN_ANCESTOR_DENY_MASK (CORDON__WIN_DELETE | CORDON__WIN_FILE_DELETE_CHILD)

/* Desktop and window-station rights ("Desktop Security and Access
 * Rights", "Window Station Security and Access Rights"), restated. */
#define CORDON__WIN_DESKTOP_READOBJECTS 0x0001UL
#define CORDON__WIN_DESKTOP_CREATEWINDOW 0x0002UL
#define CORDON__WIN_DESKTOP_CREATEMENU 0x0004UL
#define CORDON__WIN_DESKTOP_HOOKCONTROL 0x0008UL
#define CORDON__WIN_DESKTOP_JOURNALRECORD 0x0010UL
#define CORDON__WIN_DESKTOP_JOURNALPLAYBACK 0x0020UL
#define CORDON__WIN_DESKTOP_ENUMERATE 0x0040UL
#define CORDON__WIN_DESKTOP_WRITEOBJECTS 0x0080UL
#define CORDON__WIN_DESKTOP_SWITCHDESKTOP 0x0100UL
#define CORDON__WIN_WINSTA_ENUMDESKTOPS 0x0001UL
#define CORDON__WIN_WINSTA_READATTRIBUTES 0x0002UL
#define CORDON__WIN_WINSTA_ACCESSCLIPBOARD 0x0004UL
#define CORDON__WIN_WINSTA_CREATEDESKTOP 0x0008UL
#define CORDON__WIN_WINSTA_WRITEATTRIBUTES 0x0010UL
#define CORDON__WIN_WINSTA_ACCESSGLOBALATOMS 0x0020UL
#define CORDON__WIN_WINSTA_EXITWINDOWS 0x0040UL
#define CORDON__WIN_WINSTA_ENUMERATE 0x0100UL
#define CORDON__WIN_WINSTA_READSCREEN 0x0200UL
#define CORDON__WIN_NO_PROPAGATE_INHERIT 0x04U
#define CORDON__WIN_INHERIT_ONLY 0x08U
#define CORDON__WIN_INHERITED 0x10U

/* What no sandbox of the user may do to the user's desktop: every right
 * its generic mapping counts as write (GENERIC_WRITE: CREATEWINDOW,
 * CREATEMENU, HOOKCONTROL, JOURNALRECORD, JOURNALPLAYBACK, WRITEOBJECTS;
 * a write-restricted token's second check covers exactly those), and the
 * standard rights that change the object (DELETE, WRITE_DAC, WRITE_OWNER:
 * with WRITE_DAC it would take the deny out again). SendInput needs
 * JOURNALPLAYBACK on the thread's desktop, hooks HOOKCONTROL, windows
 * CREATEWINDOW. Left out: READOBJECTS, ENUMERATE (reads), SWITCHDESKTOP
 * (execute; the job's UILIMIT_DESKTOP refuses SwitchDesktop) and
 * READ_CONTROL. */
#define CORDON__WIN_DESKTOP_DENY_MASK                                                   \
    (CORDON__WIN_DESKTOP_CREATEWINDOW | CORDON__WIN_DESKTOP_CREATEMENU |                 \
     CORDON__WIN_DESKTOP_HOOKCONTROL | CORDON__WIN_DESKTOP_JOURNALRECORD |               \
     CORDON__WIN_DESKTOP_JOURNALPLAYBACK | CORDON__WIN_DESKTOP_WRITEOBJECTS |            \
     CORDON__WIN_DELETE | CORDON__WIN_WRITE_DAC | CORDON__WIN_WRITE_OWNER)
/* The same for the window station: its GENERIC_WRITE rights
 * (ACCESSCLIPBOARD, CREATEDESKTOP, WRITEATTRIBUTES) and DELETE,
 * WRITE_DAC, WRITE_OWNER (a DACL change there could lock the user out of
 * the window station). Reads (ENUMDESKTOPS, ENUMERATE, READATTRIBUTES,
 * READSCREEN) and the execute rights (ACCESSGLOBALATOMS, EXITWINDOWS;
 * the job refuses both uses) stay. */
#define CORDON__WIN_WINSTA_DENY_MASK                                                    \
    (CORDON__WIN_WINSTA_ACCESSCLIPBOARD | CORDON__WIN_WINSTA_CREATEDESKTOP |             \
     CORDON__WIN_WINSTA_WRITEATTRIBUTES | CORDON__WIN_DELETE | CORDON__WIN_WRITE_DAC |   \
     CORDON__WIN_WRITE_OWNER)

/* Job UI restrictions (JOBOBJECT_BASIC_UI_RESTRICTIONS), restated. */
#define CORDON__WIN_UILIMIT_HANDLES 0x0001UL
#define CORDON__WIN_UILIMIT_READCLIPBOARD 0x0002UL
#define CORDON__WIN_UILIMIT_WRITECLIPBOARD 0x0004UL
#define CORDON__WIN_UILIMIT_SYSTEMPARAMETERS 0x0008UL
#define CORDON__WIN_UILIMIT_DISPLAYSETTINGS 0x0010UL
#define CORDON__WIN_UILIMIT_GLOBALATOMS 0x0020UL
#define CORDON__WIN_UILIMIT_DESKTOP 0x0040UL
#define CORDON__WIN_UILIMIT_EXITWINDOWS 0x0080UL
#define CORDON__WIN_UILIMIT_ALL 0x00ffUL

/* Process creation flags, restated. */
#define CORDON__WIN_CREATE_NO_WINDOW 0x08000000UL

/* What a stdio slot of the command is connected to. */
enum cordon__win_stdio {
    CORDON__WIN_STDIO_PASS = 0,  /* the caller's handle as is (file, pipe, NUL) */
    CORDON__WIN_STDIO_RELAY = 1  /* a pipe cordon relays to the caller's console */
};

/* Restricted-token flags (CreateRestrictedToken). */
#define CORDON__WIN_DISABLE_MAX_PRIVILEGE 0x1U
#define CORDON__WIN_LUA_TOKEN 0x4U
#define CORDON__WIN_WRITE_RESTRICTED 0x8U

/* Every SID cordon derives has this prefix: the NT authority's
 * S-1-5-21 form (restricting SIDs of the capability form S-1-15-3-... have
 * been seen to make CreateRestrictedToken fail with error 87 from
 * UAC-limited tokens on recent builds; this form is the field-proven one),
 * then 0x636f7264 ("cord") to mark it as cordon's, then exactly six
 * sub-authorities from HMAC-SHA-256(user secret, purpose || name). A
 * domain or local account SID has four sub-authorities after 21, so none
 * is ever taken for cordon's. Grants can be found and revoked without a
 * registry of SIDs. */
#define CORDON__WIN_SID_PREFIX "S-1-5-21-1668248164-"
/* The form of earlier versions, still recognised so that `grants revoke`
 * removes what they left. */
#define CORDON__WIN_SID_PREFIX_OLD "S-1-15-3-1024-1668248164-"
#define CORDON__WIN_SID_MAX 128
#define CORDON__WIN_EVERYONE_SID "S-1-1-0"
/* Stands for the logon SID of the caller's session in token specs; the
 * backend substitutes the real one (it exists only at run time). */
#define CORDON__WIN_LOGON_SID_MARK "logon"

enum cordon__win_ace_type { CORDON__WIN_ACE_ALLOW = 0, CORDON__WIN_ACE_DENY = 1 };

/* One ACE to ensure on one path. */
struct cordon__win_ace {
    char *path;                    /* absolute Windows path */
    char *sid;                     /* "S-1-..." or CORDON__WIN_LOGON_SID_MARK */
    enum cordon__win_ace_type type;
    unsigned long mask;
    unsigned inherit;              /* CORDON__WIN_*_INHERIT */
    int persistent;                /* 1: stays for later runs (listed by grants) */
    int create_dir;                /* 1: the path does not exist yet; create it
                                    * as an empty directory so the deny holds,
                                    * and remove it after the run if still empty */
    const char *why;               /* static text for explain */
};

/* Which object of the caller's window station a guard ACE goes on. */
enum cordon__win_ui_object {
    CORDON__WIN_UI_WINSTA = 0,   /* the window station itself */
    CORDON__WIN_UI_DEFAULT = 1,  /* its desktop named "Default" */
    CORDON__WIN_UI_INPUT = 2     /* the desktop taking the user's input now
                                  * (OpenInputDesktop), when it is another
                                  * one (a virtual-desktop tool's) */
};

/* One deny ACE for the sandbox SID (plan->windows_plan.sandbox_sid) on the
 * user's window station or desktop. Window stations and desktops are
 * objects of the session, in memory: the ACE lasts until logoff, is added
 * once when missing and never removed, and leaves nothing on disk. */
struct cordon__win_ui_deny {
    enum cordon__win_ui_object object;
    unsigned long mask;
    unsigned inherit;              /* CORDON__WIN_*_INHERIT, CORDON__WIN_INHERIT_ONLY */
    const char *why;               /* static text for explain */
};
#define CORDON__WIN_UI_GUARD_ACES 4

struct cordon__plan_windows {
    int sandboxed;                 /* 0 for full-access plans: no SIDs, no ACEs */
    int secret_placeholder;        /* 1: the host gave no user secret; the SIDs
                                    * below are illustrative, not the real ones */
    struct cordon__strv root_sids; /* parallel to plan->roots */
    char *tmp_sid;                 /* the run's temp dir SID (= run_sid); NULL without one */
    /* This run only: a restricting SID of its token, granted on what the
     * run alone may use (its temp dir, its desktop, the objects it makes
     * through the token's default DACL), so a concurrent sandbox of
     * another run cannot open them for writing. */
    char *run_sid;
    /* In every sandbox token of this user and never granted anything:
     * deny ACEs for it close Everyone holes for all runs at once. */
    char *sandbox_sid;
    struct cordon__win_ace *aces;  /* allows first, then denies */
    size_t n_aces;
    /* The token: CreateRestrictedToken(flags), restricting SIDs in order. */
    unsigned token_flags;
    struct cordon__strv restricting_sids;
    /* Granted GENERIC_ALL on objects the command makes without an
     * inherited DACL: the user, SYSTEM and this run's SIDs; never
     * Everyone nor the logon SID, which every sandbox token of the
     * session carries as a restricting SID. */
    struct cordon__strv default_dacl_sids;
    /* The launch. */
    int private_desktop;           /* 1: a desktop of its own on the caller's window station */
    unsigned long job_ui_limits;   /* CORDON__WIN_UILIMIT_* set on the job */
    unsigned long creation_flags;  /* added to CreateProcess's (CREATE_NO_WINDOW) */
    /* The user's window station and its Default desktop (the caller's,
     * where the user's windows take input): deny ACEs for the sandbox SID,
     * first in their DACLs (cordon__win_ui_guard). */
    struct cordon__win_ui_deny ui_guard[CORDON__WIN_UI_GUARD_ACES];
    size_t n_ui_guard;             /* 0: nothing to guard (full access) */
    /* Where the Everyone-hole scan looks (outside the roots), in order. */
    struct cordon__strv hole_candidates;
};

/* ---- portable helpers for the Windows OS layer (core/plan_windows_*.c) ---- */

/* Whether a reparse point with |tag| (FILE_ATTRIBUTE_TAG_INFO.ReparseTag)
 * is a link to another name: only name surrogates (the 0x20000000 bit:
 * symbolic links, junctions, WSL links) are. Cloud Files placeholders
 * (OneDrive's Documents and Desktop), deduplicated files, app execution
 * aliases and other tags are the object itself, to be treated as the
 * file or directory they are. */
int cordon__win_reparse_is_link(unsigned long tag);

/* |path| in the verbatim form ("\\?\C:\...", "\\?\UNC\server\share\...") that
 * the Win32 file functions take up to 32767 characters whatever the
 * system's long-path setting (MAX_PATH is 260), when that form names the
 * same object: an absolute path with backslashes only, no "." or ".."
 * component, no empty component, no name ending in a dot or a space
 * (Windows trims those from normal paths, not from verbatim ones). Other
 * paths, and paths already in a "\\?\" or "\\.\" form, are copied as they
 * are. Caller frees; NULL when out of memory. */
char *cordon__win_verbatim_path(const char *path);

/* What the access a sandbox token is granted on a path outside the roots
 * (AccessCheck, MAXIMUM_ALLOWED, both passes) lets a command do there. */
enum cordon__win_hole {
    CORDON__WIN_HOLE_NONE = 0,
    /* Writes: a directory's new files or subdirectories (FILE_ADD_FILE,
     * FILE_ADD_SUBDIRECTORY), a file's data (FILE_WRITE_DATA,
     * FILE_APPEND_DATA), either's attributes or extended attributes, or
     * its DACL or owner (WRITE_DAC, WRITE_OWNER: with those it can grant
     * itself anything). */
    CORDON__WIN_HOLE_WRITE = 1,
    /* Only removal: DELETE (the object itself can be deleted or renamed
     * away) or, on a directory, FILE_DELETE_CHILD (any entry in it can
     * be deleted, whatever the entry's own DACL says). */
    CORDON__WIN_HOLE_DELETE = 2
};
enum cordon__win_hole cordon__win_hole_kind(unsigned long granted, int is_dir);

/* A DACL in SDDL ("D:PAI(A;OICI;FA;;;S-1-...)..."), as ConvertSecurity-
 * DescriptorToStringSecurityDescriptorW writes it for
 * DACL_SECURITY_INFORMATION: its flags ("P", "AI", "NO_ACCESS_CONTROL"...)
 * into *flags (caller frees) and its explicit ACEs, in order, into |aces|
 * (inherited ones, flag "ID", are left out: Windows recomputes them). */
cordon_error cordon__win_sddl_dacl_parse(const char *sddl, char **flags,
                                         struct cordon__strv *aces);
/* |sddl| without inherited ACEs and without the ACEs of cordon's SIDs:
 * what is recorded as a path's original DACL before cordon first changes
 * it. Caller frees; NULL with the error set. */
char *cordon__win_sddl_without_cordon(const char *sddl);
/* What `grants revoke` writes back when the last grant on a path goes:
 * |original| as recorded, |current| as read now. When the explicit ACEs
 * of |current| other than cordon's are those of |original| (the same
 * multiset: SetEntriesInAclW reorders) and its protection is the same, the
 * original comes back exactly, its order and flags included, and *exact
 * is 1. Otherwise
 * the DACL was changed since by someone else: that change stays, and only
 * cordon's ACEs go (the current flags and explicit ACEs without cordon's;
 * *exact 0). Caller frees; NULL with the error set. */
char *cordon__win_sddl_restore(const char *original, const char *current, int *exact);
/* The same for cordon-setup's read grants for |sid| (the sandbox group)
 * instead of the backend's ACEs: only ACEs of |sid| with exactly the
 * shape setup writes (cordon__win_ace_is_setup_read) count as its own, so
 * a write ACE the backend put on the same path for the same group stays. */
char *cordon__win_sddl_restore_sid(const char *original, const char *current, const char *sid,
                                   int *exact);

/* One ACE of a DACL as read back, in order, for
 * cordon__win_ui_deny_present. */
struct cordon__win_ace_view {
    int type;                      /* CORDON__WIN_ACE_ALLOW, _DENY, or -1: any other type */
    unsigned flags;                /* the ACE's flags (inheritance, CORDON__WIN_INHERITED) */
    const char *sid;               /* "S-1-..." */
    unsigned long mask;
};
/* 1 when |aces| (a DACL in order) already holds |want| for |sid|: a deny
 * ACE for |sid| whose mask covers every bit of want->mask, with exactly
 * want->inherit as its inheritance flags, not inherited, and before every
 * ACE that is not a deny (an allow before it would grant the bits first:
 * Windows walks a DACL in order). 0 when it must be added, in front. */
int cordon__win_ui_deny_present(const struct cordon__win_ace_view *aces, size_t n,
                                const char *sid, const struct cordon__win_ui_deny *want);
/* An ACE's header bits, as Windows numbers them (OBJECT_INHERIT_ACE, ...). */
#define CORDON__WIN_ACE_OI 0x01u
#define CORDON__WIN_ACE_CI 0x02u
#define CORDON__WIN_ACE_NP 0x04u
#define CORDON__WIN_ACE_IO 0x08u
#define CORDON__WIN_ACE_ID 0x10u
/* The type (CORDON__WIN_ACE_ALLOW or _DENY), flags, mask (hex or rights
 * strings) and SID of the SDDL ACE |ace| ("(A;OICI;0x1200a9;;;S-1-...)");
 * -1 when it is of another type or does not parse. */
int cordon__win_sddl_ace_parts(const char *ace, int *type, unsigned *flags, unsigned long *mask,
                               char sid[CORDON__WIN_SID_MAX]);
/* 1 when an ACE of this type, flags and mask is one cordon-setup's read
 * grants write: an explicit allow of CORDON__WIN_READ_MASK with OI|CI or
 * no inheritance, or of CORDON__WIN_LIST_MASK with none. */
int cordon__win_ace_is_setup_read(int type, unsigned flags, unsigned long mask);
/* 1 when an ACE naming |sid| with this type, flags and mask is the
 * backend's to list and take out: any ACE of one of cordon's capability
 * SIDs, and an ACE of a registered tier SID (the sandbox group) unless it
 * is of setup's read grants' shape. Each remover so takes out only what
 * it added, though both name the same group on the same path. */
int cordon__win_ace_is_cordons(const char *sid, int type, unsigned flags, unsigned long mask);

/* How each stdio slot is connected, from whether the caller's handle in
 * that slot is a console (|is_console|[i]). A console handle is never
 * given to the command: with it, WriteConsoleInput would queue keystrokes
 * that the user's shell runs after the command, unsandboxed. */
void cordon__win_stdio_plan(const int is_console[3], enum cordon__win_stdio out[3]);

/* SHA-256 and HMAC-SHA-256 (core/sha256.c). */
void cordon__sha256(const void *data, size_t len, unsigned char out[32]);
void cordon__hmac_sha256(const unsigned char *key, size_t key_len, const void *data,
                         size_t len, unsigned char out[32]);

/* The capability SID for |purpose| ("root", "tmp") and |name| (a canonical
 * path, compared case-insensitively, or a run id) under |secret|. Writes
 * CORDON__WIN_SID_PREFIX + six decimal sub-authorities into |out|. */
void cordon__win_derive_sid(const unsigned char *secret, size_t secret_len, const char *purpose,
                            const char *name, char out[CORDON__WIN_SID_MAX]);
/* 1 when |sid| is one of cordon's SIDs: the prefix and exactly six
 * decimal sub-authorities (or the earlier capability form). */
int cordon__win_is_cordon_sid(const char *sid);
/* The same, or one of the tier SIDs registered as cordon's
 * (cordon__win_tier_sid_register, core/elevated_windows_run.h): what the
 * ACE predicates of grants list/revoke and the original DACLs use. */
int cordon__win_is_cordon_ace_sid(const char *sid);

/* One argument quoted so that CommandLineToArgvW (and the MS C runtime)
 * gives it back unchanged: appended to |b|. */
void cordon__win_quote_arg(struct cordon__buf *b, const char *arg);
/* The command line for |argv| (CommandLineToArgvW rules). argv[0] follows
 * the program-name rule: quoted as a whole, never escaped, so it may not
 * contain '"'. Returns a caller-owned string, or NULL with the error set
 * (CORDON_ERR_INVALID_ARGUMENT, CORDON_ERR_NO_MEMORY). */
char *cordon__win_cmdline(const char *const *argv);
/* The command line that runs the batch file |script| with argv[1..] through
 * cmd.exe ("cmd.exe /e:on /v:off /d /s /c "..."") such that cmd's
 * metacharacters and %VAR% expansion in the arguments stay literal.
 * Arguments with a line break cannot be passed to a batch file and are
 * refused (CORDON_ERR_INVALID_ARGUMENT). |cmd_exe| is the interpreter's path. */
char *cordon__win_cmdline_batch(const char *cmd_exe, const char *script, const char *const *argv);
/* Splits a command line as CommandLineToArgvW does (for tests and for
 * checks on what a child will see). */
cordon_error cordon__win_split_cmdline(const char *cmdline, struct cordon__strv *out);

/* Orders "NAME=VALUE" strings as Windows expects an environment block:
 * by name, case-insensitively (upper-cased), entries whose name starts
 * with '=' first; values "/dev/null" become "NUL". In place. */
cordon_error cordon__win_env_block_order(struct cordon__strv *env);

#endif
