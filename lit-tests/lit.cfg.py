# LLVM lit configuration for pimc: FileCheck tests of the dialects, every pass, the frontend and the
# whole pipeline on the test models. Run through scripts/test.sh (which builds the release binaries
# and generates the paper networks first), or directly:
#   /usr/lib/llvm-22/bin/lit -sv lit-tests
import os
import lit.formats

config.name = "pimc"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "tools", "lit.cfg.py"]

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
config.test_source_root = os.path.dirname(os.path.abspath(__file__))
config.test_exec_root = os.path.join(root, "target", "lit")

llvm_bin = "/usr/lib/llvm-22/bin"
bin_dir = os.environ.get("PIMC_BIN_DIR", os.path.join(root, "target", "release"))
# mlir-opt takes one --irdl-file (a second flag replaces the first): %mlir-opt and %irdl get the
# graph/pim and isa definitions concatenated into one file.
irdl = os.path.join(config.test_exec_root, "pimc-dialects.irdl.mlir")
os.makedirs(config.test_exec_root, exist_ok=True)
with open(irdl + f".{os.getpid()}", "w") as combined:
    for name in ("pim.irdl.mlir", "isa.irdl.mlir"):
        with open(os.path.join(root, "dialects", name)) as part:
            combined.write(part.read())
os.replace(irdl + f".{os.getpid()}", irdl)
python = os.path.join(root, ".venv", "bin", "python")

for tool in ("pimc", "pimc-opt", "pim-run", "pim-objdump"):
    if not os.path.exists(os.path.join(bin_dir, tool)):
        lit_config.fatal(f"{tool} is not built in {bin_dir}: run `cargo build --release` (or scripts/test.sh)")
if not os.path.exists(python):
    lit_config.fatal("the Python venv is missing: run scripts/setup.sh")

config.environment["PATH"] = os.pathsep.join([bin_dir, llvm_bin, config.environment.get("PATH", os.environ["PATH"])])
config.substitutions.append(("%pimc-opt", os.path.join(bin_dir, "pimc-opt")))
config.substitutions.append(("%pim-run", os.path.join(bin_dir, "pim-run")))
config.substitutions.append(("%pim-objdump", os.path.join(bin_dir, "pim-objdump")))
config.substitutions.append(("%pimc", os.path.join(bin_dir, "pimc")))
config.substitutions.append(("%mlir-opt", f"{llvm_bin}/mlir-opt --irdl-file={irdl}"))
config.substitutions.append(("%irdl", irdl))
config.substitutions.append(("%models", os.path.join(root, "test-models")))
config.substitutions.append(("%python", python))
config.substitutions.append(("%reference", f"{python} {os.path.join(root, 'test-models', 'reference.py')}"))
config.substitutions.append(("%tools", os.path.join(config.test_source_root, "tools")))
config.substitutions.append(("%targets", os.path.join(root, "runtime", "targets")))

if os.path.exists(os.path.join(root, "test-models", "generated", "vgg8.onnx")):
    config.available_features.add("paper-networks")
