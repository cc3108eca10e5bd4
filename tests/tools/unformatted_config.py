"""A fixture for test modules that run many short trainings in process (import it into the module)."""
import pytest


@pytest.fixture(scope='module', autouse=True)
def unformatted_config_text():
    """The Runner formats its config with yapf for the log, the config dump and every checkpoint's meta (about 1 s
    a call, over half of a short test run); the tests using this never read that text, so it stays unformatted."""
    from mmengine.config import Config

    formatted = Config.pretty_text
    Config.pretty_text = property(lambda self: repr(self._cfg_dict.to_dict()))
    yield
    Config.pretty_text = formatted
