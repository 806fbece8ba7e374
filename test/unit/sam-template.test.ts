import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { prepareCode } from '../../src/config/code/prepare';
import { loadConfigFile, parseParameterOverrides } from '../../src/config/load';
import { findFunction } from '../../src/config/lookup';
import { RUNTIMES } from '../../src/config/runtimes';
import { isTemplate } from '../../src/config/sam/template';
import { configError } from '../helpers/config-error';
import { folderPerTest } from '../helpers/temp-folder';

const folder = folderPerTest('sam-test-', ['src', 'layers/a', 'layers/b', 'other']);
const write = folder.write;
let dir: string;
beforeEach(() => (dir = folder.dir));

/** 1-based number of the line holding `text` in the file. */
function lineOf(file: string, text: string): number {
  const i = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${text} not in ${file}`);
  return i + 1;
}

const HEAD = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n";

const FULL = `${HEAD}
Parameters:
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Memory:
    Type: Number
    Default: 256
  Subnets:
    Type: CommaDelimitedList
    Default: "a,b,c"
  Secret:
    Type: String
Mappings:
  Sizes:
    dev: { Timeout: 5 }
    prod: { Timeout: 30 }
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition NotProd, !Or [!Equals [a, a], !Condition IsProd]]
Globals:
  Function:
    Runtime: nodejs22.x
    Handler: index.handler
    MemorySize: 512
    Timeout: !FindInMap [Sizes, !Ref Stage, Timeout]
    Environment:
      Variables:
        SHARED: from-globals
        OVERRIDDEN: from-globals
    Layers:
      - !Ref LayerA
Resources:
  LayerA:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layers/a
  LayerB:
    Type: AWS::Lambda::LayerVersion
    Properties:
      Content: layers/b
  Table:
    Type: AWS::DynamoDB::Table
  Api:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub "\${AWS::StackName}-api-\${Stage}"
      CodeUri: src/
      MemorySize: !Ref Memory
      EphemeralStorage:
        Size: 1024
      ReservedConcurrentExecutions: 4
      ProvisionedConcurrencyConfig:
        ProvisionedConcurrentExecutions: 2
      Layers:
        - !Ref LayerB
        - arn:aws:lambda:us-east-1:123456789012:layer:remote:1
      LoggingConfig:
        LogFormat: JSON
        ApplicationLogLevel: !If [IsProd, WARN, DEBUG]
        LogGroup: /custom
      FunctionUrlConfig:
        AuthType: AWS_IAM
        InvokeMode: RESPONSE_STREAM
      Environment:
        Variables:
          OVERRIDDEN: from-function
          JOINED: !Join ["-", [!Select [1, !Ref Subnets], !Select [0, !Split [",", "x,y"]]]]
          SUBBED: !Sub
            - "\${Greeting} from \${AWS::Region} in \${AWS::Partition} (\${AWS::AccountId}) \${!Literal} \${AWS::URLSuffix}"
            - Greeting: hi
          B64: !Base64 abc
          AZ: !Select [0, !GetAZs ""]
          ARN: !GetAtt Worker.Arn
          TABLE: !Ref Table
          TABLE_ARN: !GetAtt Table.Arn
          IMPORTED: !ImportValue shared-thing
          SECRET: !Ref Secret
          GONE: !If [IsProd, here, !Ref AWS::NoValue]
          PROD_ONLY: !If [Both, yes, no]
          NUM: 42
      Events:
        Get:
          Type: Api
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs24.x
      Handler: index.handler
      Timeout: 60
      Code:
        ZipFile: |
          exports.handler = async () => 'inline';
  WorkerUrl:
    Type: AWS::Lambda::Url
    Properties:
      TargetFunctionArn: !GetAtt Worker.Arn
      AuthType: NONE
  ProdOnly:
    Type: AWS::Serverless::Function
    Condition: IsProd
    Properties:
      CodeUri: src/
  Image:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      ImageUri: my-image:latest
  InS3:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://bucket/key.zip
  OldRuntime:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Runtime: python3.9
