/* cordon-setup's WFP filters: the offline user's ICMP and direct DNS (TCP
 * and UDP to ports 53 and 853) blocked at the ALE connect layers, beside
 * the Windows Firewall rules (docs/internals/windows-elevated.md). The
 * filters are core's data (cordon__win_wfp_filters); this file adds,
 * reads back and deletes them through the Base Filtering Engine
 * (fwpuclnt), in a persistent sublayer of cordon's, each filter under a
 * fixed key so that uninstall finds exactly them.
 *
 * Why it is safe: the filters only block, only for the offline user's
 * SID, and only under cordon's own keys; nothing of anyone else's is
 * read or changed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <fwpmu.h>
#include <sddl.h>

#include "elevated_windows_grants.h"
#include "setup_win.h"
#include "win.h"

/* Documented values that mingw-w64's headers do not carry (fwpmu.h,
 * fwpmtypes.h of the Windows SDK). */
#ifndef FWPM_FILTER_FLAG_PERSISTENT
#define FWPM_FILTER_FLAG_PERSISTENT 0x00000001
#endif
#ifndef FWPM_SUBLAYER_FLAG_PERSISTENT
#define FWPM_SUBLAYER_FLAG_PERSISTENT 0x00000001
#endif
/* FWPM_LAYER_ALE_AUTH_CONNECT_V4 and _V6 */
static const GUID layer_v4 = {0xc38d57d1, 0x05a7, 0x4c33, {0x90, 0x4f, 0x7f, 0xbc, 0xee, 0xe6, 0x0e, 0x82}};
static const GUID layer_v6 = {0x4a72393b, 0x319f, 0x44bc, {0x84, 0xc3, 0xba, 0x54, 0xdc, 0xb3, 0xb6, 0xb4}};
/* FWPM_CONDITION_ALE_USER_ID, _IP_PROTOCOL, _IP_REMOTE_PORT */
static const GUID cond_user = {0xaf043a0a, 0xb34d, 0x4f86, {0x97, 0x9c, 0xc9, 0x03, 0x71, 0xaf, 0x6e, 0x66}};
static const GUID cond_proto = {0x3971ef2b, 0x623e, 0x4f9a, {0x8c, 0xb1, 0x6e, 0x79, 0xb8, 0x06, 0xb9, 0xa7}};
static const GUID cond_rport = {0xc35a604d, 0xd22b, 0x4e1a, {0x91, 0xb4, 0x68, 0xf6, 0x74, 0xee, 0x67, 0x4b}};
/* cordon's own keys: the sublayer, and the filters (the last byte is the
 * filter's index in core's list). */
static const GUID sublayer_key = {0x5d0c7a31, 0x8e4b, 0x4f6a, {0xb1, 0x2c, 0x63, 0x0e, 0x9a, 0x47, 0xd5, 0x10}};
#define FILTER_KEY_BASE {0x5d0c7a32, 0x8e4b, 0x4f6a, {0xb1, 0x2c, 0x63, 0x0e, 0x9a, 0x47, 0xd5, 0x00}}

#define FIX_RERUN "run cordon-setup install again as an administrator"

static GUID filter_key(unsigned index)
{
    GUID g = FILTER_KEY_BASE;
    g.Data4[7] = (unsigned char)index;
    return g;
}

#define say setup__say

/* The Base Filtering Engine, or NULL with *err (Wine has none). */
static HANDLE engine_open(DWORD *err)
{
    FWPM_SESSION0 session;
    HANDLE h = NULL;
    if (cordon__win_is_wine()) {
        *err = ERROR_NOT_SUPPORTED;
        return NULL;
    }
    memset(&session, 0, sizeof session); /* not dynamic: the filters outlive setup */
    *err = FwpmEngineOpen0(NULL, RPC_C_AUTHN_WINNT, NULL, &session, &h);
    return *err == ERROR_SUCCESS ? h : NULL;
}

/* The condition's security descriptor back in SDDL (owner and DACL). */
static char *blob_sddl(const FWP_BYTE_BLOB *b)
{
    wchar_t *w = NULL;
    char *out;
    if (!b || !b->data || !IsValidSecurityDescriptor((PSECURITY_DESCRIPTOR)b->data) ||
        !ConvertSecurityDescriptorToStringSecurityDescriptorW(
            (PSECURITY_DESCRIPTOR)b->data, SDDL_REVISION_1,
            OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &w, NULL))
        return NULL;
    out = cordon__win_utf8(w);
    LocalFree(w);
    return out;
}

