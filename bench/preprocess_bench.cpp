// Input pipeline speed, one thread: decoding a 500x375 photo-sized JPEG, and decoding + resizing the short
// side to 256 + center-cropping 224 + normalising to the float NCHW rows `qdeploy test` feeds (issue 17:
// at most 25% of a ResNet-18 224 int8 inference on one thread; compare with
// `qdeploy bench configs/imagenet/torchvision_resize256_crop224.toml --model <resnet18 int8 .param>`).
// The JPEG is made here: a shared CIFAR image stretched to 500x375, encoded by stb_image_write (quality
// 90, 4:2:0 chroma like most camera and web JPEGs).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "data/image.h"
#include "data/preprocess.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace {

using namespace qd;

const std::vector<uint8_t>& photo_jpeg_500x375() {
  static const std::vector<uint8_t> bytes = [] {
    const Image small = decode_image(std::string(QDEPLOY_SHARED_DIR) + "/cifar10/test/cat/0000.jpg");
    const Image photo = resize_bilinear(small, 500, 375);
    std::vector<uint8_t> out;
    auto append = [](void* ctx, void* data, int size) {
      auto* v = static_cast<std::vector<uint8_t>*>(ctx);
      v->insert(v->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
    };
    stbi_write_jpg_to_func(append, &out, photo.width, photo.height, 3, photo.rgb.data(), 90);
    return out;
  }();
  return bytes;
}

Preprocess resize256_crop224(ResizeBackend backend) {
  Preprocess p;
  p.width = p.height = 224;
  p.resize_short = 256;
  p.crop_width = p.crop_height = 224;
  p.backend = backend;
  p.mean = {123.675f, 116.28f, 103.53f};
  p.std = {58.395f, 57.12f, 57.375f};
  return p;
}

void BM_DecodeJpeg500x375(benchmark::State& state) {
  const std::vector<uint8_t>& jpeg = photo_jpeg_500x375();
  for (auto _ : state) benchmark::DoNotOptimize(decode_image_bytes(jpeg, "bench.jpg"));
}
BENCHMARK(BM_DecodeJpeg500x375)->Unit(benchmark::kMillisecond);

// Decode, resize 256, crop 224, normalise: what one image costs `qdeploy test` before inference.
void BM_DecodeResizeCrop500x375(benchmark::State& state) {
  const auto backend = state.range(0) == 0 ? ResizeBackend::pil : ResizeBackend::cv2;
  const Preprocess pre = resize256_crop224(backend);
  const std::vector<uint8_t>& jpeg = photo_jpeg_500x375();
  std::vector<float> rows(3 * 224 * 224);
  for (auto _ : state) {
    const Image img = decode_image_bytes(jpeg, "bench.jpg", kDefaultMaxPixels, image_loader(pre));
    image_to_nchw(img, pre, rows.data());
    benchmark::DoNotOptimize(rows.data());
  }
  state.SetLabel(backend == ResizeBackend::pil ? "pil" : "cv2");
}
BENCHMARK(BM_DecodeResizeCrop500x375)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
