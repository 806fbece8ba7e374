"""Where the function's log records go, and the root logger Lambda sets up (awslambdaric's
bootstrap: StandardLogSink, LambdaLoggerHandler, LambdaLoggerFilter, Unbuffered, log_error).

On Lambda each record is one telemetry frame, so a multi-line record (a traceback) stays one log
event. Here records go to stdout, one line each: newlines inside a record become '\\r', as the
RIC's StandardLogSink does for errors. print() output is written as it is."""

import logging
import sys
import time

from .log_format import (
    DATETIME_FORMAT,
    TEXT_DATETIME_FORMAT,
    TEXT_FORMAT,
    JsonFormatter,
    LogFormat,
)
from .marshaller import to_json

ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_IDENT = "\u00a0"  # NO-BREAK SPACE, as the RIC indents traceback lines

_current = {"request_id": None, "tenant_id": None}


def set_current_invocation(request_id, tenant_id=None):
    _current["request_id"] = request_id
    _current["tenant_id"] = tenant_id


def one_record(msg):
    if msg.endswith("\n"):
        msg = msg[:-1]
    return msg.replace("\n", ERROR_LOG_LINE_TERMINATE) + "\n"


class StandardLogSink(object):
    def log(self, msg, frame_type=None):
        sys.stdout.write(one_record(msg))

    def log_error(self, message_lines):
        sys.stdout.write(one_record(ERROR_LOG_LINE_TERMINATE.join(message_lines)))


class Unbuffered(object):
    """stdout/stderr flushed on every write, so print() and log records keep their order."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, exc_tb):
        pass

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        self.stream.write(msg)
        self.stream.flush()

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


class LambdaLoggerHandler(logging.Handler):
    def __init__(self, log_sink):
        logging.Handler.__init__(self)
        self.log_sink = log_sink

    def emit(self, record):
        self.log_sink.log(self.format(record))


class LambdaLoggerFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _current["request_id"] or ""
        record.tenant_id = _current["tenant_id"]
        return True


def setup_logging(log_format, log_level, log_sink):
    logging.Formatter.converter = time.gmtime
    logger = logging.getLogger()
    handler = LambdaLoggerHandler(log_sink)
    if log_format == LogFormat.JSON:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT, TEXT_DATETIME_FORMAT))
    # Unset: the root logger keeps Python's default (WARNING), as on Lambda.
    if log_level in logging._nameToLevel:
        logger.setLevel(log_level)
    handler.addFilter(LambdaLoggerFilter())
    logger.addHandler(handler)


def _replace_line_indentation(line, indent_char, new_indent_char):
    count = len(line) - len(line.lstrip(indent_char))
    return (new_indent_char * count) + line[count:]


def log_error(error_result, log_sink, log_format):
    if log_format == LogFormat.JSON:
        record = {
            "timestamp": time.strftime(DATETIME_FORMAT, time.gmtime(time.time())),
            "log_level": "ERROR",
            **error_result,
        }
        log_sink.log_error([to_json(record)])
        return

    description = "[ERROR]"
    error_type = error_result.get("errorType")
    if error_type:
        description += " " + error_type
    message = error_result.get("errorMessage")
    if message:
        if error_type:
            description += ":"
        description += " " + message

    lines = [description]
    stack_trace = error_result.get("stackTrace")
    if stack_trace is not None:
        lines += ["Traceback (most recent call last):"]
        for element in stack_trace:
            if element == "":
                lines += [""]
            else:
                for trace_line in element.splitlines():
                    lines += [_replace_line_indentation(trace_line, " ", ERROR_LOG_IDENT)]
    log_sink.log_error(lines)
