#!/usr/bin/python3
"""One training step, onnx2cpp against PyTorch, single thread, same model, batch and optimizer.

    scripts/bench_train.py [--iters 50] [--rounds 3] [--wasm] [--cases mlp_sgd,lstm_sgd,...]

For each case (scripts/make_train_data.py's models and optimizers: those tests/train checks
against PyTorch) it exports the model, compiles its step with `onnx2cpp train` (-O3
-march=native), and alternates timed loops of NAME_train_step and of PyTorch's
zero_grad/forward/loss/backward/step with torch.set_num_threads(1), on the same batch. Prints
the medians, their ratio (the median of the per-round ratios), the geometric mean of the
ratios, and memory: onnx2cpp's arena, and the arena plus the params struct, against PyTorch's
peak during a step: what it holds between steps (parameters, frozen ones too: onnx2cpp's are
in its weights; gradients; optimizer states, torch.optim's state tensors) plus the most that
the step's own allocations (activations saved for the backward, temporaries) reach, from the
allocation events of torch.profiler's memory profile of one step.
--wasm also builds the same step with em++ (-O3 -msimd128) and times it under Node, in the
same rounds: its column and its ratio to the native step.
Needs build/onnx2cpp and python3-torch (--wasm: em++ and node).
"""
import argparse, json, math, os, statistics, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import torch  # noqa: E402
import make_train_data as mtd  # noqa: E402
from bench import O2C, run  # noqa: E402

CASES = [("mlp", "sgd", "cross_entropy"), ("mlp", "adamw", "cross_entropy"), ("cnn", "sgd", "cross_entropy"),
         ("cnn", "adamw", "cross_entropy"), ("cnn_bn", "sgd", "cross_entropy"), ("resnet20", "sgd", "cross_entropy"),
         ("tiny_bert", "sgd", "cross_entropy"), ("lstm", "sgd", "cross_entropy"), ("gru", "sgd", "cross_entropy"),
         ("mobilenet_v2_head", "sgd", "cross_entropy")]

MAIN = r"""
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include "net.h"
int main(int argc, char** argv) {
  const int iters = std::atoi(argv[1]), rounds = std::atoi(argv[2]);
  static net_params p;
  net_params_init(&p);
  std::vector<INPUT_T> x(NET_IN_x_BYTES / sizeof(INPUT_T));
  std::vector<float> logits(NET_OUT_logits_BYTES / 4);
  std::vector<int64_t> target(NET_IN_logits_target_BYTES / 8);
  for (size_t i = 0; i < x.size(); ++i) x[i] = INPUT_T((i * 37) % 97) / INPUT_T(50);  // token ids 0 and 1
  for (size_t i = 0; i < target.size(); ++i) target[i] = int64_t(i % 4);
  net_inputs in{};
  in.x = x.data();
  in.logits_target = target.data();
  float loss = 0;
  net_outputs out{};
  out.logits = logits.data();
  out.loss = &loss;
  void* arena = std::aligned_alloc(64, (NET_ARENA_BYTES + 63) / 64 * 64 + 64);
  // Warm-up: 5 steps and 0.3 s at least (under wasm, V8 compiles the hot functions again, optimized, while they run).
  const auto w0 = std::chrono::steady_clock::now();
  for (int k = 0; k < 5 || std::chrono::steady_clock::now() - w0 < std::chrono::milliseconds(300); ++k)
    net_train_step(&in, &out, &p, 1e-3f, arena, NET_ARENA_BYTES);
  for (int r = 0; r < rounds; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < iters; ++k)
      if (net_train_step(&in, &out, &p, 1e-3f, arena, NET_ARENA_BYTES) != ONNX2CPP_OK) return 1;
    auto t1 = std::chrono::steady_clock::now();
    std::printf("%.6f\n", std::chrono::duration<double, std::milli>(t1 - t0).count() / iters);
  }
  std::printf("bytes %zu %zu\n", size_t(NET_ARENA_BYTES), sizeof(net_params));
  std::free(arena);
  return 0;
}
"""


def torch_times(model_name, optimizer, loss, iters, rounds):
    torch.set_num_threads(1)
    make, in_shape, classes = mtd.MODELS[model_name]
    model = make()
    cls, hyper = mtd.OPTIMIZERS[optimizer]
    kw = dict(hyper)
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    opt = cls(model.parameters(), **kw)
    x = torch.randint(0, 100, in_shape) if model_name in mtd.INTEGER_INPUT else torch.randn(in_shape)
    t = torch.randint(0, classes, (in_shape[0],))
    fn = torch.nn.CrossEntropyLoss() if loss == "cross_entropy" else torch.nn.MSELoss()

    def step():
        opt.zero_grad()
        fn(model(x), t).backward()
        opt.step()

    for _ in range(5):
        step()
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(iters):
            step()
        out.append((time.perf_counter() - t0) * 1e3 / iters)
    held = sum(p.numel() * p.element_size() * (2 if p.requires_grad else 1) for p in model.parameters())  # and gradients
    held += sum(v.numel() * v.element_size() for st in opt.state.values() for v in st.values() if torch.is_tensor(v))
    return out, held + step_peak_bytes(step)


