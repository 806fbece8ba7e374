import type { FunctionStats } from '../context/context-row';

/** Cold and warm starts served per function, for `orchestrator ps` and `stats()`. */
export class StartCounts {
  private readonly byFunction = new Map<string, FunctionStats>();

  record(functionName: string, coldStart: boolean): void {
    const s = this.byFunction.get(functionName) ?? { coldStarts: 0, warmStarts: 0 };
    if (coldStart) s.coldStarts++;
    else s.warmStarts++;
    this.byFunction.set(functionName, s);
  }

  toJSON(): Record<string, FunctionStats> {
    return Object.fromEntries(this.byFunction);
  }
}