`;

describe('a template with everything', () => {
  test('Globals, Parameters, Conditions, intrinsics, layers, URLs; the rest in warnings with lines', () => {
    const file = write('template.yaml', FULL);
    const cfg = loadConfigFile(file);
    expect([...cfg.functions.keys()]).toEqual(['Api', 'Worker']);
    const api = cfg.functions.get('Api')!;
    expect(api).toEqual({
      name: 'Api',
      handler: 'index.handler',
      codeDir: path.join(dir, 'src'),
      runtime: 'nodejs22.x',
      memorySize: 256,
      timeout: 5,
      ephemeralStorageSize: 1024,
      reservedConcurrency: 4,
      provisionedConcurrency: 2,
      environment: {
        SHARED: 'from-globals',
        OVERRIDDEN: 'from-function',
        JOINED: 'b-x',
        SUBBED: 'hi from us-east-1 in aws (000000000000) ${Literal} amazonaws.com',
        B64: 'YWJj',
        AZ: 'us-east-1a',
        ARN: 'arn:aws:lambda:us-east-1:000000000000:function:Worker',
        TABLE: 'Table',
        PROD_ONLY: 'yes',
        NUM: '42',
      },
      layers: [path.join(dir, 'layers', 'a'), path.join(dir, 'layers', 'b')],
      loggingConfig: { logFormat: 'JSON', applicationLogLevel: 'DEBUG', systemLogLevel: 'INFO' },
      url: { invokeMode: 'RESPONSE_STREAM' },
    });
    const worker = cfg.functions.get('Worker')!;
    expect(worker).toMatchObject({ runtime: 'nodejs24.x', timeout: 60, memorySize: 128, url: { invokeMode: 'BUFFERED' }, layers: [] });
    expect(fs.readFileSync(path.join(worker.codeDir, 'index.js'), 'utf8')).toBe("exports.handler = async () => 'inline';\n");
    expect(cfg.aliases).toEqual(new Map([['local-api-dev', 'Api']]));
    expect(findFunction(cfg, 'local-api-dev')).toBe(api);

    const at = (text: string, key: string, message: string) => `${file}:${lineOf(file, text)}: ${key}: ${message}`;
    const env = 'Resources.Api.Properties.Environment.Variables';
    expect(cfg.warnings.sort()).toEqual(
      [
        at('TABLE: !Ref Table', `${env}.TABLE.Ref`, 'Ref Table (a AWS::DynamoDB::Table) gives its logical id locally, as sam local does'),
        at(
          'TABLE_ARN:',
          `${env}.TABLE_ARN.Fn::GetAtt`,
          'cannot resolve locally: Fn::GetAtt Table.Arn is an attribute of a deployed resource; variable TABLE_ARN ignored',
        ),
        at(
          'IMPORTED:',
          `${env}.IMPORTED.Fn::ImportValue`,
          'cannot resolve locally: Fn::ImportValue reads an export of another deployed stack; variable IMPORTED ignored',
        ),
        at(
          'SECRET:',
          `${env}.SECRET.Ref`,
          'cannot resolve locally: parameter Secret has no Default; give it with --parameter-overrides Secret=value; variable SECRET ignored',
        ),
        at(
          '- arn:aws:lambda',
          'Resources.Api.Properties.Layers.1',
          'layer arn:aws:lambda:us-east-1:123456789012:layer:remote:1 is not a local LayerVersion of this template and cannot be fetched; the function runs without it',
        ),
        at(
          'AuthType: AWS_IAM',
          'Resources.Api.Properties.FunctionUrlConfig.AuthType',
          'AuthType AWS_IAM is not enforced: the URL answers any caller',
        ),
        at(
          'Events:',
          'Resources.Api.Properties.Events',
          'not honoured: event sources are not connected; invoke the function through the API (or its URL)',
        ),
        at(
          'PackageType: Image',
          'Resources.Image.Properties.PackageType',
          'PackageType Image is not supported (only zip functions: a runtime and code); function Image is left out',
        ),
        at(
          's3://bucket',
          'Resources.InS3.Properties.CodeUri',
          's3://bucket/key.zip is in S3; give a local directory (or run sam build); function InS3 is left out',
        ),
        at(
          'python3.9',
          'Resources.OldRuntime.Properties.Runtime',
          `runtime python3.9 is not available here (${RUNTIMES.join(', ')}); function OldRuntime is left out`,
        ),
      ].sort(),
    );
  });

  test('--parameter-overrides and pseudo parameter overrides', () => {
    const file = write('template.yaml', FULL);
    const cfg = loadConfigFile(file, undefined, {
      parameterOverrides: { Stage: 'prod', Memory: '1024', Secret: 's3cr3t', 'AWS::Region': 'eu-west-1' },
      stackName: 'shop',
    });
    expect([...cfg.functions.keys()]).toEqual(['Api', 'Worker', 'ProdOnly']);
    const api = cfg.functions.get('Api')!;
    expect(api).toMatchObject({ memorySize: 1024, timeout: 30, loggingConfig: { logFormat: 'JSON', applicationLogLevel: 'WARN' } });
    expect(api.environment).toMatchObject({
      SECRET: 's3cr3t',
      GONE: 'here',
      PROD_ONLY: 'no',
      AZ: 'eu-west-1a',
      ARN: 'arn:aws:lambda:eu-west-1:000000000000:function:Worker',
    });
    expect(cfg.aliases?.get('shop-api-prod')).toBe('Api');
    expect(cfg.functions.get('ProdOnly')).toMatchObject({ runtime: 'nodejs22.x', handler: 'index.handler', memorySize: 512 });
  });

  test('a parameter override outside AllowedValues, or not a Number, is an error at the parameter', () => {
    const file = write('template.yaml', FULL);
    let err = configError(() => loadConfigFile(file, undefined, { parameterOverrides: { Stage: 'qa' } }));
    expect(err.message).toBe(`${file}:${lineOf(file, '  Stage:')}: Parameters.Stage: "qa" is not one of its AllowedValues (dev, prod)`);
    err = configError(() => loadConfigFile(file, undefined, { parameterOverrides: { Memory: 'lots' } }));
    expect(err.key).toBe('Parameters.Memory');
    expect(err.problem).toMatch(/Type Number/);
    const unknown = loadConfigFile(file, undefined, { parameterOverrides: { Nope: 'x' } });
    expect(unknown.warnings).toContain(
      `${file}:${lineOf(file, 'Parameters:')}: Parameters: --parameter-overrides names Nope, which is not a parameter of this template`,
    );
  });
});

describe('errors name the template line of the property', () => {
  const fn = (props: string, globals = '') =>
    `${HEAD}${globals}Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n      Runtime: nodejs24.x\n      Handler: index.handler\n${props}`;

  test.each([
    ['      MemorySize: 64\n', 'Resources.Fn.Properties.MemorySize', 'MemorySize: 64', /from 128 to 10240 \(got 64\)/],
    ['      Timeout: "901"\n', 'Resources.Fn.Properties.Timeout', 'Timeout:', /from 1 to 900 \(got 901\)/],
    ['      EphemeralStorage:\n        Size: 100\n', 'Resources.Fn.Properties.EphemeralStorage.Size', 'Size: 100', /from 512/],
    [
      '      Environment:\n        Variables:\n          AWS_REGION: x\n',
      'Resources.Fn.Properties.Environment.Variables.AWS_REGION',
      'AWS_REGION',
      /reserved by Lambda/,
    ],
    [
      '      LoggingConfig:\n        LogFormat: Text\n        ApplicationLogLevel: WARN\n',
      'Resources.Fn.Properties.LoggingConfig.ApplicationLogLevel',
      'ApplicationLogLevel',
      /needs logFormat: JSON/,
    ],
    [
      '      FunctionUrlConfig:\n        InvokeMode: STREAM\n',
      'Resources.Fn.Properties.FunctionUrlConfig.InvokeMode',
      'InvokeMode',
      /BUFFERED, RESPONSE_STREAM/,
    ],
    [
      '      ProvisionedConcurrencyConfig:\n        ProvisionedConcurrentExecutions: 0\n',
      'Resources.Fn.Properties.ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions',
      'ProvisionedConcurrentExecutions',
      /from 1 to 1000/,
    ],
    ['      FunctionName: "has space"\n', 'Resources.Fn.Properties.FunctionName', 'FunctionName', /1 to 64 letters/],
  ])('%s', (props, key, text, problem) => {
    const file = write('template.yaml', fn(props));
    const err = configError(() => loadConfigFile(file));
    expect(err.key).toBe(key);
    expect(err.line).toBe(lineOf(file, text));
    expect(err.problem).toMatch(problem);
  });

  test('a bad value given in Globals names the Globals line', () => {
    const file = write('template.yaml', fn('', 'Globals:\n  Function:\n    MemorySize: 64\n'));
    const err = configError(() => loadConfigFile(file));
    expect(err.message).toBe(
      `${file}:${lineOf(file, 'MemorySize: 64')}: Globals.Function.MemorySize: must be an integer from 128 to 10240 (got 64)`,
    );
  });

  test('a missing CodeUri directory, and a system directory', () => {
    let file = write('template.yaml', fn('').replace('CodeUri: src/', 'CodeUri: missing/'));
    expect(configError(() => loadConfigFile(file)).message).toBe(
      `${file}:${lineOf(file, 'CodeUri')}: Resources.Fn.Properties.CodeUri: directory not found: ${path.join(dir, 'missing')}`,
    );
    file = write('template.yaml', fn('').replace('CodeUri: src/', 'CodeUri: /etc'));
    expect(configError(() => loadConfigFile(file)).problem).toMatch(/system directory/);
  });

  test('Runtime is required; no CodeUri means the template folder, as the SAM CLI', () => {
    let file = write('template.yaml', fn('').replace('      Runtime: nodejs24.x\n', ''));
    const err = configError(() => loadConfigFile(file));
    expect(err.key).toBe('Resources.Fn.Properties.Runtime');
    expect(err.line).toBe(lineOf(file, 'Properties:'));
    file = write('template.yaml', fn('').replace('      CodeUri: src/\n', ''));
    expect(loadConfigFile(file).functions.get('Fn')?.codeDir).toBe(dir);
  });

  test('a template whose functions all cannot run is an error', () => {
    const file = write('template.yaml', fn('').replace('nodejs24.x', 'java21'));
    const err = configError(() => loadConfigFile(file));
    expect(err.key).toBe('Resources');
    expect(err.problem).toMatch(/no AWS::Serverless::Function or AWS::Lambda::Function that can run here/);
  });

  test("a FunctionName that is another function's logical id", () => {
    const text = `${fn('      FunctionName: Other\n')}  Other:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs24.x\n      Handler: a.b\n`;
    const file = write('template.yaml', text);
    expect(configError(() => loadConfigFile(file)).problem).toMatch(/also the logical id of another function/);
  });
});

describe('formats and code locations', () => {
  test('a JSON template', () => {
    const file = write(
      'template.json',
      JSON.stringify(
        {
          AWSTemplateFormatVersion: '2010-09-09',
          Parameters: { T: { Type: 'Number', Default: '7' } },
          Resources: {
            Fn: {
              Type: 'AWS::Lambda::Function',
              Properties: {
                Runtime: 'python3.12',
                Handler: 'app.handler',
                Code: 'src',
                Timeout: { Ref: 'T' },
                Environment: { Variables: { R: { 'Fn::Sub': '${AWS::Region}' } } },
              },
            },
          },
        },
        null,
        2,
      ),
    );
    const fn = loadConfigFile(file).functions.get('Fn')!;
    expect(fn).toMatchObject({
      runtime: 'python3.12',
      handler: 'app.handler',
      timeout: 7,
      codeDir: path.join(dir, 'src'),
      environment: { R: 'us-east-1' },
    });
  });

  test('a .zip CodeUri and a .zip layer are extracted once into a cache, before the function is served', async () => {
    write('zipsrc/index.mjs', 'export const handler = async () => 1;\n');
    write('zipsrc/bin/bootstrap', '#!/bin/sh\n');
    fs.chmodSync(path.join(dir, 'zipsrc/bin/bootstrap'), 0o700);
    execFileSync('zip', ['-q', '-r', path.join(dir, 'code.zip'), '.'], { cwd: path.join(dir, 'zipsrc') });
    const text = `${HEAD}Resources:\n  L:\n    Type: AWS::Serverless::LayerVersion\n    Properties:\n      ContentUri: code.zip\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: code.zip\n      Runtime: nodejs24.x\n      Handler: index.handler\n      Layers: [!Ref L]\n`;
    const cfg = loadConfigFile(write('template.yaml', text));
    const fn = cfg.functions.get('Fn')!;
    await prepareCode(cfg.functions.values());
    expect(fs.readFileSync(path.join(fn.codeDir, 'index.mjs'), 'utf8')).toContain('handler');
    expect(fn.layers).toEqual([fn.codeDir]);
    expect(fs.statSync(path.join(fn.codeDir, 'bin', 'bootstrap')).mode & 0o755).toBe(0o755);
  });

  test('isTemplate tells a template from a functions.yaml', () => {
    expect(isTemplate({ AWSTemplateFormatVersion: '2010-09-09' })).toBe(true);
    expect(isTemplate({ Transform: 'AWS::Serverless-2016-10-31' })).toBe(true);
    expect(isTemplate({ Resources: { F: { Type: 'AWS::Lambda::Function' } } })).toBe(true);
    expect(isTemplate({ functions: { Resources: {} } })).toBe(false);
    expect(isTemplate({ Resources: { F: { Type: 'Custom' } } })).toBe(false);
  });

  test('a YAML syntax error in a template names its line', () => {
    const file = write('template.yaml', `${HEAD}Resources:\n  Fn: [\n`);
    expect(configError(() => loadConfigFile(file)).key).toBe('YAML syntax');
  });
});

describe('parseParameterOverrides', () => {
  test('Key=Value items, quoted values, and the ParameterKey= form', () => {
    expect(parseParameterOverrides(['Stage=prod', 'Memory=1024'])).toEqual({ Stage: 'prod', Memory: '1024' });
    expect(parseParameterOverrides('Stage=prod Msg="hello world" Q=\'a b\' AWS::Region=eu-west-1')).toEqual({
      Stage: 'prod',
      Msg: 'hello world',
      Q: 'a b',
      'AWS::Region': 'eu-west-1',
    });
    expect(parseParameterOverrides('ParameterKey=Stage,ParameterValue=prod ParameterKey=Msg,ParameterValue="a b"')).toEqual({
      Stage: 'prod',
      Msg: 'a b',
    });
    expect(parseParameterOverrides('Empty=')).toEqual({ Empty: '' });
  });
});
