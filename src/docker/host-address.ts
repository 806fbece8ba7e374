import type Docker from 'dockerode';
import type { Settings } from '../config/types';

export interface RuntimeApiAddress {
  /** What containers put in AWS_LAMBDA_RUNTIME_API (host part). */
  advertise: string;
  /** Where the Runtime API servers listen. */
  bind: string;
}

/**
 * How containers reach the Runtime API: the settings when given; Docker Desktop's
 * host.docker.internal (bound on loopback); else the gateway of the contexts' network,
 * an address of this host that the containers can route to.
 */
export async function resolveRuntimeApiAddress(docker: Docker, settings: Settings): Promise<RuntimeApiAddress> {
  if (settings.runtimeApiHost) {
    return { advertise: settings.runtimeApiHost, bind: settings.runtimeApiBind ?? '0.0.0.0' };
  }
  const info = (await docker.info()) as { OperatingSystem?: string };
  if (/Docker Desktop/i.test(info.OperatingSystem ?? '')) {
    return { advertise: 'host.docker.internal', bind: settings.runtimeApiBind ?? '127.0.0.1' };
  }
  const network = (await docker.getNetwork(settings.network ?? 'bridge').inspect()) as {
    IPAM?: { Config?: Array<{ Gateway?: string }> };
  };
  const gateway = network.IPAM?.Config?.find((c) => c.Gateway && !c.Gateway.includes(':'))?.Gateway;
  if (!gateway) {
    throw new Error(
      `cannot tell how containers reach this host on network ${settings.network ?? 'bridge'}: set settings.runtimeApiHost`,
    );
  }
  return { advertise: gateway, bind: settings.runtimeApiBind ?? gateway };
}
