#!/usr/bin/env python3
"""Side-by-side benchmark: onnx2cpp vs onnxruntime-node, single thread, batch as in the data.

    scripts/bench.py [MODELS_DIR ...] [--iters 50] [--rounds 3] [--onnx2cpp build/onnx2cpp]

MODELS_DIR holds one folder per model in the layout of ../shared/models (model.onnx,
info.json with "macs", test_data_set_0/). Default: ../shared/models. For each model it builds
the generated code with -O3 -march=native, then alternates onnx2cpp and ONNX Runtime runs
(--rounds times, each at least --iters timed runs and about 0.5 s) and prints a table of medians, the
ratio (the median of the per-round ratios, each round against the ORT round before it) and the
range of the per-round ratios, GFLOP/s
and the percentage of this core's FP32 peak (measured here with bench/peak_fma.cpp), ORT's
percentage of it (the model's MACs over ORT's median: the ratio onnx2cpp would reach running
every multiply-add of the model at the core's peak, so a bound on what direct kernels can
reach; Winograd's fewer multiplications can pass it), also for
the time spent in convolutions alone (Conv MACs of info.json over the Conv time, fused
epilogues included: the Conv nodes' share of a build with --profile, applied to the median
above; in parentheses, over the profiled build's own Conv time, which ran at another moment
of a noisy host and reads lower when the host was slower then), arena
vs ORT's peak RSS, and the compile cost (onnx2cpp's time and peak RSS, also over the ONNX
file's size; the generated source and weights file; g++ -O2 -c of the default output (embedded
weights) and of the --weights file output, CPU time and peak RSS). --compile-only prints the
compile cost alone (no runs; large models: bench/make_big.py).
Needs build/onnx2cpp (scripts/test.sh or cmake) and npm; installs onnxruntime-node into
build/ortjs on first use (ONNXRUNTIME_NODE_INSTALL=skip: the CPU binaries ship in the package).
"""
import argparse, json, os, re, statistics, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
O2C = os.path.join(ROOT, "build", "onnx2cpp")
ORTJS = os.path.join(ROOT, "build", "ortjs")


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stdout}{r.stderr}")
    return r


def last_json(text):
    return json.loads([l for l in text.splitlines() if l.startswith("{")][-1])


def timed(cmd, cpu=False):
    """Runs cmd under /usr/bin/time; returns (seconds, peak RSS bytes), with cpu also the CPU
    seconds (user + system: steadier than wall time on a shared host)."""
    r = run(["/usr/bin/time", "-f", "TIME %e %M %U %S"] + cmd)
    line = [l for l in r.stderr.splitlines() if l.startswith("TIME ")][-1].split()
    if cpu:
        return float(line[1]), int(line[2]) * 1024, float(line[3]) + float(line[4])
    return float(line[1]), int(line[2]) * 1024


def setup_ort():
    if not os.path.isdir(os.path.join(ORTJS, "node_modules", "onnxruntime-node")):
        os.makedirs(ORTJS, exist_ok=True)
        run(["npm", "init", "-y"], cwd=ORTJS)
        env = dict(os.environ, ONNXRUNTIME_NODE_INSTALL="skip")
        run(["npm", "install", "--no-audit", "--no-fund", "onnxruntime-node"], cwd=ORTJS, env=env)


def peak_gflops(work):
    exe = os.path.join(work, "peak_fma")
    run(["c++", "-O3", "-march=native", "-ffp-contract=fast", os.path.join(ROOT, "bench", "peak_fma.cpp"), "-o", exe])
    return last_json(run([exe]).stdout)["peak_gflops"]