/* 0 when the filter under |f|'s key is |f| for |want_sddl|; else -1 and
 * |why| (found 0: there is none). */
/* 0 when the filter under |f|'s key is |f| for |want_sddl|; -2 when it
 * cannot be read for want of rights (verify unelevated); else -1 and
 * |why| (found 0: there is none). */
static int check(HANDLE e, const struct cordon__win_wfp_filter *f, const char *want_sddl,
                 int *found, char *why, size_t n)
{
    GUID key = filter_key(f->index);
    FWPM_FILTER0 *got = NULL;
    DWORD err = FwpmFilterGetByKey0(e, &key, &got);
    UINT32 i, want_n = f->remote_port ? 3 : 2;
    int ok = 0, user = 0, proto = 0, port = !f->remote_port;
    *found = 0;
    if (err == (DWORD)FWP_E_FILTER_NOT_FOUND) {
        say(why, n, "the WFP filter \"%s\" is missing", f->name);
        return -1;
    }
    if (err != ERROR_SUCCESS || !got) {
        say(why, n, "the WFP filter \"%s\" cannot be read (FwpmFilterGetByKey0: error 0x%lx)",
            f->name, (unsigned long)err);
        return err == ERROR_ACCESS_DENIED ? -2 : -1;
    }
    *found = 1;
    if (!IsEqualGUID(&got->layerKey, f->v6 ? &layer_v6 : &layer_v4) ||
        !IsEqualGUID(&got->subLayerKey, &sublayer_key) || got->action.type != FWP_ACTION_BLOCK ||
        !(got->flags & FWPM_FILTER_FLAG_PERSISTENT) || got->numFilterConditions != want_n)
        goto done;
    for (i = 0; i < got->numFilterConditions; i++) {
        const FWPM_FILTER_CONDITION0 *c = &got->filterCondition[i];
        if (c->matchType != FWP_MATCH_EQUAL)
            goto done;
        if (IsEqualGUID(&c->fieldKey, &cond_user) &&
            c->conditionValue.type == FWP_SECURITY_DESCRIPTOR_TYPE) {
            char *s = blob_sddl(c->conditionValue.sd);
            user = s && strcmp(s, want_sddl) == 0;
            free(s);
        } else if (IsEqualGUID(&c->fieldKey, &cond_proto) && c->conditionValue.type == FWP_UINT8) {
            proto = c->conditionValue.uint8 == (UINT8)f->protocol;
        } else if (IsEqualGUID(&c->fieldKey, &cond_rport) && c->conditionValue.type == FWP_UINT16) {
            port = f->remote_port && c->conditionValue.uint16 == (UINT16)f->remote_port;
        }
    }
    ok = user && proto && port;
done:
    if (!ok)
        say(why, n, "the WFP filter \"%s\" is not the one setup makes (layer, sublayer, action, "
                    "flags or conditions differ)", f->name);
    FwpmFreeMemory0((void **)&got);
    return ok ? 0 : -1;
}

static DWORD add_sublayer(HANDLE e)
{
    FWPM_SUBLAYER0 s;
    DWORD err;
    memset(&s, 0, sizeof s);
    s.subLayerKey = sublayer_key;
    s.displayData.name = L"cordon";
    s.displayData.description = L"cordon: blocks for the sandbox users (cordon-setup)";
    s.flags = FWPM_SUBLAYER_FLAG_PERSISTENT;
    s.weight = 0x100;
    err = FwpmSubLayerAdd0(e, &s, NULL);
    return err == (DWORD)FWP_E_ALREADY_EXISTS ? ERROR_SUCCESS : err;
}

