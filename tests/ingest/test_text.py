from ingest.text import looks_binary


def test_text_with_tabs_newlines_form_feeds_and_carriage_returns_is_not_binary():
    assert not looks_binary(b"a\tb\r\nc\x0cd\n" * 200)


def test_more_than_five_percent_control_bytes_is_binary_without_any_nul():
    assert looks_binary(b"\x01\x02\x1b" * 6 + b"x" * 100)  # 18 of 118 bytes
    assert not looks_binary(b"\x1b" * 5 + b"x" * 100)  # 5 of 105 bytes


def test_the_whole_data_is_looked_at_not_only_its_first_8_kib():
    assert looks_binary(b"x" * 8192 + b"\x00\x01" * 1000)
    assert looks_binary(b"x" * 100_000 + b"\x01\x02\x1b" * 200 + b"x" * 100_000)
