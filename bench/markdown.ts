import type { Comparison, Table, Target } from './types';
import type { Machine } from './machine';
import { CLIENTS } from './scenarios/throughput';
import { TARGETS } from './settings';

export interface Report {
  command: string;
  machine: Machine;
  loadBefore: string;
  loadAfter: string;
  /** How loaded the machine was during each scenario. */
  loads: string[];
  durationS: number;
  comparisons: Comparison[];
  targets: Target[];
  /** The engine's and the kernel's freeze floors (piece, median, p99, where). */
  machineFloors: string[][];
  tables: Table[];
  notes: string[];
  analysis: string[];
}

/** Every target in scenario order, comparisons (value against its floor) and others alike. */
function targetLines(r: Report): Array<{ scenario: string; line: string }> {
  const lines = [
    ...r.comparisons
      .filter((c) => c.target)
      .map((c) => ({
        scenario: c.scenario,
        line: `${c.target!.met ? '✅ met' : '❌ missed'}: ${c.scenario}: ${c.target!.text}; got ${f(c.subject.stats.median)} ms against ${f(c.baseline.stats.median)} ms, ${ratioText(c)}`,
      })),
    ...r.targets.map((t) => ({ scenario: t.scenario, line: `${t.met ? '✅ met' : '❌ missed'}: ${t.scenario}: ${t.text}; got ${t.got}` })),
  ];
  const num = (s: string) => Number(/^(\d+)/.exec(s)?.[1] ?? 99);
  return lines.sort((a, b) => num(a.scenario) - num(b.scenario));
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
    `- Load during each scenario (a scenario that ran under load, its own or other work on this machine, reads slower, ours more than the baselines since it has more processes and hops to wake; scenarios 4 and 5 load the machine themselves, ${Math.max(...CLIENTS)} clients and ${TARGETS.densityContexts} cold starts):`,
    ...r.loads.map((l) => `  - ${l}`),
    '',
    ...(r.machineFloors.length > 0
      ? [
          mdTable({
            title: "The engine's and the kernel's freeze floors (ms; a raw container of the runtime image, no orchestrator)",
            header: ['piece', 'median', 'p99', 'measured'],
            rows: r.machineFloors,
          }),
        ]
      : []),
    '## Targets',
    '',
    ...targetLines(r).map((t) => `- ${t.line}`),
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
    `- \`npm run bench\` compiles (tsc) and runs dist/bench/run.js; it needs the local Docker engine (this run took ${r.durationS.toFixed(0)} s on ${m.nproc} cores). \`npm run bench -- --quick\` runs fewer iterations (a smoke run), \`-- --only 1,3\` some scenarios (scenario 0, the floors, always runs), \`-- --out FILE\` writes elsewhere. It is not part of \`npm test\`.`,
    '- The orchestrator under test runs in a child process of its own (bench/orchestrator-host.ts, as `orchestrator up` would), the clients in the bench process; clients use keep-alive HTTP, as an SDK does. Warm-up iterations are not counted.',
    '- Baselines run no orchestrator code: raw containers of the same runtime image made from the same container spec as a context (same memory and CPU limits, user, mounts, read-only root), with `node` running bench/fixtures/noop/raw-server.js (a tiny HTTP server) or once.js (`docker run --rm` style). They carry the label `orchestrator.bench=1` and are removed at the end, on failure and on Ctrl-C too.',
    '- "Where the time goes" tables time pieces inside the orchestrator process (the Docker calls: ContextContainer.run, pause, unpause, limitCpu; the Runtime API exchange: RuntimeApiServer.deliver; Invoker.invoke) by wrapping those methods in the bench\'s child process, and read Init Duration from the REPORT lines; src/ is not instrumented.',
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
  const line = (cells: string[]) =>
    cells.map((c, i) => (c.length > widths[i] ? `${c.slice(0, widths[i] - 1)}…` : c.padEnd(widths[i]))).join('  ');
  return [t.title, line(t.header), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}