static DWORD add_filter(HANDLE e, const struct cordon__win_wfp_filter *f, PSECURITY_DESCRIPTOR sd)
{
    FWPM_FILTER0 flt;
    FWPM_FILTER_CONDITION0 c[3];
    FWP_BYTE_BLOB blob;
    wchar_t *name = cordon__win_wide(f->name);
    DWORD err;
    GUID key = filter_key(f->index);
    if (!name)
        return ERROR_NOT_ENOUGH_MEMORY;
    err = FwpmFilterDeleteByKey0(e, &key); /* replaced when it differs */
    (void)err;
    memset(&flt, 0, sizeof flt);
    memset(c, 0, sizeof c);
    blob.size = GetSecurityDescriptorLength(sd);
    blob.data = (UINT8 *)sd;
    c[0].fieldKey = cond_user;
    c[0].matchType = FWP_MATCH_EQUAL;
    c[0].conditionValue.type = FWP_SECURITY_DESCRIPTOR_TYPE;
    c[0].conditionValue.sd = &blob;
    c[1].fieldKey = cond_proto;
    c[1].matchType = FWP_MATCH_EQUAL;
    c[1].conditionValue.type = FWP_UINT8;
    c[1].conditionValue.uint8 = (UINT8)f->protocol;
    c[2].fieldKey = cond_rport;
    c[2].matchType = FWP_MATCH_EQUAL;
    c[2].conditionValue.type = FWP_UINT16;
    c[2].conditionValue.uint16 = (UINT16)f->remote_port;
    flt.filterKey = key;
    flt.displayData.name = name;
    flt.displayData.description = L"cordon: blocks the offline sandbox user (cordon-setup)";
    flt.flags = FWPM_FILTER_FLAG_PERSISTENT;
    flt.layerKey = f->v6 ? layer_v6 : layer_v4;
    flt.subLayerKey = sublayer_key;
    flt.weight.type = FWP_EMPTY;
    flt.numFilterConditions = f->remote_port ? 3 : 2;
    flt.filterCondition = c;
    flt.action.type = FWP_ACTION_BLOCK;
    err = FwpmFilterAdd0(e, &flt, NULL, NULL);
    free(name);
    return err;
}

int setup__wfp_step(const char *offline_sid, int verify, int *available, int *found, char *detail,
                    size_t nd, char *err, size_t ne)
{
    struct cordon__win_wfp_filter f[CORDON__WFP_MAX_FILTERS];
    size_t n = cordon__win_wfp_filters(f), i, bad = 0;
    char *sddl = cordon__win_wfp_user_sddl(offline_sid), why[300] = "";
    wchar_t *ws = sddl ? cordon__win_wide(sddl) : NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    DWORD e = 0;
    HANDLE eng = engine_open(&e);
    int rc = -1, pass, in_tx = 0;

    *available = eng != NULL;
    *found = 0;
    if (!eng && cordon__win_is_wine()) {
        say(detail, nd, "not available (Wine has no Windows Filtering Platform): ICMP and direct "
                        "DNS rest on the firewall rules alone");
        rc = 0;
        goto done;
    }
    if (!eng) {
        /* Where the Windows Firewall works, the Base Filtering Engine runs
         * (the firewall service needs it): an install that cannot open it
         * fails; a check without the rights to says so and goes on. */
        if (verify && e == ERROR_ACCESS_DENIED) {
            say(detail, nd, "not checked: reading WFP filters needs administrator rights "
                            "(cordon-setup verify as an administrator reads them)");
            rc = 0;
        } else {
            say(err, ne, "the Base Filtering Engine (FwpmEngineOpen0): error 0x%lx. Fix: check "
                         "that the Base Filtering Engine service (BFE) runs",
                (unsigned long)e);
        }
        goto done;
    }
    if (!sddl || !ws ||
        !ConvertStringSecurityDescriptorToSecurityDescriptorW(ws, SDDL_REVISION_1, &sd, NULL)) {
        say(err, ne, "the WFP user condition %s: cannot be built (error %lu). Fix: " FIX_RERUN,
            sddl ? sddl : "", (unsigned long)GetLastError());
        goto done;
    }
    for (pass = 0; pass < 2; pass++) {
        for (i = 0, bad = 0; i < n; i++) {
            int here = 0, c = check(eng, &f[i], sddl, &here, why, sizeof why);
            if (c == -2 && verify) {
                say(detail, nd, "not checked: reading WFP filters needs administrator rights "
                                "(cordon-setup verify as an administrator reads them)");
                rc = 0;
                goto done;
            }
            if (c != 0) {
                if (verify || pass == 1) {
                    say(err, ne, "%s%s. Fix: " FIX_RERUN, why,
                        pass == 1 ? " after it was added" : "");
                    *found |= here;
                    goto done;
                }
                bad++;
            }
            *found |= here;
        }
        if (verify || bad == 0)
            break;
        if ((e = FwpmTransactionBegin0(eng, 0)) != ERROR_SUCCESS) {
            say(err, ne, "WFP: FwpmTransactionBegin0: error 0x%lx. Fix: " FIX_RERUN,
                (unsigned long)e);
            goto done;
        }
        in_tx = 1;
        if ((e = add_sublayer(eng)) != ERROR_SUCCESS) {
            say(err, ne, "WFP: the sublayer of cordon (FwpmSubLayerAdd0): error 0x%lx. Fix: "
                         FIX_RERUN, (unsigned long)e);
            goto done;
        }
        for (i = 0; i < n; i++) {
            if ((e = add_filter(eng, &f[i], sd)) != ERROR_SUCCESS) {
                say(err, ne, "the WFP filter \"%s\" (FwpmFilterAdd0): error 0x%lx. Fix: "
                             FIX_RERUN, f[i].name, (unsigned long)e);
                goto done;
            }
        }
        if ((e = FwpmTransactionCommit0(eng)) != ERROR_SUCCESS) {
            say(err, ne, "WFP: FwpmTransactionCommit0: error 0x%lx. Fix: " FIX_RERUN,
                (unsigned long)e);
            goto done;
        }
        in_tx = 0;
    }
    say(detail, nd, "%zu filters (ICMP, ICMPv6, TCP and UDP to ports 53 and 853) for %s, %s",
        n, offline_sid, verify ? "read back" : bad ? "added, read back" : "already there");
    rc = 0;
done:
    if (in_tx)
        FwpmTransactionAbort0(eng);
    if (eng)
        FwpmEngineClose0(eng);
    if (sd)
        LocalFree(sd);
    free(sddl);
    free(ws);
    return rc;
}

