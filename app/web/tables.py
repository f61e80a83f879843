"""Key-value rows: the persistent store behind sessions when Redis is not configured."""

from piccolo.columns import Bytea, Timestamptz, Varchar
from piccolo.table import Table


class KeyValue(Table, tablename="key_value"):
    key = Varchar(length=255, primary_key=True)
    value = Bytea()
    expires_at = Timestamptz(null=True, default=None, index=True)
