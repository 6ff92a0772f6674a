#!/usr/bin/python3
"""Runs gossip-bench at N=5 with --quick --json and checks its output.

Every stdout line must be a JSON object with a "scenario" member, and the
requested scenarios must all be there: S1 must have converged, S2 must have
delivered something, S5 must report positive rates.
"""
import json
import subprocess
import sys


def main():
    tool = sys.argv[1]
    cmd = [tool, '-n', '5', '--scenario', 's1,s2,s5', '--json', '--quick']
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=150)
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        print('not ok: exit status %d' % proc.returncode)
        return 1
    results = []
    for line in proc.stdout.splitlines():
        obj = json.loads(line)
        if not isinstance(obj, dict) or 'scenario' not in obj:
            print('not ok: not a scenario object: %r' % line)
            return 1
        results.append(obj)
    by_name = {r['scenario']: r for r in results}
    s1 = by_name.get('s1')
    if s1 is None or s1['t100_s'] is None or s1['saw_full_view'] != 5:
        print('not ok: S1 did not converge: %r' % s1)
        return 1
    s2 = by_name.get('s2')
    if s2 is None or s2['messages'] != 20 or s2['mean_ratio'] <= 0:
        print('not ok: S2 delivered nothing: %r' % s2)
        return 1
    s5 = [r for r in results if r['scenario'].startswith('s5')]
    if len(s5) != 6 or any(r['both_pps'] <= 0 for r in s5):
        print('not ok: S5 incomplete: %r' % s5)
        return 1
    print('ok: %d scenario lines' % len(results))
    return 0


if __name__ == '__main__':
    sys.exit(main())
