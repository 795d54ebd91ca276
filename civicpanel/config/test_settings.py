"""Settings for the test suite: the real settings with CIVICPANEL_ENV=test."""

import os

os.environ["CIVICPANEL_ENV"] = "test"

from civicpanel.config.settings import *  # noqa: E402,F403
