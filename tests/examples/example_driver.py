"""example_driver: runs an example (C, Python or GJS) as a process and reads
what it prints, line by line, with deadlines. Used by test-examples.py and
scripts/demo."""
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

BUILD = os.environ.get('GOSSIP_EXAMPLES_BUILD', '_build/examples')
SRC = os.environ.get('GOSSIP_EXAMPLES_SRC', 'examples')
PYTHON = '/usr/bin/python3'
GJS = shutil.which('gjs')
DEADLINE = 30.0
SCALE = os.environ.get('GOSSIP_EXAMPLES_SCALE', '0.1')


def free_port():
    """A port free for both TCP and UDP on 127.0.0.1."""
    while True:
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(('127.0.0.1', 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(('127.0.0.1', port))
            return port
        except OSError:
            continue
        finally:
            t.close()
            u.close()


class Node:
    """One example process, its output collected line by line."""

    def __init__(self, lang, example, peers=(), extra=(), echo=None, websocket=False):
        self.port = free_port()
        self.websocket = websocket
        flag = '--web-port' if websocket else '--port'
        args = [flag, str(self.port), '--interval-scale', SCALE] + list(extra)
        if peers:
            args += ['--peers', ','.join(p.address for p in peers)]
        if lang == 'c':
            cmd = [os.path.join(BUILD, 'gossip-example-' + example)]
        elif lang == 'py':
            cmd = [PYTHON, os.path.join(SRC, 'python', example + '.py')]
        else:
            cmd = [GJS, os.path.join(SRC, 'gjs', example + '.js')]
        self.name = '%s/%s:%d' % (lang, example, self.port)
        self.echo = echo
        self.proc = subprocess.Popen(cmd + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines = []
        self.queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        first = self.expect(r'listening on (ws://)?127\.0\.0\.1:%d' % self.port)
        self.id = re.search(r'node (\S+) listening', first).group(1)
        self.address = re.search(r'listening on (\S+)', first).group(1)

    def _read(self):
        for line in self.proc.stdout:
            if self.echo:
                self.echo(self, line.rstrip('\n'))
            self.queue.put(line.rstrip('\n'))
        self.queue.put(None)

    def send(self, line):
        if self.echo:
            self.echo(self, '> ' + line)
        self.proc.stdin.write(line + '\n')
        self.proc.stdin.flush()

    def expect(self, pattern, timeout=DEADLINE):
        """The first new line matching pattern, within the deadline."""
        end = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError('%s: no line matching %r in %.0f s; output:\n%s'
                                     % (self.name, pattern, timeout, '\n'.join(self.lines[-40:])))
            try:
                line = self.queue.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError('%s exited (%s) before %r; output:\n%s'
                                     % (self.name, self.proc.wait(), pattern, '\n'.join(self.lines[-40:])))
            self.lines.append(line)
            if regex.search(line):
                return line

    def ask_until(self, command, pattern, timeout=DEADLINE):
        """Repeats command until its answer matches pattern."""
        end = time.monotonic() + timeout
        while True:
            self.send(command)
            try:
                return self.expect(pattern, timeout=min(1.0, max(0.1, end - time.monotonic())))
            except AssertionError:
                if time.monotonic() > end or self.proc.poll() is not None:
                    raise

    def quit(self):
        if self.proc.poll() is None:
            self.send('quit')
            try:
                self.expect(r'left the cluster', timeout=10)
            finally:
                self.proc.stdin.close()
                rc = self.proc.wait(timeout=10)
                assert rc == 0, '%s exited with %d' % (self.name, rc)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


