pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.services",
    "tests.fixtures.stores",
    "tests.fixtures.mail",
]
