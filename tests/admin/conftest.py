pytest_plugins = ["tests.admin.browser"]
