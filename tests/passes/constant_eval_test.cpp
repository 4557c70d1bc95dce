// Constant evaluators against hand-written expected values (or naive index formulas).
#include "passes/constant_eval.h"

#include <gtest/gtest.h>

#include <limits>

namespace qd::passes {
namespace {

std::vector<float> iota(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  return v;
}

Tensor f32(Shape s, std::vector<float> v) { return Tensor::from<float>(std::move(s), v); }
Tensor i64(Shape s, std::vector<int64_t> v) { return Tensor::from<int64_t>(std::move(s), v); }
template <typename T>
std::vector<T> vals(const Tensor& t) {
  auto s = t.values<T>();
  return {s.begin(), s.end()};
}

TEST(ConstantEval, Transpose2dAnd3d) {
  Tensor t = eval_transpose(f32({2, 3}, {0, 1, 2, 3, 4, 5}), {});
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(vals<float>(t), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  // perm {1, 2, 0}: out[i][j][k] = x[k][i][j] with x[a][b][c] = 12a + 4b + c.
  Tensor x = f32({2, 3, 4}, iota(24));
  Tensor y = eval_transpose(x, {1, 2, 0});
  ASSERT_EQ(y.shape(), (Shape{3, 4, 2}));
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 2; ++k) EXPECT_EQ(y.data<float>()[i * 8 + j * 2 + k], 12.f * k + 4.f * i + j);
  EXPECT_THROW(eval_transpose(x, {0, 0, 1}), Error);
}

TEST(ConstantEval, ConcatMiddleAxis) {
  Tensor c = eval_concat({f32({2, 1}, {1, 2}), f32({2, 2}, {3, 4, 5, 6})}, -1);
  EXPECT_EQ(c.shape(), (Shape{2, 3}));
  EXPECT_EQ(vals<float>(c), (std::vector<float>{1, 3, 4, 2, 5, 6}));
  EXPECT_THROW(eval_concat({f32({2, 1}, {1, 2}), f32({3, 1}, {1, 2, 3})}, 1), Error);
}

TEST(ConstantEval, GatherAxes) {
  Tensor shape = i64({4}, {1, 3, 32, 32});
  Tensor g0 = eval_gather(shape, i64({}, {-1}), 0);
  EXPECT_EQ(g0.shape(), Shape{});
  EXPECT_EQ(vals<int64_t>(g0), (std::vector<int64_t>{32}));
  // axis 1 of [2, 3] with indices [[2, 0]] -> shape [2, 1, 2]
  Tensor g1 = eval_gather(f32({2, 3}, {0, 1, 2, 3, 4, 5}), i64({1, 2}, {2, 0}), 1);
  EXPECT_EQ(g1.shape(), (Shape{2, 1, 2}));
  EXPECT_EQ(vals<float>(g1), (std::vector<float>{2, 0, 5, 3}));
  EXPECT_THROW(eval_gather(shape, i64({1}, {4}), 0), Error);
}

TEST(ConstantEval, SliceClampsAndStepsBackwards) {
  Tensor x = i64({6}, {0, 1, 2, 3, 4, 5});
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(vals<int64_t>(eval_slice(x, {2}, {kMax}, {}, {})), (std::vector<int64_t>{2, 3, 4, 5}));
  EXPECT_EQ(vals<int64_t>(eval_slice(x, {-1}, {-kMax}, {0}, {-2})), (std::vector<int64_t>{5, 3, 1}));
  EXPECT_EQ(eval_slice(x, {4}, {2}, {}, {}).numel(), 0);
  // 2-D: rows 0..1, columns 1.. by 2 of a 3x4
  Tensor y = eval_slice(f32({3, 4}, iota(12)), {0, 1}, {2, 100}, {0, 1}, {1, 2});
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  EXPECT_EQ(vals<float>(y), (std::vector<float>{1, 3, 5, 7}));
}

TEST(ConstantEval, BinaryBroadcastAndIntegerDivision) {
  Tensor s = eval_binary(ir::OpKind::Add, f32({2, 1}, {10, 20}), f32({3}, {1, 2, 3}));
  EXPECT_EQ(s.shape(), (Shape{2, 3}));
  EXPECT_EQ(vals<float>(s), (std::vector<float>{11, 12, 13, 21, 22, 23}));
  EXPECT_EQ(vals<float>(eval_binary(ir::OpKind::Sub, f32({2}, {5, 6}), f32({}, {1}))),
            (std::vector<float>{4, 5}));
  EXPECT_EQ(vals<int64_t>(eval_binary(ir::OpKind::Div, i64({2}, {-7, 7}), i64({1}, {2}))),
            (std::vector<int64_t>{-3, 3}));
  EXPECT_EQ(vals<int64_t>(eval_binary(ir::OpKind::Mul, i64({2}, {-7, 7}), i64({1}, {3}))),
            (std::vector<int64_t>{-21, 21}));
  EXPECT_THROW(eval_binary(ir::OpKind::Add, f32({2}, {1, 2}), f32({3}, {1, 2, 3})), Error);
  EXPECT_THROW(eval_binary(ir::OpKind::Add, f32({1}, {1}), i64({1}, {1})), Error);
}

TEST(ConstantEval, CastTruncatesTowardZero) {
  Tensor c = eval_cast(f32({3}, {-1.7f, 2.9f, 0.f}), DataType::i64);
  EXPECT_EQ(c.dtype(), DataType::i64);
  EXPECT_EQ(vals<int64_t>(c), (std::vector<int64_t>{-1, 2, 0}));
  Tensor f = eval_cast(i64({2}, {-3, 5}), DataType::f32);
  EXPECT_EQ(vals<float>(f), (std::vector<float>{-3, 5}));
}

TEST(ConstantEval, ReshapeResolution) {
  EXPECT_EQ(resolve_reshape({2, 3, 4}, {0, -1}), (Shape{2, 12}));
  EXPECT_EQ(resolve_reshape({2, 3, 4}, {-1, 4, 1}), (Shape{6, 4, 1}));
  EXPECT_THROW(resolve_reshape({2, 3, 4}, {-1, -1}), Error);
  EXPECT_THROW(resolve_reshape({2, 3, 4}, {5, -1}), Error);
  EXPECT_THROW(resolve_reshape({2, 3, 4}, {2, 3}), Error);
}

TEST(ConstantEval, RangeAndConstantOfShape) {
  EXPECT_EQ(vals<int64_t>(eval_range(i64({}, {1}), i64({}, {10}), i64({}, {3}))),
            (std::vector<int64_t>{1, 4, 7}));
  EXPECT_EQ(vals<float>(eval_range(f32({}, {1}), f32({}, {0}), f32({}, {-0.5f}))),
            (std::vector<float>{1, 0.5f}));
  Tensor c = eval_constant_of_shape({2, 2}, f32({1}, {7}));
  EXPECT_EQ(c.shape(), (Shape{2, 2}));
  EXPECT_EQ(vals<float>(c), (std::vector<float>{7, 7, 7, 7}));
}

TEST(ConstantEval, NodeDispatch) {
  ir::Node un;
  un.op = ir::OpKind::Unsqueeze;
  un.attrs = ir::AxesAttrs{{0, -1}};
  auto r = evaluate_node(un, {f32({3}, {1, 2, 3})});
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[0].shape(), (Shape{1, 3, 1}));
  ir::Node fl;
  fl.op = ir::OpKind::Flatten;
  fl.attrs = ir::AxisAttrs{2};
  EXPECT_EQ((*evaluate_node(fl, {f32({2, 3, 2}, iota(12))}))[0].shape(), (Shape{6, 2}));
  ir::Node clip;
  clip.op = ir::OpKind::Clip;
  clip.attrs = ir::ActAttrs{-1.f, 2.f};
  EXPECT_EQ(vals<float>((*evaluate_node(clip, {f32({3}, {-5, 0.5f, 9})}))[0]),
            (std::vector<float>{-1, 0.5f, 2}));
  ir::Node conv;
  conv.op = ir::OpKind::Conv;
  conv.attrs = ir::ConvAttrs{};
  EXPECT_FALSE(evaluate_node(conv, {f32({1}, {1}), f32({1}, {1})}));
}

}  // namespace
}  // namespace qd::passes
