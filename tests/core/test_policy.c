/* The policy model: built-ins, the file schema, setters, defaults. */
#include "harness.h"
#include "internal.h"

static cordon_policy *parse(const char *text)
{
    cordon_policy *p = NULL;
    cordon_error e = cordon_policy_parse(text, strlen(text), "p.toml", &p);
    CHECK_MSG(e == CORDON_OK, "%s: %s", text, cordon_last_error());
    return p;
}

static void rejects(const char *text, cordon_error code, const char *msg)
{
    cordon_policy *p = NULL;
    cordon_error e = cordon_policy_parse(text, strlen(text), "p.toml", &p);
    CHECK_MSG(e == code, "'%s' gave %d (%s)", text, (int)e, cordon_last_error());
    CHECK_CONTAINS(cordon_last_error(), msg);
    CHECK(p == NULL);
    cordon_policy_free(p);
}

static void builtins(void)
{
    cordon_policy *p = NULL;
    CHECK(cordon_policy_builtin("workspace-write", &p) == CORDON_OK);
    CHECK(p && p->mode == CORDON_MODE_WORKSPACE_WRITE && !p->network && p->private_tmp);
    CHECK(p && p->writable_roots.n == 1 && !strcmp(p->writable_roots.v[0], "."));
    CHECK(p && p->protected_paths.n == 4 && cordon__strv_contains(&p->protected_paths, ".agents"));
    cordon_policy_free(p);
    CHECK(cordon_policy_builtin("workspace-write-online", &p) == CORDON_OK && p->network == 1 &&
          p->mode == CORDON_MODE_WORKSPACE_WRITE);
    cordon_policy_free(p);
    CHECK(cordon_policy_builtin("read-only", &p) == CORDON_OK && p->mode == CORDON_MODE_READ_ONLY &&
          !p->network);
    cordon_policy_free(p);
    CHECK(cordon_policy_builtin("full-access", &p) == CORDON_OK &&
          p->mode == CORDON_MODE_FULL_ACCESS && p->network);
    cordon_policy_free(p);
    p = NULL;
    CHECK(cordon_policy_builtin("nope", &p) == CORDON_ERR_POLICY_INVALID && !p);
    CHECK_CONTAINS(cordon_last_error(), "unknown policy 'nope'");
    CHECK_CONTAINS(cordon_last_error(), "workspace-write-online");
}

static void defaults(void)
{
    cordon_policy *p = NULL;
    /* The zero policy is the restrictive one. */
    CHECK(cordon_policy_new(&p) == CORDON_OK);
    CHECK(p->mode == CORDON_MODE_READ_ONLY && !p->network && p->writable_roots.n == 0 &&
          p->private_tmp && p->timeout_s == 0 && p->protected_paths.n == 4);
    cordon_policy_free(p);
    p = parse("");
    CHECK(p && p->mode == CORDON_MODE_READ_ONLY && !p->network && p->writable_roots.n == 1);
    cordon_policy_free(p);
}

static void schema(void)
{
    cordon_policy *p = parse("mode = \"workspace-write\"\nwritable_roots = [\"src\", \"/abs\"]\n"
                             "protected_paths = [\"secrets\", \"a/b\"]\nnetwork = \"on\"\n"
                             "private_tmp = false\n[limits]\ntimeout_s = 30\n");
    CHECK(p && p->writable_roots.n == 2 && !strcmp(p->writable_roots.v[1], "/abs"));
    CHECK(p && p->protected_paths.n == 2 && p->network && !p->private_tmp && p->timeout_s == 30);
    cordon_policy_free(p);

    rejects("colour = \"red\"\n", CORDON_ERR_POLICY_INVALID, "p.toml:1:10: unknown key 'colour'");
    rejects("mode = true\n", CORDON_ERR_POLICY_INVALID, "p.toml:1:8: 'mode' must be a string");
    rejects("network = 1\n", CORDON_ERR_POLICY_INVALID, "'network' must be a string");
    rejects("writable_roots = \".\"\n", CORDON_ERR_POLICY_INVALID, "must be an array of strings");
    rejects("private_tmp = \"yes\"\n", CORDON_ERR_POLICY_INVALID, "must be a boolean");
    rejects("[limits]\ntimeout_s = \"5\"\n", CORDON_ERR_POLICY_INVALID, "p.toml:2:13: 'limits.timeout_s' must be an integer");
    rejects("[limits]\ntimeout_s = -1\n", CORDON_ERR_POLICY_INVALID, "between 0 and");
    rejects("[limits]\nmemory = 1\n", CORDON_ERR_POLICY_INVALID, "unknown key 'limits.memory'");
    rejects("mode = \"write\"\n", CORDON_ERR_POLICY_INVALID, "p.toml:1:8: mode must be");
    rejects("network = \"maybe\"\n", CORDON_ERR_POLICY_INVALID, "network must be");
    rejects("[other]\n", CORDON_ERR_POLICY_INVALID, "p.toml:1:1: unknown table [other]");
    rejects("protected_paths = [\"../x\"]\n", CORDON_ERR_POLICY_INVALID, "must be relative");
    rejects("protected_paths = [\"/etc\"]\n", CORDON_ERR_POLICY_INVALID, "must be relative");
    rejects("protected_paths = [\"C:\\\\x\"]\n", CORDON_ERR_POLICY_INVALID, "must be relative");
    rejects("writable_roots = [\"\"]\n", CORDON_ERR_POLICY_INVALID, "empty path");
    rejects("allow_unix_sockets = [\"\"]\n", CORDON_ERR_POLICY_INVALID,
            "p.toml:1:22: allow_unix_sockets holds an empty path");
    rejects("allow_unix_sockets = \"~/s\"\n", CORDON_ERR_POLICY_INVALID,
            "'allow_unix_sockets' must be an array of strings");
    p = parse("allow_unix_sockets = [\"~/.docker/run/docker.sock\", \"/run/x.sock\"]\n");
    CHECK(p && p->allow_unix_sockets.n == 2 &&
          !strcmp(p->allow_unix_sockets.v[0], "~/.docker/run/docker.sock"));
    cordon_policy_free(p);
    rejects("mode = \"read-only\"\nmode = \"full-access\"\n", CORDON_ERR_POLICY_SYNTAX,
            "p.toml:2:1: duplicate key 'mode'");
}

