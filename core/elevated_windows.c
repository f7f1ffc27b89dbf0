/* The Windows elevated tier's decisions (core/elevated_windows.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elevated_windows.h"
#include "elevated_windows_run.h"
#include "elevated_windows_grants.h"

/* ---- security descriptors -------------------------------------------------- */

char *cordon__win_marker_sddl(const char *sandbox_group_sid, const char *const *user_sids,
                              size_t n_users)
{
    struct cordon__buf b = {0};
    size_t i;
    /* FA: full control; FR: generic read. Owner Administrators. */
    cordon__buf_printf(&b, "O:BAG:SYD:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FR;;;%s)", sandbox_group_sid);
    for (i = 0; i < n_users; i++)
        cordon__buf_printf(&b, "(A;;FR;;;%s)", user_sids[i]);
    return cordon__buf_take(&b);
}

char *cordon__win_cred_dir_sddl(const char *sandbox_group_sid, const char *user_sid)
{
    /* 0x1301bf: FILE_GENERIC_READ | FILE_GENERIC_WRITE | FILE_GENERIC_EXECUTE
     * | DELETE ("modify"), without WRITE_DAC and WRITE_OWNER, so the user
     * cannot open the directory to anyone else by mistake. */
    return cordon__asprintf("O:BAG:SYD:P(D;OICI;FA;;;%s)(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"
                            "(A;OICI;0x1301bf;;;%s)",
                            sandbox_group_sid, user_sid);
}

char *cordon__win_cred_entropy(const char *account)
{
    return cordon__asprintf("cordon-sandbox-credential:%s", account);
}

/* ---- passwords ------------------------------------------------------------ */

struct draw {
    const unsigned char *p;
    size_t n, at;
};

/* A uniform value in [0, k) from the bytes, by rejection; -1 when out. */
static int uniform(struct draw *d, unsigned k)
{
    unsigned limit = 256 - 256 % k;
    while (d->at < d->n) {
        unsigned b = d->p[d->at++];
        if (b < limit)
            return (int)(b % k);
    }
    return -1;
}

