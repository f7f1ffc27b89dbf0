/* The nftables table of the elevated tier, through libnftables (no nft
 * program is run). Root is needed for netlink (CAP_NET_ADMIN); the only
 * table touched is "inet cordon", whose text comes from core
 * (cordon__nft_ruleset) with the offline user's uid as its one input, so
 * no argument of the caller reaches the ruleset. */
#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "setup_linux.h"

#define TABLE CORDON__NFT_FAMILY " " CORDON__NFT_TABLE

/* Runs |cmd| in a fresh context; *out (when wanted) gets a copy of the
 * output. Returns 0, or -1 with nft's error text in |err|. */
static int nft_run(const char *cmd, unsigned flags, char **out, char *err, size_t n)
{
    struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    int rc = -1;
    if (!ctx) {
        snprintf(err, n, "nft_ctx_new failed (out of memory)");
        return -1;
    }
    nft_ctx_output_set_flags(ctx, flags);
    if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
        snprintf(err, n, "nft_ctx_buffer_output failed");
        goto done;
    }
    if (nft_run_cmd_from_buffer(ctx, cmd) != 0) {
        const char *e = nft_ctx_get_error_buffer(ctx);
        snprintf(err, n, "%s", e && *e ? e : "failed without a message");
        /* One line: nft's messages end in newlines and carets. */
        err[strcspn(err, "\n")] = '\0';
        goto done;
    }
    if (out) {
        const char *o = nft_ctx_get_output_buffer(ctx);
        *out = cordon__strdup(o ? o : "");
        if (!*out) {
            snprintf(err, n, "out of memory");
            goto done;
        }
    }
    rc = 0;
done:
    nft_ctx_free(ctx);
    return rc;
}

static int table_exists(struct setup_ctx *s, int *exists)
{
    char *out = NULL;
    char err[512];
    *exists = 0;
    if (nft_run("list tables " CORDON__NFT_FAMILY, 0, &out, err, sizeof err) != 0)
        return setup__fail(s, "netlink (nftables)", "list tables", 0,
                           "run as root on a kernel with nf_tables (%s)", err);
    *exists = strstr(out, "table " TABLE "\n") != NULL;
    free(out);
    return 0;
}

int setup__nft_load(struct setup_ctx *s, const char *ruleset)
{
    char err[512];
    char *cmd;
    int rc;
    /* "add" then "delete" then the table: one transaction that replaces
     * whatever an earlier run left, atomically (no moment without the
     * drop rule when it was there before). */
    cmd = cordon__asprintf("add table " TABLE "\ndelete table " TABLE "\n%s", ruleset);
    if (!cmd)
        return setup__fail(s, "table " TABLE, "load", ENOMEM, "free memory and re-run");
    rc = nft_run(cmd, 0, NULL, err, sizeof err);
    free(cmd);
    if (rc != 0)
        return setup__fail(s, "table " TABLE, "nft_run_cmd_from_buffer", 0,
                           "check that the kernel has nf_tables and the inet family (%s)", err);
    return 0;
}

int setup__nft_read(struct setup_ctx *s, unsigned long offline_uid, int *loaded,
                    char sha256[65], int *has_drop)
{
    char *out = NULL;
    char err[512], want[64];
    unsigned char digest[32];
    int i;

    *loaded = 0;
    *has_drop = 0;
    sha256[0] = '\0';
    if (table_exists(s, loaded) != 0)
        return -1;
    if (!*loaded)
        return 0;
    /* Numeric output: the listing does not depend on the account
     * database, so its hash is stable while the rules are. */
    if (nft_run("list table " TABLE, NFT_CTX_OUTPUT_NUMERIC_ALL, &out, err, sizeof err) != 0)
        return setup__fail(s, "table " TABLE, "list table", 0, "run as root (%s)", err);
    cordon__sha256(out, strlen(out), digest);
    for (i = 0; i < 32; i++)
        snprintf(sha256 + 2 * i, 3, "%02x", digest[i]);
    snprintf(want, sizeof want, "meta skuid %lu drop\n", offline_uid);
    *has_drop = strstr(out, want) != NULL && strstr(out, "hook output") != NULL;
    free(out);
    return 0;
}

int setup__nft_delete(struct setup_ctx *s, int *existed)
{
    char err[512];
    if (table_exists(s, existed) != 0)
        return -1;
    if (!*existed)
        return 0;
    if (nft_run("delete table " TABLE, 0, NULL, err, sizeof err) != 0)
        return setup__fail(s, "table " TABLE, "delete table", 0, "run as root (%s)", err);
    return 0;
}
