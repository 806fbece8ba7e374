"""Event and response (de)serialisation, as awslambdaric's lambda_runtime_marshaller.

The RIC uses simplejson; the standard library's json gives the same text for what handlers return,
except that a Decimal is written as an int or float (simplejson writes its digits as they are)."""

import decimal
import json
import math
import os

from .errors import FaultException

# Lambda's 3.12+ runtimes write non-ASCII characters as they are, older ones escape them.
_UNESCAPED_ENVS = {
    "AWS_Lambda_python3.12",
    "AWS_Lambda_python3.13",
    "AWS_Lambda_python3.14",
    "AWS_Lambda_python3.15",
}


class Encoder(json.JSONEncoder):
    def __init__(self):
        ensure_ascii = os.environ.get("AWS_EXECUTION_ENV") not in _UNESCAPED_ENVS
        super().__init__(ensure_ascii=ensure_ascii, allow_nan=True)

    def default(self, obj):
        if isinstance(obj, decimal.Decimal):
            if obj.is_nan():
                return math.nan
            if obj.is_infinite():
                return float(obj)
            return int(obj) if obj == obj.to_integral_value() else float(obj)
        return super().default(obj)


def to_json(obj):
    return Encoder().encode(obj)


def unmarshal_request(request, content_type="application/json"):
    if content_type != "application/json":
        return request
    try:
        return json.loads(request)
    except Exception as e:
        raise FaultException(
            FaultException.UNMARSHAL_ERROR,
            "Unable to unmarshal input: {}".format(str(e)),
        )


def marshal_response(response):
    """(body bytes, content type) of what the handler returned."""
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(
            FaultException.MARSHAL_ERROR,
            "Unable to marshal response: {}".format(str(e)),
        )
