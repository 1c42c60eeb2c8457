"""The query layer of the list and get operations: resolve -> filters -> sql -> paging -> envelope."""

from .filters import fts_query
from .paging import BadParameter, decode_cursor, encode_cursor

__all__ = ["BadParameter", "decode_cursor", "encode_cursor", "fts_query"]
