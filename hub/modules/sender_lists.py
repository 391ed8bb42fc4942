"""Sender list GETs served from pre-rendered pages (transport_and_format_pagination): the page's `data` and
headers come from the list cache while our data is unchanged, the envelope (its timestamp) is new for every
response."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence

from fastapi import Request, Response

from hub.modules.list_cache import CachedPage, ListCache
from hub.modules.objects import ObjectRepository, Owner, R, parse_page
from hub.ocpi.base import format_datetime, utc_now
from hub.ocpi.pagination import PageRequest, page_headers

ListKey = tuple[str, Hashable, int, int, object, object]
PageQuery = Callable[[], Awaitable[tuple[int, list[str]]]]


def visibility(*owner_sets: Sequence[Owner]) -> tuple[tuple[Owner, ...], ...]:
    """What a caller may see of a list: the owners of the objects (and, for Sessions and CDRs, of the tokens)."""
    return tuple(tuple(owners) for owners in owner_sets)


def list_key(path: str, seen: Hashable, page: PageRequest) -> ListKey:
    return (path, seen, page.offset, page.limit, page.date_from, page.date_to)


def render_page(url: str, page: PageRequest, total: int, bodies: list[str], max_limit: int) -> CachedPage:
    """The page's `data` from stored JSON bodies (joined, never re-validated) and its headers."""
    data = b"[" + b",".join(body.encode() for body in bodies) + b"]"
    headers = page_headers(url=url, page=page, returned=len(bodies), total=total, max_limit=max_limit)
    return CachedPage(
        data=data,
        headers=tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()),
    )


def envelope(data: bytes) -> bytes:
    """The success envelope around `data`, stamped now; the same bytes objects.list_response writes."""
    return (
        b'{"data":'
        + data
        + b',"status_code":1000,"timestamp":"'
        + format_datetime(utc_now()).encode()
        + b'"}'
    )


def page_response(page: CachedPage) -> Response:
    response = Response(envelope(page.data), media_type="application/json")
    # Our headers first, as Response(headers=...) puts them, then its content-length and content-type.
    response.raw_headers = [*page.headers, *response.raw_headers]
    return response


async def cached_list(
    request: Request,
    *,
    seen: Hashable,
    page: PageRequest,
    base_url: str,
    max_limit: int,
    query: PageQuery,
) -> Response:
    """A page of a Sender list: pre-rendered when our data has not changed since, otherwise read by `query`
    (total matching, bodies of the page) and kept. `seen` is what the caller may see (`visibility`)."""
    cache: ListCache | None = getattr(request.app.state, "list_cache", None)
    generation = await cache.generation() if cache is not None else None
    key = list_key(request.url.path, seen, page)
    if cache is not None:
        cached = cache.get(key, generation)
        if cached is not None:
            return page_response(cached)
    # The generation is read before the page (each statement reads the latest commit): a page shows at least
    # what that generation holds, and anything committed since makes the next read differ.
    total, bodies = await query()
    rendered = render_page(f"{base_url}{request.url.path}", page, total, bodies, max_limit)
    if cache is not None:
        cache.put(key, generation, rendered)
    return page_response(rendered)


async def owned_list(
    request: Request, repo: ObjectRepository[R], owners: Sequence[Owner], base_url: str, max_limit: int
) -> Response:
    """A Sender interface's paginated list of our own objects of `owners` (objects.sender_list, cached)."""
    page = parse_page(request, max_limit)
    return await cached_list(
        request,
        seen=visibility(owners),
        page=page,
        base_url=base_url,
        max_limit=max_limit,
        query=lambda: repo.page(owners=owners, page=page),
    )