static void setters(void)
{
    cordon_policy *p = NULL;
    CHECK(cordon_policy_new(&p) == CORDON_OK);
    CHECK(cordon_policy_set_mode(p, CORDON_MODE_WORKSPACE_WRITE) == CORDON_OK);
    CHECK(cordon_policy_set_mode(p, (cordon_mode)9) == CORDON_ERR_INVALID_ARGUMENT);
    CHECK(cordon_policy_add_writable_root(p, "") == CORDON_ERR_INVALID_ARGUMENT);
    CHECK(cordon_policy_add_writable_root(p, "/w") == CORDON_OK && p->writable_roots.n == 1);
    CHECK(cordon_policy_clear_writable_roots(p) == CORDON_OK && p->writable_roots.n == 0);
    CHECK(cordon_policy_add_protected_path(p, "../up") == CORDON_ERR_POLICY_INVALID);
    CHECK(cordon_policy_clear_protected_paths(p) == CORDON_OK && p->protected_paths.n == 0);
    CHECK(cordon_policy_add_protected_path(p, ".hg") == CORDON_OK && p->protected_paths.n == 1);
    CHECK(cordon_policy_set_timeout(p, 8u * 24 * 3600) == CORDON_ERR_INVALID_ARGUMENT);
    CHECK(cordon_policy_set_timeout(p, 5) == CORDON_OK && cordon_policy_timeout(p) == 5);
    CHECK(cordon_policy_set_network(p, 7) == CORDON_OK && cordon_policy_network(p) == 1);
    CHECK(cordon_policy_mode(p) == CORDON_MODE_WORKSPACE_WRITE);
    CHECK(cordon_policy_set_mode(NULL, CORDON_MODE_READ_ONLY) == CORDON_ERR_INVALID_ARGUMENT);
    cordon_policy_free(p);
    CHECK(cordon_policy_load_file("/nonexistent/cordon-test.toml", &p) == CORDON_ERR_IO);
    CHECK_CONTAINS(cordon_last_error(), "/nonexistent/cordon-test.toml");
}

static void names(void)
{
    cordon_level l;
    cordon_dimension d;
    CHECK_STR(cordon_strerror(CORDON_ERR_REQUIREMENT), "required enforcement level not available");
    CHECK_STR(cordon_strerror((cordon_error)999), "unknown error");
    CHECK(cordon_level_parse("advisory", &l) == CORDON_OK && l == CORDON_LEVEL_ADVISORY);
    CHECK(cordon_level_parse("strong", &l) == CORDON_ERR_INVALID_ARGUMENT);
    CHECK(cordon_dimension_parse("protected_paths", &d) == CORDON_OK && d == CORDON_DIM_PROTECTED_PATHS);
    CHECK(cordon_dimension_parse("disk", &d) == CORDON_ERR_INVALID_ARGUMENT);
    CHECK_STR(cordon_tier_name(CORDON_TIER_ELEVATED), "elevated");
    CHECK(cordon_level_name((cordon_level)3) == NULL);
    CHECK_STR(cordon_version(), CORDON_VERSION_STRING);
}

/* cache = "sandbox" | "none" (default sandbox); optional_writable_roots. */
static void caches(void)
{
    cordon_policy *p = parse("mode = \"workspace-write\"\n");
    CHECK(p && p->cache == 1 && p->optional_roots.n == 0);
    cordon_policy_free(p);
    p = parse("cache = \"none\"\noptional_writable_roots = [\"~/.m2\", \"$HOME/.gradle\"]\n");
    CHECK(p && p->cache == 0 && p->optional_roots.n == 2 && !strcmp(p->optional_roots.v[1], "$HOME/.gradle"));
    cordon_policy_free(p);
    p = parse("cache = \"sandbox\"\n");
    CHECK(p && p->cache == 1);
    cordon_policy_free(p);
    rejects("cache = \"shared\"\n", CORDON_ERR_POLICY_INVALID,
            "p.toml:1:9: cache must be \"sandbox\" or \"none\"");
    rejects("cache = false\n", CORDON_ERR_POLICY_INVALID, "'cache' must be a string");
    rejects("optional_writable_roots = [\"\"]\n", CORDON_ERR_POLICY_INVALID,
            "optional_writable_roots holds an empty path");
    CHECK(cordon_policy_new(&p) == CORDON_OK && p->cache == 1);
    CHECK(cordon_policy_set_cache(p, 0) == CORDON_OK && p->cache == 0);
    CHECK(cordon_policy_set_cache(NULL, 1) == CORDON_ERR_INVALID_ARGUMENT);
    CHECK(cordon_policy_add_optional_writable_root(p, "") == CORDON_ERR_INVALID_ARGUMENT);
    CHECK(cordon_policy_add_optional_writable_root(p, "~/x") == CORDON_OK && p->optional_roots.n == 1);
    CHECK(cordon_policy_clear_optional_writable_roots(p) == CORDON_OK && p->optional_roots.n == 0);
    cordon_policy_free(p);
}

int main(void)
{
    caches();
    builtins();
    defaults();
    schema();
    setters();
    names();
    TEST_MAIN_END();
}
