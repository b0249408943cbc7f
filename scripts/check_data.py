#!/usr/bin/env python3
"""Independent check of neox data files with numpy (spec sections 3.2 and 3.4).

Reads a Megatron mmap dataset PREFIX.bin/.idx, validates its layout, rebuilds GPT-NeoX v2.0's
index maps (doc_idx, sample_idx, shuffle_idx) with numpy's RandomState exactly as
megatron/data/gpt2_dataset.py and helpers.cpp do, and compares them with the cached .npy files
that neox wrote. With --samples N it prints the first N samples (GPT2Dataset.__getitem__) as
JSON lines so a caller can compare them with neox's own.

  check_data.py PREFIX --name train --num-samples 7 --seq-length 4 --seed 1234 [--docs 0:5]
Exit status 0 when everything matches, 1 with a message otherwise.
"""
import argparse
import json
import sys

import numpy as np

DTYPES = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float32,
          7: np.float64, 8: np.uint16}


def fail(msg):
    print("MISMATCH: " + msg)
    sys.exit(1)


def read_indexed(prefix):
    idx = open(prefix + ".idx", "rb").read()
    if idx[:9] != b"MMIDIDX\x00\x00":
        fail("bad magic in " + prefix + ".idx")
    version = np.frombuffer(idx, np.uint64, 1, 9)[0]
    dtype = DTYPES[idx[17]]
    n = int(np.frombuffer(idx, np.uint64, 1, 18)[0])
    doc_count = int(np.frombuffer(idx, np.uint64, 1, 26)[0])
    if version != 1 or len(idx) != 34 + 12 * n + 8 * doc_count:
        fail("bad version or length of " + prefix + ".idx")
    sizes = np.frombuffer(idx, np.int32, n, 34)
    pointers = np.frombuffer(idx, np.int64, n, 34 + 4 * n)
    doc_idx = np.frombuffer(idx, np.int64, doc_count, 34 + 12 * n)
    itemsize = np.dtype(dtype).itemsize
    expect = np.concatenate([[0], np.cumsum(sizes.astype(np.int64) * itemsize)[:-1]]) if n else []
    if not np.array_equal(pointers, expect):
        fail("pointers do not follow sizes")
    bin_ = np.memmap(prefix + ".bin", dtype=dtype, mode="r")
    if bin_.size != int(sizes.astype(np.int64).sum()):
        fail(".bin holds %d tokens, sizes say %d" % (bin_.size, sizes.sum()))
    return sizes, pointers, doc_idx, bin_


def num_epochs(tokens_per_epoch, seq_length, num_samples):
    epochs = 0
    total = 0
    while True:
        epochs += 1
        total += tokens_per_epoch
        if ((total - 1) // seq_length) >= num_samples:
            return epochs


def build_sample_idx(sizes, doc_idx, seq_length, epochs, tokens_per_epoch):
    num_samples = (epochs * tokens_per_epoch - 1) // seq_length
    out = np.zeros((num_samples + 1, 2), dtype=np.int32)
    d, offset = 0, 0
    for k in range(1, num_samples + 1):
        remaining = seq_length + 1
        while remaining != 0:
            length = int(sizes[doc_idx[d]]) - offset
            remaining -= length
            if remaining <= 0:
                offset += remaining + length - 1
                remaining = 0
            else:
                d += 1
                offset = 0
        out[k] = (d, offset)
    return out


def build_maps(documents, sizes, num_samples, seq_length, seed):
    tokens_per_epoch = int(np.sum(sizes[documents].astype(np.int64)))
    epochs = num_epochs(tokens_per_epoch, seq_length, num_samples)
    rng = np.random.RandomState(seed=seed)
    doc_idx = np.mgrid[0:epochs, 0:len(documents)][1]
    doc_idx[:] = documents
    doc_idx = doc_idx.reshape(-1).astype(np.int32)
    rng.shuffle(doc_idx)
    sample_idx = build_sample_idx(sizes, doc_idx, seq_length, epochs, tokens_per_epoch)
    size = sample_idx.shape[0] - 1
    dtype_ = np.uint32 if size < np.iinfo(np.uint32).max - 1 else np.int64
    shuffle_idx = np.arange(0, size, 1, dtype=dtype_)
    rng.shuffle(shuffle_idx)
    return doc_idx, sample_idx, shuffle_idx


def sample(k, sizes, pointers, bin_, doc_idx, sample_idx, shuffle_idx):
    i = shuffle_idx[k]
    d0, o0 = sample_idx[i]
    d1, o1 = sample_idx[i + 1]
    def item(j, off, length):
        start = int(pointers[j]) // bin_.itemsize + off
        return bin_[start:start + length]
    if d0 == d1:
        return item(doc_idx[d0], o0, o1 - o0 + 1)
    parts = [item(doc_idx[d0], o0, int(sizes[doc_idx[d0]]) - o0)]
    for d in range(d0 + 1, d1):
        parts.append(item(doc_idx[d], 0, int(sizes[doc_idx[d]])))
    parts.append(item(doc_idx[d1], 0, o1 + 1))
    return np.concatenate(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("prefix")
    ap.add_argument("--name", required=True)
    ap.add_argument("--num-samples", type=int, required=True)
    ap.add_argument("--seq-length", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--docs", help="document range start:end (default: all)")
    ap.add_argument("--samples", type=int, default=0)
    a = ap.parse_args()
    sizes, pointers, _, bin_ = read_indexed(a.prefix)
    lo, hi = (int(x) for x in a.docs.split(":")) if a.docs else (0, len(sizes))
    documents = np.arange(lo, hi, 1, dtype=np.int32)
    ours = ["%s_%s_indexmap_%dns_%dsl_%ds_%s.npy" % (a.prefix, a.name, a.num_samples, a.seq_length,
                                                     a.seed, k) for k in ("doc_idx", "sample_idx", "shuffle_idx")]
    theirs = build_maps(documents, sizes, a.num_samples, a.seq_length, a.seed)
    for path, ref in zip(ours, theirs):
        got = np.load(path)
        if got.dtype != ref.dtype or got.shape != ref.shape or not np.array_equal(got, ref):
            fail("%s: dtype %s shape %s differs from numpy's %s %s" % (path, got.dtype, got.shape,
                                                                       ref.dtype, ref.shape))
    doc_idx, sample_idx, shuffle_idx = theirs
    length = min(shuffle_idx.shape[0] - 1, sample_idx.shape[0] - 1)
    for k in range(min(a.samples, length)):
        print(json.dumps([int(t) for t in sample(k, sizes, pointers, bin_, doc_idx, sample_idx, shuffle_idx)]))
    print("OK %d items, %d samples, maps match numpy" % (len(sizes), length))


if __name__ == "__main__":
    main()
