/* cordon_report_json(): the run report's contract on any OS. A run that
 * did not start has "started":false and null levels unless a backend
 * was chosen (then the levels that would have applied); never a level
 * that was not determined. A started run has its outcome; one whose
 * outcome was lost says started, with the error and cordon's 125. */
#include <string.h>

#include "cordon.h"
#include "harness.h"
#include "json_check.h"

static char *report(int started, cordon_error err, const char *msg, const cordon_run_result *r)
{
    cordon_report rep;
    char *out = NULL;
    memset(&rep, 0, sizeof rep);
    rep.started = started;
    rep.error = err;
    rep.message = msg;
    rep.result = r;
    CHECK(cordon_report_json(&rep, &out) == CORDON_OK && out);
    return out;
}

static void fill_levels(cordon_levels *lv, cordon_level l)
{
    int d;
    memset(lv, 0, sizeof *lv);
    strcpy(lv->backend, "test-backend");
    lv->tier = CORDON_TIER_UNELEVATED;
    lv->n_dims = CORDON_DIM_COUNT;
    for (d = 0; d < CORDON_DIM_COUNT; d++)
        lv->level[d] = l;
}

int main(void)
{
    cordon_run_result r;
    char *j;

    /* An argument error: nothing known. */
    j = report(0, CORDON_ERR_INVALID_ARGUMENT, "run: unknown option '--frob'", NULL);
    CHECK_CONTAINS(j, "{\"started\":false,\"backend\":null,\"tier\":null,"
                      "\"enforcement_level\":null,\"dimensions\":null,\"reasons\":null,"
                      "\"fallback_reason\":null,\"exit_status\":125,\"ran\":false,"
                      "\"exit_code\":null,\"signal\":null,\"timed_out\":null,");
    CHECK_CONTAINS(j, "\"error\":{\"code\":1,\"name\":\"invalid argument\","
                      "\"message\":\"run: unknown option '--frob'\"}}");
    CHECK(strstr(j, "\"none\"") == NULL);
    cordon_free(j);

    /* Failed before a backend was chosen: zeroed levels are not "none". */
    memset(&r, 0, sizeof r);
    j = report(0, CORDON_ERR_PATH, "cannot resolve writable root /x", &r);
    CHECK_CONTAINS(j, "\"backend\":null,\"tier\":null,\"enforcement_level\":null");
    CHECK(strstr(j, "\"none\"") == NULL);
    cordon_free(j);

    /* Refused after selection: the levels that would have applied. */
    fill_levels(&r.levels, CORDON_LEVEL_ADVISORY);
    j = report(0, CORDON_ERR_REQUIREMENT, "required network=enforced", &r);
    CHECK_CONTAINS(j, "{\"started\":false,\"backend\":\"test-backend\",\"tier\":\"unelevated\","
                      "\"enforcement_level\":\"advisory\"");
    CHECK_CONTAINS(j, "\"exit_status\":125,\"ran\":false,\"exit_code\":null");
    CHECK_CONTAINS(j, "\"code\":8,");
    cordon_free(j);

    /* Not found: 127, not started. */
    j = report(0, CORDON_ERR_NOT_FOUND, "command not found: x", &r);
    CHECK_CONTAINS(j, "\"exit_status\":127,\"ran\":false");
    cordon_free(j);

    /* Ran: its own status, no error. */
    fill_levels(&r.levels, CORDON_LEVEL_ENFORCED);
    r.exit_code = 3;
    r.duration_s = 0.5;
    j = report(1, CORDON_OK, NULL, &r);
    CHECK_CONTAINS(j, "{\"started\":true,\"backend\":\"test-backend\"");
    CHECK_CONTAINS(j, "\"exit_status\":3,\"ran\":true,\"exit_code\":3,\"signal\":0,"
                      "\"timed_out\":false,");
    CHECK_CONTAINS(j, "\"error\":null}");

    /* Ran, nothing refused seen: an empty list. */
    CHECK_CONTAINS(j, "\"denials\":[]");
    cordon_free(j);

    /* Denials: one object per kind seen, in kind order; |first| may hold
     * any bytes (a unix socket path) and fill its array without a NUL,
     * and the document stays valid UTF-8. */
    r.denials.n_kinds = CORDON_DENIAL_KIND_COUNT;
    r.denials.count[CORDON_DENIAL_NET_CONNECT] = 2;
    strcpy(r.denials.first[CORDON_DENIAL_NET_CONNECT], "10.231.79.2:9");
    r.denials.count[CORDON_DENIAL_UNIX_CONNECT] = 1;
    memset(r.denials.first[CORDON_DENIAL_UNIX_CONNECT], 0xff, CORDON_DENIAL_FIRST_MAX);
    r.denials.first[CORDON_DENIAL_UNIX_CONNECT][0] = '/';
    j = report(1, CORDON_OK, NULL, &r);
    CHECK_CONTAINS(j, "\"denials\":[{\"kind\":\"network_connect\",\"count\":2,"
                      "\"first\":\"10.231.79.2:9\",\"why\":\"network off: ");
    CHECK_CONTAINS(j, "{\"kind\":\"unix_connect\",\"count\":1,\"first\":\"/");
    CHECK(strstr(j, "network_loopback") == NULL && strstr(j, "network_socket") == NULL);
    CHECK(jc_valid_utf8((const unsigned char *)j, strlen(j)));
    {
        /* The bytes come back by the documented rule (at most the array
         * less its last byte). */
        char back[2 * CORDON_DENIAL_FIRST_MAX];
        const char *at = strstr(j, "\"first\":\"/");
        CHECK(at && jc_decode(at + 8, back, sizeof back) != NULL &&
              strlen(back) == CORDON_DENIAL_FIRST_MAX - 1 &&
              memcmp(back, r.denials.first[CORDON_DENIAL_UNIX_CONNECT],
                     CORDON_DENIAL_FIRST_MAX - 1) == 0);
    }
    cordon_free(j);
    /* Kinds a newer library counted are not named by this one. */
    r.denials.n_kinds = 0;
    j = report(1, CORDON_OK, NULL, &r);
    CHECK_CONTAINS(j, "\"denials\":[]");
    CHECK(cordon_denial_kind_name(CORDON_DENIAL_KIND_COUNT) == NULL);
    CHECK(strcmp(cordon_denial_kind_name(CORDON_DENIAL_NET_SOCKET), "network_socket") == 0);
    cordon_free(j);
    memset(&r.denials, 0, sizeof r.denials);

    /* Ran, but the outcome was lost: started, with the error. */
    j = report(1, CORDON_ERR_OS, "the supervisor ended without a status", &r);
    CHECK_CONTAINS(j, "{\"started\":true,");
    CHECK_CONTAINS(j, "\"exit_status\":125,\"ran\":true,\"exit_code\":null");
    CHECK_CONTAINS(j, "\"duration_s\":null,\"denials\":null,");
    CHECK_CONTAINS(j, "\"message\":\"the supervisor ended without a status\"");
    cordon_free(j);

    /* The older entry point: started means err == CORDON_OK. */
    CHECK(cordon_run_report_json(CORDON_OK, &r, &j) == CORDON_OK);
    CHECK_CONTAINS(j, "{\"started\":true,");
    cordon_free(j);
    CHECK(cordon_report_json(NULL, &j) == CORDON_ERR_INVALID_ARGUMENT);
    TEST_MAIN_END();
}
