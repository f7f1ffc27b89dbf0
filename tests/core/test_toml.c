#include "harness.h"
#include "internal.h"
int main(void) { struct cordon__toml_doc d; CHECK(cordon__toml_parse("a = 1\n", 6, "t", &d) == CORDON_OK); cordon__toml_free(&d); TEST_MAIN_END(); }
