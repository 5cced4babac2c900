/**
 * Several hosts on one machine, for real: each host is a Linux network namespace with its own
 * veth links and addresses in 10.213.0.0/16, plugged into bridges that live in a namespace of
 * their own, so nothing is added to the machine's own network. A host may join several
 * networks (a control network for NATS, a load network for the target), which lets a test cut
 * an agent off NATS while it can still reach the target. A partition is `ip link set ... down`
 * on the host's port at the bridge. Needs root and iproute2.
 *
 * Names carry this process's pid (`stns-<pid>-...`); namespaces of a dead pid are leftovers of
 * an earlier run and are removed, with any process still inside them, before building.
 */
import { execFileSync } from 'node:child_process';

const PREFIX = 'stns';
const BRIDGE_HOST = 'br';

export interface NetworkSpec {
  name: string;
  /** The first three octets, e.g. "10.213.0". */
  subnet: string;
}

export interface HostSpec {
  name: string;
  networks: string[];
}

export interface Host {
  name: string;
  ns: string;
  /** Its address on each network it joined. */
  address: Record<string, string>;
  /** The command prefix that runs a program inside this host. */
  wrap: string[];
}

export interface Netns {
  host(name: string): Host;
  /** Pulls the host's cable on one network (its bridge port goes down). */
  partition(host: string, network: string): void;
  heal(host: string, network: string): void;
  /** Kills whatever still runs inside the hosts, then deletes every namespace (and so every link). */
  destroy(): void;
}

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Why network namespace tests cannot run here, or undefined when they can. */
export function netnsSkipReason(): string | undefined {
  if (process.getuid?.() !== 0)
    return 'needs root for network namespaces (ip netns); run as root to include it';
  try {
    ip(['-V']);
  } catch {
    return 'needs iproute2 (the ip command): apt-get install -y iproute2';
  }
  const probe = `${PREFIX}-${process.pid}-probe`;
  try {
    ip(['netns', 'add', probe]);
    ip(['netns', 'del', probe]);
  } catch (error) {
    return `cannot create a network namespace here: ${(error as Error).message.split('\n')[0]}`;
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function namespaces(): string[] {
  return ip(['netns', 'list'])
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter(Boolean);
}

function deleteNamespace(ns: string): void {
  const pids = ip(['netns', 'pids', ns]).split('\n').filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  ip(['netns', 'del', ns]);
}

/** Removes the namespaces of earlier runs whose process is gone. */
export function removeLeftovers(): string[] {
  const removed: string[] = [];
  for (const ns of namespaces()) {
    const match = new RegExp(`^${PREFIX}-(\\d+)-`).exec(ns);
    if (!match || alive(Number(match[1]))) continue;
    deleteNamespace(ns);
    removed.push(ns);
  }
  return removed;
}

/** Builds the networks (one bridge each) and the hosts, each host numbered .11, .12, ... */
export function createNetns(networks: NetworkSpec[], hosts: HostSpec[]): Netns {
  removeLeftovers();
  const nsOf = (name: string) => `${PREFIX}-${process.pid}-${name}`;
  const bridgeNs = nsOf(BRIDGE_HOST);
  const created: string[] = [];
  const built = new Map<string, Host>();
  const portOf = (hostIndex: number, network: string) => `h${hostIndex}${network.slice(0, 4)}`;
  const destroy = () => {
    for (const ns of created.reverse()) {
      try {
        deleteNamespace(ns);
      } catch {
        // Deleted already.
      }
    }
    created.length = 0;
  };
  try {
    ip(['netns', 'add', bridgeNs]);
    created.push(bridgeNs);
    for (const network of networks) {
      ip(['-n', bridgeNs, 'link', 'add', `br-${network.name.slice(0, 8)}`, 'type', 'bridge']);
      ip(['-n', bridgeNs, 'link', 'set', `br-${network.name.slice(0, 8)}`, 'up']);
    }
    hosts.forEach((spec, i) => {
      const ns = nsOf(spec.name);
      ip(['netns', 'add', ns]);
      created.push(ns);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      const address: Record<string, string> = {};
      for (const name of spec.networks) {
        const network = networks.find((n) => n.name === name);
        if (!network) throw new Error(`host ${spec.name}: no network ${name}`);
        const inside = `${name.slice(0, 8)}0`;
        const port = portOf(i + 1, name);
        // Both ends are born in their namespaces: nothing appears in the machine's own.
        ip(['link', 'add', inside, 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', bridgeNs]);
        ip(['-n', bridgeNs, 'link', 'set', port, 'master', `br-${name.slice(0, 8)}`, 'up']);
        address[name] = `${network.subnet}.${11 + i}`;
        ip(['-n', ns, 'addr', 'add', `${address[name]}/24`, 'dev', inside]);
        ip(['-n', ns, 'link', 'set', inside, 'up']);
      }
      built.set(spec.name, { name: spec.name, ns, address, wrap: ['ip', 'netns', 'exec', ns] });
    });
  } catch (error) {
    destroy();
    throw error;
  }
  const indexOf = (host: string) => hosts.findIndex((h) => h.name === host) + 1;
  return {
    host(name) {
      const host = built.get(name);
      if (!host) throw new Error(`no host ${name}`);
      return host;
    },
    partition(host, network) {
      ip(['-n', bridgeNs, 'link', 'set', portOf(indexOf(host), network), 'down']);
    },
    heal(host, network) {
      ip(['-n', bridgeNs, 'link', 'set', portOf(indexOf(host), network), 'up']);
    },
    destroy,
  };
}