int cordon__win_password(const unsigned char *rnd, size_t n, char out[CORDON__WIN_PASSWORD_LEN + 1])
{
    static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static const char lower[] = "abcdefghijklmnopqrstuvwxyz";
    static const char digit[] = "0123456789";
    static const char symbol[] = "-_";
    static const char all[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const char *cls[4] = {upper, lower, digit, symbol};
    struct draw d = {rnd, n, 0};
    int i, v;

    memset(out, 0, CORDON__WIN_PASSWORD_LEN + 1);
    /* One of each class first, then the rest from the whole alphabet, then
     * a Fisher-Yates shuffle so the forced ones sit anywhere. */
    for (i = 0; i < CORDON__WIN_PASSWORD_LEN; i++) {
        const char *a = i < 4 ? cls[i] : all;
        if ((v = uniform(&d, (unsigned)strlen(a))) < 0)
            goto out_of_bytes;
        out[i] = a[v];
    }
    for (i = CORDON__WIN_PASSWORD_LEN - 1; i > 0; i--) {
        char t;
        if ((v = uniform(&d, (unsigned)i + 1)) < 0)
            goto out_of_bytes;
        t = out[i];
        out[i] = out[v];
        out[v] = t;
    }
    return 0;
out_of_bytes:
    memset(out, 0, CORDON__WIN_PASSWORD_LEN + 1);
    return -1;
}

/* ---- addresses ------------------------------------------------------------ */

struct range {
    int fam;                 /* 4 or 6 */
    unsigned char lo[16], hi[16];
};

static int parse_v4(const char *s, size_t len, unsigned char out[16])
{
    size_t i = 0;
    int part;
    memset(out, 0, 16);
    for (part = 0; part < 4; part++) {
        unsigned v = 0;
        size_t digits = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(s[i++] - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255)
            return -1;
        out[part] = (unsigned char)v;
        if (part < 3) {
            if (i >= len || s[i] != '.')
                return -1;
            i++;
        }
    }
    return i == len ? 0 : -1;
}

static int parse_v6(const char *s, size_t len, unsigned char out[16])
{
    unsigned groups[8];
    int n = 0, gap = -1;
    size_t i = 0;
    memset(out, 0, 16);
    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (len && s[0] == ':') {
        return -1;
    }
    while (i < len) {
        unsigned v = 0;
        size_t digits = 0;
        while (i < len && cordon__hexval(s[i]) >= 0 && digits < 5) {
            v = v * 16 + (unsigned)cordon__hexval(s[i++]);
            digits++;
        }
        if (digits == 0 || digits > 4 || n == 8)
            return -1;
        groups[n++] = v;
        if (i == len)
            break;
        if (s[i] != ':')
            return -1;
        i++;
        if (i < len && s[i] == ':') {
            if (gap >= 0)
                return -1;
            gap = n;
            i++;
        } else if (i == len) {
            return -1; /* a trailing single ':' */
        }
    }
    if (gap < 0 && n != 8)
        return -1;
    if (gap >= 0 && n > 7)
        return -1;
    {
        int k, pos = 0;
        for (k = 0; k < n; k++) {
            if (k == gap)
                pos += 8 - n;
            out[2 * pos] = (unsigned char)(groups[k] >> 8);
            out[2 * pos + 1] = (unsigned char)(groups[k] & 0xff);
            pos++;
        }
    }
    return 0;
}

static int parse_addr(const char *s, size_t len, int *fam, unsigned char out[16])
{
    if (memchr(s, ':', len)) {
        *fam = 6;
        return parse_v6(s, len, out);
    }
    *fam = 4;
    return parse_v4(s, len, out);
}

/* lo/hi of the subnet |addr|/|bits|. */
static void subnet(const unsigned char addr[16], int bytes, int bits, unsigned char lo[16],
                   unsigned char hi[16])
{
    int i;
    memset(lo, 0, 16);
    memset(hi, 0, 16);
    for (i = 0; i < bytes; i++) {
        int keep = bits >= (i + 1) * 8 ? 8 : bits <= i * 8 ? 0 : bits - i * 8;
        unsigned char mask = (unsigned char)(keep ? 0xff << (8 - keep) : 0);
        lo[i] = addr[i] & mask;
        hi[i] = (unsigned char)(addr[i] | (unsigned char)~mask);
    }
}

static int prefix_of_mask(const unsigned char m[16])
{
    int bits = 0, i, b, seen_zero = 0;
    for (i = 0; i < 4; i++)
        for (b = 7; b >= 0; b--) {
            if (m[i] >> b & 1) {
                if (seen_zero)
                    return -1;
                bits++;
            } else {
                seen_zero = 1;
            }
        }
    return bits;
}

/* One token into a range; -1 when it is not an address, range or subnet. */
static int parse_token(const char *s, size_t len, struct range *r)
{
    const char *dash = memchr(s, '-', len), *slash = memchr(s, '/', len);
    unsigned char a[16], b[16];
    int fa, fb;
    if (len == 0)
        return -1;
    if (dash) {
        if (parse_addr(s, (size_t)(dash - s), &fa, a) ||
            parse_addr(dash + 1, len - (size_t)(dash - s) - 1, &fb, b) || fa != fb ||
            memcmp(a, b, 16) > 0)
            return -1;
        r->fam = fa;
        memcpy(r->lo, a, 16);
        memcpy(r->hi, b, 16);
        return 0;
    }
    if (slash) {
        const char *p = slash + 1;
        size_t plen = len - (size_t)(slash - s) - 1;
        int bits = -1;
        if (parse_addr(s, (size_t)(slash - s), &fa, a))
            return -1;
        if (plen && plen <= 3 && strspn(p, "0123456789") >= plen) {
            char num[4];
            memcpy(num, p, plen);
            num[plen] = '\0';
            bits = atoi(num);
        } else if (fa == 4 && parse_v4(p, plen, b) == 0) {
            bits = prefix_of_mask(b);
        }
        if (bits < 0 || bits > (fa == 4 ? 32 : 128))
            return -1;
        r->fam = fa;
        subnet(a, fa == 4 ? 4 : 16, bits, r->lo, r->hi);
        return 0;
    }
    if (parse_addr(s, len, &fa, a))
        return -1;
    r->fam = fa;
    memcpy(r->lo, a, 16);
    memcpy(r->hi, a, 16);
    return 0;
}

static int range_cmp(const void *x, const void *y)
{
    const struct range *a = x, *b = y;
    if (a->fam != b->fam)
        return a->fam - b->fam;
    return memcmp(a->lo, b->lo, 16);
}

/* hi + 1 >= lo of the next (adjacent or overlapping); |bytes| significant. */
static int touches(const unsigned char hi[16], const unsigned char lo[16], int bytes)
{
    unsigned char next[16];
    int i, carry = 1;
    memcpy(next, hi, 16);
    for (i = bytes - 1; i >= 0 && carry; i--) {
        next[i] = (unsigned char)(next[i] + 1);
        carry = next[i] == 0;
    }
    if (carry)
        return 1; /* hi was the top address */
    return memcmp(next, lo, 16) >= 0;
}

#define MAX_RANGES 64

/* The address list as sorted, merged ranges; -1 when it does not parse. */
static int parse_list(const char *text, struct range *out, size_t *n)
{
    size_t count = 0, i, k;
    const char *p = text;
    *n = 0;
    if (strcmp(text, "*") == 0) {
        memset(out, 0, 2 * sizeof *out);
        out[0].fam = 4;
        memset(out[0].hi, 0xff, 4);
        out[1].fam = 6;
        memset(out[1].hi, 0xff, 16);
        *n = 2;
        return 0;
    }
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (count == MAX_RANGES || parse_token(p, len, &out[count]) != 0)
            return -1;
        count++;
        p += len;
        if (*p == ',' && !*++p)
            return -1;
    }
    if (count == 0)
        return -1;
    qsort(out, count, sizeof *out, range_cmp);
    for (i = 1, k = 0; i < count; i++) {
        if (out[i].fam == out[k].fam && touches(out[k].hi, out[i].lo, out[k].fam == 4 ? 4 : 16)) {
            if (memcmp(out[i].hi, out[k].hi, 16) > 0)
                memcpy(out[k].hi, out[i].hi, 16);
        } else {
            out[++k] = out[i];
        }
    }
    *n = k + 1;
    return 0;
}

int cordon__win_fw_addresses_valid(const char *text)
{
    struct range r[MAX_RANGES];
    size_t n;
    return parse_list(text, r, &n) == 0;
}

static int same_addresses(const char *a, const char *b)
{
    struct range ra[MAX_RANGES], rb[MAX_RANGES];
    size_t na, nb;
    if (parse_list(a, ra, &na) || parse_list(b, rb, &nb) || na != nb)
        return 0;
    return memcmp(ra, rb, na * sizeof *ra) == 0;
}

/* ---- the rules ------------------------------------------------------------- */

/* Every address but the host's loopback (127.0.0.0/8 and ::1), and ::,
 * which nothing can be sent to. */
#define NOT_LOOPBACK                                                                          \
    "0.0.0.0-126.255.255.255,128.0.0.0-255.255.255.255,::2-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
#define LOOPBACK "127.0.0.0-127.255.255.255,::1"

static int port_cmp(const void *x, const void *y)
{
    unsigned a = *(const unsigned *)x, b = *(const unsigned *)y;
    return a < b ? -1 : a > b;
}

/* Every port 1-65535 but |ports|, as ranges ("*" when none is allowed). */
static void blocked_ports(const unsigned *ports, size_t n, char *out, size_t size)
{
    unsigned sorted[CORDON__MARKER_MAX_PORTS];
    unsigned from = 1;
    size_t i, used = 0;
    if (n == 0) {
        snprintf(out, size, "*");
        return;
    }
    if (n > CORDON__MARKER_MAX_PORTS)
        n = CORDON__MARKER_MAX_PORTS;
    memcpy(sorted, ports, n * sizeof *ports);
    qsort(sorted, n, sizeof *sorted, port_cmp);
    out[0] = '\0';
    for (i = 0; i <= n; i++) {
        unsigned to = i < n ? sorted[i] : 65536; /* exclusive */
        int w = 0;
        if (i < n && i > 0 && sorted[i] == sorted[i - 1])
            continue;
        if (to > from)
            w = to - 1 == from ? snprintf(out + used, size - used, "%s%u", used ? "," : "", from)
                               : snprintf(out + used, size - used, "%s%u-%u", used ? "," : "",
                                          from, to - 1);
        if (w > 0 && (size_t)w < size - used)
            used += (size_t)w;
        from = to + 1;
    }
}

