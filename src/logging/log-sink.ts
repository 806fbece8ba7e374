import { escapeControlChars } from './terminal-text';

/** Where Lambda's log lines go: the orchestrator's output, each line prefixed with the function. */
export interface LogSink {
  line(functionName: string, text: string): void;
}

/** For a terminal (`up`): what the function printed is shown with its control characters escaped. */
export function streamLogSink(out: NodeJS.WritableStream = process.stdout): LogSink {
  return { line: (fn, text) => void out.write(`${fn} | ${escapeControlChars(text)}\n`) };
}

export const silentLogSink: LogSink = { line: () => undefined };
