"""The store setting "Customer: create customer" (SPEC §1): the Magento order belongs to a customer
account of the buyer, found by email in the store's website or created for it. Guest orders when the
setting says guest, and when Amazon withholds the buyer's email (FBA, Pending: no account is made
for a placeholder address). Two orders of one buyer racing to create the account: the loser's
create is refused ("already exists") and it reads the winner's account. The buyer's sealed name and
email are opened here (``services.pii.access.opened``); an erased email makes a guest order."""

from __future__ import annotations

from schemas.types import AmazonOrder, OrderSettings
from services.magento_writer.magento.client import CustomerRef, MagentoClient
from services.magento_writer.magento.errors import BusinessError
from services.magento_writer.payload import split_name
from services.pii.access import opened


def wants_account(order: AmazonOrder, settings: OrderSettings) -> bool:
    return settings.customer == "create" and bool(opened(order).buyer_email)


def customer_for(client: MagentoClient, store_code: str, order: AmazonOrder) -> CustomerRef:
    """The buyer's account in the website of ``store_code``: found, else created."""
    order = opened(order)
    email = str(order.buyer_email)
    website_id = client.website_id(store_code)
    found = client.find_customer(store_code, email, website_id)
    if found is not None:
        return found
    first, last = split_name(order.buyer_name or (order.ship_to.name if order.ship_to else None))
    account: dict[str, object] = {"email": email, "firstname": first, "lastname": last}
    if website_id is not None:
        account["website_id"] = website_id
    try:
        return client.create_customer(store_code, account)
    except BusinessError:
        again = client.find_customer(store_code, email, website_id)
        if again is None:
            raise
        return again