def bench_model(mdir, work, iters, rounds):
    name = os.path.basename(mdir.rstrip("/"))
    model, data = os.path.join(mdir, "model.onnx"), os.path.join(mdir, "test_data_set_0")
    info = json.load(open(os.path.join(mdir, "info.json"))) if os.path.exists(os.path.join(mdir, "info.json")) else {}
    macs = info.get("macs", 0)
    keep = os.path.join(work, name)
    cost = compile_cost(mdir, work)
    # Build once at -O3 -march=native and time; then alternate.
    first = last_json(run([O2C, "bench", model, "--data", data, "--iters", str(iters), "--keep", keep]).stdout)
    # Enough iterations for about 0.5 s per round on either side: a few dozen runs of a
    # sub-millisecond model measure the CPU's clock ramp and cold caches more than the model.
    iters = min(max(iters, int(500 / max(first["median_ms"], 1e-3))), 100000)
    ours, theirs, rss = [], [], 0
    env = dict(os.environ, ORT_JS_DIR=ORTJS)
    for r in range(rounds):
        o = last_json(run(["node", os.path.join(ROOT, "bench", "ort_bench.mjs"), model, data, str(iters)], env=env).stdout)
        theirs.append(o["median_ms"])
        rss = max(rss, o["rss_peak_bytes"])
        ours.append(last_json(run([os.path.join(keep, "harness"), keep, keep, str(iters)]).stdout)["median_ms"])
    o2c_ms, ort_ms = statistics.median(ours), statistics.median(theirs)
    # The ratio pairs each round with the ORT round next to it in time (the median of the
    # per-round ratios): on a shared host whose speed drifts by 10 % from minute to minute, a
    # slow spell then weighs on both sides alike; the range shows how far the rounds spread.
    pairs = [o / t for o, t in zip(ours, theirs)]
    # Time in convolutions (fused epilogues included), from a separate profiled build.
    conv_macs = info.get("macs_per_op", {}).get("Conv", 0)
    conv_ms = conv_share = None
    if conv_macs:
        prof = run([O2C, "bench", model, "--data", data, "--iters", str(iters), "--profile",
                    "--keep", os.path.join(work, name + "_profile")]).stdout
        conv_ms = sum(float(l.split()[1]) for l in prof.splitlines()
                      if re.match(r"^  Conv(\+\S+)?\s", l) and l.split()[2] == "ms")
        total = re.search(r"^profile: (\S+) ms per run", prof, re.M)
        conv_share = conv_ms / float(total.group(1)) if total and float(total.group(1)) > 0 else None
    return dict(model=name, macs=macs, o2c_ms=o2c_ms, ort_ms=ort_ms, ratio=statistics.median(pairs),
                ratio_lo=min(pairs), ratio_hi=max(pairs), arena=first["arena_bytes"],
                conv_macs=conv_macs, conv_ms=conv_ms, conv_share=conv_share,
                lower=first["arena_lower_bound"], ort_rss=rss, **cost)


def compile_cost(mdir, work):
    """The compile cost: onnx2cpp (default: embedded weights), then g++ -O2 -c on its output,
    and the same with --weights file; times are CPU seconds (user + system), memory peak RSS."""
    name = os.path.basename(mdir.rstrip("/"))
    model, data = os.path.join(mdir, "model.onnx"), os.path.join(mdir, "test_data_set_0")
    r = dict(onnx_mb=os.path.getsize(model) / 1e6)
    for mode in ("embed", "file"):
        src = os.path.join(work, name, "cost_" + mode, name + ".cpp")
        os.makedirs(os.path.dirname(src), exist_ok=True)
        _, o2c_rss, o2c_s = timed([O2C, model, "-o", src, "--weights", mode] + shape_flags(data, model), cpu=True)
        _, gxx_rss, gxx_s = timed(["c++", "-std=c++17", "-O2", "-I/usr/include/eigen3", "-c", src, "-o", src + ".o"], cpu=True)
        if mode == "embed":
            r.update(o2c_s=o2c_s, o2c_rss=o2c_rss, src_kb=os.path.getsize(src) / 1e3, gxx_s=gxx_s, gxx_rss=gxx_rss,
                     weights_mb=os.path.getsize(src + ".weights") / 1e6 if os.path.exists(src + ".weights") else 0)
        else:
            r.update(gxx_file_s=gxx_s, gxx_file_rss=gxx_rss)
        for f in (src, src + ".o", src + ".weights", os.path.join(os.path.dirname(src), name + ".weights.bin")):
            if os.path.exists(f):
                os.remove(f)
    return r


COST_HDR = ("ONNX MB", "o2c CPU s", "o2c RSS MB", "RSS/ONNX", "source KB", "weights MB", "g++ -O2 CPU s", "g++ RSS MB",
            "g++ (--weights file) CPU s", "g++ RSS MB (file)", "g++ embed/file")


def cost_cells(r):
    return (f"{r['onnx_mb']:.1f} | {r['o2c_s']:.2f} | {r['o2c_rss']/1e6:.0f} | {r['o2c_rss']/1e6/r['onnx_mb']:.1f} | "
            f"{r['src_kb']:.0f} | {r['weights_mb']:.1f} | {r['gxx_s']:.1f} | {r['gxx_rss']/1e6:.0f} | "
            f"{r['gxx_file_s']:.1f} | {r['gxx_file_rss']/1e6:.0f} | {r['gxx_s']/r['gxx_file_s']:.2f}")


