# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.koor.ceph.plugins.module_utils.units import (
    UnitError,
    human_bytes,
    to_bool,
    to_bytes,
    to_ratio,
    to_seconds,
)

GiB = 2 ** 30


def test_unit_error_is_a_value_error():
    assert issubclass(UnitError, ValueError)


# --- to_bytes ---------------------------------------------------------------

@pytest.mark.parametrize('value, expected', [
    (0, 0),
    (4096, 4096),
    (10 * GiB, 10 * GiB),
    (4096.0, 4096),
    ('0', 0),
    ('4096', 4096),
    ('  4096  ', 4096),
    ('4096B', 4096),
    ('4096 B', 4096),
    ('10Gi', 10 * GiB),
    ('10GiB', 10 * GiB),
    ('10 GiB', 10 * GiB),
    ('1Ki', 1024),
    ('1ki', 1024),
    ('1KiB', 1024),
    ('512Mi', 512 * 2 ** 20),
    ('1Ti', 2 ** 40),
    ('1Pi', 2 ** 50),
    ('1Ei', 2 ** 60),
    ('1EiB', 2 ** 60),
    ('1.5Gi', 1610612736),
    ('.5Ki', 512),
    ('1.5TiB', 1649267441664),
])
def test_to_bytes_binary_forms_are_the_same_in_both_modes(value, expected):
    assert to_bytes(value) == expected
    assert to_bytes(value, binary_si=True) == expected


@pytest.mark.parametrize('value, kubernetes, ceph', [
    ('10G', 10 * 10 ** 9, 10 * GiB),
    ('10 GB', 10 * 10 ** 9, 10 * GiB),
    ('10GB', 10 * 10 ** 9, 10 * GiB),
    ('1.5T', 1500 * 10 ** 9, 1649267441664),
    ('512M', 512 * 10 ** 6, 512 * 2 ** 20),
    ('100k', 100000, 102400),
    ('100K', 100000, 102400),
    ('1kB', 1000, 1024),
    ('1P', 10 ** 15, 2 ** 50),
    ('1E', 10 ** 18, 2 ** 60),
    ('2.5M', 2500000, 2621440),
])
def test_to_bytes_plain_si_letters_depend_on_binary_si(value, kubernetes, ceph):
    assert to_bytes(value) == kubernetes
    assert to_bytes(value, binary_si=False) == kubernetes
    assert to_bytes(value, binary_si=True) == ceph


def test_to_bytes_decimal_exponent_as_kubernetes_allows():
    assert to_bytes('1e3') == 1000
    assert to_bytes('1E3') == 1000
    assert to_bytes('5e9') == 5 * 10 ** 9
    assert to_bytes('1e3Ki') == 1024000


def test_to_bytes_e_alone_is_the_exa_prefix_not_an_exponent():
    assert to_bytes('2E') == 2 * 10 ** 18
    assert to_bytes('2EB', binary_si=True) == 2 * 2 ** 60


def test_to_bytes_returns_int():
    for value in ('1.5Gi', 4096.0, '4096'):
        result = to_bytes(value)
        assert isinstance(result, int) and not isinstance(result, bool)


@pytest.mark.parametrize('value', [-1, '-1', '-10Gi', ' -5', -4096.0])
def test_to_bytes_rejects_negative(value):
    with pytest.raises(UnitError, match=r'negative'):
        to_bytes(value)


def test_to_bytes_error_names_the_value():
    with pytest.raises(UnitError) as err:
        to_bytes('-10Gi')
    assert "'-10Gi'" in str(err.value)


@pytest.mark.parametrize('value', ['0.5', '1.1Ki', '0.3', 4096.5, '1.1K'])
def test_to_bytes_rejects_fractional_bytes(value):
    with pytest.raises(UnitError, match=r'not a whole number of bytes') as err:
        to_bytes(value, binary_si=True)
    assert repr(value) in str(err.value)


def test_to_bytes_fraction_decided_by_the_mode():
    # 1.1k is 1100 bytes as Kubernetes reads it, 1126.4 bytes as Ceph reads it.
    assert to_bytes('1.1k') == 1100
    with pytest.raises(UnitError, match=r"'1.1k' is not a whole number of bytes"):
        to_bytes('1.1k', binary_si=True)


