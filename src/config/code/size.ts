/**
 * The apparent size of a code folder: every regular file counted by its length, as it would be in
 * a zip (a sparse file of 3 GB counts 3 GB, though it holds no blocks), symlinks by their own
 * length and not followed. Asynchronous, and it stops as soon as the budget is passed.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';

/** Bytes under `dir`; stops counting (the result is then over `budget`) once past `budget`. */
export async function apparentSize(dir: string, budget = Number.POSITIVE_INFINITY): Promise<number> {
  let total = 0;
  const pending = [dir];
  while (pending.length > 0 && total <= budget) {
    const current = pending.pop()!;
    const entries = await fsp.readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isFile() || entry.isSymbolicLink()) total += (await fsp.lstat(full).catch(() => undefined))?.size ?? 0;
      if (total > budget) break;
    }
  }
  return total;
}
