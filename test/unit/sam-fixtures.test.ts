import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfigFile } from '../../src/config/load';
import { findFunction } from '../../src/config/lookup';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'sam');
const fixture = (...p: string[]): string => path.join(FIXTURES, ...p);

/** The line of the first line of `file` matching `re` (1-based). */
function lineOf(file: string, re: RegExp): number {
  const i = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => re.test(l));
  if (i < 0) throw new Error(`${re} not in ${file}`);
  return i + 1;
}

describe('public SAM templates load unchanged', () => {
  test('sam init nodejs24.x hello: the function by logical id, Globals.Timeout, Events reported', () => {
    const file = fixture('sam-init-nodejs24-hello', 'template.yaml');
    const cfg = loadConfigFile(file);
    expect([...cfg.functions.keys()]).toEqual(['HelloWorldFunction']);
    expect(cfg.functions.get('HelloWorldFunction')).toEqual({
      name: 'HelloWorldFunction',
      handler: 'app.lambdaHandler',
      codeDir: fixture('sam-init-nodejs24-hello', 'hello-world'),
      runtime: 'nodejs24.x',
      memorySize: 128,
      timeout: 3,
      ephemeralStorageSize: 512,
      environment: {},
      layers: [],
      loggingConfig: { logFormat: 'Text' },
    });
    expect(cfg.warnings).toEqual([
      `${file}:${lineOf(file, /^ {6}Events:/)}: Resources.HelloWorldFunction.Properties.Events: not honoured: event sources are not connected; invoke the function through the API (or its URL)`,
    ]);
    expect(cfg.aliases?.size).toBe(0);
  });

  test('sam init python3.13 hello', () => {
    const cfg = loadConfigFile(fixture('sam-init-python313-hello', 'template.yaml'));
    expect(cfg.functions.get('HelloWorldFunction')).toMatchObject({
      handler: 'app.lambda_handler',
      runtime: 'python3.13',
      timeout: 3,
      codeDir: fixture('sam-init-python313-hello', 'hello_world'),
    });
  });

  test('sam build output: .aws-sam/build/template.yaml, code in the build folder', () => {
    const cfg = loadConfigFile(fixture('sam-init-nodejs22-hello-built', '.aws-sam', 'build', 'template.yaml'));
    expect(cfg.functions.get('HelloWorldFunction')).toMatchObject({
      handler: 'app.lambdaHandler',
      runtime: 'nodejs22.x',
      codeDir: fixture('sam-init-nodejs22-hello-built', '.aws-sam', 'build', 'HelloWorldFunction'),
    });
    expect(cfg.warnings).toEqual([]);
    // and the source template next to it
    expect(loadConfigFile(fixture('sam-init-nodejs22-hello-built', 'template.yaml')).functions.get('HelloWorldFunction')?.codeDir).toBe(
      fixture('sam-init-nodejs22-hello-built', 'hello-world'),
    );
  });

  test('InlineCode is written to a cached, readable index.py', () => {
    const cfg = loadConfigFile(fixture('sam-cli-inline', 'template.yaml'));
    const fn = cfg.functions.get('InlineCodeFunction')!;
    expect(fn).toMatchObject({ handler: 'index.handler', runtime: 'python3.11' });
    const code = fs.readFileSync(path.join(fn.codeDir, 'index.py'), 'utf8');
    expect(code).toContain("return {'body': 'Hello World 2!', 'statusCode': 200}");
    expect(fs.statSync(path.join(fn.codeDir, 'index.py')).mode & 0o444).toBe(0o444);
    expect(fs.statSync(fn.codeDir).mode & 0o555).toBe(0o555);
    expect(fn.codeDir.startsWith(os.tmpdir())).toBe(true);
    // same code, same folder
    expect(loadConfigFile(fixture('sam-cli-inline', 'template.yaml')).functions.get('InlineCodeFunction')?.codeDir).toBe(fn.codeDir);
  });

  test('pseudo parameters and FindInMap: AWS::Region from the settings or an override', () => {
    const file = fixture('sam-cli-pseudo-params', 'template.yaml');
    const cfg = loadConfigFile(file);
    expect([...cfg.functions.keys()]).toEqual(['HelloWorldServerlessFunction']);
    const fn = cfg.functions.get('HelloWorldServerlessFunction')!;
    expect(fn).toMatchObject({
      handler: 'main.intrinsics_handler',
      runtime: 'python3.11',
      timeout: 600,
      codeDir: fixture('sam-cli-pseudo-params'),
    });
    expect(fn.environment).toEqual({ ApplicationId: 'arn:aws:serverlessrepo:us-east-1:077246666028:applications/hello-world' });
    expect(cfg.warnings).toEqual([]);
    const other = loadConfigFile(file, undefined, { parameterOverrides: { 'AWS::Region': 'eu-north-1' } });
    expect(other.functions.get('HelloWorldServerlessFunction')?.environment.ApplicationId).toMatch(/applications\/hello-world$/);
    const err = (() => {
      try {
        loadConfigFile(file, undefined, { parameterOverrides: { 'AWS::Region': 'mars-1' } });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).toBeUndefined(); // unresolvable -> a warning, not an error
    const mars = loadConfigFile(file, undefined, { parameterOverrides: { 'AWS::Region': 'mars-1' } });
    expect(mars.functions.get('HelloWorldServerlessFunction')?.environment).toEqual({});
    expect(mars.warnings).toEqual([
      `${file}:${lineOf(file, /^ {10}ApplicationId: !FindInMap/)}: Resources.HelloWorldServerlessFunction.Properties.Environment.Variables.ApplicationId.Fn::FindInMap: cannot resolve locally: Mappings has no MappingExample.mars-1.ApplicationId; variable ApplicationId ignored`,
    ]);
  });

  test('sam sync testdata: Globals, a local layer by Ref, other resources ignored', () => {
    const dir = fixture('sam-cli-sync-python');
    const cfg = loadConfigFile(path.join(dir, 'template.yaml'), undefined, { parameterOverrides: { HelloWorldLayerName: 'my-layer' } });
    expect([...cfg.functions.keys()]).toEqual(['HelloWorldFunction']);
    expect(cfg.functions.get('HelloWorldFunction')).toMatchObject({
      handler: 'app.lambda_handler',
      runtime: 'python3.11',
      timeout: 10,
      codeDir: path.join(dir, 'function'),
      layers: [path.join(dir, 'layer')],
    });
    expect(cfg.warnings).toEqual([]);
  });
});

describe('FunctionName', () => {
  test('a function answers to its FunctionName too', () => {
    const cfg = loadConfigFile(fixture('sam-init-nodejs24-hello', 'template.yaml'));
    expect(findFunction(cfg, 'HelloWorldFunction')?.name).toBe('HelloWorldFunction');
    expect(findFunction(cfg, 'nope')).toBeUndefined();
    const withAlias = { ...cfg, aliases: new Map([['sam-app-hello', 'HelloWorldFunction']]) };
    expect(findFunction(withAlias, 'sam-app-hello')?.name).toBe('HelloWorldFunction');
  });
});
