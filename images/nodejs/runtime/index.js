// @ts-check
/**
 * The Node.js runtime of every nodejsXX.x image (copied to /var/runtime/): an AWS Lambda Runtime
 * API client that behaves like AWS's aws-lambda-nodejs-runtime-interface-client. This is the only
 * module with side effects on load: it patches console, installs the process listeners and the
 * `awslambda` global, loads the handler and starts the invoke loop.
 *
 * Reads: AWS_LAMBDA_RUNTIME_API, _HANDLER, LAMBDA_TASK_ROOT (default: cwd), AWS_EXECUTION_ENV,
 * AWS_LAMBDA_LOG_FORMAT, AWS_LAMBDA_LOG_LEVEL, AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA and the
 * context's AWS_LAMBDA_FUNCTION_* / AWS_LAMBDA_LOG_GROUP_NAME / AWS_LAMBDA_LOG_STREAM_NAME.
 */
'use strict';

const { writeSync, writeEndMarker, trackStdio, whenStdioFlushed, reportRuntimeFailure } = require('./stdout');
const { createLogger, patchConsole, setCurrentRequestId, setCurrentTenantId } = require('./log-patch');
const { installAwsLambdaGlobal } = require('./awslambda-global');
const { createBlockingTransport } = require('./blocking-transport');
const { RapidClient } = require('./rapid-client');
const { UnhandledPromiseRejection } = require('./errors');
const { usesNode24Rules } = require('./node-rules');
const { loadFunction } = require('./init');
const { collectInitGarbage } = require('./init-gc');
const { Runtime } = require('./runtime');

/** @param {number} code */
const exit = (code) => process.exit(code);

function main() {
  const env = process.env;
  const node24 = usesNode24Rules(env, process.version);
  const logger = createLogger({ env, write: (text) => writeSync(text) });
  patchConsole(/** @type {any} */ (console), logger);
  trackStdio();
  installAwsLambdaGlobal(env);

  let client;
  try {
    if (!env.AWS_LAMBDA_RUNTIME_API) throw new Error('AWS_LAMBDA_RUNTIME_API is not set');
    client = new RapidClient(createBlockingTransport(env.AWS_LAMBDA_RUNTIME_API));
  } catch (err) {
    reportRuntimeFailure(err);
    return exit(1);
  }

  /** @type {Runtime | undefined} */
  let runtime;
  const initClient = client;
  /**
   * @param {unknown} error
   * @param {number} code
   */
  const fatal = (error, code) => {
    if (runtime) return runtime.fatal(error, code);
    try {
      initClient.postInitError(error);
    } catch (err) {
      reportRuntimeFailure(err);
    }
    exit(code);
  };
  process.on('uncaughtException', (error) => {
    logger.logError('Uncaught Exception', error);
    fatal(error, 129);
  });
  process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    logger.logError('Unhandled Promise Rejection', error);
    fatal(error, 128);
  });
  process.on('beforeExit', () => runtime && runtime.onBeforeExit());

  // A stem context loads nothing of the function before it is claimed: its init starts then.
  if (env._ORCHESTRATOR_STEM === '1') {
    delete env._ORCHESTRATOR_STEM;
    try {
      initClient.awaitClaim();
    } catch (err) {
      reportRuntimeFailure(err);
      return exit(1);
    }
  }

  loadFunction({ taskRoot: env.LAMBDA_TASK_ROOT || process.cwd(), handlerString: env._HANDLER || '', node24 }).then(
    ({ handler, metadata }) => {
      runtime = new Runtime({
        client: initClient,
        handler,
        metadata,
        node24,
        logger,
        env,
        endMarker: writeEndMarker,
        whenStdioFlushed,
        setRequestContext: (id, tenantId) => {
          setCurrentRequestId(id);
          setCurrentTenantId(tenantId);
        },
        reportFailure: reportRuntimeFailure,
        exit,
      });
      collectInitGarbage(); // still unthrottled: the first GET /next ends the init
      runtime.start();
    },
    (error) => {
      // nodejs24.x's runtime client labels it "Init Error"; the older one's output reads "Uncaught Exception"
      logger.logError(node24 ? 'Init Error' : 'Uncaught Exception', error);
      try {
        initClient.postInitError(error);
      } catch (err) {
        reportRuntimeFailure(err);
      }
      exit(1);
    },
  );
}

main();
