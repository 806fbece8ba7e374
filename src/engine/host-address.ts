import type Docker from 'dockerode';
import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import type { Settings } from '../config/types';

export interface RuntimeApiAddress {
  /** What containers put in AWS_LAMBDA_RUNTIME_API (host part). */
  advertise: string;
  /** Where the Runtime API servers listen. */
  bind: string;
  /**
   * Requests reach a Runtime API from the container's own address, so a server can refuse every
   * other source. Not so through Docker Desktop's VM or a NAT (runtimeApiHost): `warning` says it.
   */
  checkPeer: boolean;
  warning?: string;
}

const UNCHECKED = "the Runtime API cannot tell one container from another here, so a function could reach another context's Runtime API";

/**
 * How containers reach the Runtime API: the settings when given; Docker Desktop's
 * host.docker.internal (bound on loopback); else the gateway of the contexts' network,
 * an address of this host that the containers can route to.
 */
export async function resolveRuntimeApiAddress(docker: Docker, settings: Settings): Promise<RuntimeApiAddress> {
  if (settings.runtimeApiHost) {
    const bind = settings.runtimeApiBind ?? (await localAddressOf(settings.runtimeApiHost));
    if (!bind) {
      throw new Error(
        `settings.runtimeApiHost ${settings.runtimeApiHost} is not an address of this machine: set settings.runtimeApiBind to the local address the containers reach`,
      );
    }
    return { advertise: settings.runtimeApiHost, bind, checkPeer: false, warning: `runtimeApiHost is set: ${UNCHECKED}` };
  }
  const info = (await docker.info()) as { OperatingSystem?: string };
  if (/Docker Desktop/i.test(info.OperatingSystem ?? '')) {
    return {
      advertise: 'host.docker.internal',
      bind: settings.runtimeApiBind ?? '127.0.0.1',
      checkPeer: false,
      warning: `Docker Desktop: ${UNCHECKED} (its requests all come from the VM)`,
    };
  }
  const network = (await docker.getNetwork(settings.network ?? 'bridge').inspect()) as {
    IPAM?: { Config?: Array<{ Gateway?: string; Subnet?: string }> };
  };
  const v4 = (network.IPAM?.Config ?? []).filter((c) => c.Subnet && !c.Subnet.includes(':'));
  // The default bridge of older engines lists no Gateway: it is this host's address in the subnet
  // (not listed by the OS while no container is attached), which the engine makes the first one.
  const gateway =
    v4.find((c) => c.Gateway)?.Gateway ??
    v4.map((c) => localAddressIn(c.Subnet!)).find(Boolean) ??
    (v4[0] ? firstHostIn(v4[0].Subnet!) : undefined);
  if (!gateway) {
    throw new Error(`cannot tell how containers reach this host on network ${settings.network ?? 'bridge'}: set settings.runtimeApiHost`);
  }
  return { advertise: gateway, bind: settings.runtimeApiBind ?? gateway, checkPeer: true };
}

/** `host` (a name or an address) when it resolves to an address of this machine, else undefined. */
async function localAddressOf(host: string): Promise<string | undefined> {
  const { address } = await lookup(host, { family: 4 }).catch(() => ({ address: '' }));
  if (!address) return undefined;
  const mine = Object.values(networkInterfaces())
    .flatMap((a) => a ?? [])
    .map((a) => a.address);
  return mine.includes(address) ? address : undefined;
}

/** This host's IPv4 address inside `cidr`, if it has one (the bridge interface of a local engine). */
export function localAddressIn(cidr: string): string | undefined {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  const net = ipv4ToInt(base) & mask;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && (ipv4ToInt(a.address) & mask) >>> 0 === net >>> 0) return a.address;
    }
  }
  return undefined;
}

function firstHostIn(cidr: string): string {
  const n = (ipv4ToInt(cidr.split('/')[0]) + 1) >>> 0;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, octet) => ((n << 8) | Number(octet)) >>> 0, 0);
}
