import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Labels every context container carries (docs/execution-context.md) plus who owns it, for crash cleanup. */
export const LABEL_FUNCTION = 'orchestrator.function';
export const LABEL_INSTANCE = 'orchestrator.instance';
export const LABEL_OWNER_HOST = 'orchestrator.owner.host';
export const LABEL_OWNER_PID = 'orchestrator.owner.pid';

export interface InstanceIdentity {
  /** Unique per running orchestrator (per `up`, per library instance). */
  id: string;
  host: string;
  pid: number;
}

export function newInstanceIdentity(): InstanceIdentity {
  return { id: `${process.pid}-${randomBytes(4).toString('hex')}`, host: hostname(), pid: process.pid };
}

export function contextLabels(owner: InstanceIdentity, functionName: string): Record<string, string> {
  return {
    [LABEL_FUNCTION]: functionName,
    [LABEL_INSTANCE]: owner.id,
    [LABEL_OWNER_HOST]: owner.host,
    [LABEL_OWNER_PID]: String(owner.pid),
  };
}
