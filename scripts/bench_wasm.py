#!/usr/bin/env python3
"""WebAssembly benchmark: onnx2cpp's wasm modules vs onnxruntime-web, under Node, one thread.

    scripts/bench_wasm.py [MODELS_DIR_OR_MODEL_DIR ...] [--rounds 4] [--min-ms 1500]

Default: every model in ../shared/models (folders with model.onnx and test_data_set_0/). For
each model it runs `onnx2cpp build MODEL --target wasm --weights file` and then
bench/wasm_bench.mjs, which loads the module and an onnxruntime-web session (wasm SIMD,
numThreads 1) in one Node process, warms both up for a second each (V8 runs baseline code
until its optimizing tier takes over) and alternates timed rounds on the test_data_set_0 inputs,
checking both against output_K.pb. Prints this core's wasm SIMD128 peak
(bench/peak_simd128.cpp) and a table: medians, latency ratio, GFLOP/s of both runtimes and
onnx2cpp's share of that peak, output check, and the module's sizes (wasm code without
weights, weights file, JS glue: <name>.js and Emscripten's <name>.emscripten.mjs; raw and
gzip -9), then
onnxruntime-web's wasm size, the geometric mean ratio and how many modules are within 200 KB.
Needs build/onnx2cpp, emcc and npm; the npm packages go into build/web (scripts/web_deps.sh).
"""
import argparse, gzip, json, math, os, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from bench import shape_flags  # noqa: E402  (--shape flags for models with symbolic dims)

O2C = os.path.join(ROOT, "build", "onnx2cpp")
WEB = os.path.join(ROOT, "build", "web")


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed (exit {r.returncode}):\n{r.stdout}{r.stderr}")
    return r


def sizes(*paths):
    """(bytes, gzip -9 bytes) of files taken together ((0, 0) when absent)."""
    data = [open(p, "rb").read() for p in paths if os.path.exists(p)]
    return sum(map(len, data)), sum(len(gzip.compress(d, 9)) for d in data)


def kb(s):
    f = lambda b: f"{b / 1024:.1f}" if b < 10240 else f"{b / 1024:.0f}"
    return f"{f(s[0])} ({f(s[1])})"


def wasm_peak(work):
    """GFLOP/s of bench/peak_simd128.cpp: multiply-add chains in wasm SIMD128, under Node."""
    os.makedirs(work, exist_ok=True)
    js = os.path.join(work, "peak_simd128.js")
    run(["em++", "-O3", "-msimd128", "-sENVIRONMENT=node", "-sWASM_ASYNC_COMPILATION=0",
         os.path.join(ROOT, "bench", "peak_simd128.cpp"), "-o", js],
        env=dict(os.environ, NODE_PATH="/usr/share/nodejs"))
    return json.loads(run(["node", "--no-liftoff", js]).stdout.strip().splitlines()[-1])["peak_gflops"]