static void rule(struct cordon__win_fw_rule *r, const char *name, const char *what, int dir,
                 int proto, const char *addresses, const char *ports, const char *offline_sid)
{
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "cordon: %s " CORDON__WIN_OFFLINE_USER, name);
    snprintf(r->description, sizeof r->description,
             "Blocks %s for " CORDON__WIN_OFFLINE_USER " (cordon-setup; removed by "
             "cordon-setup uninstall)",
             what);
    snprintf(r->grouping, sizeof r->grouping, CORDON__WIN_FW_GROUPING);
    r->direction = dir;
    r->action = CORDON__FW_ACTION_BLOCK;
    r->protocol = proto;
    r->enabled = 1;
    r->profiles = CORDON__FW_PROFILES_ALL;
    snprintf(r->interface_types, sizeof r->interface_types, "All");
    snprintf(r->remote_addresses, sizeof r->remote_addresses, "%s", addresses);
    snprintf(r->remote_ports, sizeof r->remote_ports, "%s", ports);
    snprintf(r->local_users, sizeof r->local_users, "O:LSD:(A;;CC;;;%s)", offline_sid);
}

size_t cordon__win_fw_rules(const char *offline_sid, const unsigned *ports, size_t n_ports,
                            struct cordon__win_fw_rule out[CORDON__FW_MAX_RULES])
{
    char blocked[1024];
    blocked_ports(ports, n_ports, blocked, sizeof blocked);
    rule(&out[0], "block outbound", "every protocol to every address but loopback",
         CORDON__FW_DIR_OUT, CORDON__FW_PROTO_ANY, NOT_LOOPBACK, "", offline_sid);
    rule(&out[1], "block inbound", "every protocol from every address but loopback",
         CORDON__FW_DIR_IN, CORDON__FW_PROTO_ANY, NOT_LOOPBACK, "", offline_sid);
    rule(&out[2], "block loopback TCP", "TCP to loopback but the allowed ports",
         CORDON__FW_DIR_OUT, CORDON__FW_PROTO_TCP, LOOPBACK, blocked, offline_sid);
    rule(&out[3], "block loopback UDP", "UDP to loopback but the allowed ports",
         CORDON__FW_DIR_OUT, CORDON__FW_PROTO_UDP, LOOPBACK, blocked, offline_sid);
    return 4;
}

char *cordon__win_fw_rules_text(const struct cordon__win_fw_rule *r, size_t n)
{
    struct cordon__buf b = {0};
    size_t i;
    for (i = 0; i < n; i++)
        cordon__buf_printf(&b, "%s\t%d\t%d\t%d\t%d\t%ld\t%s\t%s\t%s\t%s\t%s\n", r[i].name,
                           r[i].direction, r[i].action, r[i].protocol, r[i].enabled,
                           r[i].profiles, r[i].interface_types, r[i].remote_addresses,
                           r[i].remote_ports, r[i].local_users, r[i].grouping);
    return cordon__buf_take(&b);
}

void cordon__win_fw_rules_sha256(const struct cordon__win_fw_rule *r, size_t n, char out[65])
{
    char *text = cordon__win_fw_rules_text(r, n);
    unsigned char d[32];
    int i;
    out[0] = '\0';
    if (!text)
        return;
    cordon__sha256(text, strlen(text), d);
    for (i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    free(text);
}

/* |s| without spaces, for the port lists. */
static void squeeze(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; *s && k + 1 < n; s++)
        if (*s != ' ')
            out[k++] = *s;
    out[k] = '\0';
}

static const char *dir_name(int d)
{
    return d == CORDON__FW_DIR_IN ? "inbound" : d == CORDON__FW_DIR_OUT ? "outbound" : "unknown";
}

int cordon__win_fw_rule_diff(const struct cordon__win_fw_rule *want,
                             const struct cordon__win_fw_rule *got, char *why, size_t n)
{
    char a[1024], b[1024];
    if (got->direction != want->direction) {
        snprintf(why, n, "is %s, not %s", dir_name(got->direction), dir_name(want->direction));
        return -1;
    }
    if (got->action != want->action) {
        snprintf(why, n, "does not block (action %d)", got->action);
        return -1;
    }
    if (!got->enabled) {
        snprintf(why, n, "is disabled");
        return -1;
    }
    if (got->protocol != want->protocol) {
        snprintf(why, n, "has protocol %d, not %d", got->protocol, want->protocol);
        return -1;
    }
    if ((got->profiles & CORDON__FW_PROFILES_ALL) != CORDON__FW_PROFILES_ALL) {
        snprintf(why, n, "applies to profiles 0x%lx, not to all of domain, private and public",
                 (unsigned long)got->profiles);
        return -1;
    }
    if (!cordon__streq_nocase(got->interface_types, want->interface_types)) {
        snprintf(why, n, "applies to interfaces \"%.40s\", not \"%s\"", got->interface_types,
                 want->interface_types);
        return -1;
    }
    if (!cordon__streq_nocase(got->local_users, want->local_users)) {
        snprintf(why, n, "is scoped to \"%.100s\", not \"%.100s\"", got->local_users,
                 want->local_users);
        return -1;
    }
    if (!same_addresses(got->remote_addresses, want->remote_addresses)) {
        snprintf(why, n, "covers remote addresses \"%.120s\", not \"%.120s\"",
                 got->remote_addresses, want->remote_addresses);
        return -1;
    }
    squeeze(got->remote_ports, a, sizeof a);
    squeeze(want->remote_ports, b, sizeof b);
    if ((want->protocol == CORDON__FW_PROTO_TCP || want->protocol == CORDON__FW_PROTO_UDP) &&
        !cordon__streq_nocase(a, b)) {
        snprintf(why, n, "covers remote ports \"%.100s\", not \"%.100s\"", a, b);
        return -1;
    }
    if (strcmp(got->grouping, want->grouping) != 0) {
        snprintf(why, n, "is in group \"%.30s\", not \"%s\"", got->grouping, want->grouping);
        return -1;
    }
    return 0;
}

