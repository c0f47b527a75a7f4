/* agent_meta_resolve: flags over the CI's environment over git. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent.h"

static const char *const ci_vars[] = {
    "GITHUB_ACTIONS", "GITHUB_REPOSITORY", "GITHUB_HEAD_REF", "GITHUB_REF_NAME",
    "GITHUB_SHA", "GITHUB_WORKFLOW", "GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT",
    "GITHUB_SERVER_URL", "GITLAB_CI", "CI_PROJECT_PATH",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "CI_COMMIT_REF_NAME",
    "CI_COMMIT_SHA", "CI_JOB_NAME", "CI_PIPELINE_ID", "CI_PIPELINE_URL",
    "JENKINS_URL", "JOB_NAME", "BRANCH_NAME", "GIT_BRANCH", "GIT_COMMIT",
    "BUILD_TAG", "BUILD_URL", NULL};

static int
clear_env(void **state)
{
    (void)state;
    for (size_t i = 0; ci_vars[i] != NULL; i++) {
        unsetenv(ci_vars[i]);
    }
    return 0;
}

static void
test_meta_github(void **state)
{
    (void)state;
    setenv("GITHUB_ACTIONS", "true", 1);
    setenv("GITHUB_REPOSITORY", "acme/widget", 1);
    setenv("GITHUB_HEAD_REF", "", 1); /* a push, not a pull request */
    setenv("GITHUB_REF_NAME", "main", 1);
    setenv("GITHUB_SHA", "0123abcd", 1);
    setenv("GITHUB_RUN_ID", "4242", 1);
    setenv("GITHUB_RUN_ATTEMPT", "2", 1);
    setenv("GITHUB_SERVER_URL", "https://github.example", 1);
    agent_cfg_t cfg = {0};
    agent_meta_t m;
    assert_int_equal(agent_meta_resolve(&cfg, &m, NULL), SL_OK);
    assert_string_equal(m.ci, "github");
    assert_string_equal(m.project, "acme/widget");
    assert_string_equal(m.branch, "main");
    assert_string_equal(m.commit, "0123abcd");
    assert_string_equal(m.run_id, "github-4242-2");
    assert_string_equal(m.url,
                        "https://github.example/acme/widget/actions/runs/4242");
}

static void
test_meta_gitlab_merge_request(void **state)
{
    (void)state;
    setenv("GITLAB_CI", "true", 1);
    setenv("CI_PROJECT_PATH", "group/app", 1);
    setenv("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature/x", 1);
    setenv("CI_COMMIT_REF_NAME", "refs/merge-requests/7/head", 1);
    setenv("CI_COMMIT_SHA", "feedbeef", 1);
    setenv("CI_PIPELINE_ID", "99", 1);
    agent_cfg_t cfg = {0};
    agent_meta_t m;
    assert_int_equal(agent_meta_resolve(&cfg, &m, NULL), SL_OK);
    assert_string_equal(m.ci, "gitlab");
    assert_string_equal(m.branch, "feature/x");
    assert_string_equal(m.run_id, "gitlab-99");
}

static void
test_meta_jenkins_strips_origin(void **state)
{
    (void)state;
    setenv("JENKINS_URL", "http://ci", 1);
    setenv("JOB_NAME", "app/main", 1);
    setenv("GIT_BRANCH", "origin/release", 1);
    setenv("GIT_COMMIT", "c0ffee", 1);
    setenv("BUILD_TAG", "jenkins-app-main-17", 1);
    agent_cfg_t cfg = {0};
    agent_meta_t m;
    assert_int_equal(agent_meta_resolve(&cfg, &m, NULL), SL_OK);
    assert_string_equal(m.ci, "jenkins");
    assert_string_equal(m.branch, "release");
    assert_string_equal(m.run_id, "jenkins-app-main-17");
}

static void
test_meta_flags_win(void **state)
{
    (void)state;
    setenv("GITHUB_ACTIONS", "true", 1);
    setenv("GITHUB_REF_NAME", "main", 1);
    setenv("GITHUB_RUN_ID", "1", 1);
    agent_cfg_t cfg = {.project = "p", .branch = "b", .commit = "c",
                       .run_id = "r-1"};
    agent_meta_t m;
    assert_int_equal(agent_meta_resolve(&cfg, &m, NULL), SL_OK);
    assert_string_equal(m.project, "p");
    assert_string_equal(m.branch, "b");
    assert_string_equal(m.commit, "c");
    assert_string_equal(m.run_id, "r-1");
}

static void
test_meta_local_run_id_and_bad_ids(void **state)
{
    (void)state;
    agent_cfg_t cfg = {0};
    agent_meta_t m, m2;
    assert_int_equal(agent_meta_resolve(&cfg, &m, NULL), SL_OK);
    assert_int_equal(agent_meta_resolve(&cfg, &m2, NULL), SL_OK);
    assert_string_equal(m.ci, "local");
    assert_int_equal(strncmp(m.run_id, "local-", 6), 0);
    assert_string_not_equal(m.run_id, m2.run_id);
    sl_err_t err = {0};
    cfg.run_id = "has space";
    assert_int_equal(agent_meta_resolve(&cfg, &m, &err), SL_EINVAL);
    assert_non_null(strstr(err.msg, "has space"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_meta_github, clear_env),
        cmocka_unit_test_setup(test_meta_gitlab_merge_request, clear_env),
        cmocka_unit_test_setup(test_meta_jenkins_strips_origin, clear_env),
        cmocka_unit_test_setup(test_meta_flags_win, clear_env),
        cmocka_unit_test_setup(test_meta_local_run_id_and_bad_ids, clear_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
