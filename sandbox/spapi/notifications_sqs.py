"""An SQS endpoint for tests and the demo: moto's server (``moto[server]``) on a free local port.

Nothing here imitates SQS: boto3 talks to moto's own implementation over HTTP."""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SqsQueue:
    url: str
    arn: str


class MotoSqs:
    """``with MotoSqs() as sqs: q = sqs.create_queue("orders")``."""

    def __init__(self, port: int = 0) -> None:
        self.port = port or _free_port()
        self._server: Any = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoSqs:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request on the console
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> MotoSqs:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self) -> Any:
        import boto3

        return boto3.client("sqs", endpoint_url=self.endpoint_url, region_name=REGION,
                            aws_access_key_id="sandbox", aws_secret_access_key="sandbox")

    def create_queue(self, name: str, visibility_timeout_s: int = 30) -> SqsQueue:
        c = self.client()
        url = c.create_queue(QueueName=name, Attributes={"VisibilityTimeout": str(visibility_timeout_s)})["QueueUrl"]
        arn = c.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return SqsQueue(str(url), str(arn))
