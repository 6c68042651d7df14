import hashlib
from collections.abc import Iterator

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    select,
    text,
)

from portal.core.encryption import (
    DecryptionFailed,
    EncryptedText,
    EncryptionNotConfigured,
    blind_index,
    configure_encryption,
    decrypt_text,
    encrypt_text,
    generate_key,
    reset_encryption,
    rotate_token,
)

CODE = "131052-308T"


@pytest.fixture(autouse=True)
def _no_keys_left_behind() -> Iterator[None]:
    reset_encryption()
    yield
    reset_encryption()


def test_round_trip_and_ciphertext_is_not_plaintext() -> None:
    configure_encryption([generate_key()])
    first = encrypt_text(CODE)
    second = encrypt_text(CODE)
    assert CODE not in first
    assert first != second  # random IV: equal values cannot be spotted in the table
    assert decrypt_text(first) == CODE
    assert decrypt_text(second) == CODE


def test_non_ascii_round_trip() -> None:
    configure_encryption([generate_key()])
    assert decrypt_text(encrypt_text("Åsa Öhman")) == "Åsa Öhman"


def test_wrong_key_fails_clearly() -> None:
    configure_encryption([generate_key()])
    token = encrypt_text(CODE)
    configure_encryption([generate_key()])
    with pytest.raises(DecryptionFailed):
        decrypt_text(token)


def test_tampered_or_garbage_token_fails_clearly() -> None:
    configure_encryption([generate_key()])
    token = encrypt_text(CODE)
    tampered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    for bad in (tampered, "not a token", "äö"):
        with pytest.raises(DecryptionFailed):
            decrypt_text(bad)


def test_rotation_first_key_encrypts_all_decrypt() -> None:
    old, new = generate_key(), generate_key()
    configure_encryption([old])
    old_token = encrypt_text(CODE)

    configure_encryption([new, old])
    assert decrypt_text(old_token) == CODE
    new_token = encrypt_text(CODE)
    rotated = rotate_token(old_token)

    configure_encryption([new])  # old key retired
    assert decrypt_text(new_token) == CODE
    assert decrypt_text(rotated) == CODE
    with pytest.raises(DecryptionFailed):
        decrypt_text(old_token)


def test_not_configured() -> None:
    with pytest.raises(EncryptionNotConfigured):
        encrypt_text(CODE)
    with pytest.raises(EncryptionNotConfigured):
        decrypt_text("x")


def test_bad_configuration_fails_at_start_up() -> None:
    with pytest.raises(ValueError, match="at least one"):
        configure_encryption([])
    with pytest.raises(ValueError, match="#2") as excinfo:
        configure_encryption([generate_key(), "short-secret"])
    assert "short-secret" not in str(excinfo.value)
    with pytest.raises(TypeError):
        configure_encryption(generate_key())  # type: ignore[arg-type]


def test_blind_index_matches_rfc_4231_hmac_sha256() -> None:
    # RFC 4231, test case 2.
    assert blind_index("what do ya want for nothing?", "Jefe") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_blind_index_properties() -> None:
    key = generate_key()
    assert blind_index(CODE, key) == blind_index(CODE, key)
    assert blind_index(CODE, key) != blind_index("131052-9085", key)
    assert blind_index(CODE, key) != blind_index(CODE, generate_key())
    assert blind_index(CODE, key.encode()) == blind_index(CODE, key)
    assert blind_index(CODE, key) != hashlib.sha256(CODE.encode()).hexdigest()
    with pytest.raises(ValueError, match="empty"):
        blind_index(CODE, "")


def test_encrypted_column_with_sqlalchemy() -> None:
    configure_encryption([generate_key()])
    metadata = MetaData()
    people = Table(
        "people",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("identity_code", EncryptedText(), nullable=True),
        Column("identity_code_index", String(64), nullable=True),
    )
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    index_key = generate_key()
    with engine.begin() as connection:
        connection.execute(
            insert(people),
            [
                {
                    "id": 1,
                    "identity_code": CODE,
                    "identity_code_index": blind_index(CODE, index_key),
                },
                {"id": 2, "identity_code": None, "identity_code_index": None},
            ],
        )
        raw = connection.execute(text("SELECT identity_code FROM people ORDER BY id")).all()
        assert raw[0][0] != CODE
        assert CODE not in raw[0][0]
        assert raw[1][0] is None
        rows = connection.execute(select(people.c.identity_code).order_by(people.c.id)).all()
        assert [row[0] for row in rows] == [CODE, None]
        found = connection.execute(
            select(people.c.id).where(people.c.identity_code_index == blind_index(CODE, index_key))
        ).scalar_one()
        assert found == 1
    engine.dispose()
