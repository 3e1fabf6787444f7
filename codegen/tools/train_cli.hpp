// `onnx2cpp train` and `onnx2cpp verify-train`: the training flags, and the check of a compiled
// training step against PyTorch's reference run (train_data/: scripts/make_train_data.py).
#pragma once
#include <string>

#include <CLI/CLI.hpp>

#include "driver.hpp"
#include "tools/runner.hpp"

namespace o2c {

// --loss, --output, --reduction, --label-smoothing, --optimizer and its hyper-parameters,
// --train, --freeze-params, --param, --grads.
void add_train_options(CLI::App* app, BackwardOptions& b);
// The flags above as the recorded command line gives them (deterministic order).
std::string train_flags_text(const BackwardOptions& b);

// train.json's settings as BackwardOptions (loss, reduction, output, optimizer, trainable).
struct TrainData {
  BackwardOptions opt;
  double lr = 0;
  int steps = 0;
  std::string dir;
  std::vector<std::string> buffers;  // running statistics the step must update (BatchNorm in training mode)
};
TrainData load_train_data(const std::string& dir);

struct TrainCheck {
  bool pass = true;
  std::string report;  // one line per checked tensor: worst errors, PASS/FAIL
};
// Builds the compiled step (cfg) and runs data.steps steps from the initial parameters,
// comparing the losses, step 0's gradients and the final parameters.
// name: the model name it was compiled with. dump_dir (when not empty): every step's outputs
// (loss, gradients, logits) and updated states, under their ONNX names, written to
// dump_dir/step_K/output_I.pb (serialized TensorProtos; files numbered, names inside).
TrainCheck verify_train(const Compiled& c, const std::string& name, const TrainData& data, const BuildConfig& cfg,
                        double rtol, double atol, const std::string& dump_dir = "");

// Writes the model of c (read again from model_path) with the parameters of a saved params
// struct (params_file: the bytes of NAME_params, as fwrite(&p, sizeof p, 1, f) writes them) to
// out; c is the step compiled with the same training flags (they decide the layout).
void export_trained(const Compiled& c, const std::string& model_path, const std::string& params_file, const std::string& out);

}  // namespace o2c