/* ---- only administrators can change it ----------------------------------- */

#define WRITE_CLASS                                                                           \
    (0x0002ul /* FILE_WRITE_DATA, FILE_ADD_FILE */ | 0x0004ul /* APPEND, ADD_SUBDIRECTORY */ | \
     0x0010ul /* FILE_WRITE_EA */ | 0x0040ul /* FILE_DELETE_CHILD */ |                         \
     0x0100ul /* FILE_WRITE_ATTRIBUTES */ | 0x10000ul /* DELETE */ |                           \
     0x40000ul /* WRITE_DAC */ | 0x80000ul /* WRITE_OWNER */ | 0x10000000ul /* GENERIC_ALL */ | \
     0x40000000ul /* GENERIC_WRITE */)

static int is_admin_sid(const char *sid)
{
    return strcmp(sid, CORDON__SID_SYSTEM) == 0 || strcmp(sid, CORDON__SID_ADMINS) == 0 ||
           strcmp(sid, CORDON__SID_TRUSTED_INSTALLER) == 0;
}

int cordon__win_admin_only(const char *owner_sid, int dacl_present, const struct cordon__win_dacl_ace *aces,
                           size_t n, int is_dir, char *why, size_t n_why)
{
    size_t i;
    (void)is_dir; /* the same bits: for a directory they add and delete children */
    if (!owner_sid || !is_admin_sid(owner_sid)) {
        snprintf(why, n_why, "is owned by %s, not by SYSTEM or Administrators (the owner may "
                 "always change its permissions)",
                 owner_sid && owner_sid[0] ? owner_sid : "nobody known");
        return 0;
    }
    if (!dacl_present) {
        snprintf(why, n_why, "has no DACL (everyone may change it)");
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (aces[i].type != CORDON__ACE_ALLOW || aces[i].inherit_only)
            continue;
        if ((aces[i].mask & WRITE_CLASS) && !is_admin_sid(aces[i].sid)) {
            snprintf(why, n_why, "lets %s change it (access mask 0x%08lx)", aces[i].sid,
                     aces[i].mask);
            return 0;
        }
    }
    return 1;
}

/* ---- the install steps ------------------------------------------------------ */

const struct cordon__win_setup_step cordon__win_setup_steps[] = {
    {"elevation", "administrator rights",
     "the token is elevated and holds Administrators (CheckTokenMembership)",
     "relaunches itself once with ShellExecuteExW verb runas (error 1223: cancelled at the UAC "
     "prompt)",
     "-"},
    {"users", "allowed users",
     "each --user (default: the user who started setup) resolves to a user SID "
     "(LookupAccountNameW)",
     "nothing", "-"},
    {"sandbox-group", "group " CORDON__WIN_SANDBOX_GROUP,
     "NetLocalGroupGetInfo", "NetLocalGroupAdd", "NetLocalGroupDel"},
    {"offline-user", "user " CORDON__WIN_OFFLINE_USER,
     "NetUserGetInfo: present with USER_PRIV_USER and UF_SCRIPT | UF_DONT_EXPIRE_PASSWD | "
     "UF_PASSWD_CANT_CHANGE, not disabled",
     "NetUserAdd level 1 with a new BCryptGenRandom password; an existing account gets a new "
     "password (NetUserSetInfo 1003) and the flags (1008)",
     "NetUserDel, then its profile (DeleteProfileW)"},
    {"online-user", "user " CORDON__WIN_ONLINE_USER, "as offline-user", "as offline-user",
     "as offline-user"},
    {"sandbox-members", "both users in " CORDON__WIN_SANDBOX_GROUP, "NetLocalGroupGetMembers",
     "NetLocalGroupAddMembers (by SID)", "goes with the group"},
    {"hidden", "hidden from the logon screen",
     "HKLM\\" CORDON__WIN_HIDE_KEY " has a DWORD 0 per sandbox user",
     "RegCreateKeyExW, RegSetValueExW", "RegDeleteValueW"},
    {"users-group", "group " CORDON__WIN_USERS_GROUP " with the allowed users",
     "NetLocalGroupGetInfo, NetLocalGroupGetMembers", "NetLocalGroupAdd, NetLocalGroupAddMembers",
     "NetLocalGroupDel"},
    {"credentials", "credentials for each allowed user",
     "%ProgramData%\\cordon\\credentials\\<user SID> has setup's DACL",
     "the directory with its protected DACL; each password DPAPI-protected "
     "(CryptProtectData) into <account>.dpapi",
     "the directories and files"},
    {"runner", "the runner",
     "%ProgramFiles%\\cordon\\cordon-runner.exe has the hash of the runner beside setup and "
     "only administrators can change it or its directory",
     "copied through a temporary file and MoveFileExW, then read back and hashed",
     "the file and its directory"},
    {"refresh-task", "refresh task",
     "the task \\cordon\\refresh-credentials (ITaskService, IRegisteredTask read back): SYSTEM "
     "as a service account, one action running %ProgramFiles%\\cordon\\cordon-setup.exe "
     "refresh-credentials --from-task, no trigger, a security descriptor letting only the allowed "
     "users read and run it; the copy of cordon-setup.exe changeable by administrators alone",
     "cordon-setup.exe copied beside the runner; the folder \\cordon (ITaskFolder::CreateFolder) "
     "and the task (ITaskFolder::RegisterTaskDefinition with its SDDL), then read back",
     "ITaskFolder::DeleteTask, then the folder when empty (ITaskFolder::DeleteFolder)"},
    {"firewall-policy", "firewall policy",
     "INetFwPolicy2: FirewallEnabled for the domain, private and public profiles, "
     "LocalPolicyModifyState not NET_FW_MODIFY_STATE_GP_OVERRIDE",
     "nothing: a firewall that is off or overridden by Group Policy fails the install", "-"},
    {"firewall-rules", "firewall rules",
     "each rule of core's set by name (INetFwRules::Item), compared field by field",
     "a missing or different rule is removed and added again (INetFwRule3, "
     "LocalUserAuthorizedList scoped to the offline SID), then read back",
     "INetFwRules::Remove of each rule by name"},
    {"wfp-filters", "WFP filters",
     "each filter of cordon__win_wfp_filters under cordon's key (FwpmFilterGetByKey0): the ALE "
     "connect layer (v4 or v6), cordon's sublayer, block, persistent, a user condition naming the "
     "offline SID, the protocol and the remote port",
     "cordon's persistent sublayer (FwpmSubLayerAdd0), each filter deleted and added again "
     "(FwpmFilterAdd0) in one transaction, then read back; where the Base Filtering Engine cannot "
     "be opened (Wine) the step says not available and changes nothing",
     "FwpmFilterDeleteByKey0 of each of cordon's keys, then FwpmSubLayerDeleteByKey0"},
    {"read-grants", "read grants",
     "every recorded grant is on its path (an explicit allow ACE of " CORDON__WIN_SANDBOX_GROUP
     "), or the background grants still run (their progress); the records agree with the count "
     "and hash kept beside them",
     "each allowed user's profile, entry by entry (cordon__win_read_grant): list-only on the "
     "profile and on directories above a secret, read and execute inherited elsewhere, nothing on "
     "secrets, %TEMP%, links and files with more than one name (hard links); then the tools' "
     "directories on the machine's PATH and on each logged-on allowed user's PATH outside the "
     "profiles (cordon__win_tool_grant): read and execute inherited where a logon cannot read "
     "them already, refused with the reason for a drive root, the Windows directory, another "
     "user's profile, a temporary directory, a link, a directory on a user's PATH that user "
     "cannot read, or a tree holding a file with another name "
     "(workspace roots get the backend's write grants, which include read, at prepare); earlier "
     "records "
     "decided again (setup's ACE taken out where the decision changed); each path's DACL "
     "recorded in %ProgramData%\\cordon\\read-grants first, then applied by cordon-setup "
     "read-grants-worker in the background under a named mutex, which walks below each tree "
     "first and splits it when a file below has another name",
     "waits for the background grants, then takes setup's own ACEs (the group's SID with setup's "
     "mask and flags) out of every recorded path, putting the recorded DACL back exactly when "
     "nothing else changed since"},
    {"marker", "the marker",
     "%ProgramData%\\cordon\\setup.json parses and equals what this install records",
     "written last, through a temporary file with its protected DACL and MoveFileExW",
     "deleted first, so the tier stops being chosen before anything it relies on goes"},
    {NULL, NULL, NULL, NULL, NULL},
};

