"""The Lambda Runtime API client: one persistent HTTP/1.1 connection, no timeouts.

No timeouts because the container is frozen (docker pause) while GET /invocation/next is
pending, possibly for hours, and carries on after the thaw. The connection is made by an
injectable factory so that tests can hand in a fake."""

import http.client
from urllib.parse import quote

from .marshaller import to_json

ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
_PREFIX = "/2018-06-01/runtime"


class RuntimeApiError(Exception):
    def __init__(self, endpoint, status, body):
        super().__init__(
            f"Request to Lambda Runtime '{endpoint}' endpoint failed. "
            f"Reason: '{status}'. Response body: '{body!r}'"
        )
        self.status = status


class InvocationRequest(object):
    def __init__(self, headers, body):
        self.invoke_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.x_amzn_trace_id = headers.get("Lambda-Runtime-Trace-Id")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.deadline_time_in_ms = _int_or_zero(headers.get("Lambda-Runtime-Deadline-Ms"))
        self.client_context = headers.get("Lambda-Runtime-Client-Context")
        self.cognito_identity = headers.get("Lambda-Runtime-Cognito-Identity")
        self.tenant_id = headers.get("Lambda-Runtime-Aws-Tenant-Id")
        # Lambda always sends application/json; a runtime API that omits it means the same.
        self.content_type = headers.get("Content-Type") or "application/json"
        self.event_body = body


def _header_value(text):
    # Bytes: an exception class may have a non-Latin-1 name, which http.client would refuse.
    return str(text).encode("utf-8")


def _int_or_zero(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def _default_connection_factory(address):
    # timeout=None explicitly: a socket.setdefaulttimeout() in the function must not apply here.
    return lambda: http.client.HTTPConnection(address, timeout=None)


class RuntimeApiClient(object):
    def __init__(self, address, connection_factory=None):
        self._connect = connection_factory or _default_connection_factory(address)
        self._conn = None

    def _request(self, method, endpoint, body=None, headers=None):
        """(status, headers, body); one retry on a fresh connection if a reused one was dropped."""
        for attempt in (0, 1):
            reused = self._conn is not None
            if not reused:
                self._conn = self._connect()
            try:
                self._conn.request(method, _PREFIX + endpoint, body=body, headers=headers or {})
                response = self._conn.getresponse()
                data = response.read()
                if response.will_close:
                    self.close()
                return response.status, response.headers, data
            except (ConnectionError, http.client.BadStatusLine) as e:
                self.close()
                if attempt == 1 or not reused:
                    raise e
        raise AssertionError("unreachable")

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _expect(self, status, endpoint, method, body=None, headers=None):
        got, resp_headers, data = self._request(method, endpoint, body, headers)
        if got != status:
            raise RuntimeApiError(endpoint, got, data)
        return resp_headers, data

    def await_claim(self):
        """A stem context (booted ahead of demand) waits here, frozen, until an invocation claims it."""
        self._expect(200, "/orchestrator/claim", "GET")

    def wait_next_invocation(self):
        headers, body = self._expect(200, "/invocation/next", "GET")
        return InvocationRequest(headers, body)

    def post_invocation_result(self, invoke_id, result_data, content_type="application/json"):
        self._expect(
            202,
            "/invocation/{}/response".format(quote(invoke_id, safe="")),
            "POST",
            result_data,
            {"Content-Type": content_type},
        )

    def post_invocation_error(self, invoke_id, error_result):
        self._expect(
            202,
            "/invocation/{}/error".format(quote(invoke_id, safe="")),
            "POST",
            to_json(error_result).encode("utf-8"),
            {"Content-Type": "application/json", ERROR_TYPE_HEADER: _header_value(error_result["errorType"])},
        )

    def post_init_error(self, error_result):
        self._expect(
            202,
            "/init/error",
            "POST",
            to_json(error_result).encode("utf-8"),
            {"Content-Type": "application/json", ERROR_TYPE_HEADER: _header_value(error_result["errorType"])},
        )
