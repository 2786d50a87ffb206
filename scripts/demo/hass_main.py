"""Start Home Assistant for the demo: ``python -m homeassistant`` plus one compatibility fix.

Home Assistant 2026.10.4's assist_pipeline calls ``MicroVad.Process10ms`` and
``AudioProcessor.Process10ms(...).audio`` (pymicro-vad 1.x, pyspeex-noise 1.x). Those versions
publish no wheels for Python 3.14, so the demo installs the 2.x wheels (``process_10ms``,
which returns the audio bytes) and adds the 1.x names here, before Home Assistant imports them.
"""

from __future__ import annotations

from dataclasses import dataclass
import sys


@dataclass(frozen=True, slots=True)
class _ProcessedAudio:
    audio: bytes


def _voice_compat() -> None:
    try:
        from pymicro_vad import MicroVad
        from pyspeex_noise import AudioProcessor
    except ImportError:
        return
    if not hasattr(MicroVad, "Process10ms"):
        MicroVad.Process10ms = MicroVad.process_10ms  # type: ignore[attr-defined]
    if not hasattr(AudioProcessor, "Process10ms"):

        def process_10ms(self: AudioProcessor, audio: bytes) -> _ProcessedAudio:
            return _ProcessedAudio(self.process_10ms(audio))

        AudioProcessor.Process10ms = process_10ms  # type: ignore[attr-defined]


if __name__ == "__main__":
    # Run from scripts/demo: keep the demo's own modules off Home Assistant's import path.
    if sys.path and sys.path[0].endswith("demo"):
        sys.path.pop(0)
    _voice_compat()
    from homeassistant.__main__ import main

    sys.argv[0] = "hass"
    sys.exit(main())