@pytest.mark.parametrize('value', ['512m', '10mi', '1mB'])
def test_to_bytes_rejects_milli(value):
    with pytest.raises(UnitError, match=r"'m' is milli") as err:
        to_bytes(value)
    assert repr(value) in str(err.value)


@pytest.mark.parametrize('value', ['10Gb', '10gb', '1kb'])
def test_to_bytes_rejects_bits(value):
    with pytest.raises(UnitError, match=r"'b' means bits"):
        to_bytes(value)


@pytest.mark.parametrize('value', ['10X', '10Zi', '10Y', '10g', '10GiBB', '10iB', '10i', '10 G i', '10bytes'])
def test_to_bytes_rejects_unknown_units(value):
    with pytest.raises(UnitError, match=r'unknown size unit|not a size') as err:
        to_bytes(value)
    assert repr(value) in str(err.value)


@pytest.mark.parametrize('value', ['', '   ', 'abc', 'Gi', '1.2.3', '10 Gi 2', '+5', '1,5G', '0x10', 'ten'])
def test_to_bytes_rejects_garbage(value):
    with pytest.raises(UnitError, match=r'is not a size') as err:
        to_bytes(value)
    assert repr(value) in str(err.value)


@pytest.mark.parametrize('value', [None, True, False, [], {}, float('nan'), float('inf')])
def test_to_bytes_rejects_non_sizes(value):
    with pytest.raises(UnitError):
        to_bytes(value)


def test_to_bytes_rejects_booleans_with_a_clear_message():
    with pytest.raises(UnitError, match=r'True is a boolean, not a size'):
        to_bytes(True)


def test_to_bytes_rejects_none_naming_the_type():
    with pytest.raises(UnitError, match=r'None \(NoneType\) is not a size'):
        to_bytes(None)


# --- human_bytes ------------------------------------------------------------

@pytest.mark.parametrize('value, expected', [
    (0, '0 B'),
    (1, '1 B'),
    (1023, '1023 B'),
    (1024, '1 KiB'),
    (1536, '1.5 KiB'),
    (10737418240, '10 GiB'),
    (1610612736, '1.5 GiB'),
    (1234567, '1.18 MiB'),
    (2 ** 40, '1 TiB'),
    (2 ** 50, '1 PiB'),
    (2 ** 60, '1 EiB'),
    (2 ** 70, '1024 EiB'),
    (1048575, '1 MiB'),
    ('10737418240', '10 GiB'),
    ('10Gi', '10 GiB'),
])
def test_human_bytes_binary(value, expected):
    assert human_bytes(value) == expected


@pytest.mark.parametrize('value, expected', [
    (999, '999 B'),
    (1000, '1 kB'),
    (10737418240, '10.74 GB'),
    (10 ** 12, '1 TB'),
    (1500 * 10 ** 6, '1.5 GB'),
    (999999, '1 MB'),
])
def test_human_bytes_decimal(value, expected):
    assert human_bytes(value, binary=False) == expected


@pytest.mark.parametrize('value', [1, 1024, 1536, 10737418240, 1610612736, 2 ** 40 * 3])
def test_human_bytes_round_trips_through_to_bytes_when_exact(value):
    assert to_bytes(human_bytes(value).replace(' ', '')) == value


@pytest.mark.parametrize('value', [-1, 'lots', None, 1.5])
def test_human_bytes_rejects_what_to_bytes_rejects(value):
    with pytest.raises(UnitError) as err:
        human_bytes(value)
    assert repr(value) in str(err.value)


# --- to_seconds -------------------------------------------------------------

