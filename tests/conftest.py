"""Test configuration: the `slow` marker (examples and tests that take more than about 3 s)."""


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than about 3 s; deselect with -m 'not slow'")
