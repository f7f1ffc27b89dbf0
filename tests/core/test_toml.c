/* The policy file parser: what it accepts, and every class of error with
 * its line and column. */
#include "harness.h"
#include "internal.h"

static const struct cordon__toml_entry *find(const struct cordon__toml_doc *d, const char *key)
{
    size_t i;
    for (i = 0; i < d->n; i++)
        if (strcmp(d->e[i].key, key) == 0)
            return &d->e[i];
    return NULL;
}

static void accepts(void)
{
    const char *text =
        "\xef\xbb\xbf# a comment\n"
        "mode = \"workspace-write\"   # trailing comment\n"
        "lit = 'C:\\path\\no escapes'\n"
        "esc = \"tab\\tq\\\"u\\u00e9\\U0001F600\"\n"
        "flag = true\n"
        "off = false\n"
        "roots = [\n"
        "  \"a\", # one\n"
        "  'b',\n"
        "]\n"
        "empty = []\n"
        "\r\n"
        "[limits]\n"
        "timeout_s = 1_000\n"
        "neg = -42\n"
        "[deep.table]\n"
        "x = 0\n";
    struct cordon__toml_doc d;
    const struct cordon__toml_entry *e;
    CHECK_MSG(cordon__toml_parse(text, strlen(text), "t", &d) == CORDON_OK, "%s", cordon_last_error());
    CHECK((e = find(&d, "mode")) && e->type == CORDON__TOML_STRING && !strcmp(e->str, "workspace-write"));
    CHECK((e = find(&d, "lit")) && !strcmp(e->str, "C:\\path\\no escapes"));
    CHECK((e = find(&d, "esc")) && !strcmp(e->str, "tab\tq\"u\xc3\xa9\xf0\x9f\x98\x80"));
    CHECK((e = find(&d, "flag")) && e->type == CORDON__TOML_BOOL && e->num == 1);
    CHECK((e = find(&d, "off")) && e->type == CORDON__TOML_BOOL && e->num == 0);
    CHECK((e = find(&d, "roots")) && e->type == CORDON__TOML_STRING_ARRAY && e->arr.n == 2 &&
          !strcmp(e->arr.v[1], "b"));
    CHECK((e = find(&d, "empty")) && e->arr.n == 0);
    CHECK((e = find(&d, "limits.timeout_s")) && e->type == CORDON__TOML_INT && e->num == 1000);
    CHECK((e = find(&d, "limits.neg")) && e->num == -42);
    CHECK((e = find(&d, "deep.table.x")) && e->num == 0 && e->line == 17 && e->col == 5);
    CHECK(d.tables.n == 2 && d.table_line[0] == 13);
    cordon__toml_free(&d);

    CHECK(cordon__toml_parse("", 0, "t", &d) == CORDON_OK && d.n == 0);
    cordon__toml_free(&d);
}

/* |text| must fail with a message containing |where| ("t:L:C") and |what|. */
static void rejects(const char *text, const char *where, const char *what)
{
    struct cordon__toml_doc d;
    cordon_error e = cordon__toml_parse(text, strlen(text), "t", &d);
    CHECK_MSG(e == CORDON_ERR_POLICY_SYNTAX, "accepted: %s", text);
    if (e == CORDON_ERR_POLICY_SYNTAX) {
        CHECK_CONTAINS(cordon_last_error(), where);
        CHECK_CONTAINS(cordon_last_error(), what);
    } else if (e == CORDON_OK) {
        cordon__toml_free(&d);
    }
}

static void errors(void)
{
    rejects("a = 1\na = 2\n", "t:2:1", "duplicate key 'a'");
    rejects("[t]\n[t]\n", "t:2:4", "duplicate table");
    rejects("a = 1\n[a]\n", "t:2:4", "already a key");
    rejects("a = \"x\n", "t:1:7", "unterminated string");
    rejects("a = 'x", "t:1:7", "unterminated string");
    rejects("a = \"\\q\"\n", "t:1:7", "invalid escape");
    rejects("a = \"\\u12\"\n", "t:1:10", "invalid unicode escape");
    rejects("a = \"\\ud800\"\n", "t:1:", "scalar value");
    rejects("a = \"\\u0000\"\n", "t:1:", "non-NUL");
    rejects("a = \"\x01\"\n", "t:1:6", "control character");
    rejects("a = \"\xc3\x28\"\n", "t:1:6", "invalid UTF-8");
    rejects("a = \"\xe0\x80\xaf\"\n", "t:1:6", "invalid UTF-8"); /* overlong */
    rejects("a = bare\n", "t:1:5", "strings must be quoted");
    rejects("a = trueish\n", "t:1:5", "strings must be quoted");
    rejects("a =\n", "t:1:4", "missing value");
    rejects("a = 1 2\n", "t:1:7", "after value");
    rejects("a = 01\n", "t:1:6", "leading zeros");
    rejects("a = 0x10\n", "t:1:6", "only decimal");
    rejects("a = 1.5\n", "t:1:6", "only decimal");
    rejects("a = 1__0\n", "t:1:", "invalid integer");
    rejects("a = 1_\n", "t:1:", "invalid integer");
    rejects("a = 99999999999999999999\n", "t:1:", "out of range");
    rejects("a = [1]\n", "t:1:6", "only strings");
    rejects("a = [\"x\" \"y\"]\n", "t:1:10", "expected ','");
    rejects("a = [\"x\",\n", "t:2:1", "unterminated array");
    rejects("a.b = 1\n", "t:1:2", "dotted keys");
    rejects("\"a\" = 1\n", "t:1:1", "quoted keys");
    rejects("a 1\n", "t:1:3", "expected '='");
    rejects("= 1\n", "t:1:1", "expected a key");
    rejects("[t\n", "t:1:3", "expected ']'");
    rejects("[[t]]\n", "t:1:2", "arrays of tables");
    rejects("a = 1\r\r\n", "t:1:7", "carriage return");
    rejects("a = 1 # \x02\n", "t:1:9", "control character in comment");
    {
        char nul[] = "a = 1\nb = \"x\0y\"\n";
        struct cordon__toml_doc d;
        CHECK(cordon__toml_parse(nul, sizeof nul - 1, "t", &d) == CORDON_ERR_POLICY_SYNTAX);
        CHECK_CONTAINS(cordon_last_error(), "t:2:7: NUL byte");
    }
    {
        size_t n = CORDON__POLICY_MAX_BYTES + 1;
        char *big = malloc(n);
        struct cordon__toml_doc d;
        memset(big, '#', n);
        CHECK(cordon__toml_parse(big, n, "t", &d) == CORDON_ERR_POLICY_SYNTAX);
        CHECK_CONTAINS(cordon_last_error(), "more than the limit");
        free(big);
    }
}

int main(void)
{
    accepts();
    errors();
    TEST_MAIN_END();
}