def shape_flags(data, model):
    """--shape flags for inputs with symbolic dims, from the data (via onnx2cpp check)."""
    r = subprocess.run([O2C, "check", model], capture_output=True, text=True)
    if r.returncode == 0:
        return []
    # Bind from the data: the verify path knows how; reuse it through --keep-less check.
    import glob
    flags = []
    for f in sorted(glob.glob(os.path.join(data, "input_*.pb"))):
        buf = open(f, "rb").read()
        dims, name, pos = [], "", 0
        def varint():
            nonlocal pos
            v = s = 0
            while True:
                b = buf[pos]; pos += 1
                v |= (b & 0x7F) << s; s += 7
                if not b & 0x80:
                    return v
        while pos < len(buf):
            key = varint(); field, wire = key >> 3, key & 7
            if wire == 0:
                v = varint()
                if field == 1: dims.append(v)
            elif wire == 2:
                n = varint(); body = buf[pos:pos + n]; pos += n
                if field == 8: name = body.decode()
            elif wire == 5: pos += 4
            elif wire == 1: pos += 8
        flags += ["--shape", f"{name}={'x'.join(map(str, dims))}"]
    return flags


def main():
    global O2C
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="*", default=[os.path.join(ROOT, "..", "shared", "models")])
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--onnx2cpp", default=O2C, help="the compiler to measure (default: build/onnx2cpp)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--compile-only", action="store_true",
                    help="only the compile cost (no runs, no onnxruntime): onnx2cpp and g++ -O2, time and peak RSS")
    a = ap.parse_args()
    O2C = os.path.abspath(a.onnx2cpp)
    if not os.path.exists(O2C):
        sys.exit("build/onnx2cpp not found: run scripts/test.sh or cmake --build build first")
    work = tempfile.mkdtemp(prefix="o2c_bench.")
    models = []  # each folder with a model.onnx, or the model folders in it
    for d in a.dirs:
        if os.path.exists(os.path.join(d, "model.onnx")):
            models.append(d)
        else:
            models += sorted(os.path.join(d, m) for m in os.listdir(d) if os.path.exists(os.path.join(d, m, "model.onnx")))
    if a.compile_only:
        print("| model | " + " | ".join(COST_HDR) + " |\n|" + "---|" * (len(COST_HDR) + 1))
        for m in models:
            try:
                print(f"| {os.path.basename(m)} | {cost_cells(compile_cost(m, work))} |", flush=True)
            except RuntimeError as e:
                print(f"| {os.path.basename(m)} | failed: {str(e).splitlines()[0][:120]} |", flush=True)
        return
    setup_ort()
    peak = peak_gflops(work)
    print(f"single-core FP32 peak (bench/peak_fma.cpp): {peak:.1f} GFLOP/s; {a.rounds} alternating rounds of at least {a.iters} iterations and about 0.5 s")
    hdr = ("model", "MACs", "o2c ms", "ORT ms", "ratio", "rounds' ratios", "GFLOP/s", "% peak", "ORT % peak", "conv % peak", "arena MB", "eff",
           "ORT RSS MB") + COST_HDR
    print("| " + " | ".join(hdr) + " |\n|" + "---|" * len(hdr))
    ratios = []
    for m in models:
        try:
            r = bench_model(m, work, a.iters, a.rounds)
        except RuntimeError as e:
            print(f"| {os.path.basename(m)} | failed: {str(e).splitlines()[0][:120]} |")
            continue
        ratio = r["ratio"]
        ratios.append(ratio)
        gf = 2 * r["macs"] / (r["o2c_ms"] * 1e-3) / 1e9 if r["macs"] else 0
        ort_gf = 2 * r["macs"] / (r["ort_ms"] * 1e-3) / 1e9 if r["macs"] else 0
        eff = r["lower"] / r["arena"] if r["arena"] else 1
        conv = "-"
        if r["conv_ms"]:
            pct = lambda ms: 100 * 2 * r['conv_macs'] / (ms * 1e-3) / 1e9 / peak
            own = f"({pct(r['conv_ms']):.0f}%)"
            conv = f"{pct(r['conv_share'] * r['o2c_ms']):.0f}% {own}" if r["conv_share"] else own
        print(f"| {r['model']} | {r['macs']/1e6:.1f}M | {r['o2c_ms']:.3f} | {r['ort_ms']:.3f} | {ratio:.2f} | {r['ratio_lo']:.2f}-{r['ratio_hi']:.2f} | {gf:.1f} | "
              f"{100*gf/peak:.0f}% | {100*ort_gf/peak:.0f}% | {conv} | {r['arena']/1e6:.2f} | {eff:.2f} | {r['ort_rss']/1e6:.0f} | {cost_cells(r)} |")
    if ratios:
        print(f"geometric mean latency ratio onnx2cpp/ORT: {statistics.geometric_mean(ratios):.2f} (max {max(ratios):.2f})")


if __name__ == "__main__":
    main()
