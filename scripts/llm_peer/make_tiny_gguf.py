#!/usr/bin/env python3
"""Write a tiny, deterministic, llama-architecture GGUF model file.

Usage: python make_tiny_gguf.py OUTPUT.gguf

The model is meaningless (fixed pseudo-random weights), but it is a real model
that llama.cpp / llama-cpp-python can load and run: real tokenizer (llama
SentencePiece kind with byte fallback), real ChatML control tokens and chat
template, real sampling. It exists so end-to-end tests of an OpenAI-compatible
client can run against `python -m llama_cpp.server` with no network access.

Dependencies: `gguf` and `numpy` (PyPI). Runs in well under a second; the file
is about 1 MB.
"""

from __future__ import annotations

import os
import sys

import numpy as np

try:
    import gguf
except ImportError:  # pragma: no cover - message for humans
    sys.exit("make_tiny_gguf.py: the 'gguf' package is missing (pip install gguf numpy)")

# ---------------------------------------------------------------- hyper-parameters
N_CTX = 512
N_EMBD = 64
N_LAYER = 2
N_HEAD = 4
N_HEAD_KV = 2  # grouped-query attention, like most current llama-style models
N_FF = 128
HEAD_DIM = N_EMBD // N_HEAD
RMS_EPS = 1e-5
ROPE_THETA = 10000.0
SEED = 1234
MODEL_NAME = "nodetool-tiny-llama"

SPIECE_SPACE = "\u2581"  # '▁', SentencePiece's word-boundary marker

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

# Common English words; each becomes a '▁word' piece (plus every prefix of it, so
# the SentencePiece bigram merge can actually reach the whole word).
WORDS = """
the of and to in is you that it he was for on are as with his they at be this
have from or one had by word but not what all were we when your can said there
use an each which she do how their if will up other about out many then them
these so some her would make like him into time has look two more write go see
number no way could people my than first water been call who oil its now find
long down day did get come made may part hello hi world test tool weather city
name value true false null yes please thank thanks answer question help assistant
user system function call result json data model server error ok good new old
what where why because just also very well only any here
""".split()

# Frequent sub-word pieces (no leading space).
SUBWORDS = """
ing ed er es en re on an th he in at or ar al it is st nd ou le se ly ion tion
ent ter ers est ness ment able
""".split()


