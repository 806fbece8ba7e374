import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A project folder under the system's tmpdir: functions.yaml, templates and code written by a test. */
export class TempFolder {
  dir = '';

  /** Writes `text` to `name` (relative to the folder, parent folders made); returns the file's path. */
  write = (name: string, text: string): string => {
    const file = path.join(this.dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  };
}

/** A fresh folder for each test of the file (`folders` made in it), removed after the test. */
export function folderPerTest(prefix: string, folders: readonly string[] = []): TempFolder {
  const folder = new TempFolder();
  beforeEach(() => {
    folder.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    for (const f of folders) fs.mkdirSync(path.join(folder.dir, f), { recursive: true });
  });
  afterEach(() => fs.rmSync(folder.dir, { recursive: true, force: true }));
  return folder;
}
