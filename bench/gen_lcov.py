#!/usr/bin/env python3
"""Writes a large lcov tracefile for measuring the lcov parser's speed.

The file looks like what geninfo writes for a big C project, with
lcov -a's summary lines: per source file a TN and SF line, FN/FNDA pairs,
DA lines with ascending line numbers, BRDA lines (some never taken: "-"),
and FNF/FNH, BRF/BRH, LF/LH. Every 50th record repeats a shared header, as
geninfo does for a header included by several objects, so the parser's
merge path is measured too. Output is deterministic for a given seed.

    bench/gen_lcov.py [--mb 50] [--seed 1] OUT.info

Then time it with the parser (see bench/README.md, "lcov parse speed").
"""
import argparse
import random


def record(out, rng, path, nfuncs):
    lines = []
    line = 10
    fn = []
    da = []
    brda = []
    for i in range(nfuncs):
        name = "mod_%s_fn_%d" % (path.rsplit("/", 1)[-1][:-2], i)
        calls = rng.choice((0, 1, 3, 17, 250, 4096, 123456))
        fn.append((line, name, calls))
        for _ in range(rng.randint(6, 20)):
            hits = calls if rng.random() < 0.8 else 0
            da.append((line, hits))
            if rng.random() < 0.25:
                for b in range(2):
                    taken = "-" if calls == 0 else str(rng.choice((0, 1, hits)))
                    brda.append((line, 0, b, taken))
            line += rng.randint(1, 3)
        line += 4
    lines.append("TN:bench\nSF:%s\n" % path)
    for ln, name, _ in fn:
        lines.append("FN:%d,%s\n" % (ln, name))
    for _, name, calls in fn:
        lines.append("FNDA:%d,%s\n" % (calls, name))
    lines.append("FNF:%d\nFNH:%d\n" % (len(fn), sum(1 for f in fn if f[2])))
    for ln, blk, br, taken in brda:
        lines.append("BRDA:%d,%d,%d,%s\n" % (ln, blk, br, taken))
    hit = sum(1 for b in brda if b[3] not in ("-", "0"))
    lines.append("BRF:%d\nBRH:%d\n" % (len(brda), hit))
    for ln, hits in da:
        lines.append("DA:%d,%d\n" % (ln, hits))
    lines.append("LF:%d\nLH:%d\n" % (len(da), sum(1 for d in da if d[1])))
    lines.append("end_of_record\n")
    data = "".join(lines)
    out.write(data)
    return len(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=50.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("out")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    goal = int(args.mb * 1e6)
    size = 0
    n = 0
    with open(args.out, "w", encoding="ascii", newline="\n") as out:
        while size < goal:
            if n % 50 == 49:
                path = "/build/project/include/common.h"
            else:
                path = "/build/project/src/mod%03d/file%05d.c" % (n % 97, n)
            size += record(out, rng, path, rng.randint(4, 30))
            n += 1
    print("%s: %d bytes, %d records" % (args.out, size, n))


if __name__ == "__main__":
    main()
