// Reference executor: runs the graph node by node with the naive kernels (the test oracle).
#pragma once
#include "runtime/executor.h"

namespace qd::runtime {

// Taps see every non-constant value (a superset of what the oneDNN backend shows).
std::unique_ptr<Executor> make_reference_executor(const ir::Model& model, const CompileOptions& options);

}  // namespace qd::runtime
