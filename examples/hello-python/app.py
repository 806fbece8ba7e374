"""Shows execution-context reuse in Python: module state and /tmp survive between invocations."""
import json
import logging
import os

import boto3  # Lambda's Python runtimes ship boto3; so do ours

logger = logging.getLogger()
logger.setLevel(logging.INFO)
invocations = 0  # init code: runs once per context


def handler(event, context):
    global invocations
    invocations += 1
    logger.info("invocation %d of this context", invocations)
    cache = "/tmp/first-seen.txt"
    if not os.path.exists(cache):
        with open(cache, "w") as f:
            f.write(context.aws_request_id)
    with open(cache) as f:
        first = f.read()
    return {
        "message": f"hello {event.get('name', 'world')} from Python",
        "invocations": invocations,
        "firstRequestInThisContext": first,
        "boto3": boto3.__version__,
        "remainingMs": context.get_remaining_time_in_millis(),
    }
