import { LAUNCHER_PREFIX } from './wire';

/**
 * The context's entrypoint when it has layers: starts each executable in /opt/extensions (as Lambda
 * does, before the runtime), waits until the external extensions have registered, then starts the
 * runtime command given as its arguments as a child (see the script). Only sh builtins and curl: the offline base images have
 * no coreutils. Each extension's exit is reported (`_launcher/exited`), so that one that crashes
 * fails the init or invocation with Extension.Crash; if one exits before registering, the launcher
 * exits 1 without starting the runtime (ExtensionsApi.failure says why).
 */
export function launcherScript(extensionsDir = '/opt/extensions'): string {
  return `api="http://$AWS_LAMBDA_RUNTIME_API${LAUNCHER_PREFIX}"
started=
for ext in ${quote(extensionsDir)}/*; do
  [ -f "$ext" ] && [ -x "$ext" ] || continue
  started=1
  (
    unset ${HIDDEN_FROM_EXTENSIONS.join(' ')}
    name=\${ext##*/}
    # Each line it prints is marked with its name (the orchestrator tells extension lines from the
    # function's by it: Telemetry API records); its exit status goes round the pipe through /tmp.
    { "$ext" 2>&1; printf '%s\n' "$?" > "/tmp/.lambda-extension-$name.status"; } |
      while IFS= read -r line || [ -n "$line" ]; do printf '${EXTENSION_LINE_MARKER_SH}%s\t%s\n' "$name" "$line"; done
    read -r status < "/tmp/.lambda-extension-$name.status" || status=1
    curl -s -o /dev/null -X POST -G --data-urlencode "name=$name" -d "status=$status" "$api/exited"
  ) &
done
if [ -n "$started" ]; then
  curl -s -f -o /dev/null "$api/registered" || exit 1
fi
# The runtime runs as a child, not exec'ed: in the Shutdown phase (SIGTERM, passed on to it) the
# extensions must outlive it until they have handled SHUTDOWN; otherwise its exit is the context's.
"$@" &
rt=$!
trap 'shutting=1; kill -TERM "$rt" 2>/dev/null' TERM
while :; do
  wait "$rt"
  status=$?
  kill -0 "$rt" 2>/dev/null || break
done
[ -n "$shutting" ] && wait
exit "$status"
`;
}

/** Marks a line an extension printed: `\u001eEXT <name>\t<line>` (ContextOutput strips it). */
export const EXTENSION_LINE_MARKER = '\u001eEXT ';
const EXTENSION_LINE_MARKER_SH = '\\036EXT ';

/** Docker's Entrypoint+Cmd for a runtime started through the launcher (no file needed in the image). */
export function launcherCommand(runtime: readonly string[], extensionsDir?: string): string[] {
  return ['/bin/sh', '-c', launcherScript(extensionsDir), 'lambda-launcher', ...runtime];
}

/** The runtime's own variables, which Lambda does not give extensions (Extensions API docs). */
export const HIDDEN_FROM_EXTENSIONS = [
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_XRAY_CONTEXT_MISSING',
  'AWS_XRAY_DAEMON_ADDRESS',
  'LAMBDA_RUNTIME_DIR',
  'LAMBDA_TASK_ROOT',
  '_AWS_XRAY_DAEMON_ADDRESS',
  '_AWS_XRAY_DAEMON_PORT',
  '_HANDLER',
] as const;

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
