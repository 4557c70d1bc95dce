#include "eval/evaluate.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/threads.h"
#include "data/batch_prefetcher.h"
#include "data/dataset.h"
#include "eval/topk.h"
#include "runtime/executor.h"
#include "util/progress.h"

namespace qd {

namespace {

// Threads decoding the next batch while `inference_threads` run the current one: the cores inference leaves
// free, at least one, and no more than inference uses.
int decode_threads(int inference_threads) {
  const int inference = resolve_threads(inference_threads);
  return std::clamp(available_cores() - inference, 1, inference);
}

}  // namespace

EvalResult evaluate(const ir::Model& model, const ModelConfig& config, const std::string& dataset_path,
                    const EvalOptions& options, nlohmann::json* predictions) {
  Dataset ds = open_dataset(dataset_path, config.dataset_options);
  if (options.limit) ds = limit(ds, options.limit);
  int num_classes = config.num_classes > 0 ? config.num_classes : static_cast<int>(ds.class_names.size());
  if (num_classes <= 0) num_classes = 10;
  EvalResult r;
  r.accuracy = TopKAccumulator(num_classes, 5);

  BatchLoaderOptions lo;
  lo.batch_size = options.batch;
  lo.threads = decode_threads(options.threads);
  lo.max_pixels = config.max_pixels;
  lo.on_skip = options.reporting.on_skip;
  BatchPrefetcher loader(ds, config.preprocess, lo);
  runtime::CompileOptions co;
  co.batch = options.batch;
  co.threads = options.threads;
  auto exec = runtime::compile(model, co);

  ProgressBar bar(options.label, static_cast<int64_t>(ds.size()), options.reporting.progress);
  Batch b;
  Tensor padded(DataType::f32, {options.batch, 3, config.preprocess.height, config.preprocess.width});
  int runs = 0;
  // End to end: from the end of the warm-up runs to the last batch, waiting for decoding included.
  Stopwatch wall;
  while (loader.next(b)) {
    const Tensor* in = &b.input;
    if (b.size() != options.batch) {  // short last batch: pad to the compiled batch size
      std::memset(padded.raw(), 0, padded.nbytes());
      std::memcpy(padded.raw(), b.input.raw(), b.input.nbytes());
      in = &padded;
    }
    Stopwatch sw;
    std::vector<Tensor> out = exec->run({*in});
    double ms = sw.elapsed_ms();
    const bool timed = runs++ >= options.warmup;
    if (timed) r.batch_ms.add(ms);
    const Tensor& scores = out.at(0);
    int64_t row = scores.numel() / options.batch;
    for (int i = 0; i < b.size(); ++i) {
      std::span<const float> s(scores.data<float>() + i * row, static_cast<size_t>(row));
      int pred = r.accuracy.add(s, b.labels[i]);
      if (predictions) {
        nlohmann::json p;
        p["path"] = b.paths[i];
        p["label"] = b.labels[i];
        p["pred"] = pred;
        p["top5"] = top_k(s, 5);
        p["scores"] = std::vector<float>(s.begin(), s.end());
        predictions->push_back(std::move(p));
      }
    }
    r.images += b.size();
    bar.advance(b.size());
    if (timed) {
      r.timed_images += b.size();
      r.timed_wall_ms = wall.elapsed_ms();
    } else {
      wall.restart();
    }
  }
  if (r.images == 0 && loader.skipped() > 0)
    fail(dataset_path,
         "no readable images (" + std::to_string(loader.skipped()) + " skipped, see the warnings)");
  bar.finish();
  r.skipped = loader.skipped();
  r.resized = loader.resized();
  return r;
}

}  // namespace qd
