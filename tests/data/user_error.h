// The message of the qd::Error that `f` throws, checked to be a user error ("<no error>" when it throws
// none).
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/error.h"

namespace qd::test {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::user);
    return e.what();
  }
  return "<no error>";
}

}  // namespace qd::test
