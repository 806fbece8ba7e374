"""In-process tests of the response marshalling (run by python-units.test.ts)."""

import decimal
import os
import unittest

from lambda_runtime.marshaller import marshal_response, unmarshal_request
from lambda_runtime.errors import FaultException


class MarshallerTest(unittest.TestCase):
    def test_decimals_as_numbers(self):
        body, ctype = marshal_response({"a": decimal.Decimal("2"), "b": decimal.Decimal("0.5")})
        self.assertEqual((body, ctype), (b'{"a": 2, "b": 0.5}', "application/json"))

    def test_non_ascii_escaped_before_3_12_and_kept_from_3_12(self):
        os.environ["AWS_EXECUTION_ENV"] = "AWS_Lambda_python3.11"
        self.assertEqual(marshal_response("é")[0], b'"\\u00e9"')
        os.environ["AWS_EXECUTION_ENV"] = "AWS_Lambda_python3.12"
        self.assertEqual(marshal_response("é")[0], '"é"'.encode("utf-8"))

    def test_bad_event_is_an_unmarshal_error(self):
        with self.assertRaises(FaultException) as cm:
            unmarshal_request(b"{nope")
        self.assertEqual(cm.exception.exception_type, "Runtime.UnmarshalError")
        self.assertTrue(cm.exception.msg.startswith("Unable to unmarshal input: Expecting property name"))


if __name__ == "__main__":
    unittest.main()
