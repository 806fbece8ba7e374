/** The runtimes a function may name (docs/functions-yaml.md), as a const tuple so types follow the list. */
export const RUNTIMES = [
  'nodejs24.x',
  'nodejs22.x',
  'nodejs20.x',
  'python3.11',
  'python3.12',
  'python3.13',
  'provided',
  'provided.al2023',
] as const;

export type RuntimeName = (typeof RUNTIMES)[number];

/** Runtimes AWS has deprecated: still run, with a warning at `up` (the date AWS deprecated them). */
export const DEPRECATED_RUNTIMES: Readonly<Partial<Record<RuntimeName, string>>> = {
  'nodejs20.x': '2026-04-30',
};

export type RuntimeFamily = 'nodejs' | 'python' | 'provided';

export function runtimeFamily(rt: RuntimeName): RuntimeFamily {
  if (rt.startsWith('nodejs')) return 'nodejs';
  if (rt.startsWith('python')) return 'python';
  return 'provided';
}
