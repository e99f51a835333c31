#!/usr/bin/env python3
"""Reference numerics for pimc tests: seeded inputs, onnxruntime outputs, and array comparison.

Subcommands (run with the project venv, /work/main/.venv/bin/python):

  reference.py run MODEL.onnx --out-dir DIR [--batch N] [--seed S] [--dim NAME=V ...] [--opt LEVEL]
      Writes one <input>.npy per graph input (seeded random data, see "Inputs" below), one
      <output>.npy per graph output (onnxruntime, CPU provider) and manifest.json (names, files,
      shapes, dtypes, seed, batch, model sha256, onnxruntime version).

  reference.py compare A.onnx B.onnx [--batch N] [--seed S] [--rtol R] [--atol A] [--dim NAME=V ...]
      Runs onnxruntime on both models with the same inputs (generated from A's signature) and
      compares outputs pairwise, by position. Exit 0 if all match, 1 if any differs, 2 on error.

  reference.py check-npy EXPECTED.npy ACTUAL.npy [--rtol R] [--atol A]
      Compares two arrays with the same criterion. Exit 0 / 1 / 2 as above.

Fixed-batch models. When every input has a fixed dimension 0 of 1 and --batch N > 1, `run`
draws image b's inputs as sample b of a batched run (seed [seed, input_index, b]), runs
onnxruntime once per image and writes inputs and outputs concatenated along axis 0 ([1, ...]
becomes [N, ...]): what pimc --batch N compiles such a model to.

Inputs. Every graph input that is not an initializer gets data in graph order. Float inputs are
uniform in [-1, 1] unless the model carries metadata_props "pimc.input_range.<input>" = "lo,hi".
Integer inputs are uniform integers in [0, 10); bool inputs are fair coin flips. Symbolic
dimensions: a symbolic (or unknown) dimension at axis 0 is the batch and is bound to --batch
(default 1); any other symbolic dimension must be given with --dim NAME=VALUE. Data along the
batch axis is drawn per sample from np.random.default_rng([seed, input_index, sample]), so
sample b of a batch-4 run equals sample b of a batch-1..3 run (batch-consistency tests can slice).

Comparison criterion (per output tensor): pass iff

    max |actual - expected|  <=  atol + rtol * max |expected|

i.e. the error is measured relative to the tensor's largest magnitude, not element-wise (an
element-wise relative test is meaningless near zero, and ReLU nets are full of near-zeros).
Shapes must match exactly; NaN/Inf must appear at the same places; integer and bool tensors must
be equal. Defaults: rtol = 1e-4, atol = 1e-6 (see README.md, "Tolerances", for the measurements).

File names: an input/output name is made file-safe by replacing every character outside
[A-Za-z0-9._-] with "_" (e.g. "gpu_0/data_0" -> "gpu_0_data_0.npy"); manifest.json maps names to
files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass

import numpy as np

DEFAULT_RTOL = 1e-4
DEFAULT_ATOL = 1e-6
DEFAULT_SEED = 0
RANGE_KEY = "pimc.input_range."

_OPT_LEVELS = ("disable", "basic", "extended", "all")


class RefError(Exception):
    """A usage or model problem (exit code 2)."""


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "_"


# ----------------------------------------------------------------------------------------------
# Model signature
# ----------------------------------------------------------------------------------------------

_NP_OF_ONNX = {
    1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32, 7: np.int64,
    9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64,
}


@dataclass
class InputSig:
    name: str
    dtype: type
    dims: list  # int | str (symbol) | None (unknown)
    lo: float = -1.0
    hi: float = 1.0


def load_model(path: str):
    import onnx

    try:
        return onnx.load(path)
    except Exception as e:  # noqa: BLE001 - any parse failure is a usage error here
        raise RefError(f"{path}: cannot be read as an ONNX model ({type(e).__name__}: {e})") from e


def input_signature(model) -> list[InputSig]:
    inits = {i.name for i in model.graph.initializer}
    meta = {p.key: p.value for p in model.metadata_props}
    sigs = []
    for vi in model.graph.input:
        if vi.name in inits:
            continue  # old-style models list initializers among the inputs: not fed
        tt = vi.type.tensor_type
        if not vi.type.HasField("tensor_type"):
            raise RefError(f"input '{vi.name}' is not a tensor")
        if tt.elem_type not in _NP_OF_ONNX:
            raise RefError(f"input '{vi.name}' has unsupported element type {tt.elem_type}")
        dims = []
        for d in tt.shape.dim:
            if d.HasField("dim_value"):
                dims.append(int(d.dim_value))
            elif d.HasField("dim_param"):
                dims.append(d.dim_param)
            else:
                dims.append(None)
        sig = InputSig(vi.name, _NP_OF_ONNX[tt.elem_type], dims)
        rng_spec = meta.get(RANGE_KEY + vi.name)
        if rng_spec:
            lo, hi = (float(v) for v in rng_spec.split(","))
            sig.lo, sig.hi = lo, hi
        sigs.append(sig)
    return sigs


def bind_shape(sig: InputSig, batch: int, dims: dict[str, int]) -> tuple[list[int], bool]:
    """Concrete shape for an input; second value says whether axis 0 is the (bound) batch."""
    shape, batched = [], False
    for axis, d in enumerate(sig.dims):
        if isinstance(d, int):
            shape.append(d)
        elif isinstance(d, str) and d in dims:
            shape.append(dims[d])
            batched = batched or axis == 0
        elif axis == 0:
            shape.append(batch)
            batched = True
        else:
            raise RefError(
                f"input '{sig.name}' has symbolic dimension {d!r} at axis {axis}, which is not the "
                f"batch axis; bind it with --dim {d or 'NAME'}=VALUE")
    return shape, batched


def make_inputs(model, batch: int = 1, seed: int = DEFAULT_SEED,
                dims: dict[str, int] | None = None) -> dict[str, np.ndarray]:
    dims = dims or {}
    feeds = {}
    for idx, sig in enumerate(input_signature(model)):
        shape, batched = bind_shape(sig, batch, dims)
        if batched and len(shape) > 0:
            parts = [_draw(np.random.default_rng([seed, idx, b]), sig, shape[1:])
                     for b in range(shape[0])]
            arr = np.stack(parts) if parts else np.zeros(shape, sig.dtype)
        else:
            arr = _draw(np.random.default_rng([seed, idx]), sig, shape)
        feeds[sig.name] = arr
    return feeds


def _draw(rng, sig: InputSig, shape) -> np.ndarray:
    if np.issubdtype(sig.dtype, np.floating):
        return rng.uniform(sig.lo, sig.hi, size=shape).astype(sig.dtype)
    if sig.dtype is np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    return rng.integers(0, 10, size=shape).astype(sig.dtype)


# ----------------------------------------------------------------------------------------------
# onnxruntime
# ----------------------------------------------------------------------------------------------

def session(model_or_path, opt: str = "disable", threads: int = 0):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = {
        "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
    }[opt]
    so.log_severity_level = 3
    if threads:
        so.intra_op_num_threads = threads
    src = model_or_path if isinstance(model_or_path, (str, bytes)) else model_or_path.SerializeToString()
    try:
        return ort.InferenceSession(src, sess_options=so, providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001
        what = model_or_path if isinstance(model_or_path, str) else "model"
        raise RefError(f"{what}: onnxruntime cannot load it: {e}") from e


def run_ort(model_or_path, feeds: dict[str, np.ndarray], opt: str = "disable") -> list[tuple[str, np.ndarray]]:
    sess = session(model_or_path, opt)
    names = [o.name for o in sess.get_outputs()]
    try:
        outs = sess.run(names, feeds)
    except Exception as e:  # noqa: BLE001
        what = model_or_path if isinstance(model_or_path, str) else "model"
        raise RefError(f"{what}: onnxruntime failed to run: {e}") from e
    return list(zip(names, outs))


# ----------------------------------------------------------------------------------------------
# Comparison
# ----------------------------------------------------------------------------------------------

def compare_arrays(label: str, expected: np.ndarray, actual: np.ndarray,
                   rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL) -> tuple[bool, str]:
    """Returns (ok, one-paragraph message)."""
    e, a = np.asarray(expected), np.asarray(actual)
    if e.shape != a.shape:
        return False, f"{label}: shape mismatch: expected {list(e.shape)}, got {list(a.shape)}"
    if e.size == 0:
        return True, f"{label}: ok (empty, shape {list(e.shape)})"
    exact = not (np.issubdtype(e.dtype, np.floating) or np.issubdtype(a.dtype, np.floating))
    if exact:
        diff = e != a
        if diff.any():
            idx = tuple(int(i) for i in np.argwhere(diff)[0])
            return False, (f"{label}: {int(diff.sum())} of {e.size} elements differ (exact compare, "
                           f"dtype {e.dtype}); first at {idx}: expected {e[idx]}, got {a[idx]}")
        return True, f"{label}: ok (exact, shape {list(e.shape)})"
    e64, a64 = e.astype(np.float64), a.astype(np.float64)
    e_fin, a_fin = np.isfinite(e64), np.isfinite(a64)
    bad_pattern = (e_fin != a_fin) | (~e_fin & ~a_fin & ~((e64 == a64) | (np.isnan(e64) & np.isnan(a64))))
    if bad_pattern.any():
        idx = tuple(int(i) for i in np.argwhere(bad_pattern)[0])
        return False, (f"{label}: non-finite values differ at {int(bad_pattern.sum())} places; first at "
                       f"{idx}: expected {e64[idx]!r}, got {a64[idx]!r}")
    both = e_fin & a_fin
    err = np.where(both, np.abs(a64 - e64), 0.0)
    scale = float(np.abs(np.where(e_fin, e64, 0.0)).max())
    allowed = atol + rtol * scale
    flat = int(np.argmax(err))
    idx = tuple(int(i) for i in np.unravel_index(flat, err.shape))
    max_err = float(err[idx])
    n_over = int((err > allowed).sum())
    detail = (f"max abs error {max_err:.3e} at {idx} (expected {e64[idx]:.7g}, got {a64[idx]:.7g}); "
              f"max |expected| {scale:.4g}; allowed {allowed:.3e} = atol {atol:g} + rtol {rtol:g} * "
              f"max|expected|; relative-to-max {max_err / scale if scale else float('inf'):.3e}")
    if max_err <= allowed:
        return True, f"{label}: ok, shape {list(e.shape)}: {detail}"
    return False, f"{label}: MISMATCH, shape {list(e.shape)}, {n_over} of {e.size} elements over tolerance: {detail}"


# ----------------------------------------------------------------------------------------------
# Subcommands
# ----------------------------------------------------------------------------------------------

def _parse_dims(items) -> dict[str, int]:
    out = {}
    for it in items or []:
        if "=" not in it:
            raise RefError(f"--dim expects NAME=VALUE, got {it!r}")
        k, v = it.split("=", 1)
        out[k] = int(v)
    return out


def fixed_single_image(model) -> bool:
    """Whether every input has a fixed dimension 0 of 1 (a model exported for one image)."""
    sigs = input_signature(model)
    return bool(sigs) and all(s.dims and s.dims[0] == 1 for s in sigs)


def run_per_image(model, path: str, batch: int, seed: int, opt: str):
    """Feeds and outputs of a fixed-batch-1 model run once per image: image b's inputs are
    drawn as sample b of a batched run, and inputs and outputs are concatenated along axis 0."""
    sigs = input_signature(model)
    feeds = {s.name: np.concatenate([
        _draw(np.random.default_rng([seed, idx, b]), s, s.dims)
        for b in range(batch)]) for idx, s in enumerate(sigs)}
    runs = [run_ort(path, {n: a[b:b + 1] for n, a in feeds.items()}, opt) for b in range(batch)]
    outs = [(name, np.concatenate([r[k][1] for r in runs])) for k, (name, _) in enumerate(runs[0])]
    return feeds, outs


def cmd_run(args) -> int:
    import onnxruntime as ort

    model = load_model(args.model)
    dims = _parse_dims(args.dim)
    if args.batch > 1 and fixed_single_image(model):
        feeds, outs = run_per_image(model, args.model, args.batch, args.seed, args.opt)
    else:
        feeds = make_inputs(model, args.batch, args.seed, dims)
        outs = run_ort(args.model, feeds, args.opt)
    os.makedirs(args.out_dir, exist_ok=True)
    manifest = {
        "model": os.path.basename(args.model),
        "model_sha256": hashlib.sha256(open(args.model, "rb").read()).hexdigest(),
        "batch": args.batch, "seed": args.seed, "dims": dims,
        "onnxruntime": ort.__version__, "graph_optimization": args.opt,
        "inputs": [], "outputs": [],
    }
    used = set()
    for kind, items in (("inputs", list(feeds.items())), ("outputs", outs)):
        for name, arr in items:
            fname = safe_name(name) + ".npy"
            if fname in used:
                raise RefError(f"two tensors map to the same file name {fname}")
            used.add(fname)
            np.save(os.path.join(args.out_dir, fname), arr)
            entry = {"name": name, "file": fname, "shape": list(arr.shape), "dtype": str(arr.dtype)}
            if kind == "inputs":
                sig = next(s for s in input_signature(model) if s.name == name)
                entry["distribution"] = (f"uniform[{sig.lo:g},{sig.hi:g}]"
                                         if np.issubdtype(sig.dtype, np.floating) else "uniform ints [0,10)")
            manifest[kind].append(entry)
    with open(os.path.join(args.out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    for kind in ("inputs", "outputs"):
        for ent in manifest[kind]:
            print(f"{kind[:-1]:6} {ent['name']} {ent['shape']} {ent['dtype']} -> {os.path.join(args.out_dir, ent['file'])}")
    return 0


def cmd_compare(args) -> int:
    ma = load_model(args.a)
    mb = load_model(args.b)
    feeds = make_inputs(ma, args.batch, args.seed, _parse_dims(args.dim))
    b_inputs = [s.name for s in input_signature(mb)]
    if set(b_inputs) == set(feeds):
        feeds_b = feeds
    elif len(b_inputs) == len(feeds):
        feeds_b = dict(zip(b_inputs, feeds.values()))
        print(f"note: input names differ; feeding B by position: {list(feeds)} -> {b_inputs}")
    else:
        raise RefError(f"inputs differ: A has {list(feeds)}, B has {b_inputs}")
    oa = run_ort(args.a, feeds, args.opt_a)
    ob = run_ort(args.b, feeds_b, args.opt_b)
    if len(oa) != len(ob):
        print(f"MISMATCH: A has {len(oa)} outputs {[n for n, _ in oa]}, B has {len(ob)} {[n for n, _ in ob]}")
        return 1
    ok_all = True
    for (na, xa), (nb, xb) in zip(oa, ob):
        label = f"output '{na}'" if na == nb else f"output '{na}' (A) vs '{nb}' (B)"
        ok, msg = compare_arrays(label, xa, xb, args.rtol, args.atol)
        ok_all &= ok
        print(msg)
    print("PASS" if ok_all else "FAIL")
    return 0 if ok_all else 1


def cmd_check_npy(args) -> int:
    try:
        e = np.load(args.expected)
        a = np.load(args.actual)
    except Exception as ex:  # noqa: BLE001
        raise RefError(f"cannot load arrays: {ex}") from ex
    ok, msg = compare_arrays(f"{os.path.basename(args.actual)} vs {os.path.basename(args.expected)}",
                             e, a, args.rtol, args.atol)
    print(msg)
    return 0 if ok else 1


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    def tol(sp):
        sp.add_argument("--rtol", type=float, default=DEFAULT_RTOL, help=f"relative to max|expected| (default {DEFAULT_RTOL:g})")
        sp.add_argument("--atol", type=float, default=DEFAULT_ATOL, help=f"absolute floor (default {DEFAULT_ATOL:g})")

    def feed(sp):
        sp.add_argument("--batch", type=int, default=1, help="value bound to the symbolic batch dim (default 1)")
        sp.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"input seed (default {DEFAULT_SEED})")
        sp.add_argument("--dim", action="append", metavar="NAME=V", help="bind another symbolic dim")

    r = sub.add_parser("run", help="write seeded inputs and onnxruntime outputs as .npy")
    r.add_argument("model")
    r.add_argument("--out-dir", required=True)
    feed(r)
    r.add_argument("--opt", choices=_OPT_LEVELS, default="disable",
                   help="onnxruntime graph optimisation level (default disable: evaluate the graph as written)")
    r.set_defaults(fn=cmd_run)

    c = sub.add_parser("compare", help="run two models on the same inputs and compare outputs")
    c.add_argument("a")
    c.add_argument("b")
    feed(c)
    tol(c)
    c.add_argument("--opt-a", choices=_OPT_LEVELS, default="disable")
    c.add_argument("--opt-b", choices=_OPT_LEVELS, default="disable")
    c.set_defaults(fn=cmd_compare)

    k = sub.add_parser("check-npy", help="compare two .npy arrays")
    k.add_argument("expected")
    k.add_argument("actual")
    tol(k)
    k.set_defaults(fn=cmd_check_npy)

    args = p.parse_args(argv)
    try:
        return args.fn(args)
    except RefError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
