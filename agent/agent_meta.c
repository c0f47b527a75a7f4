/* Run metadata: flags first, then the CI's environment, then git. */
#include "agent.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

typedef struct ci_env {
    const char *name;   /* "github", ... */
    const char *marker; /* set in that CI's jobs */
    const char *project, *branch, *branch2, *commit, *job;
} ci_env_t;

/* GitHub: GITHUB_HEAD_REF is the PR's source branch (empty on pushes). */
static const ci_env_t cis[] = {
    {"github", "GITHUB_ACTIONS", "GITHUB_REPOSITORY", "GITHUB_HEAD_REF",
     "GITHUB_REF_NAME", "GITHUB_SHA", "GITHUB_WORKFLOW"},
    {"gitlab", "GITLAB_CI", "CI_PROJECT_PATH", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
     "CI_COMMIT_REF_NAME", "CI_COMMIT_SHA", "CI_JOB_NAME"},
    {"jenkins", "JENKINS_URL", "JOB_NAME", "BRANCH_NAME", "GIT_BRANCH",
     "GIT_COMMIT", "JOB_NAME"},
};

static const char *
env(const char *name)
{
    const char *v = name ? getenv(name) : NULL;
    return v != NULL && *v != '\0' ? v : NULL;
}

static void
copy(char *dst, size_t cap, const char *src)
{
    if (dst[0] == '\0' && src != NULL) {
        (void)snprintf(dst, cap, "%s", src);
    }
}

/* First line of a git command's output, or "" (no git, not a repo). */
static void
git_line(const char *cmd, char *out, size_t cap)
{
    if (out[0] != '\0') {
        return;
    }
    FILE *p = popen(cmd, "r");
    if (p == NULL) {
        return;
    }
    if (fgets(out, (int)cap, p) == NULL) {
        out[0] = '\0';
    }
    out[strcspn(out, "\r\n")] = '\0';
    (void)pclose(p);
}

static const ci_env_t *
detect_ci(void)
{
    for (size_t i = 0; i < sizeof cis / sizeof cis[0]; i++) {
        if (env(cis[i].marker) != NULL) {
            return &cis[i];
        }
    }
    return NULL;
}

static void
ci_run_id(const ci_env_t *ci, agent_meta_t *m)
{
    if (ci == NULL || m->run_id[0] != '\0') {
        return;
    }
    if (strcmp(ci->name, "github") == 0 && env("GITHUB_RUN_ID")) {
        (void)snprintf(m->run_id, sizeof m->run_id, "github-%s-%s",
                       env("GITHUB_RUN_ID"),
                       env("GITHUB_RUN_ATTEMPT") ? env("GITHUB_RUN_ATTEMPT")
                                                 : "1");
    } else if (strcmp(ci->name, "gitlab") == 0 && env("CI_PIPELINE_ID")) {
        (void)snprintf(m->run_id, sizeof m->run_id, "gitlab-%s",
                       env("CI_PIPELINE_ID"));
    } else if (strcmp(ci->name, "jenkins") == 0 && env("BUILD_TAG")) {
        (void)snprintf(m->run_id, sizeof m->run_id, "%s", env("BUILD_TAG"));
    }
}

static void
ci_url(const ci_env_t *ci, agent_meta_t *m)
{
    if (ci == NULL) {
        return;
    }
    if (strcmp(ci->name, "github") == 0 && env("GITHUB_SERVER_URL") &&
        env("GITHUB_REPOSITORY") && env("GITHUB_RUN_ID")) {
        (void)snprintf(m->url, sizeof m->url, "%s/%s/actions/runs/%s",
                       env("GITHUB_SERVER_URL"), env("GITHUB_REPOSITORY"),
                       env("GITHUB_RUN_ID"));
    }
    copy(m->url, sizeof m->url, env("CI_PIPELINE_URL"));
    copy(m->url, sizeof m->url, env("BUILD_URL"));
}

static void
from_ci(const ci_env_t *ci, agent_meta_t *m)
{
    copy(m->ci, sizeof m->ci, ci ? ci->name : NULL);
    if (ci != NULL) {
        const char *b2 = env(ci->branch2);
        /* Jenkins' GIT_BRANCH is "origin/main". */
        if (strcmp(ci->name, "jenkins") == 0 && b2 != NULL &&
            strncmp(b2, "origin/", 7) == 0) {
            b2 += 7;
        }
        copy(m->project, sizeof m->project, env(ci->project));
        copy(m->branch, sizeof m->branch, env(ci->branch));
        copy(m->branch, sizeof m->branch, b2);
        copy(m->commit, sizeof m->commit, env(ci->commit));
        copy(m->job, sizeof m->job, env(ci->job));
    }
    ci_run_id(ci, m);
    ci_url(ci, m);
}

static void
from_git(agent_meta_t *m)
{
    char top[1024] = "";
    git_line("git rev-parse --abbrev-ref HEAD 2>/dev/null", m->branch,
             sizeof m->branch);
    git_line("git rev-parse HEAD 2>/dev/null", m->commit, sizeof m->commit);
    git_line("git rev-parse --show-toplevel 2>/dev/null", top, sizeof top);
    if (top[0] == '\0' && getcwd(top, sizeof top) == NULL) {
        top[0] = '\0';
    }
    const char *base = strrchr(top, '/');
    copy(m->project, sizeof m->project, base && base[1] ? base + 1 : NULL);
    copy(m->project, sizeof m->project, "default");
    copy(m->ci, sizeof m->ci, "local");
}

