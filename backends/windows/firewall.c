/* The Windows Firewall through COM (INetFwPolicy2, INetFwRules,
 * INetFwRule3): read the state and the rules back for the probe and
 * setup, add and remove the rules core decided (core/elevated_windows.c). */
#define COBJMACROS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <initguid.h>
#include <netfw.h>
#include <oleauto.h>

#include "elevated_win.h"
#include "win.h"

struct fw {
    INetFwPolicy2 *policy;
    INetFwRules *rules;
    int uninit;
};

static cordon_error hr_fail(const char *what, const char *call, HRESULT hr)
{
    char *text = cordon__win_code_text((DWORD)hr);
    cordon_error rc;
    rc = cordon__fail(CORDON_ERR_OS, "%s (%s: HRESULT 0x%08lx, %s)", what, call,
                      (unsigned long)hr, text ? text : "no text for it");
    free(text);
    return rc;
}

static cordon_error fw_open(struct fw *f)
{
    HRESULT hr;
    memset(f, 0, sizeof *f);
    hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    if (SUCCEEDED(hr))
        f->uninit = 1;
    else if (hr != RPC_E_CHANGED_MODE)
        return hr_fail("starting COM", "CoInitializeEx", hr);
    hr = CoCreateInstance(&CLSID_NetFwPolicy2, NULL, CLSCTX_INPROC_SERVER, &IID_INetFwPolicy2,
                          (void **)&f->policy);
    if (FAILED(hr)) {
        if (f->uninit)
            CoUninitialize();
        return hr_fail("opening the Windows Firewall policy", "CoCreateInstance(NetFwPolicy2)",
                       hr);
    }
    hr = INetFwPolicy2_get_Rules(f->policy, &f->rules);
    if (FAILED(hr) || !f->rules) {
        INetFwPolicy2_Release(f->policy);
        if (f->uninit)
            CoUninitialize();
        return hr_fail("listing the Windows Firewall rules", "INetFwPolicy2::get_Rules", hr);
    }
    return CORDON_OK;
}

static void fw_close(struct fw *f)
{
    if (f->rules)
        INetFwRules_Release(f->rules);
    if (f->policy)
        INetFwPolicy2_Release(f->policy);
    if (f->uninit)
        CoUninitialize();
    memset(f, 0, sizeof *f);
}

static BSTR bstr(const char *s)
{
    wchar_t *w = cordon__win_wide(s);
    BSTR b = w ? SysAllocString(w) : NULL;
    free(w);
    return b;
}

static void from_bstr(BSTR b, char *out, size_t n)
{
    char *s = b ? cordon__win_utf8(b) : NULL;
    snprintf(out, n, "%s", s ? s : "");
    free(s);
    if (b)
        SysFreeString(b);
}

/* The rule |name|, or NULL when there is none. */
static INetFwRule *find(struct fw *f, const char *name, HRESULT *hr)
{
    BSTR b = bstr(name);
    INetFwRule *r = NULL;
    *hr = b ? INetFwRules_Item(f->rules, b, &r) : E_OUTOFMEMORY;
    SysFreeString(b);
    return SUCCEEDED(*hr) ? r : NULL;
}

