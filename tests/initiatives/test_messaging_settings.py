"""`GET|PUT /api/v1/messaging/settings`: the signed-in shop's defaults, a change the recovery
e-mails (and the admin's test copy) then carry, and wrong input refused field by field with
nothing changed."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from app.shops.models import Shop
from tests.initiatives.helpers import Store
from tests.shops.test_access import login

PATH = "/api/v1/messaging/settings"
CHOSEN = {
    "sender_name": "Lena at Alpine",
    "reply_to": "hello@alpine.example",
    "frequency_cap_hours": 12,
    "quiet_hours": True,
    "quiet_start": "22:30",
    "quiet_end": "07:15",
    "owner_alerts": False,
}


async def settings_api(store: Store, method: str, status: int, body: Any = None) -> Any:
    response = await store.connected.client.request(method, PATH, headers=store.auth, json=body)
    assert response.status_code == status, response.text
    return response.json()


async def name_the_shop(store: Store) -> None:
    async with store.runtime.transaction() as session:
        shop = await session.get(Shop, store.shop_id)
        assert shop is not None
        shop.name, shop.email = "Alpine Outfitters", "owner@alpine.example"


async def test_a_shop_without_settings_has_the_defaults(store: Store) -> None:
    await name_the_shop(store)

    assert await settings_api(store, "GET", 200) == {
        "sender_name": "Alpine Outfitters",
        "reply_to": "owner@alpine.example",
        "custom_sender_name": False,
        "custom_reply_to": False,
        "frequency_cap_hours": 24,
        "quiet_hours": True,
        "quiet_start": "21:00",
        "quiet_end": "08:00",
        "owner_alerts": True,
    }


async def test_settings_put_are_read_back_and_carried_by_the_recovery_email(store: Store) -> None:
    await name_the_shop(store)

    saved = await settings_api(store, "PUT", 200, CHOSEN)
    await store.recovery()
    await store.abandon()
    await store.sweep()

    expected = {**CHOSEN, "custom_sender_name": True, "custom_reply_to": True}
    assert saved == expected
    assert await settings_api(store, "GET", 200) == expected
    [message] = store.inbox.messages
    assert parseaddr(str(message["From"]))[0] == "Lena at Alpine"
    assert message["Reply-To"] == "hello@alpine.example"


async def test_a_put_leaving_fields_out_takes_their_defaults(store: Store) -> None:
    await name_the_shop(store)
    await settings_api(store, "PUT", 200, CHOSEN)

    answer = await settings_api(store, "PUT", 200, {"quiet_hours": False})

    assert answer["sender_name"] == "Alpine Outfitters"
    assert not answer["custom_sender_name"]
    assert (answer["frequency_cap_hours"], answer["quiet_hours"]) == (24, False)


async def test_wrong_fields_are_422_one_sentence_each_and_change_nothing(store: Store) -> None:
    await settings_api(store, "PUT", 200, CHOSEN)
    before = await settings_api(store, "GET", 200)

    answer = await settings_api(
        store,
        "PUT",
        422,
        {
            "sender_name": "Alpine\nBcc: everyone@example.com",
            "reply_to": "hello at alpine",
            "frequency_cap_hours": 7,
            "quiet_start": "25:00",
            "quiet_end": "07:15",
        },
    )

    fields = answer["error"]["details"]["fields"]
    assert set(fields) == {"sender_name", "reply_to", "frequency_cap_hours", "quiet_start"}
    assert fields["frequency_cap_hours"] == "Choose a whole number of hours from 8 to 168."
    assert fields["reply_to"].startswith("Enter an e-mail address")
    assert all(sentence.endswith(".") for sentence in fields.values())
    assert await settings_api(store, "GET", 200) == before


async def test_quiet_hours_that_end_when_they_start_are_refused(store: Store) -> None:
    before = await settings_api(store, "GET", 200)

    answer = await settings_api(
        store, "PUT", 422, {"quiet_start": "22:00", "quiet_end": "22:00", "quiet_hours": True}
    )

    assert list(answer["error"]["details"]["fields"]) == ["quiet_end"]
    assert await settings_api(store, "GET", 200) == before


async def test_a_body_of_the_wrong_shape_is_422_and_changes_nothing(store: Store) -> None:
    before = await settings_api(store, "GET", 200)

    for body in (
        {"frequency_cap_hours": "lots"},
        {"frequency_cap_hours": 12.5},
        {"quiet_hours": "sometimes"},
        {"sender_name": "x" * 5000},
        {"unknown": 1},
    ):
        answer = await settings_api(store, "PUT", 422, body)
        assert answer["error"]["code"] == "invalid"
    assert await settings_api(store, "GET", 200) == before


async def test_settings_need_a_signed_in_shop(store: Store) -> None:
    response = await store.connected.client.put(PATH, json=CHOSEN)
    assert response.status_code == 401


async def test_the_admins_test_copy_comes_from_the_settings_sender(store: Store) -> None:
    await name_the_shop(store)
    await settings_api(store, "PUT", 200, CHOSEN)
    made = await store.api("POST", "", 201, type="abandoned_checkout", name="Recover carts")
    csrf = (await login(store.connected, store.shop_id))["X-CSRF-Token"]

    sent = await store.connected.client.post(
        f"/admin/initiatives/{made['id']}/test-send", data={"csrf_token": csrf, "language": "en"}
    )

    assert sent.status_code == 303
    [message] = store.inbox.messages
    assert message["To"] == "owner@alpine.example"
    assert parseaddr(str(message["From"]))[0] == "Lena at Alpine"
    assert message["Reply-To"] == "hello@alpine.example"
