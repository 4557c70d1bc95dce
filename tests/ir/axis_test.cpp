// ir/axis.h: the one axis and broadcasting rule.
#include "ir/axis.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace qd::ir {
namespace {

TEST(Axis, NormalizeAxis) {
  EXPECT_EQ(normalize_axis(-1, 4), 3);
  EXPECT_EQ(normalize_axis(0, 1), 0);
  EXPECT_THROW(normalize_axis(4, 4), Error);
  EXPECT_THROW(normalize_axis(-5, 4), Error);
}

TEST(Axis, BroadcastShapesStaticAndSymbolic) {
  EXPECT_EQ(broadcast_shapes({8, 1, 6, 1}, {7, 1, 5}), (Shape{8, 7, 6, 5}));
  EXPECT_EQ(broadcast_shapes({-1, 3}, {1, 3}), (Shape{-1, 3}));
  EXPECT_EQ(broadcast_shapes({-1, 3}, {4, 3}), (Shape{4, 3}));
  EXPECT_EQ(broadcast_shapes({}, {2}), (Shape{2}));
  EXPECT_THROW(broadcast_shapes({2, 3}, {4, 3}), Error);
}

}  // namespace
}  // namespace qd::ir
