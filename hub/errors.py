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
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

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


class InternalAuthError(HubError):
    http_status = 401
    default_message = "Missing or wrong internal CSMS bearer token"


class InternalDisabledError(HubError):
    http_status = 403
    default_message = "The internal CSMS event API is disabled: set OCPI_HUB_INTERNAL_TOKENS to enable it"


class InternalBadRequestError(HubError):
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


def allowed_methods(request: Request) -> str:
    """Every method the routes on this path take: Starlette's 405 names only the first route's, while a
    path here often has one route per method (RFC 9110: Allow lists the resource's methods)."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= route.methods
    return ", ".join(sorted(methods))


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = {404: "Unknown path", 405: "Method not allowed"}.get(exc.status_code, str(exc.detail))
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    return render(
        request,
        http_status=exc.status_code,
        status_code=StatusCode.CLIENT_ERROR,
        message=message,
        headers=headers,
    )


# The two shapes `render` gives an error, as the OpenAPI document shows them.
OCPI_ERROR_SCHEMA = {
    "type": "object",
    "title": "OcpiErrorResponse",
    "description": "The OCPI envelope of an error: no data, an OCPI status code of 2000 or above, the reason.",
    "required": ["status_code", "timestamp"],
    "properties": {
        "status_code": {"type": "integer", "title": "Status Code"},
        "status_message": {"type": "string", "title": "Status Message"},
        "timestamp": {"type": "string", "format": "date-time", "title": "Timestamp"},
    },
}
DETAIL_ERROR_SCHEMA = {
    "type": "object",
    "title": "ErrorDetail",
    "required": ["detail"],
    "properties": {"detail": {"type": "string", "title": "Detail"}},
}
OCPI_CLIENT_ERRORS = (
    "An OCPI error in the envelope (DESIGN decision 1): 400 when the body is not JSON, 401 for a missing or "
    "unknown token, 404 for an unknown object, 405 for credentials calls out of turn, 415 when the "
    "Content-Type is not JSON. Invalid JSON requests are answered with HTTP 200 and status 2001."
)
DETAIL_CLIENT_ERRORS = (
    '{"detail": reason}: 400 for an invalid request, 401 for a missing or wrong token, 404 and more.'
)


def document_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Document the errors `render` gives every operation (the envelope under /ocpi, {"detail": ...}
    elsewhere), in place of FastAPI's 422, which our handlers never send."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["OcpiErrorResponse"] = OCPI_ERROR_SCHEMA
    schemas["ErrorDetail"] = DETAIL_ERROR_SCHEMA
    for path, operations in document.get("paths", {}).items():
        if path.startswith("/ocpi"):
            name, description = "OcpiErrorResponse", OCPI_CLIENT_ERRORS
        else:
            name, description = "ErrorDetail", DETAIL_CLIENT_ERRORS
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "HTTPValidationError" in orjson.dumps(responses.get("422", {})).decode():
                del responses["422"]
            if name == "OcpiErrorResponse" and "200" not in responses:
                # DESIGN decision 1: an invalid request that reaches the OCPI layer is answered with HTTP 200.
                responses["200"] = {
                    "description": "An OCPI error with HTTP 200, e.g. status 2001 for invalid parameters",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/OcpiErrorResponse"}}
                    },
                }
            responses["4XX"] = {
                "description": description,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
            }
    if "HTTPValidationError" not in orjson.dumps(document.get("paths", {})).decode():
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return document


def _document_errors_in_openapi(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    """The handlers that render every error, and the OpenAPI document's account of what they render."""
    app.add_exception_handler(HubError, hub_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    _document_errors_in_openapi(app)
