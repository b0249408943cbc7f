#!/usr/bin/env python3
"""Side-by-side training throughput: a small PyTorch-eager GPT-NeoX vs `neox bench`.

Run with Debian's PyTorch (`apt-get install -y python3-torch libopenblas0-pthread`), i.e. the
system interpreter: `/usr/bin/python3 scripts/bench_vs_torch.py --layers 6 --hidden 512 ...`.

The PyTorch model is written here from the GPT-NeoX v2.0 description (spec §5): word embedding;
per layer pre-LayerNorm attention with a fused QKV projection in GPT-NeoX's head-interleaved
layout ([b, s, heads, 3·head_dim] -> q, k, v), rotary embeddings (rotate-half form) on the first
rotary_pct of each head, scaled causal softmax, dense; post-attention LayerNorm and a GELU MLP
(sequential residual); final LayerNorm; untied output layer; cross-entropy; torch AdamW.
One timed step = forward + backward + optimizer step on random tokens of one micro-batch.
Prints one JSON line (and, with --neox, a second with neox's numbers and the ratio).
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    sys.exit("bench_vs_torch: PyTorch is missing; install python3-torch and run with /usr/bin/python3")


class Rotary(nn.Module):
    """GPT-NeoX RotaryEmbedding: inv_freq = base^(-2i/dim), cos/sin of [s, dim] (rotate-half layout)."""

    def __init__(self, dim, seq, base=10000):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
        t = torch.arange(seq).float()
        freqs = torch.outer(t, inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos", emb.cos()[None, :, None, :], persistent=False)  # [1, s, 1, dim]
        self.register_buffer("sin", emb.sin()[None, :, None, :], persistent=False)

    @staticmethod
    def rotate_half(x):
        x1, x2 = x.chunk(2, dim=-1)
        return torch.cat((-x2, x1), dim=-1)

    def forward(self, x):  # x [b, s, heads, dim]
        s = x.shape[1]
        return x * self.cos[:, :s] + self.rotate_half(x) * self.sin[:, :s]


class Block(nn.Module):
    def __init__(self, h, heads, seq, rotary_pct):
        super().__init__()
        self.heads, self.hd = heads, h // heads
        self.rot_dim = int(self.hd * rotary_pct)
        self.input_layernorm = nn.LayerNorm(h)
        self.query_key_value = nn.Linear(h, 3 * h)
        self.rotary = Rotary(self.rot_dim, seq)
        self.dense = nn.Linear(h, h)
        self.post_attention_layernorm = nn.LayerNorm(h)
        self.dense_h_to_4h = nn.Linear(h, 4 * h)
        self.dense_4h_to_h = nn.Linear(4 * h, h)
        self.register_buffer("causal", torch.ones(seq, seq, dtype=torch.bool).triu(1), persistent=False)

    def rope(self, x):
        r = self.rot_dim
        if r == self.hd:
            return self.rotary(x)
        return torch.cat((self.rotary(x[..., :r]), x[..., r:]), dim=-1)

    def attention(self, x):
        b, s, h = x.shape
        qkv = self.query_key_value(x).view(b, s, self.heads, 3 * self.hd)  # head-interleaved
        q, k, v = qkv.split(self.hd, dim=-1)
        q, k = self.rope(q), self.rope(k)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))  # [b, heads, s, hd]
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.hd)
        scores = scores.masked_fill(self.causal[:s, :s], float("-inf"))
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v)
        return self.dense(ctx.transpose(1, 2).reshape(b, s, h))

    def forward(self, x):
        x = x + self.attention(self.input_layernorm(x))
        return x + self.dense_4h_to_h(F.gelu(self.dense_h_to_4h(self.post_attention_layernorm(x))))


class GPTNeoX(nn.Module):
    def __init__(self, layers, h, heads, seq, vocab, rotary_pct):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, h)
        self.blocks = nn.ModuleList(Block(h, heads, seq, rotary_pct) for _ in range(layers))
        self.norm = nn.LayerNorm(h)
        self.final_linear = nn.Linear(h, vocab, bias=False)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, tokens, labels):
        x = self.word_embeddings(tokens)
        for blk in self.blocks:
            x = blk(x)
        logits = self.final_linear(self.norm(x))
        return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), labels.reshape(-1))


def sync(dev):
    """GPU steps are asynchronous: wait for them before reading the clock."""
    if dev.type == "cuda":
        torch.cuda.synchronize()


def torch_bench(a):
    torch.manual_seed(1234)
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    model = GPTNeoX(a.layers, a.hidden, a.heads, a.seq, a.vocab, a.rotary_pct).to(dev)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() != 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=6e-4, betas=(0.9, 0.95), eps=1e-8)
    params = sum(p.numel() for p in model.parameters())
    times, losses = [], []
    for it in range(a.warmup + a.iters):
        data = torch.randint(0, a.vocab, (a.micro_batch, a.seq + 1), device=dev)
        sync(dev)
        t0 = time.perf_counter()
        loss = model(data[:, :-1], data[:, 1:])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sync(dev)
        dt = time.perf_counter() - t0
        losses.append(loss.item())
        if it >= a.warmup:
            times.append(dt)
    step = statistics.median(times)
    tokens = a.micro_batch * a.seq
    flops = tokens * (6 * params + 6 * a.seq * a.hidden * a.layers * 2)  # matmul FLOPs incl. attention
    return {"impl": "torch", "torch": torch.__version__, "device": a.device, "threads": a.threads, "params": params,
            "tokens_per_sec": round(tokens / step, 2), "step_ms": round(step * 1000, 1),
            "tokens_per_sec_best": round(tokens / min(times), 2),
            "step_ms_all": [round(t * 1000, 1) for t in times], "gflops_per_sec": round(flops / step / 1e9, 1),
            "first_loss": round(losses[0], 4), "last_loss": round(losses[-1], 4)}


def neox_yaml(a):
    return "\n".join([
        f"num_layers: {a.layers}", f"hidden_size: {a.hidden}", f"num_attention_heads: {a.heads}",
        f"seq_length: {a.seq}", f"max_position_embeddings: {a.seq}", f"train_micro_batch_size_per_gpu: {a.micro_batch}",
        "pos_emb: rotary", f"rotary_pct: {a.rotary_pct}", "no_weight_tying: true", "norm: layernorm",
        "gpt_j_residual: false", "output_layer_parallelism: column", "activation: gelu",
        'optimizer: {type: Adam, params: {lr: 0.0006, betas: [0.9, 0.95], eps: 1.0e-8}}',
        "weight_decay: 0.01", "train_iters: 1000", ""])


def neox_bench(a, root):
    neox = os.environ.get("NEOX_BIN", os.path.join(root, "bin", "neox"))
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), OPENBLAS_NUM_THREADS=str(a.threads))
    probe = subprocess.run([neox, "bench", "--help"], capture_output=True, text=True, env=env)
    if probe.returncode != 0 or "neox bench" not in probe.stdout + probe.stderr:
        return {"impl": "neox", "available": False, "reason": "`neox bench` is not available yet"}
    with tempfile.TemporaryDirectory() as d:
        name = "bench.yml"
        if a.neox_config:
            d, name = os.path.dirname(os.path.abspath(a.neox_config)), os.path.basename(a.neox_config)
        else:
            with open(os.path.join(d, name), "w") as f:
                f.write(neox_yaml(a))
        cmd = [neox, "bench", "-d", d, name, "--iters", str(a.iters), "--vocab-size", str(a.vocab)]
        if a.neox_kernels:
            cmd += ["--kernels", a.neox_kernels]
        run = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if run.returncode != 0:
        return {"impl": "neox", "available": False, "reason": f"exit {run.returncode}: {run.stderr.strip()[-400:]}"}
    line = [ln for ln in run.stdout.splitlines() if ln.strip().startswith("{")][-1]
    out = json.loads(line)
    out["impl"] = "neox"
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--seq", type=int, default=512)
    p.add_argument("--vocab", type=int, default=50304)
    p.add_argument("--micro-batch", type=int, default=4)
    p.add_argument("--rotary-pct", type=float, default=1.0)
    p.add_argument("--iters", type=int, default=5, help="timed steps (median reported)")
    p.add_argument("--warmup", type=int, default=1, help="untimed steps first")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu", help="torch device: cpu (default) or cuda (fp32, TF32 off)")
    p.add_argument("--neox-kernels", help="--kernels for neox bench (e.g. cuda)")
    p.add_argument("--neox", action="store_true", help="also run `bin/neox bench` and print the ratio")
    p.add_argument("--neox-config", help="YAML for neox bench (default: one written from the flags)")
    a = p.parse_args()
    if a.device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False  # neox computes in fp32; compare like with like
    t = torch_bench(a)
    print(json.dumps(t), flush=True)
    if a.neox:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        n = neox_bench(a, root)
        if n.get("available", True) and "tokens_per_sec" in n:
            n["ratio_neox_over_torch"] = round(n["tokens_per_sec"] / t["tokens_per_sec"], 3)
            print(f"tokens/s  neox {n['tokens_per_sec']}  torch {t['tokens_per_sec']}  "
                  f"ratio {n['ratio_neox_over_torch']}", file=sys.stderr)
        else:
            print(f"neox bench unavailable: {n.get('reason')}", file=sys.stderr)
        print(json.dumps(n), flush=True)


if __name__ == "__main__":
    main()
