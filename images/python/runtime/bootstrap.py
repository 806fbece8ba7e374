"""Entry point of our Python runtime (python3.x images): `/var/lang/bin/python3.x /var/runtime/bootstrap.py`.

Sets up sys.path as Lambda's /var/runtime/bootstrap.py does (LAMBDA_TASK_ROOT first, then the
/opt/python layer paths), then runs the Runtime API loop of lambda_runtime. Reads
AWS_LAMBDA_RUNTIME_API, _HANDLER (or argv[1]), LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR,
AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL."""

import os
import site
import sys


def is_pythonpath_set():
    return "PYTHONPATH" in os.environ


def get_opt_site_packages_directory():
    return "/opt/python/lib/python{}.{}/site-packages".format(sys.version_info.major, sys.version_info.minor)


def get_var_lang_site_package_directory():
    return "/var/lang/lib/python{}.{}/site-packages".format(sys.version_info.major, sys.version_info.minor)


def get_opt_python_directory():
    return "/opt/python"


def set_default_sys_path(task_root):
    # precedence: LAMBDA_TASK_ROOT -> /opt/python/lib/pythonN.N/site-packages -> /opt/python
    if not is_pythonpath_set():
        sys.path.insert(0, get_var_lang_site_package_directory())
        sys.path.insert(0, get_opt_python_directory())
        sys.path.insert(0, get_opt_site_packages_directory())
    sys.path.insert(0, task_root)


def add_default_site_directories(task_root):
    # The function's (and layers') .pth files are honoured.
    site.addsitedir(task_root)
    if not is_pythonpath_set():
        site.addsitedir(get_opt_site_packages_directory())
        site.addsitedir(get_opt_python_directory())


def set_default_pythonpath():
    if not is_pythonpath_set():
        # Child processes see the runtime directory, as Lambda documents.
        os.environ["PYTHONPATH"] = os.environ.get("LAMBDA_RUNTIME_DIR", "/var/runtime")


def main(argv):
    api = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not api:
        sys.stderr.write("bootstrap.py: AWS_LAMBDA_RUNTIME_API is not set\n")
        return 1
    task_root = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
    handler = argv[1] if len(argv) > 1 else os.environ.get("_HANDLER", "")

    # Imported before LAMBDA_TASK_ROOT joins sys.path: a function's own module of the same name
    # must not replace the runtime.
    from lambda_runtime.api_client import RuntimeApiClient
    from lambda_runtime.log_format import LogFormat, log_level_from_env
    from lambda_runtime.runtime_loop import run

    set_default_sys_path(task_root)
    add_default_site_directories(task_root)
    set_default_pythonpath()

    log_format = LogFormat.from_str(os.environ.get("AWS_LAMBDA_LOG_FORMAT"))
    log_level = log_level_from_env(os.environ.get("AWS_LAMBDA_LOG_LEVEL"))
    run(handler, RuntimeApiClient(api), log_format, log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
