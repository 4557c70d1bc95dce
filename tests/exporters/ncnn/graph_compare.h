// Test helper: field-by-field comparison of two IR graphs (names, ops, wiring, attributes, constants
// bit for bit, graph inputs/outputs and their shapes).
#pragma once
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "ir/graph.h"

namespace qd::test {

inline bool same_act(const std::optional<ir::FusedActivation>& a,
                     const std::optional<ir::FusedActivation>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->kind == b->kind && a->alpha == b->alpha && a->beta == b->beta);
}

inline bool same_attrs(const ir::Attrs& x, const ir::Attrs& y) {
  if (x.index() != y.index()) return false;
  if (auto* a = std::get_if<ir::ConvAttrs>(&x)) {
    auto& b = std::get<ir::ConvAttrs>(y);
    return a->kernel_h == b.kernel_h && a->kernel_w == b.kernel_w && a->stride_h == b.stride_h &&
           a->stride_w == b.stride_w && a->pad_top == b.pad_top && a->pad_left == b.pad_left &&
           a->pad_bottom == b.pad_bottom && a->pad_right == b.pad_right && a->dilation_h == b.dilation_h &&
           a->dilation_w == b.dilation_w && a->group == b.group && same_act(a->activation, b.activation);
  }
  if (auto* a = std::get_if<ir::PoolAttrs>(&x)) {
    auto& b = std::get<ir::PoolAttrs>(y);
    return a->kernel_h == b.kernel_h && a->kernel_w == b.kernel_w && a->stride_h == b.stride_h &&
           a->stride_w == b.stride_w && a->pad_top == b.pad_top && a->pad_left == b.pad_left &&
           a->pad_bottom == b.pad_bottom && a->pad_right == b.pad_right && a->ceil_mode == b.ceil_mode &&
           a->count_include_pad == b.count_include_pad;
  }
  if (auto* a = std::get_if<ir::GemmAttrs>(&x)) {
    auto& b = std::get<ir::GemmAttrs>(y);
    return a->alpha == b.alpha && a->beta == b.beta && a->trans_a == b.trans_a && a->trans_b == b.trans_b &&
           same_act(a->activation, b.activation);
  }
  if (auto* a = std::get_if<ir::ActAttrs>(&x)) {
    auto& b = std::get<ir::ActAttrs>(y);
    return a->alpha == b.alpha && a->beta == b.beta;
  }
  if (auto* a = std::get_if<ir::AxisAttrs>(&x)) return a->axis == std::get<ir::AxisAttrs>(y).axis;
  if (auto* a = std::get_if<ir::AxesAttrs>(&x)) return a->axes == std::get<ir::AxesAttrs>(y).axes;
  if (auto* a = std::get_if<ir::ReshapeAttrs>(&x)) return a->shape == std::get<ir::ReshapeAttrs>(y).shape;
  if (auto* a = std::get_if<ir::BatchNormAttrs>(&x))
    return a->epsilon == std::get<ir::BatchNormAttrs>(y).epsilon;
  if (auto* a = std::get_if<ir::ReduceAttrs>(&x)) {
    auto& b = std::get<ir::ReduceAttrs>(y);
    return a->axes == b.axes && a->keepdims == b.keepdims;
  }
  if (auto* a = std::get_if<ir::PadAttrs>(&x)) {
    auto& b = std::get<ir::PadAttrs>(y);
    return a->pads == b.pads && a->mode == b.mode && a->value == b.value;
  }
  if (auto* a = std::get_if<ir::LayerNormAttrs>(&x)) {
    auto& b = std::get<ir::LayerNormAttrs>(y);
    return a->axis == b.axis && a->num_axes == b.num_axes && a->epsilon == b.epsilon;
  }
  return true;  // monostate
}

inline void expect_same_value(const ir::Graph& ga, ir::ValueId a, const ir::Graph& gb, ir::ValueId b,
                              const std::string& where) {
  if (a == ir::kNoValue || b == ir::kNoValue) {
    EXPECT_EQ(a, b) << where;
    return;
  }
  const ir::Value& va = ga.value(a);
  const ir::Value& vb = gb.value(b);
  EXPECT_EQ(va.is_constant(), vb.is_constant()) << where;
  if (!va.is_constant()) {
    EXPECT_EQ(va.name, vb.name) << where;
    return;
  }
  EXPECT_EQ(va.constant.dtype(), vb.constant.dtype()) << where;
  EXPECT_EQ(va.constant.shape(), vb.constant.shape()) << where;
  if (va.constant.nbytes() == vb.constant.nbytes())
    EXPECT_EQ(std::memcmp(va.constant.raw(), vb.constant.raw(), va.constant.nbytes()), 0) << where << " data";
}

inline void expect_same_graph(const ir::Graph& a, const ir::Graph& b) {
  ASSERT_EQ(a.nodes().size(), b.nodes().size());
  for (size_t i = 0; i < a.nodes().size(); ++i) {
    const ir::Node& x = a.nodes()[i];
    const ir::Node& y = b.nodes()[i];
    const std::string where = "node " + std::to_string(i) + " '" + x.name + "'";
    EXPECT_EQ(x.name, y.name) << where;
    EXPECT_EQ(x.op, y.op) << where;
    EXPECT_TRUE(same_attrs(x.attrs, y.attrs)) << where;
    ASSERT_EQ(x.inputs.size(), y.inputs.size()) << where;
    ASSERT_EQ(x.outputs.size(), y.outputs.size()) << where;
    for (size_t k = 0; k < x.inputs.size(); ++k)
      expect_same_value(a, x.inputs[k], b, y.inputs[k], where + " input " + std::to_string(k));
    for (size_t k = 0; k < x.outputs.size(); ++k)
      expect_same_value(a, x.outputs[k], b, y.outputs[k], where + " output " + std::to_string(k));
  }
  ASSERT_EQ(a.inputs().size(), b.inputs().size());
  for (size_t i = 0; i < a.inputs().size(); ++i) {
    EXPECT_EQ(a.value(a.inputs()[i]).name, b.value(b.inputs()[i]).name);
    EXPECT_EQ(a.value(a.inputs()[i]).shape, b.value(b.inputs()[i]).shape);
  }
  ASSERT_EQ(a.outputs().size(), b.outputs().size());
  for (size_t i = 0; i < a.outputs().size(); ++i)
    EXPECT_EQ(a.value(a.outputs()[i]).name, b.value(b.outputs()[i]).name);
}

}  // namespace qd::test
