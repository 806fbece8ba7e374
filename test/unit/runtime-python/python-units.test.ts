import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pythonInterpreter, requirePython311, RUNTIME_DIR } from './harness';

beforeAll(requirePython311);

/** The runtime's modules tested in-process with Python's unittest (fake transport, marshalling). */
it('python unit tests of lambda_runtime pass', () => {
  const r = spawnSync(
    pythonInterpreter(),
    ['-m', 'unittest', 'discover', '-s', path.join(__dirname, 'py'), '-t', path.join(__dirname, 'py')],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONPATH: RUNTIME_DIR, PYTHONDONTWRITEBYTECODE: '1' },
    },
  );
  expect(r.stderr).toMatch(/Ran [1-9]\d* tests?/);
  expect(r.stderr).toMatch(/\nOK\s*$/);
  expect(r.status).toBe(0);
});
