/* Scenario: a gate's checkpoint is an LSN of one collector store. Pointed
 * at a collector serving another store (a fresh data dir on the same
 * endpoint, say), the gate refuses to go on instead of skipping that many
 * LSNs of the new log, and says what to do. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void
test_store_identity(void **state)
{
    h_env_t *h = *state;
    char data1[H_PATH], data2[H_PATH], gstate[H_PATH];
    h_proc_t *c1 = h_collector_start(h, h_path(h, "data1", data1), NULL);
    h_proc_t *g = h_gate_start(h, c1, h_path(h, "gate", gstate));
    const h_result_t *r =
        h_agent(h, "push", "--collector", c1->listen, "--run-id", "s-1",
                "--wait=20", H_FIXTURE("passing.xml"), NULL);
    assert_int_equal(r->status, 0);
    h_stop(h, g);
    h_stop(h, c1);

    h_proc_t *c2 = h_collector_start(h, h_path(h, "data2", data2), NULL);
    r = h_agent(h, "push", "--collector", c2->listen, "--run-id", "s-2",
                H_FIXTURE("passing.xml"), NULL);
    assert_int_equal(r->status, 0);
    g = h_gate_start(h, c2, gstate);
    char *err = h_expect_exit(h, g, 1);
    h_assert_contains(err, "another store");
    h_assert_contains(err, "fresh --state");
    free(err);
    /* No verdict was made from a misread log. */
    const sl_pb_run_t *run = h_run_get(h, c2, "s-2");
    assert_int_equal(run->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING);

    /* A fresh state follows the new store from its start. */
    char gstate2[H_PATH];
    (void)h_gate_start(h, c2, h_path(h, "gate2", gstate2));
    run = h_wait_verdict(h, c2, "s-2", 20000);
    assert_int_equal(run->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_PASS);
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_identity, h_setup,
                                        h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
