"""The one place that talks to Kaggle, through the official `kaggle` package (imported only when needed).

Everything the client can raise becomes `KaggleUnavailable` with a message for the user: no credentials, no
network, an HTTP error. Credentials are never part of a message. Tests point the real client at a fake
service on loopback with `KAGGLE_API_ENVIRONMENT=TEST` (http://localhost:7777).
"""
import contextlib
import io
import json
import os
import re
import sys
from pathlib import Path

COMPETITIONS = {1: "the-3rd-mi-ga-ijcai-challenge-track-1", 3: "the-3rd-mi-ga-ijcai-challenge-track-3"}
NO_CREDENTIALS = ("no Kaggle credentials found: put kaggle.json (from kaggle.com → Settings → API → Create New "
                  "Token) in ~/.kaggle/ (or the folder KAGGLE_CONFIG_DIR names), or set KAGGLE_USERNAME and "
                  "KAGGLE_KEY, or KAGGLE_API_TOKEN")


class KaggleUnavailable(Exception):
    """Kaggle could not be reached or refused the request; the message says what to do."""


@contextlib.contextmanager
def _quiet():
    """The client prints help texts and progress bars; our commands say what happened themselves."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def _api():
    """An authenticated KaggleApi whose calls go to the endpoint KAGGLE_API_ENVIRONMENT selects."""
    try:
        with _quiet():
            # `import kaggle` authenticates at import time and prints a long help text without credentials.
            from kaggle.api.kaggle_api_extended import KaggleApi
            from kagglesdk import KaggleClient
            from kagglesdk.kaggle_env import get_env
    except ImportError as error:
        raise KaggleUnavailable(f"the kaggle package is not usable ({error}); pip install kaggle six") from None
    except Exception as error:  # noqa: BLE001 - e.g. an unknown KAGGLE_API_ENVIRONMENT value
        raise KaggleUnavailable(f"the kaggle package failed to load: {_safe(error)}") from None
    api = KaggleApi()
    # The client picks its folder once, when first imported; a process whose environment changed since (tests,
    # notebooks) reads the file the environment names now.
    api.config_dir = str(config_folder())
    api.config = str(Path(api.config_dir) / api.config_file)
    _check_config_file(Path(api.config))

    def build_kaggle_client():
        # kaggle 2.2.x's own build_kaggle_client always picks production unless --staging/--local is on the
        # command line; kagglesdk's get_env() honours KAGGLE_API_ENVIRONMENT as the SDK documents.
        return KaggleClient(env=get_env(), verbose=False,
                            username=api.config_values.get(api.CONFIG_NAME_USER),
                            password=api.config_values.get(api.CONFIG_NAME_KEY),
                            api_token=api.config_values.get(api.CONFIG_NAME_TOKEN),
                            response_processor=api.get_response_processor())

    api.build_kaggle_client = build_kaggle_client
    try:
        with _quiet():
            api.authenticate()
    except SystemExit:
        raise KaggleUnavailable(NO_CREDENTIALS) from None
    except Exception as error:  # noqa: BLE001
        raise KaggleUnavailable(_describe(error, "authenticating", _secrets(api))) from None
    return api


def submit(path, message, competition):
    """Upload `path` to `competition` with `message`; returns Kaggle's answer (a sentence)."""
    api = _api()
    try:
        with _quiet():
            response = api.competition_submit(str(path), message, competition, quiet=True)
    except Exception as error:  # noqa: BLE001 - every client failure is reported, never a traceback
        raise KaggleUnavailable(_describe(error, f"submitting to {competition}", _secrets(api))) from None
    answer = getattr(response, "message", "") or ""
    if answer == api.COMPETITION_SUBMIT_UPLOAD_FAILED_MESSAGE:
        raise KaggleUnavailable(f"the upload of {path} to {competition} failed: {answer}")
    return answer or "submitted"


def list_submissions(competition):
    """Past submissions, newest first, as dicts: date, file, description, status, public/private score."""
    api = _api()
    try:
        with _quiet():
            submissions = api.competition_submissions(competition) or []
    except Exception as error:  # noqa: BLE001
        raise KaggleUnavailable(_describe(error, f"listing submissions of {competition}", _secrets(api))) from None
    return [{"date": str(s.date or ""), "file": s.file_name or "", "description": s.description or "",
             "status": getattr(s.status, "name", str(s.status)), "public_score": s.public_score or "",
             "private_score": s.private_score or "", "error": s.error_description or ""}
            for s in submissions if s is not None]


