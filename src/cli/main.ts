import { Command } from 'commander';
import { upCommand } from './up';
import { invokeCommand } from './invoke';
import { psCommand } from './ps';
import { psWatchCommand } from './ps-watch';
import { DEFAULT_CONFIG_FILES } from './config-file';
import type { UpOptions } from './up';
import { downCommand } from './down';

const DEFAULT_ENDPOINT = 'http://127.0.0.1:9000';

/** `orchestrator` (docs/cli.md). */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('orchestrator')
    .description('Runs AWS Lambda-style execution contexts as Docker containers')
    .showHelpAfterError();
  program
    .command('up')
    .description('serve the functions of functions.yaml or of an AWS SAM template through the Lambda Invoke API')
    .option(
      '-f, --file <path>',
      `functions.yaml or a SAM/CloudFormation template (default: the first of ${DEFAULT_CONFIG_FILES.join(', ')})`,
    )
    .option('--parameter-overrides <Key=Value...>', "a template's Parameters: Key=Value or ParameterKey=Key,ParameterValue=Value")
    .option('--host <host>', 'Invoke API address', '127.0.0.1')
    .option('--port <port>', 'Invoke API port', '9000')
    .option('--watch', 'replace contexts when the code or the file changes')
    .action((o: UpOptions) => upCommand(o));
  program
    .command('invoke <name>')
    .description('invoke a function through the Invoke API and print its result')
    .option('--payload <json>', 'event as JSON, or @file', '{}')
    .option('--endpoint <url>', 'Invoke API endpoint', DEFAULT_ENDPOINT)
    .option('--log', 'print the invocation log tail')
    .action((name: string, o: { payload: string; endpoint: string; log?: boolean }) => invokeCommand(name, o));
  program
    .command('ps')
    .description('list the live execution contexts of a running `up`')
    .option('--endpoint <url>', 'Invoke API endpoint', DEFAULT_ENDPOINT)
    .option('--watch', 'redraw the table live until Ctrl-C')
    .option('--interval <ms>', 'with --watch: time between redraws', '500')
    .action((o: { endpoint: string; watch?: boolean; interval: string }) => (o.watch ? psWatchCommand(o) : psCommand(o)));
  program
    .command('down')
    .description("remove every container on this Docker host that carries this tool's labels")
    .action(() => downCommand());
  await program.parseAsync(argv);
}