@pytest.mark.parametrize('value, expected', [
    (0, 0),
    (30, 30),
    (1.5, 1.5),
    ('30', 30),
    ('1.5', 1.5),
    ('30s', 30),
    ('30 s', 30),
    ('30sec', 30),
    ('30 seconds', 30),
    ('1 second', 1),
    ('500ms', 0.5),
    ('250msec', 0.25),
    ('1500ms', 1.5),
    ('2000ms', 2),
    ('5m', 300),
    ('5min', 300),
    ('5 minutes', 300),
    ('2h', 7200),
    ('2hr', 7200),
    ('2 hours', 7200),
    ('1.5h', 5400),
    ('1d', 86400),
    ('1 day', 86400),
    ('2days', 172800),
    ('1w', 604800),
    ('1 week', 604800),
    ('1mo', 2592000),
    ('1 month', 2592000),
    ('1y', 31536000),
    ('1 year', 31536000),
    ('1h30m', 5400),
    ('1h 30m', 5400),
    ('1d 2h 3m 4s', 93784),
    ('2m30s', 150),
    ('1s500ms', 1.5),
    ('100us', 0.0001),
    ('  10s  ', 10),
])
def test_to_seconds(value, expected):
    result = to_seconds(value)
    assert result == expected
    assert isinstance(result, float) is isinstance(expected, float)


@pytest.mark.parametrize('value', [-1, '-5m', -0.5, ' -1s'])
def test_to_seconds_rejects_negative(value):
    with pytest.raises(UnitError, match=r'negative') as err:
        to_seconds(value)
    assert repr(value) in str(err.value)


@pytest.mark.parametrize('value', ['5M', '5S', '5x', '5 fortnights', '1H'])
def test_to_seconds_rejects_unknown_units(value):
    with pytest.raises(UnitError, match=r'unknown duration unit') as err:
        to_seconds(value)
    assert repr(value) in str(err.value)


@pytest.mark.parametrize('value', ['', '  ', 's', 'abc', '1 30m', '5m 30', '1..5s', '1h-30m', '5m,30s'])
def test_to_seconds_rejects_garbage(value):
    with pytest.raises(UnitError, match=r'is not a duration|unknown duration unit') as err:
        to_seconds(value)
    assert repr(value) in str(err.value)


@pytest.mark.parametrize('value', [None, True, [], float('nan'), float('inf')])
def test_to_seconds_rejects_non_durations(value):
    with pytest.raises(UnitError):
        to_seconds(value)


# --- to_bool ----------------------------------------------------------------

@pytest.mark.parametrize('value', [True, 1, 'true', 'True', 'TRUE', 'yes', 'Yes', 'on', 'ON', '1', ' true '])
def test_to_bool_true(value):
    assert to_bool(value) is True


@pytest.mark.parametrize('value', [False, 0, 'false', 'False', 'no', 'NO', 'off', 'Off', '0'])
def test_to_bool_false(value):
    assert to_bool(value) is False


@pytest.mark.parametrize('value', ['', 'y', 'n', 'maybe', '2', 2, -1, None, 1.0, 'truee'])
def test_to_bool_rejects_others(value):
    with pytest.raises(UnitError, match=r'is not a boolean') as err:
        to_bool(value)
    assert repr(value) in str(err.value)


# --- to_ratio ---------------------------------------------------------------

@pytest.mark.parametrize('value, expected', [
    ('80%', 0.8),
    ('80 %', 0.8),
    ('0%', 0.0),
    ('100%', 1.0),
    ('12.5%', 0.125),
    (0.8, 0.8),
    ('0.8', 0.8),
    ('.95', 0.95),
    (0, 0.0),
    (1, 1.0),
    ('1', 1.0),
])
def test_to_ratio(value, expected):
    result = to_ratio(value)
    assert result == expected
    assert isinstance(result, float)


@pytest.mark.parametrize('value', ['150%', 80, 1.01, '-1%', -0.1, '101%', '2'])
def test_to_ratio_rejects_out_of_range(value):
    with pytest.raises(UnitError, match=r'outside 0\.\.1') as err:
        to_ratio(value)
    assert repr(value) in str(err.value)


@pytest.mark.parametrize('value', ['', '%', 'eighty', '80%%', '0.8.1', '80 percent'])
def test_to_ratio_rejects_garbage(value):
    with pytest.raises(UnitError, match=r'is not a ratio') as err:
        to_ratio(value)
    assert repr(value) in str(err.value)


@pytest.mark.parametrize('value', [None, True, [], float('nan')])
def test_to_ratio_rejects_non_ratios(value):
    with pytest.raises(UnitError):
        to_ratio(value)