static cordon_error read_rule(INetFwRule *r, struct cordon__win_fw_rule *out)
{
    BSTR b = NULL;
    NET_FW_RULE_DIRECTION dir = 0;
    NET_FW_ACTION act = 0;
    LONG proto = 0, prof = 0;
    VARIANT_BOOL en = VARIANT_FALSE;
    INetFwRule3 *r3 = NULL;
    HRESULT hr;

    memset(out, 0, sizeof *out);
    if (SUCCEEDED(INetFwRule_get_Name(r, &b)))
        from_bstr(b, out->name, sizeof out->name);
    b = NULL;
    if (SUCCEEDED(INetFwRule_get_Grouping(r, &b)))
        from_bstr(b, out->grouping, sizeof out->grouping);
    if (FAILED(hr = INetFwRule_get_Direction(r, &dir)) ||
        FAILED(hr = INetFwRule_get_Action(r, &act)) ||
        FAILED(hr = INetFwRule_get_Protocol(r, &proto)) ||
        FAILED(hr = INetFwRule_get_Profiles(r, &prof)) ||
        FAILED(hr = INetFwRule_get_Enabled(r, &en)))
        return hr_fail("reading a firewall rule", "INetFwRule::get_*", hr);
    out->direction = (int)dir;
    out->action = (int)act;
    out->protocol = (int)proto;
    out->profiles = (long)prof;
    out->enabled = en != VARIANT_FALSE;
    b = NULL;
    if (SUCCEEDED(INetFwRule_get_InterfaceTypes(r, &b)))
        from_bstr(b, out->interface_types, sizeof out->interface_types);
    b = NULL;
    if (SUCCEEDED(INetFwRule_get_RemoteAddresses(r, &b)))
        from_bstr(b, out->remote_addresses, sizeof out->remote_addresses);
    b = NULL;
    if ((proto == CORDON__FW_PROTO_TCP || proto == CORDON__FW_PROTO_UDP) &&
        SUCCEEDED(INetFwRule_get_RemotePorts(r, &b)))
        from_bstr(b, out->remote_ports, sizeof out->remote_ports);
    hr = INetFwRule_QueryInterface(r, &IID_INetFwRule3, (void **)&r3);
    if (FAILED(hr))
        return hr_fail("reading a firewall rule's local users (Windows 8 or later is needed)",
                       "QueryInterface(INetFwRule3)", hr);
    b = NULL;
    hr = INetFwRule3_get_LocalUserAuthorizedList(r3, &b);
    INetFwRule3_Release(r3);
    if (FAILED(hr))
        return hr_fail("reading a firewall rule's local users",
                       "INetFwRule3::get_LocalUserAuthorizedList", hr);
    from_bstr(b, out->local_users, sizeof out->local_users);
    return CORDON_OK;
}

cordon_error cordon__win_fw_read(const struct cordon__win_fw_rule *want, size_t n,
                                 struct cordon__win_fw_rule *got, int *found, int enabled[3],
                                 int *modify_state)
{
    static const NET_FW_PROFILE_TYPE2 profiles[3] = {NET_FW_PROFILE2_DOMAIN,
                                                     NET_FW_PROFILE2_PRIVATE,
                                                     NET_FW_PROFILE2_PUBLIC};
    struct fw f;
    cordon_error rc;
    NET_FW_MODIFY_STATE st = NET_FW_MODIFY_STATE_OK;
    HRESULT hr;
    size_t i;

    if (n)
        memset(found, 0, n * sizeof *found);
    memset(enabled, 0, 3 * sizeof *enabled);
    if ((rc = fw_open(&f)) != CORDON_OK)
        return rc;
    for (i = 0; i < 3; i++) {
        VARIANT_BOOL on = VARIANT_FALSE;
        hr = INetFwPolicy2_get_FirewallEnabled(f.policy, profiles[i], &on);
        if (FAILED(hr)) {
            rc = hr_fail("reading whether the firewall is on", "INetFwPolicy2::get_FirewallEnabled",
                         hr);
            goto done;
        }
        enabled[i] = on != VARIANT_FALSE;
    }
    hr = INetFwPolicy2_get_LocalPolicyModifyState(f.policy, &st);
    if (FAILED(hr)) {
        rc = hr_fail("reading whether local rules take effect",
                     "INetFwPolicy2::get_LocalPolicyModifyState", hr);
        goto done;
    }
    *modify_state = (int)st;
    for (i = 0; i < n; i++) {
        INetFwRule *r = find(&f, want[i].name, &hr);
        if (!r)
            continue;
        rc = read_rule(r, &got[i]);
        INetFwRule_Release(r);
        if (rc != CORDON_OK)
            goto done;
        found[i] = 1;
    }
done:
    fw_close(&f);
    return rc;
}

