import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemDirProblem } from '../../src/config/code/folders';
import { prepareCode } from '../../src/config/code/prepare';
import { loadConfigFile } from '../../src/config/load';
import { ConfigError } from '../../src/errors';
import { configError } from '../helpers/config-error';

const HEAD = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n";

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'code-folders-'));
  fs.mkdirSync(path.join(dir, 'code'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const functionsYaml = (code: string, layer?: string) =>
  write(
    'functions.yaml',
    `functions:\n  hello:\n    handler: index.handler\n    code: ${code}\n${layer ? `    layers:\n      - ${layer}\n` : ''}`,
  );

const template = (codeUri: string) =>
  write(
    'template.yaml',
    `${HEAD}Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: ${codeUri}\n      Runtime: nodejs24.x\n      Handler: index.handler\n`,
  );

/** Folders that exist on any Linux host the project runs on; /etc/ssh where the host has it. */
const REFUSED = ['/etc/ssh', '/usr/local', '/var/log', '/home', '/root', '/tmp', '/'].filter((p) => fs.existsSync(p));

describe('code folders, layers and CodeUris are limited to folders a user means', () => {
  test.each(REFUSED)('functions.yaml code: %s is refused with file, line and key', (sys) => {
    const file = functionsYaml(sys);
    const err = configError(() => loadConfigFile(file));
    expect(err.file).toBe(file);
    expect(err.line).toBe(4);
    expect(err.key).toBe('functions.hello.code');
    expect(err.problem).toMatch(/root or a system directory of this host/);
    expect(err.problem).toContain('Which folders may be code');
  });

  test.each(REFUSED)('functions.yaml layer: %s is refused', (sys) => {
    const err = configError(() => loadConfigFile(functionsYaml('./code', sys)));
    expect(err.key).toBe('functions.hello.layers.0');
    expect(err.line).toBe(6);
  });

  test.each(REFUSED)('SAM CodeUri: %s is refused with the template line and key', (sys) => {
    const file = template(sys);
    const err = configError(() => loadConfigFile(file));
    expect(err.key).toBe('Resources.Fn.Properties.CodeUri');
    expect(err.line).toBe(7);
    expect(err.problem).toMatch(/root or a system directory/);
  });

  test('a symlink in a temp folder pointing to /etc is refused by its real path', () => {
    fs.symlinkSync('/etc', path.join(dir, 'link'));
    for (const file of [functionsYaml('./link'), template('link')]) {
      const err = configError(() => loadConfigFile(file));
      expect(err.problem).toContain(`${path.join(dir, 'link')} (resolves to /etc) is the root or a system directory`);
    }
  });

  test('a project folder in the temp dir is accepted, as code and as a layer, in both formats', () => {
    fs.mkdirSync(path.join(dir, 'layer'));
    const fn = loadConfigFile(functionsYaml('./code', './layer')).functions.get('hello')!;
    expect(fn.codeDir).toBe(path.join(dir, 'code'));
    expect(fn.layers).toEqual([path.join(dir, 'layer')]);
    expect(loadConfigFile(template('code/')).functions.get('Fn')!.codeDir).toBe(path.join(dir, 'code'));
  });

  test('at any depth under the system trees; wide folders themselves only', () => {
    for (const p of [
      '/etc/ssh/sshd_config.d',
      '/usr/local/lib/node_modules/x',
      '/var/lib/docker/volumes/v',
      '/proc/1',
      '/boot/grub',
      '/opt',
      '/srv',
      '/mnt',
      '/media',
      '/home/alice',
    ]) {
      expect([p, systemDirProblem(p)]).toEqual([p, expect.stringMatching(/root or a system directory/)]);
    }
    for (const p of [
      '/home/alice/project',
      '/root/project',
      '/opt/project',
      '/srv/app',
      '/mnt/work/app',
      path.join(os.tmpdir(), 'project'),
    ]) {
      expect([p, systemDirProblem(p)]).toEqual([p, undefined]);
    }
    expect(systemDirProblem(os.homedir())).toMatch(/itself/);
    expect(systemDirProblem(path.join(os.homedir(), 'project'))).toBeUndefined();
  });

  test("the Docker engine's data root, wherever it is, refused before serving with file, line and key", async () => {
    const dataRoot = path.join(dir, 'docker-data');
    fs.mkdirSync(path.join(dataRoot, 'volumes', 'v'), { recursive: true });
    expect(systemDirProblem(path.join(dataRoot, 'volumes'), dataRoot)).toMatch(/the Docker engine's data root/);
    const file = functionsYaml('./docker-data/volumes/v');
    const fn = loadConfigFile(file).functions.get('hello')!; // the load cannot ask the engine
    const err = await prepareCode([fn], { dockerRootDir: dataRoot }).then(
      () => undefined,
      (e: unknown) => e as ConfigError,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ file, line: 4, key: 'functions.hello.code' });
    await prepareCode([loadConfigFile(functionsYaml('./code')).functions.get('hello')!], { dockerRootDir: dataRoot });
  });
});
