/* examples/ci/: the GitHub Actions workflow and the GitLab CI job parse as
 * YAML (libyaml, already a dependency for policy files) and keep the shape
 * docs/ci.md describes: a step or script line that pushes the artifacts
 * with --wait and --junit-out sluice-junit.xml (and --github on GitHub),
 * and, on GitLab, that file as the job's JUnit report, kept even when the
 * gate failed the job. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include <cmocka.h>

#define CI(name) SL_SOURCE_DIR "/examples/ci/" name

static void
load(const char *path, yaml_document_t *doc)
{
    FILE *f = fopen(path, "rb");
    yaml_parser_t p;
    assert_non_null(f);
    assert_true(yaml_parser_initialize(&p));
    yaml_parser_set_input_file(&p, f);
    int ok = yaml_parser_load(&p, doc);
    if (!ok) {
        print_error("%s:%zu:%zu: %s\n", path, p.problem_mark.line + 1,
                    p.problem_mark.column + 1,
                    p.problem ? p.problem : "error");
    }
    yaml_parser_delete(&p);
    assert_int_equal(fclose(f), 0);
    assert_true(ok);
    assert_non_null(yaml_document_get_root_node(doc));
}

/* The value of key in mapping node m (NULL: none, or m is no mapping). */
static yaml_node_t *
get(yaml_document_t *doc, yaml_node_t *m, const char *key)
{
    if (m == NULL || m->type != YAML_MAPPING_NODE) {
        return NULL;
    }
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start;
         pr < m->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(doc, pr->key);
        if (k != NULL && k->type == YAML_SCALAR_NODE &&
            strcmp((const char *)k->data.scalar.value, key) == 0) {
            return yaml_document_get_node(doc, pr->value);
        }
    }
    return NULL;
}

static const char *
scalar(yaml_node_t *n)
{
    return n != NULL && n->type == YAML_SCALAR_NODE
               ? (const char *)n->data.scalar.value
               : NULL;
}

/* Nonzero when s is a sluice-agent push that waits and writes the JUnit
 * report the job keeps. */
static int
is_gate(const char *s, int github)
{
    return s != NULL && strstr(s, "sluice-agent push ") != NULL &&
           strstr(s, " --wait") != NULL &&
           strstr(s, " --junit-out sluice-junit.xml ") != NULL &&
           (!github || strstr(s, " --github") != NULL);
}

static void
test_ci_examples_github(void **state)
{
    (void)state;
    yaml_document_t doc;
    load(CI("github-actions.yml"), &doc);
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    assert_non_null(get(&doc, root, "on"));
    yaml_node_t *steps = get(&doc, get(&doc, get(&doc, root, "jobs"), "test"),
                             "steps");
    assert_non_null(steps);
    assert_int_equal(steps->type, YAML_SEQUENCE_NODE);
    int gates = 0;
    for (yaml_node_item_t *it = steps->data.sequence.items.start;
         it < steps->data.sequence.items.top; it++) {
        yaml_node_t *step = yaml_document_get_node(&doc, *it);
        if (is_gate(scalar(get(&doc, step, "run")), 1)) {
            gates++;
            /* it runs after a failed test step too */
            assert_non_null(scalar(get(&doc, step, "if")));
            assert_null(get(&doc, step, "continue-on-error"));
        }
    }
    assert_int_equal(gates, 1);
    yaml_document_delete(&doc);
}

static void
test_ci_examples_gitlab(void **state)
{
    (void)state;
    yaml_document_t doc;
    load(CI("gitlab-ci.yml"), &doc);
    yaml_node_t *job = get(&doc, yaml_document_get_root_node(&doc), "test");
    yaml_node_t *script = get(&doc, job, "script");
    assert_non_null(script);
    assert_int_equal(script->type, YAML_SEQUENCE_NODE);
    int gates = 0;
    for (yaml_node_item_t *it = script->data.sequence.items.start;
         it < script->data.sequence.items.top; it++) {
        const char *line = scalar(yaml_document_get_node(&doc, *it));
        if (is_gate(line, 0)) {
            gates++;
            assert_null(strstr(line, "|| true")); /* its exit status counts */
        }
    }
    assert_int_equal(gates, 1);
    yaml_node_t *art = get(&doc, job, "artifacts");
    assert_string_equal(scalar(get(&doc, art, "when")), "always");
    /* GitLab's junit report: a path, or a list of them */
    yaml_node_t *junit = get(&doc, get(&doc, art, "reports"), "junit");
    assert_non_null(junit);
    int found = scalar(junit) != NULL &&
                strcmp(scalar(junit), "sluice-junit.xml") == 0;
    if (junit->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = junit->data.sequence.items.start;
             it < junit->data.sequence.items.top; it++) {
            const char *p = scalar(yaml_document_get_node(&doc, *it));
            found |= p != NULL && strcmp(p, "sluice-junit.xml") == 0;
        }
    }
    assert_true(found);
    yaml_document_delete(&doc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ci_examples_github),
        cmocka_unit_test(test_ci_examples_gitlab),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
