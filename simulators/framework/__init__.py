"""The simulator framework: apps with fault injection, a request log and a clock."""

from .app import SimulatorApp, json_response
from .clock import SimClock
from .faults import Fault, FaultInjector, FaultKind
from .log import RequestLog, RequestRecord

__all__ = [
    "Fault",
    "FaultInjector",
    "FaultKind",
    "RequestLog",
    "RequestRecord",
    "SimClock",
    "SimulatorApp",
    "json_response",
]