def bench_model(mdir, work, a):
    name = os.path.basename(mdir.rstrip("/"))
    model, data = os.path.join(mdir, "model.onnx"), os.path.join(mdir, "test_data_set_0")
    out = os.path.join(work, name)
    run([a.onnx2cpp, "build", model, "--target", "wasm", "--weights", "file", "--name", name, "-o", out]
        + shape_flags(data, model))
    r = run(["node", os.path.join(ROOT, "bench", "wasm_bench.mjs"), os.path.join(out, name + ".js"), model, data,
             "--rounds", str(a.rounds), "--min-ms", str(a.min_ms)], env=dict(os.environ, O2C_WEB_DIR=WEB))
    res = json.loads(r.stdout.strip().splitlines()[-1])
    info = os.path.join(mdir, "info.json")
    macs = json.load(open(info)).get("macs", 0) if os.path.exists(info) else 0
    res.update(model=name, macs=macs, wasm=sizes(os.path.join(out, name + ".wasm")),
               weights=sizes(os.path.join(out, name + ".weights.bin")),
               glue=sizes(os.path.join(out, name + ".js"), os.path.join(out, name + ".emscripten.mjs")))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="*", default=[os.path.join(ROOT, "..", "shared", "models")])
    ap.add_argument("--onnx2cpp", default=O2C, help="the compiler to measure (default: build/onnx2cpp)")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--min-ms", type=int, default=1500, help="timed ms per runtime and model (sets iterations)")
    a = ap.parse_args()
    if not os.path.exists(a.onnx2cpp):
        sys.exit(f"{a.onnx2cpp} not found: run scripts/test.sh or cmake --build build first")
    run([os.path.join(ROOT, "scripts", "web_deps.sh"), WEB])
    models = []
    for d in a.dirs:
        if not os.path.isdir(d):
            print(f"skipped: {d} does not exist")
        elif os.path.exists(os.path.join(d, "model.onnx")):
            models.append(d)
        else:
            models += sorted(os.path.join(d, m) for m in os.listdir(d) if os.path.exists(os.path.join(d, m, "model.onnx")))
    work = os.path.join(ROOT, "build", "bench_wasm")
    peak = wasm_peak(work)
    ortv = json.load(open(os.path.join(WEB, "node_modules", "onnxruntime-web", "package.json")))["version"]
    print(f"onnx2cpp wasm vs onnxruntime-web {ortv} (wasm SIMD, 1 thread), Node {run(['node', '--version']).stdout.strip()}; "
          f"medians of {a.rounds} alternating rounds; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          f"at the start; sizes in KB (gzip -9 in parentheses)")
    print(f"wasm SIMD128 FP32 peak under Node (bench/peak_simd128.cpp, multiply and add): {peak:.1f} GFLOP/s; "
          f"GFLOP/s count 2 per multiply-add of the model (MACs from info.json)\n")
    hdr = ("model", "o2c-wasm ms", "ort-web ms", "ratio", "o2c GFLOP/s", "% peak", "ort GFLOP/s", "outputs o2c/ort",
           "wasm code", "weights", "JS glue", "iters")
    print("| " + " | ".join(hdr) + " |\n|" + "---|" * len(hdr))
    ratios, small, built = [], 0, 0
    for m in models:
        try:
            r = bench_model(m, work, a)
        except (RuntimeError, ValueError, IndexError) as e:
            msg = " ".join(str(e).split())[:200]
            print(f"| {os.path.basename(m.rstrip('/'))} | not measured: {msg} |")
            continue
        ratio = r["o2c_median_ms"] / r["ort_median_ms"]
        ratios.append(ratio)
        built += 1
        small += r["wasm"][0] <= 200 * 1024
        ok = lambda x: "ok" if x else "MISMATCH"
        gf = lambda ms: 2 * r["macs"] / (ms * 1e-3) / 1e9
        rate = (f"{gf(r['o2c_median_ms']):.1f} | {100 * gf(r['o2c_median_ms']) / peak:.0f}% | {gf(r['ort_median_ms']):.1f}"
                if r["macs"] else "- | - | -")
        print(f"| {r['model']} | {r['o2c_median_ms']:.3f} | {r['ort_median_ms']:.3f} | {ratio:.2f} | {rate} | "
              f"{ok(r['o2c_ok'])}/{ok(r['ort_ok'])} | {kb(r['wasm'])} | {kb(r['weights'])} | {kb(r['glue'])} | "
              f"{r['iters']}x{r['rounds']} |")
    dist = os.path.join(WEB, "node_modules", "onnxruntime-web", "dist")
    print(f"\nonnxruntime-web's wasm (ort-wasm-simd-threaded.wasm): {kb(sizes(os.path.join(dist, 'ort-wasm-simd-threaded.wasm')))}"
          f", its JS glue (ort-wasm-simd-threaded.mjs): {kb(sizes(os.path.join(dist, 'ort-wasm-simd-threaded.mjs')))}")
    if ratios:
        gm = math.exp(sum(map(math.log, ratios)) / len(ratios))
        print(f"geometric mean latency ratio onnx2cpp-wasm/ort-web: {gm:.2f} (max {max(ratios):.2f}; "
              f"{sum(x > 1 for x in ratios)} of {len(ratios)} slower than ort-web); "
              f"wasm code <= 200 KB: {small} of {built} modules")


if __name__ == "__main__":
    main()
