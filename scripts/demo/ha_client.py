"""A small client of Home Assistant's REST and websocket APIs, for the demo and its tests.

Only what a person does in the UI, through the same public APIs the frontend uses:
onboarding, logging in, config flows, the registries, energy preferences and dashboards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
import itertools
import time
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import aiohttp

DEMO_NAME = "Demo User"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-energy"  # noqa: S105 - the documented password of a local demo
DEMO_LANGUAGE = "en"


class HomeAssistantError(RuntimeError):
    """Home Assistant answered something the demo did not expect."""


async def wait_for(
    check: Callable[[], Awaitable[Any]],
    *,
    timeout: float,
    interval: float = 0.5,
    what: str,
) -> Any:
    """Call ``check`` until it returns something truthy; raise after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            if result := await check():
                return result
        except (aiohttp.ClientError, OSError, HomeAssistantError) as err:
            last_error = err
        if time.monotonic() > deadline:
            raise HomeAssistantError(f"timed out waiting for {what} (last error: {last_error})")
        await asyncio.sleep(interval)


class HomeAssistantClient:
    """REST + websocket client logged in as the demo user."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = f"{self.base_url}/"
        # A flow step that creates an entry answers once the entry is set up: give it time.
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300))
        self._token: str | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the websocket and the HTTP session."""
        if self._ws is not None:
            await self._ws.close()
        await self._session.close()

    # -- plain HTTP -------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        headers = {"HA-Frontend-Base": self.base_url}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> Any:
        """Send a request to Home Assistant; return the decoded JSON body."""
        async with self._session.request(
            method, f"{self.base_url}{path}", json=json, data=data, headers=self._headers()
        ) as resp:
            body = await resp.text()
            if resp.status not in expect:
                raise HomeAssistantError(f"{method} {path}: HTTP {resp.status}: {body[:500]}")
            if resp.content_type == "application/json" and body:
                return await resp.json()
            return body

    async def is_up(self) -> bool:
        """Return whether the HTTP server answers (any status)."""
        try:
            async with self._session.get(
                f"{self.base_url}/manifest.json", timeout=aiohttp.ClientTimeout(total=5)
            ) as resp:
                return resp.status < 500
        except aiohttp.ClientError, OSError, TimeoutError:
            return False

    # -- onboarding and login -----------------------------------------------------------
    async def onboarding_steps(self) -> dict[str, bool] | None:
        """Return onboarding step -> done, or None once onboarding is over."""
        async with self._session.get(f"{self.base_url}/api/onboarding") as resp:
            if resp.status == 404:
                return None
            if resp.status != 200:
                raise HomeAssistantError(f"GET /api/onboarding: HTTP {resp.status}")
            return {step["step"]: step["done"] for step in await resp.json()}

    async def _token_from_code(self, code: str) -> None:
        tokens = await self.request(
            "POST",
            "/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
        )
        self._token = tokens["access_token"]

    async def onboard_or_login(self) -> bool:
        """Finish onboarding with the demo user (or log in); return True if it onboarded."""
        steps = await self.onboarding_steps()
        if steps is not None and not steps.get("user", True):
            result = await self.request(
                "POST",
                "/api/onboarding/users",
                json={
                    "client_id": self.client_id,
                    "name": DEMO_NAME,
                    "username": DEMO_USERNAME,
                    "password": DEMO_PASSWORD,
                    "language": DEMO_LANGUAGE,
                },
            )
            await self._token_from_code(result["auth_code"])
        else:
            await self.login()
        onboarded = False
        if steps is not None:
            # The remaining steps, in the order the frontend does them.
            if not steps.get("core_config", True):
                await self.request("POST", "/api/onboarding/core_config", json={})
            if not steps.get("analytics", True):
                await self.request("POST", "/api/onboarding/analytics", json={})
            if not steps.get("integration", True):
                await self.request(
                    "POST",
                    "/api/onboarding/integration",
                    json={
                        "client_id": self.client_id,
                        "redirect_uri": f"{self.base_url}/?auth_callback=1",
                    },
                )
            onboarded = True
        return onboarded

    async def login(self) -> None:
        """Log in as the demo user through the login flow, as the login page does."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            json={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{self.base_url}/?auth_callback=1",
            },
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            json={
                "client_id": self.client_id,
                "username": DEMO_USERNAME,
                "password": DEMO_PASSWORD,
            },
        )
        if result.get("type") != "create_entry":
            raise HomeAssistantError(f"login failed: {result}")
        await self._token_from_code(result["result"])

    # -- websocket ------------------------------------------------------------------------
    async def ws(self, command: str, **fields: Any) -> Any:
        """Send a websocket command and return its result."""
        if self._ws is None:
            ws = await self._session.ws_connect(f"{self.base_url}/api/websocket")
            if (await ws.receive_json())["type"] != "auth_required":
                raise HomeAssistantError("unexpected websocket greeting")
            await ws.send_json({"type": "auth", "access_token": self._token})
            if (reply := await ws.receive_json())["type"] != "auth_ok":
                raise HomeAssistantError(f"websocket auth failed: {reply}")
            self._ws = ws
        msg_id = next(self._ids)
        await self._ws.send_json({"id": msg_id, "type": command, **fields})
        while True:
            reply = await self._ws.receive_json()
            if reply.get("id") == msg_id and reply.get("type") == "result":
                break
        if not reply["success"]:
            raise HomeAssistantError(f"{command}: {reply['error']}")
        return reply["result"]

    # -- what the demo reads and changes --------------------------------------------------
    async def core_state(self) -> str:
        """Return Home Assistant's core state (RUNNING once started)."""
        return str((await self.request("GET", "/api/config"))["state"])

    async def entries(self, domain: str | None = None) -> list[dict[str, Any]]:
        """Return the config entries (of a domain)."""
        path = "/api/config/config_entries/entry"
        if domain:
            path += f"?domain={domain}"
        result: list[dict[str, Any]] = await self.request("GET", path)
        return result

    async def states(self) -> dict[str, dict[str, Any]]:
        """Return entity_id -> state object."""
        return {state["entity_id"]: state for state in await self.request("GET", "/api/states")}

    async def start_flow(self, domain: str) -> dict[str, Any]:
        """Start a config flow as the 'Add integration' dialog does."""
        result: dict[str, Any] = await self.request(
            "POST",
            "/api/config/config_entries/flow",
            json={"handler": domain, "show_advanced_options": False},
        )
        return result

    async def flow_step(self, flow_id: str, user_input: Mapping[str, Any]) -> dict[str, Any]:
        """Answer a config flow step."""
        result: dict[str, Any] = await self.request(
            "POST", f"/api/config/config_entries/flow/{flow_id}", json=dict(user_input)
        )
        return result

    async def oauth_callback(self, location: str) -> None:
        """Deliver an OAuth redirect (code + state) to this instance's callback."""
        query = parse_qs(urlsplit(location).query)
        params = {key: values[0] for key, values in query.items()}
        async with self._session.get(
            f"{self.base_url}/auth/external/callback", params=params
        ) as resp:
            if resp.status != 200:
                raise HomeAssistantError(f"OAuth callback: HTTP {resp.status}")

    async def get_redirect(self, url: str) -> str:
        """GET a URL without following its redirect; return the Location."""
        async with self._session.get(url, allow_redirects=False) as resp:
            if resp.status not in (301, 302, 303, 307, 308):
                raise HomeAssistantError(f"{url}: expected a redirect, got HTTP {resp.status}")
            return resp.headers["Location"]

    async def remove_entry(self, entry_id: str) -> None:
        """Delete a config entry."""
        await self.request("DELETE", f"/api/config/config_entries/entry/{entry_id}")
