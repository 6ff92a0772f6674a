#!/usr/bin/python3
# data/org.gnome.GossipGlib1.conf on a private bus of type system with the
# system bus's default policy: root may own the agent's names, the CLI
# (--system) may call it, including through the prefix rules (--name);
# another user (nobody) may read but the agent refuses its changes.

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentharness import AGENT, CLI, Bus  # noqa: E402


def main():
    if os.getuid() != 0:
        print('1..0 # SKIP the policy lets root own the name; not running as root')
        sys.exit(77)
    bus = Bus('system')
    try:
        bus.agent('sys')
        r = bus.cli('--system', '--name', 'sys', '--json', 'members')
        assert r.returncode == 0 and '"state":"alive"' in r.stdout, r
        r = bus.cli('--system', '--name', 'sys', 'meta', 'set', 'k', 'v')
        assert r.returncode == 0, r
        r = bus.cli('--system', '--name', 'sys', 'meta', 'get', 'k')
        assert r.returncode == 0 and r.stdout.strip() == 'v', r

        # Another user: the bus policy lets it read, the agent refuses changes (3).
        os.chmod(bus.tmp.name, 0o755)
        as_nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', CLI,
                     '--system', '--name', 'sys']
        r = subprocess.run(as_nobody + ['meta', 'get', 'k'], env=bus.env,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and r.stdout.strip() == 'v', r
        r = subprocess.run(as_nobody + ['meta', 'set', 'k', 'w'], env=bus.env,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 3 and 'may not change' in r.stderr, r
        r = subprocess.run(as_nobody + ['leave'], env=bus.env,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 3, r
        assert bus.cli('--system', '--name', 'sys', 'meta', 'get', 'k').stdout.strip() == 'v'
        # nor may it own an agent name
        r = subprocess.run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', AGENT,
                            '--system', '--name', 'other', '--bind', '127.0.0.1:0'],
                           env=bus.env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 2, r

        # A second agent on a taken name ends with status 2 and says why.
        r = subprocess.run([AGENT, '--system', '--name', 'sys', '--bind', '127.0.0.1:0'],
                           env=bus.env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and 'taken' in r.stderr, r
        print('ok: system bus policy')
    finally:
        bus.close()


if __name__ == '__main__':
    main()
