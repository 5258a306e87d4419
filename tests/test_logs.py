"""No token or secret ever reaches a log line."""

import logging

from bot.logs import RedactingFilter, configure_logging

# Token-shaped strings, assembled here so no committed line looks like a real credential.
TOKENS = [
    "-".join(["xoxb", "1234567890", "1234567890123", "abcdefABCDEF"]),
    "xapp-1-A0123-4567-abcdef",
    "xoxp-99-88-77",
]


def test_tokens_and_secrets_are_masked(caplog) -> None:
    secret = "8f742231b10e8888abcd99yyyzzz85a5"
    logger = logging.getLogger("pipebot.test")
    caplog.handler.addFilter(RedactingFilter([secret]))
    with caplog.at_level(logging.INFO):
        for token in TOKENS:
            logger.info("calling Slack with %s", token)
        logger.warning("signing secret is %s", secret)
        try:
            raise RuntimeError(f"boom {TOKENS[0]}")
        except RuntimeError:
            logger.exception("failed")
    text = caplog.text
    for value in [*TOKENS, secret]:
        assert value not in text
    assert "xoxb-***" in text and "xapp-***" in text


def test_configure_logging_quiets_the_sdks_and_emits_json(capsys) -> None:
    configure_logging("INFO", "json", ["supersecretvalue"])
    logging.getLogger("slack_sdk.web").debug("request body with an email")
    logging.getLogger("pipebot").info("hello supersecretvalue")
    err = capsys.readouterr().err
    assert '"message": "hello ***"' in err
    assert "request body" not in err
    assert logging.getLogger("slack_sdk").level >= logging.WARNING
