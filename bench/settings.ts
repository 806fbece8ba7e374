import { summarize } from './stats';

/** The function's defaults (config/defaults.yaml): 128 MB with the CPU quota (128/1769 = 0.072 CPU). */
export const WARM_SETTINGS = { cpuLimit: true, memorySize: 128 };

export function limitsText(s: { cpuLimit: boolean; memorySize: number }): string {
  return `${s.memorySize} MB, ${cpuText(s)}`;
}

export function cpuText(s: { cpuLimit: boolean; memorySize: number }): string {
  return s.cpuLimit ? `CPU quota ${(s.memorySize / 1769).toFixed(3)} CPU` : 'no CPU quota';
}

export function piece(label: string, samples: number[], where: string): string[] {
  const s = summarize(samples);
  return [label, s.median.toFixed(2), s.p99.toFixed(2), where];
}
