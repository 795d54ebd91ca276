"""Settings, all read from the environment (twelve-factor).

CIVICPANEL_ENV        development (default) | production | test
SECRET_KEY            required in production
DATABASE_URL          default: SQLite in CIVICPANEL_DATA_DIR (WAL mode)
EMAIL_URL             smtp://user:pass@host:port (default: the demo catcher on 127.0.0.1:1025)
DEFAULT_FROM_EMAIL    sender of every e-mail
ALLOWED_HOSTS         comma-separated; development adds localhost and *.localhost
CIVICPANEL_DATA_DIR   where SQLite, uploads and the demo's mail live (default ./var)
CIVICPANEL_BASE_SCHEME  http or https, for links in e-mails
CIVICPANEL_DATA_KEYS  keys that encrypt personal data at rest: "<id>:<base64 32 bytes>[,...]", the
                      first encrypts, all decrypt (required in production; docs/operations.md)
CIVICPANEL_INDEX_KEY  base64 of 32 bytes, the HMAC key of the e-mail blind index (required in production)
CIVICPANEL_ERASURE_LEDGER  file of erasures to re-apply after a restore (default DATA_DIR/erasure-ledger.jsonl)
TRUSTED_PROXY_COUNT   reverse proxies in front of the web server that append to X-Forwarded-For
                      (production default 1: the proxy the operations guide prescribes; 0 = none)
CIVICPANEL_API_RATE_LIMIT, CIVICPANEL_API_OPEN_RATE_LIMIT
                      read-API requests per token, open-data downloads per address, per minute (120, 60)
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.utils.csp import CSP

env = environ.Env()

PACKAGE_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENT = env.str("CIVICPANEL_ENV", default="development")
PRODUCTION = ENVIRONMENT == "production"
TESTING = ENVIRONMENT == "test"
DATA_DIR = Path(env.str("CIVICPANEL_DATA_DIR", default=str(Path.cwd() / "var")))

if PRODUCTION:
    # No default: a production install must never run on a known key.
    SECRET_KEY = env.str("SECRET_KEY")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="development-only-not-secret-" + "x" * 40)

# Personal data at rest (common.crypto): the keys live in the environment, never in the database.
# Outside production a development key is derived from SECRET_KEY under the key id "dev".
CIVICPANEL_DATA_KEYS = env.str("CIVICPANEL_DATA_KEYS", default="")
CIVICPANEL_INDEX_KEY = env.str("CIVICPANEL_INDEX_KEY", default="")
if PRODUCTION and not (CIVICPANEL_DATA_KEYS.strip() and CIVICPANEL_INDEX_KEY.strip()):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "CIVICPANEL_DATA_KEYS and CIVICPANEL_INDEX_KEY are required in production (docs/operations.md, "
        "'Keys for personal data'); `civicpanel generate_data_key` prints a new key.")
CIVICPANEL_ERASURE_LEDGER = env.str("CIVICPANEL_ERASURE_LEDGER", default=str(DATA_DIR / "erasure-ledger.jsonl"))

DEBUG = env.bool("DEBUG", default=ENVIRONMENT == "development")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not PRODUCTION:
    ALLOWED_HOSTS += ["localhost", ".localhost", "127.0.0.1", "testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks_db",
    "civicpanel.common",
    "civicpanel.tenancy",
    "civicpanel.accounts",
    "civicpanel.audit",
    "civicpanel.panel",
    "civicpanel.members",
    "civicpanel.outreach",
    "civicpanel.surveys",
    "civicpanel.events",
    "civicpanel.budgeting",
    "civicpanel.analysis",
    "civicpanel.recruitment",
    "civicpanel.newsletters",
    "civicpanel.publishing",
    "civicpanel.api",
    "civicpanel.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "civicpanel.tenancy.middleware.CouncilMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "civicpanel.accounts.middleware.StaffSecondFactorMiddleware",
    "civicpanel.accounts.middleware.StaffSessionTimeoutMiddleware",
]

ROOT_URLCONF = "civicpanel.config.urls"
WSGI_APPLICATION = "civicpanel.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civicpanel.accounts.context_processors.civicpanel",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'civicpanel.sqlite3'}"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the worker and the web process write without blocking readers;
        # IMMEDIATE transactions avoid "database is locked" on upgrade from read to write.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=None)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The database cache (table made by a migration) keeps rate limits shared by every web process;
# CACHE_URL=redis://... is the faster choice where Redis runs.
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://civicpanel_cache")}
# Django's database cache keeps 300 entries and then deletes a third of them at random: rate-limit
# counters (logins, guessed tokens) and cached results would vanish under load. Expired entries
# are still removed; only the cap is raised.
if CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 1_000_000)

# --- Auth, staff and two factors ----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# allauth's backend alone: it finds staff by e-mail (the only login), checks permissions like
# Django's ModelBackend (its base class), and hashes a dummy password for an unknown address, so
# a login costs one Argon2 hash whether the address is known or not. Django's ModelBackend
# beside it would hash a second time on every failed login (twice the work for an attacker to
# make us do, and twice the noise in the known/unknown timing).
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "account_login"
# Argon2id for every new or changed password; PBKDF2 stays so older hashes still verify (and are
# upgraded to Argon2 at the next login).
PASSWORD_HASHERS = env.list("PASSWORD_HASHERS", default=[
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
])
# A staff password-reset link works for 1 hour; an invitation to a new staff account (whose
# password is not set yet) for 72 hours (accounts.tokens).
PASSWORD_RESET_TIMEOUT = 72 * 3600
STAFF_PASSWORD_RESET_SECONDS = 3600
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = "civicpanel.accounts.tokens.StaffPasswordTokenGenerator"  # noqa: S105
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_ADAPTER = "civicpanel.accounts.adapter.StaffAccountAdapter"
# An account is locked for 15 minutes after 5 wrong passwords; one address may try 20 logins a
# minute (then 429). Both answer the same for known and unknown accounts.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/15m/key",
    "reset_password": "5/h/ip,3/h/key",
    "login": "20/m/ip",
}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = "civicpanel"
# RFC 6238's 30 s step, and one step either side for a phone clock that is a little off.
MFA_TOTP_PERIOD = 30
MFA_TOTP_TOLERANCE = 1
# Each TOTP code opens one login only (accounts.second_factor).
MFA_FORMS = {
    "authenticate": "civicpanel.accounts.second_factor.SingleUseAuthenticateForm",
    "reauthenticate": "civicpanel.accounts.second_factor.SingleUseReauthenticateForm",
}
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION

# --- Languages ---------------------------------------------------------------------------
LANGUAGE_CODE = "da"
LANGUAGES = [("da", "Dansk"), ("nb", "Norsk bokmål"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Copenhagen")
USE_TZ = True

# Forms render through the project's components (templates/components/form_field.html).
FORM_RENDERER = "civicpanel.common.forms.FormRenderer"

# --- Static and uploaded files -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Mail and background work ------------------------------------------------------------

def _mailer_from_url(url: str) -> dict:
    """EMAIL_URL (smtp://user:pass@host:port, smtp+tls://..., smtp+ssl://...) as a MAILERS entry."""
    parsed = env.email_url_config(url)
    if parsed["EMAIL_BACKEND"] != "django.core.mail.backends.smtp.EmailBackend":
        return {"BACKEND": parsed["EMAIL_BACKEND"]}
    return {
        "BACKEND": parsed["EMAIL_BACKEND"],
        "OPTIONS": {
            "host": parsed.get("EMAIL_HOST", "localhost"),
            "port": parsed.get("EMAIL_PORT", 25),
            "username": parsed.get("EMAIL_HOST_USER", ""),
            "password": parsed.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": bool(parsed.get("EMAIL_USE_TLS")),
            "use_ssl": bool(parsed.get("EMAIL_USE_SSL")),
            "timeout": 20,
        },
    }


MAILERS = {"default": _mailer_from_url(env.str("EMAIL_URL", default="smtp://127.0.0.1:1025"))}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="civicpanel <panel@civicpanel.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
CIVICPANEL_BASE_SCHEME = env.str("CIVICPANEL_BASE_SCHEME", default="https" if PRODUCTION else "http")
CIVICPANEL_BASE_PORT = env.str("CIVICPANEL_BASE_PORT", default="" if PRODUCTION else "8000")
CIVICPANEL_MAIL_CATCHER_DIR = env.str("CIVICPANEL_MAIL_CATCHER_DIR", default="")
# Where users can get this install's source (AGPL-3.0 section 13); shown in every page's footer.
CIVICPANEL_SOURCE_URL = env.str("CIVICPANEL_SOURCE_URL", default="")
# The read API (docs/api.md): requests per token, and open-data downloads per address, per minute.
CIVICPANEL_API_RATE_LIMIT = env.int("CIVICPANEL_API_RATE_LIMIT", default=120)
CIVICPANEL_API_OPEN_RATE_LIMIT = env.int("CIVICPANEL_API_OPEN_RATE_LIMIT", default=60)
if PRODUCTION and CIVICPANEL_MAIL_CATCHER_DIR:
    # The catcher's pages are public and show every e-mail, login and survey links included.
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("CIVICPANEL_MAIL_CATCHER_DIR is for the demo only; unset it in production.")

# How many send runs one large wave gets at once: each runs in whichever worker is free, and they
# share the wave's e-mails through row claims, so with two workers a wave goes out twice as fast.
CIVICPANEL_MAIL_RUNS_PER_WAVE = env.int("CIVICPANEL_MAIL_RUNS_PER_WAVE", default=2)
# At most this many e-mails a second per council, shared by every worker (outreach/pacing.py);
# 0 switches the pacing off.
CIVICPANEL_MAIL_PER_SECOND = env.float("CIVICPANEL_MAIL_PER_SECOND", default=10)

TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "mail"],
    }
}

