"""Superset's configuration for mediaflow (`SUPERSET_CONFIG_PATH` points here), loaded by
Superset in its own virtual environment: it imports nothing of mediaflow. `SUPERSET_SECRET_KEY`
and `SUPERSET_HOME` (its SQLite metadata, `superset.db`) come from the environment
`mediaflow bi` gives it."""

FEATURE_FLAGS = {"DASHBOARD_RBAC": False, "ALERT_REPORTS": False}
# The dashboards are code: the examples and the welcome's sample data are not wanted.
SUPERSET_LOAD_EXAMPLES = False
# No Redis in a development set-up: results and filters' state are cached in the process.
CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}
DATA_CACHE_CONFIG = CACHE_CONFIG
FILTER_STATE_CACHE_CONFIG = CACHE_CONFIG
EXPLORE_FORM_DATA_CACHE_CONFIG = CACHE_CONFIG
SQLLAB_CTAS_NO_LIMIT = True
