# agentharness.py: a private dbus-daemon and gossip-glib-agent processes for
# the agent suite. Binaries come from the build tree (GOSSIP_AGENT,
# GOSSIP_CLI, set by tests/agent/meson.build).

import os
import subprocess
import sys
import tempfile
import time

AGENT = os.environ.get('GOSSIP_AGENT', 'gossip-glib-agent')
CLI = os.environ.get('GOSSIP_CLI', 'gossip-glib')
SCALE = '0.05'   # protocol intervals at 1/20: a dead node is noticed in seconds


def log(*args):
    print('#', *args, file=sys.stderr, flush=True)


def wait_until(cond, timeout=30.0, what='condition'):
    """Polls cond() until it is true; fails the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('timed out waiting for ' + what)
        time.sleep(0.05)


class Bus:
    """A private session bus, torn down with everything started on it."""

    # The default policy of Debian's system.conf, then data/'s policy file.
    SYSTEM_POLICY = '''
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <include>%s</include>
'''
    SESSION_POLICY = '''
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
'''

    def __init__(self, kind='session'):
        self.kind = kind
        self.tmp = tempfile.TemporaryDirectory(prefix='gossip-agent-test-')
        conf = os.path.join(self.tmp.name, 'bus.conf')
        self.services = os.path.join(self.tmp.name, 'services')
        os.mkdir(self.services)
        with open(conf, 'w') as f:
            f.write('''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>%s</type>
  <listen>unix:dir=%s</listen>
  <servicedir>%s</servicedir>
  %s
</busconfig>
''' % (kind, self.tmp.name, self.services,
       self.SESSION_POLICY if kind == 'session'
       else self.SYSTEM_POLICY % os.environ['GOSSIP_SYSTEM_POLICY']))
        self.daemon = subprocess.Popen(
            ['dbus-daemon', '--config-file=' + conf, '--nofork', '--print-address=1'],
            stdout=subprocess.PIPE, text=True)
        self.address = self.daemon.stdout.readline().strip()
        if not self.address:
            raise RuntimeError('dbus-daemon did not start')
        var = 'DBUS_SESSION_BUS_ADDRESS' if kind == 'session' else 'DBUS_SYSTEM_BUS_ADDRESS'
        self.env = dict(os.environ, LC_ALL='C.UTF-8')
        self.env[var] = self.address
        os.environ[var] = self.address
        self.procs = []
        self.agents = {}
        self.logs = []

    def connection(self):
        from gi.repository import Gio
        return Gio.DBusConnection.new_for_address_sync(
            self.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

    def has_owner(self, name):
        r = subprocess.run(['dbus-send', '--bus=' + self.address, '--print-reply',
                            '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus',
                            'org.freedesktop.DBus.NameHasOwner', 'string:' + name],
                           env=self.env, capture_output=True, text=True, timeout=30)
        return 'boolean true' in r.stdout

    def agent(self, name, *args):
        """Starts an agent on 127.0.0.1 (a free port) as org.gnome.GossipGlib1.NAME."""
        logf = open(os.path.join(self.tmp.name, name + '.log'), 'w')
        self.logs.append(logf)
        p = subprocess.Popen([AGENT, '--' + self.kind, '--name', name, '--bind', '127.0.0.1:0',
                              '--scale-intervals', SCALE] + list(args),
                             env=self.env, stdout=logf, stderr=subprocess.STDOUT)
        self.procs.append(p)
        self.agents[name] = p
        wait_until(lambda: self.has_owner('org.gnome.GossipGlib1.' + name) or p.poll() is not None,
                   what='agent ' + name + ' on the bus')
        if p.poll() is not None:
            raise AssertionError('agent %s exited with %d: %s' % (name, p.returncode,
                                                                 self.agent_log(name)))
        return p

    def agent_log(self, name):
        with open(os.path.join(self.tmp.name, name + '.log')) as f:
            return f.read()

    def cli(self, *args, timeout=60):
        r = subprocess.run([CLI] + list(args), env=self.env, capture_output=True,
                           text=True, timeout=timeout)
        log('gossip-glib', ' '.join(args), '->', r.returncode, r.stdout.strip(), r.stderr.strip())
        return r

    def cli_background(self, *args):
        p = subprocess.Popen([CLI] + list(args), env=self.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        return p

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        # Every agent must have ended cleanly (0), whether it left or was
        # told to stop: under ASan a leak or an error shows here.
        bad = [(n, p.returncode) for n, p in self.agents.items() if p.returncode != 0]
        for n, rc in bad:
            log('agent', n, 'exited with', rc, ':', self.agent_log(n))
        for f in self.logs:
            f.close()
        for p in self.procs:
            for stream in (p.stdout, p.stderr):
                if stream is not None:
                    stream.close()
        self.daemon.terminate()
        self.daemon.wait()
        self.daemon.stdout.close()
        self.tmp.cleanup()
        if bad:
            raise AssertionError('agents did not exit cleanly: %r' % bad)


class Lines:
    """Collects a stream's lines on a thread, so tests can wait on them."""

    def __init__(self, stream):
        import threading
        self.lines = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self.thread.start()

    def _run(self, stream):
        for line in stream:
            with self.lock:
                self.lines.append(line.rstrip('\n'))

    def find(self, pred):
        with self.lock:
            for line in self.lines:
                if pred(line):
                    return line
        return None

    def wait(self, pred, timeout=30.0, what='a line'):
        return wait_until(lambda: self.find(pred), timeout, what)
