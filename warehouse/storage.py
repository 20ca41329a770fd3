"""Object-storage settings for a warehouse root such as `s3://bucket/prefix`.

delta-rs (writes, file lists, Arrow datasets for DuckDB) and the writer lease (boto3) read the
same options. This module is given the environment as a mapping: only flows and the CLI read
`os.environ`. Credentials come from the environment (or the machine's role) and are never
passed as flow parameters, which Prefect stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlparse

# Environment variables handed to delta-rs (object_store reads the same names).
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

# Commits to _delta_log use PUT If-None-Match: a concurrent commit of the same version fails
# and delta-rs retries it, instead of overwriting it. delta-rs sets this by default for S3 today;
# set explicitly so a change of default cannot silently make concurrent writers unsafe.
S3_DEFAULTS = {"conditional_put": "etag"}


def is_s3(root: str) -> bool:
    return root.startswith(("s3://", "s3a://"))


def split_s3(root: str) -> tuple[str, str]:
    """`s3://bucket/a/b` -> ("bucket", "a/b")."""
    parsed = urlparse(root)
    return parsed.netloc, parsed.path.strip("/")


def storage_options(root: str, env: Mapping[str, str], overrides: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """Options for a non-local root: S3 defaults, then AWS_* variables from `env`, then `overrides`.

    Local roots get None (delta-rs needs nothing). AWS_ENDPOINT_URL_S3 counts as AWS_ENDPOINT_URL.
    """
    if "://" not in root:
        return None
    options: dict[str, str] = dict(S3_DEFAULTS) if is_s3(root) else {}
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
    """An option by any of its spellings (delta-rs accepts AWS_REGION, aws_region and region)."""
    if not options:
        return None
    lowered = {k.lower(): v for k, v in options.items()}
    for name in names:
        for candidate in (name.lower(), f"aws_{name.lower()}"):
            if candidate in lowered:
                return lowered[candidate]
    return None


def s3_client(options: Mapping[str, str] | None):
    """A boto3 S3 client for the same endpoint, region and credentials delta-rs uses."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:  # pragma: no cover - boto3 ships with newsflow's environment
        raise RuntimeError("writing to an s3:// warehouse needs boto3 for its writer lock: pip install boto3") from exc
    profile = option(options, "profile")
    session = boto3.session.Session(profile_name=profile) if profile else boto3.session.Session()
    return session.client(
        "s3",
        endpoint_url=option(options, "endpoint_url", "endpoint"),
        region_name=option(options, "region") or "us-east-1",
        aws_access_key_id=option(options, "access_key_id"),
        aws_secret_access_key=option(options, "secret_access_key"),
        aws_session_token=option(options, "session_token", "token"),
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=10, read_timeout=30),
    )
