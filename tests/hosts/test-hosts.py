#!/usr/bin/python3
"""test-hosts.py: gossip-glib nodes on separate (namespaced) hosts.

Each host is a Linux network namespace with one veth link into a bridge
that lives in a namespace of its own; every host runs one gossip-test-node
process bound to the host's own address (10.231.0.0/16, which exists only
inside the namespaces this test makes). The test checks what a deployment
with one node per machine sees: join through one seed and full convergence,
a host whose link goes down detected by every other host, a partition made
in the bridge (half the ports moved to a second bridge) that heals without
any action, a host that comes back with a new address seen at it, and that
every node is known at its host's own address. Figures (detection and
reconvergence times) are printed.

Needs root and `ip netns`; exits 77 (a meson skip) with the reason when they
are missing. Namespace names carry this process's pid so that parallel runs
do not collide; they are removed on every exit path.

Usage: test-hosts.py [--hosts H] [--scale S] NODE_PROGRAM
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid

PORT = 7946
NET = "10.231"
SKIP = 77


def log(text):
    print(text, flush=True)


def skip(reason):
    log("SKIP: " + reason)
    sys.exit(SKIP)


def run(*args, check=True):
    """Runs one ip(8) command; returns its completed process."""
    proc = subprocess.run(list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(args), proc.returncode,
                                                    proc.stderr.strip()))
    return proc


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Net:
    """The namespaces of one run: a bridge namespace and one per host."""

    def __init__(self, hosts):
        self.tag = "gh%d" % os.getpid()
        self.bridge = self.tag + "-br"
        self.hosts = ["%s-h%d" % (self.tag, i) for i in range(hosts)]
        self.made = []

    @staticmethod
    def sweep_stale():
        # Namespaces left by a run that was SIGKILLed (no finally ran).
        out = run("ip", "netns", "list", check=False).stdout
        for line in out.splitlines():
            name = line.split()[0] if line.split() else ""
            if not name.startswith("gh") or "-" not in name:
                continue
            pid = name[2:name.index("-")]
            if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
                run("ip", "netns", "del", name, check=False)

    def add_ns(self, name):
        run("ip", "netns", "add", name)
        self.made.append(name)
        run("ip", "-n", name, "link", "set", "lo", "up")

    def port(self, i):
        return "vh%d" % i

    @staticmethod
    def address(i, generation=0):
        return "%s.%d.%d" % (NET, generation, i + 1)

    def setup(self):
        self.add_ns(self.bridge)
        for br in ("br0", "br1"):
            run("ip", "-n", self.bridge, "link", "add", br, "type", "bridge")
            run("ip", "-n", self.bridge, "link", "set", br, "up")
        for i, ns in enumerate(self.hosts):
            self.add_ns(ns)
            run("ip", "-n", self.bridge, "link", "add", self.port(i), "type", "veth",
                "peer", "name", "eth0", "netns", ns)
            run("ip", "-n", self.bridge, "link", "set", self.port(i), "master", "br0")
            run("ip", "-n", self.bridge, "link", "set", self.port(i), "up")
            run("ip", "-n", ns, "addr", "add", self.address(i) + "/16", "dev", "eth0")
            run("ip", "-n", ns, "link", "set", "eth0", "up")

    def link(self, i, up):
        run("ip", "-n", self.bridge, "link", "set", self.port(i), "up" if up else "down")

    def move_port(self, i, bridge):
        run("ip", "-n", self.bridge, "link", "set", self.port(i), "master", bridge)

    def readdress(self, i, generation):
        ns = self.hosts[i]
        run("ip", "-n", ns, "addr", "flush", "dev", "eth0")
        run("ip", "-n", ns, "addr", "add", self.address(i, generation) + "/16", "dev", "eth0")

    def teardown(self):
        # Deleting a namespace destroys the veth ends inside it.
        for name in reversed(self.made):
            run("ip", "netns", "del", name, check=False)
        self.made = []


class Node:
    """One gossip-test-node process; its stdout lines are kept with the
    monotonic time at which they arrived."""

    def __init__(self, program, ns, index, node_id, address, join, scale, cond, logdir):
        self.index = index
        self.id = node_id
        self.address = "%s:%d" % (address, PORT)
        self.cond = cond
        self.lines = []  # (time, text)
        self.eof = False
        argv = ["ip", "netns", "exec", ns, program, "--scale", str(scale),
                "--bind", self.address, "--node-id", node_id]
        if join:
            argv += ["--join", join]
        self.stderr_path = os.path.join(logdir, "%s-%d.stderr" % (ns, int(time.time() * 1000)))
        self.stderr = open(self.stderr_path, "w")
        # ip netns exec execs the program, so this pid is the node's.
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True, bufsize=1)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append((time.monotonic(), line.rstrip("\n")))
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def send(self, line):
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def stop(self, timeout=10):
        """Ends the node (end of input means quit); returns its exit status."""
        try:
            self.proc.stdin.close()
        except (BrokenPipeError, ValueError):
            pass
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            rc = "killed after %d s" % timeout
        self.reader.join(5)
        self.stderr.close()
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.stderr.closed:
            self.stderr.close()

    def stderr_tail(self, n=15):
        try:
            with open(self.stderr_path) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


class Failure(Exception):
    pass


class Cluster:
    def __init__(self, args, net, logdir):
        self.args = args
        self.net = net
        self.logdir = logdir
        self.cond = threading.Condition()
        self.nodes = [None] * args.hosts
        self.ids = [str(uuid.uuid4()) for _ in range(args.hosts)]
        self.addresses = ["%s:%d" % (Net.address(i), PORT) for i in range(args.hosts)]
        self.retired = []

    def wait(self, what, predicate, timeout):
        """Waits for predicate() (called with the lock held) with a deadline."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                result = predicate()
                if result:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failure("timed out after %.0f s waiting for %s" % (timeout, what))
                self.cond.wait(left)

    def start(self, i, join):
        node = Node(self.args.program, self.net.hosts[i], i, self.ids[i],
                    self.addresses[i].rsplit(":", 1)[0], join, self.args.scale,
                    self.cond, self.logdir)
        self.nodes[i] = node

        def ready():
            for _, line in node.lines:
                if line.startswith("ready ") or line.startswith("error "):
                    return line
            return "eof" if node.eof else None

        line = self.wait("host %d to print ready" % i, ready, 20)
        if not line.startswith("ready "):
            raise Failure("host %d did not start: %s\n%s" % (i, line, node.stderr_tail()))
        _, node_id, advertised = line.split(" ", 2)
        if node_id != self.ids[i]:
            raise Failure("host %d runs as %s, not %s" % (i, node_id, self.ids[i]))
        if advertised != self.addresses[i]:
            raise Failure("host %d advertises %s, not its own address %s"
                          % (i, advertised, self.addresses[i]))
        return node

    def live(self, exclude=()):
        return [n for n in self.nodes if n is not None and n.index not in exclude]

    def views(self, nodes, timeout=10):
        """Asks every node for its peer list; returns {index: {id: (addr, state)}}."""
        marks = {}
        with self.cond:
            for n in nodes:
                marks[n.index] = len(n.lines)
        for n in nodes:
            n.send("peers?")

        def done():
            for n in nodes:
                if not any(l.startswith("peers ") for _, l in n.lines[marks[n.index]:]):
                    if n.eof:
                        raise Failure("host %d exited:\n%s" % (n.index, n.stderr_tail()))
                    return False
            return True

        self.wait("peer lists", done, timeout)
        out = {}
        with self.cond:
            for n in nodes:
                view = {}
                for _, line in n.lines[marks[n.index]:]:
                    if line.startswith("peers "):
                        break
                    if line.startswith("peer "):
                        _, pid, addr, state = line.split(" ")
                        view[pid] = (addr, state)
                out[n.index] = view
        return out

    def poll(self, what, check, nodes, timeout, every=0.2):
        """Polls the peer lists until check(views) is true or the deadline
        passes; check returns None when satisfied or a text saying what is
        still missing."""
        deadline = time.monotonic() + timeout
        missing = None
        while True:
            views = self.views(nodes)
            missing = check(views)
            if missing is None:
                return views
            if time.monotonic() >= deadline:
                self.dump(views)
                raise Failure("timed out after %.0f s waiting for %s: %s" % (timeout, what, missing))
            # Paces the queries; the deadline, not this pause, decides.
            with self.cond:
                self.cond.wait(every)

    def dump(self, views):
        """Logs every host's view (on a failure)."""
        for i in sorted(views):
            log("# host %d (%s) sees: %s" % (i, self.addresses[i], ", ".join(
                "%d=%s/%s" % (self.ids.index(k) if k in self.ids else -1, a, s)
                for k, (a, s) in sorted(views[i].items()))))

    def state_change_times(self, victim_id, since, nodes):
        """The first time each node reported victim_id leaving alive after since."""
        times = {}
        for n in nodes:
            for t, line in n.lines:
                if t < since or not line.startswith("state %s alive " % victim_id):
                    continue
                times[n.index] = t
                break
        return times


