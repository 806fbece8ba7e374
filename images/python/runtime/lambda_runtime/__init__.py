"""Our Python runtime for Lambda's python3.x runtimes: speaks the Runtime API as AWS's
aws-lambda-python-runtime-interface-client (awslambdaric) does. Standard library only."""
