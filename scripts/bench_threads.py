#!/usr/bin/env python3
"""onnx2cpp on 1 and N threads against onnxruntime-node with the same intra-op thread count.

    scripts/bench_threads.py [MODELS_DIR_OR_MODEL ...] [--threads 2] [--iters 50] [--rounds 3] [--onnx2cpp EXE]

For each model (layout of ../shared/models: model.onnx, test_data_set_0/) it builds the
generated code once with -O3 -march=native (onnx2cpp bench --keep), then runs --rounds
alternating rounds of: ORT with 1 intra-op thread, onnx2cpp's NAME_run, ORT with N threads,
onnx2cpp's NAME_run_parallel on a ThreadPool of N threads (the harness's THREADS argument; its
checked runs also compare the parallel outputs with the serial ones, bit for bit). Each round
runs at least --iters timed runs and about 0.5 s. Prints medians, the ratios onnx2cpp / ORT at
1 and N threads (medians of the per-round ratios) and both sides' N-thread speedups.
Needs build/onnx2cpp (or --onnx2cpp: another build, e.g. before a change) and onnxruntime-node: $ORT_JS_DIR, else build/ortjs (scripts/bench.py
installs it there).
"""
import argparse, os, statistics, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import O2C, ORTJS, ROOT, last_json, run  # noqa: E402


def bench_model(mdir, work, threads, iters, rounds, ortjs, o2c_exe=O2C):
    name = os.path.basename(mdir.rstrip("/"))
    model, data = os.path.join(mdir, "model.onnx"), os.path.join(mdir, "test_data_set_0")
    keep = os.path.join(work, name)
    first = last_json(run([o2c_exe, "bench", model, "--data", data, "--iters", str(iters), "--keep", keep]).stdout)
    iters = min(max(iters, int(500 / max(first["median_ms"], 1e-3))), 100000)
    env = dict(os.environ, ORT_JS_DIR=ortjs)
    t = {k: [] for k in ("ort1", "o2c1", "ortN", "o2cN")}
    for _ in range(rounds):
        ort = lambda n: last_json(run(["node", os.path.join(ROOT, "bench", "ort_bench.mjs"), model, data, str(iters),
                                       str(n)], env=env).stdout)["median_ms"]
        o2c = lambda n: last_json(run([os.path.join(keep, "harness"), keep, keep, str(iters)] +
                                      ([str(n)] if n > 1 else [])).stdout)["median_ms"]
        t["ort1"].append(ort(1))
        t["o2c1"].append(o2c(1))
        t["ortN"].append(ort(threads))
        t["o2cN"].append(o2c(threads))
    med = {k: statistics.median(v) for k, v in t.items()}
    r1 = statistics.median(o / e for o, e in zip(t["o2c1"], t["ort1"]))
    rN = statistics.median(o / e for o, e in zip(t["o2cN"], t["ortN"]))
    return dict(model=name, ratio1=r1, ratioN=rN, arena=first["arena_bytes"], **med)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="*", default=[os.path.join(ROOT, "..", "shared", "models")])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--onnx2cpp", default=O2C, help="the compiler (default: build/onnx2cpp)")
    a = ap.parse_args()
    ortjs = os.environ.get("ORT_JS_DIR", ORTJS)
    if not os.path.isdir(os.path.join(ortjs, "node_modules", "onnxruntime-node")):
        sys.exit(f"no onnxruntime-node in {ortjs}: run scripts/bench.py once (it installs it) or set ORT_JS_DIR")
    models = []
    for d in a.dirs:
        if os.path.exists(os.path.join(d, "model.onnx")):
            models.append(d)
        else:
            models += sorted(os.path.join(d, m) for m in os.listdir(d) if os.path.exists(os.path.join(d, m, "model.onnx")))
    work = tempfile.mkdtemp(prefix="o2c_bench_threads.")
    N = a.threads
    print(f"{os.cpu_count()} CPUs; {a.rounds} alternating rounds; ratio = onnx2cpp / ORT (median of the rounds')")
    print(f"| model | o2c 1T ms | ORT 1T ms | ratio 1T | o2c {N}T ms | ORT {N}T ms | ratio {N}T | "
          f"o2c {N}T speedup | ORT {N}T speedup |")
    print("|---|---|---|---|---|---|---|---|---|")
    for m in models:
        try:
            r = bench_model(m, work, N, a.iters, a.rounds, ortjs, os.path.abspath(a.onnx2cpp))
        except RuntimeError as e:
            print(f"| {os.path.basename(m)} | failed: {str(e).splitlines()[0][:150]} |", flush=True)
            continue
        print(f"| {r['model']} | {r['o2c1']:.3f} | {r['ort1']:.3f} | {r['ratio1']:.2f} | {r['o2cN']:.3f} | "
              f"{r['ortN']:.3f} | {r['ratioN']:.2f} | {r['o2c1'] / r['o2cN']:.2f} | {r['ort1'] / r['ortN']:.2f} |",
              flush=True)


if __name__ == "__main__":
    main()
