# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit conversions shared by koor.ceph modules and filters.

Pure, standard-library-only helpers that turn the ways people and tools write sizes,
durations, booleans and ratios into one canonical Python value, so that a module can
compare what the user asked for with what Ceph or Kubernetes reports.

Sizes (``to_bytes``)
    ``<number>[ ]<prefix>[i][B]`` where the number is a non-negative decimal
    (``10``, ``1.5``, ``.5``, ``1e3``) and the optional unit is built from:

    * a prefix letter: ``k``/``K`` (kilo), ``M``, ``G``, ``T``, ``P``, ``E``;
    * an optional ``i`` marking the IEC binary prefix (``Ki`` = 2**10, ``Gi`` = 2**30);
    * an optional trailing ``B`` (byte), which changes nothing (``10GiB`` == ``10Gi``).
      A bare ``B`` means bytes.

    Letters are case sensitive (apart from k/K): ``m`` is Kubernetes' milli and
    ``b`` means bits, neither of which is a byte count, so both are refused with a
    message that says so.

    What a plain SI letter (``G``, ``GB``) means depends on who wrote it:

    * ``binary_si=False`` (default, Kubernetes resource.Quantity rules and the IEC
      standard): ``G`` = 10**9, ``Gi`` = 2**30.
    * ``binary_si=True`` (Ceph rules: ``ceph config set ... 10G`` and Ceph's
      strict_iecstrtoll): ``G`` = ``Gi`` = 2**30.

    Binary ``i`` prefixes are always powers of 1024. A fractional number is allowed
    only when the result is a whole number of bytes (``1.5Gi`` is fine, ``1.1Ki``
    and ``0.5`` are not). Negative values are refused.

Durations (``to_seconds``)
    Numbers are seconds. Strings are one or more ``<number>[ ]<unit>`` terms,
    optionally separated by spaces, as Ceph's ``parse_timespan`` and Go/Kubernetes
    durations write them: ``30``, ``30s``, ``500ms``, ``5m``, ``2h``, ``1d``,
    ``1h30m``, ``1h 30m``, ``2 hours``, ``1w``, ``1mo`` (30 days), ``1y`` (365 days).
    ``m`` is minutes, ``ms`` milliseconds, ``mo`` months.

Booleans (``to_bool``)
    ``true/false``, ``yes/no``, ``on/off``, ``1/0`` in any case, and real booleans.

Ratios (``to_ratio``)
    ``0.8``, ``'0.8'`` or ``'80%'``; the result must lie in 0..1.

Every conversion error raises ``UnitError`` (a ``ValueError``) whose message names
the offending value.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math
import re
from fractions import Fraction


class UnitError(ValueError):
    """A value could not be converted; the message names the value and the reason."""


_NUMBER = r'(?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)'

_SIZE_RE = re.compile(r'^' + _NUMBER + r'\s*(?P<unit>[A-Za-z]*)$')

_PREFIX_EXPONENT = {'k': 1, 'K': 1, 'M': 2, 'G': 3, 'T': 4, 'P': 5, 'E': 6}

_SIZE_UNIT_RE = re.compile(r'^(?P<prefix>[kKMGTPE])?(?P<iec>i)?(?P<byte>B)?$')

_DURATION_TERM_RE = re.compile(
    r'\s*(?P<num>(?:\d+(?:\.\d*)?|\.\d+))\s*(?P<unit>[A-Za-z\u00b5]*)\s*'
)

_SECOND = Fraction(1)
_MINUTE = 60 * _SECOND
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_WEEK = 7 * _DAY

_DURATION_UNITS = {
    'ns': Fraction(1, 10 ** 9), 'nsec': Fraction(1, 10 ** 9),
    'us': Fraction(1, 10 ** 6), '\u00b5s': Fraction(1, 10 ** 6), 'usec': Fraction(1, 10 ** 6),
    'ms': Fraction(1, 1000), 'msec': Fraction(1, 1000),
    'millisecond': Fraction(1, 1000), 'milliseconds': Fraction(1, 1000),
    '': _SECOND, 's': _SECOND, 'sec': _SECOND, 'secs': _SECOND,
    'second': _SECOND, 'seconds': _SECOND,
    'm': _MINUTE, 'min': _MINUTE, 'mins': _MINUTE, 'minute': _MINUTE, 'minutes': _MINUTE,
    'h': _HOUR, 'hr': _HOUR, 'hrs': _HOUR, 'hour': _HOUR, 'hours': _HOUR,
    'd': _DAY, 'day': _DAY, 'days': _DAY,
    'w': _WEEK, 'wk': _WEEK, 'week': _WEEK, 'weeks': _WEEK,
    'mo': 30 * _DAY, 'month': 30 * _DAY, 'months': 30 * _DAY,
    'y': 365 * _DAY, 'yr': 365 * _DAY, 'year': 365 * _DAY, 'years': 365 * _DAY,
}

