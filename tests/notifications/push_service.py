"""A local Web Push service for the tests: an ASGI app served by uvicorn on 127.0.0.1 (in its
own thread and event loop) that checks each request as a real push service would (VAPID JWT
signed ES256 by our key, audience, expiry, TTL) and decrypts the aes128gcm message with the
fake subscription's private key."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from dataclasses import dataclass, field

import http_ece
import uvicorn
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class FakeSubscription:
    name: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    responses: list[tuple[int, dict]] = field(default_factory=list)  # served first, in order

    def info(self, base_url: str) -> dict:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{base_url}/push/{self.name}",
            "keys": {"p256dh": b64e(public), "auth": b64e(self.auth)},
        }


@dataclass
class Received:
    subscription: str
    message: dict
    headers: dict[str, str]
    at: float


class PushService:
    def __init__(self, vapid_public_key: str) -> None:
        self.vapid_public_key = vapid_public_key
        self._verify_key = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), b64d(vapid_public_key)
        )
        self.subscriptions: dict[str, FakeSubscription] = {}
        self.received: list[Received] = []
        self.refused: list[tuple[str, int]] = []  # (subscription, status) answered without delivery
        self.errors: list[str] = []  # requests a real push service would have rejected
        self.base_url = ""
        self._count = 0

    def new_subscription(self) -> FakeSubscription:
        self._count += 1
        sub = FakeSubscription(
            name=f"s{self._count}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=bytes(range(16)) if self._count % 2 else b"\x07" * 16,
        )
        self.subscriptions[sub.name] = sub
        return sub

    def messages(self, name: str | None = None) -> list[dict]:
        return [r.message for r in self.received if name is None or r.subscription == name]

    def _check_vapid(self, headers: dict[str, str]) -> str | None:
        auth = headers.get("authorization", "")
        if not auth.startswith("vapid "):
            return "no vapid authorization"
        parts = dict(p.strip().split("=", 1) for p in auth[6:].split(","))
        if parts.get("k") != self.vapid_public_key:
            return "wrong k"
        header_b64, claims_b64, sig_b64 = parts["t"].split(".")
        header = json.loads(b64d(header_b64))
        if header.get("alg") != "ES256":
            return "alg is not ES256"
        sig = b64d(sig_b64)
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        try:
            self._verify_key.verify(
                der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256())
            )
        except InvalidSignature:
            return "bad signature"
        claims = json.loads(b64d(claims_b64))
        if claims.get("aud") != self.base_url:
            return f"aud {claims.get('aud')} is not {self.base_url}"
        if not (time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600):
            return "exp not within 24 hours"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            return "sub missing"
        return None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        name = scope["path"].rsplit("/", 1)[-1]
        status, extra = await self._handle(name, headers, body)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in extra.items()],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    async def _handle(self, name: str, headers: dict[str, str], body: bytes):
        sub = self.subscriptions.get(name)
        if sub is None:
            return 404, {}
        if sub.responses:
            status, extra = sub.responses.pop(0)
            self.refused.append((name, status))
            return status, extra
        problem = self._check_vapid(headers)
        if problem is None and headers.get("content-encoding") != "aes128gcm":
            problem = "not aes128gcm"
        if problem is None and not headers.get("ttl", "").isdigit():
            problem = "no TTL"
        if problem is not None:
            self.errors.append(problem)
            return 400, {}
        plain = http_ece.decrypt(
            body, private_key=sub.private_key, auth_secret=sub.auth, version="aes128gcm"
        )
        self.received.append(Received(name, json.loads(plain), headers, time.time()))
        return 201, {}


class ServedPushService:
    """Runs a PushService with uvicorn on a free loopback port in a background thread."""

    def __init__(self, service: PushService) -> None:
        self.service = service
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        port = self.sock.getsockname()[1]
        service.base_url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            service, lifespan="off", log_level="warning", access_log=False, backlog=2048
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> PushService:
        self.thread.start()
        deadline = time.time() + 10
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("push service did not start")
            time.sleep(0.01)
        return self.service

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


class ControlledPushService(PushService):
    """The same service with a control API, for running it as its own process:
    POST /control/subscriptions?n=N makes N subscriptions; GET /control/stats counts."""

    async def _control(self, path: str, query: str) -> dict | list:
        if path == "/control/subscriptions":
            n = int(query.partition("n=")[2] or 1)
            return [self.new_subscription().info(self.base_url) for _ in range(n)]
        return {"received": len(self.received), "errors": self.errors[:10]}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/control/"):
            result = await self._control(scope["path"], scope["query_string"].decode())
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": json.dumps(result).encode()})
            return
        await super().__call__(scope, receive, send)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--vapid-public-key", required=True)
    args = parser.parse_args()
    service = ControlledPushService(args.vapid_public_key)
    service.base_url = f"http://127.0.0.1:{args.port}"
    uvicorn.run(
        service,
        host="127.0.0.1",
        port=args.port,
        lifespan="off",
        log_level="warning",
        access_log=False,
        backlog=2048,
    )


if __name__ == "__main__":
    main()
