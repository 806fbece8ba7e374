"""In-process tests of the Runtime API client with a fake transport (run by python-units.test.ts)."""

import email.message
import socket
import unittest

from lambda_runtime.api_client import RuntimeApiClient, RuntimeApiError, _default_connection_factory


class FakeResponse:
    def __init__(self, status, headers=None, body=b""):
        self.status = status
        self.headers = email.message.Message()
        for k, v in (headers or {}).items():
            self.headers[k] = v
        self._body = body
        self.will_close = False

    def read(self):
        return self._body


class FakeConnection:
    def __init__(self, script, log):
        self.script = script  # list of FakeResponse or exceptions, shared between connections
        self.log = log
        self.closed = False

    def request(self, method, url, body=None, headers=None):
        self.log.append((id(self), method, url, body, dict(headers or {})))

    def getresponse(self):
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    def close(self):
        self.closed = True


def client_with(script):
    log, conns = [], []

    def factory():
        conns.append(FakeConnection(script, log))
        return conns[-1]

    return RuntimeApiClient("unused:0", factory), log, conns


class RuntimeApiClientTest(unittest.TestCase):
    def test_next_invocation_headers(self):
        client, log, _ = client_with([
            FakeResponse(200, {
                "Lambda-Runtime-Aws-Request-Id": "id-1",
                "Lambda-Runtime-Deadline-Ms": "1234",
                "Lambda-Runtime-Invoked-Function-Arn": "arn:x",
                "Lambda-Runtime-Trace-Id": "Root=1",
            }, b'{"a": 1}'),
        ])
        req = client.wait_next_invocation()
        self.assertEqual(log[0][1:3], ("GET", "/2018-06-01/runtime/invocation/next"))
        self.assertEqual((req.invoke_id, req.deadline_time_in_ms, req.invoked_function_arn), ("id-1", 1234, "arn:x"))
        self.assertEqual((req.x_amzn_trace_id, req.content_type, req.event_body), ("Root=1", "application/json", b'{"a": 1}'))

    def test_one_connection_for_every_request(self):
        client, log, conns = client_with([FakeResponse(202), FakeResponse(202)])
        client.post_invocation_result("id-1", b"null")
        client.post_invocation_error("id-2", {"errorType": "KeyError", "errorMessage": "x"})
        self.assertEqual(len(conns), 1)
        self.assertEqual(log[1][2], "/2018-06-01/runtime/invocation/id-2/error")
        self.assertEqual(log[1][4]["Lambda-Runtime-Function-Error-Type"], b"KeyError")

    def test_retries_once_when_a_reused_connection_was_dropped(self):
        client, log, conns = client_with([FakeResponse(202), ConnectionResetError(), FakeResponse(202)])
        client.post_invocation_result("id-1", b"1")
        client.post_invocation_result("id-2", b"2")
        self.assertEqual(len(conns), 2)
        self.assertTrue(conns[0].closed)
        self.assertEqual([entry[2] for entry in log][-2:], ["/2018-06-01/runtime/invocation/id-2/response"] * 2)

    def test_a_fresh_connection_failing_is_an_error(self):
        client, _, conns = client_with([ConnectionRefusedError()])
        with self.assertRaises(ConnectionRefusedError):
            client.wait_next_invocation()
        self.assertEqual(len(conns), 1)

    def test_unexpected_status_raises(self):
        client, _, _ = client_with([FakeResponse(413, body=b"too large")])
        with self.assertRaises(RuntimeApiError) as cm:
            client.post_invocation_result("id-1", b"x")
        self.assertEqual(cm.exception.status, 413)

    def test_no_timeout_even_with_a_default_socket_timeout(self):
        socket.setdefaulttimeout(5)
        try:
            self.assertIsNone(_default_connection_factory("127.0.0.1:9")().timeout)
        finally:
            socket.setdefaulttimeout(None)


if __name__ == "__main__":
    unittest.main()
