// The calibration entry points that need the real runtime (kept apart so code that injects its own
// executors, e.g. tests, does not link runtime::compile).
#include "quant/calibrate.h"

namespace qd::quant {

CalibrationStats collect_stats(const ir::Model& fp32_model, BatchSource& source, const CalibOptions& options,
                               const CalibProgress& progress) {
  const ExecutorFactory compile_fp32 = [&](const ir::Model& model, int64_t batch) {
    runtime::CompileOptions c;
    c.backend = runtime::Backend::onednn;
    c.int8 = runtime::Int8Mode::off;
    c.threads = options.num_threads;
    c.batch = batch;
    return runtime::compile(model, c);
  };
  return collect_stats(fp32_model, source, options, compile_fp32, progress);
}

ir::QuantParams calibrate(const ir::Model& fp32_model, BatchSource& source, const CalibOptions& options,
                          const CalibProgress& progress) {
  const CalibrationStats stats = collect_stats(fp32_model, source, options, progress);
  return params_from_stats(stats, fp32_model, options);
}

}  // namespace qd::quant
