/* A libFuzzer target for policy files (lib/policy_file.c): each input is
 * parsed as a policy; a refusal must say why, and a set that parses is
 * resolved for several projects and branches and every field of the
 * result read, so a sanitizer sees a bad copy or an unterminated string.
 * tests/fuzz/CMakeLists.txt builds it as fuzz_replay_policy (ctest
 * fuzz.replay.policy) and, with -DSL_FUZZ=ON, as fuzz_policy. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless s is a string within its field. */
static size_t
str(const char *s)
{
    size_t n = strnlen(s, SL_POLICY_NAME_MAX);
    if (n == SL_POLICY_NAME_MAX) {
        abort();
    }
    return n;
}

static size_t
touch(const sl_policy_t *p, const char *branch)
{
    size_t sum = str(p->baseline_branch) + str(p->alert_webhook) +
                 str(p->alert_command) + str(p->bench_default.match);
    if (p->n_bench > SL_POLICY_BENCH_RULES ||
        p->n_protected > SL_POLICY_GLOBS) {
        abort();
    }
    for (size_t i = 0; i < p->n_bench; i++) {
        sum += str(p->bench[i].match) + p->bench[i].window;
    }
    for (size_t i = 0; i < p->n_protected; i++) {
        sum += str(p->protected_branches[i]);
    }
    sum += (size_t)sl_policy_protected(p, branch);
    sum += sl_policy_bench_rule(p, "parse_json")->window;
    return sum;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {NULL, "", "main", "release/1.2",
                                        "api", "demo", "a*"};
    const size_t n = sizeof names / sizeof names[0];
    sl_policy_set_t *s = NULL;
    sl_err_t err = {0};
    int rc = sl_policy_parse_set("fuzz.yml", (const char *)data, size, &s,
                                 &err);
    if (rc != SL_OK) {
        if (s != NULL || err.msg[0] == '\0') {
            abort(); /* a refusal leaves nothing and says why */
        }
        return 0;
    }
    volatile size_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            sl_policy_t p;
            sl_policy_resolve(s, names[i], names[j], NULL, 0, &p);
            sum += touch(&p, names[j]);
        }
    }
    (void)sum;
    sl_policy_set_free(&s);
    return 0;
}
