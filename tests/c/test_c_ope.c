/* Off-policy evaluation through the C ABI, as a C99 host sees it: includes only attune.h. */
#include "attune.h"
#include "c_check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>


/* r = 1 0 1 0, p = .5 .25 .5 1, pi = 1 .5 .25 0: weights 2 2 .5 0. */
static const double rewards[4] = {1, 0, 1, 0};
static const double props[4] = {0.5, 0.25, 0.5, 1.0};
static const double target[4] = {1.0, 0.5, 0.25, 0.0};
static const double q_logged[4] = {0.5, 0.5, 0.5, 0.5};
static const double q_target[4] = {0.4, 0.4, 0.4, 0.4};

static void test_estimates(void) {
  attune_ope_result res;
  attune_ope_result_init(&res);
  CHECK(attune_ope_ips(rewards, props, target, 4, NULL, &res) == ATTUNE_OK);
  CHECK(fabs(res.estimate - 0.625) < 1e-15);
  CHECK(res.lower < res.estimate && res.estimate < res.upper);
  CHECK(fabs(res.ess - 4.5 * 4.5 / 8.25) < 1e-12);
  CHECK(res.max_weight == 2.0);
  CHECK(res.rows == 4 && res.rows_clipped == 0);
  CHECK(res.estimator == ATTUNE_OPE_IPS);

  CHECK(attune_ope_snips(rewards, props, target, 4, NULL, &res) == ATTUNE_OK);
  CHECK(fabs(res.estimate - 2.5 / 4.5) < 1e-15);

  CHECK(attune_ope_dr(rewards, props, target, q_logged, q_target, 4, NULL, &res) == ATTUNE_OK);
  CHECK(fabs(res.estimate - 1.85 / 4) < 1e-15);

  {
    attune_ope_options o;
    attune_ope_options_init(&o);
    CHECK(o.struct_size == sizeof o && o.clip == 0.0 && o.confidence == 0.95);
    o.clip = 1.0;
    CHECK(attune_ope_ips(rewards, props, target, 4, &o, &res) == ATTUNE_OK);
    CHECK(fabs(res.estimate - 0.375) < 1e-15);
    CHECK(res.rows_clipped == 2 && res.max_raw_weight == 2.0 && res.max_weight == 1.0);
  }
}

static void test_matrix(void) {
  const int64_t actions[3] = {0, 1, 2};
  const double r[3] = {1, 0, 1}, p[3] = {0.5, 0.25, 0.25};
  const double tm[9] = {0.2, 0.3, 0.5, 0.0, 1.0, 0.0, 0.25, 0.25, 0.5};
  attune_ope_result res;
  attune_ope_result_init(&res);
  CHECK(attune_ope_evaluate_matrix(ATTUNE_OPE_IPS, actions, r, p, tm, NULL, 3, 3, NULL, &res) == ATTUNE_OK);
  /* w = .4, 4, 2 -> IPS = (.4 + 0 + 2) / 3 */
  CHECK(fabs(res.estimate - 2.4 / 3) < 1e-15);
}

static void test_errors(void) {
  attune_ope_result res, before;
  double bad[4];
  attune_ope_result_init(&res);
  CHECK(attune_ope_ips(rewards, props, target, 4, NULL, &res) == ATTUNE_OK);
  before = res;
  memcpy(bad, props, sizeof bad);
  bad[2] = 0.0;
  CHECK(attune_ope_ips(rewards, bad, target, 4, NULL, &res) == ATTUNE_E_OUT_OF_RANGE);
  CHECK(strstr(attune_last_error(), "row 2") != NULL);
  CHECK(memcmp(&before, &res, sizeof res) == 0);
  CHECK(attune_ope_ips(rewards, props, target, 1, NULL, &res) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_ope_ips(NULL, props, target, 4, NULL, &res) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_ope_dr(rewards, props, target, NULL, q_target, 4, NULL, &res) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(attune_ope_ips(rewards, props, target, 4, NULL, NULL) == ATTUNE_E_INVALID_ARGUMENT);
  CHECK(memcmp(&before, &res, sizeof res) == 0);
  CHECK(attune_ope_ips(rewards, props, target, 4, NULL, &res) == ATTUNE_OK);
  CHECK(strcmp(attune_last_error(), "") == 0);
}

int main(void) {
  test_estimates();
  test_matrix();
  test_errors();
  return check_report();
}
