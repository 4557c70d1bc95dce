// Where a model spends its time: per-step profiles of several runs (Executor::last_profile) reduced to the
// median time of each step, its share of the total, and totals per kind of operation.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/executor.h"

namespace qd {

struct StepTime {
  std::string name;  // IR node name of the step
  std::string op;    // what ran ("conv int8 3x3", ...)
  double median_ms = 0;
  double share = 0;  // median_ms / ProfileSummary::total_ms
};

struct OpTime {
  std::string op;
  int steps = 0;     // how many steps ran this op
  double ms = 0;     // sum of their medians
  double share = 0;  // ms / ProfileSummary::total_ms
};

struct ProfileSummary {
  int runs = 0;                 // profiles summarised
  double total_ms = 0;          // sum of the step medians (not the median of the run totals)
  std::vector<StepTime> steps;  // in execution order
  std::vector<OpTime> by_op;    // largest first (ties: op name)

  bool empty() const { return steps.empty(); }
  // Steps sorted by median time, largest first (ties keep execution order), at most n.
  std::vector<StepTime> top(size_t n) const;
};

// Steps are matched by position across runs (a compiled executor runs the same steps every time). Empty
// profiles (a runtime built without profiling) are ignored; all-empty input gives an empty summary. Throws
// an internal error when two non-empty runs list different steps.
ProfileSummary summarize_profiles(const std::vector<std::vector<runtime::StepProfile>>& runs);

// "| # | step | op | median ms | share |" for the top n steps, then "| op | steps | ms | share |".
std::string format_profile(const ProfileSummary& summary, size_t top_n);

// {"runs", "total_ms", "steps": [{"name","op","median_ms","share"}...] (execution order),
//  "top": [...] (top_n, largest first), "by_op": [{"op","steps","ms","share"}...]}
nlohmann::json profile_json(const ProfileSummary& summary, size_t top_n);

}  // namespace qd
