"""Home Assistant serves each integration's own brand icon (no brands CDN needed)."""

from __future__ import annotations

from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

COMPONENTS = Path(__file__).resolve().parent.parent / "custom_components"


@pytest.mark.parametrize("domain", ["powervault", "v2c_cloud", "enphase_gateway", "tesla_energy"])
async def test_brand_icon_is_served(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, domain: str
) -> None:
    assert await async_setup_component(hass, "brands", {})
    client = await hass_client()
    icon = (COMPONENTS / domain / "brand" / "icon.png").read_bytes()
    for image in ("icon.png", "logo.png", "dark_icon.png"):
        # The logo and the dark variants fall back to the icon.
        response = await client.get(f"/api/brands/integration/{domain}/{image}")
        assert response.status == 200, image
        assert await response.read() == icon