size_t cordon__win_setup_step_count(void)
{
    size_t n = 0;
    while (cordon__win_setup_steps[n].id)
        n++;
    return n;
}

/* ---- readiness ------------------------------------------------------------ */

#define FIX "an administrator re-runs cordon-setup install"


static int cred_check(struct cordon__probe *out, const char *account, const char *caller,
                      const struct cordon__win_cred_fact *c)
{
    if (!c->found) {
        cordon__probe_not_ready(out, "no stored credentials of %s for %s (%s with --user %s)", account,
                  caller, FIX, caller);
        return -1;
    }
    if (!c->decrypts) {
        cordon__probe_not_ready(out, "the stored credentials of %s cannot be decrypted by %s: %s (run "
                  "cordon-setup refresh-credentials)",
                  account, caller, c->error[0] ? c->error : "no reason given");
        return -1;
    }
    return 0;
}

static void set(struct cordon__probe *out, cordon_dimension d, cordon_level l, const char *why)
{
    out->level[d] = l;
    snprintf(out->reason[d], CORDON_REASON_MAX, "%s", why);
}

static void levels(const struct cordon__elevated_facts *f, const struct cordon__plan *plan,
                   struct cordon__probe *out)
{
    const struct cordon__marker *m = f->marker;
    const struct cordon__probe *tok = f->win->token;
    char ports[200] = "none";
    size_t i, used = 0;

    for (i = 0; i < m->n_loopback_ports && used < sizeof ports - 8; i++) {
        int k = snprintf(ports + used, sizeof ports - used, "%s%u", i ? "," : "",
                         m->loopback_ports[i]);
        if (k > 0)
            used += (size_t)k;
    }
    if (plan->network) {
        /* The online user: no rule names it, its traffic is not limited. */
        set(out, CORDON_DIM_NETWORK, CORDON_LEVEL_NONE,
            "the policy allows network: commands run as the online sandbox user, whose "
            "traffic no firewall rule limits");
    } else {
        out->level[CORDON_DIM_NETWORK] = CORDON_LEVEL_ENFORCED;
        snprintf(out->reason[CORDON_DIM_NETWORK], CORDON_REASON_MAX,
                 "runs as %s (%s); Windows Firewall rules scoped to that SID block every "
                 "protocol in and out, and TCP and UDP to the host's loopback (loopback ports "
                 "allowed: %s), in every profile; read back just now; DNS lookups through the "
                 "system resolver are made by the DNS Client service, not this user, so they "
                 "are not blocked",
                 m->offline.name, m->offline.id, ports);
    }
    if (tok) {
        out->level[CORDON_DIM_FS_WRITE] = tok->level[CORDON_DIM_FS_WRITE];
        snprintf(out->reason[CORDON_DIM_FS_WRITE], CORDON_REASON_MAX,
                 "the runner builds the unelevated tier's write-restricted token and confirms it "
                 "before the command starts%s%.380s",
                 tok->reason[CORDON_DIM_FS_WRITE][0] ? ": " : "", tok->reason[CORDON_DIM_FS_WRITE]);
        out->level[CORDON_DIM_PROTECTED_PATHS] = tok->level[CORDON_DIM_PROTECTED_PATHS];
        snprintf(out->reason[CORDON_DIM_PROTECTED_PATHS], CORDON_REASON_MAX,
                 "the runner builds the unelevated tier's write-restricted token and confirms it "
                 "before the command starts%s%.380s",
                 tok->reason[CORDON_DIM_PROTECTED_PATHS][0] ? ": " : "",
                 tok->reason[CORDON_DIM_PROTECTED_PATHS]);
    } else {
        set(out, CORDON_DIM_FS_WRITE, CORDON_LEVEL_NONE,
            "the restricted token the runner builds was not checked on this host");
        set(out, CORDON_DIM_PROTECTED_PATHS, CORDON_LEVEL_NONE,
            "the restricted token the runner builds was not checked on this host");
    }
    cordon__win_secrets_level(plan, f->win->secrets, out);
}

