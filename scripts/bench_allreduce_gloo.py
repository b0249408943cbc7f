#!/usr/bin/env python3
"""torch.distributed gloo allreduce bus bandwidth on loopback, for the side-by-side comparison
with neox's TCP communicator (scripts/bench-allreduce.sh runs both).

busBW = size / time * 2(n-1)/n, median over the timed repetitions, float32 tensors; rank 0's
process CPU time (all threads) per allreduce.
    /usr/bin/python3 scripts/bench_allreduce_gloo.py 2 4
"""
import os
import statistics
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

SIZES_MIB = (1, 16, 64)
REPS = 10
WARMUP = 3


def worker(rank, world, port, out):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    for mib in SIZES_MIB:
        t = torch.ones(mib * 1024 * 1024 // 4)
        for _ in range(WARMUP):
            dist.all_reduce(t)
        times = []
        cpu = 0.0
        for _ in range(REPS):
            dist.barrier()
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            dist.all_reduce(t)
            times.append(time.perf_counter() - t0)
            cpu += time.process_time() - cpu0
        cpu_ms = cpu * 1e3 / REPS
        if rank == 0:
            med = statistics.median(times)
            bus = mib * 1024 * 1024 / med * 2 * (world - 1) / world / 1e9
            out.put("gloo ranks=%d size=%dMiB median=%.1fms busBW=%.2f GB/s (rank 0 cpu %.1f ms/op)" % (world, mib, med * 1e3, bus, cpu_ms))
    dist.destroy_process_group()


def main(argv):
    ctx = mp.get_context("spawn")
    for i, world in enumerate(int(a) for a in (argv or ["2", "4"])):
        q = ctx.Queue()
        procs = [ctx.Process(target=worker, args=(r, world, 29600 + i, q)) for r in range(world)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        while not q.empty():
            print(q.get())


if __name__ == "__main__":
    main(sys.argv[1:])
