"""Administrative units with validity dates, so old dossiers keep their old district."""

from enum import StrEnum

from piccolo.columns import Boolean, Date, ForeignKey, Varchar
from piccolo.table import Table


class UnitKind(StrEnum):
    urban_district = "urban_district"  # quận
    rural_district = "rural_district"  # huyện
    town = "town"  # thị xã
    ward = "ward"  # phường
    commune = "commune"  # xã
    township = "township"  # thị trấn


class AdminUnit(Table, tablename="admin_unit"):
    code = Varchar(length=16, unique=True)  # the national code of the unit
    name = Varchar(length=255)
    kind = Varchar(length=16, choices=UnitKind)
    parent = ForeignKey(references="self", null=True)
    is_outer = Boolean(default=False)  # ngoại thành
    valid_from = Date(null=True, default=None)
    valid_to = Date(null=True, default=None)  # last day the unit existed