void cordon__win_elevated_readiness(const struct cordon__elevated_facts *f,
                                    const struct cordon__plan *plan, struct cordon__probe *out)
{
    static const char *const profile[3] = {"domain", "private", "public"};
    const struct cordon__marker *m = f->marker;
    const struct cordon__win_elevated_facts *w = f->win;
    const char *caller = f->caller_name[0] ? f->caller_name : "the caller";
    struct cordon__win_fw_rule want[CORDON__FW_MAX_RULES];
    size_t n_want, i;
    char sha[65], why[400];

    if (!w) {
        cordon__probe_not_ready(out, "the Windows facts were not gathered");
        return;
    }
    if (strcmp(m->rules_kind, "windows-firewall") != 0) {
        cordon__probe_not_ready(out, "the setup marker records %s rules, not windows-firewall (" FIX ")",
                  m->rules_kind);
        return;
    }
    if (w->cred_dir_error[0]) {
        cordon__probe_not_ready(out, "the credentials directory of %s %s (" FIX ")", caller, w->cred_dir_error);
        return;
    }
    if (cred_check(out, m->offline.name, caller, &w->offline_cred) ||
        cred_check(out, m->online.name, caller, &w->online_cred))
        return;
    /* The sandbox users are shared: every allowed user holds their
     * passwords and could log on as them outside cordon, with a token no
     * run restricts, and write (or, through setup's read grants, read)
     * what the sandbox group was granted for another allowed user. Until
     * each real user has sandbox accounts of its own, the tier serves one. */
    if (w->allowed_members != 1) {
        if (w->allowed_members == 0)
            cordon__probe_not_ready(out, "the members of group %s cannot be read", m->users_group.name);
        else
            cordon__probe_not_ready(out, "group %s has %lu members, and they would share the sandbox "
                                    "users (each holds their passwords, so one could write another's "
                                    "workspaces): this version serves one allowed user (an "
                                    "administrator keeps one member in %s)",
                                    m->users_group.name, w->allowed_members, m->users_group.name);
        return;
    }
    if (w->fw_error[0]) {
        cordon__probe_not_ready(out, "the Windows Firewall cannot be read: %s", w->fw_error);
        return;
    }
    for (i = 0; i < 3; i++) {
        if (!w->fw_enabled[i]) {
            cordon__probe_not_ready(out, "the Windows Firewall is off for the %s profile, so the rules of %s "
                      "do not hold there (an administrator turns it on)",
                      profile[i], m->offline.name);
            return;
        }
    }
    if (w->fw_modify_state == 1) {
        cordon__probe_not_ready(out, "Group Policy overrides local Windows Firewall rules here "
                  "(LocalPolicyModifyState is NET_FW_MODIFY_STATE_GP_OVERRIDE), so the rules "
                  "setup added are not in force (an administrator deploys them through Group "
                  "Policy or lets local rules merge)");
        return;
    }
    n_want = cordon__win_fw_rules(m->offline.id, m->loopback_ports, m->n_loopback_ports, want);
    cordon__win_fw_rules_sha256(want, n_want, sha);
    if (strcmp(sha, m->rules_sha256) != 0) {
        cordon__probe_not_ready(out, "the setup marker records firewall rules that this cordon does not make "
                  "(sha256 %.12s..., expected %.12s...) (" FIX ")",
                  m->rules_sha256, sha);
        return;
    }
    for (i = 0; i < n_want; i++) {
        if (i >= w->n_rules || !w->rule_found || !w->rule_found[i]) {
            cordon__probe_not_ready(out, "the Windows Firewall rule \"%s\" is missing (" FIX ")", want[i].name);
            return;
        }
        if (cordon__win_fw_rule_diff(&want[i], &w->rules[i], why, sizeof why) != 0) {
            cordon__probe_not_ready(out, "the Windows Firewall rule \"%s\" %s (" FIX ")", want[i].name, why);
            return;
        }
    }
    if (plan->mode == CORDON_MODE_WORKSPACE_WRITE && plan->roots.n && !f->roots_writable) {
        cordon__probe_not_ready(out, "%s", f->roots_error[0] ? f->roots_error
                                               : "the sandbox users cannot write the roots");
        return;
    }
    if (!w->launch_missing || w->launch_missing[0]) {
        cordon__probe_not_ready(out, "%s", w->launch_missing ? w->launch_missing
                                               : "the launch through the runner was not checked");
        return;
    }
    out->ready = 1;
    levels(f, plan, out);
}

/* ---- the runner request ------------------------------------------------------ */

