// Graph passes: small, verb-first rewrites run in an explicit order by a PassManager.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace qd::passes {

class Pass {
 public:
  virtual ~Pass() = default;
  virtual std::string name() const = 0;
  // Rewrites the graph; returns true when anything changed.
  virtual bool run(ir::Graph& g) = 0;
};

// Runs passes in order; after each it re-sorts, re-infers shapes and verifies the graph.
class PassManager {
 public:
  PassManager& add(std::unique_ptr<Pass> p) {
    passes_.push_back(std::move(p));
    return *this;
  }
  void run(ir::Graph& g);

 private:
  std::vector<std::unique_ptr<Pass>> passes_;
};

}  // namespace qd::passes
