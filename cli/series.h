/* Benchmark series of a branch, for `sluice baseline report` and `sluice
 * bench`: read from the run records the collector lists (ListRuns, newest
 * first), kept as small copies, then grouped per (project, benchmark,
 * measure) in time order (cli/series_load.c). The figures drawn from a
 * series (levels between change points, the baseline band, changes in
 * percent) are pure functions (cli/series.c), checked by
 * tests/unit/test_cli_series.c. */
#ifndef SLUICE_CLI_SERIES_H
#define SLUICE_CLI_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "sluice/wire.h"

/* Change points: E-divisive (sl_changepoints, docs/gate.md) with its
 * Bonferroni-bounded Welch t-test at this level, segments of at least this
 * many runs (docs/cli.md). */
#define CLI_CP_ALPHA    0.01
#define CLI_CP_MIN_SIZE 3
/* The baseline band of `sluice bench`: mean +- 2 sd of the last 10. */
#define CLI_BAND_LAST 10
#define CLI_BAND_SDS  2.0

/* One finished run of the series' branch. */
typedef struct cli_run {
    char *run_id, *project, *branch, *commit;
    int64_t finished_us;
    uint64_t last_lsn;
} cli_run_t;

/* One benchmark value of one of those runs. */
typedef struct cli_point {
    size_t run;          /* index into the set's runs */
    const char *project; /* the run's (borrowed from it) */
    int64_t finished_us; /* the run's: the series' order */
    uint64_t last_lsn;   /* the run's: breaks ties */
    char *name, *measure, *unit;
    int lower_is_better;
    double value, stddev;
    uint64_t n; /* samples: the file's count, else the samples kept */
} cli_point_t;

/* A run of any branch whose verdict (or early verdict) has a reason about
 * the benchmark asked for. */
typedef struct cli_flagged {
    char *run_id, *project, *branch, *commit;
    int64_t finished_us;
    sl_pb_verdict_t *verdict, *early; /* clones; NULL: no such reason */
} cli_flagged_t;

typedef struct cli_project {
    char *name;
    uint64_t runs; /* runs taken for it */
} cli_project_t;

typedef struct cli_series_set {
    cli_run_t *runs;
    size_t nruns, runs_cap;
    cli_point_t *pts; /* grouped and in time order after loading */
    size_t npts, pts_cap;
    cli_flagged_t *flagged; /* newest first */
    size_t nflagged, flagged_cap;
    cli_project_t *projects; /* in the order first seen */
    size_t nprojects, projects_cap;
    uint64_t scanned; /* run records looked at */
} cli_series_set_t;

/* What to read. */
typedef struct cli_walk {
    const char *project; /* NULL: every project */
    const char *branch;  /* the series' branch */
    const char *name;    /* NULL: every benchmark (report); else `bench` */
    const char *measure; /* NULL: every measure */
    uint64_t last;       /* runs per project: the newest `last` finished
                            runs of branch (with name: that have it) */
} cli_walk_t;

/* Walks ListRuns from the newest run: takes the newest w->last finished
 * runs of w->branch per project and their benchmarks; with w->name, also
 * every run of any branch, met on the way, whose verdicts name w->name.
 * The walk stops when w->project has its runs, else at the oldest run.
 * set starts zeroed; free it with cli_series_fini (also on error). Returns
 * the SL_* code with its message in err. */
int cli_series_load(sl_client_t *cl, const cli_common_t *c, const cli_walk_t *w,
                    cli_series_set_t *set, sl_err_t *err) SL_NODISCARD;
void cli_series_fini(cli_series_set_t *set);

/* Orders set->pts by (project, name, measure), then time (finished_us,
 * then last_lsn): each group contiguous and oldest first. */
void cli_series_sort(cli_series_set_t *set);

/* One group: the points of one (project, name, measure), oldest first. */
typedef struct cli_series {
    const cli_point_t *pts;
    size_t n;
} cli_series_t;

/* The group starting at *pos (0 first); moves *pos past it. Returns 0 when
 * there is none left. */
int cli_series_next(const cli_series_set_t *set, size_t *pos, cli_series_t *s);

/* The values of s in order, malloc'ed (caller frees); NULL on OOM. */
double *cli_series_values(const cli_series_t *s);

/* A change point: the first point of a new level, and the means of the
 * segments before and after it (bounded by the neighbouring points). */
typedef struct cli_cp {
    size_t index;
    double before, after;
} cli_cp_t;

/* The change points of x[0..n) (sl_changepoints with CLI_CP_ALPHA and
 * CLI_CP_MIN_SIZE) with their levels. *out is malloc'ed (caller frees;
 * NULL when none). SL_EINVAL when the statistics refuse a value (too
 * large: nothing is computed), SL_ENOMEM. */
int cli_changes(const double *x, size_t n, cli_cp_t **out,
                size_t *nout) SL_NODISCARD;

/* The levels around the change points cp[0..k) (increasing indices in
 * 1..n-1) of x[0..n): out[i].before is the mean of x[cp[i-1] .. cp[i]),
 * out[i].after of x[cp[i] .. cp[i+1]) (0 and n at the ends). */
void cli_levels(const double *x, size_t n, const size_t *cp, size_t k,
                cli_cp_t *out);

/* (to - from) / |from| * 100 into *pct; 0 when from is 0 or either is not
 * finite (then *pct is left alone). */
int cli_change_pct(double from, double to, double *pct);

/* The baseline band: mean and sd of the last (up to) CLI_BAND_LAST values
 * of x[0..n), low and high = mean -+ CLI_BAND_SDS sd. SL_EINVAL when the
 * statistics refuse a value, SL_ENOMEM. */
typedef struct cli_band {
    size_t n;
    double mean, sd, low, high;
} cli_band_t;
int cli_band(const double *x, size_t n, cli_band_t *b) SL_NODISCARD;

#endif
