#!/usr/bin/python3
"""One training step, onnx2cpp against PyTorch, single thread, same model, batch and optimizer.

    scripts/bench_train.py [--iters 50] [--rounds 3]

For each case (scripts/make_train_data.py's models and optimizers) it exports the model,
compiles its step with `onnx2cpp train` (-O3 -march=native), and alternates timed loops of
NAME_train_step and of PyTorch's zero_grad/forward/loss/backward/step with
torch.set_num_threads(1), on the same batch. Prints the medians, their ratio (the median of
the per-round ratios), the geometric mean of the ratios, and memory: onnx2cpp's arena plus the
params struct against a lower bound of PyTorch's: its parameters (frozen ones too: onnx2cpp's
are in its weights), gradients and optimizer states (torch.optim's state tensors), activations
not counted.
Needs build/onnx2cpp and python3-torch.
"""
import argparse, json, math, os, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import torch  # noqa: E402
import make_train_data as mtd  # noqa: E402

O2C = os.path.join(ROOT, "build", "onnx2cpp")
CASES = [("mlp", "sgd", "cross_entropy"), ("mlp", "adamw", "cross_entropy"), ("cnn", "sgd", "cross_entropy"),
         ("tiny_bert", "sgd", "cross_entropy"), ("mobilenet_v2_head", "sgd", "cross_entropy")]

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
  for (int k = 0; k < 5; ++k) net_train_step(&in, &out, &p, 1e-3f, arena, NET_ARENA_BYTES);
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


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stdout}{r.stderr}")
    return r.stdout


def torch_times(model_name, optimizer, loss, iters, rounds):
    torch.set_num_threads(1)
    make, in_shape, classes = mtd.MODELS[model_name]
    model = make()
    cls, hyper = mtd.OPTIMIZERS[optimizer]
    kw = dict(hyper)
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    opt = cls(model.parameters(), **kw)
    x = torch.randint(0, 100, in_shape) if model_name == "tiny_bert" else torch.randn(in_shape)  # token ids
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
    return out, held


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    rows, ratios = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for model, optimizer, loss in CASES:
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
            run([O2C, "train", os.path.join(d, "model.onnx"), "--name", "net", "-o", os.path.join(d, "net.cpp")] + flags)
            with open(os.path.join(d, "main.cpp"), "w") as f:
                f.write(MAIN)
            input_t = "int64_t" if model == "tiny_bert" else "float"  # token ids
            run(["g++", "-std=c++17", "-O3", "-march=native", f"-DINPUT_T={input_t}", "-I/usr/include/eigen3", "net.cpp", "main.cpp",
                 "-o", "step"], cwd=d)
            o2c, pt = [], []
            for _ in range(a.rounds):  # alternate, one round each
                lines = run([os.path.join(d, "step"), str(a.iters), "1"]).split("\n")
                o2c.append(float(lines[0]))
                nbytes = [int(v) for v in lines[1].split()[1:]]
                pt_round, rss = torch_times(model, optimizer, loss, a.iters, 1)
                pt += pt_round
            ratio = statistics.median([o / p for o, p in zip(o2c, pt)])
            ratios.append(ratio)
            rows.append((f"{model} ({optimizer}, {loss})", statistics.median(o2c), statistics.median(pt), ratio,
                         min(o / p for o, p in zip(o2c, pt)), max(o / p for o, p in zip(o2c, pt)), sum(nbytes), rss))
    print("| model | onnx2cpp step ms | PyTorch step ms | ratio (range) | onnx2cpp arena + params | PyTorch params + grads + states |")
    print("|---|---|---|---|---|---|")
    for name, o, p, r, lo, hi, nb, rss in rows:
        print(f"| {name} | {o:.3f} | {p:.3f} | {r:.2f} ({lo:.2f}-{hi:.2f}) | {nb / 1024:.0f} KB | {rss / 1024:.0f} KB |")
    print(f"geometric mean ratio: {math.exp(sum(math.log(r) for r in ratios) / len(ratios)):.2f}")


if __name__ == "__main__":
    main()
