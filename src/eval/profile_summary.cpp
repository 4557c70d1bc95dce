#include "eval/profile_summary.h"

#include <algorithm>
#include <map>

#include "core/error.h"
#include "eval/latency.h"
#include "util/text_table.h"

namespace qd {

std::vector<StepTime> ProfileSummary::top(size_t n) const {
  std::vector<StepTime> s = steps;
  std::stable_sort(s.begin(), s.end(),
                   [](const StepTime& a, const StepTime& b) { return a.median_ms > b.median_ms; });
  if (s.size() > n) s.resize(n);
  return s;
}

ProfileSummary summarize_profiles(const std::vector<std::vector<runtime::StepProfile>>& runs) {
  ProfileSummary out;
  const std::vector<runtime::StepProfile>* first = nullptr;
  std::vector<LatencyStats> per_step;
  for (const auto& run : runs) {
    if (run.empty()) continue;
    if (!first) {
      first = &run;
      per_step.resize(run.size());
    }
    if (run.size() != first->size())
      fail_internal("profiles of one executor list different numbers of steps");
    for (size_t i = 0; i < run.size(); ++i) {
      if (run[i].name != (*first)[i].name) fail_internal("profiles of one executor list different steps");
      per_step[i].add(run[i].ms);
    }
    ++out.runs;
  }
  if (!first) return out;
  for (size_t i = 0; i < first->size(); ++i) {
    out.steps.push_back({(*first)[i].name, (*first)[i].op, per_step[i].median(), 0});
    out.total_ms += out.steps.back().median_ms;
  }
  std::map<std::string, OpTime> ops;
  for (StepTime& s : out.steps) {
    s.share = out.total_ms > 0 ? s.median_ms / out.total_ms : 0;
    OpTime& o = ops[s.op];
    o.op = s.op;
    ++o.steps;
    o.ms += s.median_ms;
  }
  for (auto& [name, o] : ops) {
    o.share = out.total_ms > 0 ? o.ms / out.total_ms : 0;
    out.by_op.push_back(o);
  }
  std::stable_sort(out.by_op.begin(), out.by_op.end(),
                   [](const OpTime& a, const OpTime& b) { return a.ms > b.ms; });
  return out;
}

std::string format_profile(const ProfileSummary& summary, size_t top_n) {
  std::vector<std::vector<std::string>> rows;
  int rank = 0;
  for (const StepTime& s : summary.top(top_n))
    rows.push_back({std::to_string(++rank), s.name, s.op, format_number("%.3f", s.median_ms),
                    format_number("%.1f%%", 100 * s.share)});
  std::string out =
      format_text_table({"#", "step", "op", "median ms", "share"}, rows, {true, false, false, true, true});
  rows.clear();
  for (const OpTime& o : summary.by_op)
    rows.push_back(
        {o.op, std::to_string(o.steps), format_number("%.3f", o.ms), format_number("%.1f%%", 100 * o.share)});
  rows.push_back({"total (sum of step medians)", std::to_string(summary.steps.size()),
                  format_number("%.3f", summary.total_ms), "100.0%"});
  out += "\n" + format_text_table({"op", "steps", "ms", "share"}, rows, {false, true, true, true});
  return out;
}

nlohmann::json profile_json(const ProfileSummary& summary, size_t top_n) {
  auto step = [](const StepTime& s) {
    return nlohmann::json{{"name", s.name}, {"op", s.op}, {"median_ms", s.median_ms}, {"share", s.share}};
  };
  nlohmann::json j;
  j["runs"] = summary.runs;
  j["total_ms"] = summary.total_ms;
  j["steps"] = nlohmann::json::array();
  for (const StepTime& s : summary.steps) j["steps"].push_back(step(s));
  j["top"] = nlohmann::json::array();
  for (const StepTime& s : summary.top(top_n)) j["top"].push_back(step(s));
  j["by_op"] = nlohmann::json::array();
  for (const OpTime& o : summary.by_op)
    j["by_op"].push_back({{"op", o.op}, {"steps", o.steps}, {"ms", o.ms}, {"share", o.share}});
  return j;
}

}  // namespace qd
