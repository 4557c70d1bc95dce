// PyTorch / mmcls checkpoint -> end2end.onnx by running tools/export_pytorch.py with python3 (needs Debian's
// python3-torch: scripts/setup.sh --with-torch). qdeploy itself never links PyTorch.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "data/model_config.h"

namespace qd::cli {

struct PytorchExportRequest {
  std::string checkpoint;     // .pth: {'state_dict': ...} or a bare state dict, mmcls keys
  std::string arch;           // resnet18_cifar .. resnet152_cifar, resnet18 .. resnet152
  std::string out;            // ONNX file to write
  int num_classes = 0;        // 0 = let the script read it from head.fc.weight
  int height = 0, width = 0;  // 0 = the architecture's default (32 cifar, 224 ImageNet)
};

// True for the file names PyTorch checkpoints usually have (.pth, .pt, .ckpt).
bool is_pytorch_checkpoint(const std::string& path);

// The export script: $QDEPLOY_EXPORT_SCRIPT when set, else tools/export_pytorch.py in the first parent folder
// of the qdeploy executable (or of the working directory) that has it. Throws a user error when not found.
std::string find_export_script();

// Runs the script; its own messages go to stderr. Throws qd::Error (user) "<checkpoint>: ..." when python3
// or torch is missing or the export fails.
void export_pytorch_checkpoint(const PytorchExportRequest& request);

// deploy's first stage when `model` is a checkpoint: exports it to <work_dir>/pytorch/end2end.onnx (input
// size and class count from the model config), points `model` at that file and returns the stage record
// for deploy.json. Returns null (and leaves `model` alone) for any other file.
nlohmann::json deploy_pytorch_stage(std::string& model, const std::string& arch, const ModelConfig& config,
                                    const std::string& work_dir);

}  // namespace qd::cli
