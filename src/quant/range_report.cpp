#include "quant/range_report.h"

#include <algorithm>
#include <cstdio>
#include <exception>

#include "core/error.h"
#include "core/threads.h"
#include "quant/ranges/range_methods.h"

namespace qd::quant {

RangeReport range_report(const CalibrationStats& stats, const ir::Model& model, const RangeOptions& options,
                         std::vector<RangeMethod> methods, int num_threads) {
  RangeReport report;
  report.methods = methods.empty() ? range_methods() : std::move(methods);
  const ir::Graph& g = model.graph;
  std::vector<const ActivationStats*> inputs;
  for (const QuantizableNode& q : quantizable_nodes(g)) {
    RangeReportRow row;
    row.node = g.node(q.node).name;
    row.value = g.value(q.input).name;
    const ActivationStats* s = stats.find(row.value);
    if (!s)
      fail("range report", "no statistics for value '" + row.value + "' (input of node '" + row.node + "')");
    row.absmax = s->absmax();
    const uint64_t total = s->minmax.count();
    row.zero_fraction = total ? static_cast<double>(s->minmax.zero_count()) / total : 0.0;
    report.rows.push_back(std::move(row));
    inputs.push_back(s);
  }
  const int threads = resolve_threads(num_threads);
  const int64_t n = static_cast<int64_t>(report.rows.size());
  std::vector<std::exception_ptr> errors(n);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (int64_t i = 0; i < n; ++i) {
    try {
      for (const RangeMethod m : report.methods)
        report.rows[i].thresholds.push_back(compute_threshold(m, *inputs[i], options));
    } catch (...) {
      errors[i] = std::current_exception();
    }
  }
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
  return report;
}

std::string format_range_report(const RangeReport& report) {
  size_t width = 4;
  for (const RangeReportRow& r : report.rows) width = std::max(width, r.node.size());
  std::string out;
  char buf[64];
  out += "node" + std::string(width - 4, ' ') + "      absmax  zeros%";
  for (const RangeMethod m : report.methods) {
    std::snprintf(buf, sizeof buf, " %10s", std::string(range_method_name(m)).c_str());
    out += buf;
  }
  out += "   (threshold / absmax)\n";
  for (const RangeReportRow& r : report.rows) {
    out += r.node + std::string(width - r.node.size(), ' ');
    std::snprintf(buf, sizeof buf, " %11.5g %7.2f", r.absmax, 100.0 * r.zero_fraction);
    out += buf;
    for (float t : r.thresholds) {
      std::snprintf(buf, sizeof buf, " %10.4f", r.absmax > 0 ? t / r.absmax : 0.0);
      out += buf;
    }
    out += "\n";
  }
  return out;
}

}  // namespace qd::quant
