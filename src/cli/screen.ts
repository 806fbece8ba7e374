/**
 * Where `ps --watch` draws its frames. On a terminal: the alternate screen (as top and watch use
 * it), each frame written at once from the top-left corner over the previous one, no clearing in
 * between, so nothing flickers. Elsewhere (a pipe, a file): one plain frame after another.
 */
export interface Screen {
  frame(text: string): void;
  close(): void;
}

const ESC = '\x1b[';
const ENTER = `${ESC}?1049h${ESC}?25l${ESC}?7l${ESC}2J`; // alternate screen, cursor hidden, no line wrap
const LEAVE = `${ESC}?7h${ESC}?25h${ESC}?1049l`;

/**
 * One terminal frame: cursor home, each line cleared to its end after it is drawn, the rest of the
 * screen cleared. Lines past the terminal's height would scroll the frame away: they are cut, and
 * the last row says so. Line wrap is off, so over-long lines are clipped by the terminal itself.
 */
export function composeFrame(text: string, rows: number | undefined): string {
  let lines = text.replace(/\n$/, '').split('\n');
  if (rows !== undefined && rows > 0 && lines.length > rows) {
    const hidden = lines.length - rows + 1;
    lines = [...lines.slice(0, rows - 1), `... ${hidden} more line(s): enlarge the terminal`];
  }
  return `${ESC}H${lines.map((l) => `${l}${ESC}K`).join('\r\n')}${ESC}J`;
}

export function terminalScreen(out: NodeJS.WriteStream): Screen {
  let open = true;
  const restore = () => {
    if (open) out.write(LEAVE);
    open = false;
  };
  out.write(ENTER);
  process.once('exit', restore); // whatever ends the process, the terminal gets its screen back
  return {
    frame: (text) => void (open && out.write(composeFrame(text, out.rows))),
    close: () => {
      restore();
      process.off('exit', restore);
    },
  };
}

export function plainScreen(out: NodeJS.WritableStream): Screen {
  let first = true;
  return {
    frame: (text) => {
      out.write(`${first ? '' : '\n'}${text}`);
      first = false;
    },
    close: () => undefined,
  };
}