def full_view(expect):
    """A check: every node sees exactly the expected {id: address}, all alive."""
    def check(views):
        for i, view in views.items():
            for node_id, addr in expect.items():
                got = view.get(node_id)
                if got is None:
                    return "host %d does not know %s" % (i, node_id)
                if got[1] != "alive":
                    return "host %d sees %s %s" % (i, node_id, got[1])
                if got[0] != addr:
                    return "host %d has %s at %s, not %s" % (i, node_id, got[0], addr)
        return None
    return check


def figure(name, seconds):
    log("FIGURE %s: %.3f s" % (name, seconds))


def scenario(cluster):
    args, net = cluster.args, cluster.net
    n = args.hosts
    log("# %d hosts, scale %g, bridge namespace %s" % (n, args.scale, net.bridge))

    # 1. Join through one seed; everyone converges, each at its own address.
    t0 = time.monotonic()
    cluster.start(0, None)
    for i in range(1, n):
        cluster.start(i, cluster.addresses[0])
    expect = dict(zip(cluster.ids, cluster.addresses))
    cluster.poll("full convergence", full_view(expect), cluster.live(), 60)
    figure("join through one seed, every host sees all %d alive" % n, time.monotonic() - t0)
    log("ok 1 join and convergence; every node known at its host's address (not 127.0.0.1)")

    # 2. A host's link goes down in the bridge: every other host sees it not-alive.
    victim = n - 1
    vid = cluster.ids[victim]
    others = cluster.live(exclude=(victim,))
    t_down = time.monotonic()
    net.link(victim, False)

    def all_detected():
        times = cluster.state_change_times(vid, t_down, others)
        return times if len(times) == len(others) else None

    times = cluster.wait("every host to see host %d not-alive" % victim, all_detected, 60)
    detect = sorted(t - t_down for t in times.values())
    figure("link down, every other host sees it not-alive", detect[-1])
    figure("link down, median host sees it not-alive", statistics.median(detect))
    log("ok 2 link down detected by all %d other hosts" % len(others))

    # 3. The link comes back up: the same node is alive everywhere again.
    t_up = time.monotonic()
    net.link(victim, True)
    cluster.poll("host %d alive again after its link came up" % victim, full_view(expect),
                 cluster.live(), 60)
    figure("link back up, every host sees all %d alive again" % n, time.monotonic() - t_up)
    log("ok 3 link up again, host %d alive everywhere" % victim)

    # 4. Partition in the bridge: half the ports move to a second bridge.
    half_b = list(range(n // 2, n))
    half_a = list(range(0, n // 2))
    t_part = time.monotonic()
    for i in half_b:
        net.move_port(i, "br1")

    def split(views):
        for i, view in views.items():
            other = half_b if i in half_a else half_a
            for j in other:
                if view[cluster.ids[j]][1] == "alive":
                    return "host %d still sees host %d alive" % (i, j)
        return None

    cluster.poll("each half to see the other not-alive", split, cluster.live(), 60)
    figure("partition, each half sees the whole other half not-alive", time.monotonic() - t_part)
    t_heal = time.monotonic()
    for i in half_b:
        net.move_port(i, "br0")
    cluster.poll("reconvergence after the heal", full_view(expect), cluster.live(), 60)
    figure("partition healed, every host sees all %d alive again" % n, time.monotonic() - t_heal)
    log("ok 4 partition healed and reconverged without any action")

    # 5. The host comes back with a new address (same node id): seen there.
    # Checked last; a failure here still lets the clean exits be checked.
    failure = None
    try:
        if args.restart == "kill":
            cluster.nodes[victim].kill()  # a crash or power loss: no leave
            rc = 0
        else:
            rc = cluster.nodes[victim].stop()
        cluster.retired.append(cluster.nodes[victim])
        if rc != 0:
            raise Failure("host %d's node exited with %s:\n%s"
                          % (victim, rc, cluster.nodes[victim].stderr_tail()))
        net.readdress(victim, 1)
        cluster.addresses[victim] = "%s:%d" % (Net.address(victim, 1), PORT)
        t_back = time.monotonic()
        cluster.start(victim, cluster.addresses[0])
        expect[vid] = cluster.addresses[victim]
        cluster.poll("host %d seen at its new address" % victim, full_view(expect), cluster.live(), 30)
        figure("host back at a new address, seen there by all", time.monotonic() - t_back)
        log("ok 5 host %d seen at its new address %s" % (victim, cluster.addresses[victim]))
    except Failure as e:
        failure = e

    # Clean exits (under ASan this also checks for leaks).
    for node in cluster.live():
        rc = node.stop()
        if rc != 0:
            raise Failure("host %d's node exited with %s:\n%s" % (node.index, rc, node.stderr_tail()))
    cluster.nodes = [None] * n
    log("ok 6 all nodes exited cleanly")
    if failure is not None:
        raise failure


def preflight():
    if os.geteuid() != 0:
        skip("needs root to make network namespaces (running as uid %d)" % os.geteuid())
    if shutil.which("ip") is None:
        skip("needs ip(8) from iproute2 (not found in PATH)")
    probe = "gh%d-probe" % os.getpid()
    proc = run("ip", "netns", "add", probe, check=False)
    if proc.returncode != 0:
        skip("`ip netns add` does not work here: " + proc.stderr.strip())
    try:
        proc = run("ip", "-n", probe, "link", "add", "br0", "type", "bridge", check=False)
        if proc.returncode != 0:
            skip("cannot make a bridge in a namespace: " + proc.stderr.strip())
        proc = run("ip", "-n", probe, "link", "add", "va", "type", "veth", "peer", "name", "vb",
                   check=False)
        if proc.returncode != 0:
            skip("cannot make a veth pair in a namespace: " + proc.stderr.strip())
    finally:
        run("ip", "netns", "del", probe, check=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=int(os.environ.get("GOSSIP_TEST_HOSTS", "16")))
    parser.add_argument("--scale", type=float,
                        default=float(os.environ.get("GOSSIP_TEST_HOSTS_SCALE", "0.2")))
    parser.add_argument("--restart", choices=("stop", "kill"),
                        default=os.environ.get("GOSSIP_TEST_HOSTS_RESTART", "stop"),
                        help="how the host that changes address ends its first node")
    parser.add_argument("program")
    args = parser.parse_args()
    if args.hosts < 4 or args.hosts > 250:
        parser.error("--hosts must be 4..250")
    if not os.access(args.program, os.X_OK):
        parser.error("not an executable: " + args.program)

    preflight()
    Net.sweep_stale()

    # meson's timeout sends SIGTERM: unwind through the finally below.
    def on_term(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    logdir = os.environ.get("GOSSIP_HOSTS_LOGDIR") or os.environ.get("TMPDIR") or "/tmp"
    logdir = os.path.join(logdir, "hosts-logs")
    os.makedirs(logdir, exist_ok=True)
    net = Net(args.hosts)
    cluster = Cluster(args, net, logdir)
    status = 1
    try:
        net.setup()
        scenario(cluster)
        status = 0
    except Failure as e:
        log("FAIL: %s" % e)
    finally:
        for node in cluster.live() + cluster.retired:
            node.kill()
        net.teardown()
    left = [l for l in run("ip", "netns", "list", check=False).stdout.splitlines()
            if l.startswith(net.tag + "-")]
    if left:
        log("FAIL: namespaces left behind: %s" % ", ".join(left))
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
