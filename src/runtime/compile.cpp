#include "runtime/executor.h"
#include "runtime/onednn/onednn_executor.h"
#include "runtime/ref/ref_executor.h"

namespace qd::runtime {

std::unique_ptr<Executor> compile(const ir::Model& model, const CompileOptions& options) {
  if (options.threads < 0) fail("", "threads must be >= 0 (got " + std::to_string(options.threads) + ")");
  switch (options.backend) {
    case Backend::reference:
      return make_reference_executor(model, options);
    case Backend::onednn:
      return make_onednn_executor(model, options);
  }
  fail_internal("compile: unknown backend");
}

}  // namespace qd::runtime
