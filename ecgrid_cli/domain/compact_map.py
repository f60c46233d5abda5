"""A map from 64-bit keys to row numbers in two flat arrays (12 bytes a slot).

Bulk runs remember, per row, which pair it names, to find rows that repeat one. A
Python dict spends about 100 bytes on each entry, so a million-row file would cost a
hundred megabytes for that alone; this open-addressing table costs at most 24 MB for
the same million, and nothing else grows with the file. Thread-safe.
"""

from __future__ import annotations

import threading
from array import array

_EMPTY = 0
_FIRST_CAPACITY = 1 << 12


class CompactMap:
    def __init__(self) -> None:
        self._keys = array("Q", bytes(8 * _FIRST_CAPACITY))
        self._values = array("I", bytes(4 * _FIRST_CAPACITY))
        self._used = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._used

    def setdefault(self, key: int, value: int) -> int:
        """The value stored for ``key``, storing ``value`` first if there was none."""
        key = (key & 0xFFFFFFFFFFFFFFFF) or 1  # 0 marks an empty slot
        with self._lock:
            slot = self._find(key)
            if self._keys[slot] == key:
                return self._values[slot]
            self._keys[slot] = key
            self._values[slot] = value
            self._used += 1
            if self._used * 2 > len(self._keys):
                self._grow()
            return value

    def _find(self, key: int) -> int:
        keys = self._keys
        mask = len(keys) - 1
        slot = (key ^ (key >> 29)) & mask
        while keys[slot] != _EMPTY and keys[slot] != key:
            slot = (slot + 1) & mask
        return slot

    def _grow(self) -> None:
        old_keys, old_values = self._keys, self._values
        size = len(old_keys) * 2
        self._keys = array("Q", bytes(8 * size))
        self._values = array("I", bytes(4 * size))
        for key, value in zip(old_keys, old_values, strict=True):
            if key != _EMPTY:
                slot = self._find(key)
                self._keys[slot] = key
                self._values[slot] = value
