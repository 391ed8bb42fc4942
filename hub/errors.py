"""One error tree (status_codes.asciidoc), rendered by one handler.

HubError                         HTTP errors outside OCPI (admin API)
└── OcpiError                    rendered in the OCPI envelope
    ├── ClientError              2000
    │   ├── InvalidParametersError        2001
    │   ├── NotEnoughInformationError     2002
    │   ├── UnknownLocationError          2003
    │   ├── UnknownTokenError             2004
    │   ├── ObjectNotFoundError           2000, HTTP 404
    │   ├── UnauthorizedError             2000, HTTP 401
    │   ├── MethodNotAllowedError         2000, HTTP 405
    │   ├── InvalidJsonError              2000, HTTP 400
    │   └── UnsupportedMediaTypeError     2000, HTTP 415
    ├── ServerError              3000
    │   ├── UnableToUseClientApiError     3001
    │   ├── UnsupportedVersionError       3002
    │   └── NoMatchingEndpointsError      3003
    └── HubRoutingError          4000
        ├── UnknownReceiverError          4001
        ├── ForwardTimeoutError           4002
        └── ReceiverNotConnectedError     4003
"""

from __future__ import annotations

from typing import Any, ClassVar

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.ocpi import envelope
from hub.ocpi.status import StatusCode


class HubError(Exception):
    """An error with an HTTP status; outside /ocpi it renders as {"detail": message}."""

    http_status: ClassVar[int] = 500
    default_message: ClassVar[str] = "Internal error"

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        self.message = message or self.default_message
        self.headers = headers or {}
        super().__init__(self.message)


class AdminAuthError(HubError):
    http_status = 401
    default_message = "Missing or wrong admin bearer token"


class AdminDisabledError(HubError):
    http_status = 403
    default_message = "The admin API is disabled: set OCPI_HUB_ADMIN_TOKEN to enable it"


class AdminNotFoundError(HubError):
    http_status = 404
    default_message = "Not found"


class AdminBadRequestError(HubError):
    http_status = 400
    default_message = "Bad request"


class OcpiError(HubError):
    """An error rendered in the OCPI envelope; reaching the OCPI layer means HTTP 200 unless a subclass says."""

    status_code: ClassVar[StatusCode] = StatusCode.SERVER_ERROR
    http_status = 200
    default_message = "Generic server error"


class ClientError(OcpiError):
    status_code = StatusCode.CLIENT_ERROR
    default_message = "Generic client error"


class InvalidParametersError(ClientError):
    status_code = StatusCode.INVALID_OR_MISSING_PARAMETERS
    default_message = "Invalid or missing parameters"


class NotEnoughInformationError(ClientError):
    status_code = StatusCode.NOT_ENOUGH_INFORMATION
    default_message = "Not enough information"


class UnknownLocationError(ClientError):
    status_code = StatusCode.UNKNOWN_LOCATION
    default_message = "Unknown location"


class UnknownTokenError(ClientError):
    status_code = StatusCode.UNKNOWN_TOKEN
    default_message = "Unknown token"


class ObjectNotFoundError(ClientError):
    # status_codes.asciidoc: a GET of a non-existing resource SHOULD be answered with HTTP 404
    http_status = 404
    default_message = "Object not found"


class UnauthorizedError(ClientError):
    # transport_and_format_authorization_header: missing or unknown token SHALL be HTTP 401
    http_status = 401
    default_message = "Missing or unknown credentials token"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Token"})


class MethodNotAllowedError(ClientError):
    http_status = 405
    default_message = "Method not allowed"


class InvalidJsonError(ClientError):
    # status_codes.asciidoc: HTTP 400 when the body is not valid JSON
    http_status = 400
    default_message = "Request body is not valid JSON"


class UnsupportedMediaTypeError(ClientError):
    http_status = 415
    default_message = "Content-Type must be application/json"


class ServerError(OcpiError):
    status_code = StatusCode.SERVER_ERROR


class UnableToUseClientApiError(ServerError):
    status_code = StatusCode.UNABLE_TO_USE_CLIENT_API
    default_message = "Unable to use the client's API"


class UnsupportedVersionError(ServerError):
    status_code = StatusCode.UNSUPPORTED_VERSION
    default_message = "Unsupported version"


class NoMatchingEndpointsError(ServerError):
    status_code = StatusCode.NO_MATCHING_ENDPOINTS
    default_message = "No matching endpoints or expected endpoints missing"


class HubRoutingError(OcpiError):
    status_code = StatusCode.HUB_ERROR
    default_message = "Hub error"


class UnknownReceiverError(HubRoutingError):
    status_code = StatusCode.UNKNOWN_RECEIVER
    default_message = "Unknown receiver"


class ForwardTimeoutError(HubRoutingError):
    status_code = StatusCode.FORWARD_TIMEOUT
    default_message = "Timeout on forwarded request"


class ReceiverNotConnectedError(HubRoutingError):
    status_code = StatusCode.CONNECTION_PROBLEM
    default_message = "Receiver not connected"


def is_ocpi_path(request: Request) -> bool:
    return request.url.path.startswith("/ocpi")


def render(
    request: Request,
    *,
    http_status: int,
    status_code: int,
    message: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """The one place errors become responses: the envelope under /ocpi, {"detail": ...} elsewhere."""
    if is_ocpi_path(request):
        body = envelope.render(status_code=status_code, status_message=message)
    else:
        # Outside OCPI there is no envelope to carry the error, so HTTP says it.
        http_status = 400 if http_status == 200 else http_status
        body = orjson.dumps({"detail": message})
    return Response(body, status_code=http_status, media_type="application/json", headers=headers)


def describe_validation_errors(errors: Any) -> str:
    """Name every invalid field, e.g. `roles[0].role: Input should be 'CPO', ...`."""
    parts = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "header")]
        path = ""
        for piece in loc:
            path += f"[{piece}]" if piece.isdigit() else (f".{piece}" if path else piece)
        message = str(error.get("msg", "invalid"))
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        parts.append(f"{path or 'body'}: {message}")
    return "; ".join(parts)


async def hub_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HubError)
    status_code = exc.status_code if isinstance(exc, OcpiError) else StatusCode.CLIENT_ERROR
    return render(
        request,
        http_status=exc.http_status,
        status_code=status_code,
        message=exc.message,
        headers=exc.headers,
    )


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        err = InvalidJsonError()
        return render(request, http_status=err.http_status, status_code=err.status_code, message=err.message)
    return render(
        request,
        http_status=200,
        status_code=StatusCode.INVALID_OR_MISSING_PARAMETERS,
        message=describe_validation_errors(errors),
    )


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = {404: "Unknown path", 405: "Method not allowed"}.get(exc.status_code, str(exc.detail))
    return render(
        request,
        http_status=exc.status_code,
        status_code=StatusCode.CLIENT_ERROR,
        message=message,
        headers=dict(exc.headers or {}),
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HubError, hub_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
