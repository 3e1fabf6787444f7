#!/usr/bin/env python3
"""Run-time dims against fixed ones: the same model compiled for a range of a dim
(--dim NAME=LO..HI) and for the one size of each test set (--dim NAME=SIZE), timed side by side
on that set, single thread, alternating rounds; ONNX Runtime on the same set for scale.

    scripts/bench_dims.py MODEL_DIR DIM LO..HI [--iters 50] [--rounds 3]
    scripts/bench_dims.py ../shared/models/tiny_bert_dynseq seq 1..128

Prints one row per test set: the size, the ms of each build, ranged / fixed (the issue's target:
at most 1.15) and ORT's ms. Needs build/onnx2cpp and npm (scripts/bench.py installs ORT).
"""
import argparse, glob, os, statistics, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import O2C, ORTJS, ROOT, last_json, run, setup_ort  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    ap.add_argument("dim")
    ap.add_argument("range")
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="o2c_dims.")
    model = os.path.join(a.model_dir, "model.onnx")
    setup_ort()
    env = dict(os.environ, ORT_JS_DIR=ORTJS)
    print(f"| test set | {a.dim} | ranged {a.dim}={a.range} ms | fixed ms | ranged / fixed | ORT ms | ranged / ORT |")
    print("|---|---|---|---|---|---|---|")
    for data in sorted(glob.glob(os.path.join(a.model_dir, "test_data_set_*"))):
        builds = {}
        for kind, flag in (("ranged", a.range), ("fixed", None)):
            keep = os.path.join(work, os.path.basename(data) + "_" + kind)
            dim = flag or str(size_of(data, model, a.dim))
            first = last_json(run([O2C, "bench", model, "--data", data, "--dim", f"{a.dim}={dim}", "--iters",
                                   str(a.iters), "--keep", keep]).stdout)
            builds[kind] = (keep, first)
        iters = min(max(a.iters, int(500 / max(builds["fixed"][1]["median_ms"], 1e-3))), 100000)
        times = {"ranged": [], "fixed": [], "ort": []}
        for _ in range(a.rounds):
            for kind in ("ranged", "fixed"):
                keep = builds[kind][0]
                times[kind].append(last_json(run([os.path.join(keep, "harness"), keep, keep, str(iters)]).stdout)["median_ms"])
            o = last_json(run(["node", os.path.join(ROOT, "bench", "ort_bench.mjs"), model, data, str(iters)], env=env).stdout)
            times["ort"].append(o["median_ms"])
        med = {k: statistics.median(v) for k, v in times.items()}
        ratio = statistics.median(r / f for r, f in zip(times["ranged"], times["fixed"]))
        print(f"| {os.path.basename(data)} | {size_of(data, model, a.dim)} | {med['ranged']:.3f} | {med['fixed']:.3f} | "
              f"{ratio:.2f} | {med['ort']:.3f} | {med['ranged'] / med['ort']:.2f} |", flush=True)


def size_of(data, model, dim):
    """The value of dim in the test set: from the first input that declares it."""
    import onnx
    m = onnx.load(model, load_external_data=False)
    inits = {t.name for t in m.graph.initializer}
    ins = [i for i in m.graph.input if i.name not in inits]
    for k, vi in enumerate(ins):
        for j, d in enumerate(vi.type.tensor_type.shape.dim):
            if d.dim_param == dim:
                t = onnx.TensorProto()
                t.ParseFromString(open(os.path.join(data, f"input_{k}.pb"), "rb").read())
                return t.dims[j]
    sys.exit(f"no input declares the dim {dim}")


if __name__ == "__main__":
    main()