def build_vocab() -> tuple[list[str], list[float], list[int], dict[str, int]]:
    tokens: list[str] = []
    scores: list[float] = []
    types: list[int] = []
    index: dict[str, int] = {}

    def add(text: str, score: float, ttype: int) -> None:
        if text in index:
            return
        index[text] = len(tokens)
        tokens.append(text)
        scores.append(score)
        types.append(int(ttype))

    T = gguf.TokenType
    add("<unk>", 0.0, T.UNKNOWN)
    add("<s>", 0.0, T.CONTROL)
    add("</s>", 0.0, T.CONTROL)
    for b in range(256):
        add(f"<0x{b:02X}>", 0.0, T.BYTE)

    # Single characters: '▁' and printable ASCII (plus '▁'+letter/digit pieces).
    pieces: list[str] = [SPIECE_SPACE]
    pieces += [chr(c) for c in range(33, 127)]
    pieces += [SPIECE_SPACE + chr(c) for c in range(33, 127)]
    # Words with the word-boundary marker, and all their prefixes.
    for w in WORDS + [w.capitalize() for w in WORDS]:
        full = SPIECE_SPACE + w
        for i in range(2, len(full) + 1):
            pieces.append(full[:i])
    # Sub-words and their prefixes.
    for sw in SUBWORDS:
        for i in range(1, len(sw) + 1):
            pieces.append(sw[:i])

    # SentencePiece merges the highest-scoring adjacent pair first; give longer
    # pieces higher scores so whole words win over fragments.
    for p in pieces:
        add(p, -100.0 + float(len(p)), T.NORMAL)

    # ChatML control tokens (must be last so ids stay stable for the pieces above).
    add("<|im_start|>", 0.0, T.CONTROL)
    add("<|im_end|>", 0.0, T.CONTROL)
    return tokens, scores, types, index


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} OUTPUT.gguf", file=sys.stderr)
        return 2
    out_path = argv[1]
    out_dir = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(out_dir, exist_ok=True)

    tokens, scores, types, index = build_vocab()
    n_vocab = len(tokens)

    tmp_path = out_path + ".tmp"
    w = gguf.GGUFWriter(tmp_path, "llama")
    w.add_name(MODEL_NAME)
    w.add_description("Tiny random-weight llama model for offline end-to-end tests")
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_vocab_size(n_vocab)
    w.add_context_length(N_CTX)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD_KV)
    w.add_layer_norm_rms_eps(RMS_EPS)
    w.add_rope_dimension_count(HEAD_DIM)
    w.add_rope_freq_base(ROPE_THETA)

    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_unk_token_id(index["<unk>"])
    w.add_bos_token_id(index["<s>"])
    w.add_eos_token_id(index["<|im_end|>"])  # ChatML turn end stops generation
    w.add_eot_token_id(index["<|im_end|>"])
    w.add_pad_token_id(index["</s>"])
    w.add_add_bos_token(False)  # ChatML models (Qwen style) do not prepend BOS
    w.add_add_eos_token(False)
    w.add_chat_template(CHATML_TEMPLATE)

    # ------------------------------------------------------------- tensors
    # numpy shape is (rows, cols) == GGUF ne[1], ne[0]; a weight mapping
    # in -> out is stored as (out, in).
    rng = np.random.default_rng(SEED)

    def mat(rows: int, cols: int, scale: float) -> np.ndarray:
        return (rng.standard_normal((rows, cols)) * scale).astype(np.float32)

    def ones(n: int) -> np.ndarray:
        return np.ones((n,), dtype=np.float32)

    n_embd_kv = N_HEAD_KV * HEAD_DIM
    s = 1.0 / np.sqrt(N_EMBD)
    # Every embedding carries a constant +4 in dimension 0, so the final hidden state
    # reliably has a large positive component there. The output rows of byte, <unk>,
    # <s>, </s> and <|im_start|> tokens get a strongly negative weight on that
    # dimension: the model then (almost) only emits ordinary text pieces, instead of
    # raw bytes / control characters / broken UTF-8. <|im_end|> stays neutral so
    # generation can still end on its own.
    embd = mat(n_vocab, N_EMBD, 1.0)
    embd[:, 0] = 4.0
    out = mat(n_vocab, N_EMBD, s)
    out[:, 0] = 0.0
    penalised = [i for i, t in enumerate(types) if t != gguf.TokenType.NORMAL]
    penalised.remove(index["<|im_end|>"])
    out[penalised, 0] = -2.0
    w.add_tensor("token_embd.weight", embd)
    for i in range(N_LAYER):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", ones(N_EMBD))
        w.add_tensor(p + "attn_q.weight", mat(N_EMBD, N_EMBD, s))
        w.add_tensor(p + "attn_k.weight", mat(n_embd_kv, N_EMBD, s))
        w.add_tensor(p + "attn_v.weight", mat(n_embd_kv, N_EMBD, s))
        w.add_tensor(p + "attn_output.weight", mat(N_EMBD, N_EMBD, s))
        w.add_tensor(p + "ffn_norm.weight", ones(N_EMBD))
        w.add_tensor(p + "ffn_gate.weight", mat(N_FF, N_EMBD, s))
        w.add_tensor(p + "ffn_up.weight", mat(N_FF, N_EMBD, s))
        w.add_tensor(p + "ffn_down.weight", mat(N_EMBD, N_FF, 1.0 / np.sqrt(N_FF)))
    w.add_tensor("output_norm.weight", ones(N_EMBD))
    w.add_tensor("output.weight", out)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    os.replace(tmp_path, out_path)  # atomic: a half-written file is never picked up

    size = os.path.getsize(out_path)
    print(f"wrote {out_path}: {size} bytes, vocab {n_vocab}, {N_LAYER} layers, n_embd {N_EMBD}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