def step_peak_bytes(step):
    """The most bytes one call of step() has allocated at once beyond what it started with: the
    running sum of the allocations and frees torch.profiler records, in time order."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    events = sorted((e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"), key=lambda e: e.start_us())
    live = peak = 0
    for e in events:
        live += e.nbytes()
        peak = max(peak, live)
    return peak


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--wasm", action="store_true", help="also time the step built with em++ under Node")
    ap.add_argument("--cases", help="comma-separated MODEL_OPTIMIZER names (default: all)")
    a = ap.parse_args()
    cases = CASES
    if a.cases:
        cases = [c for c in CASES if f"{c[0]}_{c[1]}" in a.cases.split(",")]
    rows, ratios = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for model, optimizer, loss in cases:
            d = os.path.join(tmp, f"{model}_{optimizer}")
            run([sys.executable, os.path.join(ROOT, "scripts", "make_train_data.py"), d, "--model", model,
                 "--optimizer", optimizer, "--loss", loss, "--steps", "1"])
            flags = ["--output", "logits", "--loss", loss, "--optimizer", optimizer]
            cls, hyper = mtd.OPTIMIZERS[optimizer]
            if optimizer == "sgd":
                flags += ["--momentum", str(hyper["momentum"])]
            flags += ["--weight-decay", str(hyper["weight_decay"]), "--eps", str(hyper.get("eps", 1e-8))]
            with open(os.path.join(d, "train_data", "train.json")) as f:  # what PyTorch trains (a head alone)
                for name in json.load(f)["trainable"]:
                    flags += ["--param", name]
            # One source for both builds; with --wasm its weights as a literal (em++ has no .incbin or #embed).
            weights = ["--weights", "inline"] if a.wasm else []
            run([O2C, "train", os.path.join(d, "model.onnx"), "--name", "net", "-o", os.path.join(d, "net.cpp")] + weights + flags)
            with open(os.path.join(d, "main.cpp"), "w") as f:
                f.write(MAIN)
            input_t = "int64_t" if model in mtd.INTEGER_INPUT else "float"  # token ids
            src = [f"-DINPUT_T={input_t}", "-I/usr/include/eigen3", "net.cpp", "main.cpp"]
            run(["g++", "-std=c++17", "-O3", "-march=native"] + src + ["-o", "step"], cwd=d)
            if a.wasm:
                env = dict(os.environ, NODE_PATH=":".join(filter(None, [os.environ.get("NODE_PATH"), "/usr/share/nodejs"])))
                run(["em++", "-std=c++17", "-O3", "-msimd128", "-sALLOW_MEMORY_GROWTH=1", "-sTOTAL_STACK=1048576", "-sENVIRONMENT=node",
                     "-sWASM_ASYNC_COMPILATION=0", "-sEXIT_RUNTIME=1"] + src +
                    ["-o", "step.js"], cwd=d, env=env)  # Debian's emscripten: its acorn in /usr/share/nodejs
            o2c, pt, wasm = [], [], []
            for _ in range(a.rounds):  # alternate, one round each
                lines = run([os.path.join(d, "step"), str(a.iters), "1"]).stdout.split("\n")
                o2c.append(float(lines[0]))
                nbytes = [int(v) for v in lines[1].split()[1:]]
                pt_round, peak = torch_times(model, optimizer, loss, a.iters, 1)
                pt += pt_round
                if a.wasm:
                    wasm.append(float(run(["node", os.path.join(d, "step.js"), str(a.iters), "1"]).stdout.split("\n")[0]))
            ratio = statistics.median([o / p for o, p in zip(o2c, pt)])
            ratios.append(ratio)
            rows.append((f"{model} ({optimizer}, {loss})", statistics.median(o2c), statistics.median(pt), ratio,
                         min(o / p for o, p in zip(o2c, pt)), max(o / p for o, p in zip(o2c, pt)), nbytes, peak,
                         statistics.median(wasm) if wasm else None))
    wasm_head, wasm_rule = (" wasm step ms (x native) |", "---|") if a.wasm else ("", "")
    print("| model | onnx2cpp step ms | PyTorch step ms | ratio (range) |" + wasm_head +
          " onnx2cpp arena | arena + params | PyTorch peak in a step |")
    print("|---|---|---|---|" + wasm_rule + "---|---|---|")
    for name, o, p, r, lo, hi, nb, peak, w in rows:
        wcol = f" {w:.3f} ({w / o:.1f}x) |" if w is not None else ""
        print(f"| {name} | {o:.3f} | {p:.3f} | {r:.2f} ({lo:.2f}-{hi:.2f}) |{wcol} {nb[0] / 1024:.0f} KB | "
              f"{sum(nb) / 1024:.0f} KB | {peak / 1024:.0f} KB |")
    print(f"geometric mean ratio: {math.exp(sum(math.log(r) for r in ratios) / len(ratios)):.2f}")


if __name__ == "__main__":
    main()
