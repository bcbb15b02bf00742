#!/usr/bin/env python3
"""Samples every process's CPU (utime+stime) and command line every 0.5 s until the file STOP exists, then writes them as JSON.
Timing work on the suite: python3 scripts/cpu-sampler.py OUT.json STOP & BERTH_TEST_REPORTS=DIR npm test; touch STOP;
python3 scripts/cpu-report.py OUT.json [N] prints CPU by kind of process (and the N costliest). Short processes are undercounted."""
import os, sys, time, re, collections, json
out = sys.argv[1]; stop = sys.argv[2]
tick = os.sysconf('SC_CLK_TCK')
seen = {}  # (pid, starttime) -> [cmd, ppid, cpu]
def scan(first=False):
    for d in os.listdir('/proc'):
        if not d.isdigit(): continue
        try:
            with open(f'/proc/{d}/stat') as f: s = f.read()
            rest = s[s.rindex(')') + 2:].split()
            ppid = int(rest[1]); cpu = int(rest[11]) + int(rest[12]); start = rest[19]
            key = (int(d), start)
            if key not in seen:
                with open(f'/proc/{d}/cmdline', 'rb') as f: cmd = f.read().replace(b'\0', b' ').decode(errors='replace')[:300]
                comm = s[s.index('(') + 1:s.rindex(')')]
                seen[key] = [cmd or f'[{comm}]', ppid, cpu, cpu if first else 0]
            else:
                seen[key][2] = cpu
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            pass
t0 = time.time()
scan(True)
while not os.path.exists(stop):
    scan(); time.sleep(0.5)
with open(out, 'w') as f:
    json.dump([[k[0], v[0], v[1], v[2] / tick, v[3] / tick] for k, v in seen.items()], f)