def _describe(error, doing, secrets=()):
    import requests
    if isinstance(error, requests.exceptions.ConnectionError):
        return f"cannot reach Kaggle while {doing} (no network, or the service is down); try again later"
    if isinstance(error, requests.exceptions.Timeout):
        return f"Kaggle did not answer in time while {doing}; try again later"
    if isinstance(error, requests.exceptions.HTTPError):
        status = getattr(error.response, "status_code", None)
        hint = {401: "the credentials were refused: create a new API token",
                403: "not allowed: accept the competition's rules on kaggle.com first",
                404: "the competition was not found: check --competition",
                429: "too many requests or the daily submission limit is reached"}.get(status, "")
        return f"Kaggle answered HTTP {status} while {doing}: {_safe(error, secrets)}" + (f" ({hint})" if hint else "")
    return f"the Kaggle client failed while {doing}: {type(error).__name__}: {_safe(error, secrets)}"


def config_folder():
    """Where the kaggle client looks for kaggle.json, as it decides: KAGGLE_CONFIG_DIR, else ~/.kaggle, else
    (Linux, without ~/.kaggle) $XDG_CONFIG_HOME/kaggle."""
    if os.environ.get("KAGGLE_CONFIG_DIR"):
        return Path(os.environ["KAGGLE_CONFIG_DIR"])
    home = Path.home() / ".kaggle"
    if sys.platform.startswith("linux") and not home.exists():
        return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "kaggle"
    return home


def _check_config_file(path):
    """KaggleUnavailable naming kaggle.json when it is there but not a JSON object of strings (the client
    would crash on it, or ignore it and report no credentials). Its content is never shown."""
    if not path.is_file():
        return
    problem = None
    try:
        text = path.read_text(encoding="utf-8")
        config = json.loads(text)
    except UnicodeDecodeError:
        problem = "it is not UTF-8 text"
    except OSError as error:
        problem = f"it cannot be read ({error.strerror})"
    except json.JSONDecodeError as error:  # the decoder's message says where, never what
        problem = ("it is empty" if not text.strip() else
                   f"it is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno}; cut short?)")
    else:
        if not isinstance(config, dict):
            problem = f"it holds a JSON {type(config).__name__}, not an object"
        else:
            wrong = sorted(key for key, value in config.items() if not isinstance(value, str))
            missing = [key for key in ("username", "key") if key not in config
                       and not os.environ.get(f"KAGGLE_{key.upper()}")]
            if wrong:
                problem = "the value of " + ", ".join(map(repr, wrong)) + " is not a string"
            elif missing:
                problem = "it lacks " + " and ".join(map(repr, missing))
    if problem:
        raise KaggleUnavailable(f"{path} is malformed: {problem}. A kaggle.json holds "
                                '{"username": "...", "key": "..."}: download a new one from kaggle.com → '
                                "Settings → API → Create New Token, or remove the file and set KAGGLE_USERNAME "
                                "and KAGGLE_KEY")


def _secrets(api):
    secrets = [api.config_values.get(key) for key in (api.CONFIG_NAME_KEY, api.CONFIG_NAME_TOKEN)]
    user = api.config_values.get(api.CONFIG_NAME_USER)
    key = api.config_values.get(api.CONFIG_NAME_KEY)
    if user and key:
        secrets.append(f"{user}:{key}")
    return secrets


# An HTTP Authorization value, whatever its scheme (Basic user:key in base64, Bearer token, ...).
_AUTHORIZATION = re.compile(r"\b(Basic|Bearer)(\s+|%20)[A-Za-z0-9+/=._~%-]{4,}", re.IGNORECASE)


def _encodings(secret):
    """A secret as it may show up in a reply: as is, in base64 (HTTP Basic) and URL-quoted."""
    import base64
    from urllib.parse import quote

    raw = secret.encode()
    return {secret, quote(secret, safe=""), base64.b64encode(raw).decode(), base64.b64encode(raw).decode().rstrip("="),
            base64.urlsafe_b64encode(raw).decode().rstrip("=")}


def _safe(error, secrets=()):
    """The error's text with every credential blanked out: raw, encoded, or as an Authorization value."""
    text = _AUTHORIZATION.sub(lambda match: f"{match.group(1)} ***", str(error))
    env = [os.environ.get(n) for n in ("KAGGLE_KEY", "KAGGLE_API_TOKEN")]
    user, key = os.environ.get("KAGGLE_USERNAME"), os.environ.get("KAGGLE_KEY")
    if user and key:
        env.append(f"{user}:{key}")
    for secret in sorted({s for s in list(secrets) + env if s and len(s) >= 4}, key=len, reverse=True):
        for form in sorted(_encodings(secret), key=len, reverse=True):
            if len(form) >= 4:
                text = text.replace(form, "***")
    return text[:500]
