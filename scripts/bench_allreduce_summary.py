#!/usr/bin/env python3
"""Summarises scripts/bench-allreduce.sh's log: for each rank count and size, the median over
rounds of each round's median busBW and rank-0 CPU ms per allreduce, for neox and gloo, and
neox/gloo ratios (busBW: higher is better; CPU: lower is better)."""
import re
import statistics
import sys
from collections import defaultdict

NEOX = re.compile(r"allreduce n=(\d+) size=(\d+) MiB .*median ([\d.]+) GB/s \(.*cpu ([\d.]+) ms/op\)")
GLOO = re.compile(r"gloo ranks=(\d+) size=(\d+)MiB .*busBW=([\d.]+) GB/s \(rank 0 cpu ([\d.]+) ms/op\)")


def main(path):
    runs = defaultdict(list)
    for line in open(path):
        for name, pattern in (("neox", NEOX), ("gloo", GLOO)):
            m = pattern.search(line)
            if m:
                n, mib, bw, cpu = m.groups()
                runs[(int(n), int(mib), name)].append((float(bw), float(cpu)))
    print("ranks size   neox GB/s  gloo GB/s  ratio   neox cpu ms  gloo cpu ms  (medians of %d rounds)"
          % max((len(v) for v in runs.values()), default=0))
    for n, mib in sorted({(k[0], k[1]) for k in runs}):
        ours, theirs = runs.get((n, mib, "neox"), []), runs.get((n, mib, "gloo"), [])
        if not ours:
            continue
        bw = statistics.median(r[0] for r in ours)
        cpu = statistics.median(r[1] for r in ours)
        if theirs:
            gbw = statistics.median(r[0] for r in theirs)
            gcpu = statistics.median(r[1] for r in theirs)
            print("%5d %3d MiB  %8.2f  %9.2f  %5.2fx  %11.1f  %11.1f" % (n, mib, bw, gbw, bw / gbw, cpu, gcpu))
        else:
            print("%5d %3d MiB  %8.2f  %9s  %6s  %11.1f" % (n, mib, bw, "-", "-", cpu))


if __name__ == "__main__":
    main(sys.argv[1])