cordon_error cordon__win_runner_request(const struct cordon__plan *plan, const char *const *argv,
                                        const char *const *envp, const char *cwd,
                                        struct cordon__ipc_spawn *out)
{
    size_t i;
    cordon_error e = CORDON_OK;
    memset(out, 0, sizeof *out);
    if (!argv || !argv[0] || !cwd)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "the runner request needs argv and cwd");
    out->flags = (plan->network ? CORDON__IPC_SPAWN_NETWORK : 0) |
                 (plan->private_tmp ? CORDON__IPC_SPAWN_PRIVATE_TMP : 0);
    /* Across two users no handle of the caller's is passed: every stream
     * is relayed through the pipes, so the command never holds the
     * caller's console or files. */
    for (i = 0; i < 3; i++)
        out->stdio_mode[i] = CORDON__IPC_STDIO_RELAYED;
    out->cwd = cordon__strdup(cwd);
    out->tmp_dir = cordon__strdup(plan->private_tmp && plan->tmp_dir ? plan->tmp_dir : "");
    if (!out->cwd || !out->tmp_dir)
        e = CORDON_ERR_NO_MEMORY;
    for (i = 0; e == CORDON_OK && argv[i]; i++)
        e = cordon__strv_push(&out->argv, argv[i]);
    for (i = 0; e == CORDON_OK && envp && envp[i]; i++)
        e = cordon__strv_push(&out->env, envp[i]);
    for (i = 0; e == CORDON_OK && i < plan->roots.n; i++)
        e = cordon__strv_push(&out->roots, plan->roots.v[i]);
    for (i = 0; e == CORDON_OK && i < plan->n_protect; i++)
        e = cordon__strv_push(&out->protect, plan->protect[i].path);
    if (e != CORDON_OK) {
        struct cordon__ipc_msg m;
        memset(&m, 0, sizeof m);
        m.type = CORDON__IPC_SPAWN;
        m.spawn = *out;
        cordon__ipc_msg_free(&m);
        memset(out, 0, sizeof *out);
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory building the runner request");
    }
    return CORDON_OK;
}

/* ---- the launch: pipes and logon failures ---------------------------------- */

char *cordon__win_pipe_sddl(const char *caller_sid, const char *sandbox_sid)
{
    /* Protected; the real user full control (it made the pipe), the
     * sandbox user read and write only; nobody else, not even
     * administrators' processes of other sessions. */
    if (!sandbox_sid || strcmp(sandbox_sid, caller_sid) == 0)
        return cordon__asprintf("D:P(A;;FA;;;%s)", caller_sid);
    return cordon__asprintf("D:P(A;;FA;;;%s)(A;;FRFW;;;%s)", caller_sid, sandbox_sid);
}

static int other_sandbox(const char *caller_sid, const char *sid)
{
    return sid && sid[0] && strcmp(sid, caller_sid) != 0;
}

char *cordon__win_winsta_sddl(const char *caller_sid, const char *sandbox_sid,
                              const char *peer_sid)
{
    /* The logon SID is never named: CreateProcessWithLogonW adds the
     * runner's logon SID only to a station it is not told (a NULL
     * lpDesktop), and the command's token keeps that SID among its
     * restricting SIDs, so an ACE for it would pass both access checks. */
    struct cordon__buf b = {0};
    cordon__buf_printf(&b, "D:P(A;;0x%x;;;%s)(A;;0x%x;;;SY)", CORDON__WIN_WINSTA_ALL, caller_sid,
                       CORDON__WIN_WINSTA_ALL);
    if (other_sandbox(caller_sid, sandbox_sid))
        cordon__buf_printf(&b, "(A;;0x%x;;;%s)", CORDON__WIN_WINSTA_SANDBOX, sandbox_sid);
    if (other_sandbox(caller_sid, peer_sid) && !(sandbox_sid && strcmp(peer_sid, sandbox_sid) == 0))
        cordon__buf_printf(&b, "(A;;0x%x;;;%s)", CORDON__WIN_WINSTA_SANDBOX, peer_sid);
    return cordon__buf_take(&b);
}

char *cordon__win_runner_desktop_sddl(const char *caller_sid, const char *sandbox_sid)
{
    if (!other_sandbox(caller_sid, sandbox_sid))
        return cordon__asprintf("D:P(A;;0x%x;;;%s)(A;;0x%x;;;SY)", CORDON__WIN_DESKTOP_ALL,
                                caller_sid, CORDON__WIN_DESKTOP_ALL);
    return cordon__asprintf("D:P(A;;0x%x;;;%s)(A;;0x%x;;;SY)(A;;0x%x;;;%s)",
                            CORDON__WIN_DESKTOP_ALL, caller_sid, CORDON__WIN_DESKTOP_ALL,
                            CORDON__WIN_DESKTOP_RUNNER, sandbox_sid);
}

static const struct cordon__win_logon_error logon_errors[] = {
    {1326, "the stored password of the sandbox user is not its password (ERROR_LOGON_FAILURE)",
     "cordon runs cordon-setup refresh-credentials once; if that cannot run, an administrator "
     "runs cordon-setup refresh-credentials",
     1},
    {1907, "the sandbox user's password must be changed (ERROR_PASSWORD_MUST_CHANGE)",
     "an administrator runs cordon-setup refresh-credentials (setup sets the password never to "
     "expire; a policy changed it)",
     0},
    {1330, "the sandbox user's password has expired (ERROR_PASSWORD_EXPIRED)",
     "an administrator runs cordon-setup refresh-credentials", 0},
    {1909, "the sandbox user is locked out after wrong passwords (ERROR_ACCOUNT_LOCKED_OUT)",
     "wait for the lockout to end or have an administrator unlock the account, then run "
     "cordon-setup refresh-credentials",
     0},
    {1331, "the sandbox user is disabled (ERROR_ACCOUNT_DISABLED)",
     "an administrator re-runs cordon-setup install", 0},
    {1793, "the sandbox user has expired (ERROR_ACCOUNT_EXPIRED)",
     "an administrator re-runs cordon-setup install", 0},
    {1327, "a logon restriction refuses the sandbox user (ERROR_ACCOUNT_RESTRICTION: logon "
           "hours, workstations, or a blank password)",
     "an administrator lifts the restriction for the sandbox users", 0},
    {1385, "local policy refuses this logon type to the sandbox user "
           "(ERROR_LOGON_TYPE_NOT_GRANTED: User Rights Assignment, \"Deny log on locally\" or "
           "\"Allow log on locally\")",
     "an administrator lets CordonSandboxUsers log on locally (secpol.msc, Local Policies, User "
     "Rights Assignment), or the Group Policy that sets it",
     0},
    {1058, "the Secondary Logon service (seclogon), which CreateProcessWithLogonW needs, is "
           "disabled (ERROR_SERVICE_DISABLED)",
     "an administrator sets the Secondary Logon service's startup type to Manual", 0},
    {0, NULL, NULL, 0},
};

const struct cordon__win_logon_error *cordon__win_logon_error(unsigned long code)
{
    size_t i;
    for (i = 0; logon_errors[i].code; i++)
        if (logon_errors[i].code == code)
            return &logon_errors[i];
    return NULL;
}