static cordon_error add_one(struct fw *f, const struct cordon__win_fw_rule *w)
{
    INetFwRule *r = NULL;
    INetFwRule3 *r3 = NULL;
    HRESULT hr;
    BSTR b;
    cordon_error rc = CORDON_OK;

    hr = CoCreateInstance(&CLSID_NetFwRule, NULL, CLSCTX_INPROC_SERVER, &IID_INetFwRule,
                          (void **)&r);
    if (FAILED(hr))
        return hr_fail("making a firewall rule", "CoCreateInstance(NetFwRule)", hr);
    hr = INetFwRule_QueryInterface(r, &IID_INetFwRule3, (void **)&r3);
    if (FAILED(hr)) {
        rc = hr_fail("making a rule scoped to a local user (Windows 8 or later is needed)",
                     "QueryInterface(INetFwRule3)", hr);
        goto done;
    }
#define PUT_STR(call, value)                                                                  \
    do {                                                                                      \
        b = bstr(value);                                                                      \
        hr = b ? call(r, b) : E_OUTOFMEMORY;                                                  \
        SysFreeString(b);                                                                     \
        if (FAILED(hr)) {                                                                     \
            rc = hr_fail(w->name, #call, hr);                                                 \
            goto done;                                                                        \
        }                                                                                     \
    } while (0)
#define PUT(call, value)                                                                      \
    do {                                                                                      \
        if (FAILED(hr = call(r, value))) {                                                    \
            rc = hr_fail(w->name, #call, hr);                                                 \
            goto done;                                                                        \
        }                                                                                     \
    } while (0)
    PUT_STR(INetFwRule_put_Name, w->name);
    PUT_STR(INetFwRule_put_Description, w->description);
    PUT_STR(INetFwRule_put_Grouping, w->grouping);
    PUT(INetFwRule_put_Direction, (NET_FW_RULE_DIRECTION)w->direction);
    PUT(INetFwRule_put_Protocol, (LONG)w->protocol);
    if (w->remote_ports[0])
        PUT_STR(INetFwRule_put_RemotePorts, w->remote_ports);
    PUT_STR(INetFwRule_put_RemoteAddresses, w->remote_addresses);
    PUT(INetFwRule_put_Profiles, (LONG)w->profiles);
    PUT_STR(INetFwRule_put_InterfaceTypes, w->interface_types);
    PUT(INetFwRule_put_Action, (NET_FW_ACTION)w->action);
    PUT(INetFwRule_put_Enabled, w->enabled ? VARIANT_TRUE : VARIANT_FALSE);
    b = bstr(w->local_users);
    hr = b ? INetFwRule3_put_LocalUserAuthorizedList(r3, b) : E_OUTOFMEMORY;
    SysFreeString(b);
    if (FAILED(hr)) {
        rc = hr_fail(w->name, "INetFwRule3::put_LocalUserAuthorizedList", hr);
        goto done;
    }
    hr = INetFwRules_Add(f->rules, r);
    if (FAILED(hr))
        rc = hr_fail(w->name, "INetFwRules::Add", hr);
#undef PUT
#undef PUT_STR
done:
    if (r3)
        INetFwRule3_Release(r3);
    INetFwRule_Release(r);
    return rc;
}

/* Removes every rule named |name| (names are not unique in the store). */
static cordon_error remove_named(struct fw *f, const char *name, int *removed)
{
    HRESULT hr;
    int guard;
    for (guard = 0; guard < 64; guard++) {
        INetFwRule *r = find(f, name, &hr);
        BSTR b;
        if (!r)
            return CORDON_OK;
        INetFwRule_Release(r);
        b = bstr(name);
        hr = b ? INetFwRules_Remove(f->rules, b) : E_OUTOFMEMORY;
        SysFreeString(b);
        if (FAILED(hr))
            return hr_fail(name, "INetFwRules::Remove", hr);
        if (removed)
            (*removed)++;
    }
    return cordon__fail(CORDON_ERR_OS, "the firewall rule \"%s\" is still there after 64 removals",
                        name);
}

cordon_error cordon__win_fw_add(const struct cordon__win_fw_rule *r, size_t n)
{
    struct fw f;
    cordon_error rc;
    size_t i;
    if ((rc = fw_open(&f)) != CORDON_OK)
        return rc;
    for (i = 0; i < n && rc == CORDON_OK; i++) {
        rc = remove_named(&f, r[i].name, NULL);
        if (rc == CORDON_OK)
            rc = add_one(&f, &r[i]);
    }
    fw_close(&f);
    return rc;
}

cordon_error cordon__win_fw_remove(const struct cordon__win_fw_rule *r, size_t n, int *removed)
{
    struct fw f;
    cordon_error rc;
    size_t i;
    *removed = 0;
    if ((rc = fw_open(&f)) != CORDON_OK)
        return rc;
    for (i = 0; i < n && rc == CORDON_OK; i++)
        rc = remove_named(&f, r[i].name, removed);
    fw_close(&f);
    return rc;
}
