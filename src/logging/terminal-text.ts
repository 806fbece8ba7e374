/**
 * What a function or extension printed, made safe to show on a terminal: control characters (C0
 * except tab, DEL, C1) are shown as text, as a log viewer does (`\x1b`, `\r`), so a line cannot
 * move the cursor, retitle the terminal or overwrite a line (a forged REPORT) of the orchestrator's
 * output. The log tail the Invoke API returns keeps the raw bytes, as Lambda's does (docs/logs.md).
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r' };

export function escapeControlChars(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
