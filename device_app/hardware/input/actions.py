"""The named actions every input source produces and every screen consumes.

Screens never look at key codes: a TV remote, a keyboard, a GPIO button, a CEC
remote and a tap on a touch panel all end up as one of these strings. The set
follows the action layer in design-notes §6 (arrows, select, back, home,
menu, info, the four colour keys and the digits).
"""

from __future__ import annotations

UP = "up"
DOWN = "down"
LEFT = "left"
RIGHT = "right"
SELECT = "select"
BACK = "back"
HOME = "home"
MENU = "menu"
INFO = "info"
RED = "red"
GREEN = "green"
YELLOW = "yellow"
BLUE = "blue"
DIGIT_0 = "digit_0"
DIGIT_1 = "digit_1"
DIGIT_2 = "digit_2"
DIGIT_3 = "digit_3"
DIGIT_4 = "digit_4"
DIGIT_5 = "digit_5"
DIGIT_6 = "digit_6"
DIGIT_7 = "digit_7"
DIGIT_8 = "digit_8"
DIGIT_9 = "digit_9"

DIGITS: tuple[str, ...] = (
    DIGIT_0,
    DIGIT_1,
    DIGIT_2,
    DIGIT_3,
    DIGIT_4,
    DIGIT_5,
    DIGIT_6,
    DIGIT_7,
    DIGIT_8,
    DIGIT_9,
)
NAVIGATION: tuple[str, ...] = (UP, DOWN, LEFT, RIGHT)
COLOURS: tuple[str, ...] = (RED, GREEN, YELLOW, BLUE)

ALL_ACTIONS: frozenset[str] = frozenset(
    (*NAVIGATION, SELECT, BACK, HOME, MENU, INFO, *COLOURS, *DIGITS)
)


def digit_value(action: str) -> int | None:
    """The number a ``digit_N`` action stands for, or None for any other action."""
    if action in DIGITS:
        return DIGITS.index(action)
    return None
