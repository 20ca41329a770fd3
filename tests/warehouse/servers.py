"""Servers the warehouse tests start on 127.0.0.1 and stop themselves: PostgreSQL (a throwaway
cluster from initdb) and moto's S3."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

PG_USER = "newsflow"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl (PATH, else Debian's /usr/lib/postgresql/<v>/bin)."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists():
            return folder
    return None


@contextmanager
def postgres_server() -> Iterator[Callable[[str], str]]:
    """A PostgreSQL cluster in a new temp folder, listening on 127.0.0.1 only; yields a function
    that creates an empty database and returns its libpq URL (one lake per database); removes
    the folder afterwards. PostgreSQL refuses to run as root:
    then it runs as the `postgres` user (the folder is made under /tmp, outside pytest's
    root-only temp tree, so that user can reach it)."""
    bin_dir = postgres_binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="newsflow-pg-"))
    data = folder / "pgdata"
    data.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for path in (folder, data):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = free_port()

    def pg(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    pg(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", PG_USER, "--no-sync", "-E", "UTF8")
    pg(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w", "-t", "60", "start",
       "-o", f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='{data}' -c fsync=off")
    def new_database(name: str) -> str:
        pg(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", PG_USER, name)
        return f"postgresql://{PG_USER}@127.0.0.1:{port}/{name}"

    try:
        yield new_database
    finally:
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


# moto's S3 server on a free port of 127.0.0.1; prints the port, stops when stdin closes
_MOTO = (
    "import sys; from moto.server import ThreadedMotoServer; "
    "s = ThreadedMotoServer(ip_address='127.0.0.1', port=0, verbose=False); s.start(); "
    "print(s.get_host_and_port()[1], flush=True); sys.stdin.read(); s.stop()"
)


@contextmanager
def s3_server(bucket: str) -> Iterator[dict[str, str]]:
    """moto's S3 server in its own process, with `bucket` made; yields the AWS_* variables for it."""
    import boto3

    server = subprocess.Popen([sys.executable, "-c", _MOTO], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_REGION": "us-east-1",
               "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        client = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        client.create_bucket(Bucket=bucket)
        env["_client"] = client
        yield env
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
