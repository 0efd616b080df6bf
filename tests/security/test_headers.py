"""Security headers (#15, 7): every HTML answer says it may not be sniffed, what referrer it
sends and who may frame it — nobody, except an embedded page's own Shopify admin."""

from __future__ import annotations

import httpx

from tests.admin.test_sharing import share, sign_in, with_okr
from tests.fixtures.platforms import session_token
from tests.fixtures.stores import Connected

SHOP = "headers.myshopify.com"
HOST = "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvaGVhZGVycw"  # base64 of the admin's address
FRAMED_BY_NOBODY = "frame-ancestors 'none'"


def assert_framed_by_nobody(answer: httpx.Response) -> None:
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-security-policy"] == FRAMED_BY_NOBODY
    assert answer.headers["x-frame-options"] == "DENY"


async def test_a_cookie_session_page_may_be_framed_by_nobody(connected: Connected) -> None:
    shop = await with_okr(connected, SHOP)
    await sign_in(connected, shop)

    for path in ("/", "/admin/okrs", "/admin/sharing"):
        page = await connected.client.get(path)

        assert page.status_code == 200, path
        assert_framed_by_nobody(page)
        assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"


async def test_a_share_page_sends_no_referrer_and_may_be_framed_by_nobody(
    connected: Connected,
) -> None:
    shop = await with_okr(connected, SHOP)
    _link, path = await share(connected, shop)

    pages = [
        await connected.client.get(path),
        await connected.client.get(f"{path}?tv=1"),
        await connected.client.get(f"{path}/scorecard"),
        await connected.client.get("/share/1.2.not-a-token"),  # the 404 page
    ]

    assert [page.status_code for page in pages] == [200, 200, 200, 404]
    for page in pages:
        assert_framed_by_nobody(page)
        assert page.headers["referrer-policy"] == "no-referrer"  # the token is in the path


async def test_an_embedded_load_keeps_shopifys_framing_and_is_not_denied(
    connected: Connected,
) -> None:
    await with_okr(connected, SHOP)
    load = {"embedded": "1", "host": HOST, "shop": SHOP, "id_token": session_token(SHOP)}

    page = await connected.client.get("/admin/okrs", params=load)

    assert page.status_code == 200
    policy = f"frame-ancestors https://{SHOP} https://admin.shopify.com;"
    assert page.headers.get_list("content-security-policy") == [policy]
    assert "x-frame-options" not in page.headers  # DENY would blank Shopify's iframe
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"


async def test_a_json_answer_is_not_sniffed_and_its_headers_are_otherwise_its_own(
    connected: Connected,
) -> None:
    shop = await with_okr(connected, SHOP)
    await sign_in(connected, shop)

    answers = [
        await connected.client.get("/api/v1/shop"),
        await connected.client.get("/api/v1/no-such-thing"),
    ]

    assert [answer.status_code for answer in answers] == [200, 404]
    for answer in answers:
        assert answer.headers["content-type"] == "application/json"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" not in answer.headers
