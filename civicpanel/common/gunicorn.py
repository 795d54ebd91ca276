"""gunicorn's access log without the tokens of personal links (`civicpanel serve` sets this
class as gunicorn's logger_class)."""

from __future__ import annotations

from gunicorn.glogging import Logger

from civicpanel.common.tokenurls import redact_tokens


class RedactingGunicornLogger(Logger):
    """Tokens redacted from the request line, path, query and referrer of each access-log line."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if isinstance(value, str) and "/" in value:
                atoms[name] = redact_tokens(value)
        return atoms
