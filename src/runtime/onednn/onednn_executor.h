// oneDNN executor: primitives built once at compile, blocked layouts kept between oneDNN steps,
// conv + bias + activation (+ residual add via the sum post-op) fused, memory planned at compile.
#pragma once
#include <string>

#include "runtime/executor.h"

namespace qd::runtime {

std::unique_ptr<Executor> make_onednn_executor(const ir::Model& model, const CompileOptions& options);

// One line per execution step group of a oneDNN executor ("conv <node> +relu +sum(in-place) ...",
// "reference <node>", "reorder ..."): for tests and debugging. Empty for other executors.
std::string onednn_plan_summary(const Executor& executor);

// True when a oneDNN executor compiled for more than one thread runs every step on one: the whole model has
// too little work to split (see kSmallModelWork). False for other executors.
bool onednn_runs_on_one_thread(const Executor& executor);

}  // namespace qd::runtime