int setup__wfp_uninstall(char *detail, size_t nd, char *err, size_t ne)
{
    struct cordon__win_wfp_filter f[CORDON__WFP_MAX_FILTERS];
    size_t n = cordon__win_wfp_filters(f), i, removed = 0;
    DWORD e = 0;
    HANDLE eng = engine_open(&e);
    if (!eng && cordon__win_is_wine()) {
        say(detail, nd, "not there (Wine has no Windows Filtering Platform)");
        return 0;
    }
    if (!eng) {
        say(err, ne, "the Base Filtering Engine (FwpmEngineOpen0): error 0x%lx, so cordon's WFP "
                     "filters cannot be removed. Fix: start the Base Filtering Engine service "
                     "(BFE) and run uninstall again",
            (unsigned long)e);
        return -1;
    }
    for (i = 0; i < n; i++) {
        GUID key = filter_key(f[i].index);
        e = FwpmFilterDeleteByKey0(eng, &key);
        if (e == ERROR_SUCCESS) {
            removed++;
        } else if (e != (DWORD)FWP_E_FILTER_NOT_FOUND) {
            say(err, ne, "the WFP filter \"%s\" (FwpmFilterDeleteByKey0): error 0x%lx. Fix: run "
                         "uninstall again as an administrator",
                f[i].name, (unsigned long)e);
            FwpmEngineClose0(eng);
            return -1;
        }
    }
    e = FwpmSubLayerDeleteByKey0(eng, &sublayer_key);
    if (e == ERROR_SUCCESS)
        removed++;
    FwpmEngineClose0(eng);
    if (e != ERROR_SUCCESS && e != (DWORD)FWP_E_SUBLAYER_NOT_FOUND) {
        say(err, ne, "the WFP sublayer of cordon (FwpmSubLayerDeleteByKey0): error 0x%lx "
                     "(FWP_E_IN_USE: a filter of someone else's is in it). Fix: run uninstall "
                     "again as an administrator",
            (unsigned long)e);
        return -1;
    }
    say(detail, nd, "%s", removed ? "removed" : "not there");
    return 0;
}