/* A branch name safe to hand to git through a shell: letters, digits and
 * . _ / - only, not starting with '-'. */
static int
safe_ref(const char *b)
{
    if (b[0] == '\0' || b[0] == '-') {
        return 0;
    }
    for (const char *c = b; *c != '\0'; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || strchr("._/-", *c) != NULL)) {
            return 0;
        }
    }
    return 1;
}

/* The base branch from the CI (the target of a pull/merge request), and
 * the run's merge-base with it from git when not given. */
static void
base_of(agent_meta_t *m)
{
    copy(m->base_branch, sizeof m->base_branch, env("GITHUB_BASE_REF"));
    copy(m->base_branch, sizeof m->base_branch,
         env("CI_MERGE_REQUEST_TARGET_BRANCH_NAME"));
    copy(m->base_branch, sizeof m->base_branch, env("CHANGE_TARGET"));
    if (m->base_commit[0] != '\0' || !safe_ref(m->base_branch) ||
        strcmp(m->base_branch, m->branch) == 0) {
        return;
    }
    char cmd[700];
    (void)snprintf(cmd, sizeof cmd,
                   "git merge-base HEAD 'origin/%s' 2>/dev/null || "
                   "git merge-base HEAD '%s' 2>/dev/null",
                   m->base_branch, m->base_branch);
    git_line(cmd, m->base_commit, sizeof m->base_commit);
}

/* --expect: a comma-separated list of kinds. */
static int
parse_expect(const char *list, agent_meta_t *m, sl_err_t *err)
{
    static const char *const kinds[] = {"tests", "coverage", "benchmarks",
                                        "findings", "patch"};
    const char *p = list;
    while (p != NULL && *p != '\0') {
        size_t n = strcspn(p, ",");
        size_t k = 0;
        while (k < 5 && (strlen(kinds[k]) != n ||
                         strncmp(kinds[k], p, n) != 0)) {
            k++;
        }
        if (k == 5) {
            return sl_err_set(err, SL_EINVAL,
                              "--expect: unknown kind '%.*s' (kinds: %s)",
                              (int)n, p, AGENT_KINDS);
        }
        int dup = 0;
        for (size_t i = 0; i < m->n_expect; i++) {
            dup |= strcmp(m->expect[i], kinds[k]) == 0;
        }
        if (!dup) {
            (void)snprintf(m->expect[m->n_expect++], sizeof m->expect[0],
                           "%s", kinds[k]);
        }
        p += n;
        p += *p == ',';
    }
    return SL_OK;
}

static void
make_run_id(agent_meta_t *m)
{
    if (m->run_id[0] != '\0') {
        return;
    }
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    (void)gmtime_r(&now, &tm);
    (void)strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
    (void)snprintf(m->run_id, sizeof m->run_id, "local-%s-%08x", stamp,
                   randombytes_random());
}

/* A run id is printable ASCII without spaces, at most 256 bytes. */
static int
check_run_id(const char *id, sl_err_t *err)
{
    size_t n = strlen(id);
    for (size_t i = 0; i < n; i++) {
        if (id[i] <= ' ' || id[i] > '~') {
            return sl_err_set(err, SL_EINVAL, "run id '%s': only printable "
                              "characters without spaces", id);
        }
    }
    if (n == 0 || n > 256) {
        return sl_err_set(err, SL_EINVAL, "run id: 1 to 256 characters");
    }
    return SL_OK;
}

int
agent_meta_resolve(const agent_cfg_t *cfg, agent_meta_t *m, sl_err_t *err)
{
    const struct {
        const char *name, *v;
        size_t cap;
    } given[] = {{"--run-id", cfg->run_id, sizeof m->run_id},
                 {"--project", cfg->project, sizeof m->project},
                 {"--branch", cfg->branch, sizeof m->branch},
                 {"--commit", cfg->commit, sizeof m->commit},
                 {"--runner", cfg->runner, sizeof m->runner},
                 {"--base-branch", cfg->base_branch, sizeof m->base_branch},
                 {"--base-commit", cfg->base_commit, sizeof m->base_commit}};
    memset(m, 0, sizeof *m);
    copy(m->run_id, sizeof m->run_id, cfg->run_id);
    copy(m->project, sizeof m->project, cfg->project);
    copy(m->branch, sizeof m->branch, cfg->branch);
    copy(m->commit, sizeof m->commit, cfg->commit);
    copy(m->runner, sizeof m->runner, cfg->runner);
    copy(m->base_branch, sizeof m->base_branch, cfg->base_branch);
    copy(m->base_commit, sizeof m->base_commit, cfg->base_commit);
    for (size_t i = 0; i < sizeof given / sizeof given[0]; i++) {
        if (given[i].v != NULL && strlen(given[i].v) >= given[i].cap) {
            return sl_err_set(err, SL_EINVAL, "%s: at most %zu characters",
                              given[i].name, given[i].cap - 1);
        }
    }
    from_ci(detect_ci(), m);
    from_git(m);
    base_of(m);
    int rc = parse_expect(cfg->expect, m, err);
    if (rc != SL_OK) {
        return rc;
    }
    if (sodium_init() < 0) {
        return sl_err_set(err, SL_ESYS, "libsodium failed to start");
    }
    make_run_id(m);
    return check_run_id(m->run_id, err);
}
