"""Lambda's log formats (AWS_LAMBDA_LOG_FORMAT / AWS_LAMBDA_LOG_LEVEL), as awslambdaric's
lambda_runtime_log_utils writes them."""

import json
import logging
import traceback
from enum import IntEnum

DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
TEXT_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
TEXT_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"

_RESERVED_FIELDS = {
    "name",
    "msg",
    "args",
    "levelname",
    "levelno",
    "pathname",
    "filename",
    "module",
    "exc_info",
    "exc_text",
    "stack_info",
    "lineno",
    "funcName",
    "created",
    "msecs",
    "relativeCreated",
    "thread",
    "threadName",
    "processName",
    "process",
    "aws_request_id",
    "tenant_id",
    "_frame_type",
}


class LogFormat(IntEnum):
    JSON = 0b0
    TEXT = 0b1

    @classmethod
    def from_str(cls, value):
        if value and value.upper() == "JSON":
            return cls.JSON.value
        return cls.TEXT.value


def log_level_from_env(log_level):
    """'' when unset; TRACE maps to DEBUG (Python has no TRACE)."""
    return {None: "", "TRACE": "DEBUG"}.get(log_level, log_level).upper()


def normalized_level(record):
    return min(50, max(0, record.levelno)) // 10 * 10


_encode_json = json.JSONEncoder(ensure_ascii=False).encode


class JsonFormatter(logging.Formatter):
    def __init__(self):
        super().__init__(datefmt=DATETIME_FORMAT)

    @staticmethod
    def _stacktrace(exc_info):
        return traceback.format_tb(exc_info[2]) if exc_info else None

    @staticmethod
    def _exception_name(exc_info):
        return exc_info[0].__name__ if exc_info else None

    @staticmethod
    def _exception(exc_info):
        return str(exc_info[1]) if exc_info else None

    @staticmethod
    def _location(record):
        if not record.exc_info:
            return None
        return f"{record.pathname}:{record.funcName}:{record.lineno}"

    def format(self, record):
        record.levelno = normalized_level(record)
        record.levelname = logging.getLevelName(record.levelno)

        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": self._stacktrace(record.exc_info),
            "errorType": self._exception_name(record.exc_info),
            "errorMessage": self._exception(record.exc_info),
            "requestId": getattr(record, "aws_request_id", None),
            "location": self._location(record),
        }
        if getattr(record, "tenant_id", None) is not None:
            result["tenantId"] = record.tenant_id

        # `extra=` fields of the call become fields of the record, as on Lambda.
        result.update(
            (key, value)
            for key, value in record.__dict__.items()
            if key not in _RESERVED_FIELDS and key not in result
        )
        result = {k: v for k, v in result.items() if v is not None}
        return _encode_json(result) + "\n"
