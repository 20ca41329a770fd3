"""The `newsflow` command's entry point: the allocator first (flows/allocator.py), then the CLI."""

from flows.allocator import ensure_preferred


def main() -> None:
    ensure_preferred()  # may re-execute this process with mimalloc preloaded: before the CLI's imports
    from flows.cli import app

    app()
