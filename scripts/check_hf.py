#!/usr/bin/env python3
"""Independent GPT-NeoX forward pass over a Hugging Face GPTNeoXForCausalLM directory.

Reads config.json and model.safetensors (or model.safetensors.index.json shards) with numpy
only, implements HF's GPTNeoX forward in float64 (rotary on the first rotary_pct of each head,
head-interleaved QKV, sequential or parallel residual, LayerNorm, GeLU variants) and prints the
logits and argmax for the given token ids as JSON, so they can be compared with neox's forward.

    python3 scripts/check_hf.py HF_DIR --tokens 0,1,2,3
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np

DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8"}


def read_safetensors(path):
    """Returns {name: float64 array} for the float tensors of one safetensors file."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = memoryview(raw)[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        buf = data[begin:end]
        if info["dtype"] == "BF16":
            bits = np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        elif info["dtype"] in DTYPES:
            arr = np.frombuffer(buf, dtype=DTYPES[info["dtype"]])
        else:
            continue  # BOOL/int buffers (attention masks) are not parameters
        out[name] = arr.astype(np.float64).reshape(shape)
    return out


def load_weights(model_dir):
    single = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(single):
        return read_safetensors(single)
    with open(os.path.join(model_dir, "model.safetensors.index.json")) as f:
        files = sorted(set(json.load(f)["weight_map"].values()))
    weights = {}
    for name in files:
        weights.update(read_safetensors(os.path.join(model_dir, name)))
    return weights


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


_erf = np.frompyfunc(math.erf, 1, 1)


def activation(name, x):
    if name == "gelu":
        return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))
    if name in ("gelu_new", "gelu_fast", "gelu_pytorch_tanh"):
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    if name == "relu":
        return np.maximum(x, 0.0)
    if name in ("silu", "swish"):
        return x / (1.0 + np.exp(-x))
    if name == "mish":
        return x * np.tanh(np.log1p(np.exp(x)))
    raise SystemExit("check_hf.py: unsupported hidden_act " + name)


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def attention(cfg, w, p, x):
    """x: [s, h] -> [s, h]; QKV rows are [head][q|k|v][hn] (head-interleaved)."""
    s, h = x.shape
    heads = cfg["num_attention_heads"]
    hn = h // heads
    qkv = x @ w[p + "attention.query_key_value.weight"].T + w[p + "attention.query_key_value.bias"]
    qkv = qkv.reshape(s, heads, 3 * hn).transpose(1, 0, 2)  # [heads, s, 3hn]
    q, k, v = qkv[..., :hn], qkv[..., hn:2 * hn], qkv[..., 2 * hn:]
    rd = int(hn * cfg.get("rotary_pct", 1.0))
    base = cfg.get("rotary_emb_base", 10000)
    inv_freq = 1.0 / (base ** (np.arange(0, rd, 2, dtype=np.float64) / rd))
    theta = np.outer(np.arange(s, dtype=np.float64), inv_freq)
    emb = np.concatenate([theta, theta], axis=-1)  # [s, rd]
    cos, sin = np.cos(emb), np.sin(emb)

    def rope(t):
        r = t[..., :rd]
        return np.concatenate([r * cos + rotate_half(r) * sin, t[..., rd:]], axis=-1)

    q, k = rope(q), rope(k)
    scores = q @ k.transpose(0, 2, 1) / math.sqrt(hn)  # [heads, s, s]
    scores = np.where(np.tril(np.ones((s, s), dtype=bool)), scores, -np.inf)
    scores = scores - scores.max(-1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(-1, keepdims=True)
    ctx = (probs @ v).transpose(1, 0, 2).reshape(s, h)
    return ctx @ w[p + "attention.dense.weight"].T + w[p + "attention.dense.bias"]


def mlp(cfg, w, p, x):
    y = x @ w[p + "mlp.dense_h_to_4h.weight"].T + w[p + "mlp.dense_h_to_4h.bias"]
    y = activation(cfg.get("hidden_act", "gelu"), y)
    return y @ w[p + "mlp.dense_4h_to_h.weight"].T + w[p + "mlp.dense_4h_to_h.bias"]


def forward(cfg, w, tokens):
    eps = cfg.get("layer_norm_eps", 1e-5)
    x = w["gpt_neox.embed_in.weight"][np.asarray(tokens)]
    for i in range(cfg["num_hidden_layers"]):
        p = "gpt_neox.layers.%d." % i
        a = attention(cfg, w, p, layer_norm(x, w[p + "input_layernorm.weight"], w[p + "input_layernorm.bias"], eps))
        if cfg.get("use_parallel_residual", True):
            m = mlp(cfg, w, p, layer_norm(x, w[p + "post_attention_layernorm.weight"],
                                          w[p + "post_attention_layernorm.bias"], eps))
            x = x + a + m
        else:
            x = x + a
            x = x + mlp(cfg, w, p, layer_norm(x, w[p + "post_attention_layernorm.weight"],
                                              w[p + "post_attention_layernorm.bias"], eps))
    x = layer_norm(x, w["gpt_neox.final_layer_norm.weight"], w["gpt_neox.final_layer_norm.bias"], eps)
    out = w.get("embed_out.weight")
    if out is None or cfg.get("tie_word_embeddings", False):
        out = w["gpt_neox.embed_in.weight"]
    return x @ out.T


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model_dir")
    ap.add_argument("--tokens", required=True, help="comma-separated token ids")
    args = ap.parse_args(argv)
    with open(os.path.join(args.model_dir, "config.json")) as f:
        cfg = json.load(f)
    if cfg.get("model_type") != "gpt_neox":
        raise SystemExit("check_hf.py: model_type is %r, expected gpt_neox" % cfg.get("model_type"))
    tokens = [int(t) for t in args.tokens.split(",") if t.strip()]
    logits = forward(cfg, load_weights(args.model_dir), tokens)
    json.dump({"tokens": tokens, "logits": logits.tolist(),
               "argmax": [int(i) for i in logits.argmax(-1)]}, sys.stdout)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])
