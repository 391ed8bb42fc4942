"""ClientInfo objects Hubs push to us (mod_hub_client_info_client_interface), one per Hub, party and role."""

from __future__ import annotations

from sqlalchemy import Integer, UniqueConstraint
from sqlmodel import Column, Field

from hub.tables.objects import OwnedObject


class ClientInfoRecord(OwnedObject, table=True):
    """A ClientInfo as the Hub `partner_id` pushed it. country_code and party_id are the party the ClientInfo
    describes (the URL's, as in ocpi/ocpi#491), not the owner: the owner is always the pushing Hub.
    object_key holds the Role, since one country_code/party_id can be connected in several roles."""

    __tablename__ = "client_info"
    __table_args__ = (UniqueConstraint("partner_id", "country_code", "party_id", "object_key"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
