"""Object-storage settings for a warehouse whose data path is `s3://bucket/prefix`.

DuckDB's httpfs reads and writes the lake's files with an S3 secret made from these options.
This module is given the environment as a mapping: only flows and the CLI read `os.environ`.
Credentials come from the environment and are never passed as flow parameters, which Prefect
stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlparse

# Environment variables read for an s3:// data path (the AWS CLI's names).
ENV_KEYS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ALLOW_HTTP",
    "AWS_PROFILE",
    "AWS_VIRTUAL_HOSTED_STYLE_REQUEST",
)
SECRET_WORDS = ("secret", "token", "password", "session", "access_key_id")

def is_s3(root: str) -> bool:
    return root.startswith(("s3://", "s3a://"))


def split_s3(root: str) -> tuple[str, str]:
    """`s3://bucket/a/b` -> ("bucket", "a/b")."""
    parsed = urlparse(root)
    return parsed.netloc, parsed.path.strip("/")


def storage_options(root: str, env: Mapping[str, str], overrides: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """Options for a non-local root: AWS_* variables from `env`, then `overrides`.

    Local roots get None. AWS_ENDPOINT_URL_S3 counts as AWS_ENDPOINT_URL.
    """
    if "://" not in root:
        return None
    options: dict[str, str] = {}
    for key in ENV_KEYS:
        if env.get(key):
            options[key] = env[key]
    if env.get("AWS_ENDPOINT_URL_S3"):
        options["AWS_ENDPOINT_URL"] = env["AWS_ENDPOINT_URL_S3"]
    if "AWS_REGION" not in options and "AWS_DEFAULT_REGION" in options:
        options["AWS_REGION"] = options["AWS_DEFAULT_REGION"]
    options.pop("AWS_DEFAULT_REGION", None)
    options.update(overrides or {})
    return options


def parse_storage_options(pairs: list[str]) -> dict[str, str]:
    """`KEY=VALUE` strings (from --storage-option) into a dict; credentials are refused."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"storage option {pair!r} is not KEY=VALUE (e.g. AWS_ENDPOINT_URL=http://127.0.0.1:9000)")
        out[key.strip()] = value.strip()
    refuse_secrets(out, "--storage-option")
    return out


def refuse_secrets(options: Mapping[str, str], where: str) -> None:
    """Credentials must come from the environment: options are flow parameters, which Prefect stores."""
    for key in options:
        if any(word in key.lower() for word in SECRET_WORDS):
            raise ValueError(
                f"{where}: {key!r} looks like a credential. Set it in the environment instead "
                "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) or use an AWS profile/role: "
                "storage options are passed as flow parameters, which Prefect records."
            )


def option(options: Mapping[str, str] | None, *names: str) -> str | None:
    """An option by any of its spellings (AWS_REGION, aws_region and region)."""
    if not options:
        return None
    lowered = {k.lower(): v for k, v in options.items()}
    for name in names:
        for candidate in (name.lower(), f"aws_{name.lower()}"):
            if candidate in lowered:
                return lowered[candidate]
    return None


def create_s3_secret(con, options: Mapping[str, str] | None) -> None:
    """An S3 secret on a DuckDB connection (httpfs loaded) for the endpoint, region and keys given."""
    endpoint = option(options, "endpoint_url", "endpoint")
    settings = {
        "KEY_ID": option(options, "access_key_id"),
        "SECRET": option(options, "secret_access_key"),
        "SESSION_TOKEN": option(options, "session_token", "token"),
        "REGION": option(options, "region") or "us-east-1",
    }
    parts = ["TYPE s3"] + [f"{k} '{v.replace(chr(39), chr(39) * 2)}'" for k, v in settings.items() if v]
    if endpoint:
        parsed = urlparse(endpoint if "://" in endpoint else f"https://{endpoint}")
        parts += [f"ENDPOINT '{parsed.netloc}'", "URL_STYLE 'path'", f"USE_SSL {'true' if parsed.scheme == 'https' else 'false'}"]
    con.execute(f"CREATE OR REPLACE SECRET newsflow_s3 ({', '.join(parts)})")
