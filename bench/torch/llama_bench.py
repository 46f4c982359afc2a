"""PyTorch's CPU speed on a Hugging Face Llama checkpoint, the peer of bench/compare-forward.mjs.

    /usr/bin/python3 bench/torch/llama_bench.py MODEL_DIR [TOKENS]

The forward is written out with torch ops (RMSNorm, rotate-half RoPE, grouped-query causal
attention, SiLU MLP, tied or untied head), weights widened to f32 as a CPU PyTorch user runs them,
2 threads. Prints one JSON line: prefill_tok_s (no-grad forward over TOKENS random ids),
train_tok_s (forward + backward to one residual vector added after the middle block, weights
frozen: what steering-vector training costs), weight_bytes (the safetensors file) and read_gb_s
(NumPy streaming a 256 MiB array, the bandwidth estimate for the decode bound).
"""
import json
import os
import struct
import sys
import time

import numpy as np
import torch

DTYPES = {'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16}


def load_safetensors(path: str) -> dict:
    """Every tensor of a single-file checkpoint, as f32."""
    with open(path, 'rb') as f:
        data = f.read()
    (header_len,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + header_len])
    body = memoryview(data)[8 + header_len:]
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        begin, end = info['data_offsets']
        t = torch.frombuffer(bytearray(body[begin:end]), dtype=DTYPES[info['dtype']])
        out[name] = t.reshape(info['shape']).float()
    return out


def best_time(fn, n: int = 3) -> float:
    fn()
    best = float('inf')
    for _ in range(n):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    model_dir = sys.argv[1]
    tokens = int(sys.argv[2]) if len(sys.argv) > 2 else 256
    torch.set_num_threads(2)
    cfg = json.load(open(os.path.join(model_dir, 'config.json')))
    weights_path = os.path.join(model_dir, 'model.safetensors')
    w = load_safetensors(weights_path)
    heads = cfg['num_attention_heads']
    kv_heads = cfg.get('num_key_value_heads', heads)
    hidden = cfg['hidden_size']
    head_dim = cfg.get('head_dim') or hidden // heads
    eps = cfg['rms_norm_eps']
    head = w.get('lm_head.weight', w['model.embed_tokens.weight'])
    inv_freq = 1.0 / (cfg.get('rope_theta', 10000.0) ** (torch.arange(0, head_dim, 2).float() / head_dim))

    def rms_norm(x, g):
        return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * g

    def rotate(x, cos, sin):
        half = head_dim // 2
        return x * cos + torch.cat([-x[..., half:], x[..., :half]], -1) * sin

    def forward(ids, steer=None, steer_layer=None):
        t = ids.shape[0]
        angles = torch.outer(torch.arange(t).float(), inv_freq)
        emb = torch.cat([angles, angles], -1)
        cos, sin = emb.cos()[None], emb.sin()[None]
        mask = torch.full((t, t), float('-inf')).triu(1)
        x = w['model.embed_tokens.weight'][ids]
        for i in range(cfg['num_hidden_layers']):
            p = f'model.layers.{i}.'
            h = rms_norm(x, w[p + 'input_layernorm.weight'])
            q = (h @ w[p + 'self_attn.q_proj.weight'].T).view(t, heads, head_dim).transpose(0, 1)
            k = (h @ w[p + 'self_attn.k_proj.weight'].T).view(t, kv_heads, head_dim).transpose(0, 1)
            v = (h @ w[p + 'self_attn.v_proj.weight'].T).view(t, kv_heads, head_dim).transpose(0, 1)
            q, k = rotate(q, cos, sin), rotate(k, cos, sin)
            k = k.repeat_interleave(heads // kv_heads, 0)
            v = v.repeat_interleave(heads // kv_heads, 0)
            att = torch.softmax(q @ k.transpose(1, 2) / head_dim ** 0.5 + mask, -1) @ v
            x = x + att.transpose(0, 1).reshape(t, heads * head_dim) @ w[p + 'self_attn.o_proj.weight'].T
            h = rms_norm(x, w[p + 'post_attention_layernorm.weight'])
            gate = torch.nn.functional.silu(h @ w[p + 'mlp.gate_proj.weight'].T)
            x = x + (gate * (h @ w[p + 'mlp.up_proj.weight'].T)) @ w[p + 'mlp.down_proj.weight'].T
            if steer is not None and i == steer_layer:
                x = x + steer
        return rms_norm(x, w['model.norm.weight']) @ head.T

    ids = torch.randint(3, cfg['vocab_size'], (tokens,))
    with torch.no_grad():
        prefill = best_time(lambda: forward(ids))
    steer = torch.zeros(hidden, requires_grad=True)
    middle = cfg['num_hidden_layers'] // 2

    def train_step():
        logits = forward(ids, steer, middle)
        torch.nn.functional.cross_entropy(logits[:-1], ids[1:]).backward()
        steer.grad = None

    train = best_time(train_step)
    big = np.ones(256 * 1024 * 1024 // 8)
    start = time.perf_counter()
    for _ in range(4):
        big.sum()
    read_gb_s = 4 * big.nbytes / (time.perf_counter() - start) / 1e9
    print(json.dumps({'prefill_tok_s': tokens / prefill, 'train_tok_s': tokens / train, 'weight_bytes': os.path.getsize(weights_path), 'read_gb_s': read_gb_s, 'tokens': tokens}))


if __name__ == '__main__':
    main()