# --- Security ----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No session lasts longer than 12 hours; a staff session also ends after 30 minutes without a
# request (accounts.middleware.StaffSessionTimeoutMiddleware).
SESSION_COOKIE_AGE = 12 * 3600
# The survey links opened in this browser (surveys/views_answer.py): signed, as long-lived as a session.
SURVEY_LINKS_COOKIE_NAME = "surveylinks"
STAFF_SESSION_IDLE_SECONDS = 30 * 60
STAFF_SESSION_MAX_SECONDS = 12 * 3600
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response, in development as in production: scripts only from
# our own origin or carrying this response's nonce, no inline styles at all (the charts use SVG
# presentation attributes, the templates classes), no plugins, no framing, forms post only here.
# img-src allows data: for the TOTP QR code and the empty favicon.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
if PRODUCTION:
    # __Host-: the browser accepts the cookie only over HTTPS, for this host alone, for the whole
    # site; no subdomain (another council's) can set or overwrite it.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SURVEY_LINKS_COOKIE_NAME = "__Host-surveylinks"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Behind a reverse proxy every request comes from the proxy's address: per-address rate limits
# (residents' sign-up and login links, staff logins) would then lock out everyone at once.
# common.security.client_ip and allauth read the client's address from X-Forwarded-For instead.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if PRODUCTION else 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# The tokens of personal links never reach a log: Django's request logger ("Not Found: /s/...")
# and the development server's request lines pass through a filter that redacts them (gunicorn's
# access log through common.gunicorn).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "civicpanel.common.tokenurls.RedactTokensFilter"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                          "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                          "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "mail.log": {"level": "WARNING"},
        "django.request": {"filters": ["redact_tokens"]},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False,
                          "filters": ["redact_tokens"]},
    },
}

# --- Tests ------------------------------------------------------------------------------
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    # Waves in tests go out unpaced (the worker tests send thousands); the pacing has its own
    # tests on a simulated clock (tests/outreach/test_pacing.py).
    CIVICPANEL_MAIL_PER_SECOND = 0
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
                         "QUEUES": ["default", "mail"]}}
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