/* ---- the elevated plan, for explain ---------------------------------------- */

#define OFFLINE_SID_MARK "<SID of " CORDON__WIN_OFFLINE_USER ", recorded by setup>"
#define ONLINE_SID_MARK "<SID of " CORDON__WIN_ONLINE_USER ", recorded by setup>"

void cordon__win_elevated_plan_json(const struct cordon__plan *plan, struct cordon__json *j)
{
    struct cordon__win_fw_rule rules[CORDON__FW_MAX_RULES];
    size_t n, i;
    char *s;
    static const char *const argv_mark[] = {"<the command>", NULL};

    cordon__json_begin_object(j);
    if (plan->mode == CORDON_MODE_FULL_ACCESS) {
        cordon__json_kbool(j, "applies", 0);
        cordon__json_kstr(j, "why", "the full-access policy runs unrestricted");
        cordon__json_end_object(j);
        return;
    }
    cordon__json_kbool(j, "applies", 1);
    cordon__json_key(j, "identity");
    cordon__json_begin_object(j);
    cordon__json_kstr(j, "user", plan->network ? CORDON__WIN_ONLINE_USER : CORDON__WIN_OFFLINE_USER);
    cordon__json_kstr(j, "sid", plan->network ? ONLINE_SID_MARK : OFFLINE_SID_MARK);
    cordon__json_kstr(j, "why", plan->network ? "the policy allows network access"
                                              : "network is off: the firewall rules name this user");
    cordon__json_end_object(j);
    cordon__json_key(j, "runner");
    cordon__json_begin_object(j);
    cordon__json_kstr(j, "path", "%ProgramFiles%\\" CORDON__WIN_RUNNER_DIR "\\" CORDON__WIN_RUNNER_NAME);
    cordon__json_kstr(j, "launch", "CreateProcessWithLogonW as the sandbox user, no profile load");
    s = cordon__win_pipe_sddl("<the caller's SID>",
                              plan->network ? ONLINE_SID_MARK : OFFLINE_SID_MARK);
    cordon__json_kstr(j, "pipes_dacl", s);
    free(s);
    s = cordon__win_winsta_sddl("<the caller's SID>", OFFLINE_SID_MARK, ONLINE_SID_MARK);
    cordon__json_kstr(j, "window_station",
                      "one of cordon's per run (never the caller's WinSta0), named in lpDesktop");
    cordon__json_kstr(j, "window_station_dacl", s);
    free(s);
    s = cordon__win_runner_desktop_sddl("<the caller's SID>",
                                        plan->network ? ONLINE_SID_MARK : OFFLINE_SID_MARK);
    cordon__json_kstr(j, "runner_desktop_dacl", s);
    free(s);
    cordon__json_end_object(j);
    {
        struct cordon__ipc_msg m;
        memset(&m, 0, sizeof m);
        m.type = CORDON__IPC_SPAWN;
        cordon__json_key(j, "runner_request");
        cordon__json_begin_object(j);
        if (cordon__win_runner_request(plan, argv_mark, NULL, plan->cwd ? plan->cwd : "<cwd>",
                                       &m.spawn) == CORDON_OK) {
            cordon__json_kbool(j, "network", (m.spawn.flags & CORDON__IPC_SPAWN_NETWORK) != 0);
            cordon__json_kbool(j, "private_tmp",
                               (m.spawn.flags & CORDON__IPC_SPAWN_PRIVATE_TMP) != 0);
            cordon__json_key(j, "stdio");
            cordon__json_begin_array(j);
            for (i = 0; i < 3; i++)
                cordon__json_string(j, "relayed");
            cordon__json_end_array(j);
            cordon__json_kstr(j, "cwd", m.spawn.cwd);
            cordon__json_key(j, "roots");
            cordon__json_strv(j, &m.spawn.roots);
            cordon__json_key(j, "protected");
            cordon__json_strv(j, &m.spawn.protect);
            cordon__json_kstr(j, "tmp_dir", m.spawn.tmp_dir);
            cordon__win_runner_sids_json(plan, &m.spawn, j);
        }
        cordon__json_end_object(j);
        cordon__ipc_msg_free(&m);
    }
    cordon__win_elevated_grants_json(plan, "<SID of " CORDON__WIN_SANDBOX_GROUP ", recorded by setup>",
                                     j);
    n = cordon__win_fw_rules(OFFLINE_SID_MARK, NULL, 0, rules);
    cordon__json_key(j, "firewall_rules");
    cordon__json_begin_array(j);
    for (i = 0; i < n; i++) {
        cordon__json_begin_object(j);
        cordon__json_kstr(j, "name", rules[i].name);
        cordon__json_kstr(j, "direction", rules[i].direction == CORDON__FW_DIR_IN ? "in" : "out");
        cordon__json_kstr(j, "action", "block");
        cordon__json_kstr(j, "protocol", rules[i].protocol == CORDON__FW_PROTO_TCP   ? "tcp"
                                         : rules[i].protocol == CORDON__FW_PROTO_UDP ? "udp"
                                                                                     : "any");
        cordon__json_kstr(j, "remote_addresses", rules[i].remote_addresses);
        cordon__json_kstr(j, "remote_ports", rules[i].remote_ports);
        cordon__json_kstr(j, "profiles", "domain,private,public");
        cordon__json_kstr(j, "local_users", rules[i].local_users);
        cordon__json_end_object(j);
    }
    cordon__json_end_array(j);
    cordon__json_key(j, "setup_steps");
    cordon__json_begin_array(j);
    for (i = 0; cordon__win_setup_steps[i].id; i++) {
        cordon__json_begin_object(j);
        cordon__json_kstr(j, "id", cordon__win_setup_steps[i].id);
        cordon__json_kstr(j, "check", cordon__win_setup_steps[i].check);
        cordon__json_kstr(j, "change", cordon__win_setup_steps[i].change);
        cordon__json_kstr(j, "undo", cordon__win_setup_steps[i].undo);
        cordon__json_end_object(j);
    }
    cordon__json_end_array(j);
    cordon__json_end_object(j);
}
