"""One invocation: the handler called with the event and context, its result or error shaped as
awslambdaric's bootstrap.handle_event_request does."""

import json
import os

from .context import LambdaContext
from .errors import FaultException, error_from_exception
from .marshaller import marshal_response, unmarshal_request


def _parse_json_header(header, name):
    try:
        return json.loads(header)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
            "Unable to parse {} JSON: {}".format(name, str(e)),
        )


def create_lambda_context(req):
    client_context = None
    if req.client_context:
        client_context = _parse_json_header(req.client_context, "Client Context")
    cognito_identity = None
    if req.cognito_identity:
        cognito_identity = _parse_json_header(req.cognito_identity, "Cognito Identity")
    return LambdaContext(
        req.invoke_id,
        client_context,
        cognito_identity,
        req.deadline_time_in_ms,
        req.invoked_function_arn,
        req.tenant_id,
    )


def update_xray_env_variable(xray_trace_id):
    if xray_trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = xray_trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)


def run_handler(request_handler, req):
    """(body, content_type, None) or (None, None, error body).

    Everything of the function's (event, context, result, exception) is released before this
    returns, so no finalizer of theirs runs after the result is posted."""
    try:
        context = create_lambda_context(req)
        event = unmarshal_request(req.event_body, req.content_type)
        response = request_handler(event, context)
        body, content_type = marshal_response(response)
        return body, content_type, None
    except Exception as e:
        return None, None, error_from_exception(e, req.invoke_id)
