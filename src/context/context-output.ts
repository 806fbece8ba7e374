import { InvocationLog } from '../logging/invocation-log';
import type { LogSink } from '../logging/log-sink';
import { deferred, type Deferred } from './deferred';
import { EXTENSION_LINE_MARKER } from '../extensions/launcher';

/** Written by our runtime right before it posts a result: all of that invocation's lines are out. */
const END_MARKER = '\u001eEND ';
const MAX_INIT_LINES = 200;

/** The log of the invocation in flight, and whether its runtime has said all its lines are out. */
export interface InvocationOutput {
  requestId: string;
  log: InvocationLog;
  flushed: Deferred<void>;
}

/**
 * Routes a context's output lines: to the orchestrator's output (prefixed with the function) and to
 * the log of whichever invocation they belong to. Init lines open the cold invocation's log; lines
 * printed while an invocation thaws the context are that invocation's. With several invocations in
 * flight, a line cannot tell whose it is: it goes to the one that started last; each end marker
 * names its own.
 */
export class ContextOutput {
  /** The invocation that started last of those in flight: unmarked lines are its. */
  private current: InvocationOutput | undefined;
  /** Every invocation in flight, by request id, for their end markers. */
  private readonly open = new Map<string, InvocationOutput>();
  private initLines: string[] = [];
  private collectingInit = true;
  private thawLines: string[] | undefined;
  private silenced = false;

  constructor(
    private readonly functionName: string,
    private readonly sink: LogSink,
  ) {}

  /** The runtime's last words while we remove it are noise. */
  silence(): void {
    this.silenced = true;
  }

  /** Init is over: later lines outside an invocation are no longer init lines. */
  endInit(): void {
    this.collectingInit = false;
  }

  /** Collects lines printed while the context thaws, until `begin` or `abortThaw`. */
  beginThaw(): void {
    this.thawLines ??= [];
  }

  abortThaw(): void {
    for (const l of this.thawLines ?? []) this.emit(l);
    this.thawLines = undefined;
  }

  /** START of an invocation: its log opens with the init lines (cold) or the thaw lines. */
  begin(requestId: string, startText: string): InvocationOutput {
    const log = new InvocationLog();
    for (const l of this.initLines) log.add(l);
    this.initLines = [];
    this.collectingInit = false;
    this.emit(startText, log);
    for (const l of this.thawLines ?? []) this.emit(l, log);
    this.thawLines = undefined;
    const out: InvocationOutput = { requestId, log, flushed: deferred<void>() };
    this.current = out;
    this.open.set(requestId, out);
    return out;
  }

  /** Lines after this are no longer `out`'s (but another's still in flight, or no invocation's). */
  end(out: InvocationOutput): void {
    if (this.open.get(out.requestId) === out) this.open.delete(out.requestId);
    if (this.current === out) this.current = this.open.size > 0 ? [...this.open.values()].pop() : undefined;
  }

  /** A line of ours about the init (INIT_REPORT): in the output, and in the cold invocation's log, even when silenced. */
  initLine(text: string): void {
    if (this.initLines.length < MAX_INIT_LINES) this.initLines.push(text);
    this.emit(text);
  }

  emit(text: string, log?: InvocationLog): void {
    log?.add(text);
    this.sink.line(this.functionName, text);
  }

  /** Where the Telemetry API gets the function's and the extensions' lines. */
  tap: ((kind: 'function' | 'extension', line: string) => void) | undefined;

  onLine(line: string): void {
    if (this.silenced) return;
    if (line.startsWith(EXTENSION_LINE_MARKER)) {
      // An extension's line (the launcher marks them): logged as it was printed.
      const text = line.slice(line.indexOf('\t') + 1);
      this.tap?.('extension', text);
      return this.place(text);
    }
    const marker = line.indexOf(END_MARKER);
    if (marker > 0) {
      // The function's last write had no newline (process.stdout.write): the marker follows it.
      this.onLine(line.slice(0, marker));
      return this.onLine(line.slice(marker));
    }
    if (marker === 0) {
      this.open.get(line.slice(END_MARKER.length).trim())?.flushed.resolve();
      return;
    }
    this.tap?.('function', line);
    this.place(line);
  }

  /** A line goes to the invocation it belongs to, or to the init's, or to no invocation. */
  private place(line: string): void {
    if (this.current) {
      this.emit(line, this.current.log);
    } else if (this.thawLines) {
      this.thawLines.push(line);
    } else {
      if (this.collectingInit && this.initLines.length < MAX_INIT_LINES) this.initLines.push(line);
      this.emit(line);
    }
  }
}
