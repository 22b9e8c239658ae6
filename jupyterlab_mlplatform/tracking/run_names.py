"""Readable default run names ("bold-heron-42"), as MLflow and W&B give them."""

from __future__ import annotations

import secrets

_ADJECTIVES = (
    "amber agile bold brave bright calm clever crisp dapper eager fancy fierce gentle glad "
    "golden grand happy honest jolly keen kind lively lucky merry mighty neat nimble noble "
    "polite proud quick quiet rapid rare shiny silent sleek smart snowy solid spry steady "
    "sunny swift tidy vivid warm wise witty zesty"
).split()
_NOUNS = (
    "ant badger bat bear beaver bee bison boar carp cat cobra colt crab crane crow deer "
    "dove eagle eel elk falcon ferret finch fox frog gecko goat goose hare hawk heron horse "
    "ibis jay koala lark lemur lion lynx mole moose moth newt otter owl panda pike puma "
    "quail raven robin seal shark sloth snail stork swan tiger toad trout wasp whale wolf yak"
).split()


def random_run_name() -> str:
    """A name like ``bold-heron-42``: easy to say out loud, unlikely to repeat."""
    return (
        f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NOUNS)}-{secrets.randbelow(1000)}"
    )
