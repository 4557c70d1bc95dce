// oneDNN executor: primitives built once at compile, blocked layouts kept between oneDNN steps,
// conv + bias + activation (+ residual add via the sum post-op) fused, memory planned at compile.
#pragma once
#include "runtime/executor.h"

namespace qd::runtime {

std::unique_ptr<Executor> make_onednn_executor(const ir::Model& model, const CompileOptions& options);

}  // namespace qd::runtime
