"""The runtime's life: init (logging, the handler's module), then one invocation after another."""

import logging
import os
import sys

from .end_marker import write_end_marker
from .errors import error_from_exception
from .handler_loader import load_handler
from .invoke import run_handler, update_xray_env_variable
from .log_sink import (
    StandardLogSink,
    Unbuffered,
    log_error,
    set_current_invocation,
    setup_logging,
)
from .quiet import QuietWindow

UNHANDLED_EXCEPTION_WARNING = (
    "LAMBDA_WARNING: "
    "Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. "
    "If this error correlates with a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)


def init(handler_name, client, log_format, log_level, log_sink):
    """The handler function; on an init error, reports it to the Runtime API and exits 1."""
    error_result = None
    try:
        setup_logging(log_format, log_level, log_sink)
        return load_handler(handler_name)
    except Exception as e:
        error_result = error_from_exception(e)
    logging.warning(UNHANDLED_EXCEPTION_WARNING)
    log_error(error_result, log_sink, log_format)
    client.post_init_error(error_result)
    sys.exit(1)


def serve(request_handler, client, log_format, log_sink, quiet=None, max_invocations=None):
    """Invocations until the process ends (or max_invocations, for tests)."""
    quiet = quiet or QuietWindow()
    served = 0
    quiet.enter()
    while max_invocations is None or served < max_invocations:
        req = client.wait_next_invocation()
        set_current_invocation(req.invoke_id, req.tenant_id)
        update_xray_env_variable(req.x_amzn_trace_id)
        quiet.leave()
        body, content_type, error_result = run_handler(request_handler, req)
        quiet.enter()
        if error_result is not None:
            log_error(error_result, log_sink, log_format)
        write_end_marker(req.invoke_id)
        if error_result is not None:
            client.post_invocation_error(req.invoke_id, error_result)
        else:
            client.post_invocation_result(req.invoke_id, body, content_type)
        served += 1
    quiet.leave()


def run(handler_name, client, log_format, log_level):
    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)
    log_sink = StandardLogSink()
    # A stem context loads nothing of the function before it is claimed: its init starts then.
    if os.environ.pop("_ORCHESTRATOR_STEM", None) == "1":
        client.await_claim()
    request_handler = init(handler_name, client, log_format, log_level, log_sink)
    serve(request_handler, client, log_format, log_sink)
