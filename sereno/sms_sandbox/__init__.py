"""A local Twilio-compatible SMS sandbox: Twilio's Messages API, checked against its spec.

The controller sends here when no Twilio credentials are configured (``sereno sms
sandbox``), and the tests send here through the official ``twilio`` client. Every create
request is checked against the CreateMessage schema of Twilio's OpenAPI spec (shipped as
``twilio_messages.json``) and Twilio's real rules; answers carry Twilio's codes; what it got
is kept in memory, optionally appended to a JSON-lines file, and shown by ``sereno sms list``.
See docs/sms.md.
"""

from sereno.sms_sandbox.app import STATE, TwilioErrorResponse, create_app
from sereno.sms_sandbox.errors import SandboxError
from sereno.sms_sandbox.server import RunningSandbox, running_sandbox
from sereno.sms_sandbox.spec import FormSchema, Violation, extract, shipped_extract
from sereno.sms_sandbox.state import Injection, SandboxConfig, SandboxState, read_store

__all__ = [
    "STATE",
    "FormSchema",
    "Injection",
    "RunningSandbox",
    "SandboxConfig",
    "SandboxError",
    "SandboxState",
    "TwilioErrorResponse",
    "Violation",
    "create_app",
    "extract",
    "read_store",
    "running_sandbox",
    "shipped_extract",
]
