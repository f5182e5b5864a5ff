"""`python -m mediaflow_dagster.sandbox`: run the sandbox with the MEDIAFLOW_* settings."""

from mediaflow_dagster.sandbox.server import run_sandbox
from mediaflow_dagster.settings import get_settings

run_sandbox(get_settings())
