#!/usr/bin/env python3
"""CPU by kind of process from scripts/cpu-sampler.py's JSON: python3 scripts/cpu-report.py OUT.json [N]."""
import json, sys, re, collections
rows = json.load(open(sys.argv[1]))
def cat(cmd):
    rules = [
        (r'dist/main\.js serve|berth\.js serve|main\.js .*--router|main\.js .*--listen', 'berth daemon'),
        (r'dist/main\.js|/bin/berth ', 'berth CLI'),
        (r'vitest/dist/workers|forks\.js|rolldown|vitest.*worker', 'vitest worker'),
        (r'vitest', 'vitest main'),
        (r'crossbar', 'crossbar'),
        (r'nexus', 'nexus'),
        (r'python3?', 'python'),
        (r'^dockerd|/dockerd ', 'dockerd'),
        (r'containerd-shim', 'containerd-shim'),
        (r'containerd', 'containerd'),
        (r'runc', 'runc'),
        (r'^git|git-', 'git'),
        (r'^docker |/docker ', 'docker CLI'),
        (r'chrom', 'chromium'),
        (r'tsc|typescript', 'tsc'),
        (r'^npm|npx', 'npm'),
        (r'node', 'node other'),
    ]
    for pat, name in rules:
        if re.search(pat, cmd): return name
    return 'other: ' + cmd.split(' ')[0][:40]
agg = collections.Counter(); n = collections.Counter(); start = collections.Counter()
for pid, cmd, ppid, cpu, cpu0 in rows:
    c = cat(cmd); agg[c] += cpu - cpu0; n[c] += 1
tot = sum(agg.values())
print(f'total {tot:.0f} CPU-s (processes seen: {len(rows)})')
for k, v in agg.most_common(30): print(f'{v:8.1f}  {100*v/tot:5.1f}%  {n[k]:5d}  {k}')
if len(sys.argv) > 2:
    for pid, cmd, ppid, cpu, cpu0 in sorted(rows, key=lambda r: -(r[3]-r[4]))[:int(sys.argv[2])]: print(f'{cpu-cpu0:7.1f} {cmd[:150]}')
