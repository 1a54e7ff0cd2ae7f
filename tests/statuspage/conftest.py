from tests.operator_api.conftest import api_key, base, operator  # noqa: F401
