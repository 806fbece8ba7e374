import type { Comparison, Table } from './types';
import type { Machine } from './machine';

export interface Report {
  command: string;
  machine: Machine;
  loadBefore: string;
  loadAfter: string;
  /** How loaded the machine was during each scenario. */
  loads: string[];
  durationS: number;
  comparisons: Comparison[];
  tables: Table[];
  notes: string[];
  analysis: string[];
}

const f = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');

export function ratioText(c: Comparison): string {
  const s = c.subject.stats.median;
  const b = c.baseline.stats.median;
  if (c.ratioInverted) return `${(b / s).toFixed(1)}× faster`;
  const diff = s - b;
  return `${(s / b).toFixed(2)}× (${diff >= 0 ? '+' : ''}${diff.toFixed(2)} ms)`;
}

export function targetText(c: Comparison): string {
  if (!c.target) return '—';
  return `${c.target.met ? 'MET' : 'MISSED'}: ${c.target.text}`;
}

/** The main table: one row per comparison. */
export function comparisonTable(comparisons: Comparison[]): Table {
  return {
    title: 'All comparisons (milliseconds; ratio = ours / baseline at the median)',
    header: ['scenario', 'ours', 'median', 'p99', 'baseline', 'median', 'p99', 'ratio', 'target'],
    rows: comparisons.map((c) => [
      c.scenario,
      `${c.subject.label} (n=${c.subject.stats.n})`,
      f(c.subject.stats.median),
      f(c.subject.stats.p99),
      `${c.baseline.label} (n=${c.baseline.stats.n})`,
      f(c.baseline.stats.median),
      f(c.baseline.stats.p99),
      ratioText(c),
      targetText(c),
    ]),
  };
}

function mdTable(t: Table): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `### ${t.title}`,
    '',
    `| ${t.header.map(esc).join(' | ')} |`,
    `|${t.header.map(() => '---').join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
    '',
  ].join('\n');
}

export function renderMarkdown(r: Report): string {
  const m = r.machine;
  return [
    '# Benchmarks',
    '',
    `Written by \`${r.command}\` (bench/run.ts) on ${m.date}, in one run of ${r.durationS.toFixed(0)} s against one Docker engine. ` +
      'Every number below was measured in that run; the baselines run no orchestrator code. Machines differ: compare the ratios.',
    '',
    '## Machine',
    '',
    `- CPUs (nproc): ${m.nproc} (${m.cpuModel})`,
    `- Memory: ${m.memory}`,
    `- Kernel: ${m.kernel}`,
    `- Docker: ${m.docker}`,
    `- Node.js: ${m.node}`,
    `- Load before the run: ${r.loadBefore}`,
    `- Load after the run: ${r.loadAfter}`,
    '- Load during each scenario (other engineers run Docker tests on this machine; a scenario that ran under load reads slower, ours more than the baselines since it has more processes and hops to wake; scenarios 5 and 6 load the machine themselves, 16 clients and 50 cold starts):',
    ...r.loads.map((l) => `  - ${l}`),
    '',
    '## Targets',
    '',
    ...r.comparisons.filter((c) => c.target).map((c) => `- ${c.target!.met ? '✅ met' : '❌ missed'}: ${c.scenario}: ${c.target!.text}, got ${ratioText(c)}`),
    '',
    '## Results',
    '',
    mdTable(comparisonTable(r.comparisons)),
    ...r.tables.map(mdTable),
    '## Analysis',
    '',
    ...r.analysis.map((a) => `- ${a}`),
    '',
    '## How it was measured',
    '',
    '- `npm run bench` compiles (tsc) and runs dist/bench/run.js; it needs the local Docker engine and takes a few minutes. `npm run bench -- --quick` runs fewer iterations (a smoke run), `-- --only 1,3` some scenarios, `-- --out FILE` writes elsewhere. It is not part of `npm test`.',
    '- The orchestrator under test runs in a child process of its own (bench/orchestrator-host.ts, as `orchestrator up` would), the clients in the bench process; clients use keep-alive HTTP, as an SDK does. Warm-up iterations are not counted.',
    '- Baselines run no orchestrator code: raw containers of the same runtime image made from the same container spec as a context (same memory and CPU limits, user, mounts, read-only root), with `node` running bench/fixtures/noop/raw-server.js (a tiny HTTP server) or once.js (`docker run --rm` style). They carry the label `orchestrator.bench=1` and are removed at the end, on failure and on Ctrl-C too.',
    '- "Where the time goes" tables time pieces inside the orchestrator process (the Docker calls, the Runtime API exchange, Invoker.invoke) by wrapping those methods in the bench\'s child process; src/ is not instrumented.',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

/** The main table, short enough for a terminal. */
export function compactComparisonTable(comparisons: Comparison[]): Table {
  return {
    title: 'Results (ms; ratio = ours / baseline at the median)',
    header: ['scenario', 'ours median', 'p99', 'baseline median', 'p99', 'ratio', 'target'],
    rows: comparisons.map((c) => [
      c.scenario,
      f(c.subject.stats.median),
      f(c.subject.stats.p99),
      f(c.baseline.stats.median),
      f(c.baseline.stats.p99),
      ratioText(c),
      targetText(c),
    ]),
  };
}

/** A plain-text table for the terminal. */
export function textTable(t: Table): string {
  const widths = t.header.map((h, i) => Math.min(80, Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length))));
  const line = (cells: string[]) => cells.map((c, i) => (c.length > widths[i] ? `${c.slice(0, widths[i] - 1)}…` : c.padEnd(widths[i]))).join('  ');
  return [t.title, line(t.header), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}