_TRUE = frozenset(('true', 'yes', 'on', '1'))
_FALSE = frozenset(('false', 'no', 'off', '0'))

_BINARY_UNITS = ('B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB')
_DECIMAL_UNITS = ('B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB')


def _is_bool(value):
    return isinstance(value, bool)


def _finite_number(value, what):
    """Return ``value`` (an int or float) as an exact Fraction, refusing NaN/inf/bool."""
    if _is_bool(value):
        raise UnitError('%r is a boolean, not a %s' % (value, what))
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise UnitError('%r is not a finite %s' % (value, what))
    return Fraction(value)


def _size_multiplier(unit, value, binary_si):
    match = _SIZE_UNIT_RE.match(unit)
    if not match:
        if unit[:1] == 'm':
            raise UnitError("%r: 'm' is milli (10**-3), not a byte unit; use 'M' or 'Mi' for mega" % (value,))
        if unit[-1:] == 'b':
            raise UnitError("%r: 'b' means bits; byte sizes take 'B' or no suffix" % (value,))
        raise UnitError(
            '%r: unknown size unit %r (expected B, k, K, M, G, T, P or E, optionally followed by i and/or B)' % (value, unit)
        )
    prefix = match.group('prefix')
    if prefix is None:
        if match.group('iec'):
            raise UnitError('%r: unknown size unit %r' % (value, unit))
        return 1
    exponent = _PREFIX_EXPONENT[prefix]
    if match.group('iec') or binary_si:
        return 1024 ** exponent
    return 1000 ** exponent


def to_bytes(value, binary_si=False):
    """Return ``value`` as a non-negative int number of bytes.

    ``value`` is an int, a float holding a whole number, or a string such as
    ``'4096'``, ``'10Gi'``, ``'10GiB'``, ``'1.5T'``, ``'512M'``, ``'100k'`` or ``'10 GB'``.

    With ``binary_si=False`` (the default, Kubernetes quantity rules) plain SI letters
    are powers of 1000 (``'10G'`` == 10 * 10**9); with ``binary_si=True`` (Ceph rules)
    they are powers of 1024 (``'10G'`` == 10 * 2**30). ``i`` prefixes (``Gi``) are always
    powers of 1024.

    Raises UnitError for negative, fractional, non-numeric or unknown-unit values.
    """
    if isinstance(value, int) and not _is_bool(value):
        if value < 0:
            raise UnitError('%r is negative; a size must be 0 or more bytes' % (value,))
        return value
    if isinstance(value, float) or _is_bool(value):
        amount = _finite_number(value, 'size')
        unit = ''
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith('-'):
            raise UnitError('%r is negative; a size must be 0 or more bytes' % (value,))
        match = _SIZE_RE.match(text)
        if not match:
            raise UnitError('%r is not a size (expected a number with an optional unit such as 10Gi, 512M or 4096)' % (value,))
        amount = Fraction(match.group('num'))
        unit = match.group('unit')
    else:
        raise UnitError('%r (%s) is not a size' % (value, type(value).__name__))

    if amount < 0:
        raise UnitError('%r is negative; a size must be 0 or more bytes' % (value,))
    result = amount * _size_multiplier(unit, value, binary_si)
    if result.denominator != 1:
        raise UnitError('%r is not a whole number of bytes (%s bytes)' % (value, float(result)))
    return int(result)


