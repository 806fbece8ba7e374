/**
 * The shared libraries a host binary loads, as `ldd` lists them: what the host base image
 * (src/images/host-base-plan.ts) and the Python image's rootfs (src/images/runtime-recipes.ts) copy.
 */
import execa from 'execa';

/** Paths ldd prints for a binary: `name => /path (0x…)` lines and the loader line `/path (0x…)`. */
export function parseLddOutput(output: string): { paths: string[]; missing: string[] } {
  const paths: string[] = [];
  const missing: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const arrow = /^(\S+)\s+=>\s+(.*)$/.exec(line);
    if (arrow) {
      const target = arrow[2].trim();
      if (target.startsWith('not found')) {
        missing.push(arrow[1]);
        continue;
      }
      const m = /^(\/\S+)/.exec(target);
      if (m) paths.push(m[1]);
      continue; // `linux-vdso.so.1 =>  (0x…)` on old glibc: nothing to copy
    }
    const loader = /^(\/\S+)\s+\(0x[0-9a-f]+\)$/i.exec(line);
    if (loader) paths.push(loader[1]);
    // `linux-vdso.so.1 (0x…)`, `statically linked`: nothing to copy
  }
  return { paths, missing };
}

export async function lddPaths(binary: string): Promise<{ paths: string[]; missing: string[] }> {
  let result: execa.ExecaReturnValue;
  try {
    result = await execa('ldd', [binary], { reject: false, env: { LC_ALL: 'C' } });
  } catch (err) {
    throw new Error(`cannot run ldd to find the libraries of ${binary}: ${(err as Error).message}`);
  }
  if (result.exitCode !== 0) {
    // A static executable: ldd says so and exits 1; nothing to add.
    if (/not a dynamic executable|statically linked/.test(`${result.stdout}\n${result.stderr}`)) {
      return { paths: [], missing: [] };
    }
    throw new Error(`ldd ${binary} failed (exit ${result.exitCode}): ${result.stderr || result.stdout}`);
  }
  return parseLddOutput(result.stdout);
}