def human_bytes(n, binary=True):
    """Format a byte count for people: ``10737418240`` -> ``'10 GiB'``.

    ``binary=True`` uses powers of 1024 and IEC units (KiB, MiB, GiB, ...);
    ``binary=False`` uses powers of 1000 and SI units (kB, MB, GB, ...).
    The largest unit that keeps the number at 1 or more is chosen; the number
    has at most two decimals, and trailing zeros are dropped (``'1.5 GiB'``).
    ``n`` may be anything ``to_bytes`` accepts (with its default rules).
    """
    count = to_bytes(n)
    base = 1024 if binary else 1000
    units = _BINARY_UNITS if binary else _DECIMAL_UNITS
    index = 0
    while index < len(units) - 1 and count >= base ** (index + 1):
        index += 1
    amount = round(Fraction(count, base ** index), 2)
    if amount >= base and index < len(units) - 1:
        # 1048575 bytes rounds to 1024 KiB: say 1 MiB instead.
        index += 1
        amount = round(Fraction(count, base ** index), 2)
    text = '%.2f' % amount
    text = text.rstrip('0').rstrip('.')
    return '%s %s' % (text, units[index])


def _whole_or_float(amount):
    if amount.denominator == 1:
        return int(amount)
    return float(amount)


def to_seconds(value):
    """Return a duration in seconds: an int when whole, else a float.

    Numbers (int, float, numeric strings) are seconds. Strings may combine terms:
    ``'30s'``, ``'500ms'``, ``'5m'``, ``'2h'``, ``'1d'``, ``'1h30m'``, ``'1h 30m'``,
    ``'2 hours'``, ``'1w'``, ``'1mo'``, ``'1y'``. Raises UnitError for negative values,
    unknown units and anything that is not a duration.
    """
    if isinstance(value, (int, float)) and not _is_bool(value):
        amount = _finite_number(value, 'duration')
        if amount < 0:
            raise UnitError('%r is negative; a duration must be 0 or more seconds' % (value,))
        return value
    if not isinstance(value, str):
        raise UnitError('%r (%s) is not a duration' % (value, type(value).__name__))
    text = value.strip()
    if text.startswith('-'):
        raise UnitError('%r is negative; a duration must be 0 or more seconds' % (value,))
    if not text:
        raise UnitError('%r is not a duration (empty)' % (value,))
    total = Fraction(0)
    position = 0
    terms = 0
    while position < len(text):
        match = _DURATION_TERM_RE.match(text, position)
        if not match or match.end() == position:
            raise UnitError('%r is not a duration (expected terms like 30s, 500ms, 5m, 2h, 1d or 1h30m)' % (value,))
        unit = match.group('unit')
        if unit not in _DURATION_UNITS:
            raise UnitError(
                '%r: unknown duration unit %r (known: ms, s, m, h, d, w, mo, y and their long forms)' % (value, unit)
            )
        if unit == '' and terms == 0 and match.end() < len(text):
            # '1 30m': a bare number must be the only term.
            raise UnitError('%r is not a duration (a number without a unit must stand alone)' % (value,))
        if unit == '' and terms > 0:
            raise UnitError('%r is not a duration (a number without a unit must stand alone)' % (value,))
        total += Fraction(match.group('num')) * _DURATION_UNITS[unit]
        position = match.end()
        terms += 1
    return _whole_or_float(total)


def to_bool(value):
    """Return a bool from true/false, yes/no, on/off, 1/0 (any case) or a bool.

    Raises UnitError for anything else, including other integers and None.
    """
    if _is_bool(value):
        return value
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise UnitError('%r is not a boolean (expected true/false, yes/no, on/off or 1/0)' % (value,))


def to_ratio(value):
    """Return a float ratio in 0..1 from ``0.8``, ``'0.8'`` or ``'80%'``.

    A number above 1 is refused rather than guessed to be a percentage: write ``'80%'``.
    """
    if isinstance(value, (int, float)) and not _is_bool(value):
        amount = _finite_number(value, 'ratio')
    elif isinstance(value, str):
        text = value.strip()
        percent = text.endswith('%')
        if percent:
            text = text[:-1].rstrip()
        match = re.match(r'^[+-]?' + _NUMBER + r'$', text)
        if not match:
            raise UnitError('%r is not a ratio (expected a number from 0 to 1, or a percentage such as 80%%)' % (value,))
        amount = Fraction(text)
        if percent:
            amount /= 100
    else:
        raise UnitError('%r (%s) is not a ratio' % (value, type(value).__name__))
    if amount < 0 or amount > 1:
        raise UnitError('%r is outside 0..1 (0%%..100%%); write a percentage with a %% sign, e.g. 80%%' % (value,))
    return float(amount)
